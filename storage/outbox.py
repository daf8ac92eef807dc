"""The outbox: messages written in the same transaction as the change that caused them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, select

from bot.chat import Message
from storage.models import Identity, Outbox
from storage.sql import insert_ignore


def choose_platform(session: Session, person_id: int, channels: tuple[str, ...]) -> str:
    """The first enabled platform the person has an identity on; the console otherwise."""
    linked = set(
        session.exec(select(Identity.platform).where(Identity.person_id == person_id)).all()
    )
    for platform in channels:
        if platform in linked:
            return platform
    return "console"


_listeners: list[Callable[[], None]] = []


def on_enqueued(callback: Callable[[], None]) -> Callable[[], None]:
    """Call ``callback`` (from the committing thread) after every commit that queued messages,
    so a delivery worker in this process sends them at once instead of at its next poll.
    Returns the function that unsubscribes."""
    _listeners.append(callback)
    return lambda: _listeners.remove(callback) if callback in _listeners else None


@event.listens_for(OrmSession, "after_commit")
def _after_commit(session: OrmSession) -> None:
    if session.info.pop("outbox_enqueued", False):
        for callback in list(_listeners):
            callback()


@event.listens_for(OrmSession, "after_rollback")
def _after_rollback(session: OrmSession) -> None:
    session.info.pop("outbox_enqueued", None)


def enqueue(
    session: Session,
    *,
    person_id: int,
    message: Message,
    key: str,
    kind: str,
    now: datetime,
    channels: tuple[str, ...],
) -> bool:
    """Queue ``message`` for ``person_id`` once per ``key``; False if that key was queued before."""
    session.info["outbox_enqueued"] = True
    return insert_ignore(
        session,
        Outbox,
        {
            "idempotency_key": key,
            "person_id": person_id,
            "platform": choose_platform(session, person_id, channels),
            "kind": kind,
            "payload": message.to_json(),
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        },
    )


def pending_for(session: Session, person_id: int, platform: str) -> list[Outbox]:
    return list(
        session.exec(
            select(Outbox)
            .where(
                Outbox.person_id == person_id,
                Outbox.platform == platform,
                Outbox.status == "pending",
            )
            .order_by(col(Outbox.id))
        )
    )
