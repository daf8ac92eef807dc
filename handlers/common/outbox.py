"""Queueing a neutral message in the caller's transaction: the outbox keeps it as plain data
(its JSON), and delivery turns it back into a message for the platform."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.core.chat import Message
from bot.core.runtime import Runtime
from storage import outbox


@dataclass(frozen=True)
class Outgoing:
    """One message for ``send_many``; ``not_before``: not sent earlier (their working hours)."""

    person_id: int
    message: Message
    key: str
    kind: str
    not_before: datetime | None = None


def send_many(session: Session, runtime: Runtime, items: Sequence[Outgoing]) -> set[str]:
    """Queue many messages in a few statements; see storage.outbox.enqueue_many."""
    rows = [
        outbox.Queued(i.person_id, i.message.to_json(), i.key, i.kind, i.not_before) for i in items
    ]
    return outbox.enqueue_many(session, rows, now=runtime.clock.now(), channels=runtime.channels)


def send_later(
    session: Session,
    runtime: Runtime,
    person_id: int,
    message: Message,
    *,
    key: str,
    kind: str,
    in_channel: tuple[str, str] | None = None,
) -> bool:
    """Queue a message in the caller's transaction; see storage.outbox.enqueue (``in_channel``:
    (platform, channel id) to post in on the person's behalf, instead of their DM)."""
    return outbox.enqueue(
        session,
        person_id=person_id,
        payload=message.to_json(),
        key=key,
        kind=kind,
        now=runtime.clock.now(),
        channels=runtime.channels,
        in_channel=in_channel,
    )
