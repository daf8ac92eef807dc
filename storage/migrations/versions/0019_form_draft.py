"""forms in progress: form_draft (a story kept after a refusal, finished later)

Revision ID: 0019_form_draft
Revises: 0018_live_floor
Create Date: 2026-12-07 19:55:00

A story refused for one field lost every field typed. What was typed is now kept per person
and form until the form is sent, so only the wrong field is asked again, after a restart too
(issue 23).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types

revision: str = "0019_form_draft"
down_revision: str | Sequence[str] | None = "0018_live_floor"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "form_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("ref", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id", "ref"),
    )
    op.create_index(op.f("ix_form_draft_person_id"), "form_draft", ["person_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_form_draft_person_id"), table_name="form_draft")
    op.drop_table("form_draft")
