"""outbox: partial indexes of rows being sent and rows sent, by person (claims' spacing)

Revision ID: 0016_person_spacing
Revises: 0015_invite_created
Create Date: 2026-12-02 18:40:00

With limits shared across instances, a claim skips a person who has a row being sent or one
sent a moment ago (bot.delivery.claim). Each test is one probe of a small index: rows being
sent are a handful; rows sent are found by person and time.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_person_spacing"
down_revision: str | Sequence[str] | None = "0015_invite_created"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SENDING = "status = 'sending'"
SENT = "status = 'sent'"


def upgrade() -> None:
    op.create_index(
        "ix_outbox_sending_person",
        "outbox",
        ["person_id"],
        unique=False,
        sqlite_where=sa.text(SENDING),
        postgresql_where=sa.text(SENDING),
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
    op.drop_index("ix_outbox_sending_person", table_name="outbox")
