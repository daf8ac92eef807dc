"""`culturebot pulse ...`: the recurring check-in schedules, managed by name.

`add`, `list`, `edit`, `pause`, `resume`, `remove`; every change is checked against the org
(handlers.pulse.schedules) and written to the audit log in the same transaction.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from bot.cli.common import (
    calendar_date,
    cli_runtime,
    console,
    fail,
    print_table,
    time_of_day,
    whole_number,
)

if TYPE_CHECKING:
    from sqlmodel import Session

    from bot.core.runtime import Runtime

pulse_app = typer.Typer(help="Pulse check-in schedules.", no_args_is_help=True)

NAME = typer.Argument(..., help="The schedule's name (or its number from `pulse list`).")
THEMES_HELP = "Comma-separated themes to ask about (default: every theme)."
QUESTIONS_HELP = "A question file of its own (YAML, like prompts/questions.yaml)."
ENPS_HELP = (
    "Also ask the eNPS question (0-10: how likely to recommend working here), "
    "once per turn of the schedule's questions."
)


def _audit(
    session: Session, runtime: Runtime, action: str, name: str, details: dict[str, object]
) -> None:
    from storage import audit

    audit.record(
        session,
        action,
        actor=audit.cli_actor(),
        at=runtime.clock.now(),
        target=f"schedule {name}",
        details=details,
    )


@pulse_app.command("add")
def pulse_add(
    name: str = typer.Option(..., help="A name for the schedule (unique)."),
    audience: str = typer.Option(
        "org",
        help="org, department, subtree (a manager and everyone below) or below (not the manager).",
    ),
    value: str = typer.Option("", help="The department name, or the manager's email for subtree."),
    weekday: str = typer.Option("mon", help="mon..sun"),
    at: str = typer.Option(
        "09:00", help="Local time in each recipient's time zone, HH:MM.", parser=time_of_day
    ),
    every: int = typer.Option(1, help="Every N weeks (1-12).", parser=whole_number(1, 12)),
    start: date | None = typer.Option(
        None, help="First date (YYYY-MM-DD); default today.", parser=calendar_date
    ),
    themes: str = typer.Option("", help=THEMES_HELP),
    questions: Path | None = typer.Option(None, help=QUESTIONS_HELP, dir_okay=False),
    enps: bool = typer.Option(False, "--enps", help=ENPS_HELP),
) -> None:
    """Add a recurring check-in schedule."""
    from handlers.pulse import schedules

    runtime = cli_runtime()
    try:
        with runtime.db.session() as session:
            schedule = schedules.add(
                session,
                name=name,
                audience=audience,
                value=value,
                weekday=weekday,
                at=at,
                every=every,
                start=start or runtime.clock.now().date(),
                answer_window_hours=runtime.settings.answer_window_hours,
                reminder_after_hours=runtime.settings.reminder_after_hours,
                themes=themes,
                questions=questions,
                enps=enps,
            )
            shown = schedules.describe(schedule)
            _audit(session, runtime, "schedule.add", schedule.name, dict(shown))
    except schedules.ScheduleError as refused:
        raise fail(f"{refused}; nothing was added") from None
    console.print(
        f"schedule {shown['name']!r} added: {shown['audience']} every {shown['every']} on "
        f"{shown['weekday']} at {shown['at']} local, from {shown['start']}; "
        f"themes: {shown['themes']}; eNPS {shown['enps']}",
        highlight=False,
        soft_wrap=True,
    )


@pulse_app.command("list")
def pulse_list() -> None:
    """List the check-in schedules (paused ones say so)."""
    from rich.table import Table

    from handlers.pulse import schedules

    runtime = cli_runtime()
    table = Table("id", "name", "audience", "when", "themes", "status", title="Pulse schedules")
    with runtime.db.session() as session:
        for s in schedules.listed(session):
            shown = schedules.describe(s)
            themes = shown["themes"] + (" (own questions)" if s.question_bank else "")
            themes += " + eNPS" if s.enps else ""
            table.add_row(
                str(s.id),
                s.name,
                shown["audience"],
                f"every {s.every_weeks} wk, {shown['weekday']} {s.local_time}, "
                f"from {shown['start']}",
                themes,
                "active" if s.active else "paused",
            )
    print_table(table)


@pulse_app.command("edit")
def pulse_edit(
    schedule_name: str = NAME,
    name: str | None = typer.Option(None, help="A new name."),
    audience: str | None = typer.Option(
        None,
        help="org, department, subtree (a manager and everyone below) or below (not the manager).",
    ),
    value: str | None = typer.Option(None, help="The department, or the manager's email."),
    weekday: str | None = typer.Option(None, help="mon..sun"),
    at: str | None = typer.Option(None, help="Local time, HH:MM.", parser=time_of_day),
    every: int | None = typer.Option(
        None, help="Every N weeks (1-12).", parser=whole_number(1, 12)
    ),
    start: date | None = typer.Option(None, help="YYYY-MM-DD.", parser=calendar_date),
    themes: str | None = typer.Option(None, help=THEMES_HELP + ' "" for every theme.'),
    questions: Path | None = typer.Option(None, help=QUESTIONS_HELP, dir_okay=False),
    shared_questions: bool = typer.Option(
        False, "--shared-questions", help="Go back to prompts/questions.yaml."
    ),
    enps: bool | None = typer.Option(None, "--enps/--no-enps", help=ENPS_HELP),
) -> None:
    """Change a schedule; rounds already open finish as they were."""
    from handlers.pulse import schedules

    runtime = cli_runtime()
    try:
        with runtime.db.session() as session:
            schedule = schedules.find(session, schedule_name)
            changed = schedules.edit(
                session,
                schedule,
                name=name,
                audience=audience,
                value=value,
                weekday=weekday,
                at=at,
                every=every,
                start=start,
                themes=themes,
                questions=questions,
                shared_questions=shared_questions,
                enps=enps,
            )
            if changed:
                _audit(session, runtime, "schedule.change", schedule.name, {"changed": changed})
    except schedules.ScheduleError as refused:
        raise fail(f"{refused}; nothing was changed") from None
    if not changed:
        console.print(f"schedule {schedule_name!r}: nothing to change", highlight=False)
        return
    console.print(f"schedule {schedule.name!r} changed:", highlight=False)
    for line in changed:
        console.print(f"  {line}", highlight=False, markup=False, soft_wrap=True)


def _set_active(schedule_name: str, active: bool) -> None:
    from handlers.pulse import schedules

    runtime = cli_runtime()
    try:
        with runtime.db.session() as session:
            schedule = schedules.find(session, schedule_name)
            changed = schedules.set_active(session, schedule, active)
            if changed:
                state = "resumed" if active else "paused"
                _audit(session, runtime, "schedule.change", schedule.name, {"state": state})
    except schedules.ScheduleError as refused:
        raise fail(str(refused)) from None
    if not changed:
        console.print(
            f"schedule {schedule.name!r} is already {'active' if active else 'paused'}",
            highlight=False,
        )
    elif active:
        console.print(f"schedule {schedule.name!r} resumed", highlight=False)
    else:
        console.print(
            f"schedule {schedule.name!r} paused: no new rounds until `culturebot pulse resume`; "
            "a round already open finishes",
            highlight=False,
            soft_wrap=True,
        )


@pulse_app.command("pause")
def pulse_pause(schedule_name: str = NAME) -> None:
    """Pause a schedule: no new rounds until it is resumed."""
    _set_active(schedule_name, False)


@pulse_app.command("resume")
def pulse_resume(schedule_name: str = NAME) -> None:
    """Resume a paused schedule."""
    _set_active(schedule_name, True)


@pulse_app.command("remove")
def pulse_remove(
    schedule_name: str = NAME,
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
) -> None:
    """Remove a schedule for good; its past answers stay in the reports."""
    from handlers.pulse import schedules

    runtime = cli_runtime()
    try:
        with runtime.db.session() as session:
            schedule = schedules.find(session, schedule_name)
            if not yes and not typer.confirm(f"Remove schedule {schedule.name!r} for good?"):
                raise fail("nothing was removed")
            dropped = schedules.remove(session, schedule)
            _audit(session, runtime, "schedule.remove", schedule.name, {"unsent_dropped": dropped})
    except schedules.ScheduleError as refused:
        raise fail(str(refused)) from None
    console.print(
        f"schedule {schedule.name!r} removed"
        + (f"; {dropped} invitations not yet sent were dropped" if dropped else ""),
        highlight=False,
    )
