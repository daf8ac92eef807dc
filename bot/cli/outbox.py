"""`culturebot outbox`: the messages culturebot gave up on (dead letters) and people it could
not reach, listed, and queued again once the cause is fixed."""

from __future__ import annotations

import json
from enum import StrEnum

import typer

from bot.cli.common import cli_runtime, console, fail

outbox_app = typer.Typer(help="Queued messages: list them, send dead letters again.")
GIVEN_UP = ("dead", "unreachable")


class Format(StrEnum):
    table = "table"
    json = "json"


@outbox_app.command("list")
def list_messages(
    dead: bool = typer.Option(
        False, "--dead", help="Only messages given up on (dead, unreachable)."
    ),
    limit: int = typer.Option(50, "--limit", min=1, help="At most this many, newest first."),
    format: Format = typer.Option(Format.table, "--format"),
) -> None:
    """Queued messages, newest first: id, person, platform, kind, state, tries, last error.
    Reminders are listed only once given up on, and without their person: who was reminded
    is who had not answered (storage/outbox_report.py)."""
    from sqlmodel import col, or_, select

    from storage.models import Outbox, Person
    from storage.outbox_report import UNANSWERED_KINDS, shown_person

    runtime = cli_runtime()
    with runtime.db.session() as session:
        query = (
            select(Outbox, Person.email)
            .join(Person, col(Person.id) == col(Outbox.person_id))
            .order_by(col(Outbox.id).desc())
            .limit(limit)
        )
        if dead:
            query = query.where(col(Outbox.status).in_(GIVEN_UP))
        else:
            query = query.where(
                or_(col(Outbox.kind).not_in(UNANSWERED_KINDS), col(Outbox.status).in_(GIVEN_UP))
            )
        rows = [(row, shown_person(row.kind, email)) for row, email in session.exec(query)]
    if format is Format.json:
        print(
            json.dumps(
                [
                    {
                        "id": row.id,
                        "person": email,
                        "platform": row.platform,
                        "kind": row.kind,
                        "status": row.status,
                        "attempts": row.attempts,
                        "created_at": row.created_at.isoformat(),
                        "sent_at": row.sent_at.isoformat() if row.sent_at else None,
                        "last_error": row.last_error,
                    }
                    for row, email in rows
                ]
            )
        )
        return
    from rich.table import Table

    table = Table(
        "id", "person", "platform", "kind", "state", "tries", "last error", title="Outbox"
    )
    for row, email in rows:
        table.add_row(
            str(row.id),
            email,
            row.platform,
            row.kind,
            row.status,
            str(row.attempts),
            (row.last_error or "")[:120],
        )
    if not rows:
        console.print("no dead letters" if dead else "the outbox is empty: nothing yet")
        return
    console.print(table)


@outbox_app.command("retry")
def retry(
    message_id: int | None = typer.Argument(None, help="The id `outbox list` shows."),
    all_dead: bool = typer.Option(False, "--all-dead", help="Every message given up on."),
) -> None:
    """Queue dead letters again (one, or all): sent as soon as a worker is running. A person
    marked unreachable on that platform is tried again too."""
    from sqlmodel import col, select

    from storage import audit
    from storage.models import Identity, Outbox

    if (message_id is None) == (not all_dead):
        raise fail("give one message id, or --all-dead")
    runtime = cli_runtime()
    now = runtime.clock.now()
    with runtime.db.session() as session:
        query = select(Outbox).where(col(Outbox.status).in_(GIVEN_UP))
        if message_id is not None:
            row = session.get(Outbox, message_id)
            if row is None:
                raise fail(f"no message {message_id} in the outbox")
            if row.status not in GIVEN_UP:
                raise fail(f"message {message_id} is {row.status}, not a dead letter")
            query = query.where(col(Outbox.id) == message_id)
        rows = list(session.exec(query))
        people = {(row.person_id, row.platform) for row in rows if row.status == "unreachable"}
        for row in rows:
            row.status, row.attempts, row.next_attempt_at = "pending", 0, now
            row.claimed_by = None
            session.add(row)
        for person_id, platform in people:
            identity = session.exec(
                select(Identity).where(
                    Identity.person_id == person_id, Identity.platform == platform
                )
            ).first()
            if identity is not None and identity.unreachable:
                identity.unreachable, identity.unreachable_reason = False, None
                session.add(identity)
        audit.record(
            session,
            "outbox.retry",
            actor=audit.cli_actor(),
            at=now,
            target=str(message_id) if message_id is not None else "all-dead",
            details={"messages": len(rows), "people_reachable_again": len(people)},
        )
    console.print(f"queued again: {len(rows)} message(s)")
