"""one head again: delivery and roadmap

Revision ID: 0007_merge_delivery
Revises: 0004_delivery, 0006_roadmap
Create Date: 2026-11-25 13:55:00
"""

from collections.abc import Sequence

revision: str = "0007_merge_delivery"
down_revision: str | Sequence[str] | None = ("0004_delivery", "0006_roadmap")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
