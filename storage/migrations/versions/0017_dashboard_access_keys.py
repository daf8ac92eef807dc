"""dashboard: dashboard_access (a never-reused key per person), dashboard_session.access_key

Revision ID: 0017_access_keys
Revises: 0016_person_spacing
Create Date: 2026-12-07 16:20:00

Sign-in links and sessions named only the person's id, and ids are reused (SQLite gives an
erased person's id to the next one imported). They now also name a random access key that
erasure, deactivation and re-activation delete. Sessions opened before this revision carry no
key and end: people sign in again with a new link.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types

revision: str = "0017_access_keys"
down_revision: str | Sequence[str] | None = "0016_person_spacing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dashboard_access",
        sa.Column("person_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("person_id"),
    )
    op.add_column(
        "dashboard_session",
        sa.Column(
            "access_key",
            sqlmodel.sql.sqltypes.AutoString(length=64),
            server_default="",
            nullable=False,
        ),
    )


def downgrade() -> None:
    with op.batch_alter_table("dashboard_session") as batch:
        batch.drop_column("access_key")
    op.drop_table("dashboard_access")
