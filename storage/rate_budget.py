"""The shared send timeline behind bot.delivery.ratelimit.SharedBudget: one row per ceiling."""

from __future__ import annotations

from sqlalchemy import func, update
from sqlmodel import col

from storage.db import Database
from storage.models import RateBudget
from storage.sql import insert_ignore


def reserve(db: Database, name: str, count: int, gap: float, now: float, pause: float) -> float:
    """Reserve ``count`` send times ``gap`` apart on ``name``'s timeline, none before ``now``
    (nor before ``now + pause``); return the first. One statement: concurrent instances each
    get a run of their own."""
    with db.session() as session:
        insert_ignore(session, RateBudget, {"name": name, "next_at": 0.0})
        greatest = func.greatest if session.get_bind().dialect.name == "postgresql" else func.max
        end = (
            session.connection()
            .execute(
                update(RateBudget)
                .where(col(RateBudget.name) == name)
                .values(next_at=greatest(col(RateBudget.next_at), now + pause) + count * gap)
                .returning(col(RateBudget.next_at))
            )
            .scalar_one()
        )
    return float(end) - count * gap
