"""Stories and ideas through the disclosure gate: each closed week is published once, as its
own period ("stories:2027-W10", kind ``stories``), with the measures ``story`` and ``idea``.

A cell counts the distinct people who shared (in bands), and its mean is their stories' mean
polarity (of the stories that were scored: one in a language with no measured scorer is
counted in ``unscored`` instead, handlers/common/sentiment.py); it is withheld under ``min_group_size`` and by complementary suppression, exactly
as pulse figures (handlers/reports/disclosure.py). Nothing about stories is computed over a week
still open: a figure read on Monday and again on Tuesday could be subtracted to one story,
and a window cut by day to one day's stories. Each person is placed once per week and
measure, in the (team path, department) of their first story that week.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from bot.core.config import Settings
from handlers.reports import disclosure
from handlers.reports.disclosure import Atom, AtomKey
from storage.disclosure_models import DisclosurePeriod
from storage.stories import Story

KIND = "stories"
MEASURES = ("story", "idea")


def period_of(week: str) -> str:
    """ "2027-W10" -> "stories:2027-W10" (periods are unique across kinds)."""
    return f"{KIND}:{week}"


def week_of(period: str) -> str:
    return period.removeprefix(f"{KIND}:")


def story_atoms(session: Session, starts: date, ends: date) -> dict[AtomKey, Atom]:
    """The figures of one week's stories and ideas per (kind, team path, department)."""
    rows = session.execute(
        sa_select(
            col(Story.id),
            col(Story.kind),
            col(Story.author_id),
            col(Story.team_path),
            col(Story.department),
            col(Story.polarity),
            col(Story.language),
        )
        .where(
            col(Story.created_at) >= _instant(starts),
            col(Story.created_at) < _instant(ends + timedelta(days=1)),
        )
        .order_by(col(Story.created_at), col(Story.id))
    ).all()
    atoms: dict[AtomKey, Atom] = defaultdict(Atom)
    placed: dict[tuple[str, object], AtomKey] = {}
    scored: dict[AtomKey, set[object]] = defaultdict(set)
    for story_id, kind, author_id, team_path, department, polarity, language in rows:
        who = author_id if author_id is not None else f"erased:{story_id}"
        key = placed.get((kind, who))
        if key is None:  # the person's first story this week decides their atom
            key = placed[(kind, who)] = (kind, team_path or "/", department or "")
            atoms[key].respondents += 1
        if polarity is not None:
            atoms[key].answers += 1
            atoms[key].total += polarity
            scored[key].add(who)
        elif language is not None:
            atoms[key].unscored += 1
    for key, atom in atoms.items():
        atom.mean_people = len(scored[key])  # the mean is theirs: the gate checks them too
    return dict(atoms)


def _instant(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def _next_week(session: Session) -> date | None:
    """The Monday of the first week not published yet (None: no story yet)."""
    last = session.exec(
        select(func.max(DisclosurePeriod.starts)).where(DisclosurePeriod.kind == KIND)
    ).one()
    if last is not None:
        return last + timedelta(weeks=1)
    first = session.exec(select(func.min(Story.created_at))).one()
    if first is None:
        return None
    return first.date() - timedelta(days=first.weekday())


def publishable_at(monday: date) -> datetime:
    """When the week of ``monday`` may be published."""
    return _instant(monday + timedelta(days=7)) + disclosure.CLOSE_AFTER


def next_due(session: Session, now: datetime) -> datetime | None:
    """When ``publish_due`` could next publish (the database staying as it is)."""
    monday = _next_week(session)
    return None if monday is None else max(now, publishable_at(monday))


def publish_due(session: Session, now: datetime, settings: Settings) -> list[str]:
    """Publish every closed week of stories not yet published, oldest first (incremental:
    it starts after the newest published one); returns the periods published."""
    monday = _next_week(session)
    if monday is None:
        return []
    done: list[str] = []
    while True:
        sunday = monday + timedelta(days=6)
        if now < publishable_at(monday):
            return done
        period = period_of(disclosure.week_of(monday))
        atoms = story_atoms(session, monday, sunday)
        disclosure.publish_period(session, period, KIND, monday, sunday, atoms, now, settings)
        done.append(period)
        monday += timedelta(weeks=1)
