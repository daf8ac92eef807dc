"""Results reach people without anyone asking (issue 25).

When a pulse period is published (``publish_and_tell``, the tick's publishing step: it hooks
on the periods ``handlers.reports.publish.publish_due`` returns, whatever kind they are), each
manager whose team has a shown figure in it gets ONE message, at their next working hour
where they are: their team's figure per theme with its trend, the theme weakest against the
organisation, and two buttons, "Plan an action" (the objective form, pre-filled for that
theme) and "Share with my team". A leader's message also holds their whole part.

Every figure is a cell the disclosure gate published and this manager may read in
``report`` (their own team and subtree, the organisation); the trend is the report's
(``pulse_reports.trend_of``) over shown cells. The figures a message showed are kept
(``storage.results.ResultsMessage``, one row per person and period), so a share posts exactly
them; a published cell never changes, so they are also what ``report`` says.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from sqlmodel import Session, col, select

import prompts
from bot.core.chat import (
    Button,
    Buttons,
    Choice,
    Form,
    FormField,
    Incoming,
    Message,
    Response,
    Text,
    UserError,
    text_message,
)
from bot.core.localized import number
from bot.core.parsing import parse_id
from bot.core.router import Router
from bot.core.runtime import Context, Runtime
from handlers.common import drafts
from handlers.common.formatting import day_words, week_words
from handlers.common.outbox import Outgoing, once_per_language, send_later, send_many
from handlers.people.workdays import calendar_for
from handlers.pulse.rounds import theme_dimensions
from handlers.reports import disclosure, publish
from handlers.reports.disclosure import Cell
from handlers.reports.pulse_reports import trend_of
from handlers.roadmap import objectives
from storage.disclosure_models import DisclosurePeriod
from storage.models import Person
from storage.results import ResultsMessage
from storage.roadmap import Objective, ObjectiveAction
from storage.sql import insert_ignore_many
from storage.types import row_id

PLAN_DAYS = 90  # a planned action's objective is due about a quarter later
LIFT = 0.3  # the pre-filled target: the team's figure plus this, at most 5


@dataclass(frozen=True)
class Figure:
    """One shown figure, as a results message shows it (and a share repeats it)."""

    measure: str
    mean: float
    respondents: str | None
    trend: float | None


# --- publishing and telling ------------------------------------------------------------


def publish_and_tell(session: Session, runtime: Runtime) -> dict[str, int]:
    """Publish what closed, then queue the results messages of the pulse periods published,
    in the same transaction (a period is never published without its messages)."""
    done = publish.publish_due(session, runtime.clock.now(), runtime.settings)
    return {"published": len(done), "results": tell(session, runtime, done)}


def tick(runtime: Runtime) -> dict[str, int]:
    """The scheduler's publishing step (bot/app.py runs it after the pulse tick)."""
    with runtime.db.session() as session:
        return publish_and_tell(session, runtime)


def next_due(session: Session, runtime: Runtime, now: datetime) -> datetime | None:
    """When ``tick`` could next have work: messages go out only with a publication, in its
    transaction, so publishing's own ``next_due``."""
    return publish.next_due(session, runtime, now)


def tell(session: Session, runtime: Runtime, periods: Sequence[str]) -> int:
    """Queue one results message per manager with a shown team (or leader with a shown part)
    figure in each of ``periods``; a person already told of a period is not told again."""
    return sum(_tell_period(session, runtime, period) for period in periods)


