"""one head after the disclosure gate and the dashboard

Revision ID: 0010_merge_gate_dashboard
Revises: 0008_merge_gate, 0009_dashboard
Create Date: 2026-11-25 14:05:00
"""

from collections.abc import Sequence

revision: str = "0010_merge_gate_dashboard"
down_revision: str | Sequence[str] | None = ("0008_merge_gate", "0009_dashboard")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
