"""one head after the disclosure gate and the schedules

Revision ID: 0013_merge_gate_schedules
Revises: 0010_merge_gate_dashboard, 0012_merge_cascade_schedule
Create Date: 2026-11-25 14:22:00
"""

from collections.abc import Sequence

revision: str = "0013_merge_gate_schedules"
down_revision: str | Sequence[str] | None = (
    "0010_merge_gate_dashboard",
    "0012_merge_cascade_schedule",
)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
