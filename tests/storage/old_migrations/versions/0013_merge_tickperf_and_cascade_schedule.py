"""one head after the tickperf merge and the cascade schedule merge

Revision ID: 0013_merge_tickperf_cascade
Revises: 0011_merge_tickperf_erase, 0012_merge_cascade_schedule
Create Date: 2026-11-25 14:16:00.000000
"""

from collections.abc import Sequence

revision: str = "0013_merge_tickperf_cascade"
down_revision: str | Sequence[str] | None = (
    "0011_merge_tickperf_erase",
    "0012_merge_cascade_schedule",
)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
