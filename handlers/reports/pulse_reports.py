"""Pulse reports: per group and theme, the latest published week's figures, its trend and a
recent mean, read from the disclosure gate's published cells (handlers/reports/disclosure.py).

Nothing here aggregates answers: every figure is a published cell or combines shown cells
(``disclosure.combine``). Which groups a viewer may see is the gate's decision too.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

import prompts
from handlers.common.formatting import csv_text, sparkline, week_words
from handlers.reports import disclosure
from handlers.reports.disclosure import Cell
from handlers.reports.periods import Period
from storage.models import Person

RECENT = 4  # periods in the recent mean
CHAT_LINES = 40
ORDER = {"org": 0, "subtree": 1, "team": 2, "department": 3}


@dataclass
class GroupRow:
    kind: str  # org | subtree | team | department
    key: str
    group: str
    theme: str
    period: str | None  # the latest week with a shown figure
    respondents: str | None  # a band
    participation: float | None
    mean: float | None
    trend: float | None  # change from the previous shown week
    recent_mean: float | None  # over the last RECENT published weeks (shown ones only)
    sentiment: float | None
    withheld: bool
    reason: str | None
    # the weekly series: every published week of the range with a cell for this group and
    # theme, oldest first, and its mean (None where that week was withheld)
    weeks: list[str] = field(default_factory=list)
    series: list[float | None] = field(default_factory=list)
    series_reasons: list[str | None] = field(default_factory=list)


@dataclass
class Report:
    scope: str
    min_group_size: int
    rows: list[GroupRow]
    since: date | None = None
    until: date | None = None

    def to_json(self) -> str:
        return json.dumps(
            {
                "scope": self.scope,
                "min_group_size": self.min_group_size,
                "since": self.since.isoformat() if self.since else None,
                "until": self.until.isoformat() if self.until else None,
                "rows": [asdict(r) for r in self.rows],
            },
            indent=2,
        )

    def to_csv(self) -> str:
        """One line per group and theme (the series as a sparkline); formulas neutralised."""
        names = [n for n in GroupRow.__dataclass_fields__ if n not in SERIES_FIELDS]
        return csv_text(
            [*names, "series"],
            ([*(asdict(row)[n] for n in names), sparkline(row.series)] for row in self.rows),
        )

    def series_csv(self) -> str:
        """The weekly series: one line per group, theme and week; a withheld week says why."""
        return csv_text(
            ["kind", "group", "theme", "week", "mean", "withheld_because"],
            (
                [
                    row.kind,
                    row.group,
                    row.theme,
                    week,
                    mean,
                    withheld_text(reason, self.min_group_size) if reason else "",
                ]
                for row in self.rows
                for week, mean, reason in zip(
                    row.weeks, row.series, row.series_reasons, strict=True
                )
            ),
        )


SERIES_FIELDS = ("weeks", "series", "series_reasons")


def withheld_text(reason: str | None, min_size: int) -> str:
    """Why a figure is withheld, in words: too few people, or it would give a smaller group
    away."""
    return prompts.text(f"disclosure.{reason or 'small'}", min=min_size)


def build(
    session: Session,
    *,
    min_group_size: int,
    viewer: Person | None = None,
    roles: list[str] | None = None,
    full: bool = False,
    since: date | None = None,
    until: date | None = None,
) -> Report:
    """The report ``viewer`` may see (None: the admin's view of the whole organisation).

    By default the summary groups: the organisation, departments, the viewer's own team and
    subtree and those one level below; ``full`` lists every group the viewer may see."""
    scope = disclosure.visible_scope(session, viewer, roles)
    if full:
        cells = disclosure.visible_cells(session, viewer, since=since, until=until, roles=roles)
    else:
        cells = disclosure.visible_cells(
            session,
            viewer,
            since=since,
            until=until,
            roles=roles,
            groups=summary_groups(session, viewer, scope),
        )
        cells += [
            c
            for c in disclosure.visible_cells(
                session, viewer, since=since, until=until, roles=roles, kinds=("department",)
            )
        ]
    rows = [_row(group) for group in _by_group(cells).values()]
    rows.sort(key=lambda r: (ORDER[r.kind], r.key.count("/"), r.group, r.theme))
    if scope is not None and scope[1] is not None and viewer is not None:
        title = viewer.name
    else:
        title = prompts.text("disclosure.org")
    return Report(scope=title, min_group_size=min_group_size, rows=rows, since=since, until=until)


def summary_groups(
    session: Session, viewer: Person | None, scope: tuple[str, str | None] | None
) -> list[tuple[str, str]]:
    """The groups a summary shows (departments aside): the organisation, the viewer's own
    team, and for managers their subtree and the subtrees one level below (the pulse report
    and the assessment baseline share it)."""
    groups = [("org", "")]
    if scope is None:
        tops = session.exec(select(Person.path).where(col(Person.manager_id).is_(None))).all()
        groups.append(("team", "/"))
        for top in tops:
            groups += [("subtree", top), ("team", top)]
            groups += [("subtree", p) for p in _managers_below(session, top)]
        return groups
    own_team, below = scope
    groups.append(("team", own_team))
    if below is not None:
        groups += [("subtree", below), ("team", below)]
        groups += [("subtree", p) for p in _managers_below(session, below)]
    return groups


def _managers_below(session: Session, path: str) -> list[str]:
    """The paths of the direct reports of the person at ``path`` who have reports."""
    person_id = int(path.rstrip("/").rsplit("/", 1)[-1])
    reports = session.exec(
        select(Person.id, Person.path).where(Person.manager_id == person_id)
    ).all()
    if not reports:
        return []
    managing = set(
        session.exec(
            select(Person.manager_id).where(col(Person.manager_id).in_([r[0] for r in reports]))
        )
    )
    return [p for i, p in reports if i in managing]


def _by_group(cells: list[Cell]) -> dict[tuple[str, str, str], list[Cell]]:
    groups: dict[tuple[str, str, str], list[Cell]] = defaultdict(list)
    seen: set[tuple[str, str, str, str]] = set()
    for cell in cells:  # oldest period first
        key = (cell.kind, cell.key, cell.measure, cell.period)
        if key not in seen:
            seen.add(key)
            groups[(cell.kind, cell.key, cell.measure)].append(cell)
    return groups


def _row(cells: list[Cell]) -> GroupRow:
    latest = cells[-1]
    shown = [c for c in cells if c.shown]
    base: dict[str, Any] = {
        "kind": latest.kind,
        "key": latest.key,
        "group": latest.label,
        "theme": latest.measure,
    }
    series: dict[str, Any] = {
        "weeks": [c.period for c in cells],
        "series": [c.mean if c.shown else None for c in cells],
        "series_reasons": [None if c.shown else (c.reason or "small") for c in cells],
    }
    if not shown:
        return GroupRow(
            **base,
            period=None,
            respondents=None,
            participation=None,
            mean=None,
            trend=None,
            recent_mean=None,
            sentiment=None,
            withheld=True,
            reason=latest.reason,
            **series,
        )
    last = shown[-1]
    trend = None
    if len(shown) >= 2 and last.mean is not None and shown[-2].mean is not None:
        trend = round(last.mean - shown[-2].mean, 1)
    recent = disclosure.combine(cells[-RECENT:])
    return GroupRow(
        **base,
        period=last.period,
        respondents=last.respondents,
        participation=last.participation,
        mean=last.mean,
        trend=trend,
        recent_mean=recent.mean,
        sentiment=last.sentiment,
        withheld=False,
        reason=None,
        **series,
    )


def period_words(report: Report) -> str:
    """ ", since Mon 1 Mar 2027" after a title, "" for all time."""
    words = Period(report.since, report.until).words()
    return f", {words}" if words else ""


def empty_text(report: Report) -> str:
    """An empty report says so: nothing in the period asked for, or nothing published yet."""
    words = Period(report.since, report.until).words()
    if words:
        return prompts.text("disclosure.nothing_in_period", period=words)
    return prompts.text("disclosure.nothing_yet")


def withheld_lines(
    withheld: list[tuple[str, str, str]], *, min_size: int, command: str, details: bool
) -> list[str]:
    """Withheld figures, (group, what, why in words), in chat: one line that counts them, or
    with ``details`` which they are, one line per group and reason (the pulse report and the
    baseline share it)."""
    if not details:
        if not withheld:
            return []
        return [prompts.text("disclosure.withheld_summary", count=len(withheld), command=command)]
    if not withheld:
        return [prompts.text("disclosure.none_withheld")]
    by_group: dict[tuple[str, str], list[str]] = defaultdict(list)
    for group, what, why in withheld:
        by_group[(group, why)].append(what)
    lines = [prompts.text("disclosure.withheld_heading", min=min_size)]
    for (group, why), names in by_group.items():
        lines.append(
            prompts.text("disclosure.withheld_line", group=group, themes=", ".join(names), why=why)
        )
    return lines


def as_text(report: Report, *, email: str = "you@example.com", details: bool = False) -> str:
    """A short plain-text summary for chat: at most about 40 lines. Withheld figures are
    counted in one line; ``details`` lists them instead of the figures."""
    themes = prompts.questions().themes
    if not report.rows:
        return empty_text(report)
    lines = [f"Customer-focus pulse: {report.scope}{period_words(report)}"]
    withheld = [
        (r.group, themes.get(r.theme, r.theme), withheld_text(r.reason, report.min_group_size))
        for r in report.rows
        if r.withheld
    ]
    if details:
        lines += withheld_lines(
            withheld, min_size=report.min_group_size, command="report", details=True
        )
        return "\n".join(lines)
    for r in report.rows:
        label = f"{r.group} - {themes.get(r.theme, r.theme)}"
        if r.withheld:
            continue
        trend = "" if r.trend is None else f", trend {r.trend:+.1f}"
        mood = "" if r.sentiment is None else f", comment sentiment {r.sentiment:+.1f}"
        participation = "" if r.participation is None else f", {r.participation:.0%} participation"
        line = f" {sparkline(r.series)}" if len(r.series) > 1 else ""
        lines.append(
            f"{label}: mean {r.mean:.1f} ({r.respondents} people{participation}, "
            f"{week_words(r.period or '')}){trend}{mood}{line}"
        )
    summary = withheld_lines(
        withheld, min_size=report.min_group_size, command="report", details=False
    )
    if len(lines) + len(summary) > CHAT_LINES:
        rest = len(lines) + len(summary) - (CHAT_LINES - 1)
        lines = lines[: CHAT_LINES - 1 - len(summary)]
        lines.append(prompts.text("disclosure.more", count=rest, email=email))
    return "\n".join(lines + summary)
