"""one head after cascade scheduling and the schedules/erase merge

Revision ID: 0012_merge_cascade_schedule
Revises: 0011_cascade_schedule, 0011_merge_erase_schedules
Create Date: 2026-11-25 14:13:00.000000
"""

from collections.abc import Sequence

revision: str = "0012_merge_cascade_schedule"
down_revision: str | Sequence[str] | None = ("0011_cascade_schedule", "0011_merge_erase_schedules")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
