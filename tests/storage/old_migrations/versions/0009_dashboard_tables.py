"""dashboard: dashboard_secret, dashboard_token_use, dashboard_session

Revision ID: 0009_dashboard
Revises: 0008_merge_pause
Create Date: 2026-11-25 13:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types

revision: str = "0009_dashboard"
down_revision: str | Sequence[str] | None = "0008_merge_pause"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dashboard_secret",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "dashboard_token_use",
        sa.Column("nonce", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("used_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("nonce"),
    )
    op.create_index(op.f("ix_dashboard_token_use_person_id"), "dashboard_token_use", ["person_id"])
    op.create_index(
        op.f("ix_dashboard_token_use_expires_at"), "dashboard_token_use", ["expires_at"]
    )
    op.create_table(
        "dashboard_session",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("csrf", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_dashboard_session_person_id"), "dashboard_session", ["person_id"])
    op.create_index(op.f("ix_dashboard_session_expires_at"), "dashboard_session", ["expires_at"])


def downgrade() -> None:
    op.drop_table("dashboard_session")
    op.drop_table("dashboard_token_use")
    op.drop_table("dashboard_secret")
