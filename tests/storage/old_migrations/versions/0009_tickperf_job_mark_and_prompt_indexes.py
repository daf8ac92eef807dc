"""tickperf: job_mark table, pulse_prompt indexes by status and time

Revision ID: 0009_tickperf
Revises: 0008_merge_pause
Create Date: 2026-11-25 14:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types

revision: str = "0009_tickperf"
down_revision: str | Sequence[str] | None = "0008_merge_pause"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job_mark",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("until", storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_index(
        "ix_pulse_prompt_status_send_at", "pulse_prompt", ["status", "send_at"], unique=False
    )
    op.create_index(
        "ix_pulse_prompt_status_closes_at", "pulse_prompt", ["status", "closes_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_pulse_prompt_status_closes_at", table_name="pulse_prompt")
    op.drop_index("ix_pulse_prompt_status_send_at", table_name="pulse_prompt")
    op.drop_table("job_mark")
