"""What the outbox holds (and who holds the scheduler lease), for the people who watch it:
``culturebot status``, ``GET /readyz``, ``GET /metrics`` and the dashboard's delivery view all
ask here, so they never disagree. Every function reads through a Connection (a session's is
``session.connection()``).

Two rules keep these reads cheap with a year of history:

- Sent messages are history (millions of rows until they are pruned): no count here reads
  them. Counts by state cover every state but ``sent``, through ``ix_outbox_status`` as two
  ranges (``status < 'sent' OR status > 'sent'``), so a state added later is still counted.
- The queries use SQLAlchemy Core on light ``table()`` descriptions of the few columns they
  read, not the SQLModel tables: ``culturebot status`` then starts without SQLModel, the ORM
  and every table definition (a test checks these columns against the models).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Boolean, Integer, String, bindparam, column, func, or_, select, table

from storage.types import UTCDateTime

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement
    from sqlalchemy.engine import Connection

DUE_STATES = ("pending", "sending")
# Sent only to people who had not answered yet: listed beside their person, they would tell an
# operator who had not answered a check-in or an assessment (docs/privacy.md, "what a tick did")
UNANSWERED_KINDS = ("pulse.reminder", "assess.reminder")
WITHHELD = "(withheld: a reminder says who had not answered)"


# A manager's anonymous reply goes to the author of a comment (handlers/pulse/conversations.py):
# its person is the author, whom the manager (who may be an operator) must never learn
AUTHOR_KINDS = ("convo.reply",)
WITHHELD_AUTHOR = "(withheld: the author of a comment in an anonymous conversation)"


def shown_person(kind: str, email: str) -> str:
    """Who an operator sees beside a message: nobody beside a reminder, nor beside a reply to
    an anonymous comment's author."""
    if kind in AUTHOR_KINDS:
        return WITHHELD_AUTHOR
    return WITHHELD if kind in UNANSWERED_KINDS else email


outbox = table(
    "outbox",
    column("id", Integer()),
    column("person_id", Integer()),
    column("platform", String()),
    column("kind", String()),
    column("status", String()),
    column("attempts", Integer()),
    column("next_attempt_at", UTCDateTime()),
    column("last_error", String()),
)
person = table("person", column("id", Integer()), column("email", String()))
identity = table(
    "identity",
    column("person_id", Integer()),
    column("platform", String()),
    column("unreachable", Boolean()),
    column("unreachable_reason", String()),
)
scheduler_lease = table(
    "scheduler_lease",
    column("name", String()),
    column("holder", String()),
    column("expires_at", UTCDateTime()),
)


def _due() -> ColumnElement[bool]:
    """Rows still to send, written with literal states so SQLite sees that the partial index
    ix_outbox_due (the same condition) applies."""
    return outbox.c.status.in_(bindparam("due_states", DUE_STATES, literal_execute=True))


@dataclass
class OutboxSnapshot:
    """Rows not sent yet or given up on, by (platform, state); the backlog due now, per
    platform, and how long its oldest message has waited."""

    by_state: dict[tuple[str, str], int] = field(default_factory=dict)
    due_by_platform: dict[str, int] = field(default_factory=dict)
    oldest_due_age_seconds: float | None = None

    @property
    def due(self) -> int:
        return sum(self.due_by_platform.values())

    @property
    def dead(self) -> int:
        return sum(n for (_platform, state), n in self.by_state.items() if state == "dead")


def snapshot(db: Connection, now: datetime) -> OutboxSnapshot:
    """Counts by platform and state (every state but ``sent``) and the backlog due at ``now``."""
    counts = db.execute(
        select(outbox.c.platform, outbox.c.status, func.count())
        .where(or_(outbox.c.status < "sent", outbox.c.status > "sent"))
        .group_by(outbox.c.platform, outbox.c.status)
    ).all()
    due = db.execute(
        select(outbox.c.platform, func.count(), func.min(outbox.c.next_attempt_at))
        .where(
            _due(),
            outbox.c.next_attempt_at <= now,
        )
        .group_by(outbox.c.platform)
    ).all()
    oldest = min((first for _platform, _n, first in due if first is not None), default=None)
    age = None
    if oldest is not None:
        if oldest.tzinfo is None and now.tzinfo is not None:
            oldest = oldest.replace(tzinfo=now.tzinfo)
        age = max(0.0, (now - oldest).total_seconds())
    return OutboxSnapshot(
        by_state={(p, s): int(n) for p, s, n in counts},
        due_by_platform={p: int(n) for p, n, _first in due},
        oldest_due_age_seconds=age,
    )


def dead_letters(db: Connection, limit: int = 20) -> list[dict[str, Any]]:
    """The newest messages given up on (dead) or whose person cannot be reached, newest first."""
    # Their ids first, from ix_outbox_status alone: joined or ordered by "id" itself, SQLite
    # walks the whole outbox for them (seconds with a year of history).
    newest = (
        select(outbox.c.id)
        .where(outbox.c.status.in_(("dead", "unreachable")))
        .order_by((outbox.c.id + 0).desc())
        .limit(limit)
    )
    rows = db.execute(
        select(
            outbox.c.id,
            outbox.c.status,
            outbox.c.kind,
            person.c.email,
            outbox.c.platform,
            outbox.c.attempts,
            outbox.c.last_error,
        )
        .join(person, person.c.id == outbox.c.person_id)
        .where(outbox.c.id.in_(newest))
        .order_by(outbox.c.id.desc())
    ).all()
    found = [dict(row._mapping) for row in rows]
    for row in found:
        row["email"] = shown_person(row["kind"], row["email"])
    return found


def unreachable_people(db: Connection) -> list[dict[str, Any]]:
    """Identities a platform refused (blocked, app never installed), by platform and email."""
    rows = db.execute(
        select(identity.c.platform, person.c.email, identity.c.unreachable_reason)
        .join(person, person.c.id == identity.c.person_id)
        .where(identity.c.unreachable.is_(True))
        .order_by(identity.c.platform, person.c.email)
    ).all()
    return [
        {"platform": platform, "email": email, "reason": reason} for platform, email, reason in rows
    ]


def waiting_for_console(db: Connection) -> list[str]:
    """Emails of people with messages queued for the console: no platform identity reaches
    them, so their messages wait for ``culturebot chat``."""
    # a subquery read from the partial index ix_outbox_due (so the literal due states):
    # joined, SQLite walks every person's whole history
    waiting = select(outbox.c.person_id).where(
        _due(), outbox.c.platform == "console", outbox.c.status == "pending"
    )
    return list(
        db.execute(
            select(person.c.email).where(person.c.id.in_(waiting)).order_by(person.c.email)
        ).scalars()
    )


def lease(db: Connection, name: str) -> tuple[str, datetime] | None:
    """Who holds the lease ``name`` and until when (None: nobody ever took it)."""
    row = db.execute(
        select(scheduler_lease.c.holder, scheduler_lease.c.expires_at).where(
            scheduler_lease.c.name == name
        )
    ).first()
    return None if row is None else (row[0], row[1])
