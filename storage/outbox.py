"""The outbox: messages written in the same transaction as the change that caused them."""

from __future__ import annotations

from datetime import datetime

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
