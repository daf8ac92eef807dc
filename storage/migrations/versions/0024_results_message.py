"""results reach people: results_message (one results message per person and period)

Revision ID: 0024_results_message
Revises: 0023_person_locale
Create Date: 2026-12-08 00:40:00

When a period is published, each manager with a shown figure for their team (and each leader
for their part) gets one message with it; the row records it (unique per person and period),
the figures as shown (so sharing posts exactly them), the action planned and the share.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types

revision: str = "0024_results_message"
down_revision: str | Sequence[str] | None = "0023_person_locale"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "results_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("sent_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.Column("weakest", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("objective_id", sa.Integer(), nullable=True),
        sa.Column("shared_at", storage.types.UTCDateTime(), nullable=True),
        sa.Column("shared_to", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.ForeignKeyConstraint(["objective_id"], ["objective.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id", "period"),
    )
    op.create_index(
        op.f("ix_results_message_person_id"), "results_message", ["person_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_results_message_person_id"), table_name="results_message")
    op.drop_table("results_message")
