"""live counts: pulse_round, assessment, cascade and story gain live_floor

Revision ID: 0018_live_floor
Revises: 0017_access_keys
Create Date: 2026-12-07 17:15:00

Erasing a person deleted their prompt, invite, receipt or reaction, so a live count they were
in could step down and tell a poller that they had answered. Erasure now holds the figure
shown at that moment as the count's lower bound (handlers/live_counts.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_live_floor"
down_revision: str | Sequence[str] | None = "0017_access_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("pulse_round", "assessment", "cascade", "story")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("live_floor", sa.Integer(), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("live_floor")
