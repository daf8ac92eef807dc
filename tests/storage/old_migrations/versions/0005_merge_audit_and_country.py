"""one head after audit_event and person country

Revision ID: 0005_merge_audit_country
Revises: 0004_admin_country, 0004_audit
Create Date: 2026-11-25 13:58:00.000000
"""

from collections.abc import Sequence

revision: str = "0005_merge_audit_country"
down_revision: str | Sequence[str] | None = ("0004_admin_country", "0004_audit")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
