"""one head after person paused_until and the delivery/roadmap merge

Revision ID: 0008_merge_pause
Revises: 0006_pause, 0007_merge_delivery
Create Date: 2026-11-25 13:53:00.000000
"""

from collections.abc import Sequence

revision: str = "0008_merge_pause"
down_revision: str | Sequence[str] | None = ("0006_pause", "0007_merge_delivery")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
