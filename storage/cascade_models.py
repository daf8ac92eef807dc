"""Cascade tables: a leadership message, the managers who carry it, the people it reached.

Uniqueness does the safety work: one link per (cascade, manager) and one receipt per
(cascade, person), inserted with ON CONFLICT DO NOTHING, so two ticks or two clicks racing
can never reach anyone twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models import utc_column

# "scheduled" only for the sender's own link (level 0) while a scheduled cascade waits
LINK_STATES = ("pending", "relayed", "escalated", "passed", "scheduled")
HOW = ("relay", "escalation")


class Cascade(SQLModel, table=True):
    """One leadership message sent down the sender's subtree."""

    __tablename__ = "cascade"

    id: int | None = Field(default=None, primary_key=True)
    sender_id: int = Field(foreign_key="person.id", index=True)
    title: str = Field(max_length=200)
    body: str = Field(sa_column=Column(Text, nullable=False))
    customer_line: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    window_days: int = 2
    # scheduled (nothing sent yet; may be cancelled) | running | closed | cancelled
    status: str = Field(default="running", max_length=12, index=True)
    # when it was sent (for a scheduled cascade: when it first went out)
    created_at: datetime = Field(sa_column=utc_column())
    # a scheduled cascade: not before this instant; with ``local_time`` ("09:00") each of the
    # sender's direct reports receives it at that time of their own day (their next working
    # day's, from ``send_at`` on)
    send_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    local_time: str | None = Field(default=None, max_length=5)
    # its live count's lower bound, held when someone it counted is erased (live_counts.py)
    live_floor: int | None = None


class CascadeLink(SQLModel, table=True):
    """A manager on the chain: pending until they relay (with a note), or the window ends
    (escalated), or they leave (passed to the person who reached them)."""

    __tablename__ = "cascade_link"

    __table_args__ = (UniqueConstraint("cascade_id", "manager_id"),)

    id: int | None = Field(default=None, primary_key=True)
    cascade_id: int = Field(foreign_key="cascade.id", index=True)
    manager_id: int = Field(foreign_key="person.id", index=True)
    level: int = 0  # the sender is 0, their direct reports 1, ...
    status: str = Field(default="pending", max_length=12, index=True)
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    since: datetime = Field(sa_column=utc_column())
    nudge_at: datetime = Field(sa_column=utc_column())
    due_at: datetime = Field(sa_column=utc_column(index=True))
    nudged: bool = False
    acted_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    passed_to_id: int | None = Field(default=None, foreign_key="person.id")


class CascadeReceipt(SQLModel, table=True):
    """One person reached: how (a personal relay or an escalation), via whom, when, and
    whether they acknowledged. ``outbox_key`` is the idempotency key of the message that
    carried it, which ties delivery tracking to the outbox without touching its table."""

    __tablename__ = "cascade_receipt"

    __table_args__ = (UniqueConstraint("cascade_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    cascade_id: int = Field(foreign_key="cascade.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    how: str = Field(max_length=12)
    via_id: int = Field(foreign_key="person.id")
    level: int
    reached_at: datetime = Field(sa_column=utc_column())
    acknowledged_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    outbox_key: str = Field(max_length=200)


class CascadeQuestion(SQLModel, table=True):
    """A question someone asked about a cascade; it goes to their own manager."""

    __tablename__ = "cascade_question"

    id: int | None = Field(default=None, primary_key=True)
    cascade_id: int = Field(foreign_key="cascade.id", index=True)
    asker_id: int = Field(foreign_key="person.id")
    manager_id: int = Field(foreign_key="person.id", index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    asked_at: datetime = Field(sa_column=utc_column())
    answer: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    answered_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
