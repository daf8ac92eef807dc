"""one head after the tickperf indexes and the story author erase

Revision ID: 0011_merge_tickperf_erase
Revises: 0009_tickperf, 0010_erase
Create Date: 2026-11-25 14:08:00.000000
"""

from collections.abc import Sequence

revision: str = "0011_merge_tickperf_erase"
down_revision: str | Sequence[str] | None = ("0009_tickperf", "0010_erase")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
