"""person paused_until (leave: no check-ins, relay windows wait)

Revision ID: 0006_pause
Revises: 0005_merge_audit_country
Create Date: 2026-11-25 14:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_pause"
down_revision: str | Sequence[str] | None = "0005_merge_audit_country"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("paused_until", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("paused_until")
