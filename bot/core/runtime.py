"""What every handler and job needs: the database, the clock, the settings, the channels."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported by every command: the ORM and the tables only where used
    from sqlmodel import Session

    from bot.core.chat import Message
    from bot.core.clock import Clock
    from bot.core.config import Settings
    from storage import outbox
    from storage.db import Database
    from storage.models import Person


@dataclass
class Runtime:
    """``channels`` are the platforms that deliver, in preference order; a person with no
    identity on any of them is reached through the console."""

    db: Database
    clock: Clock
    settings: Settings
    channels: tuple[str, ...] = ()


@dataclass
class Context:
    """One handler call: an open transaction, the runtime, and who is acting."""

    session: Session
    runtime: Runtime
    person: Person

    @property
    def now(self) -> datetime:
        return self.runtime.clock.now()

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    def enqueue(self, person_id: int, message: Message, *, key: str, kind: str) -> bool:
        return send_later(self.session, self.runtime, person_id, message, key=key, kind=kind)


def send_many(session: Session, runtime: Runtime, items: Sequence[outbox.Queued]) -> set[str]:
    """Queue many messages in a few statements; see storage.outbox.enqueue_many."""
    from storage import outbox

    return outbox.enqueue_many(session, items, now=runtime.clock.now(), channels=runtime.channels)


def send_later(
    session: Session, runtime: Runtime, person_id: int, message: Message, *, key: str, kind: str
) -> bool:
    """Queue a message in the caller's transaction; see storage.outbox.enqueue."""
    from storage import outbox

    return outbox.enqueue(
        session,
        person_id=person_id,
        message=message,
        key=key,
        kind=kind,
        now=runtime.clock.now(),
        channels=runtime.channels,
    )
