"""Baseline and progress: the assessment's figures per group and dimension, compared with the
first assessment of the same scope, and with the pulse of the last weeks.

Every figure here is a cell published by the disclosure gate (``handlers.reports.disclosure``) or a
combination of *shown* cells (``disclosure.combine``); nothing reads answers. An assessment is
its own period ("assessment:<id>", each dimension a measure); it is published once, when its
window closes (``publish_closed``, run by the tick right after the answers are moved).

- per group (the scope, its subtrees and teams, departments) and dimension: the mean, the
  spread (share of 1s..5s, rounded as the gate requires) and participation, or why withheld;
- the re-assessment delta: this assessment minus the scope's first (the baseline), only
  where both cells are shown;
- the pulse against the baseline: the themes mapped onto each dimension (questions.yaml,
  ``dimensions:``) over the last 4 published weeks, from shown weekly cells only:
  "Leadership commitment: baseline 3.1, last 4 weeks 3.4".

Functions take a session, the viewer (None: the full view, for the CLI and admins) and the
clock's ``now``, and return plain dataclasses, so chat, CLI, export and the dashboard share
them.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, or_, select

import prompts
from bot.core.chat import Incoming, Response, UserError, text_message
from bot.core.config import Settings
from bot.core.localized import number, percent
from bot.core.router import Router
from bot.core.runtime import Context
from handlers.common.formatting import csv_text, day_words, sparkline, weeks_words
from handlers.pulse.rounds import theme_dimensions
from handlers.reports import disclosure
from handlers.reports.atoms import assessment_atoms
from handlers.reports.disclosure import Cell
from handlers.reports.pulse_reports import summary_groups, withheld_lines
from storage import audit, people
from storage.disclosure_models import DisclosurePeriod
from storage.models import Person
from storage.roadmap import Assessment, AssessmentComment, period_of
from storage.types import row_id

RECENT_WEEKS = 4
KIND_ORDER = {"org": 0, "subtree": 1, "team": 2, "department": 3}


# --- publishing an assessment --------------------------------------------------------------


def publish(session: Session, assessment: Assessment, now: datetime, settings: Settings) -> int:
    """Publish a closed assessment once (its own period); returns the cells stored."""
    period = period_of(row_id(assessment.id))
    if disclosure.is_published(session, period):
        return 0
    return disclosure.publish_period(
        session,
        period,
        "assessment",
        assessment.created_at.date(),
        assessment.closes_at.date(),
        assessment_atoms(session, row_id(assessment.id)),
        now,
        settings,
    )


# --- reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One group's figure on one dimension."""

    dimension: str
    dimension_name: str
    kind: str  # org | subtree | team | department
    key: str
    group: str
    shown: bool
    withheld_because: str | None  # words, when withheld
    respondents: str | None  # a band
    participation: float | None
    mean: float | None
    spread: dict[int, float] | None
    baseline: float | None  # the scope's first assessment, same group (None: this is it)
    delta: float | None  # mean - baseline, both shown
    recent: float | None  # the pulse, last RECENT_WEEKS published weeks, shown cells only
    recent_weeks: int  # how many shown weeks went into ``recent``
    recent_series: list[float | None]  # those weeks, oldest first (None: withheld)


@dataclass(frozen=True)
class BaselineView:
    assessment_id: int
    scope: str  # whose part of the organisation
    closed_on: date
    baseline_id: int  # the first assessment of the same scope (== assessment_id if first)
    min_group_size: int
    figures: list[Figure]

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, default=str)

    def to_csv(self) -> str:
        names = [n for n in Figure.__dataclass_fields__ if n not in ("spread", "recent_series")]
        return csv_text(
            ["assessment", *names, *(f"share_{s}" for s in range(1, 6))],
            (
                [
                    self.assessment_id,
                    *(asdict(f)[n] for n in names),
                    *((f.spread or {}).get(s) for s in range(1, 6)),
                ]
                for f in self.figures
            ),
        )


def _why(cell: Cell, min_size: int) -> str:
    if cell.reason == "small":
        return prompts.text("disclosure.small", min=min_size)
    return prompts.text("disclosure.complementary")


