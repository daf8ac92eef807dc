"""Figures about stories and ideas, for ``culturebot report`` and the dashboard.

- **Connectedness** of the latest published four-week block, or of every block the period
  asked for touches (handlers/reports/connection_periods.py: closed blocks through the gate): A is
  connected to B when at least the minimum of A's people found B's stories helpful ("this
  helps my team") in a block. Per department: how many *other* departments' stories its
  people found helpful (``reacted_to``), how many other departments found its stories
  helpful (``reacted_by``), and how many other departments it is connected to either way
  (``connected``). Org-wide: the share of unordered department pairs {A, B} with a
  connection in either direction. Departments are those of active people.
- **People who shared stories and ideas** per group and week, and **story sentiment per
  team**: only the disclosure gate's published cells (handlers/reports/story_periods.py): closed,
  whole ISO weeks, distinct people in bands, withheld under the minimum group size and by
  complementary suppression. A period asked for counts every week it touches, whole.
- **Ideas by department** for a manager's or leader's view, with their status; an idea shared
  "only with my manager" is listed to that manager only, and anonymous ideas carry no name
  nor department (handlers/reports/anonymity.py).

Given a ``Period`` (``culturebot report --since/--until/--weeks``), every figure keeps to it
instead of its default number of weeks.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date, datetime
from itertools import combinations
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

import prompts
from bot.core.empty import NOTHING_YET, print_table
from bot.core.localized import number, percent
from handlers.common.formatting import day_words, week_words
from handlers.reports import connection_periods, disclosure, story_periods
from handlers.reports.disclosure import Cell
from handlers.reports.periods import Period, weeks_back
from storage import people
from storage.models import Person
from storage.stories import Story
from storage.types import row_id

if TYPE_CHECKING:
    from rich.console import Console

REPORT_WEEKS = 8


@dataclass(frozen=True)
class DepartmentConnections:
    department: str
    reacted_to: int
    reacted_by: int
    connected: int


@dataclass(frozen=True)
class Connectedness:
    span: str  # "weeks 2027-W08 to 2027-W11", or that no block was published yet
    since: date | None  # the first day of the first block read (None: none published)
    until: date | None  # the last day of the last block read
    departments: list[DepartmentConnections]
    pairs: list[connection_periods.Pair]  # the shown (reader, story department) figures
    pairs_connected: int
    pairs_possible: int
    share: float | None  # None with fewer than two departments
    most_connected: list[str]
    least_connected: list[str]


def connectedness_from(
    departments: set[str], edges: set[tuple[str, str]]
) -> tuple[list[DepartmentConnections], int, int]:
    """The figures from a set of departments and directed edges (pure, for tests and reuse)."""
    names = sorted(departments | {d for edge in edges for d in edge})
    reacted_to: dict[str, set[str]] = defaultdict(set)
    reacted_by: dict[str, set[str]] = defaultdict(set)
    for reader, author in edges:
        reacted_to[reader].add(author)
        reacted_by[author].add(reader)
    rows = [
        DepartmentConnections(
            department=name,
            reacted_to=len(reacted_to[name]),
            reacted_by=len(reacted_by[name]),
            connected=len(reacted_to[name] | reacted_by[name]),
        )
        for name in names
    ]
    pairs = {frozenset(edge) for edge in edges}
    possible = len(list(combinations(names, 2)))
    return rows, len(pairs), possible


def span_words(period: Period | None, weeks: int) -> str:
    """How a figure's window reads: the period asked for, else "last N weeks"."""
    if period:
        return period.words()
    return prompts.text("stories_report.last_weeks", weeks=weeks)