def _tell_period(session: Session, runtime: Runtime, period: str) -> int:
    published = session.get(DisclosurePeriod, period)
    if published is None or published.kind == "assessment":  # dimensions, not themes
        return 0
    managers, leaders = _managers(session)
    if not managers:
        return 0
    groups = [("org", "")] + [("team", m.path) for m in managers]
    groups += [("subtree", m.path) for m in managers if m.id in leaders]
    kind = published.kind  # a week, or a check-in published when it closed
    starts = {
        p.period: p.starts
        for p in session.exec(select(DisclosurePeriod).where(DisclosurePeriod.kind == kind))
    }
    # this period and the one published before it (the trend's), not the whole history
    earlier = [s for p, s in starts.items() if s < published.starts]
    cells = disclosure.visible_cells(
        session,
        None,
        since=max(earlier, default=published.starts),
        until=published.ends,
        groups=groups,
        kind=kind,
    )
    figures = _figures(cells, period, starts)
    org = {f.measure: f.mean for f in figures.get(("org", ""), [])}
    now = runtime.clock.now()
    rows: list[dict[str, Any]] = []
    for manager in managers:
        team = figures.get(("team", manager.path), [])
        part = figures.get(("subtree", manager.path), []) if manager.id in leaders else []
        if not team and not part:
            continue  # nothing of theirs passed the gate: no message
        weakest = _weakest(team or part, org)
        rows.append(
            {
                "person_id": manager.id,
                "period": period,
                "sent_at": now,
                "figures": json.dumps([asdict(f) for f in team]),
                "weakest": weakest,
            }
        )
    new = insert_ignore_many(session, ResultsMessage, rows, returning="person_id")
    if not new:
        return 0
    by_person = {
        r.person_id: r
        for r in session.exec(
            select(ResultsMessage).where(
                ResultsMessage.period == period, col(ResultsMessage.person_id).in_(list(new))
            )
        )
    }
    queued = []
    for manager in managers:
        row = by_person.get(row_id(manager.id))
        if row is None:
            continue
        part = figures.get(("subtree", manager.path), []) if manager.id in leaders else []
        calendar = calendar_for(manager, runtime.settings.work_week)
        queued.append(
            Outgoing(
                manager,
                partial(results_message, row, manager, part, org),
                f"results:{period}:{row.person_id}",
                "results.message",
                not_before=calendar.next_working_hour(now),
            )
        )
    send_many(session, runtime, queued)
    return len(queued)


def _managers(session: Session) -> tuple[list[Person], set[int]]:
    """Everyone active with an active report, and which of them have a manager below them."""
    managed = select(Person.manager_id).where(col(Person.active).is_(True))
    managers = list(
        session.exec(
            select(Person)
            .where(col(Person.active).is_(True), col(Person.id).in_(managed))
            .order_by(col(Person.id))
        )
    )
    ids = {m.id for m in managers}
    leaders = {m.manager_id for m in managers if m.manager_id in ids}
    return managers, {i for i in leaders if i is not None}


def _figures(
    cells: list[Cell], period: str, starts: dict[str, date]
) -> dict[tuple[str, str], list[Figure]]:
    """Each group's shown figures of ``period``, one per measure, with the report's trend
    (from shown cells of that group up to this period only)."""
    by_group: dict[tuple[str, str, str], list[Cell]] = defaultdict(list)
    mine = starts.get(period)
    for cell in cells:  # oldest first
        if mine is not None and starts.get(cell.period, mine) <= mine:
            by_group[(cell.kind, cell.key, cell.measure)].append(cell)
    found: dict[tuple[str, str], list[Figure]] = defaultdict(list)
    order = list(prompts.theme_names())
    for (kind, key, measure), series in by_group.items():
        latest = series[-1]
        if latest.period != period or not latest.shown or latest.mean is None:
            continue
        shown = [c for c in series if c.shown]
        found[(kind, key)].append(Figure(measure, latest.mean, latest.respondents, trend_of(shown)))
    for figures in found.values():
        figures.sort(
            key=lambda f: (order.index(f.measure) if f.measure in order else 99, f.measure)
        )
    return found


def _weakest(figures: list[Figure], org: dict[str, float]) -> str | None:
    """The theme (not eNPS, on another scale) furthest below the organisation's figure (of
    a group no theme is below, such as the whole organisation: its lowest)."""
    compared = [
        (round(f.mean - org[f.measure], 1), f.mean, f.measure)
        for f in figures
        if f.measure != prompts.ENPS and f.measure in org
    ]
    return min(compared)[2] if compared else None


# --- the words -----------------------------------------------------------------------------


def figure_line(figure: Figure) -> str:
    """ "Customer focus: 3.8 (5-9 people), up 0.3 since the last results"."""
    names = prompts.theme_names()
    enps = figure.measure == prompts.ENPS
    mean = number(figure.mean, "+.0f") if enps else number(figure.mean)
    trend = ""
    if figure.trend is not None:
        change = number(abs(figure.trend), ".0f") if enps else number(abs(figure.trend))
        way = "up" if figure.trend > 0 else "down" if figure.trend < 0 else "same"
        trend = prompts.text(f"results.trend_{way}", change=change)
    return prompts.text(
        "results.line",
        theme=names.get(figure.measure, figure.measure),
        mean=mean,
        people=figure.respondents or "",
        trend=trend,
    )


def stored_figures(row: ResultsMessage) -> list[Figure]:
    return [Figure(**f) for f in json.loads(row.figures or "[]")]