def published_assessments(session: Session, viewer: Person | None) -> list[Assessment]:
    """Closed, published assessments the viewer belongs to (their scope is the viewer, one
    of the viewer's managers, or below the viewer), oldest first; None: all of them."""
    query = (
        select(Assessment)
        .join(Person, col(Person.id) == col(Assessment.scope_id))
        .where(Assessment.status == "closed")
        .order_by(col(Assessment.closes_at), col(Assessment.id))
    )
    if viewer is not None:
        ancestors = [int(i) for i in viewer.path.strip("/").split("/") if i]
        query = query.where(
            or_(col(Assessment.scope_id).in_(ancestors), col(Person.path).startswith(viewer.path))
        )
    rows = session.exec(query).all()
    published = set(
        session.exec(
            select(DisclosurePeriod.period).where(DisclosurePeriod.kind == "assessment")
        ).all()
    )
    return [a for a in rows if period_of(row_id(a.id)) in published]


def view(
    session: Session,
    viewer: Person | None,
    now: datetime,
    settings: Settings,
    *,
    assessment_id: int | None = None,
    roles: list[str] | None = None,
    full: bool = False,
) -> BaselineView | None:
    """The latest (or the given) assessment the viewer may see, against the scope's first,
    with the pulse's last weeks; None when there is none yet.

    By default the summary groups (as the pulse report: the organisation, departments, the
    viewer's own team and subtree and those one level below); ``full`` lists every group the
    viewer may see (the dashboard, exports)."""
    assessments = published_assessments(session, viewer)
    if assessment_id is not None:
        assessments = [a for a in assessments if a.id == assessment_id] and assessments
    if not assessments:
        return None
    current = next((a for a in assessments if a.id == assessment_id), assessments[-1])
    first = next(a for a in assessments if a.scope_id == current.scope_id)
    scope = session.get(Person, current.scope_id)
    groups = None
    if not full:
        groups = summary_groups(session, viewer, disclosure.visible_scope(session, viewer, roles))
    cells = disclosure.visible_cells(session, viewer, kind="assessment", roles=roles, groups=groups)
    if groups is not None:
        cells += disclosure.visible_cells(
            session, viewer, kind="assessment", roles=roles, kinds=("department",)
        )
    now_cells = [c for c in cells if c.period == period_of(row_id(current.id))]
    base = {
        (c.measure, c.kind, c.key): c
        for c in cells
        if c.period == period_of(row_id(first.id)) and c.shown
    }
    recent = _recent(session, viewer, now, roles, groups)
    bank = prompts.assessment()
    figures = []
    for c in now_cells:
        earlier = base.get((c.measure, c.kind, c.key)) if first.id != current.id else None
        weeks = recent.get((c.measure, c.kind, c.key), [])
        combined = disclosure.combine([w for w in weeks if w is not None])
        figures.append(
            Figure(
                dimension=c.measure,
                dimension_name=bank.name(c.measure) if c.measure in bank.dimensions else c.measure,
                kind=c.kind,
                key=c.key,
                group=c.label,
                shown=c.shown,
                withheld_because=None if c.shown else _why(c, settings.min_group_size),
                respondents=c.respondents,
                participation=c.participation,
                mean=c.mean,
                spread=c.spread,
                baseline=earlier.mean if earlier else None,
                delta=round(c.mean - earlier.mean, 1)
                if earlier and earlier.mean is not None and c.mean is not None
                else None,
                recent=combined.mean,
                recent_weeks=combined.periods,
                recent_series=[w.mean if w is not None and w.shown else None for w in weeks],
            )
        )
    order = list(bank.dimensions)
    figures.sort(
        key=lambda f: (
            KIND_ORDER.get(f.kind, 9),
            f.key.count("/"),
            f.group,
            order.index(f.dimension) if f.dimension in order else 99,
        )
    )
    return BaselineView(
        assessment_id=row_id(current.id),
        scope=scope.name if scope else "",
        closed_on=current.closes_at.date(),
        baseline_id=row_id(first.id),
        min_group_size=settings.min_group_size,
        figures=figures,
    )


def _recent(
    session: Session,
    viewer: Person | None,
    now: datetime,
    roles: list[str] | None = None,
    groups: list[tuple[str, str]] | None = None,
) -> dict[tuple[str, str, str], list[Cell | None]]:
    """Per (dimension, group): the pulse cells of the last RECENT_WEEKS published weeks of
    the themes mapped to that dimension (None where a week has no cell for the group)."""
    mapping = theme_dimensions(session)
    if not mapping:
        return {}
    since = now.date() - timedelta(weeks=RECENT_WEEKS + 2)
    cells = disclosure.visible_cells(
        session,
        viewer,
        kind="pulse",
        since=since,
        measures=list(mapping),
        roles=roles,
        groups=groups,
    )
    if groups is not None:
        cells += disclosure.visible_cells(
            session,
            viewer,
            kind="pulse",
            since=since,
            measures=list(mapping),
            roles=roles,
            kinds=("department",),
        )
    weeks = disclosure.last_weeks(sorted({c.period for c in cells}), RECENT_WEEKS)
    found: dict[tuple[str, str, str], dict[str, Cell]] = defaultdict(dict)
    for c in cells:
        if c.period in weeks:
            key = (mapping[c.measure], c.kind, c.key)
            # one theme per dimension today; with several, keep every shown cell's weight
            found[key].setdefault(c.period, c)
    # a week without a cell for the group (its theme was not asked that week) is left out;
    # a withheld week stays in, drawn as a gap
    return {key: [by_week[w] for w in weeks if w in by_week] for key, by_week in found.items()}