def connectedness(session: Session, period: Period | None = None) -> Connectedness:
    """Cross-department connectedness from the published four-week blocks
    (handlers/reports/connection_periods.py): those that touch ``period``, whole, else the latest.
    A connection is a shown pair: at least the minimum of people found the stories helpful."""
    blocks, pairs = connection_periods.published(
        session, period.since if period else None, period.until if period else None
    )
    departments = set(
        session.exec(select(Person.department).where(col(Person.active).is_(True))).all()
    )
    rows, connected, possible = connectedness_from(
        departments, {(p.reader, p.story) for p in pairs}
    )
    most: list[str] = []
    least: list[str] = []
    if rows:
        top = max(r.connected for r in rows)
        bottom = min(r.connected for r in rows)
        most = [r.department for r in rows if r.connected == top] if top > 0 else []
        least = (
            [r.department for r in rows if r.connected == bottom]
            if top > bottom or top == 0
            else []
        )
    if blocks:
        span = prompts.text(
            "stories_report.blocks",
            first=day_words(blocks[0].starts),
            last=day_words(blocks[-1].ends),
        )
    elif period:
        span = period.words()
    else:
        span = prompts.text("stories_report.no_block", weeks=connection_periods.BLOCK_WEEKS)
    return Connectedness(
        span=span,
        since=blocks[0].starts if blocks else None,
        until=blocks[-1].ends if blocks else None,
        departments=rows,
        pairs=pairs,
        pairs_connected=connected,
        pairs_possible=possible,
        share=round(connected / possible, 3) if possible else None,
        most_connected=most,
        least_connected=least,
    )


# --- counts and sentiment: published cells only ----------------------------------------


@dataclass(frozen=True)
class SharedWeek:
    """How many people shared stories and ideas in one group and closed week (bands)."""

    kind: str  # org | department | subtree | team
    group: str
    week: str
    stories: str | None  # a band of distinct people; None: withheld or nobody
    ideas: str | None
    mood: float | None  # the mean polarity of the stories, one decimal (None: withheld)


@dataclass(frozen=True)
class TeamWeek:
    week: str
    authors: str  # a band of distinct people
    polarity: float | None


@dataclass(frozen=True)
class TeamTrend:
    team: str
    weeks: list[TeamWeek]
    trend: float | None  # change between the two latest weeks shown


def story_cells(
    session: Session,
    viewer: Person | None,
    now: datetime,
    *,
    weeks: int = REPORT_WEEKS,
    period: Period | None = None,
    roles: list[str] | None = None,
    groups: list[tuple[str, str]] | None = None,
    kinds: tuple[str, ...] | None = None,
) -> list[Cell]:
    """The shown story and idea cells of the published weeks this viewer may see: those of
    ``period`` (whole weeks: a week that overlaps it counts whole, as for pulse reports),
    else the last ``weeks`` weeks. Withheld cells are left out: a withheld cell of a group
    that shared nothing would not exist, so it would say that someone did."""
    if period:
        since, until = period.since, period.until
    else:
        since, until = weeks_back(now.date(), weeks), None
    cells = disclosure.visible_cells(
        session,
        viewer,
        since=since,
        until=until,
        kind=story_periods.KIND,
        roles=roles,
        groups=groups,
        kinds=kinds,
    )
    return [c for c in cells if c.shown]


def shared_weeks(cells: list[Cell]) -> list[SharedWeek]:
    """One row per group and week with a shown figure, groups in the cells' order."""
    rows: dict[tuple[str, str, str], dict[str, Cell]] = {}
    for cell in cells:
        rows.setdefault((cell.kind, cell.label, cell.period), {})[cell.measure] = cell
    found = []
    for (kind, group, period), by_measure in rows.items():
        story, idea = by_measure.get("story"), by_measure.get("idea")
        found.append(
            SharedWeek(
                kind=kind,
                group=group,
                week=story_periods.week_of(period),
                stories=story.respondents if story else None,
                ideas=idea.respondents if idea else None,
                mood=story.mean if story else None,
            )
        )
    order = {"org": 0, "department": 1, "subtree": 2, "team": 3}
    found.sort(key=lambda r: (order.get(r.kind, 9), r.group, r.week))
    return found


