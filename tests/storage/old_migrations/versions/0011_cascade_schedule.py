"""cascade send_at and local_time (scheduled cascades)

Revision ID: 0011_cascade_schedule
Revises: 0010_erase
Create Date: 2026-11-25 14:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types

revision: str = "0011_cascade_schedule"
down_revision: str | Sequence[str] | None = "0010_erase"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cascade", schema=None) as batch_op:
        batch_op.add_column(sa.Column("send_at", storage.types.UTCDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("local_time", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("cascade", schema=None) as batch_op:
        batch_op.drop_column("local_time")
        batch_op.drop_column("send_at")
