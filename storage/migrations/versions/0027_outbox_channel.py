"""results shared in a team channel: outbox gains channel

Revision ID: 0027_outbox_channel
Revises: 0026_tick_state
Create Date: 2026-12-08 01:00:00

A manager may share their team's results in a team channel (Slack: its channel id; Teams: its
channel's conversation id) instead of each member's direct message: the outbox row names it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0027_outbox_channel"
down_revision: str | Sequence[str] | None = "0026_tick_state"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "outbox",
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    )


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("channel")
