"""A lease row so exactly one instance runs the scheduler when several share PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, update
from sqlmodel import Session, col

from storage.models import SchedulerLease
from storage.sql import insert_ignore


def try_acquire(session: Session, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Take or renew the lease; True while ``holder`` holds it."""
    if insert_ignore(
        session, SchedulerLease, {"name": name, "holder": holder, "expires_at": now + ttl}
    ):
        return True
    taken = session.connection().execute(
        update(SchedulerLease)
        .where(
            col(SchedulerLease.name) == name,
            or_(col(SchedulerLease.holder) == holder, col(SchedulerLease.expires_at) <= now),
        )
        .values(holder=holder, expires_at=now + ttl)
        .returning(col(SchedulerLease.name))
    )
    return taken.first() is not None


def give_up(session: Session, name: str, holder: str) -> None:
    """Let the lease go at once (a clean stop), if ``holder`` holds it."""
    session.connection().execute(
        update(SchedulerLease)
        .where(col(SchedulerLease.name) == name, col(SchedulerLease.holder) == holder)
        .values(expires_at=datetime(1970, 1, 1, tzinfo=UTC))
    )
