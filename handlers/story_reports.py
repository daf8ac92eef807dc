"""Figures about stories and ideas, for ``culturebot report``, chat and (later) the dashboard.

- **Connectedness** over the last ``weeks`` (default 4), or the period asked for: a "this helps my team" click by someone
  in department A on a story from department B connects A to B. Per department: how many
  *other* departments' stories its people found helpful (``reacted_to``), how many other
  departments found its stories helpful (``reacted_by``), and how many other departments it is
  connected to either way (``connected``). Org-wide: the share of unordered department pairs
  {A, B} with a connection in either direction. Departments are those of active people.
- **Stories and ideas per department per week** (ISO weeks of the sharing date).
- **Sentiment trend per team**: the mean polarity of the stories and ideas a team (a manager's
  direct reports) shared each week, withheld for a week with fewer distinct authors than the
  minimum reporting size; the trend is the change between the two latest weeks shown.
- **Ideas by department** for a manager's or leader's view, with their status; an idea shared
  "only with my manager" is listed to that manager only, and anonymous ideas carry no name.

Everything here is a plain function of a session and a time, with dataclass results, so the
dashboard can call the same code. Given a ``Period`` (``culturebot report --since/--until/
--weeks``), every figure keeps to it instead of its default number of weeks.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from itertools import combinations
from statistics import fmean
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import func
from sqlmodel import Session, col, select

import prompts
from bot.empty import NOTHING_YET, print_table
from handlers.periods import Period
from storage import people
from storage.models import Person
from storage.stories import IDEA_STATUSES, Story, StoryReaction

CONNECTEDNESS_WEEKS = 4
REPORT_WEEKS = 8


@dataclass(frozen=True)
class DepartmentConnections:
    department: str
    reacted_to: int
    reacted_by: int
    connected: int


@dataclass(frozen=True)
class Connectedness:
    weeks: int
    span: str  # "last 4 weeks", or the period asked for ("since 2027-03-01")
    since: datetime
    until: datetime
    departments: list[DepartmentConnections]
    pairs_connected: int
    pairs_possible: int
    share: float | None  # None with fewer than two departments
    most_connected: list[str]
    least_connected: list[str]


def connection_counts(
    session: Session, since: datetime, until: datetime
) -> dict[tuple[str, str], int]:
    """ "This helps my team" clicks in the window per directed (reader's department, story's
    department) pair of different departments."""
    rows = session.exec(
        select(StoryReaction.department, Story.department, func.count())
        .join(Story, col(Story.id) == col(StoryReaction.story_id))
        .where(col(StoryReaction.created_at) > since, col(StoryReaction.created_at) <= until)
        .group_by(col(StoryReaction.department), col(Story.department))
    ).all()
    return {(reader, author): n for reader, author, n in rows if reader != author}


def connection_edges(session: Session, since: datetime, until: datetime) -> set[tuple[str, str]]:
    """Directed (reader's department, story's department) pairs with a reaction in the window."""
    return set(connection_counts(session, since, until))


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


def connectedness(
    session: Session,
    now: datetime,
    *,
    weeks: int = CONNECTEDNESS_WEEKS,
    period: Period | None = None,
) -> Connectedness:
    """Cross-department connectedness over the ``weeks`` up to ``now`` (or the period)."""
    since, now = (period or Period()).window(now, weeks)
    departments = set(
        session.exec(select(Person.department).where(col(Person.active).is_(True))).all()
    )
    rows, connected, possible = connectedness_from(
        departments, connection_edges(session, since, now)
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
    return Connectedness(
        weeks=weeks,
        span=span_words(period, weeks),
        since=since,
        until=now,
        departments=rows,
        pairs_connected=connected,
        pairs_possible=possible,
        share=round(connected / possible, 3) if possible else None,
        most_connected=most,
        least_connected=least,
    )


# --- counts and sentiment ------------------------------------------------------------------


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class DepartmentWeek:
    department: str
    week: str
    stories: int
    ideas: int


def shared_per_department_week(
    session: Session,
    now: datetime,
    *,
    weeks: int = REPORT_WEEKS,
    team: Callable[[str], bool] | None = None,
    period: Period | None = None,
) -> list[DepartmentWeek]:
    """How many stories and ideas each department shared in each of the last ``weeks`` (or
    the period; only those shared from teams for which ``team(team_path)`` holds, when given)."""
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    after, until = (period or Period()).window(now, weeks)
    rows = session.exec(
        select(Story.department, Story.kind, Story.created_at, Story.team_path).where(
            col(Story.created_at) > after, col(Story.created_at) <= until
        )
    ).all()
    for department, kind, created_at, team_path in rows:
        if team is not None and not team(team_path):
            continue
        counts[(department, iso_week(created_at.date()))][0 if kind == "story" else 1] += 1
    return [
        DepartmentWeek(department=d, week=w, stories=s, ideas=i)
        for (d, w), (s, i) in sorted(counts.items())
    ]


@dataclass(frozen=True)
class TeamSentiment:
    team: str
    department: str
    week: str
    authors: int | None  # None when withheld
    polarity: float | None
    withheld: bool


@dataclass(frozen=True)
class TeamTrend:
    team: str
    department: str
    weeks: list[TeamSentiment]
    trend: float | None


def sentiment_per_team(
    session: Session,
    now: datetime,
    *,
    min_group_size: int,
    scope: Person | None = None,
    weeks: int = REPORT_WEEKS,
    period: Period | None = None,
) -> list[TeamTrend]:
    """Mean story polarity per team and week (of the last ``weeks``, or the period); weeks
    with too few authors are withheld."""
    prefix = scope.path if scope else "/"
    by_path = {p.path: p for p in session.exec(select(Person))}
    buckets: dict[tuple[str, str], list[tuple[int, float]]] = defaultdict(list)
    after, until = (period or Period()).window(now, weeks)
    rows = session.exec(
        select(Story.team_path, Story.author_id, Story.polarity, Story.created_at).where(
            col(Story.created_at) > after,
            col(Story.created_at) <= until,
            col(Story.team_path).startswith(prefix),
        )
    ).all()
    for team_path, author_id, polarity, created_at in rows:
        buckets[(team_path, iso_week(created_at.date()))].append((author_id, polarity))
    teams: dict[str, list[TeamSentiment]] = defaultdict(list)
    for (team_path, week), entries in sorted(buckets.items()):
        manager = by_path.get(team_path)
        name = f"Team of {manager.name}" if manager else "Top"
        authors = len({a for a, _ in entries})
        shown = authors >= min_group_size
        teams[team_path].append(
            TeamSentiment(
                team=name,
                department=manager.department if manager else "",
                week=week,
                authors=authors if shown else None,
                polarity=round(fmean(p for _, p in entries), 3) if shown else None,
                withheld=not shown,
            )
        )
    result = []
    for team_weeks in teams.values():
        shown = [w for w in team_weeks if not w.withheld]
        trend = (
            round(shown[-1].polarity - shown[-2].polarity, 3)  # type: ignore[operator]
            if len(shown) >= 2
            else None
        )
        first = team_weeks[0]
        result.append(
            TeamTrend(team=first.team, department=first.department, weeks=team_weeks, trend=trend)
        )
    result.sort(key=lambda t: (t.department, t.team))
    return result


# --- ideas ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class IdeaView:
    id: int
    department: str
    text: str
    author: str | None  # None: shared anonymously
    status: str
    created_on: date


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
    handlers/anonymity.py: a list never narrows one down to fewer people)."""
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
                id=story.id,  # type: ignore[arg-type]
                department=story.department,
                text=story.what_happened,
                author=author.name,
                status=story.status or "new",
                created_on=story.created_at.date(),
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
                id=story.id,  # type: ignore[arg-type]
                department="",
                text=story.what_happened,
                author=None,
                status=story.status or "new",
                created_on=story.created_at.date(),
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
    shared: list[DepartmentWeek]
    sentiment: list[TeamTrend]
    ideas: dict[str, dict[str, int]] = field(default_factory=dict)  # department -> status -> n

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["connectedness"]["since"] = self.connectedness.since.isoformat()
        data["connectedness"]["until"] = self.connectedness.until.isoformat()
        return data


