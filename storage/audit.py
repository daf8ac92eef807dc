"""The audit log: who imported, changed a schedule, sent or cancelled a cascade, exported,
erased or opened a report, and when.

One row per administrative action, written with ``record(...)`` in the same transaction as the
action itself (so a rolled-back action leaves no audit row, and a done one always has one).

What goes in a row, so that the log never becomes a second copy of people's data:
- ``actor`` is who acted: a person's email when they acted in chat, ``cli:<os user>`` on the
  command line (``cli_actor()``), ``scheduler`` for the bot's own jobs.
- ``action`` is a dotted name from ``ACTIONS`` (e.g. ``cascade.send``).
- ``target`` names what was acted on: ``cascade 12``, ``schedule weekly``, a file name, a scope
  email. Never a score, comment or message text.
- ``details`` is a small JSON object of counts and options (``{"rows": 60, "dry_run": false}``).

When a person is erased, ``scrub(session, email)`` replaces their email wherever the log holds
it, so the log keeps the fact of an action without naming the person.
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Text, func
from sqlmodel import Field, Session, SQLModel, col, select, update

from storage.models import utc_column

# The vocabulary; record() refuses anything else so a typo cannot hide an action from a query.
ACTIONS = (
    "org.import",
    "schedule.add",
    "schedule.change",
    "schedule.remove",
    "cascade.send",
    "cascade.schedule",
    "cascade.cancel",
    "export",
    "report.open",
    "person.erase",
    "dashboard.rotate_key",
    "retention.purge",
    "outbox.retry",
    "objective.add",
    "objective.update",
    "objective.close",
)

ERASED = "(erased person)"


class AuditEvent(SQLModel, table=True):
    """One administrative action."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=utc_column(index=True))
    actor: str = Field(max_length=320, index=True)
    action: str = Field(max_length=40, index=True)
    target: str = Field(default="", max_length=500)
    details: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


def cli_actor() -> str:
    """Who runs a command line: ``cli:<os user>`` (the OS account is what an admin can trace)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        user = "unknown"
    return f"cli:{user}"[:320]


def record(
    session: Session,
    action: str,
    *,
    actor: str,
    at: datetime,
    target: str = "",
    details: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Add one audit row to the caller's transaction (it commits or rolls back with the action).

    ``at`` is the injected clock's now; ``details`` must be JSON-serialisable counts/options.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; add it to storage.audit.ACTIONS")
    event = AuditEvent(
        at=at,
        actor=actor[:320],
        action=action,
        target=target[:500],
        details=json.dumps(dict(details), sort_keys=True, default=str) if details else None,
    )
    session.add(event)
    return event


def viewed(
    session: Session,
    what: str,
    *,
    actor: str,
    at: datetime,
    format: str | None = None,
    **details: Any,
) -> AuditEvent:
    """A report opened (``format`` None or "table") or exported (any other format, e.g. json,
    csv): one call for every report, list and download."""
    exported = format not in (None, "table")
    return record(
        session,
        "export" if exported else "report.open",
        actor=actor,
        at=at,
        target=what,
        details={**({"format": format} if exported else {}), **details} or None,
    )


def events(
    session: Session, *, since: datetime | None = None, action: str | None = None
) -> list[AuditEvent]:
    """The log, oldest first; from ``since`` on and of one ``action`` (or its prefix) if given."""
    query = select(AuditEvent)
    if since is not None:
        query = query.where(col(AuditEvent.at) >= since)
    if action:
        query = query.where(
            (col(AuditEvent.action) == action) | col(AuditEvent.action).startswith(action + ".")
        )
    return list(session.exec(query.order_by(col(AuditEvent.at), col(AuditEvent.id))))


def scrub(session: Session, *needles: str) -> int:
    """Replace every occurrence of ``needles`` (a person's email, ids) in the log; rows changed."""
    changed = 0
    for needle in (n for n in needles if n):
        for column in ("actor", "target", "details"):
            attr = getattr(AuditEvent, column)
            result = session.exec(  # type: ignore[call-overload]
                update(AuditEvent)
                .where(col(attr).contains(needle, autoescape=True))
                .values({column: func.replace(attr, needle, ERASED)})
            )
            changed += result.rowcount or 0
    return changed