def results_message(
    row: ResultsMessage, manager: Person, part: list[Figure], org: dict[str, float]
) -> Message:
    """The manager's message: their team's figures, their part's for a leader, the weakest
    theme against the organisation, and the two buttons."""
    period = week_words(row.period)
    team = stored_figures(row)
    parts: list[Text | Buttons] = [
        Text(text=prompts.text("results.heading", period=period), style="heading")
    ]
    if team:
        parts.append(Text(text=prompts.text("results.team")))
        parts += [Text(text=figure_line(f)) for f in team]
    if part:
        parts.append(Text(text=prompts.text("results.part")))
        parts += [Text(text=figure_line(f)) for f in part]
    names = prompts.theme_names()
    if row.weakest is not None:
        mean = next(f.mean for f in team or part if f.measure == row.weakest)
        below = round(mean - org[row.weakest], 1) < 0
        parts.append(
            Text(
                text=prompts.text(
                    "results.weakest" if below else "results.lowest",
                    theme=names.get(row.weakest, row.weakest),
                    mean=number(mean),
                    org=number(org[row.weakest]),
                )
            )
        )
    buttons = []
    if row.weakest is not None:
        buttons.append(
            Button(
                label=prompts.text("results.plan_button"),
                action="results.plan",
                value=str(row.id),
            )
        )
    if team:
        buttons.append(
            Button(
                label=prompts.text("results.share_button"),
                action="results.share",
                value=str(row.id),
                style="primary",
            )
        )
    if buttons:
        parts.append(Buttons(buttons=tuple(buttons)))
    return Message(summary=prompts.text("results.summary", period=period), parts=tuple(parts))


# --- the buttons ---------------------------------------------------------------------------


def _mine(ctx: Context, value: str) -> ResultsMessage:
    row_key = parse_id(value)
    row = ctx.session.get(ResultsMessage, row_key) if row_key else None
    if row is None or row.person_id != ctx.person.id:
        raise UserError(prompts.text("results.gone"))
    return row


# a team channel a manager may share in, by platform: Slack's channel ids (public C..., private
# G...), Teams' channel conversation ids; the console shares with the members only
CHANNELS = {
    "slack": re.compile(r"[CG][A-Z0-9]{8,12}"),
    "teams": re.compile(r"19:[^\s/]{1,150}@thread\.(tacv2|skype)"),
}


def _already(row: ResultsMessage) -> Response | None:
    """The polite answer to a second share of the same period (nothing is sent again)."""
    if row.shared_at is None:
        return None
    words = prompts.text(
        "results.already_shared",
        period=week_words(row.period),
        day=day_words(row.shared_at.date()),
    )
    return Response(replies=[text_message(words)])


def share(ctx: Context, incoming: Incoming) -> Response:
    """ "Share with my team": the figures the manager saw, and the action they planned, to
    each member of their team, once per period. On Slack and Teams a form asks first whether
    to send it to each of them or post it in a team channel."""
    row = _mine(ctx, incoming.value or incoming.ref)
    said = _already(row)
    if said is not None:
        return said
    if incoming.platform not in CHANNELS:
        return _share_with_members(ctx, row)
    where = (
        Choice(label=prompts.text("results.where_members"), value="members"),
        Choice(label=prompts.text("results.where_channel"), value="channel"),
    )
    return Response(
        form=Form(
            action="results.share_to",
            ref=str(row.id),
            title=prompts.text("results.share_title"),
            fields=(
                FormField(
                    name="where",
                    label=prompts.text("results.where"),
                    options=where,
                    radio=True,
                    initial="members",
                ),
                FormField(
                    name="channel",
                    label=prompts.text(f"results.channel_{incoming.platform}"),
                    required=False,
                    max_length=200,
                ),
            ),
            submit_label=prompts.text("results.share_button"),
        )
    )


def share_to(ctx: Context, incoming: Incoming) -> Response:
    """The share form: to each member, or posted once in the team channel named."""
    row = _mine(ctx, incoming.ref)
    said = _already(row)
    if said is not None:
        return said
    if incoming.fields.get("where", "members") != "channel":
        return _share_with_members(ctx, row)
    channel = incoming.fields.get("channel", "").strip()
    pattern = CHANNELS.get(incoming.platform)
    if pattern is None or not pattern.fullmatch(channel):
        words = prompts.text(f"results.bad_channel_{incoming.platform}", value=channel[:60])
        raise UserError(words, field="channel")
    figures = stored_figures(row)
    if not figures:
        raise UserError(prompts.text("results.nothing_to_share"))
    send_later(
        ctx.session,
        ctx.runtime,
        ctx.person,
        partial(shared_message, ctx.session, row, ctx.person, figures),
        key=f"results:share:{row.id}:channel",
        kind="results.share",
        in_channel=(incoming.platform, channel),
    )
    row.shared_at, row.shared_to = ctx.now, f"channel:{channel}"
    ctx.session.add(row)
    return Response(replies=[text_message(prompts.text("results.shared_channel"))])


