"""one head after the capabilities

Revision ID: 0003_merge
Revises: 0002_cascade, 0002_slack_tz_source, 0002_stories
Create Date: 2026-11-24 15:18:42.291319
"""

from collections.abc import Sequence

revision: str = "0003_merge"
down_revision: str | Sequence[str] | None = ("0002_cascade", "0002_slack_tz_source", "0002_stories")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
