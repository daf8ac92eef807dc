"""`culturebot cascade ...`: send a leadership message from a file, read a chain report."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from bot.cli.common import (
    Since,
    Until,
    Weeks,
    cli_runtime,
    console,
    fail,
    period,
    print_table,
    row_id,
    time_of_day,
    whole_number,
)
from handlers.people.relay_windows import WINDOW_DEFAULT, WINDOW_MAX

if TYPE_CHECKING:  # handlers and storage are imported by the commands (fast --help)
    from handlers.cascade import report as cascade_report
    from handlers.reports.periods import Period

cascade_app = typer.Typer(
    help="Leadership messages down the management chain.", no_args_is_help=True
)


class Format(StrEnum):
    table = "table"
    json = "json"


def split_title(text: str) -> tuple[str, str]:
    """A Markdown file's first line is its title when it is a heading ("# Title")."""
    first, _, rest = text.strip().partition("\n")
    if first.startswith("#"):
        return first.lstrip("#").strip(), rest.strip()
    return "", text.strip()


def date_and_time(value: str) -> str:
    """A typer ``parser=`` for "YYYY-MM-DD HH:MM" (a real date, a real time); kept as text
    until the sender's time zone is known."""
    from bot.core.parsing import parse_date, parse_time

    day, _, at = str(value).strip().partition(" ")
    if parse_date(day) is None or parse_time(at.strip()) is None:
        raise typer.BadParameter(
            f'expected "YYYY-MM-DD HH:MM" (a real date and time), got {value!r}'
        )
    return f"{parse_date(day)} {parse_time(at.strip())}"


@cascade_app.command("send")
def send(
    sender: str = typer.Option(..., "--from", help="The leader's email."),
    file: Path = typer.Option(..., "--file", exists=True, dir_okay=False, readable=True),
    title: str | None = typer.Option(None, help="Default: the file's first '# heading'."),
    customers: str | None = typer.Option(None, help="What this means for our customers."),
    window_days: int = typer.Option(
        WINDOW_DEFAULT,
        "--window-days",
        help="Working days.",
        parser=whole_number(1, WINDOW_MAX),
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Show who would get it, by level, and send nothing."
    ),
    at: str | None = typer.Option(
        None,
        "--at",
        help='Send at "YYYY-MM-DD HH:MM" in the sender\'s time zone instead of now.',
        parser=date_and_time,
    ),
    local: str | None = typer.Option(
        None,
        "--local",
        help="Send at HH:MM in each direct report's own time zone, on their next working day "
        "(from --at on, if given). Each relay window starts when it reaches that manager.",
        parser=time_of_day,
    ),
) -> None:
    """Send the message in FILE from a leader down their subtree (or schedule it)."""
    from bot.core.chat import UserError
    from bot.core.clock import local_instant
    from handlers.cascade import actions as cascade
    from handlers.cascade import preview as cascade_preview
    from storage import audit, people

    try:
        content = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise fail(f"{file}: not UTF-8 text ({error.reason})") from None
    heading, body = split_title(content)
    runtime = cli_runtime()
    try:
        with runtime.db.session() as session:
            person = people.by_email(session, sender)
            if person is None or not person.active:
                raise fail(f"nobody active with email {sender}")
            if dry_run:
                cascade.may_broadcast(session, person)
                cascade.clean(title or heading, "title", cascade.TITLE_MAX)
                cascade.clean(body, "message", cascade.BODY_MAX)
                preview = cascade_preview.build(session, runtime, person)
                session.rollback()
                console.print(cascade_preview.as_text(preview), highlight=False, soft_wrap=True)
                console.print("dry run: nothing was sent", highlight=False)
                return
            send_at = None
            if at is not None:
                from datetime import date

                day, _, hhmm = at.partition(" ")
                send_at = local_instant(date.fromisoformat(day), hhmm, person.timezone)
            sent = cascade.send(
                session,
                runtime,
                person,
                title=title or heading,
                body=body,
                customer_line=customers,
                window=window_days,
                actor=audit.cli_actor(),
                send_at=send_at,
                local_time=local,
                words="cli",
            )
    except UserError as refusal:
        raise fail(f"{refusal} Nothing was sent.") from None
    console.print(sent, highlight=False, soft_wrap=True)


@cascade_app.command("cancel")
def cancel(
    cascade_id: int = typer.Argument(..., help="The cascade's number.", parser=row_id),
) -> None:
    """Cancel a scheduled cascade before it goes out."""
    from bot.core.chat import UserError
    from handlers.cascade import actions as cascade
    from storage import audit

    runtime = cli_runtime()
    try:
        with runtime.db.session() as session:
            done = cascade.cancel(
                session, None, cascade_id, now=runtime.clock.now(), by=audit.cli_actor()
            )
    except UserError as refusal:
        raise fail(str(refusal)) from None
    console.print(done, highlight=False)


