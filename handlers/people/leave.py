"""Leave: ``pause until 2027-08-20`` in chat, ``resume`` to come back early.

While paused (up to and including that local date) a person gets no pulse check-ins; cascades
still reach them, but a relay window of theirs only counts working days after the pause, so
their pending links get new deadlines when they pause or resume (handlers.people.workdays).
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session, col, select

import prompts
from bot.core.chat import Incoming, Response, UserError, text_message
from bot.core.parsing import parse_date
from bot.core.router import Router
from bot.core.runtime import Context
from handlers.people.relay_windows import relay_deadlines
from handlers.people.workdays import calendar_for
from storage.cascade_models import Cascade, CascadeLink
from storage.models import Person

MAX_DAYS = 366


def _today(ctx: Context) -> date:
    return calendar_for(ctx.person).local_day(ctx.now)


def pause(ctx: Context, incoming: Incoming) -> Response:
    today = _today(ctx)
    example = (today + timedelta(days=14)).isoformat()
    words = incoming.text.strip().split()
    if words and words[0].lower() == "until":
        words = words[1:]
    if len(words) != 1:
        return Response(replies=[text_message(prompts.text("leave.usage", example=example))])
    value = words[0]
    until = parse_date(value)
    if until is None:
        raise UserError(prompts.text("leave.bad_date", value=value[:20], example=example))
    if until < today:
        raise UserError(prompts.text("leave.in_the_past", until=until.isoformat()))
    latest = today + timedelta(days=MAX_DAYS)
    if until > latest:
        raise UserError(prompts.text("leave.too_far", latest=latest.isoformat()))
    ctx.person.paused_until = until
    ctx.session.add(ctx.person)
    reschedule_relay_windows(ctx.session, ctx.person, ctx.settings.work_week)
    return Response(replies=[text_message(prompts.text("leave.paused", until=until.isoformat()))])


def resume(ctx: Context, incoming: Incoming) -> Response:
    if ctx.person.paused_until is None or ctx.person.paused_until < _today(ctx):
        return Response(replies=[text_message(prompts.text("leave.not_paused"))])
    ctx.person.paused_until = None
    ctx.session.add(ctx.person)
    reschedule_relay_windows(ctx.session, ctx.person, ctx.settings.work_week)
    return Response(replies=[text_message(prompts.text("leave.resumed"))])


def reschedule_relay_windows(session: Session, person: Person, work_week: str) -> int:
    """Recount the person's pending relay windows from when each started, on their calendar
    as it is now (a pause pushes the deadlines out, a resume brings them back)."""
    calendar = calendar_for(person, work_week)
    rows = session.exec(
        select(CascadeLink, Cascade)
        .join(Cascade, col(Cascade.id) == CascadeLink.cascade_id)
        .where(CascadeLink.manager_id == person.id, CascadeLink.status == "pending")
    ).all()
    for link, cascade in rows:
        link.nudge_at, link.due_at = relay_deadlines(link.since, cascade.window_days, calendar)
        session.add(link)
    return len(rows)


def register(router: Router) -> None:
    router.command("pause")(pause)
    router.command("resume")(resume)
