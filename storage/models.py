"""The core tables: the organisation, pulse check-ins, the outbox and processed events.

Capabilities that come later (cascades, stories) add their own modules of tables; every
table module is imported by ``storage.tables`` so Alembic and the tests see all of them.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint, text
from sqlalchemy import false as sa_false
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, table_of

ROLES = ("employee", "manager", "leader", "admin")
LOCALE_LENGTH = 35  # a BCP 47 tag as a platform reports it ("de-DE", "zh-Hant-TW")


def utc_column(*, nullable: bool = False, index: bool = False) -> Column:
    return Column(UTCDateTime(), nullable=nullable, index=index)


class Person(SQLModel, table=True):
    """Someone in the organisation. ``path`` is the chain of ids from the top, e.g. "/1/4/9/",
    so a subtree is one prefix query."""

    __tablename__ = "person"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, index=True, max_length=320)
    name: str = Field(max_length=200)
    manager_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    department: str = Field(max_length=120, index=True)
    role: str = Field(default="employee", max_length=20)
    timezone: str = Field(default="UTC", max_length=64)
    # where the time zone came from: "org" (the org file), "default", "slack" (directory sync)
    # or "teams" (the localTimezone of the person's activities)
    timezone_source: str = Field(
        default="org", max_length=10, sa_column_kwargs={"server_default": "org"}
    )
    # where the person works, for public holidays: ISO 3166-1 alpha-2 ("DE") and optionally
    # the subdivision code the `holidays` package uses ("BY"); both from the org file
    country: str | None = Field(default=None, max_length=2)
    subdivision: str | None = Field(default=None, max_length=10)
    active: bool = Field(default=True, index=True)
    path: str = Field(default="/", max_length=2000, index=True)
    # on leave up to and including this local date ("pause until ..." in chat): no check-ins,
    # and their relay windows wait (handlers.people.workdays)
    paused_until: date | None = None
    # the language culturebot speaks to them in: the first of these a catalog exists for
    # (storage.people.locale_of); their own choice in chat ("language de"), the org file's
    # column, and what Slack (users.info at sync) and Teams (their latest activity) report,
    # kept as the platform said it ("de-DE")
    chosen_locale: str | None = Field(default=None, max_length=LOCALE_LENGTH)
    locale: str | None = Field(default=None, max_length=LOCALE_LENGTH)
    slack_locale: str | None = Field(default=None, max_length=LOCALE_LENGTH)
    teams_locale: str | None = Field(default=None, max_length=LOCALE_LENGTH)


class Identity(SQLModel, table=True):
    """A person's id on one chat platform, with what that platform needs to reach them."""

    __tablename__ = "identity"

    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    platform: str = Field(max_length=20)
    external_id: str = Field(max_length=200)
    conversation_ref: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    unreachable: bool = False
    unreachable_reason: str | None = Field(default=None, max_length=500)


class PulseSchedule(SQLModel, table=True):
    """A recurring check-in: who is asked, on which weekday and local time, how often."""

    __tablename__ = "pulse_schedule"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    audience_kind: str = Field(max_length=20)  # org | department | subtree | below
    audience_value: str = Field(default="", max_length=320)
    weekday: int  # Monday == 0
    local_time: str = Field(max_length=5)  # "09:00"
    every_weeks: int = 1
    start_date: date
    answer_window_hours: int = 72
    reminder_after_hours: int = 24
    active: bool = True  # False while paused (and once removed)
    # the themes this schedule asks about, comma-separated ("" = every theme of its bank)
    themes: str = Field(default="", max_length=400, sa_column_kwargs={"server_default": ""})
    # its own question bank (the validated file, as JSON); None = prompts/questions.yaml
    question_bank: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # removed by `pulse remove`: kept (its rounds and their answers refer to it), never run,
    # not listed, and its name free for a new schedule
    removed: bool = Field(default=False, sa_column_kwargs={"server_default": sa_false()})
    # also asks the eNPS question (prompts/questions.yaml ``enps``), once per turn of its
    # question rotation (handlers.pulse.rounds.next_question)
    enps: bool = Field(default=False, sa_column_kwargs={"server_default": sa_false()})


