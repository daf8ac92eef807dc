"""Publishing every closed period through the disclosure gate: the pulse weeks, the weeks of
stories and ideas, and the four-week blocks of connectedness. Run by the scheduler tick, and by
``culturebot report`` before reading."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.core.config import Settings
from bot.core.runtime import Runtime
from handlers.reports import connection_periods, disclosure, story_periods


def publish_due(session: Session, now: datetime, settings: Settings) -> list[str]:
    """Publish every closed, unpublished period (incremental); return the pulse periods
    published: a round published on its own as it closes ("2027-W10-3.r12"), a week
    ("2027-W10", the smaller rounds of that week) two days after it ended."""
    done = disclosure.publish_pulse_due(session, now, settings)
    story_periods.publish_due(session, now, settings)
    connection_periods.publish_due(session, now, settings)
    return done


def next_due(session: Session, runtime: Runtime, now: datetime) -> datetime | None:
    """When ``tick`` could next publish, the database staying as it is: each kind's own rule."""
    times = [
        disclosure.next_pulse_due(session, now),
        story_periods.next_due(session, now),
        connection_periods.next_due(session, now),
    ]
    return min((t for t in times if t is not None), default=None)


def tick(runtime: Runtime) -> dict[str, int]:
    """Publish the periods that closed (the scheduler runs it after the pulse tick)."""
    with runtime.db.session() as session:
        return {"published": len(publish_due(session, runtime.clock.now(), runtime.settings))}
