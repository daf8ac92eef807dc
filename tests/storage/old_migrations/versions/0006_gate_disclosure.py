"""the disclosure gate: periods, pending answers, published cells

Revision ID: 0006_gate
Revises: 0005_merge_audit_country
Create Date: 2026-11-25 14:10:00

Existing data is kept and moved to the new scheme:

- every round gets the ISO week of its local date (ad-hoc rounds: of their creation) as its
  period; rounds already past their answer window are marked closed (their prompts too);
- answers already stored keep their score, comment and team; ``answered_on`` is dropped
  (each answer keeps only its round's period), and all of them are rewritten in one
  transaction in shuffled order with new ids, so the id order and, on PostgreSQL, the row
  version (xmin) no longer tell the order or moment of answering;
- answered prompts get the answerer's *current* team and department as their atom.

What cannot be made safe: (1) the old rows' order and xmin remain in the database's
write-ahead log, backups and (on PostgreSQL, until VACUUM) dead row versions taken before
this migration: whoever holds those can still join an old answer to its person, as they
always could; (2) someone who moved team since answering is counted in their current team
while their old answers stay with their old team (counts may be off by those people; an
atom with answers but no counted person counts as one person, never as none); (3) answers of
rounds still open at migration time were stored live: they stay in pulse_answer and are
published with their week like any other.
"""

import random
from collections.abc import Sequence
from datetime import UTC, date, datetime

import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types

revision: str = "0006_gate"
down_revision: str | Sequence[str] | None = "0005_merge_audit_country"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ANSWER_COLUMNS = (
    "round_id",
    "period",
    "question_id",
    "theme",
    "team_path",
    "department",
    "score",
    "comment",
    "polarity",
    "subjectivity",
)


def _week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def upgrade() -> None:
    with op.batch_alter_table("pulse_round", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("period", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True)
        )
        batch_op.add_column(
            sa.Column("closed", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_index(batch_op.f("ix_pulse_round_period"), ["period"], unique=False)
        batch_op.create_index(batch_op.f("ix_pulse_round_closed"), ["closed"], unique=False)
    with op.batch_alter_table("pulse_prompt", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("team_path", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True)
        )
        batch_op.add_column(
            sa.Column("department", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True)
        )
        batch_op.add_column(
            sa.Column("closed", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "pulse_answer_pending",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("theme", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("team_path", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("department", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("polarity", sa.Float(), nullable=True),
        sa.Column("subjectivity", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["round_id"], ["pulse_round.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("pulse_answer_pending", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pulse_answer_pending_round_id"), ["round_id"], unique=False
        )
    op.create_table(
        "disclosure_period",
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("starts", sa.Date(), nullable=False),
        sa.Column("ends", sa.Date(), nullable=False),
        sa.Column("published_at", storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("period"),
    )
    with op.batch_alter_table("disclosure_period", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_disclosure_period_kind"), ["kind"], unique=False)
    op.create_table(
        "disclosure_cell",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("measure", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("shown", sa.Boolean(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("respondents", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("participation", sa.Float(), nullable=True),
        sa.Column("mean", sa.Float(), nullable=True),
        sa.Column("sentiment", sa.Float(), nullable=True),
        sa.Column("spread", sa.Text(), nullable=True),
        sa.Column("comments_shown", sa.Boolean(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=True),
        sa.Column("answers", sa.Integer(), nullable=True),
        sa.Column("total", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["period"], ["disclosure_period.period"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("disclosure_cell", schema=None) as batch_op:
        batch_op.create_index("ix_disclosure_cell_period_measure", ["period", "measure"])
        batch_op.create_index("ix_disclosure_cell_kind_key", ["kind", "key"])

    conn = op.get_bind()
    now = datetime.now(UTC)
    rounds = conn.execute(
        sa.text("SELECT id, local_date, created_at, closes_at FROM pulse_round")
    ).all()
    period_of: dict[int, str] = {}
    for round_id, local_date, created_at, closes_at in rounds:
        day = local_date or created_at
        day = date.fromisoformat(str(day)[:10])
        period_of[round_id] = _week(day)
        closes = datetime.fromisoformat(str(closes_at))
        closed = (closes if closes.tzinfo else closes.replace(tzinfo=UTC)) <= now
        conn.execute(
            sa.text("UPDATE pulse_round SET period = :p, closed = :c WHERE id = :i"),
            {"p": period_of[round_id], "c": closed, "i": round_id},
        )
        if closed:
            conn.execute(
                sa.text("UPDATE pulse_prompt SET closed = :t WHERE round_id = :i"),
                {"t": True, "i": round_id},
            )
    conn.execute(
        sa.text(
            "UPDATE pulse_prompt SET department = (SELECT p.department FROM person p"
            " WHERE p.id = pulse_prompt.person_id),"
            " team_path = COALESCE((SELECT m.path FROM person p JOIN person m"
            " ON m.id = p.manager_id WHERE p.id = pulse_prompt.person_id), '/')"
            " WHERE status = 'answered'"
        )
    )
    answers = conn.execute(
        sa.text(
            "SELECT round_id, question_id, theme, team_path, department, score, comment,"
            " polarity, subjectivity FROM pulse_answer"
        )
    ).all()
    conn.execute(sa.text("DELETE FROM pulse_answer"))
    with op.batch_alter_table("pulse_answer", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("period", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False)
        )
        batch_op.drop_column("answered_on")
        batch_op.create_index(batch_op.f("ix_pulse_answer_period"), ["period"], unique=False)
    rows = [
        dict(zip(ANSWER_COLUMNS, (a[0], period_of.get(a[0], "unknown"), *a[1:]), strict=True))
        for a in answers
    ]
    random.SystemRandom().shuffle(rows)
    if rows:
        table = sa.table("pulse_answer", *(sa.column(c) for c in ANSWER_COLUMNS))
        op.bulk_insert(table, rows)


def downgrade() -> None:
    with op.batch_alter_table("pulse_answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pulse_answer_period"))
        batch_op.add_column(
            sa.Column("answered_on", sa.Date(), nullable=False, server_default="1970-01-01")
        )
        batch_op.drop_column("period")
    op.drop_table("disclosure_cell")
    op.drop_table("disclosure_period")
    op.drop_table("pulse_answer_pending")
    with op.batch_alter_table("pulse_prompt", schema=None) as batch_op:
        batch_op.drop_column("closed")
        batch_op.drop_column("department")
        batch_op.drop_column("team_path")
    with op.batch_alter_table("pulse_round", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pulse_round_closed"))
        batch_op.drop_index(batch_op.f("ix_pulse_round_period"))
        batch_op.drop_column("closed")
        batch_op.drop_column("period")
