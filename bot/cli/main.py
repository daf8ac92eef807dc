"""The `culturebot` command line: database, org import, chat, reports, schedules, demo, run."""

from __future__ import annotations

# Start-up time matters (`--help`, `status` and `tick` answer in well under half a second):
# this module and the sub-command modules import only typer at the top; rich, handlers, storage,
# platforms and every other heavy library are imported inside the commands using them.
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from bot.cli import dashboard as cli_dashboard
from bot.cli import doctor as cli_doctor
from bot.cli import teams as cli_teams
from bot.cli.audit import audit_app
from bot.cli.cascade import cascade_app
from bot.cli.common import (
    CulturebotGroup,
    Since,
    Until,
    Weeks,
    cli_runtime,
    close_all,
    collector_paused,
    console,
    fail,
    period,
    person_named,
    print_table,
    skip_collection_at_exit,
)
from bot.cli.outbox import outbox_app
from bot.cli.person import person_app
from bot.cli.printing import print_report
from bot.cli.prompts import prompts_app
from bot.cli.pulse import pulse_app
from bot.cli.roadmap import assess_app, objective_app
from bot.cli.slack import slack_app

if TYPE_CHECKING:
    from sqlmodel import Session

    from handlers.people import org

app = typer.Typer(
    cls=CulturebotGroup,
    help="culturebot: a customer-centric culture, one routine at a time.",
    no_args_is_help=True,
)
db_app = typer.Typer(help="The database.", no_args_is_help=True)
org_app = typer.Typer(help="The organisation.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(org_app, name="org")
app.add_typer(pulse_app, name="pulse")
app.add_typer(slack_app, name="slack")
app.add_typer(cascade_app, name="cascade")
app.add_typer(cli_teams.app, name="teams")
app.add_typer(cli_dashboard.app, name="dashboard")
app.add_typer(assess_app, name="assess")
app.add_typer(objective_app, name="objective")
app.add_typer(audit_app, name="audit")
app.add_typer(person_app, name="person")
app.add_typer(outbox_app, name="outbox")
app.add_typer(prompts_app, name="prompts")
app.command("doctor")(cli_doctor.doctor)


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def _show_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        print(f"culturebot {version('culturebot')}")
        raise typer.Exit()


@app.callback()
def _main(
    ctx: typer.Context,
    version: bool = typer.Option(
        False, "--version", is_eager=True, callback=_show_version, help="Print the version."
    ),
) -> None:
    """Close every database the command opened when it ends."""
    skip_collection_at_exit()
    ctx.call_on_close(close_all)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending schema migration."""
    runtime = cli_runtime()
    console.print(f"database is up to date: {runtime.db.engine.url!r}", highlight=False)


@org_app.command("import")
def org_import(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
    dry_run: bool = typer.Option(
        False,
        "--dry-run",
        help="Show who would be added, changed, moved, deactivated; write nothing.",
    ),
    allow_deactivate: bool = typer.Option(
        False,
        "--allow-deactivate",
        help="Deactivate more than CULTUREBOT_MAX_DEACTIVATE_SHARE of the active people.",
    ),
) -> None:
    """Import or update people from CSV (email,name,manager_email,department,role,timezone).

    The delimiter may be a comma, a semicolon or a tab. People missing from the file are
    deactivated; a file that would deactivate many of them is refused unless
    --allow-deactivate is given."""
    from rich.progress import Progress

    from handlers.people import org
    from storage import audit

    runtime = cli_runtime()
    try:
        rows = org.parse(
            file.read_text(encoding="utf-8"), default_timezone=runtime.settings.default_timezone
        )
    except UnicodeDecodeError as error:
        raise fail(f"{file}: not UTF-8 text ({error.reason}); nothing was imported") from None
    except org.OrgImportError as error:
        count = len(error.problems) + error.more
        raise fail(
            f"{file}: {count} problem{'s' if count != 1 else ''}; nothing was imported\n"
            + error.describe()
        ) from None
    with runtime.db.session() as session:
        planned = org.plan(session, rows)
    if dry_run:
        print_plan(planned)
        max_share = runtime.settings.max_deactivate_share
        if not allow_deactivate and planned.deactivated_share > max_share:
            console.print(
                f"that is more than CULTUREBOT_MAX_DEACTIVATE_SHARE ({max_share:.0%}): "
                "the import will be refused unless you add --allow-deactivate",
                highlight=False,
                soft_wrap=True,
            )
        console.print("dry run: nothing was written", highlight=False)
        return
    try:
        org.guard_deactivation(
            planned, runtime.settings.max_deactivate_share, allow=allow_deactivate
        )
    except org.DeactivationRefused as refused:
        raise fail(f"{file}: {refused}; nothing was imported") from None
    with Progress(console=console, transient=True) as progress, runtime.db.session() as session:
        task = progress.add_task("importing", total=len(rows))
        result = org.apply(session, rows, lambda n: progress.advance(task, n))
        audit.record(
            session,
            "org.import",
            actor=audit.cli_actor(),
            at=runtime.clock.now(),
            target=file.name,
            details={
                "rows": len(rows),
                "created": result.created,
                "updated": result.updated,
                "deactivated": result.deactivated,
                "reactivated": len(planned.reactivated),
                "moved": len(planned.moved),
                "allow_deactivate": allow_deactivate,
            },
        )
    console.print(
        f"imported {len(rows)} people: {result.created} new, {result.updated} updated "
        f"({len(planned.moved)} moved, {len(planned.reactivated)} reactivated), "
        f"{result.unchanged} unchanged, {result.deactivated} deactivated",
        highlight=False,
        soft_wrap=True,
    )


def print_plan(planned: org.ImportPlan) -> None:
    """Who an import would add, change, move, deactivate and reactivate, one per line."""
    for title, people_ in planned.sections():
        console.print(f"{title} ({len(people_)}):", highlight=False)
        for line in people_:
            console.print(f"  {line}", highlight=False, markup=False, soft_wrap=True)
    console.print(f"unchanged: {planned.unchanged}", highlight=False)
    if planned.deactivated:
        console.print(
            f"{len(planned.deactivated)} of {planned.active_before} active people "
            f"({planned.deactivated_share:.0%}) would be deactivated",
            highlight=False,
        )


def unknown_email(session: Session, email: str) -> str:
    """Why nobody has this email: no organisation yet, or (with one) not in it, with the
    closest email named when there is one."""
    import difflib

    from sqlmodel import select

    from storage.models import Person

    emails = list(session.exec(select(Person.email)))
    if not emails:
        return f"nobody with email {email}; import the org first (culturebot org import)"
    close = difflib.get_close_matches(email.strip().lower(), emails, n=1, cutoff=0.8)
    hint = f" Did you mean {close[0]}?" if close else ""
    return (
        f"nobody with email {email} among the {len(emails)} people in the organisation;"
        f" check the spelling, or add them to the org file and import it again.{hint}"
    )


@app.command("chat")
def chat(
    email: str = typer.Option(..., "--as", help="The email of the person you act as."),
) -> None:
    """Talk to culturebot in this terminal as one person."""
    import asyncio

    from bot.app import build_router
    from bot.platforms.console.platform import ConsoleChat
    from storage import people

    runtime = cli_runtime(channels=())
    with runtime.db.session() as session:
        person = people.by_email(session, email)
        if person is None:
            raise fail(unknown_email(session, email))
        console.print(
            f"You are {person.name} ({person.email}). Type help, or quit to leave.", highlight=False
        )
    session_ = ConsoleChat(runtime, build_router(), email, sys.stdout, input)
    asyncio.run(session_.run())


@app.command("report")
def report(
    format: Format = typer.Option(Format.table, "--format"),
    as_: str | None = typer.Option(
        None, "--as", help="Show what this person may see (default: the whole organisation)."
    ),
    all_groups: bool = typer.Option(
        False, "--all", help="Every group, not only the summary (JSON and CSV: always)."
    ),
    since: Since = None,
    until: Until = None,
    weeks: Weeks = None,
    series: bool = typer.Option(
        False, "--series", help="With --format csv: one line per group, theme and week."
    ),
    details: bool = typer.Option(
        False, "--details", help="List the withheld figures (the table counts them in one line)."
    ),
) -> None:
    """Pulse results per group and theme, from the published weeks (small groups withheld),
    with each group's weekly series (a sparkline in the table)."""
    from handlers.reports import pulse_reports as reports
    from handlers.roadmap import results
    from handlers.stories import reports as story_reports
    from storage import audit

    runtime = cli_runtime()
    chosen = period(runtime, since, until, weeks)
    with runtime.db.session() as session:
        results.publish_and_tell(session, runtime)
    with runtime.db.session() as session:
        viewer = person_named(session, as_)
        result = reports.build(
            session,
            min_group_size=runtime.settings.min_group_size,
            viewer=viewer,
            full=all_groups or format is not Format.table,
            since=chosen.since,
            until=chosen.until,
        )
        stories_section = story_reports.build(
            session,
            runtime.clock.now(),
            min_group_size=runtime.settings.min_group_size,
            scope=viewer,
            period=chosen,
        )
        audit.viewed(
            session,
            f"report as {as_}" if as_ else "report",
            actor=audit.cli_actor(),
            at=runtime.clock.now(),
            format=format.value,
        )
    if format is Format.json:
        print(story_reports.merge_json(result.to_json(), stories_section))
    elif format is Format.csv:
        print(result.series_csv() if series else result.to_csv(), end="")
    else:
        print_report(result, details=details)
        story_reports.print_section(stories_section, console)


@app.command("comments")
def comments(
    as_: str = typer.Option(..., "--as", help="Show the comments this person may read."),
    since: Since = None,
    until: Until = None,
    weeks: Weeks = None,
) -> None:
    """Pulse comments of the published weeks, for groups where enough people commented."""
    from handlers.home.basics import comments_text
    from handlers.reports import disclosure
    from handlers.roadmap import results
    from storage import audit

    runtime = cli_runtime()
    chosen = period(runtime, since, until, weeks)
    with runtime.db.session() as session:
        results.publish_and_tell(session, runtime)
    with runtime.db.session() as session:
        viewer = person_named(session, as_)
        groups = disclosure.comments(session, viewer, since=chosen.since, until=chosen.until)
        size = runtime.settings.min_comment_group_size
        audit.viewed(session, f"comments as {as_}", actor=audit.cli_actor(), at=runtime.clock.now())
        console.print(
            comments_text(groups, min_size=size, email=as_, limit=1 << 30, period=chosen),
            highlight=False,
            markup=False,
            soft_wrap=True,
        )


@app.command("tick")
def tick() -> None:
    """Run everything that is due now once (what the scheduler does each minute)."""
    import time

    from storage import quiet

    # nothing due and nothing written since the last full tick: its report, without the ORM
    idle = quiet.idle_report(quiet.database_url(), time.time())
    if idle is not None:
        print(idle)
        return
    with collector_paused():
        from bot.app import report_json, run_due

        done = report_json(run_due(cli_runtime()))
    print(done)


class StatusFormat(StrEnum):
    table = "table"
    json = "json"


@app.command("status")
def status(format: StatusFormat = typer.Option(StatusFormat.table, "--format")) -> None:
    """Messages not sent yet (or given up on) by platform and state, dead letters with their
    errors, people not reached, the scheduler lease."""
    with collector_paused():
        from bot.web.status import status_report

        runtime = cli_runtime()
        result = status_report(runtime)
    if format is StatusFormat.json:
        import json

        print(json.dumps(result, indent=2, default=str))
        return
    print_status(result, runtime.channels)


def print_status(result: dict, channels: tuple[str, ...]) -> None:
    from rich.table import Table

    table = Table("platform", "status", "messages", title="Outbox (sent messages not counted)")
    for row in result["outbox"]["by_state"]:
        table.add_row(row["platform"], row["state"], str(row["messages"]))
    print_table(table)
    outbox = result["outbox"]
    if outbox["due"]:
        console.print(
            f"due now: {outbox['due']}, the oldest waiting {outbox['oldest_due_age_seconds']:.0f} s",
            highlight=False,
        )
    lease = result["scheduler"]
    console.print(
        f"scheduler lease: {lease['holder']} until {lease['expires_at']}"
        if lease["live"]
        else "scheduler lease: nobody holds it (no `culturebot run` is ticking)",
        highlight=False,
    )
    for row in result["dead_letters"]:
        console.print(
            f"{row['status']}: message {row['id']} ({row['kind']}) to {row['email']} on "
            f"{row['platform']} after {row['attempts']} tries: {row['last_error']}",
            highlight=False,
        )
    for row in result["unreachable"]:
        console.print(
            f"unreachable on {row['platform']}: {row['email']} ({row['reason']})", highlight=False
        )
    unlinked = result["unlinked"]
    if channels and unlinked:
        console.print(
            f"not linked to {' or '.join(channels)}, so their messages wait "
            f"for `culturebot chat` ({len(unlinked)}): {', '.join(unlinked[:10])}"
            f"{', ...' if len(unlinked) > 10 else ''}. Link them with the org file's "
            "platform ids, `culturebot slack sync`, or by installing the Teams app.",
            highlight=False,
            soft_wrap=True,
        )


@app.command("run")
def run() -> None:
    """Run the bot: the scheduler, the delivery worker and every configured platform."""
    import asyncio

    from bot.app import build_router, run_due, tick_report
    from bot.core.config import get_settings
    from bot.core.logs import setup_logging
    from bot.web.server import serve

    setup_logging(get_settings())
    asyncio.run(
        serve(cli_runtime(), build_router(), run_due=run_due, report=tick_report)
    )  # serve() tunes the process (settle_process)


@app.command("demo")
def demo(
    db: Path = typer.Option(Path("culturebot-demo.db"), help="Where to create the demo database."),
    weeks: int = typer.Option(4, min=1, max=12),
) -> None:
    """Import the sample org and run simulated weeks of pulses on a fast clock, then report."""
    from bot.cli.demo import run_demo

    run_demo(db, weeks, console)


if __name__ == "__main__":
    app()
