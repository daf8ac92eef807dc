"""A manager's check-ins in chat: ``checkin`` asks their team now (handlers.pulse.rounds),
``checkin schedule fri 09:00 [every 2] [enps]`` asks it every week (or every N weeks) at that
time of each person's own day (``enps``: the eNPS question too, once per turn of the questions), ``checkin schedule`` shows it and ``checkin schedule off`` stops it.

A team's schedule is an ordinary pulse schedule (handlers.pulse.schedules, as
``culturebot pulse add --audience below --value EMAIL`` makes it): it asks exactly whom the
ad-hoc ``checkin`` asks, everyone below the manager and not the manager. It is named after
the manager and audited as theirs; only the manager whose team it asks changes it here.
Team schedules made before "below" existed ask the manager's subtree (the manager too) and
keep doing so; they are found here, and a change typed in chat moves one to "below".
"""

from __future__ import annotations

from sqlmodel import col, select

import prompts
from bot.core import localized
from bot.core.chat import Incoming, Response, UserError, text_message
from bot.core.parsing import WEEKDAYS, parse_int, parse_time
from bot.core.router import Router
from bot.core.runtime import Context
from handlers.people.workdays import calendar_for
from handlers.pulse import rounds, schedules
from storage import audit, people
from storage.models import PulseSchedule

MAX_EVERY = 12


def checkin(ctx: Context, incoming: Incoming) -> Response:
    """``checkin [EMAIL]`` now; ``checkin schedule ...``: the team's recurring check-in."""
    word, _, rest = incoming.text.strip().partition(" ")
    if word.lower() == "schedule":
        return schedule(ctx, rest.strip())
    return rounds.start_checkin(ctx, incoming)


def team_schedules(ctx: Context) -> list[PulseSchedule]:
    """The schedules (not removed) that ask exactly this manager's team."""
    return list(
        ctx.session.exec(
            select(PulseSchedule)
            .where(
                col(PulseSchedule.audience_kind).in_(("below", "subtree")),
                PulseSchedule.audience_value == ctx.person.email,
                col(PulseSchedule.removed).is_(False),
            )
            .order_by(col(PulseSchedule.id))
        )
    )


def schedule(ctx: Context, typed: str) -> Response:
    me = ctx.person
    if not people.has_reports(ctx.session, me):
        key = "pulse.no_reports" if me.role in ("manager", "leader") else "pulse.only_managers"
        raise UserError(prompts.text(key))
    mine = team_schedules(ctx)
    if not typed:
        return _reply(_shown(mine) if mine else prompts.text("pulse.schedule_none"))
    if typed.lower() == "off":
        if not mine:
            return _reply(prompts.text("pulse.schedule_none"))
        for old in mine:
            schedules.remove(ctx.session, old)
            _audit(ctx, "schedule.remove", old.name, {})
        return _reply(prompts.text("pulse.schedule_off"))
    weekday, at, every, enps = _typed(typed)
    try:
        if mine:
            current = mine[0]
            changed = schedules.edit(
                ctx.session,
                current,
                audience="below",
                value=me.email,
                weekday=weekday,
                at=at,
                every=every,
                enps=enps,
            )
            schedules.set_active(ctx.session, current, True)
            _audit(ctx, "schedule.change", current.name, {"changed": changed})
        else:
            current = schedules.add(
                ctx.session,
                name=_free_name(ctx),
                audience="below",
                value=me.email,
                weekday=weekday,
                at=at,
                every=every,
                start=calendar_for(me).local_day(ctx.now),
                answer_window_hours=ctx.settings.answer_window_hours,
                reminder_after_hours=ctx.settings.reminder_after_hours,
                enps=enps,
            )
            _audit(ctx, "schedule.add", current.name, dict(schedules.describe(current)))
    except schedules.ScheduleError as refused:  # e.g. nobody active left below this manager
        raise UserError(prompts.text("pulse.schedule_refused", why=str(refused))) from None
    return _reply(prompts.text("pulse.schedule_set", when=_when(current)) + _enps(current))


def _enps(s: PulseSchedule) -> str:
    return prompts.text("pulse.schedule_with_enps") if s.enps else ""


def _typed(typed: str) -> tuple[str, str, int, bool]:
    """``fri 09:00`` or ``fri 09:00 every 2``, either with ``enps`` at the end: (weekday,
    HH:MM, weeks, eNPS asked); else the usage. The whole schedule is typed each time, so
    leaving ``enps`` out stops asking it."""
    words = typed.lower().split()
    enps = bool(words) and words[-1] == "enps"
    words = words[:-1] if enps else words
    usage = UserError(prompts.text("pulse.schedule_usage"), field="schedule")
    if len(words) not in (2, 4) or words[0][:3] not in WEEKDAYS:
        raise usage
    at = parse_time(words[1])
    every: int | None = 1
    if len(words) == 4:
        every = parse_int(words[3], 1, MAX_EVERY) if words[2] == "every" else None
    if at is None or every is None:
        raise usage
    return words[0][:3], at, every, enps


def _free_name(ctx: Context) -> str:
    """The team's schedule name: "Team of NAME", with the email where another has it."""
    name = prompts.text("pulse.schedule_name", name=ctx.person.name)
    taken = ctx.session.exec(
        select(PulseSchedule.id).where(
            PulseSchedule.name == name, col(PulseSchedule.removed).is_(False)
        )
    ).first()
    return f"{name} ({ctx.person.email})" if taken is not None else name


def _when(s: PulseSchedule) -> str:
    day = localized.weekday(s.weekday)
    if s.every_weeks == 1:
        return prompts.text("pulse.schedule_weekly", day=day, at=s.local_time)
    return prompts.text("pulse.schedule_every", day=day, at=s.local_time, weeks=s.every_weeks)


def _shown(mine: list[PulseSchedule]) -> str:
    state = "" if mine[0].active else prompts.text("pulse.schedule_paused")
    return prompts.text("pulse.schedule_shown", when=_when(mine[0]), paused=state) + _enps(mine[0])


def _audit(ctx: Context, action: str, name: str, details: dict[str, object]) -> None:
    audit.record(
        ctx.session,
        action,
        actor=ctx.person.email,
        at=ctx.now,
        target=f"schedule {name}",
        details=details,
    )


def _reply(words: str) -> Response:
    return Response(replies=[text_message(words)])


def register(router: Router) -> None:
    router.command("checkin")(checkin)