@cascade_app.command("report")
def report(
    cascade_id: int | None = typer.Argument(
        None,
        help="The cascade's number; leave it out for every cascade sent in a period.",
        parser=row_id,
    ),
    format: Format = typer.Option(Format.table, "--format"),
    tree: bool = typer.Option(False, help="With --format json: the chain tree instead."),
    since: Since = None,
    until: Until = None,
    weeks: Weeks = None,
) -> None:
    """How far a cascade reached, how, how fast per level; broken links, questions, delivery.
    Without a number: every cascade sent in the period (--since, --until, --weeks; all time
    without them)."""
    from handlers.cascade import report as cascade_report
    from storage import audit

    runtime = cli_runtime()
    chosen = period(runtime, since, until, weeks)
    if cascade_id is None:
        with runtime.db.session() as session:
            sent = cascade_report.sent_in(
                session,
                chosen,
                runtime.settings.min_group_size,
                min_texts=runtime.settings.min_comment_group_size,
            )
            audit.viewed(
                session,
                "cascade reports",
                actor=audit.cli_actor(),
                at=runtime.clock.now(),
                format=format.value,
            )
        if format is Format.json:
            print(json.dumps([r.to_dict() for r in sent], indent=2, default=str))
        else:
            print_list(sent, chosen)
        return
    if chosen:
        flag = "--weeks" if weeks is not None else "--since" if since else "--until"
        raise fail(f"{flag}: a period lists the cascades sent in it; leave out the number")
    try:
        with runtime.db.session() as session:
            result = cascade_report.build(
                session,
                cascade_id,
                runtime.settings.min_group_size,
                runtime.settings.min_comment_group_size,
            )
            chain = cascade_report.chain_tree(session, cascade_id) if tree else None
            audit.viewed(
                session,
                f"cascade report {cascade_id}",
                actor=audit.cli_actor(),
                at=runtime.clock.now(),
                format=format.value,
            )
    except KeyError:
        raise fail(f"there is no cascade {cascade_id}") from None
    if format is Format.json:
        print(json.dumps(chain, indent=2) if chain is not None else result.to_json())
        return
    print_report(result)


def print_list(sent: list[cascade_report.CascadeReport], chosen: Period) -> None:
    """One row per cascade sent in the period; an empty period says so."""
    from rich.console import Console
    from rich.table import Table

    from bot.core.clock import format_local

    words = chosen.words()
    if not sent:
        console.print(
            f"No cascades were sent in this period ({words})."
            if words
            else "No cascades sent yet.",
            highlight=False,
        )
        return
    headers = ("id", "title", "from", "sent (UTC)", "state", "reached", "of", "relay")
    table = Table(*headers, "escalation", "acknowledged", "depth")
    table.title = f"Cascades sent, {words}" if words else "Cascades sent"
    for r in sent:
        table.add_row(
            str(r.id),
            r.title,
            r.sender,
            format_local(r.created_at, "UTC"),
            r.status,
            str(r.reached),
            str(r.audience),
            str(r.via_relay),
            str(r.via_escalation),
            r.acknowledged,
            str(r.depth),
        )
    # piped or captured: wide enough that titles are not wrapped mid-word
    wide = console if console.is_terminal else Console(width=max(console.width, 140))
    print_table(table, wide)


def print_report(result: cascade_report.CascadeReport) -> None:
    from rich.table import Table

    from bot.core.clock import format_local
    from handlers.cascade.report import question_lines

    tz = "UTC"
    console.print(
        f'Cascade {result.id} "{result.title}" from {result.sender}, sent '
        f"{format_local(result.created_at, tz)} UTC ({result.status})",
        highlight=False,
    )
    console.print(
        f"reached {result.reached} of {result.audience} ({result.reached_share:.0%}); "
        f"{result.via_relay} by personal relay, {result.via_escalation} by escalation; "
        f"acknowledged by {result.acknowledged}; depth {result.depth}",
        highlight=False,
    )
    levels = Table("level", "reached", "relay", "escalation", "median h", "p90 h")
    for s in result.levels:
        levels.add_row(
            str(s.level),
            str(s.reached),
            str(s.via_relay),
            str(s.via_escalation),
            f"{s.median_hours:.1f}" if s.median_hours is not None else "",
            f"{s.p90_hours:.1f}" if s.p90_hours is not None else "",
        )
    print_table(levels)
    links = Table("manager", "level", "state", "since (UTC)", title="Broken and waiting links")
    for link in [*result.broken_links, *result.waiting]:
        links.add_row(
            link.manager, str(link.level), link.status, format_local(link.in_state_since, tz)
        )
    print_table(links)
    if result.questions_withheld_below is not None:
        console.print(question_lines(result)[0], highlight=False)
    else:
        questions = Table("answered", "question", title="Questions")
        for q in result.questions:
            questions.add_row("yes" if q.answered else "no", q.text)
        print_table(questions)
    delivery = Table("platform", "sent", "failed", "unreachable", "waiting", title="Delivery")
    for platform, counts in sorted(result.delivery.items()):
        delivery.add_row(
            platform,
            *(str(counts[k]) for k in ("sent", "failed", "unreachable", "pending")),
        )
    print_table(delivery)
