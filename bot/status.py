"""What an operator asks of a running culturebot: the outbox, the scheduler lease, readiness.

One place answers for ``culturebot status``, ``GET /readyz`` and the outbox gauges of
``GET /metrics``, so the three never disagree. Every query here is bounded by what is due or
held now, or is a grouped count; none loads message payloads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, text
from sqlmodel import col, select

from bot.runtime import Runtime
from storage.models import Outbox, SchedulerLease

DUE_STATES = ("pending", "sending")


@dataclass
class OutboxSnapshot:
    """Counts by (platform, state), the backlog due now and how long its oldest has waited."""

    by_state: dict[tuple[str, str], int] = field(default_factory=dict)
    due: int = 0
    oldest_due_age_seconds: float | None = None

    @property
    def dead(self) -> int:
        return sum(n for (_platform, state), n in self.by_state.items() if state == "dead")


def outbox_snapshot(runtime: Runtime, now: datetime | None = None) -> OutboxSnapshot:
    now = now or runtime.clock.now()
    with runtime.db.session() as session:
        counts = session.exec(
            select(Outbox.platform, Outbox.status, func.count()).group_by(
                col(Outbox.platform), col(Outbox.status)
            )
        ).all()
        due, oldest = session.exec(
            select(func.count(), func.min(Outbox.next_attempt_at)).where(
                col(Outbox.status).in_(DUE_STATES), col(Outbox.next_attempt_at) <= now
            )
        ).one()
    age = None
    if oldest is not None:
        if oldest.tzinfo is None and now.tzinfo is not None:
            oldest = oldest.replace(tzinfo=now.tzinfo)
        age = max(0.0, (now - oldest).total_seconds())
    return OutboxSnapshot(
        by_state={(p, s): int(n) for p, s, n in counts},
        due=int(due or 0),
        oldest_due_age_seconds=age,
    )


@dataclass
class LeaseState:
    holder: str | None
    expires_at: datetime | None
    live: bool  # someone holds it and it has not expired

    def role(self, me: str | None) -> str:
        """``held`` (by ``me``), ``followed`` (someone else holds it) or ``vacant``."""
        if not self.live:
            return "vacant"
        return "held" if me is not None and self.holder == me else "followed"


def lease_state(
    runtime: Runtime, name: str = "scheduler", now: datetime | None = None
) -> LeaseState:
    now = now or runtime.clock.now()
    with runtime.db.session() as session:
        lease = session.get(SchedulerLease, name)
    if lease is None:
        return LeaseState(None, None, False)
    expires = lease.expires_at
    if expires.tzinfo is None and now.tzinfo is not None:
        expires = expires.replace(tzinfo=now.tzinfo)
    return LeaseState(lease.holder, expires, expires > now)


def database_check(runtime: Runtime) -> dict[str, Any]:
    """Reachable (one round trip) and at the newest migration."""
    with runtime.db.engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return {"ok": True, "migrations_current": runtime.db.is_current()}


def readiness(
    runtime: Runtime,
    *,
    holder: str | None,
    platforms: dict[str, bool],
    max_due_age: float,
) -> tuple[bool, dict[str, Any]]:
    """Every check ``/readyz`` reports, and whether this instance should take traffic.

    Not ready: the database does not answer or is not at the newest migration; no instance
    holds the scheduler lease; a configured platform is not connected; the oldest due message
    has waited longer than ``max_due_age`` seconds (0: never fail on the backlog).
    """
    checks: dict[str, Any] = {}
    try:
        db = database_check(runtime)
    except Exception as error:  # any driver error: the database is not there for us
        checks["database"] = {"ok": False, "error": _short(error)}
        return False, checks
    checks["database"] = {"ok": True}
    checks["migrations"] = {"ok": db["migrations_current"]}
    now = runtime.clock.now()
    lease = lease_state(runtime, now=now)
    role = lease.role(holder)
    checks["scheduler"] = {"ok": role != "vacant", "lease": role, "holder": lease.holder}
    checks["platforms"] = {"ok": all(platforms.values()), **platforms}
    snapshot = outbox_snapshot(runtime, now)
    age = snapshot.oldest_due_age_seconds
    checks["outbox"] = {
        "ok": not (max_due_age and age is not None and age > max_due_age),
        "due": snapshot.due,
        "oldest_due_age_seconds": round(age, 3) if age is not None else None,
        "dead": snapshot.dead,
    }
    return all(check["ok"] for check in checks.values()), checks


def _short(error: BaseException) -> str:
    """An error's first line, without SQL or parameters (they may hold people's data)."""
    origin = getattr(error, "orig", None) or error
    return f"{type(origin).__name__}: {str(origin).splitlines()[0] if str(origin) else ''}"[:200]


def status_report(runtime: Runtime, *, dead_limit: int = 20) -> dict[str, Any]:
    """Everything ``culturebot status`` shows, as plain data (``--format json`` prints it)."""
    from storage.models import Identity, Person

    now = runtime.clock.now()
    snapshot = outbox_snapshot(runtime, now)
    lease = lease_state(runtime, now=now)
    with runtime.db.session() as session:
        dead = session.exec(
            select(Outbox, Person.email)
            .join(Person, col(Person.id) == col(Outbox.person_id))
            .where(col(Outbox.status).in_(("dead", "unreachable")))
            .order_by(col(Outbox.id).desc())
            .limit(dead_limit)
        ).all()
        unreachable = session.exec(
            select(Identity.platform, Identity.unreachable_reason, Person.email)
            .join(Person, col(Person.id) == col(Identity.person_id))
            .where(col(Identity.unreachable).is_(True))
        ).all()
        unlinked: list[str] = []
        if runtime.channels:
            unlinked = list(
                session.exec(
                    select(Person.email)
                    .distinct()
                    .join(Outbox, col(Outbox.person_id) == col(Person.id))
                    .where(Outbox.platform == "console", Outbox.status == "pending")
                    .order_by(col(Person.email))
                ).all()
            )
    return {
        "outbox": {
            "by_state": [
                {"platform": p, "state": s, "messages": n}
                for (p, s), n in sorted(snapshot.by_state.items())
            ],
            "due": snapshot.due,
            "oldest_due_age_seconds": snapshot.oldest_due_age_seconds,
            "dead": snapshot.dead,
        },
        "scheduler": {
            "holder": lease.holder,
            "expires_at": lease.expires_at.isoformat() if lease.expires_at else None,
            "live": lease.live,
        },
        "dead_letters": [
            {
                "id": row.id,
                "status": row.status,
                "kind": row.kind,
                "email": email,
                "platform": row.platform,
                "attempts": row.attempts,
                "last_error": row.last_error,
            }
            for row, email in dead
        ],
        "unreachable": [
            {"platform": platform, "email": email, "reason": reason}
            for platform, reason, email in unreachable
        ],
        "unlinked": unlinked,
        "channels": list(runtime.channels),
    }