def idea_status_counts(
    session: Session, scope: Person | None = None, period: Period | None = None
) -> dict[str, dict[str, int]]:
    """Ideas per department and status (all time, or shared within ``period``)."""
    prefix = scope.path if scope else "/"
    counts: dict[str, dict[str, int]] = {}
    rows = session.exec(
        select(Story.department, Story.status).where(
            Story.kind == "idea", col(Story.team_path).startswith(prefix), *_shared_in(period)
        )
    ).all()
    for department, status in rows:
        per = counts.setdefault(department, {})
        per[status or "new"] = per.get(status or "new", 0) + 1
    return dict(sorted(counts.items()))


def build(
    session: Session,
    now: datetime,
    *,
    min_group_size: int,
    scope: Person | None = None,
    period: Period | None = None,
) -> StoriesReport:
    """The section; over ``period`` when given, else each figure's default weeks."""
    return StoriesReport(
        min_group_size=min_group_size,
        span=span_words(period, REPORT_WEEKS),
        in_period=bool(period),
        connectedness=connectedness(session, now, period=period),
        shared=shared_per_department_week(session, now, period=period),
        sentiment=sentiment_per_team(
            session, now, min_group_size=min_group_size, scope=scope, period=period
        ),
        ideas=idea_status_counts(session, scope, period),
    )


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
            share=f"{figure.share:.0%}",
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
    shared = Table(title=f"Stories and ideas shared per department and week, {section.span}")
    for header in ("department", "week", "stories", "ideas"):
        shared.add_column(header, justify="left" if header in ("department", "week") else "right")
    for item in section.shared:
        shared.add_row(item.department, item.week, str(item.stories), str(item.ideas))
    print_table(shared, out, nothing)
    withheld = t("stories_report.withheld", min=section.min_group_size)
    mood = Table(title=f"Story sentiment per team and week, {section.span}")
    for header in ("team", "week", "authors", "mean polarity", "trend"):
        mood.add_column(header, justify="left" if header in ("team", "week") else "right")
    for team in section.sentiment:
        label = f"{team.team} ({team.department})" if team.department else team.team
        for i, week in enumerate(team.weeks):
            last = i == len(team.weeks) - 1
            trend = f"{team.trend:+.2f}" if last and team.trend is not None else ""
            if week.withheld:
                mood.add_row(label, week.week, f"[dim]{withheld}[/dim]", "", trend)
            else:
                mood.add_row(label, week.week, str(week.authors), f"{week.polarity:+.2f}", trend)
    print_table(mood, out, nothing)
    if section.ideas or section.in_period:
        title = "Ideas by department and status"
        ideas = Table(title=f"{title}, {section.span}" if section.in_period else title)
        ideas.add_column("department")
        for status in IDEA_STATUSES:
            ideas.add_column(t(f"stories.status_{status}"), justify="right")
        for department, counts in section.ideas.items():
            ideas.add_row(department, *(str(counts.get(s, 0)) for s in IDEA_STATUSES))
        print_table(ideas, out, nothing)
