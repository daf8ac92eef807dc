"""The delivery worker: claim due outbox rows, send them through a platform, record the result.

Rows are claimed in a short transaction (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several
workers share the load), sent outside any transaction, and their outcomes written back in one
more. A row whose claim lease runs out (a crashed worker) is claimed again.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import or_
from sqlmodel import Session, col, select

from bot.chat import Message
from bot.runtime import Runtime
from storage.models import Identity, Outbox

log = logging.getLogger(__name__)

CLAIM_LEASE = timedelta(minutes=5)


@dataclass(frozen=True)
class Address:
    """Where a person is on one platform."""

    person_id: int
    external_id: str
    conversation_ref: str | None = None


class DeliveryError(Exception):
    """A send that failed. ``retry_after`` (seconds) when the platform said when to retry;
    ``unreachable`` when the person cannot be reached there (blocked, never installed);
    ``permanent`` when retrying cannot help."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        unreachable: bool = False,
        permanent: bool = False,
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.unreachable = unreachable
        self.permanent = permanent


class Platform(Protocol):
    """What the delivery worker needs of a chat platform."""

    name: str

    async def send(self, address: Address, message: Message) -> str:
        """Send and return the platform's reference for the message (to update it later)."""
        ...


@dataclass
class DeliveryStats:
    sent: int = 0
    retried: int = 0
    dead: int = 0
    unreachable: int = 0
    errors: list[str] = field(default_factory=list)


def backoff(attempt: int, *, first: float = 2.0, cap: float = 900.0) -> float:
    """Exponential backoff with jitter: up to ``first`` seconds after attempt 1, doubling
    each time up to ``cap``; the jitter (50-100%) keeps retries from moving in step."""
    return random.uniform(0.5, 1.0) * min(cap, first * 2 ** (attempt - 1))


def _claim(
    runtime: Runtime, platform: str, now: datetime, limit: int, person_id: int | None
) -> list[tuple[Outbox, Identity | None]]:
    with runtime.db.session() as session:
        query = (
            select(Outbox)
            .where(
                Outbox.platform == platform,
                or_(
                    (col(Outbox.status) == "pending") & (col(Outbox.next_attempt_at) <= now),
                    (col(Outbox.status) == "sending") & (col(Outbox.next_attempt_at) <= now),
                ),
            )
            .order_by(col(Outbox.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        if person_id is not None:
            query = query.where(Outbox.person_id == person_id)
        rows = list(session.exec(query))
        if not rows:
            return []
        identities = {
            identity.person_id: identity
            for identity in session.exec(
                select(Identity).where(
                    Identity.platform == platform,
                    col(Identity.person_id).in_({row.person_id for row in rows}),
                )
            )
        }
        for row in rows:
            row.status = "sending"
            row.next_attempt_at = now + CLAIM_LEASE
            session.add(row)
        return [(row, identities.get(row.person_id)) for row in rows]


async def deliver_due(
    runtime: Runtime,
    platform: Platform,
    *,
    limit: int = 200,
    person_id: int | None = None,
    concurrency: int = 1,
) -> DeliveryStats:
    """Send what is due on ``platform`` (optionally only one person's); one batch per call."""
    now = runtime.clock.now()
    claimed = await asyncio.to_thread(_claim, runtime, platform.name, now, limit, person_id)
    stats = DeliveryStats()
    if not claimed:
        return stats
    gate = asyncio.Semaphore(concurrency)

    async def attempt(
        row: Outbox, identity: Identity | None
    ) -> tuple[Outbox, str | None, Exception | None]:
        if platform.name != "console" and (identity is None or identity.unreachable):
            return row, None, DeliveryError("no reachable identity", unreachable=True)
        address = Address(
            person_id=row.person_id,
            external_id=identity.external_id if identity else "",
            conversation_ref=identity.conversation_ref if identity else None,
        )
        async with gate:
            try:
                return row, await platform.send(address, Message.from_json(row.payload)), None
            except Exception as error:  # recorded on the row, never lost
                return row, None, error

    outcomes = await asyncio.gather(*(attempt(row, identity) for row, identity in claimed))
    await asyncio.to_thread(_record, runtime, outcomes, stats)
    return stats


def _record(
    runtime: Runtime,
    outcomes: list[tuple[Outbox, str | None, Exception | None]],
    stats: DeliveryStats,
) -> None:
    now = runtime.clock.now()
    max_attempts = runtime.settings.max_delivery_attempts
    with runtime.db.session() as session:
        ids = [row.id for row, _ref, _error in outcomes]
        fresh = {r.id: r for r in session.exec(select(Outbox).where(col(Outbox.id).in_(ids)))}
        for row, ref, error in outcomes:
            row = fresh[row.id]  # one query for the batch, not a merge (a SELECT) per row
            row.attempts += 1
            if error is None:
                row.status, row.sent_at, row.platform_ref, row.last_error = "sent", now, ref, None
                stats.sent += 1
            elif isinstance(error, DeliveryError) and error.unreachable:
                row.status, row.last_error = "unreachable", str(error)
                _mark_unreachable(session, row, str(error))
                stats.unreachable += 1
            elif (
                isinstance(error, DeliveryError) and error.permanent
            ) or row.attempts >= max_attempts:
                row.status, row.last_error = "dead", f"{type(error).__name__}: {error}"
                stats.dead += 1
                stats.errors.append(row.last_error)
                log.warning("outbox %s dead after %s attempts: %s", row.id, row.attempts, error)
            else:
                delay = (
                    error.retry_after
                    if isinstance(error, DeliveryError) and error.retry_after
                    else backoff(row.attempts)
                )
                row.status, row.last_error = "pending", f"{type(error).__name__}: {error}"
                row.next_attempt_at = now + timedelta(seconds=delay)
                stats.retried += 1
            session.add(row)


def _mark_unreachable(session: Session, row: Outbox, reason: str) -> None:
    identity = session.exec(
        select(Identity).where(
            Identity.person_id == row.person_id, Identity.platform == row.platform
        )
    ).first()
    if identity is not None:
        identity.unreachable = True
        identity.unreachable_reason = reason[:500]
        session.add(identity)
