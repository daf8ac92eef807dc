"""baseline: the whole schema as the released chain (0001 to 0016) left it, in one revision

Revision ID: 0016_person_spacing
Revises:
Create Date: 2026-12-07 17:20:00

The 29 revisions (12 of them empty merges) that grew the schema up to ``0016_person_spacing``
are squashed into this one, which keeps that head's id: a database already there has nothing
to redo, and a new one is built in one step. A database at an older revision upgrades with a
release up to 0016 first. The old chain is kept frozen in tests/storage/old_migrations/, where a
test checks that both build the same schema. Partial indexes carry their condition for SQLite
and PostgreSQL alike; the old chain inserted no rows, so there is nothing to seed.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types

revision: str = "0016_person_spacing"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# outbox rows still to send, rows being sent (a worker's claim) and rows sent
DUE = "status IN ('pending', 'sending')"
CLAIMED = "claimed_by IS NOT NULL"
SENT = "status = 'sent'"


def _string(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def _indexes(table: str, *columns: str) -> None:
    """One plain index per column, named as SQLModel's ``index=True`` names it."""
    for column in columns:
        op.create_index(f"ix_{table}_{column}", table, [column], unique=False)


def upgrade() -> None:
    _core()
    _stories()
    _cascades()
    _disclosure()
    _roadmap()
    _dashboard()


