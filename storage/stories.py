"""Tables of the stories capability: stories and ideas, reactions, weekly digests, invitations.

A story keeps its author (ideas go to the author's manager, status comes back to the author,
and reactions are counted by department), but the author's name is shown only with consent:
``consent`` is ``named``, ``anonymous`` or ``manager`` (private to the author's manager, never
in a digest). ``department`` and ``team_path`` are the author's at the time of sharing, so a
later move does not rewrite history.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models import utc_column

KINDS = ("story", "idea")
CONSENTS = ("named", "anonymous", "manager")
IDEA_STATUSES = ("new", "trying", "done", "not_now")


class Story(SQLModel, table=True):
    """A customer story or an idea for serving customers better."""

    __tablename__ = "story"

    __table_args__ = (UniqueConstraint("author_id", "submission_key"),)

    id: int | None = Field(default=None, primary_key=True)
    # None only for an anonymous story whose author was erased (handlers.people.erase)
    author_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    manager_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    department: str = Field(max_length=120, index=True)
    team_path: str = Field(max_length=2000, index=True)
    kind: str = Field(max_length=10, index=True)
    consent: str = Field(max_length=10)
    what_happened: str = Field(sa_column=Column(Text, nullable=False))
    customer: str | None = Field(default=None, max_length=200)
    what_changed: str = Field(sa_column=Column(Text, nullable=False))
    # the text's language (bot/core/language.py); polarity None: not scored (no measured
    # scorer for that language)
    language: str | None = Field(default=None, max_length=8)
    polarity: float | None = None
    subjectivity: float | None = None
    created_at: datetime = Field(sa_column=utc_column(index=True))
    # The form's one-time token (or the platform's event id): a double submit is kept once.
    submission_key: str = Field(max_length=200)
    # Ideas only: new | trying | done | not_now, who set it last and how often it changed.
    status: str | None = Field(default=None, max_length=10)
    status_by_id: int | None = Field(default=None, foreign_key="person.id")
    status_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    status_version: int = 0
    # the "helps my team" count's lower bound, held when a reader is erased (live_counts.py)
    live_floor: int | None = None


class StoryReaction(SQLModel, table=True):
    """ "This helps my team": one per person and story; ``department`` is the reader's then."""

    __tablename__ = "story_reaction"

    __table_args__ = (UniqueConstraint("story_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    story_id: int = Field(foreign_key="story.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    department: str = Field(max_length=120, index=True)
    created_at: datetime = Field(sa_column=utc_column(index=True))


class StoryDigest(SQLModel, table=True):
    """One department's weekly digest, fixed when its first reader's local time comes."""

    __tablename__ = "story_digest"

    __table_args__ = (UniqueConstraint("department", "local_date"),)

    id: int | None = Field(default=None, primary_key=True)
    department: str = Field(max_length=120)
    local_date: date
    created_at: datetime = Field(sa_column=utc_column())
    closes_at: datetime = Field(sa_column=utc_column())


class StoryDigestItem(SQLModel, table=True):
    """A story in a digest; a story is shown to a department at most once."""

    __tablename__ = "story_digest_item"

    __table_args__ = (UniqueConstraint("digest_id", "story_id"),)

    id: int | None = Field(default=None, primary_key=True)
    digest_id: int = Field(foreign_key="story_digest.id", index=True)
    story_id: int = Field(foreign_key="story.id", index=True)
    position: int


class StoryDigestReceipt(SQLModel, table=True):
    """A digest queued for one reader (so each reader gets it once, at their local time)."""

    __tablename__ = "story_digest_receipt"

    __table_args__ = (UniqueConstraint("digest_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    digest_id: int = Field(foreign_key="story_digest.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    created_at: datetime = Field(sa_column=utc_column())


class StoryInvite(SQLModel, table=True):
    """A "share a customer moment" invitation; at most one per person and (ISO) week."""

    __tablename__ = "story_invite"

    __table_args__ = (
        UniqueConstraint("person_id", "week"),
        # "invited since this prompt was sent / this week?" is one seek, not a walk through a
        # year of the person's invitations (the invitation tick asks for every recent prompt)
        Index("ix_story_invite_person_id_created_at", "person_id", "created_at"),
        Index("ix_story_invite_person_id_week_start", "person_id", "week_start"),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    week: str = Field(max_length=8)  # "2027-W09" in the person's time zone
    week_start: date
    created_at: datetime = Field(sa_column=utc_column())
