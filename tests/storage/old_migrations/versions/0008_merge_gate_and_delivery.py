"""one head after the disclosure gate, delivery and roadmap

Revision ID: 0008_merge_gate
Revises: 0006_gate, 0007_merge_delivery
Create Date: 2026-11-25 13:55:00
"""

from collections.abc import Sequence

revision: str = "0008_merge_gate"
down_revision: str | Sequence[str] | None = ("0006_gate", "0007_merge_delivery")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