def team_trends(cells: list[Cell]) -> list[TeamTrend]:
    """Story sentiment per team and published week (shown cells only), with the change
    between the two latest weeks shown."""
    teams: dict[tuple[str, str], list[TeamWeek]] = defaultdict(list)
    for cell in cells:  # oldest period first
        if cell.kind == "team" and cell.measure == "story" and cell.respondents:
            teams[(cell.label, cell.key)].append(  # two managers may share a name
                TeamWeek(story_periods.week_of(cell.period), cell.respondents, cell.mean)
            )
    found = []
    for (team, _key), team_weeks in sorted(teams.items()):
        means = [w.polarity for w in team_weeks if w.polarity is not None]
        trend = round(means[-1] - means[-2], 1) if len(means) >= 2 else None
        found.append(TeamTrend(team=team, weeks=team_weeks, trend=trend))
    return found


# --- ideas ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class IdeaView:
    id: int
    department: str
    text: str
    author: str | None  # None: shared anonymously
    status: str
    created_on: date
    language: str | None = None  # the text's detected language (bot/core/language.py)


def _shared_in(period: Period | None) -> list[Any]:
    """WHERE clauses keeping to stories shared within ``period`` (none: all time)."""
    where = []
    if period and period.start():
        where.append(col(Story.created_at) >= period.start())
    if period and period.end():
        where.append(col(Story.created_at) < period.end())
    return where


def ideas_by_department(
    session: Session, viewer: Person, period: Period | None = None
) -> dict[str, list[IdeaView]]:
    """Ideas from the viewer's subtree (shared within ``period``, when given), grouped by
    department, newest first; anonymous ideas last, under "" and without a department, and
    only those that went to the viewer or to a manager below them (whole anonymity groups,
    handlers/reports/anonymity.py: a list never narrows one down to fewer people)."""
    rows = session.exec(
        select(Story, Person)
        .join(Person, col(Person.id) == col(Story.author_id))
        .where(
            Story.kind == "idea",
            Story.consent != "anonymous",
            col(Person.path).startswith(viewer.path),
            Story.author_id != viewer.id,
            *_shared_in(period),
        )
        .order_by(col(Story.department), col(Story.created_at).desc(), col(Story.id).desc())
    ).all()
    grouped: dict[str, list[IdeaView]] = {}
    for story, author in rows:
        if story.consent == "manager" and viewer.id != story.manager_id:
            continue
        if not people.in_subtree(author, viewer):
            continue
        grouped.setdefault(story.department, []).append(
            IdeaView(
                id=row_id(story.id),
                department=story.department,
                text=story.what_happened,
                author=author.name,
                status=story.status or "new",
                created_on=story.created_at.date(),
                language=story.language,
            )
        )
    anonymous = session.exec(
        select(Story)
        .join(Person, col(Person.id) == col(Story.manager_id))
        .where(
            Story.kind == "idea",
            Story.consent == "anonymous",
            col(Person.path).startswith(viewer.path),
            *_shared_in(period),
        )
        .order_by(col(Story.created_at).desc(), col(Story.id).desc())
    ).all()
    if anonymous:
        grouped[""] = [
            IdeaView(
                id=row_id(story.id),
                department="",
                text=story.what_happened,
                author=None,
                status=story.status or "new",
                created_on=story.created_at.date(),
                language=story.language,
            )
            for story in anonymous
        ]
    return grouped


# --- the report section --------------------------------------------------------------------


@dataclass
class StoriesReport:
    min_group_size: int
    span: str  # the window of the weekly tables: "last 8 weeks" or the period asked for
    in_period: bool  # a period was asked for: an empty table says "nothing in this period"
    connectedness: Connectedness
    shared: list[SharedWeek]
    sentiment: list[TeamTrend]
    # stories of the span's published weeks not scored (a language with no measured scorer),
    # counted for the whole organisation; None: no week publishes the count
    unscored: int | None = None

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        for end in ("since", "until"):
            day = getattr(self.connectedness, end)
            data["connectedness"][end] = day.isoformat() if day else None
        return data


