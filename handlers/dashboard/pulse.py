"""The dashboard's pulse views: the overview and the theme x group heat map.

Every figure about answers comes from the disclosure gate (``handlers.reports.disclosure``): only
published cells, only those this viewer may see (``visible_cells`` applies the role's scope
again, whatever the URL said), withheld cells shown as withheld with the reason, never a
figure. The page, its JSON and its exports are made from the same sections, so all three
show and withhold the same cells.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

import prompts
from bot.core.clock import format_local
from bot.core.localized import number, percent
from handlers.common.formatting import day_words, week_start_words, week_words, weeks_words
from handlers.dashboard import views
from handlers.dashboard.model import (
    WITHHELD,
    BarChart,
    HeatMap,
    LineChart,
    Reference,
    Section,
    Series,
    Table,
    View,
)
from handlers.dashboard.scope import NotAllowed, Scope, Viewer, managers_below
from handlers.pulse.rounds import theme_dimensions
from handlers.reports import disclosure
from handlers.reports.pulse_reports import alike
from handlers.roadmap import objectives
from storage.disclosure_models import DisclosurePeriod
from storage.models import Person

WEEKS_SHOWN = 26
RECENT_WEEKS = 4  # the baseline view's pulse: the mean of this many latest published weeks
HEAT_WEEKS = 4  # the heat map combines this many latest published weeks
CELL_COLUMNS = (
    "week",
    "theme",
    "status",
    "withheld_because",
    "respondents",
    "participation_percent",
    "mean",
    "sentiment",
)
GROUP_KINDS = ("org", "top", "department", "subtree", "team")  # the gate's kinds of group


def _w(key: str, **values: object) -> str:
    """The pulse views' words (prompts/dashboard.yaml ``dashboard_pulse``), in the reader's
    language."""
    return prompts.text(f"dashboard_pulse.{key}", **values)


def cell_headers() -> tuple[str, ...]:
    """The headers of ``CELL_COLUMNS``, in words."""
    return tuple(
        _w(key)
        for key in (
            "h_week",
            "h_theme",
            "h_shown",
            "h_withheld_because",
            "h_respondents",
            "h_participation",
            "h_mean",
            "h_sentiment",
        )
    )


def _kind_words(kind: str) -> str:
    """What kind of group a row is, in words (the gate's own names are for the code)."""
    return _w(f"kind_{kind}") if kind in GROUP_KINDS else kind


def _shown(shown: bool) -> str:
    return prompts.text("dashboard.shown") if shown else WITHHELD


def _themes() -> dict[str, str]:
    return prompts.questions().themes


def _why(cell: disclosure.Cell, min_size: int) -> str | None:
    if cell.shown:
        return None
    if cell.reason in ("small", "complementary"):
        return _w(f"reason_{cell.reason}", min=min_size)
    return cell.reason or ""


def _cell_row(cell: disclosure.Cell, themes: dict[str, str], min_size: int) -> tuple[Any, ...]:
    return (
        week_words(cell.period),
        themes.get(cell.measure, cell.measure),
        _shown(cell.shown),
        _why(cell, min_size),
        cell.respondents if cell.shown else None,
        round(cell.participation * 100) if cell.shown and cell.participation is not None else None,
        cell.mean if cell.shown else None,
        cell.sentiment if cell.shown else None,
    )


def _waiting(name: str, title: str, scope: Scope, note: str) -> View:
    view = View(name, title, scope.key, scope.label)
    view.sections.append(Section(id="pulse", title=_w("pulse"), table=Table((), (), ()), note=note))
    return view


def overview(session: Session, viewer: Viewer, scope: Scope, settings: Any, now: datetime) -> View:
    """Score (against the baseline and the targets of open objectives), participation and
    comment sentiment per theme by week for the scope's group; then the open objectives."""
    themes = _themes()
    cells = disclosure.visible_cells(
        session,
        viewer.person,
        since=(now - timedelta(weeks=WEEKS_SHOWN)).date(),
        groups=[scope.cell],
        roles=list(viewer.roles),
    )
    if not cells:
        return _waiting("overview", prompts.text("dashboard.nav_overview"), scope, _w("waiting"))
    view = View("overview", prompts.text("dashboard.nav_overview"), scope.key, scope.label)
    weeks = list(dict.fromkeys(c.period for c in cells))
    by = {(c.period, c.measure): c for c in cells}
    measures = [t for t in themes if any((w, t) in by for w in weeks)]
    min_size = settings.min_group_size

    def series(value: Any, scale: float = 1.0) -> tuple[Series, ...]:
        out = []
        for theme in measures:
            values = []
            for week in weeks:
                cell = by.get((week, theme))
                figure = value(cell) if cell is not None and cell.shown else None
                values.append(None if figure is None else round(figure * scale, 2))
            gaps = tuple(
                (cell := by.get((week, theme))) is not None and not cell.shown for week in weeks
            )
            out.append(Series(themes[theme], tuple(values), gaps=gaps))
        return tuple(out)

    shown = [c for c in cells if c.shown]
    withheld = len(cells) - len(shown)
    latest = weeks[-1]
    # "8 Mar 2027" (a week), "Wed 10 Mar 2027" (a check-in published on its own)
    ticks = tuple(week_start_words(w) for w in weeks)
    view.sections.append(
        _headline(weeks, measures, by, themes, views.latest_reach(session, viewer), viewer)
    )
    baselines = baseline_of(session, viewer, scope)
    open_objectives = objectives_of(session, viewer, now)
    targets = targets_of(session, scope, open_objectives)
    references = [
        Reference(
            _w("baseline_line", theme=themes[t], value=number(value), source=source),
            value,
            themes[t],
            "dashed",
            short=_w("baseline_short", value=number(value)),
        )
        for t, (value, source) in baselines.items()
        if t in measures
    ] + [
        Reference(
            _w("target_line", theme=themes[t], value=number(value)),
            value,
            themes[t],
            "dotted",
            short=_w("target_short", value=number(value)),
        )
        for t, value in targets.items()
        if t in measures
    ]
    figures = "; ".join(
        f"{themes[t]} {number(by[(latest, t)].mean)}"
        for t in measures
        if (latest, t) in by and by[(latest, t)].shown
    )
    view.sections.append(
        Section(
            id="score",
            title=_w("score_title"),
            summary=_w(
                "score_summary_withheld" if withheld else "score_summary",
                count=len(weeks),
                week=week_words(latest),
                figures=figures,
                withheld=withheld,
            ),
            note=prompts.text("dashboard.withheld_note", min=min_size) if withheld else "",
            chart=LineChart(
                x_labels=ticks,
                series=series(lambda c: c.mean),
                x_title=prompts.text("dashboard.week_beginning"),
                y_title=_w("score_y"),
                y_range=(1.0, 5.0),
                references=tuple(references),
            ),
            table=Table(
                CELL_COLUMNS,
                cell_headers(),
                tuple(
                    _cell_row(by[(w, t)], themes, min_size)
                    for w in reversed(weeks)  # the latest week first
                    for t in measures
                    if (w, t) in by
                ),
            ),
        )
    )
    view.sections.append(
        Section(
            id="participation",
            title=_w("participation_title"),
            summary=_w("participation_summary"),
            chart=LineChart(
                x_labels=ticks,
                series=series(lambda c: c.participation, 100.0),
                x_title=prompts.text("dashboard.week_beginning"),
                y_title=_w("participation_y"),
                y_range=(0.0, 100.0),
            ),
            table=Table(
                ("week", "theme", "status", "participation_percent"),
                (_w("h_week"), _w("h_theme"), _w("h_shown"), _w("h_participation")),
                tuple(
                    (
                        week_words(w),
                        themes[t],
                        _shown(by[(w, t)].shown),
                        round(share * 100)
                        if by[(w, t)].shown and (share := by[(w, t)].participation) is not None
                        else None,
                    )
                    for w in reversed(weeks)
                    for t in measures
                    if (w, t) in by
                ),
            ),
        )
    )
    sentiment = [c for c in shown if c.sentiment is not None]
    # comments in a language with no measured scorer are out of the figures: say how many
    unscored = sum(c.unscored or 0 for c in shown if c.comments_shown)
    listed = [c for c in shown if c.sentiment is not None or (c.comments_shown and c.unscored)]
    view.sections.append(
        Section(
            id="sentiment",
            title=_w("sentiment_title"),
            summary=_w("sentiment_summary", count=len(sentiment))
            + (" " + _w("unscored", count=unscored) if unscored else ""),
            chart=LineChart(
                x_labels=ticks,
                series=series(lambda c: c.sentiment),
                x_title=prompts.text("dashboard.week_beginning"),
                y_title=_w("sentiment_y"),
                y_range=(-1.0, 1.0),
                references=(Reference(prompts.text("dashboard.neutral"), 0.0),),
            )
            if sentiment
            else None,
            table=Table(
                ("week", "theme", "sentiment", "unscored"),
                (_w("h_week"), _w("h_theme"), _w("h_sentiment"), _w("h_unscored")),
                tuple(
                    (
                        week_words(c.period),
                        prompts.theme_names().get(c.measure, c.measure),
                        c.sentiment,
                        c.unscored if c.comments_shown else None,
                    )
                    for c in reversed(listed)
                ),
            ),
        )
    )
    enps = [by[(w, prompts.ENPS)] for w in weeks if (w, prompts.ENPS) in by]
    if enps:
        view.sections.append(_enps_section(enps, ticks, weeks, min_size))
    view.sections.append(_objectives_section(open_objectives, _w("objectives_open")))
    return view


ENPS_COLUMNS = (
    "week",
    "status",
    "withheld_because",
    "respondents",
    "enps",
    "promoters_percent",
    "passives_percent",
    "detractors_percent",
)
ENPS_HEADERS = (  # the words of ENPS_COLUMNS (dashboard_pulse.<key>)
    "h_week",
    "h_shown",
    "h_withheld_because",
    "h_respondents",
    "h_enps",
    "h_promoters",
    "h_passives",
    "h_detractors",
)


def _enps_section(
    cells: list[disclosure.Cell], ticks: tuple[str, ...], weeks: list[str], min_size: int
) -> Section:
    """eNPS by week (% promoters - % detractors) and its bands, from the gate's eNPS cells
    alone: a withheld week is a gap with its reason, never a figure."""
    by_week = {c.period: c for c in cells}
    shown = [c for c in cells if c.shown and c.mean is not None]

    def row(cell: disclosure.Cell) -> tuple[Any, ...]:
        bands = disclosure.enps_bands(cell) or {}
        percent = {name: round(share * 100) for name, share in bands.items()}
        return (
            week_words(cell.period),
            _shown(cell.shown),
            _why(cell, min_size),
            cell.respondents if cell.shown else None,
            round(cell.mean) if cell.shown and cell.mean is not None else None,
            percent.get("promoters"),
            percent.get("passives"),
            percent.get("detractors"),
        )

    latest = shown[-1] if shown else None
    return Section(
        id="enps",
        title=_w("enps_title"),
        summary=(
            _w("enps_summary", week=week_words(latest.period), score=number(latest.mean, "+.0f"))
            if latest is not None and latest.mean is not None
            else prompts.text("dashboard.withheld_note", min=min_size)
        ),
        note=prompts.text("dashboard.withheld_note", min=min_size)
        if len(shown) < len(cells)
        else "",
        chart=LineChart(
            x_labels=ticks,
            series=(
                Series(
                    prompts.enps().name,
                    tuple(
                        round(c.mean)
                        if (c := by_week.get(w)) and c.shown and c.mean is not None
                        else None
                        for w in weeks
                    ),
                    gaps=tuple((c := by_week.get(w)) is not None and not c.shown for w in weeks),
                ),
            ),
            x_title=prompts.text("dashboard.week_beginning"),
            y_title=_w("enps_y"),
            y_range=(-100.0, 100.0),
            references=(Reference("0", 0.0),),
        )
        if shown
        else None,
        table=Table(
            ENPS_COLUMNS,
            tuple(_w(key) for key in ENPS_HEADERS),
            tuple(row(c) for c in reversed(cells)),
        ),
    )


def _change(now: float, before: float | None, since: str, key: str = "change") -> str | None:
    """The change since an earlier week, starting with its sign (``key``: change, or
    change_points for a share in percent)."""
    if before is None:
        return None
    step = round(now - before, 1)
    if step == 0:
        return _w("no_change", week=week_words(since))
    return _w(key, change=f"{step:+g}", week=week_words(since))


def _asked(cell: disclosure.Cell) -> str:
    """How much of the group a figure's week asked, when it asked only part of it."""
    if not cell.partial:
        return ""
    return " (" + prompts.text("disclosure.asked", asked=cell.invited, of=cell.population) + ")"


def _headline(
    weeks: list[str],
    measures: list[str],
    by: dict[tuple[str, str], disclosure.Cell],
    themes: dict[str, str],
    reach: views.Reach | None,
    viewer: Viewer,
) -> Section:
    """The figures first: participation, each theme's latest score and its change, the
    weakest theme, and how far the latest leadership message reached. Each figure is one the
    sections below show (the gate's shown cells; the chain as the cascades view shows it)."""
    rows: list[tuple[Any, ...]] = []
    turnout: list[tuple[str, float, disclosure.Cell]] = []
    for w in weeks:
        asked = [
            c for t in measures if (c := by.get((w, t))) and c.shown and c.participation is not None
        ]
        if asked:
            share = sum(c.participation or 0.0 for c in asked) / len(asked) * 100
            turnout.append((w, share, asked[0]))
    if turnout:
        week, share, cell = turnout[-1]
        # a change compares weeks that asked the same people (pulse_reports.alike): one
        # team's check-in never reads as the whole group rising or falling
        previous = turnout[-2][:2] if len(turnout) > 1 and alike(cell, turnout[-2][2]) else None
        rows.append(
            (
                _w("participation"),
                percent(share / 100),
                _change(
                    share,
                    previous[1] if previous else None,
                    previous[0] if previous else "",
                    "change_points",
                ),
                _w("participation_detail", week=week_words(week)) + _asked(cell),
            )
        )
    latest: dict[str, float] = {}
    for t in measures:
        scored = [(w, c) for w in weeks if (c := by.get((w, t))) and c.shown and c.mean is not None]
        if not scored:
            continue
        week, cell = scored[-1]
        mean = cell.mean or 0.0
        latest[t] = mean
        earlier = (
            (scored[-2][0], scored[-2][1].mean)
            if len(scored) > 1 and alike(cell, scored[-2][1])
            else None
        )
        rows.append(
            (
                themes[t],
                number(mean),
                _change(mean, earlier[1] if earlier else None, earlier[0] if earlier else ""),
                _w("score_detail", week=week_words(week)) + _asked(cell),
            )
        )
    if len(latest) > 1:
        weakest = min(latest, key=lambda t: latest[t])
        rows.append(
            (
                _w("weakest"),
                themes[weakest],
                None,
                _w("weakest_detail", score=number(latest[weakest]), count=len(latest)),
            )
        )
    if reach is not None and reach.meant:
        rows.append(
            (
                _w("latest_message"),
                _w("reached_share", share=percent(reach.reached / reach.meant)),
                None,
                _w(
                    "reach_detail" if reach.whole_chain else "reach_detail_part",
                    reached=reach.reached,
                    meant=reach.meant,
                    title=reach.title,
                    sent=format_local(reach.sent, viewer.person.timezone),
                ),
            )
        )
    return Section(
        id="headline",
        title=_w("headline_title"),
        summary="; ".join(f"{r[0]}: {r[1]}" for r in rows) or _w("headline_none"),
        table=Table(
            ("figure", "value", "change", "detail"),
            (_w("h_figure"), _w("h_now"), _w("h_change"), _w("h_what")),
            tuple(rows),
        ),
    )


def baseline_of(session: Session, viewer: Viewer, scope: Scope) -> dict[str, tuple[float, str]]:
    """Per theme, the scope group's first shown assessment figure on the theme's dimension
    (the baseline), from the gate like every other figure."""
    dimensions = theme_dimensions(session)  # theme -> dimension
    first: dict[str, tuple[float, str]] = {}
    for cell in disclosure.visible_cells(
        session, viewer.person, kind="assessment", groups=[scope.cell], roles=list(viewer.roles)
    ):  # oldest first
        if cell.shown and cell.mean is not None and cell.measure not in first:
            first[cell.measure] = (
                cell.mean,
                _w("source_assessment", id=cell.period.split(":")[-1]),
            )
    return {t: first[d] for t, d in dimensions.items() if d in first}


def objectives_of(session: Session, viewer: Viewer, now: datetime) -> list[Any]:
    return objectives.visible(session, viewer.person, now, include_closed=False)


def targets_of(session: Session, scope: Scope, open_objectives: list[Any]) -> dict[str, float]:
    """Per theme, the target of an open objective set for exactly this scope's group (an
    objective is for a leader's subtree; the top leader's stands for the organisation)."""
    if scope.kind == "team":
        return {}
    owner = scope.manager
    if owner is None:
        owner = session.exec(select(Person).where(col(Person.manager_id).is_(None))).first()
    if owner is None:
        return {}
    dimensions = theme_dimensions(session)
    found: dict[str, float] = {}
    for objective in open_objectives:
        if objective.scope_email != owner.email:
            continue
        for theme, dimension in dimensions.items():
            if dimension == objective.dimension:
                found.setdefault(theme, objective.target)
    return found


def _objectives_section(open_objectives: list[Any], title: str) -> Section:
    titles = tuple(o.title for o in open_objectives)
    states = [objectives.state_words(o.state) for o in open_objectives]
    return Section(
        id="objectives",
        title=title,
        summary=_w(
            "objectives_summary",
            count=len(open_objectives),
            objectives=", ".join(
                _w("objective_state", title=o.title, state=state)
                for o, state in zip(open_objectives, states, strict=True)
            ),
        )
        if open_objectives
        else _w("objectives_none"),
        chart=BarChart(
            categories=titles,
            series=(
                Series(_w("start"), tuple(o.start for o in open_objectives)),
                Series(_w("now"), tuple(o.current for o in open_objectives)),
                Series(_w("target"), tuple(o.target for o in open_objectives)),
            ),
            x_title=_w("objective"),
            y_title=_w("score_1_5"),
            y_range=(1.0, 5.0),
        )
        if open_objectives
        else None,
        table=Table(
            (
                "objective",
                "for",
                "dimension",
                "start",
                "now",
                "now_from",
                "target",
                "due",
                "state",
                "owner",
            ),
            tuple(
                _w(key)
                for key in (
                    "h_objective",
                    "h_for",
                    "h_dimension",
                    "h_start",
                    "h_now",
                    "h_now_from",
                    "h_target",
                    "h_due",
                    "h_state",
                    "h_owner",
                )
            ),
            tuple(
                (
                    o.title,
                    o.scope,
                    o.dimension_name,
                    o.start,
                    o.current,
                    o.current_source,
                    o.target,
                    day_words(o.due),
                    state,
                    o.owner,
                )
                for o, state in zip(open_objectives, states, strict=True)
            ),
        ),
    )


def roadmap(session: Session, viewer: Viewer, scope: Scope, settings: Any, now: datetime) -> View:
    """Baseline and objectives: per assessment dimension, the scope group's first assessment
    (the baseline), its latest, and the pulse of the last weeks on the themes mapped onto
    that dimension; then every objective the viewer may see. Only the gate's shown cells."""
    view = View("roadmap", prompts.text("dashboard.nav_roadmap"), scope.key, scope.label)
    names = {d: dim.name for d, dim in prompts.assessment().dimensions.items()}
    roles = list(viewer.roles)
    assessed = disclosure.visible_cells(
        session, viewer.person, kind="assessment", groups=[scope.cell], roles=roles
    )  # oldest first
    first: dict[str, disclosure.Cell] = {}
    last: dict[str, disclosure.Cell] = {}
    for cell in assessed:
        first.setdefault(cell.measure, cell)
        last[cell.measure] = cell
    weeks = disclosure.last_weeks(published_weeks(session), RECENT_WEEKS)
    pulse_cells = (
        disclosure.visible_cells(
            session,
            viewer.person,
            since=disclosure.week_bounds(weeks[0])[0],
            groups=[scope.cell],
            roles=roles,
        )
        if weeks
        else []
    )
    dimensions = theme_dimensions(session)
    recent: dict[str, disclosure.Combined] = {}
    for dimension in names:
        mapped = [
            c for c in pulse_cells if c.period in weeks and dimensions.get(c.measure) == dimension
        ]
        if mapped:
            recent[dimension] = disclosure.combine(mapped)
    min_size = settings.min_group_size
    order = [d for d in names if d in first or d in recent]
    rows = []
    for d in order:
        base, latest, pulse_now = first.get(d), last.get(d), recent.get(d)
        shown_base = base.mean if base is not None and base.shown else None
        shown_latest = latest.mean if latest is not None and latest.shown else None
        rows.append(
            (
                names[d],
                shown_base,
                week_words(base.period) if base is not None else None,
                shown_latest if latest is not base else None,
                week_words(latest.period) if latest is not None and latest is not base else None,
                round(shown_latest - shown_base, 1)
                if latest is not base and shown_latest is not None and shown_base is not None
                else None,
                pulse_now.mean if pulse_now is not None else None,
                "; ".join(
                    sorted(
                        {
                            why
                            for c in (base, latest)
                            if c is not None and (why := _why(c, min_size)) is not None
                        }
                    )
                )
                or None,
            )
        )
    span = weeks_words(weeks[0], weeks[-1]) if weeks else ""
    charted = [r for r in rows if r[1] is not None or r[6] is not None]
    view.sections.append(
        Section(
            id="baseline",
            title=_w("baseline_title"),
            summary=_w(
                "baseline_summary",
                count=len(charted),
                figures="; ".join(
                    _w(
                        "baseline_figure" if r[6] is None else "baseline_pulse",
                        dimension=r[0],
                        baseline=r[1] if r[1] is not None else prompts.text("dashboard.withheld"),
                        pulse=r[6],
                    )
                    for r in charted
                ),
            )
            if charted
            else _w("baseline_none"),
            note=_w(
                "baseline_note" if span else "baseline_note_no_pulse",
                span=span,
                withheld=prompts.text("dashboard.withheld_note", min=min_size),
            ),
            chart=BarChart(
                categories=tuple(r[0] for r in charted),
                series=(
                    Series(_w("baseline"), tuple(r[1] for r in charted)),
                    Series(_w("latest_assessment"), tuple(r[3] for r in charted)),
                    Series(_w("pulse_latest"), tuple(r[6] for r in charted)),
                ),
                x_title=_w("dimension"),
                y_title=_w("mean_1_5"),
                y_range=(1.0, 5.0),
            )
            if charted
            else None,
            table=Table(
                (
                    "dimension",
                    "baseline",
                    "baseline_from",
                    "latest",
                    "latest_from",
                    "change",
                    "pulse_recent",
                    "withheld_because",
                ),
                tuple(
                    _w(key)
                    for key in (
                        "h_dimension",
                        "h_baseline",
                        "h_from",
                        "h_latest",
                        "h_from",
                        "h_change",
                        "h_pulse_latest",
                        "h_withheld_because",
                    )
                ),
                tuple(rows),
            ),
        )
    )
    view.sections.append(
        _objectives_section(objectives.visible(session, viewer.person, now), _w("objectives"))
    )
    return view


def published_weeks(session: Session) -> list[str]:
    return list(
        session.exec(
            select(DisclosurePeriod.period)
            .where(DisclosurePeriod.kind == "pulse")
            .order_by(col(DisclosurePeriod.starts))
        )
    )


def heat_groups(session: Session, scope: Scope) -> list[tuple[str, str]]:
    """The rows of the heat map: the organisation for comparison, then the scope's own
    group, its team, and each manager one level below with their team (and the departments,
    for the whole organisation)."""
    rows: list[tuple[str, str]] = [("org", "")]
    manager = scope.manager
    if manager is None:
        departments = session.exec(
            select(Person.department).where(col(Person.active).is_(True)).distinct()
        ).all()
        rows += [("department", d) for d in sorted(departments)]
        below = managers_below(session, None)
        tops = session.exec(select(Person).where(col(Person.manager_id).is_(None))).all()
        rows += [("team", top.path) for top in tops]
    else:
        rows.append(scope.cell)
        if scope.kind == "subtree":
            rows.append(("team", manager.path))
        below = managers_below(session, manager) if scope.kind == "subtree" else []
    for m in below:
        rows += [("subtree", m.path), ("team", m.path)]
    return list(dict.fromkeys(rows))


def groups(
    session: Session,
    viewer: Viewer,
    scope: Scope,
    settings: Any,
    now: datetime,
    week: str | None = None,
) -> View:
    """Theme x group: the mean of the last ``HEAT_WEEKS`` published weeks (combined by the
    gate from shown cells only), or of one week with ``?week=``. A group and theme with no
    shown cell in those weeks is marked withheld; one never asked is left blank."""
    themes = _themes()
    weeks = published_weeks(session)
    if week and week not in weeks:
        raise NotAllowed(f"week {week}")
    if not weeks:
        return _waiting("groups", prompts.text("dashboard.nav_groups"), scope, _w("waiting"))
    chosen = [week] if week else disclosure.last_weeks(weeks, HEAT_WEEKS)
    span = weeks_words(chosen[0], chosen[-1])
    wanted = heat_groups(session, scope)
    cells = [
        c
        for c in disclosure.visible_cells(
            session,
            viewer.person,
            since=disclosure.week_bounds(chosen[0])[0],
            until=disclosure.week_bounds(chosen[-1])[1],
            groups=wanted,
            roles=list(viewer.roles),
        )
        if c.period in chosen
    ]
    view = View(
        "groups",
        prompts.text("dashboard.nav_groups"),
        scope.key,
        _w("groups_scope", scope=scope.label, span=span),
    )
    view.extra["weeks"] = weeks[-WEEKS_SHOWN:]
    view.extra["shown_weeks"] = chosen
    found: dict[tuple[str, str, str], list[disclosure.Cell]] = {}
    labels: dict[tuple[str, str], str] = {}
    for c in cells:
        found.setdefault((c.kind, c.key, c.measure), []).append(c)
        labels[(c.kind, c.key)] = c.label
    rows = [g for g in wanted if g in labels]
    measures = [t for t in themes if any((*g, t) in found for g in rows)]
    min_size = settings.min_group_size
    values = []
    notes = []
    table = []
    withheld = 0
    for g in rows:
        row_values: list[float | None] = []
        row_notes: list[str] = []
        for t in measures:
            group_cells = found.get((*g, t))
            if not group_cells:
                row_values.append(None)
                row_notes.append("")
                continue
            combined = disclosure.combine(group_cells)
            reasons = sorted(
                {why for c in group_cells if not c.shown if (why := _why(c, min_size)) is not None}
            )
            if combined.mean is None:
                withheld += 1
                row_values.append(None)
                row_notes.append(WITHHELD)
            else:
                row_values.append(combined.mean)
                row_notes.append(number(combined.mean))
            table.append(
                (
                    labels[g],
                    _kind_words(g[0]),
                    themes[t],
                    _shown(combined.mean is not None),
                    "; ".join(reasons) if combined.mean is None else None,
                    combined.periods,
                    len(group_cells),
                    combined.mean,
                )
            )
        values.append(tuple(row_values))
        notes.append(tuple(row_notes))
    # a group with no figure at all takes no row on the map: one sentence sums them up
    on_map = [i for i, row_values in enumerate(values) if any(v is not None for v in row_values)]
    hidden = len(rows) - len(on_map)
    note = prompts.text("dashboard.withheld_note", min=min_size)
    if hidden:
        note += " " + prompts.text("dashboard.withheld_groups", count=hidden)
    view.sections.append(
        Section(
            id="heatmap",
            title=_w("heatmap_title", span=span),
            summary=_w(
                "heatmap_summary_hidden" if hidden else "heatmap_summary",
                groups=len(on_map),
                themes=len(measures),
                withheld=withheld,
                hidden=hidden,
            ),
            note=note,
            chart=HeatMap(
                rows=tuple(labels[rows[i]] for i in on_map),
                columns=tuple(themes[t] for t in measures),
                values=tuple(values[i] for i in on_map),
                notes=tuple(notes[i] for i in on_map),
                x_title=_w("theme"),
                y_title=_w("group"),
                scale_title=_w("mean_1_5"),
                scale=(1.0, 5.0),
            )
            if on_map and measures
            else None,
            table=Table(
                (
                    "group",
                    "group_kind",
                    "theme",
                    "status",
                    "withheld_because",
                    "weeks_shown",
                    "weeks_asked",
                    "mean",
                ),
                tuple(
                    _w(key)
                    for key in (
                        "h_group",
                        "h_group_kind",
                        "h_theme",
                        "h_shown",
                        "h_withheld_because",
                        "h_weeks_shown",
                        "h_weeks_asked",
                        "h_mean_weeks",
                    )
                ),
                tuple(table),
            ),
        )
    )
    if len(chosen) > 1 and cells:
        view.sections.append(
            Section(
                id="weeks",
                title=_w("weeks_title"),
                table=Table(
                    ("group", "group_kind", *CELL_COLUMNS),
                    (_w("h_group"), _w("h_group_kind"), *cell_headers()),
                    tuple(
                        (c.label, _kind_words(c.kind), *_cell_row(c, themes, min_size))
                        for g in rows
                        for t in measures
                        for c in found.get((*g, t), [])
                    ),
                ),
            )
        )
    return view