def _share_with_members(ctx: Context, row: ResultsMessage) -> Response:
    members = list(
        ctx.session.exec(
            select(Person)
            .where(Person.manager_id == ctx.person.id, col(Person.active).is_(True))
            .order_by(col(Person.id))
        )
    )
    figures = stored_figures(row)
    if not members or not figures:
        raise UserError(prompts.text("results.nothing_to_share"))
    # each member reads it in their own language, built once per language
    said = once_per_language(partial(shared_message, ctx.session, row, ctx.person, figures))
    queued = []
    for member in members:
        queued.append(
            Outgoing(
                member,
                said,
                f"results:share:{row.id}:{member.id}",
                "results.share",
                not_before=calendar_for(member, ctx.settings.work_week).next_working_hour(ctx.now),
            )
        )
    send_many(ctx.session, ctx.runtime, queued)
    row.shared_at, row.shared_to = ctx.now, "members"
    ctx.session.add(row)
    return Response(
        replies=[
            text_message(
                prompts.text("results.shared", count=len(members), period=week_words(row.period))
            )
        ]
    )


def shared_message(
    session: Session, row: ResultsMessage, manager: Person, figures: list[Figure]
) -> Message:
    """What the team reads: the figures their manager saw, and the action they planned."""
    period = week_words(row.period)
    parts = [
        Text(
            text=prompts.text("results.shared_heading", manager=manager.name, period=period),
            style="heading",
        ),
        *(Text(text=figure_line(f)) for f in figures),
    ]
    objective = session.get(Objective, row.objective_id) if row.objective_id else None
    if objective is not None:
        parts.append(Text(text=prompts.text("results.shared_plan", title=objective.title)))
        actions = session.exec(
            select(ObjectiveAction.text)
            .where(ObjectiveAction.objective_id == objective.id)
            .order_by(col(ObjectiveAction.id))
        ).all()
        parts += [Text(text=prompts.text("results.shared_action", text=a)) for a in actions]
    parts.append(Text(text=prompts.text("results.shared_footer"), style="muted"))
    return Message(
        summary=prompts.text("results.shared_summary", manager=manager.name, period=period),
        parts=tuple(parts),
    )


PLAN_REF = "results"  # a plan form's ref: "results.<message id>.<token>"


def plan(ctx: Context, incoming: Incoming) -> Response:
    """ "Plan an action": the objective form, pre-filled for the weakest theme."""
    row = _mine(ctx, incoming.value or incoming.ref)
    if row.weakest is None:
        raise UserError(prompts.text("results.gone"))
    dimension = theme_dimensions(ctx.session).get(row.weakest)
    figure = next((f for f in stored_figures(row) if f.measure == row.weakest), None)
    theme = prompts.theme_names().get(row.weakest, row.weakest)
    kept = {
        "title": prompts.text("results.plan_title", theme=theme),
        "due": (ctx.now.date() + timedelta(days=PLAN_DAYS)).isoformat(),
    }
    if dimension:
        kept["dimension"] = dimension
    if figure is not None:
        kept["from"] = f"{figure.mean:.1f}"
        kept["target"] = f"{min(5.0, figure.mean + LIFT):.1f}"
    ref = drafts.new_ref(f"{PLAN_REF}.{row.id}")
    return objectives.add_form(ctx, ref=ref, kept=kept, action="results.planned")


def planned(ctx: Context, incoming: Incoming) -> Response:
    """The filled plan form: the objective is set (``objectives.add``'s rules), and the
    results message remembers it, so a share says what the manager plans."""
    return drafts.submitted(ctx, incoming, "objective.add", lambda: _planned(ctx, incoming))


def _planned(ctx: Context, incoming: Incoming) -> Response:
    objective = objectives.add_from_form(ctx, incoming.fields)
    prefix, _, rest = incoming.ref.partition(".")
    row_key = parse_id(rest.partition(".")[0]) if prefix == PLAN_REF else None
    row = ctx.session.get(ResultsMessage, row_key) if row_key else None
    said = [objectives.added_text(ctx.session, objective)]
    if row is not None and row.person_id == ctx.person.id:
        row.objective_id = objective.id
        ctx.session.add(row)
        if row.shared_at is None:
            said.append(prompts.text("results.plan_then_share"))
    return Response(replies=[text_message(*said)])


def register(router: Router) -> None:
    router.action("results.share")(share)
    router.action("results.share_to")(share_to)
    router.action("results.plan")(plan)
    router.action("results.planned")(planned)