def current_figure(
    session: Session, scope: Person, dimension: str, now: datetime
) -> tuple[float, str] | None:
    """The latest closed figure of ``scope``'s part on one dimension: the pulse over the last
    weeks when there is one newer than the latest assessment, else that assessment's."""
    return current_figures(session, [(scope, dimension)], now)[0]


def current_figures(
    session: Session, wanted: Sequence[tuple[Person, str]], now: datetime
) -> list[tuple[float, str] | None]:
    """``current_figure`` for many (scope, dimension) pairs, from one read of the cells of
    each kind (the objectives view shows a dozen objectives: a dozen reads was most of it)."""
    mapping = theme_dimensions(session)
    themes_of = {
        dimension: [t for t, d in mapping.items() if d == dimension] for _, dimension in wanted
    }
    groups_of = [_figure_groups(scope) for scope, _ in wanted]
    groups = {g for found in groups_of for g in found}
    assessed = disclosure.visible_cells(
        session, None, kind="assessment", measures=set(themes_of), groups=groups
    )
    themes = {t for found in themes_of.values() for t in found}
    since = now.date() - timedelta(weeks=RECENT_WEEKS + 2)
    pulses = (
        disclosure.visible_cells(
            session, None, kind="pulse", since=since, measures=themes, groups=groups
        )
        if themes
        else []
    )
    ends = {
        p.period: p.ends
        for p in session.exec(select(DisclosurePeriod).where(DisclosurePeriod.kind == "assessment"))
    }
    figures: list[tuple[float, str] | None] = []
    for (_, dimension), mine in zip(wanted, groups_of, strict=True):
        cells = [c for c in assessed if c.measure == dimension and c.group in mine]
        shown = [(c, c.mean) for c in cells if c.shown and c.mean is not None]
        best: tuple[float, str] | None = None
        latest_end: date | None = None
        if shown:
            cell, mean = shown[-1]
            best = (
                mean,
                prompts.text("baseline.source_assessment", id=cell.period.split(":")[1]),
            )
            latest_end = ends.get(cell.period)
        weekly = [c for c in pulses if c.measure in themes_of[dimension] and c.group in mine]
        if weekly:
            weeks = disclosure.last_weeks(sorted({c.period for c in weekly}), RECENT_WEEKS)
            picked = [c for c in weekly if c.period in weeks and c.group == weekly[0].group]
            combined = disclosure.combine(picked)
            used = sorted({c.period for c in picked if c.shown})
            if combined.mean is not None and used:
                _, week_ends = disclosure.week_bounds(used[-1])
                if latest_end is None or week_ends > latest_end:
                    span = weeks_words(used[0], used[-1])
                    best = (combined.mean, prompts.text("baseline.source_pulse", weeks=span))
        figures.append(best)
    return figures


def _figure_groups(scope: Person) -> list[tuple[str, str]]:
    """The cells that stand for ``scope``'s part: everyone below them (and the whole
    organisation for the top of it)."""
    return [("subtree", scope.path)] + ([("org", "")] if scope.manager_id is None else [])


@dataclass(frozen=True)
class CommentGroup:
    assessment_id: int
    dimension: str
    dimension_name: str
    group: str
    comments: list[str]
    # beside each comment, its detected language ("" where none: bot/core/language.py)
    languages: list[str] = field(default_factory=list)