class PulseRound(SQLModel, table=True):
    """One occurrence of a schedule (per local date) or one ad-hoc check-in by a manager."""

    __tablename__ = "pulse_round"

    __table_args__ = (UniqueConstraint("schedule_id", "local_date"),)

    id: int | None = Field(default=None, primary_key=True)
    schedule_id: int | None = Field(default=None, foreign_key="pulse_schedule.id")
    local_date: date | None = None
    started_by_id: int | None = Field(default=None, foreign_key="person.id")
    question_id: str = Field(max_length=40)
    created_at: datetime = Field(sa_column=utc_column())
    closes_at: datetime = Field(sa_column=utc_column())
    # the reporting period its answers belong to ("2027-W10"; see handlers/reports/disclosure.py)
    period: str | None = Field(default=None, max_length=40, index=True)
    # set once its answers were moved from pending into pulse_answer (at close)
    closed: bool = Field(default=False, index=True, sa_column_kwargs={"server_default": sa_false()})
    # its live count's lower bound, held when someone it counted is erased (live_counts.py)
    live_floor: int | None = None


class PulsePrompt(SQLModel, table=True):
    """One person's invitation to answer one round. Tracks sending and reminding, never the
    answer itself (answers are stored without the person)."""

    __tablename__ = "pulse_prompt"

    # Ticks ask "which prompts are due to send / still open" by status and time: these
    # indexes keep those questions to the rows due now, however much history there is.
    __table_args__ = (
        UniqueConstraint("round_id", "person_id"),
        Index("ix_pulse_prompt_status_send_at", "status", "send_at"),
        Index("ix_pulse_prompt_status_closes_at", "status", "closes_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="pulse_round.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    status: str = Field(default="scheduled", max_length=12, index=True)
    send_at: datetime = Field(sa_column=utc_column(index=True))
    remind_at: datetime = Field(sa_column=utc_column())
    closes_at: datetime = Field(sa_column=utc_column())
    reminded: bool = False
    # where the person sat when they answered (their atom: the team path and department the
    # answer is counted in), or, for those who did not answer, when the round closed
    team_path: str | None = Field(default=None, max_length=2000)
    department: str | None = Field(default=None, max_length=120)
    # set with every prompt of the round when its answers are flushed
    closed: bool = Field(default=False, sa_column_kwargs={"server_default": sa_false()})


class PulseAnswer(SQLModel, table=True):
    """An anonymous answer: the round, the question, the team it came from, never the person.

    Written only when its round closes, all answers of the round at once in shuffled order
    (handlers/pulse/rounds.close_rounds): no date finer than the period, no answering order."""

    __tablename__ = "pulse_answer"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="pulse_round.id", index=True)
    period: str = Field(max_length=40, index=True)
    question_id: str = Field(max_length=40)
    theme: str = Field(max_length=40, index=True)
    team_path: str = Field(max_length=2000, index=True)
    department: str = Field(max_length=120)
    score: int
    comment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # the comment's language (bot/core/language.py); polarity None with a language: not scored
    language: str | None = Field(default=None, max_length=8)
    polarity: float | None = None
    subjectivity: float | None = None
    # random, set only where the author asked for anonymous replies (storage/conversations.py)
    conversation_ref: str | None = Field(default=None, max_length=8)


class PulseAnswerPending(SQLModel, table=True):
    """An answer while its round is open. Written in the transaction that marks the prompt
    answered (the one link between a person and an answer culturebot cannot avoid: it lasts
    until the round closes, when close_rounds moves the round's answers to pulse_answer, and
    the next tick's storage.scrub removes the deleted rows' old versions from disk)."""

    __tablename__ = "pulse_answer_pending"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="pulse_round.id", index=True)
    question_id: str = Field(max_length=40)
    theme: str = Field(max_length=40)
    team_path: str = Field(max_length=2000)
    department: str = Field(max_length=120)
    score: int
    comment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # the comment's language (bot/core/language.py); polarity None with a language: not scored
    language: str | None = Field(default=None, max_length=8)
    polarity: float | None = None
    subjectivity: float | None = None
    # random, set only where the author asked for anonymous replies (storage/conversations.py)
    conversation_ref: str | None = Field(default=None, max_length=8)


