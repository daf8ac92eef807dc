"""story.author_id nullable: an anonymous story stays when its author is erased

Revision ID: 0010_erase
Revises: 0009_dashboard
Create Date: 2026-11-25 14:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_erase"
down_revision: str | Sequence[str] | None = "0009_dashboard"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _foreign_keys(on: bool) -> None:
    """SQLite rebuilds the table (copy, drop, rename): with foreign keys on, dropping ``story``
    while reactions point at it fails. Outside a transaction ``foreign_keys`` switches them off;
    inside one only ``defer_foreign_keys`` works (checked at commit, when every reference points
    at the rebuilt table again): issue both, whichever applies takes effect."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"PRAGMA foreign_keys = {'ON' if on else 'OFF'}")
        op.execute(f"PRAGMA defer_foreign_keys = {'OFF' if on else 'ON'}")


def upgrade() -> None:
    _foreign_keys(False)
    with op.batch_alter_table("story", schema=None) as batch_op:
        batch_op.alter_column("author_id", existing_type=sa.Integer(), nullable=True)
    _foreign_keys(True)


def downgrade() -> None:
    op.execute(
        "DELETE FROM story_reaction WHERE story_id IN (SELECT id FROM story WHERE author_id IS NULL)"
    )
    op.execute(
        "DELETE FROM story_digest_item WHERE story_id IN (SELECT id FROM story WHERE author_id IS NULL)"
    )
    op.execute("DELETE FROM story WHERE author_id IS NULL")
    _foreign_keys(False)
    with op.batch_alter_table("story", schema=None) as batch_op:
        batch_op.alter_column("author_id", existing_type=sa.Integer(), nullable=False)
    _foreign_keys(True)
