"""What an operator asks of a running culturebot: the outbox, the scheduler lease, readiness.

One place answers for ``culturebot status``, ``GET /readyz`` and the outbox gauges of
``GET /metrics``, so the three never disagree (the dashboard's delivery view reads the same
storage.outbox_report). Every query here is bounded by what is due or held now, or counts rows
through an index that sent history stays out of; none loads message payloads. Kept light
(SQLAlchemy Core, no SQLModel tables) so `culturebot status` starts fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from storage import outbox_report

if TYPE_CHECKING:
    from bot.core.runtime import Runtime
    from storage.outbox_report import OutboxSnapshot


def outbox_snapshot(runtime: Runtime, now: datetime | None = None) -> OutboxSnapshot:
    """See storage.outbox_report.snapshot (sent history is not counted)."""
    with runtime.db.engine.connect() as conn:
        return outbox_report.snapshot(conn, now or runtime.clock.now())


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
    with runtime.db.engine.connect() as conn:
        lease = outbox_report.lease(conn, name)
    if lease is None:
        return LeaseState(None, None, False)
    holder, expires = lease
    if expires.tzinfo is None and now.tzinfo is not None:
        expires = expires.replace(tzinfo=now.tzinfo)
    return LeaseState(holder, expires, expires > now)


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
    now = runtime.clock.now()
    snapshot = outbox_snapshot(runtime, now)
    lease = lease_state(runtime, now=now)
    with runtime.db.engine.connect() as conn:
        dead = outbox_report.dead_letters(conn, dead_limit)
        unreachable = outbox_report.unreachable_people(conn)
        unlinked = outbox_report.waiting_for_console(conn) if runtime.channels else []
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
        "dead_letters": dead,
        "unreachable": unreachable,
        "unlinked": unlinked,
        "channels": list(runtime.channels),
    }
