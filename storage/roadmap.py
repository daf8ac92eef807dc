"""Tables of the baseline assessment and the roadmap (objectives with their actions).

An assessment is launched by a leader for their subtree and is its own reporting period
("assessment:<id>"), closed when its window closes. People's answers live in two places:

- while the window is open, a person's answers (finished or not) are a ``draft`` on their
  ``AssessmentInvite``. That link is unavoidable (a partial answer must be found again to be
  finished later) and lasts only while the window is open;
- when the window closes, the drafts of everyone who submitted are moved, in ONE transaction
  and in shuffled order, into ``AssessmentAnswer``/``AssessmentComment`` (no person, no date,
  only the atom: the answerer's team path and department at submission time), and every
  draft of the assessment is erased in that same transaction.

Respondents are counted from the invites (status ``submitted``, with the atom stored on the
invite at submission), never by joining an answer to a person.
"""

from __future__ import annotations

import json
from datetime import date, datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, Session, SQLModel, col, select

import prompts
from storage.models import Person, utc_column

INVITE_STATUSES = ("sent", "partial", "submitted", "expired")
ACTION_STATUSES = ("planned", "doing", "done")
OBJECTIVE_STATUSES = ("open", "closed")
SCORES = ("1", "2", "3", "4", "5")


def period_of(assessment_id: int) -> str:
    """The reporting period of an assessment, as the disclosure gate names it."""
    return f"assessment:{assessment_id}"


class Assessment(SQLModel, table=True):
    """One run of the assessment for everyone below ``scope_id`` (the leader who launched it)."""

    __tablename__ = "assessment"

    id: int | None = Field(default=None, primary_key=True)
    scope_id: int = Field(foreign_key="person.id", index=True)
    launched_by_id: int = Field(foreign_key="person.id")
    created_at: datetime = Field(sa_column=utc_column())
    remind_at: datetime = Field(sa_column=utc_column())
    closes_at: datetime = Field(sa_column=utc_column(index=True))
    status: str = Field(default="open", max_length=10, index=True)  # open | closed
    # its live count's lower bound, held when someone it counted is erased (live_counts.py)
    live_floor: int | None = None


class AssessmentInvite(SQLModel, table=True):
    """One person's invitation; ``draft`` holds their answers only while the window is open."""

    __tablename__ = "assessment_invite"

    __table_args__ = (UniqueConstraint("assessment_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(foreign_key="assessment.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    status: str = Field(default="sent", max_length=12, index=True)
    draft: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    reminded: bool = False
    # the atom at submission time, so counting respondents uses the same atom as the answers
    team_path: str | None = Field(default=None, max_length=2000)
    department: str | None = Field(default=None, max_length=120)


class AssessmentAnswer(SQLModel, table=True):
    """One statement's score, without the person: only the atom it came from."""

    __tablename__ = "assessment_answer"

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(foreign_key="assessment.id", index=True)
    dimension: str = Field(max_length=40)
    statement_id: str = Field(max_length=40)
    team_path: str = Field(max_length=2000)
    department: str = Field(max_length=120)
    score: int


class AssessmentComment(SQLModel, table=True):
    """An optional comment on one dimension, without the person."""

    __tablename__ = "assessment_comment"

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(foreign_key="assessment.id", index=True)
    dimension: str = Field(max_length=40)
    team_path: str = Field(max_length=2000)
    department: str = Field(max_length=120)
    comment: str = Field(sa_column=Column(Text, nullable=False))
    language: str | None = Field(default=None, max_length=8)  # bot/core/language.py
    polarity: float | None = None  # None with a language: not scored


class Objective(SQLModel, table=True):
    """A tangible objective for one subtree (everyone below ``scope_id``) on one dimension."""

    __tablename__ = "objective"

    id: int | None = Field(default=None, primary_key=True)
    scope_id: int = Field(foreign_key="person.id", index=True)
    created_by_id: int = Field(foreign_key="person.id")
    owner_id: int = Field(foreign_key="person.id", index=True)
    title: str = Field(max_length=200)
    dimension: str = Field(max_length=40)
    start: float  # the figure the objective starts from (3.1 in "3.1 -> 3.8")
    target: float
    due: date
    created_at: datetime = Field(sa_column=utc_column())
    status: str = Field(default="open", max_length=10, index=True)  # open | closed
    closed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class ObjectiveAction(SQLModel, table=True):
    """A concrete action towards an objective, with its owner and status."""

    __tablename__ = "objective_action"

    id: int | None = Field(default=None, primary_key=True)
    objective_id: int = Field(foreign_key="objective.id", index=True)
    text: str = Field(max_length=500)
    owner_id: int = Field(foreign_key="person.id", index=True)
    status: str = Field(default="planned", max_length=10)
    due: date


def draft_answers(text: str | None) -> dict[str, str]:
    """An invite's answers so far (its ``draft`` column)."""
    if not text:
        return {}
    data = json.loads(text)
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def answered_count(draft: dict[str, str]) -> int:
    """How many statements a draft answers (its progress: "3 of 15")."""
    ids = {s.id for s in prompts.assessment().statements}
    return sum(1 for key, value in draft.items() if key in ids and value in SCORES)


def open_invite(session: Session, person: Person, now: datetime) -> AssessmentInvite | None:
    """The person's invite to the assessment open now (the one closing first)."""
    return session.exec(
        select(AssessmentInvite)
        .join(Assessment, col(Assessment.id) == col(AssessmentInvite.assessment_id))
        .where(
            AssessmentInvite.person_id == person.id,
            Assessment.status == "open",
            col(Assessment.closes_at) > now,
        )
        .order_by(col(Assessment.closes_at))
    ).first()
