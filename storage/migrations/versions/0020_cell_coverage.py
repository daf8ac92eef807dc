"""disclosure_cell gains invited, population and members: how much of a group was asked

Revision ID: 0020_cell_coverage
Revises: 0019_form_draft
Create Date: 2026-12-07 19:45:00

A round sent to part of the organisation (a manager's check-in) was reported as the whole
organisation's figure. A shown cell now keeps how many people were asked (``invited``), how
many the group held when the period was published (``population``) and a fingerprint of
the (team, department) parts that were asked (``members``), so a report can say "asked: 6
of 60" and show rows holding the same people once (handlers/reports/pulse_reports.py).
Cells published before stay without them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_cell_coverage"
down_revision: str | Sequence[str] | None = "0019_form_draft"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("disclosure_cell", sa.Column("invited", sa.Integer(), nullable=True))
    op.add_column("disclosure_cell", sa.Column("population", sa.Integer(), nullable=True))
    op.add_column("disclosure_cell", sa.Column("members", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("disclosure_cell") as batch:
        batch.drop_column("members")
        batch.drop_column("population")
        batch.drop_column("invited")