def build(
    session: Session,
    now: datetime,
    *,
    min_group_size: int,
    scope: Person | None = None,
    period: Period | None = None,
    roles: list[str] | None = None,
) -> StoriesReport:
    """The section ``scope`` may see (None: the whole organisation); over ``period`` when
    given, else each figure's default weeks. Story figures are published cells only."""
    cells = story_cells(session, scope, now, period=period, roles=roles)
    return StoriesReport(
        min_group_size=min_group_size,
        span=span_words(period, REPORT_WEEKS),
        in_period=bool(period),
        connectedness=connectedness(session, period),
        shared=shared_weeks([c for c in cells if c.kind in ("org", "department")]),
        sentiment=team_trends(cells),
        unscored=unscored_stories(cells),
    )


def unscored_stories(cells: list[Cell]) -> int | None:
    """Stories of the shown weeks not scored, from the organisation's cells (the gate
    publishes the count there only)."""
    counts = [
        c.unscored
        for c in cells
        if c.kind == "org" and c.measure == "story" and c.unscored is not None
    ]
    return sum(counts) if counts else None


def connectedness_lines(figure: Connectedness) -> list[str]:
    t = prompts.text
    if figure.share is None:
        return [t("stories_report.connectedness_none", span=figure.span)]
    nobody = t("stories_report.nobody")
    return [
        t(
            "stories_report.connectedness",
            span=figure.span,
            connected=figure.pairs_connected,
            possible=figure.pairs_possible,
            share=percent(figure.share),
        ),
        t("stories_report.most_connected", departments=", ".join(figure.most_connected) or nobody),
        t(
            "stories_report.least_connected",
            departments=", ".join(figure.least_connected) or nobody,
        ),
    ]


def merge_json(pulse_json: str, section: StoriesReport) -> str:
    """The pulse report's JSON with this section under the key ``stories``."""
    data = json.loads(pulse_json)
    data["stories"] = section.to_dict()
    return json.dumps(data, indent=2)


def print_section(section: StoriesReport, console: Console) -> None:
    """The section as rich tables, after the pulse table of ``culturebot report``."""
    # rich here, not at the top: `culturebot tick` imports this module and prints nothing
    from rich.console import Console
    from rich.table import Table

    t = prompts.text
    out = (
        console
        if console.is_terminal
        else Console(file=console.file, width=max(console.width, 120))
    )
    nothing = t("stories_report.nothing_in_period") if section.in_period else NOTHING_YET
    out.print(f"\n[bold]{t('stories_report.heading')}[/bold]")
    for line in connectedness_lines(section.connectedness):
        out.print(line, highlight=False)
    table = Table(title=f"Connectedness by department, {section.connectedness.span}")
    for header in ("department", "found others helpful", "found helpful by", "connected to"):
        table.add_column(header, justify="left" if header == "department" else "right")
    rows = section.connectedness.departments
    if not section.in_period or any(row.connected for row in rows):  # a period without clicks
        for row in rows:  # says so rather than listing every department with zeros
            table.add_row(
                row.department, str(row.reacted_to), str(row.reacted_by), str(row.connected)
            )
    print_table(table, out, nothing)
    shared = Table(title=f"People who shared stories and ideas, per week, {section.span}")
    for header in ("group", "week", "stories", "ideas", "story mood"):
        shared.add_column(header, justify="left" if header in ("group", "week") else "right")
    for item in section.shared:
        shared.add_row(
            item.group,
            week_words(item.week),
            item.stories or "",
            item.ideas or "",
            "" if item.mood is None else number(item.mood, "+.1f"),
        )
    print_table(shared, out, nothing)
    mood = Table(title=f"Story sentiment per team and week, {section.span}")
    for header in ("team", "week", "authors", "mean polarity", "trend"):
        mood.add_column(header, justify="left" if header in ("team", "week") else "right")
    for team in section.sentiment:
        for i, week in enumerate(team.weeks):
            last = i == len(team.weeks) - 1
            trend = number(team.trend, "+.1f") if last and team.trend is not None else ""
            polarity = "" if week.polarity is None else number(week.polarity, "+.1f")
            mood.add_row(team.team, week_words(week.week), week.authors, polarity, trend)
    print_table(mood, out, nothing)
    if section.unscored:
        out.print(t("stories_report.unscored", count=section.unscored), highlight=False)
    out.print(t("stories_report.published_only", min=section.min_group_size), highlight=False)
