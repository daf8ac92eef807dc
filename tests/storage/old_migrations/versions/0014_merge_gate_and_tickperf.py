"""one head after the disclosure gate and tickperf's job marks

Revision ID: 0014_merge_gate_tickperf
Revises: 0013_merge_gate_schedules, 0013_merge_tickperf_cascade
Create Date: 2026-11-25 14:26:00
"""

from collections.abc import Sequence

revision: str = "0014_merge_gate_tickperf"
down_revision: str | Sequence[str] | None = (
    "0013_merge_gate_schedules",
    "0013_merge_tickperf_cascade",
)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
