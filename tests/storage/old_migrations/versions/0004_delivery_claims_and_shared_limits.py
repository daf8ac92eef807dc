"""delivery: claim owner, a partial index of due rows, shared send budgets

Revision ID: 0004_delivery
Revises: 0003_merge
Create Date: 2026-11-25 13:50:00

Claims read only rows still to send (``ix_outbox_due``, partial), so a year of sent history
costs nothing; the full-history indexes on platform and next_attempt_at that the planner chose
instead are dropped.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0004_delivery"
down_revision: str | Sequence[str] | None = "0003_merge"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DUE = "status IN ('pending', 'sending')"


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.drop_index("ix_outbox_platform")
        batch_op.drop_index("ix_outbox_next_attempt_at")
    op.create_index(
        "ix_outbox_due",
        "outbox",
        ["platform", "next_attempt_at"],
        unique=False,
        sqlite_where=sa.text(DUE),
        postgresql_where=sa.text(DUE),
    )
    op.create_table(
        "rate_budget",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("next_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("rate_budget")
    op.drop_index("ix_outbox_due", table_name="outbox")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_next_attempt_at", ["next_attempt_at"], unique=False)
        batch_op.create_index("ix_outbox_platform", ["platform"], unique=False)
        batch_op.drop_column("claimed_by")