class Outbox(SQLModel, table=True):
    """A message that must be sent, written in the same transaction as its cause.

    ``status`` "sending" means a worker (``claimed_by``) holds the row until
    ``next_attempt_at``, renewing the claim while its send is in flight; a "sending" row whose
    claim ran out is in doubt (its worker died mid-send) and is checked before it goes again.
    Claims read only the partial index ``ix_outbox_due`` (rows still to send, see
    describe_outbox_due_index), so sent history costs nothing."""

    __tablename__ = "outbox"

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(unique=True, max_length=200)
    person_id: int = Field(foreign_key="person.id", index=True)
    platform: str = Field(max_length=20)
    kind: str = Field(max_length=40)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default="pending", max_length=12, index=True)
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_column=utc_column())
    created_at: datetime = Field(sa_column=utc_column())
    sent_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    platform_ref: str | None = Field(default=None, max_length=500)
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    claimed_by: str | None = Field(default=None, max_length=64)
    # a conversation of the platform to post in instead of the person's direct message (a
    # team channel a manager shared results in: Slack's channel id, Teams' channel id)
    channel: str | None = Field(default=None, max_length=200)


def describe_outbox_due_index() -> None:
    """Add the partial indexes ``ix_outbox_due`` (migration 0004; 0016 adds ``id``, the claims'
    tie-break, so PostgreSQL stops at the rows a claim takes instead of sorting a whole round
    queued at one time), ``ix_outbox_claimed_person`` and ``ix_outbox_sent_person`` (0016: a
    claim's per-person spacing) to the outbox table's description.

    Not in the class: their ``postgresql_where`` makes SQLAlchemy import its whole PostgreSQL
    dialect, about 0.05 s of every command's start-up on SQLite. Queries never need the indexes
    described; Alembic's comparison and ``create_all`` do, and they import storage.tables,
    which calls this."""
    table = table_of(Outbox)
    if any(index.name == "ix_outbox_due" for index in table.indexes):
        return
    for name, columns, where in OUTBOX_PARTIAL_INDEXES:
        Index(
            name,
            *(table.c[column] for column in columns),
            sqlite_where=text(where),
            postgresql_where=text(where),
        )


# name, columns, WHERE: rows still to send (claims), rows claimed and rows sent, by person
# (a claim's test that nobody is sending to that person, nor sent to them a moment ago)
OUTBOX_PARTIAL_INDEXES = (
    ("ix_outbox_due", ("platform", "next_attempt_at", "id"), "status IN ('pending', 'sending')"),
    ("ix_outbox_claimed_person", ("person_id",), "claimed_by IS NOT NULL"),
    ("ix_outbox_sent_person", ("person_id", "sent_at"), "status = 'sent'"),
)


class ProcessedEvent(SQLModel, table=True):
    """Platform event ids already handled, so a platform's retry is handled once."""

    __tablename__ = "processed_event"

    __table_args__ = (UniqueConstraint("platform", "event_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=20)
    event_id: str = Field(max_length=200)
    created_at: datetime = Field(sa_column=utc_column(index=True))


class SchedulerLease(SQLModel, table=True):
    """Who runs the scheduler when several instances share one PostgreSQL database."""

    __tablename__ = "scheduler_lease"

    name: str = Field(primary_key=True, max_length=40)
    holder: str = Field(max_length=120)
    expires_at: datetime = Field(sa_column=utc_column())


class RateBudget(SQLModel, table=True):
    """A send ceiling shared by every instance on one database: ``next_at`` (epoch seconds) is
    the first moment not yet reserved by anyone (see bot.delivery.ratelimit.SharedBudget)."""

    __tablename__ = "rate_budget"

    name: str = Field(primary_key=True, max_length=120)
    next_at: float = 0.0


class FormDraft(SQLModel, table=True):
    """A form in progress: what a person typed into a form culturebot refused for one field
    (a story, a cascade, an objective), kept so they are asked again only for that field,
    today or after a restart (``home`` offers to finish it; ``handlers.common.drafts``).
    Deleted when the form is sent; erasure deletes it with the person."""

    __tablename__ = "form_draft"

    __table_args__ = (UniqueConstraint("person_id", "ref"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    action: str = Field(max_length=60)  # the form's action, e.g. "stories.submit"
    ref: str = Field(max_length=200)  # the form's own ref (its one-time token)
    fields: str = Field(sa_column=Column(Text, nullable=False))  # the fields typed, as JSON
    updated_at: datetime = Field(sa_column=utc_column())
