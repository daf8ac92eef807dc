"""Pulse reports: per group and theme, the latest published week's figures, its trend and a
recent mean, read from the disclosure gate's published cells (handlers/reports/disclosure.py).

Nothing here aggregates answers: every figure is a published cell or combines shown cells
(``disclosure.combine``). Which groups a viewer may see is the gate's decision too.

A report says what its figures mean:

- **Part of a group asked.** A round sent to part of the organisation (a manager's check-in)
  is the figure of the group that was asked. A larger group that holds it says how much of
  it was asked (``GroupRow.asked`` of ``GroupRow.of``: "asked: 6 of 60"), and its trend and
  recent mean compare only weeks alike (the whole group asked both times, or the same parts),
  so a check-in of one team never reads as the organisation falling.
- **The same people once.** Rows of one theme whose every shown week holds exactly the same
  asked people (the gate's ``members`` fingerprint) and whose withheld weeks are the same are
  one row, under the narrowest name, with every other name in ``GroupRow.also``. Only rows
  the reader already sees, and only shown figures, are merged: two shown figures of the same
  people are the same figure, and the groups' difference holds nobody who was asked, which
  names no answer and no group of fewer than the minimum.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

import prompts
from bot.core.localized import number, percent
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
    # the latest shown week reached only part of the group: how many were asked, of how many
    asked: int | None = None
    of: int | None = None
    # the other groups holding exactly the same people (merged rows), broadest last
    also: list[Also] = field(default_factory=list)
    # the eNPS row only (theme "enps", whose mean is the eNPS): its bands as shares
    detractors: float | None = None
    passives: float | None = None
    promoters: float | None = None
    # comments of the latest shown week not scored (their language has no measured scorer):
    # outside ``sentiment``; None where the comment list is not shown
    unscored: int | None = None


@dataclass
class Also:
    """Another name of a merged row; ``asked``/``of`` where only part of it was asked."""

    kind: str
    key: str
    group: str
    asked: int | None = None
    of: int | None = None


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
        names = [n for n in GroupRow.__dataclass_fields__ if n not in (*SERIES_FIELDS, "also")]
        return csv_text(
            [*names, "also", "series"],
            (
                [
                    *(asdict(row)[n] for n in names),
                    "; ".join(also_words(a) for a in row.also),
                    sparkline(row.series),
                ]
                for row in self.rows
            ),
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


def enps_words(row: GroupRow) -> str:
    """ "eNPS +20 (promoters 50%, passives 20%, detractors 30%)" for a shown eNPS row."""
    shares = ", ".join(
        f"{name} {percent(getattr(row, name))}"
        for name in ("promoters", "passives", "detractors")
        if getattr(row, name) is not None
    )
    return prompts.text(
        "disclosure.enps",
        enps=number(row.mean, "+.0f") if row.mean is not None else "",
        bands=shares,
    )


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
    by_group = _by_group(cells)
    rows = collapse([_row(group) for group in by_group.values()], by_group)
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
    trend = trend_of(shown)
    recent = disclosure.combine([c for c in cells[-RECENT:] if alike(c, last)])
    bands = disclosure.enps_bands(last) or {}
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
        asked=last.invited if last.partial else None,
        unscored=last.unscored if last.comments_shown else None,
        of=last.population if last.partial else None,
        detractors=bands.get("detractors"),
        passives=bands.get("passives"),
        promoters=bands.get("promoters"),
    )


def trend_of(shown: list[Cell]) -> float | None:
    """The latest of a group's shown cells (oldest first) less the one before, where those
    two weeks compare (``alike``): the trend a report shows, and a results message too."""
    if len(shown) < 2 or shown[-1].mean is None or shown[-2].mean is None:
        return None
    if not alike(shown[-1], shown[-2]):
        return None
    return round(shown[-1].mean - shown[-2].mean, 1)


def alike(a: Cell, b: Cell) -> bool:
    """Two weeks of a group compare: the whole group was asked both times, or the same parts
    of it (a week published before the gate kept this compares with any)."""
    if a.members is None or b.members is None:
        return True
    return a.members == b.members or (not a.partial and not b.partial)


# the name a merged row goes by: the narrowest group (the one that was asked)
NARROW = {"subtree": 0, "team": 1, "department": 2, "org": 3}


def collapse(rows: list[GroupRow], cells: dict[tuple[str, str, str], list[Cell]]) -> list[GroupRow]:
    """One row for rows of a theme that hold exactly the same people in every week (see the
    module's docstring); every other name it goes by in ``also``."""
    same: dict[tuple[object, ...], list[GroupRow]] = defaultdict(list)
    out: list[GroupRow] = []
    for row in rows:
        series = cells[(row.kind, row.key, row.theme)]
        shown = [c for c in series if c.shown]
        if not shown or any(c.members is None for c in shown):
            out.append(row)
            continue
        key = (row.theme, *((c.period, c.shown, c.members) for c in series))
        same[key].append(row)
    for group in same.values():
        group.sort(key=lambda r: (NARROW[r.kind], -r.key.count("/"), r.group))
        first, others = group[0], group[1:]
        for other in others:
            first.also.append(Also(other.kind, other.key, other.group, other.asked, other.of))
        first.also.sort(key=lambda a: (NARROW[a.kind], -a.key.count("/"), a.group))
        out.append(first)
    return out


def also_words(also: Also) -> str:
    """ "Whole organisation (asked: 6 of 60)", or just the name when all of it was asked."""
    if also.asked is None:
        return also.group
    return f"{also.group} ({asked_words(also.asked, also.of)})"


def row_name(row: GroupRow) -> str:
    """A row's name, with every other name of the same people."""
    if not row.also:
        return row.group
    others = ", ".join(also_words(a) for a in row.also)
    return prompts.text("disclosure.same_people", group=row.group, others=others)


def asked_words(asked: int, of: int | None) -> str:
    return prompts.text("disclosure.asked", asked=asked, of=of)


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


def unscored_words(count: int) -> str:
    """How many comments were left out of the sentiment, and why."""
    return prompts.text("report.unscored", count=count)


def as_text(report: Report, *, email: str = "you@example.com", details: bool = False) -> str:
    """A short plain-text summary for chat: at most about 40 lines. Withheld figures are
    counted in one line; ``details`` lists them instead of the figures."""
    themes = prompts.theme_names()
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
        label = f"{row_name(r)} - {themes.get(r.theme, r.theme)}"
        if r.withheld:
            continue
        asked = "" if r.asked is None else f", {asked_words(r.asked, r.of)}"
        trend = "" if r.trend is None else f", trend {number(r.trend, '+.1f')}"
        mood = "" if r.sentiment is None else f", comment sentiment {number(r.sentiment, '+.1f')}"
        if r.unscored:
            mood += ", " + unscored_words(r.unscored)
        participation = (
            "" if r.participation is None else f", {percent(r.participation)} participation"
        )
        line = f" {sparkline(r.series)}" if len(r.series) > 1 else ""
        if r.theme == prompts.ENPS:  # in points of eNPS, not a 1-5 mean
            trend = "" if r.trend is None else f", trend {number(r.trend, '+.0f')}"
            lines.append(
                f"{row_name(r)} - {enps_words(r)} ({r.respondents} people{participation}{asked}, "
                f"{week_words(r.period or '')}){trend}"
            )
            continue
        lines.append(
            f"{label}: mean {number(r.mean)} ({r.respondents} people{participation}{asked}, "
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
