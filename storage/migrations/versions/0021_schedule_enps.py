"""eNPS: pulse_schedule gains enps

Revision ID: 0021_schedule_enps
Revises: 0020_cell_coverage
Create Date: 2026-12-07 20:00:00

A schedule may also ask the standard eNPS question (0-10), once per turn of its questions.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021_schedule_enps"
down_revision: str | Sequence[str] | None = "0020_cell_coverage"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "pulse_schedule",
        sa.Column("enps", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table("pulse_schedule") as batch:
        batch.drop_column("enps")
