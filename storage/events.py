"""Platform events already handled: a platform's retry of one is dropped (bot.core.router)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col

from storage.models import ProcessedEvent
from storage.sql import insert_ignore


def first_time(session: Session, platform: str, event_id: str, now: datetime) -> bool:
    """Record ``event_id`` as handled; False when it was handled before (a retry)."""
    return insert_ignore(
        session, ProcessedEvent, {"platform": platform, "event_id": event_id, "created_at": now}
    )


def forget(session: Session, platform: str, event_id: str) -> None:
    """Handle ``event_id`` again if it comes again (what it asked for was refused)."""
    session.exec(
        delete(ProcessedEvent).where(
            col(ProcessedEvent.platform) == platform, col(ProcessedEvent.event_id) == event_id
        )
    )