def _core() -> None:
    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", _string(320), nullable=False),
        sa.Column("name", _string(200), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.Column("department", _string(120), nullable=False),
        sa.Column("role", _string(20), nullable=False),
        sa.Column("timezone", _string(64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("path", _string(2000), nullable=False),
        sa.Column("timezone_source", _string(10), server_default="org", nullable=False),
        sa.Column("country", _string(2), nullable=True),
        sa.Column("subdivision", _string(10), nullable=True),
        sa.Column("paused_until", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["manager_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    _indexes("person", "active", "department", "manager_id", "path")
    op.create_index("ix_person_email", "person", ["email"], unique=True)

    op.create_table(
        "processed_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", _string(20), nullable=False),
        sa.Column("event_id", _string(200), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "event_id"),
    )
    _indexes("processed_event", "created_at")

    op.create_table(
        "pulse_schedule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", _string(120), nullable=False),
        sa.Column("audience_kind", _string(20), nullable=False),
        sa.Column("audience_value", _string(320), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("local_time", _string(5), nullable=False),
        sa.Column("every_weeks", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("answer_window_hours", sa.Integer(), nullable=False),
        sa.Column("reminder_after_hours", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("themes", _string(400), server_default="", nullable=False),
        sa.Column("question_bank", sa.Text(), nullable=True),
        sa.Column("removed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "scheduler_lease",
        sa.Column("name", _string(40), nullable=False),
        sa.Column("holder", _string(120), nullable=False),
        sa.Column("expires_at", storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "job_mark",
        sa.Column("name", _string(60), nullable=False),
        sa.Column("until", storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "identity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("platform", _string(20), nullable=False),
        sa.Column("external_id", _string(200), nullable=False),
        sa.Column("conversation_ref", sa.Text(), nullable=True),
        sa.Column("unreachable", sa.Boolean(), nullable=False),
        sa.Column("unreachable_reason", _string(500), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "external_id"),
    )
    _indexes("identity", "person_id")

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", _string(200), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("platform", _string(20), nullable=False),
        sa.Column("kind", _string(40), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", _string(12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("sent_at", storage.types.UTCDateTime(), nullable=True),
        sa.Column("platform_ref", _string(500), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("claimed_by", _string(64), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    _indexes("outbox", "person_id", "status")
    _partial_index("ix_outbox_due", "outbox", ["platform", "next_attempt_at", "id"], DUE)
    _partial_index("ix_outbox_claimed_person", "outbox", ["person_id"], CLAIMED)
    _partial_index("ix_outbox_sent_person", "outbox", ["person_id", "sent_at"], SENT)
    op.create_table(
        "rate_budget",
        sa.Column("name", _string(120), nullable=False),
        sa.Column("next_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )

    op.create_table(
        "pulse_round",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=True),
        sa.Column("local_date", sa.Date(), nullable=True),
        sa.Column("started_by_id", sa.Integer(), nullable=True),
        sa.Column("question_id", _string(40), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("closes_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("period", _string(40), nullable=True),
        sa.Column("closed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(["schedule_id"], ["pulse_schedule.id"]),
        sa.ForeignKeyConstraint(["started_by_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("schedule_id", "local_date"),
    )
    _indexes("pulse_round", "period", "closed")

    op.create_table(
        "pulse_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("question_id", _string(40), nullable=False),
        sa.Column("theme", _string(40), nullable=False),
        sa.Column("team_path", _string(2000), nullable=False),
        sa.Column("department", _string(120), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("polarity", sa.Float(), nullable=True),
        sa.Column("subjectivity", sa.Float(), nullable=True),
        sa.Column("period", _string(40), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["pulse_round.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    _indexes("pulse_answer", "round_id", "team_path", "theme", "period")

    op.create_table(
        "pulse_answer_pending",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("question_id", _string(40), nullable=False),
        sa.Column("theme", _string(40), nullable=False),
        sa.Column("team_path", _string(2000), nullable=False),
        sa.Column("department", _string(120), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("polarity", sa.Float(), nullable=True),
        sa.Column("subjectivity", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["round_id"], ["pulse_round.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    _indexes("pulse_answer_pending", "round_id")

    op.create_table(
        "pulse_prompt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("status", _string(12), nullable=False),
        sa.Column("send_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("remind_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("closes_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("reminded", sa.Boolean(), nullable=False),
        sa.Column("team_path", _string(2000), nullable=True),
        sa.Column("department", _string(120), nullable=True),
        sa.Column("closed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["round_id"], ["pulse_round.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id", "person_id"),
    )
    _indexes("pulse_prompt", "person_id", "round_id", "send_at", "status")
    op.create_index("ix_pulse_prompt_status_send_at", "pulse_prompt", ["status", "send_at"])
    op.create_index("ix_pulse_prompt_status_closes_at", "pulse_prompt", ["status", "closes_at"])

    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("actor", _string(320), nullable=False),
        sa.Column("action", _string(40), nullable=False),
        sa.Column("target", _string(500), nullable=False),
        sa.Column("details", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    _indexes("audit_event", "at", "actor", "action")


def _partial_index(name: str, table: str, columns: list[str], where: str) -> None:
    op.create_index(
        name,
        table,
        columns,
        unique=False,
        sqlite_where=sa.text(where),
        postgresql_where=sa.text(where),
    )


def _stories() -> None:
    op.create_table(
        "story_digest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("department", _string(120), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("closes_at", storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("department", "local_date"),
    )
    op.create_table(
        "story",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.Column("department", _string(120), nullable=False),
        sa.Column("team_path", _string(2000), nullable=False),
        sa.Column("kind", _string(10), nullable=False),
        sa.Column("consent", _string(10), nullable=False),
        sa.Column("what_happened", sa.Text(), nullable=False),
        sa.Column("customer", _string(200), nullable=True),
        sa.Column("what_changed", sa.Text(), nullable=False),
        sa.Column("polarity", sa.Float(), nullable=False),
        sa.Column("subjectivity", sa.Float(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("submission_key", _string(200), nullable=False),
        sa.Column("status", _string(10), nullable=True),
        sa.Column("status_by_id", sa.Integer(), nullable=True),
        sa.Column("status_at", storage.types.UTCDateTime(), nullable=True),
        sa.Column("status_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["manager_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["status_by_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("author_id", "submission_key"),
    )
    _indexes("story", "author_id", "created_at", "department", "kind", "manager_id", "team_path")

    op.create_table(
        "story_digest_receipt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["digest_id"], ["story_digest.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("digest_id", "person_id"),
    )
    _indexes("story_digest_receipt", "digest_id", "person_id")

    op.create_table(
        "story_invite",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("week", _string(8), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id", "week"),
    )
    _indexes("story_invite", "person_id")
    op.create_index(
        "ix_story_invite_person_id_created_at", "story_invite", ["person_id", "created_at"]
    )
    op.create_index(
        "ix_story_invite_person_id_week_start", "story_invite", ["person_id", "week_start"]
    )

    op.create_table(
        "story_digest_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest_id", sa.Integer(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["digest_id"], ["story_digest.id"]),
        sa.ForeignKeyConstraint(["story_id"], ["story.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("digest_id", "story_id"),
    )
    _indexes("story_digest_item", "digest_id", "story_id")

    op.create_table(
        "story_reaction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("department", _string(120), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["story_id"], ["story.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("story_id", "person_id"),
    )
    _indexes("story_reaction", "created_at", "department", "person_id", "story_id")


def _cascades() -> None:
    op.create_table(
        "cascade",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.Integer(), nullable=False),
        sa.Column("title", _string(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("customer_line", sa.Text(), nullable=True),
        sa.Column("window_days", sa.Integer(), nullable=False),
        sa.Column("status", _string(12), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("send_at", storage.types.UTCDateTime(), nullable=True),
        sa.Column("local_time", _string(5), nullable=True),
        sa.ForeignKeyConstraint(["sender_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    _indexes("cascade", "sender_id", "status")

    op.create_table(
        "cascade_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cascade_id", sa.Integer(), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("status", _string(12), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("since", storage.types.UTCDateTime(), nullable=False),
        sa.Column("nudge_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("due_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("nudged", sa.Boolean(), nullable=False),
        sa.Column("acted_at", storage.types.UTCDateTime(), nullable=True),
        sa.Column("passed_to_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["cascade_id"], ["cascade.id"]),
        sa.ForeignKeyConstraint(["manager_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["passed_to_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cascade_id", "manager_id"),
    )
    _indexes("cascade_link", "cascade_id", "due_at", "manager_id", "status")

    op.create_table(
        "cascade_question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cascade_id", sa.Integer(), nullable=False),
        sa.Column("asker_id", sa.Integer(), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("asked_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_at", storage.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["asker_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["cascade_id"], ["cascade.id"]),
        sa.ForeignKeyConstraint(["manager_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    _indexes("cascade_question", "cascade_id", "manager_id")

    op.create_table(
        "cascade_receipt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cascade_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("how", _string(12), nullable=False),
        sa.Column("via_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("reached_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("acknowledged_at", storage.types.UTCDateTime(), nullable=True),
        sa.Column("outbox_key", _string(200), nullable=False),
        sa.ForeignKeyConstraint(["cascade_id"], ["cascade.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["via_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cascade_id", "person_id"),
    )
    _indexes("cascade_receipt", "cascade_id", "person_id")


def _disclosure() -> None:
    op.create_table(
        "disclosure_period",
        sa.Column("period", _string(40), nullable=False),
        sa.Column("kind", _string(20), nullable=False),
        sa.Column("starts", sa.Date(), nullable=False),
        sa.Column("ends", sa.Date(), nullable=False),
        sa.Column("published_at", storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("period"),
    )
    _indexes("disclosure_period", "kind")
    op.create_table(
        "disclosure_cell",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", _string(40), nullable=False),
        sa.Column("measure", _string(40), nullable=False),
        sa.Column("kind", _string(20), nullable=False),
        sa.Column("key", _string(2000), nullable=False),
        sa.Column("label", _string(300), nullable=False),
        sa.Column("shown", sa.Boolean(), nullable=False),
        sa.Column("reason", _string(20), nullable=True),
        sa.Column("respondents", _string(20), nullable=True),
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
    op.create_index("ix_disclosure_cell_period_measure", "disclosure_cell", ["period", "measure"])
    op.create_index("ix_disclosure_cell_kind_key", "disclosure_cell", ["kind", "key"])


def _roadmap() -> None:
    op.create_table(
        "assessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope_id", sa.Integer(), nullable=False),
        sa.Column("launched_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("remind_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("closes_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("status", _string(10), nullable=False),
        sa.ForeignKeyConstraint(["launched_by_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["scope_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    _indexes("assessment", "closes_at", "scope_id", "status")

    op.create_table(
        "objective",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("title", _string(200), nullable=False),
        sa.Column("dimension", _string(40), nullable=False),
        sa.Column("start", sa.Float(), nullable=False),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("status", _string(10), nullable=False),
        sa.Column("closed_at", storage.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["owner_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["scope_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    _indexes("objective", "owner_id", "scope_id", "status")

    op.create_table(
        "assessment_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("dimension", _string(40), nullable=False),
        sa.Column("statement_id", _string(40), nullable=False),
        sa.Column("team_path", _string(2000), nullable=False),
        sa.Column("department", _string(120), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["assessment_id"], ["assessment.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    _indexes("assessment_answer", "assessment_id")

    op.create_table(
        "assessment_comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("dimension", _string(40), nullable=False),
        sa.Column("team_path", _string(2000), nullable=False),
        sa.Column("department", _string(120), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("polarity", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["assessment_id"], ["assessment.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    _indexes("assessment_comment", "assessment_id")

    op.create_table(
        "assessment_invite",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("status", _string(12), nullable=False),
        sa.Column("draft", sa.Text(), nullable=True),
        sa.Column("reminded", sa.Boolean(), nullable=False),
        sa.Column("team_path", _string(2000), nullable=True),
        sa.Column("department", _string(120), nullable=True),
        sa.ForeignKeyConstraint(["assessment_id"], ["assessment.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("assessment_id", "person_id"),
    )
    _indexes("assessment_invite", "assessment_id", "person_id", "status")

    op.create_table(
        "objective_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("objective_id", sa.Integer(), nullable=False),
        sa.Column("text", _string(500), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("status", _string(10), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["objective_id"], ["objective.id"]),
        sa.ForeignKeyConstraint(["owner_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    _indexes("objective_action", "objective_id", "owner_id")


def _dashboard() -> None:
    op.create_table(
        "dashboard_secret",
        sa.Column("name", _string(40), nullable=False),
        sa.Column("value", _string(200), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "dashboard_token_use",
        sa.Column("nonce", _string(64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("used_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("nonce"),
    )
    _indexes("dashboard_token_use", "person_id", "expires_at")
    op.create_table(
        "dashboard_session",
        sa.Column("id", _string(64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("csrf", _string(64), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    _indexes("dashboard_session", "person_id", "expires_at")


def downgrade() -> None:
    """Back to an empty database: every table goes, dependants first."""
    for table in (
        "dashboard_session",
        "dashboard_token_use",
        "dashboard_secret",
        "objective_action",
        "assessment_invite",
        "assessment_comment",
        "assessment_answer",
        "objective",
        "assessment",
        "disclosure_cell",
        "disclosure_period",
        "cascade_receipt",
        "cascade_question",
        "cascade_link",
        "cascade",
        "story_reaction",
        "story_digest_item",
        "story_invite",
        "story_digest_receipt",
        "story",
        "story_digest",
        "audit_event",
        "pulse_prompt",
        "pulse_answer_pending",
        "pulse_answer",
        "pulse_round",
        "rate_budget",
        "outbox",
        "identity",
        "job_mark",
        "scheduler_lease",
        "pulse_schedule",
        "processed_event",
        "person",
    ):
        op.drop_table(table)
