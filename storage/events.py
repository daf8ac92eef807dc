"""Platform events already handled: a platform's retry of one is dropped (bot.core.router)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from storage.models import ProcessedEvent
from storage.sql import insert_ignore


def first_time(session: Session, platform: str, event_id: str, now: datetime) -> bool:
    """Record ``event_id`` as handled; False when it was handled before (a retry)."""
    return insert_ignore(
        session, ProcessedEvent, {"platform": platform, "event_id": event_id, "created_at": now}
    )
