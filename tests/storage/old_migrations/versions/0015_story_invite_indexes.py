"""story_invite indexes by person and time (the invitation tick's "invited since / this week?")

Revision ID: 0015_invite_created
Revises: 0014_merge_gate_tickperf
Create Date: 2026-12-02 15:35:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015_invite_created"
down_revision: str | Sequence[str] | None = "0014_merge_gate_tickperf"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_story_invite_person_id_created_at",
        "story_invite",
        ["person_id", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_story_invite_person_id_week_start",
        "story_invite",
        ["person_id", "week_start"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_story_invite_person_id_week_start", table_name="story_invite")
    op.drop_index("ix_story_invite_person_id_created_at", table_name="story_invite")
