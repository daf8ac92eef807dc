"""An idle tick without the ORM: tick_state, tick_change and the triggers that fill it

Revision ID: 0026_tick_state
Revises: 0025_text_language
Create Date: 2026-12-08 00:00:00

The last full tick records until when nothing is due (tick_state); every write to a table a
tick job reads adds a row to tick_change, so ``culturebot tick`` can tell with the plain driver
that nothing changed since (storage.quiet, storage.tick_state).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.quiet import PG_FUNCTION, trigger_sql

revision: str = "0026_tick_state"
down_revision: str | Sequence[str] | None = "0025_text_language"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tick_state",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.Column("quiet_until", sa.BigInteger(), nullable=True),
        sa.Column("basis", sa.String(length=64), nullable=False),
        sa.Column("report", sa.String(), nullable=False),
    )
    op.create_table("tick_change", sa.Column("id", sa.Integer(), primary_key=True))
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(PG_FUNCTION)
    for table in sa.inspect(op.get_bind()).get_table_names():
        for statement in trigger_sql(dialect, table):
            op.execute(statement)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP FUNCTION tick_changed() CASCADE")
    else:
        for (name,) in bind.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'tick_change_%'"
        ):
            op.execute(f'DROP TRIGGER "{name}"')
    op.drop_table("tick_change")
    op.drop_table("tick_state")
