"""Pulse reports: participation, mean score, trend and comment sentiment per group and theme.

Privacy first: a group with fewer respondents than the minimum reporting size is withheld,
and so is one more sibling where a parent's total minus the shown groups would otherwise give
a withheld group away (groups nest: scope total > departments > teams).
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from statistics import fmean

from sqlmodel import Session, col, select

import prompts
from handlers.pulse import schedule_bank
from storage.models import Person, PulseAnswer, PulsePrompt, PulseRound, PulseSchedule


@dataclass
class GroupRow:
    kind: str  # scope | department | team
    group: str
    department: str
    theme: str
    invited: int | None
    respondents: int | None
    participation: float | None
    mean: float | None
    trend: float | None
    sentiment: float | None
    withheld: bool


@dataclass
class Report:
    scope: str
    min_group_size: int
    rows: list[GroupRow]

    def to_json(self) -> str:
        return json.dumps(
            {
                "scope": self.scope,
                "min_group_size": self.min_group_size,
                "rows": [asdict(r) for r in self.rows],
            },
            indent=2,
        )

    def to_csv(self) -> str:
        buffer = io.StringIO()
        names = list(GroupRow.__dataclass_fields__)
        writer = csv.DictWriter(buffer, fieldnames=names, lineterminator="\n")
        writer.writeheader()
        for row in self.rows:
            writer.writerow({k: ("" if v is None else v) for k, v in asdict(row).items()})
        return buffer.getvalue()


@dataclass
class _Bucket:
    invited: int = 0
    answered: int = 0

    def __post_init__(self) -> None:
        self.ids: set[int] = set()  # answer ids, to find groups that nest
        self.scores: list[tuple[str, int]] = []  # (ISO week, score)
        self.polarities: list[float] = []


def build(
    session: Session, *, min_group_size: int, scope: Person | None = None, teams: bool = True
) -> Report:
    """The report for the whole organisation, or for the subtree below ``scope``.

    Groups are the scope total, departments, and teams (a manager's direct reports).
    """
    prefix = scope.path if scope else "/"
    by_path = {p.path: p for p in session.exec(select(Person))}
    buckets: dict[tuple[str, str, str], _Bucket] = defaultdict(_Bucket)  # (kind, key, theme)
    bank = prompts.questions()

    def keys(team_path: str, department: str) -> Iterable[tuple[str, str]]:
        yield "scope", ""
        yield "department", department
        if teams:
            yield "team", team_path

    answers = session.exec(select(PulseAnswer).where(col(PulseAnswer.team_path).startswith(prefix)))
    for answer in answers:
        year, week_no, _ = answer.answered_on.isocalendar()
        week = f"{year}-W{week_no:02d}"
        for kind, key in keys(answer.team_path, answer.department):
            bucket = buckets[(kind, key, answer.theme)]
            bucket.ids.add(answer.id)  # type: ignore[arg-type]
            bucket.scores.append((week, answer.score))
            if answer.polarity is not None:
                bucket.polarities.append(answer.polarity)

    invited = session.exec(
        select(PulsePrompt.status, PulseRound.question_id, PulseRound.schedule_id, Person)
        .join(PulseRound, col(PulseRound.id) == col(PulsePrompt.round_id))
        .join(Person, col(Person.id) == col(PulsePrompt.person_id))
        .where(
            col(PulsePrompt.status).in_(("sent", "answered", "expired")),
            col(Person.path).startswith(prefix),
        )
    )
    own_banks = {
        s.id: schedule_bank(s)
        for s in session.exec(
            select(PulseSchedule).where(col(PulseSchedule.question_bank).is_not(None))
        )
    }
    for status, question_id, schedule_id, person in invited:
        if scope is not None and person.id == scope.id:
            continue
        team_path = person.path[: -len(f"{person.id}/")] or "/"
        theme = own_banks.get(schedule_id, bank).by_id(question_id).theme
        for kind, key in keys(team_path, person.department):
            bucket = buckets[(kind, key, theme)]
            bucket.invited += 1
            bucket.answered += status == "answered"

    rows: list[GroupRow] = []
    members: list[set[int]] = []
    for (kind, key, theme), bucket in buckets.items():
        rows.append(_row(kind, key, theme, bucket, by_path, min_group_size, scope))
        members.append(bucket.ids)
    _suppress_differences(rows, members, min_group_size)
    order = {"scope": 0, "department": 1, "team": 2}
    rows.sort(key=lambda r: (order[r.kind], r.department, r.group, r.theme))
    return Report(
        scope=scope.name if scope else "Whole organisation",
        min_group_size=min_group_size,
        rows=rows,
    )


def _row(
    kind: str,
    key: str,
    theme: str,
    bucket: _Bucket,
    by_path: dict[str, Person],
    min_size: int,
    scope: Person | None,
) -> GroupRow:
    if kind == "scope":
        group, department = (f"Everyone below {scope.name}" if scope else "Whole organisation"), ""
    elif kind == "department":
        group, department = key, key
    else:
        manager = by_path.get(key)
        group = f"Team of {manager.name}" if manager else "Top"
        department = manager.department if manager else ""
    respondents = len(bucket.scores)
    row = GroupRow(
        kind=kind,
        group=group,
        department=department,
        theme=theme,
        invited=bucket.invited,
        respondents=respondents,
        participation=round(bucket.answered / bucket.invited, 3) if bucket.invited else None,
        mean=round(fmean(s for _, s in bucket.scores), 2) if bucket.scores else None,
        trend=_trend(bucket.scores, min_size),
        sentiment=round(fmean(bucket.polarities), 3)
        if len(bucket.polarities) >= min_size
        else None,
        withheld=False,
    )
    if respondents < min_size or bucket.invited < min_size:
        _withhold(row)
    return row


def _trend(scores: list[tuple[str, int]], min_size: int) -> float | None:
    """Change of the mean between the two most recent weeks with enough answers."""
    by_week: dict[str, list[int]] = defaultdict(list)
    for week, score in scores:
        by_week[week].append(score)
    weeks = [w for w in sorted(by_week) if len(by_week[w]) >= min_size]
    if len(weeks) < 2:
        return None
    return round(fmean(by_week[weeks[-1]]) - fmean(by_week[weeks[-2]]), 2)


def _withhold(row: GroupRow) -> None:
    row.withheld = True
    row.invited = row.respondents = None
    row.participation = row.mean = row.trend = row.sentiment = None


def _suppress_differences(rows: list[GroupRow], members: list[set[int]], min_size: int) -> None:
    """Withhold more groups until no shown figures can be subtracted to reveal a small group.

    Two checks, repeated until nothing changes: a shown group containing another shown group
    must differ from it by zero or at least ``min_size`` answers (else the larger, less
    specific one is withheld, unless it is the scope total, then the smaller); and the scope
    total minus all shown groups of one kind (departments, or teams) must not leave a small
    remainder (else the smallest shown group of that kind is withheld).
    """
    changed = True
    while changed:
        changed = False
        for theme in {r.theme for r in rows}:
            shown = [i for i, r in enumerate(rows) if r.theme == theme and not r.withheld]
            for a in shown:
                for b in shown:
                    if a == b or rows[a].withheld or rows[b].withheld:
                        continue
                    outer, inner = members[a], members[b]
                    if inner < outer and len(outer - inner) < min_size:
                        _withhold(rows[b] if rows[a].kind == "scope" else rows[a])
                        changed = True
            totals = [i for i in shown if rows[i].kind == "scope" and not rows[i].withheld]
            for kind in ("department", "team"):
                for total in totals:
                    parts = [i for i in shown if rows[i].kind == kind and not rows[i].withheld]
                    remainder = len(members[total]) - sum(len(members[i]) for i in parts)
                    if parts and 0 < remainder < min_size:
                        _withhold(rows[min(parts, key=lambda i: len(members[i]))])
                        changed = True


def as_text(report: Report) -> str:
    """A compact plain-text report for chat."""
    themes = prompts.questions().themes
    withheld = prompts.text("report.withheld", min=report.min_group_size)
    if not report.rows:
        return prompts.text("report.nothing_yet")
    lines = [f"Customer-focus pulse: {report.scope}"]
    for r in report.rows:
        label = f"{r.group} - {themes.get(r.theme, r.theme)}"
        if r.withheld:
            lines.append(f"{label}: {withheld}")
            continue
        trend = "" if r.trend is None else f", trend {r.trend:+.2f}"
        mood = "" if r.sentiment is None else f", comment sentiment {r.sentiment:+.2f}"
        lines.append(
            f"{label}: mean {r.mean:.2f} from {r.respondents} answers "
            f"({r.participation:.0%} participation){trend}{mood}"
        )
    return "\n".join(lines)
