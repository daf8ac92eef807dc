"""Anonymous conversations on pulse comments: the one table that joins a comment to its author.

A person who writes a pulse comment may tick "let my manager reply anonymously". Only then is
a ``CommentLink`` written: the comment's opaque reference (``ref``, random, the same as
``pulse_answer.conversation_ref``) and the author's person id. A manager who may read the
comment replies through the reference; culturebot finds the author here and sends them the
reply. The link is deleted when the author closes the conversation, ``LINK_DAYS`` after it was
made (the nightly job), or when the author is erased; the messages sent to the author about it
go from the outbox with it, and both tables are scrubbed (``storage/scrub.py``) so no dead row
version keeps the join on disk.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Field, Session, SQLModel, col, select

from storage import scrub
from storage.models import Outbox, utc_column

LINK_DAYS = 90
REF_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: typed from a listing
REF_LENGTH = 8  # "C" and 7 random characters: 32**7, about 34 billion
TO_AUTHOR = "convo:{ref}:author:"  # the outbox key prefix of every message to the author


class CommentLink(SQLModel, table=True):
    """The author of a comment that asked for anonymous replies (see the module docstring).

    No serial id and no order: the key is the random reference. ``manager_id``: the last
    person who replied, whom the author's answer goes to."""

    __tablename__ = "comment_link"

    ref: str = Field(primary_key=True, max_length=REF_LENGTH)
    person_id: int = Field(foreign_key="person.id", index=True)
    manager_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(sa_column=utc_column(index=True))


def new_ref() -> str:
    """A fresh opaque reference: random, so it says nothing of who wrote it or when."""
    return "C" + "".join(secrets.choice(REF_ALPHABET) for _ in range(REF_LENGTH - 1))


def normalise(typed: str) -> str:
    """A typed reference as stored (case and a leading "#" forgiven)."""
    return typed.strip().lstrip("#").upper()


def link(session: Session, person_id: int, now: datetime) -> str:
    """Write the link for a comment whose author ticked the box; return its reference."""
    ref = new_ref()
    session.add(CommentLink(ref=ref, person_id=person_id, created_at=now))
    return ref


def author_key(ref: str) -> str:
    """An outbox key for one more message to the author of ``ref``."""
    return TO_AUTHOR.format(ref=ref) + secrets.token_hex(6)


def end(session: Session, refs: list[str], now: datetime) -> int:
    """Delete the links ``refs`` and every message sent to their authors about them; mark
    both tables for the scrub. Returns the links deleted."""
    if not refs:
        return 0
    gone = session.exec(delete(CommentLink).where(col(CommentLink.ref).in_(refs))).rowcount or 0
    for ref in refs:
        prefix = TO_AUTHOR.format(ref=ref)
        session.exec(delete(Outbox).where(col(Outbox.idempotency_key).startswith(prefix)))
    mark_scrub(session, now)
    return gone


def mark_scrub(session: Session, now: datetime) -> None:
    """Ask for the dead row versions of ended links (and their messages) to be scrubbed."""
    scrub.mark_due(session, "comment_link", now)
    scrub.mark_due(session, "outbox", now)


def refs_of(session: Session, person_id: int) -> list[str]:
    """The open conversations about comments ``person_id`` wrote (for erasure)."""
    return list(session.exec(select(CommentLink.ref).where(CommentLink.person_id == person_id)))


def expire(session: Session, now: datetime, days: int = LINK_DAYS) -> int:
    """End every link made more than ``days`` days ago (the nightly job)."""
    old = session.exec(
        select(CommentLink.ref).where(col(CommentLink.created_at) < now - timedelta(days=days))
    ).all()
    return end(session, list(old), now)
