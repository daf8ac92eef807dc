"""`culturebot audit`: who imported, changed a schedule, sent or cancelled a cascade, exported,
erased or opened a report, and when (storage.audit)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from enum import StrEnum

import typer

from bot.cli.common import cli_runtime, console, fail

audit_app = typer.Typer(help="The audit log of administrative actions.")


class Format(StrEnum):
    table = "table"
    json = "json"


def parse_since(value: str) -> datetime:
    """``YYYY-MM-DD`` or ``YYYY-MM-DD HH:MM`` (UTC); a clear error otherwise."""
    text = value.strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), tzinfo=UTC)
        return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
    except ValueError:
        raise fail(
            f'--since must be a date YYYY-MM-DD or "YYYY-MM-DD HH:MM" (UTC), got {value!r}'
        ) from None


@audit_app.callback(invoke_without_command=True)
def audit(
    since: str | None = typer.Option(
        None, "--since", help='From this UTC date or time on: YYYY-MM-DD or "YYYY-MM-DD HH:MM".'
    ),
    action: str | None = typer.Option(
        None, "--action", help="Only this action (or its group, e.g. cascade)."
    ),
    format: Format = typer.Option(Format.table, "--format"),
) -> None:
    """The audit log, oldest first."""
    from storage import audit as audit_log

    start = parse_since(since) if since else None
    runtime = cli_runtime()
    with runtime.db.session() as session:
        rows = audit_log.events(session, since=start, action=action)
    if format is Format.json:
        print(
            json.dumps(
                [
                    {
                        "at": row.at.isoformat(),
                        "actor": row.actor,
                        "action": row.action,
                        "target": row.target,
                        "details": json.loads(row.details) if row.details else {},
                    }
                    for row in rows
                ],
                indent=2,
            )
        )
        return
    if not rows:
        console.print("nothing yet")
        return
    from rich.table import Table

    table = Table("at (UTC)", "actor", "action", "target", "details", title="Audit log")
    for row in rows:
        table.add_row(
            row.at.strftime("%Y-%m-%d %H:%M:%S"), row.actor, row.action, row.target, row.details
        )
    console.print(table)
