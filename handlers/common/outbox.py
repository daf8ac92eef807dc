"""Queueing a neutral message in the caller's transaction: the outbox keeps it as plain data
(its JSON), and delivery turns it back into a message for the platform.

A message for someone is written in their language: ``send_later`` and ``send_many`` take the
recipient and a callable that renders the message, and call it inside
``prompts.speaking(<the recipient's language>)`` (storage.people.locale_of). This is the one
place that happens, so no handler has to remember whose language a message is in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlmodel import Session

import prompts
from bot.core.chat import Message
from bot.core.runtime import Runtime
from storage import outbox, people
from storage.models import Person
from storage.types import row_id

Render = Callable[[], Message]
T = TypeVar("T")


@contextmanager
def spoken_to(runtime: Runtime, person: Person) -> Iterator[str]:
    """Say everything inside in ``person``'s language (their own words, not the actor's)."""
    with prompts.speaking(people.locale_of(person, runtime.settings.default_locale)) as locale:
        yield locale


def written_for(runtime: Runtime, person: Person, render: Render) -> Message:
    """``render()`` in ``person``'s language."""
    with spoken_to(runtime, person):
        return render()


def once_per_language(render: Callable[[], T]) -> Callable[[], T]:
    """``render`` done once for each language, however many recipients speak it (a digest
    built for a whole department)."""
    done: dict[str, T] = {}

    def rendered() -> T:
        locale = prompts.current_locale()
        if locale not in done:
            done[locale] = render()
        return done[locale]

    return rendered


@dataclass(frozen=True)
class Outgoing:
    """One message for ``send_many``: whom it is for, how to write it, and ``not_before``:
    not sent earlier (their working hours)."""

    person: Person
    render: Render
    key: str
    kind: str
    not_before: datetime | None = None


def send_many(session: Session, runtime: Runtime, items: Sequence[Outgoing]) -> set[str]:
    """Queue many messages in a few statements, each in its recipient's language; see
    storage.outbox.enqueue_many."""
    rows = [
        outbox.Queued(
            row_id(i.person.id),
            written_for(runtime, i.person, i.render).to_json(),
            i.key,
            i.kind,
            i.not_before,
        )
        for i in items
    ]
    return outbox.enqueue_many(session, rows, now=runtime.clock.now(), channels=runtime.channels)


def send_later(
    session: Session,
    runtime: Runtime,
    person: Person,
    render: Render,
    *,
    key: str,
    kind: str,
    at: datetime | None = None,
    in_channel: tuple[str, str] | None = None,
) -> bool:
    """Queue a message for ``person``, written in their language, in the caller's transaction,
    due now or ``at``; see storage.outbox.enqueue (``in_channel``: (platform, channel id) to
    post in on their behalf, instead of their direct message)."""
    return outbox.enqueue(
        session,
        person_id=row_id(person.id),
        payload=written_for(runtime, person, render).to_json(),
        key=key,
        kind=kind,
        now=at or runtime.clock.now(),
        channels=runtime.channels,
        in_channel=in_channel,
    )
