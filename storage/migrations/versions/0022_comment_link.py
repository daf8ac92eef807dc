"""anonymous conversations: comment_link, and pulse answers' conversation_ref

Revision ID: 0022_comment_link
Revises: 0021_schedule_enps
Create Date: 2026-12-08 10:00:00

A person who writes a pulse comment may let a manager who can read it reply anonymously. Only
then does comment_link hold the comment's random reference and its author, until the author
closes the conversation, 90 days pass, or the author is erased (storage/conversations.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types

revision: str = "0022_comment_link"
down_revision: str | Sequence[str] | None = "0021_schedule_enps"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "comment_link",
        sa.Column("ref", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["manager_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("ref"),
    )
    op.create_index(op.f("ix_comment_link_person_id"), "comment_link", ["person_id"])
    op.create_index(op.f("ix_comment_link_created_at"), "comment_link", ["created_at"])
    for table in ("pulse_answer", "pulse_answer_pending"):
        op.add_column(
            table,
            sa.Column(
                "conversation_ref", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True
            ),
        )


def downgrade() -> None:
    for table in ("pulse_answer_pending", "pulse_answer"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("conversation_ref")
    op.drop_index(op.f("ix_comment_link_created_at"), table_name="comment_link")
    op.drop_index(op.f("ix_comment_link_person_id"), table_name="comment_link")
    op.drop_table("comment_link")
