"""Managing pulse schedules: add, edit, pause, resume, remove, each checked against the org.

What an HR lead can get wrong is refused with the reason before anything is written: a name
another schedule already has, a department nobody works in (with the closest one named), a
"subtree" of someone with no reports, a theme the bank does not have, a question file that
does not load. Pausing stops new rounds; removing also drops the invitations not yet sent,
and keeps the schedule's past rounds and answers for the reports.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml
from pydantic import ValidationError
from sqlalchemy import delete, func
from sqlmodel import Session, col, select

import prompts
from bot.core.parsing import WEEKDAYS, parse_id
from handlers.pulse.rounds import AUDIENCES, schedule_bank, theme_dimensions
from prompts import QuestionBank
from storage import people
from storage.models import Person, PulsePrompt, PulseRound, PulseSchedule

NAME_MAX = 120


class ScheduleError(Exception):
    """A schedule change refused, with the reason an HR lead can act on."""


@dataclass(frozen=True)
class Audience:
    kind: str
    value: str


def find(session: Session, name_or_id: str) -> PulseSchedule:
    """The (not removed) schedule with this name, or with this number."""
    wanted = name_or_id.strip()
    schedule = session.exec(
        select(PulseSchedule).where(
            func.lower(PulseSchedule.name) == wanted.lower(), col(PulseSchedule.removed).is_(False)
        )
    ).first()
    number = parse_id(wanted)
    if schedule is None and number is not None:
        schedule = session.get(PulseSchedule, number)
        if schedule is not None and schedule.removed:
            schedule = None
    if schedule is None:
        names = [s.name for s in listed(session)]
        hint = f"; the schedules are: {', '.join(names)}" if names else "; there are none yet"
        raise ScheduleError(f"there is no schedule {wanted!r}{hint}")
    return schedule


def listed(session: Session) -> list[PulseSchedule]:
    """Every schedule not removed, oldest first."""
    return list(
        session.exec(
            select(PulseSchedule)
            .where(col(PulseSchedule.removed).is_(False))
            .order_by(col(PulseSchedule.id))
        )
    )


def check_name(session: Session, name: str, *, other_than: int | None = None) -> str:
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise ScheduleError(f"a schedule's name is 1 to {NAME_MAX} characters")
    clash = session.exec(
        select(PulseSchedule).where(
            func.lower(PulseSchedule.name) == name.lower(), col(PulseSchedule.removed).is_(False)
        )
    ).first()
    if clash is not None and clash.id != other_than:
        raise ScheduleError(
            f"there is already a schedule named {clash.name!r} (number {clash.id}); "
            "choose another name, or change that one with `culturebot pulse edit`"
        )
    return name


def check_audience(session: Session, kind: str, value: str) -> Audience:
    """The audience, or ScheduleError saying why nobody (or not whom you meant) would be asked."""
    value = value.strip()
    if kind not in AUDIENCES:
        raise ScheduleError(f"the audience is one of {', '.join(AUDIENCES)}, not {kind!r}")
    if kind == "org":
        if value:
            raise ScheduleError("an org-wide schedule takes no --value (it asks everyone)")
        return Audience(kind, "")
    if kind == "department":
        departments = list(
            session.exec(select(Person.department).distinct().where(col(Person.active).is_(True)))
        )
        if value in departments:
            return Audience(kind, value)
        exact = [d for d in departments if d.lower() == value.lower()]
        if exact:
            return Audience(kind, exact[0])
        close = difflib.get_close_matches(value, departments, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        known = ", ".join(sorted(departments)) or "none: import the org first"
        raise ScheduleError(
            f"nobody active works in a department called {value!r}{hint}; "
            f"the departments are: {known}"
        )
    root = people.by_email(session, value) if value else None
    if root is None or not root.active:
        raise ScheduleError(
            f"a {kind} schedule needs the email of an active manager in --value; "
            f"nobody active has the email {value!r}"
        )
    if not people.has_reports(session, root):
        raise ScheduleError(
            f"{root.name} ({root.email}) has no reports, so their subtree is empty; "
            "choose their manager, or a department"
        )
    return Audience(kind, root.email)


def check_weekday(value: str) -> int:
    day = value.strip().lower()[:3]
    if day not in WEEKDAYS:
        raise ScheduleError("the weekday is one of mon, tue, wed, thu, fri, sat, sun")
    return WEEKDAYS.index(day)


def load_bank(path: Path) -> QuestionBank:
    """A schedule's own question file, validated like prompts/questions.yaml."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ScheduleError(f"{path}: cannot be read ({error})") from None
    except yaml.YAMLError as error:
        raise ScheduleError(f"{path}: not valid YAML ({error})") from None
    try:
        bank = QuestionBank.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'the file'}: {e['msg']}"
            for e in error.errors()[:10]
        )
        raise ScheduleError(
            f"{path}: not a question bank like prompts/questions.yaml ({problems})"
        ) from None
    if not bank.questions:
        raise ScheduleError(f"{path}: the file has no questions")
    return bank


def check_dimensions(
    session: Session, bank: QuestionBank | None, *, other_than: int | None = None
) -> None:
    """A schedule's own file may map its themes to assessment dimensions (like
    prompts/questions.yaml); a theme already shown against another dimension, by the shared
    bank or another schedule, is refused: one theme's pulses show against one dimension."""
    if bank is None:
        return
    known = theme_dimensions(session, other_than=other_than)
    for theme, dimension in sorted(bank.dimensions.items()):
        if known.get(theme, dimension) != dimension:
            raise ScheduleError(
                f"dimensions: theme {theme!r} already shows against {known[theme]!r} "
                f"(prompts/questions.yaml or another schedule), not {dimension!r}; "
                "map it the same way or give the theme another key"
            )


