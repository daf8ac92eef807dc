"""one head after erase and schedules

Revision ID: 0011_merge_erase_schedules
Revises: 0010_erase, 0010_schedules
Create Date: 2026-11-25 14:10:00.000000
"""

from collections.abc import Sequence

revision: str = "0011_merge_erase_schedules"
down_revision: str | Sequence[str] | None = ("0010_erase", "0010_schedules")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