def comment_groups(
    session: Session, viewer: Person | None, *, roles: list[str] | None = None
) -> list[CommentGroup]:
    """The comments of every published assessment cell whose comments the gate shows (at
    least ``min_comment_group_size`` commenters, after suppression), per cell, in an order
    that says nothing about who wrote them or when."""
    import hashlib

    bank = prompts.assessment()
    found = []
    seen: set[tuple[int, str, frozenset[int | None]]] = set()
    for cell in disclosure.visible_cells(session, viewer, kind="assessment", roles=roles):
        if not cell.shown or not cell.comments_shown:
            continue
        assessment_id = int(cell.period.split(":", 1)[1])
        query = select(
            AssessmentComment.id, AssessmentComment.comment, AssessmentComment.language
        ).where(
            AssessmentComment.assessment_id == assessment_id,
            AssessmentComment.dimension == cell.measure,
        )
        if cell.kind == "department":
            query = query.where(AssessmentComment.department == cell.key)
        elif cell.kind == "team":
            query = query.where(AssessmentComment.team_path == cell.key)
        elif cell.kind == "subtree":
            query = query.where(col(AssessmentComment.team_path).startswith(cell.key))
        rows = session.exec(query).all()
        same = (assessment_id, cell.measure, frozenset(i for i, _, _ in rows))
        if not rows or same in seen:  # identical groups (e.g. a team that is a department)
            continue
        seen.add(same)
        listed = sorted(
            ((t, code or "") for _, t, code in rows),
            key=lambda c: hashlib.sha256(c[0].encode()).hexdigest(),
        )
        if listed:
            name = bank.name(cell.measure) if cell.measure in bank.dimensions else cell.measure
            texts, codes = [t for t, _ in listed], [code for _, code in listed]
            found.append(CommentGroup(assessment_id, cell.measure, name, cell.label, texts, codes))
    return found


def comments_csv(groups: list[CommentGroup]) -> str:
    return csv_text(
        ["assessment", "dimension", "group", "comment", "language"],
        (
            [g.assessment_id, g.dimension_name, g.group, text, code]
            for g in groups
            for text, code in zip(g.comments, g.languages, strict=True)
        ),
    )


def comments_json(groups: list[CommentGroup]) -> str:
    return json.dumps([asdict(g) for g in groups], indent=2)


# --- words -------------------------------------------------------------------------------


def spread_text(spread: dict[int, float] | None) -> str:
    if not spread:
        return ""
    return " ".join(f"{s}:{percent(spread.get(s, 0))}" for s in range(1, 6))


def as_text(
    result: BaselineView | None,
    *,
    limit: int = 60,
    details: bool = False,
    command: str | None = "baseline",
) -> str:
    """The baseline in chat: shown figures, then one line counting the withheld ones
    (``details``: which they are, instead of the figures); ``command`` is what a reader
    types to see them (None, on the command line: they are listed after the figures)."""
    if result is None:
        return prompts.text("baseline.none")
    lines = [
        prompts.text(
            "baseline.heading",
            id=result.assessment_id,
            scope=result.scope,
            closed=day_words(result.closed_on),
        )
    ]
    if result.baseline_id != result.assessment_id:
        lines.append(prompts.text("baseline.compared", id=result.baseline_id))
    withheld = [
        (f.group, f.dimension_name, f.withheld_because or "") for f in result.figures if not f.shown
    ]
    if details:
        lines += withheld_lines(
            withheld, min_size=result.min_group_size, command=command or "", details=True
        )
        return "\n".join(lines)
    shown = [f for f in result.figures if f.shown]
    group = None
    for f in shown[:limit]:
        if f.group != group:
            group = f.group
            lines.append(group)
        parts = [
            prompts.text(
                "baseline.figure",
                mean=number(f.mean),
                people=f.respondents,
                share=percent(f.participation or 0),
            )
        ]
        if f.delta is not None:
            parts.append(
                prompts.text(
                    "baseline.delta", baseline=number(f.baseline), delta=number(f.delta, "+.1f")
                )
            )
        if f.recent is not None:
            parts.append(
                prompts.text(
                    "baseline.recent",
                    weeks=RECENT_WEEKS,
                    mean=number(f.recent),
                    line=sparkline(f.recent_series),
                )
            )
        lines.append(f"  {f.dimension_name}: " + "; ".join(parts))
    if len(shown) > limit:
        lines.append(prompts.text("baseline.more", count=len(shown) - limit))
    lines += withheld_lines(
        withheld,
        min_size=result.min_group_size,
        command=command or "",
        details=command is None and bool(withheld),
    )
    return "\n".join(lines)


def show(ctx: Context, incoming: Incoming) -> Response:
    roles = people.roles(ctx.session, ctx.person)
    words = incoming.text.lower().split()
    if words not in ([], ["details"]):
        raise UserError(prompts.text("baseline.usage"))
    result = view(ctx.session, ctx.person, ctx.now, ctx.settings, roles=roles)
    audit.viewed(ctx.session, "assessment baseline (chat)", actor=ctx.person.email, at=ctx.now)
    return Response(replies=[text_message(as_text(result, details=bool(words)))])


def register(router: Router) -> None:
    router.command("baseline")(show)
