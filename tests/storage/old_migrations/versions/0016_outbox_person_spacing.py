"""outbox: partial indexes of rows claimed and rows sent, by person (claims' spacing); id in ix_outbox_due

Revision ID: 0016_person_spacing
Revises: 0015_invite_created
Create Date: 2026-12-02 18:40:00

With limits shared across instances, a claim skips a person who has a row being sent or one
sent a moment ago (bot.delivery.worker.claim). Each test is one probe of an index by person: rows
claimed (being sent) are a handful; rows sent are found by person and time. (Rows claimed are
told by ``claimed_by``, not by status, so the planner cannot take the status index instead and
read every row being sent.)

``ix_outbox_due`` gets ``id``, the claims' tie-break (ORDER BY next_attempt_at, id): a round is
queued at one time, so without it PostgreSQL read and sorted the whole round on every claim
(5-8 ms for 4,000 rows, and a per-person test on each row read).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_person_spacing"
down_revision: str | Sequence[str] | None = "0015_invite_created"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DUE = "status IN ('pending', 'sending')"
CLAIMED = "claimed_by IS NOT NULL"
SENT = "status = 'sent'"


def upgrade() -> None:
    _due_index(["platform", "next_attempt_at", "id"])
    op.create_index(
        "ix_outbox_claimed_person",
        "outbox",
        ["person_id"],
        unique=False,
        sqlite_where=sa.text(CLAIMED),
        postgresql_where=sa.text(CLAIMED),
    )
    op.create_index(
        "ix_outbox_sent_person",
        "outbox",
        ["person_id", "sent_at"],
        unique=False,
        sqlite_where=sa.text(SENT),
        postgresql_where=sa.text(SENT),
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_sent_person", table_name="outbox")
    op.drop_index("ix_outbox_claimed_person", table_name="outbox")
    _due_index(["platform", "next_attempt_at"])


def _due_index(columns: list[str]) -> None:
    op.drop_index("ix_outbox_due", table_name="outbox")
    op.create_index(
        "ix_outbox_due",
        "outbox",
        columns,
        unique=False,
        sqlite_where=sa.text(DUE),
        postgresql_where=sa.text(DUE),
    )
