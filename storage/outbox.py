"""The outbox: messages written in the same transaction as the change that caused them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, select

from storage.models import Identity, Outbox
from storage.sql import CHUNK, insert_ignore, insert_ignore_many


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


def platforms_for(
    session: Session, person_ids: Sequence[int], channels: tuple[str, ...]
) -> dict[int, str]:
    """``choose_platform`` for many people at once (one query per CHUNK of them)."""
    linked: dict[int, set[str]] = {}
    if channels:
        unique = sorted(set(person_ids))
        for start in range(0, len(unique), CHUNK):
            rows = session.exec(
                select(Identity.person_id, Identity.platform).where(
                    col(Identity.person_id).in_(unique[start : start + CHUNK]),
                    col(Identity.platform).in_(channels),
                )
            ).all()
            for person_id, platform in rows:
                linked.setdefault(person_id, set()).add(platform)
    return {
        pid: next((p for p in channels if p in linked.get(pid, ())), "console")
        for pid in person_ids
    }


def _row(
    person_id: int,
    payload: str,
    key: str,
    kind: str,
    platform: str,
    now: datetime,
    not_before: datetime | None = None,
    channel: str | None = None,
) -> dict[str, Any]:
    return {
        "idempotency_key": key,
        "person_id": person_id,
        "platform": platform,
        "kind": kind,
        "payload": payload,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": max(now, not_before) if not_before else now,
        "created_at": now,
        "channel": channel,
    }


@dataclass(frozen=True)
class Queued:
    """One message for ``enqueue_many``, as plain data: ``payload`` is the neutral message's
    JSON (bot.core.chat.Message.to_json); delivery turns it back into a message. ``not_before``:
    the worker sends it no earlier (e.g. the person's next working hour)."""

    person_id: int
    payload: str
    key: str
    kind: str
    not_before: datetime | None = None


def enqueue_many(
    session: Session, items: Sequence[Queued], *, now: datetime, channels: tuple[str, ...]
) -> set[str]:
    """Queue many messages in a few statements (one INSERT per CHUNK rows, each key once, as
    ``enqueue`` does); returns the keys that were new. A tick that opens a round for
    thousands of people queues them this way."""
    if not items:
        return set()
    session.info["outbox_enqueued"] = True  # wakes this process's delivery worker on commit
    platforms = platforms_for(session, [item.person_id for item in items], channels)
    rows = [
        _row(
            item.person_id,
            item.payload,
            item.key,
            item.kind,
            platforms[item.person_id],
            now,
            item.not_before,
        )
        for item in items
    ]
    return insert_ignore_many(session, Outbox, rows, returning="idempotency_key")


def enqueue(
    session: Session,
    *,
    person_id: int,
    payload: str,
    key: str,
    kind: str,
    now: datetime,
    channels: tuple[str, ...],
    in_channel: tuple[str, str] | None = None,
) -> bool:
    """Queue ``payload`` (a message's JSON) for ``person_id`` once per ``key``; False if that
    key was queued before. ``in_channel`` (platform, channel id): posted in that conversation
    of that platform instead of the person's direct message (a team channel)."""
    session.info["outbox_enqueued"] = True
    if in_channel is not None:
        platform, channel = in_channel
    else:
        platform, channel = choose_platform(session, person_id, channels), None
    row = _row(person_id, payload, key, kind, platform, now, channel=channel)
    return insert_ignore(session, Outbox, row)


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
