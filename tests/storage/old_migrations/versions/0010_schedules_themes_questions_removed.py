"""pulse schedule themes, own question bank, removed flag

Revision ID: 0010_schedules
Revises: 0009_dashboard
Create Date: 2026-11-25 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0010_schedules"
down_revision: str | Sequence[str] | None = "0009_dashboard"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("pulse_schedule", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "themes",
                sqlmodel.sql.sqltypes.AutoString(length=400),
                server_default="",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("question_bank", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("removed", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("pulse_schedule", schema=None) as batch_op:
        batch_op.drop_column("removed")
        batch_op.drop_column("question_bank")
        batch_op.drop_column("themes")
