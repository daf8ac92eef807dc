"""one head after person paused_until and the roadmap tables

Revision ID: 0007_merge_pause_roadmap
Revises: 0006_pause, 0006_roadmap
Create Date: 2026-11-25 13:52:00.000000
"""

from collections.abc import Sequence

revision: str = "0007_merge_pause_roadmap"
down_revision: str | Sequence[str] | None = ("0006_pause", "0006_roadmap")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