def check_themes(themes: str, bank: QuestionBank) -> str:
    """Comma-separated theme keys the bank asks about ("" = all), normalised."""
    wanted = [t.strip() for t in themes.split(",") if t.strip()]
    asked = {q.theme for q in bank.questions}
    unknown = [t for t in wanted if t not in asked]
    if unknown:
        raise ScheduleError(
            f"unknown theme {', '.join(map(repr, unknown))}; this schedule's questions cover: "
            f"{', '.join(sorted(asked))}"
        )
    return ",".join(dict.fromkeys(wanted))


def has_run(session: Session, schedule: PulseSchedule) -> bool:
    return (
        session.exec(select(PulseRound.id).where(PulseRound.schedule_id == schedule.id)).first()
        is not None
    )


def add(
    session: Session,
    *,
    name: str,
    audience: str,
    value: str,
    weekday: str,
    at: str,
    every: int,
    start: date,
    answer_window_hours: int,
    reminder_after_hours: int,
    themes: str = "",
    questions: Path | None = None,
    enps: bool = False,
) -> PulseSchedule:
    name = check_name(session, name)
    who = check_audience(session, audience, value)
    bank = load_bank(questions) if questions else None
    check_dimensions(session, bank)
    schedule = PulseSchedule(
        name=name,
        audience_kind=who.kind,
        audience_value=who.value,
        weekday=check_weekday(weekday),
        local_time=at,
        every_weeks=every,
        start_date=start,
        answer_window_hours=answer_window_hours,
        reminder_after_hours=reminder_after_hours,
        themes=check_themes(themes, bank or prompts.questions()),
        question_bank=bank.model_dump_json() if bank else None,
        enps=enps,
    )
    session.add(schedule)
    session.flush()
    return schedule


def edit(
    session: Session,
    schedule: PulseSchedule,
    *,
    name: str | None = None,
    audience: str | None = None,
    value: str | None = None,
    weekday: str | None = None,
    at: str | None = None,
    every: int | None = None,
    start: date | None = None,
    themes: str | None = None,
    questions: Path | None = None,
    shared_questions: bool = False,
    enps: bool | None = None,
) -> list[str]:
    """Change what is given; returns what changed ("weekday mon -> fri"), nothing if nothing."""
    before = describe(schedule)
    if name is not None:
        schedule.name = check_name(session, name, other_than=schedule.id)
    if audience is not None or value is not None:
        kind = audience if audience is not None else schedule.audience_kind
        if value is None:
            value = schedule.audience_value if kind == schedule.audience_kind else ""
        who = check_audience(session, kind, value)
        schedule.audience_kind, schedule.audience_value = who.kind, who.value
    if weekday is not None:
        schedule.weekday = check_weekday(weekday)
    if at is not None:
        schedule.local_time = at
    if every is not None:
        schedule.every_weeks = every
    if start is not None:
        schedule.start_date = start
    if questions is not None or shared_questions:
        if has_run(session, schedule):
            raise ScheduleError(
                f"{schedule.name!r} has already asked its questions; to ask others, add a new "
                "schedule and remove this one (its answers stay in the reports)"
            )
        bank = load_bank(questions) if questions else None
        check_dimensions(session, bank, other_than=schedule.id)
        schedule.question_bank = bank.model_dump_json() if bank else None
        if themes is None:
            themes = schedule.themes  # checked again against the new bank
    if themes is not None:
        schedule.themes = check_themes(themes, schedule_bank(schedule))
    if enps is not None:
        schedule.enps = enps
    session.add(schedule)
    after = describe(schedule)
    return [f"{key} {before[key]} -> {after[key]}" for key in after if before[key] != after[key]]


def describe(schedule: PulseSchedule) -> dict[str, str]:
    return {
        "name": schedule.name,
        "audience": f"{schedule.audience_kind} {schedule.audience_value}".strip(),
        "weekday": WEEKDAYS[schedule.weekday],
        "at": schedule.local_time,
        "every": f"{schedule.every_weeks} week(s)",
        "start": schedule.start_date.isoformat(),
        "themes": schedule.themes or "all",
        "questions": "own file" if schedule.question_bank else "shared bank",
        "enps": "asked" if schedule.enps else "not asked",
    }


def set_active(session: Session, schedule: PulseSchedule, active: bool) -> bool:
    """Pause or resume; False when it already was so."""
    if schedule.active == active:
        return False
    schedule.active = active
    session.add(schedule)
    return True


def remove(session: Session, schedule: PulseSchedule) -> int:
    """Stop it for good and drop its invitations not yet sent; returns how many were dropped.
    The schedule row stays (hidden) so its past rounds and answers keep their meaning."""
    rounds = select(PulseRound.id).where(PulseRound.schedule_id == schedule.id)
    dropped = session.exec(
        delete(PulsePrompt).where(
            col(PulsePrompt.round_id).in_(rounds), col(PulsePrompt.status) == "scheduled"
        )
    ).rowcount
    schedule.active = False
    schedule.removed = True
    session.add(schedule)
    return dropped or 0
