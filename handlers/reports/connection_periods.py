"""Connectedness through the disclosure gate: "this helps my team" clicks between departments,
published once per closed block of four weeks.

A figure is one (reader's department, story's department) pair: how many distinct people of
the reader's department found that department's stories helpful in the block, as a band,
withheld under ``min_group_size``. Each pair is its own measure of one period
("connectedness:2027-W08", kind ``connectedness``) published by ``disclosure.publish_period``,
so the gate's rules hold as for pulse figures: people, not clicks; bands; published once,
never changed. No total per department (a row or a column of the matrix) is published, so no
published figure is a sum of others and the gate's complementary suppression has nothing to
subtract; a click counts in one pair only, as one person.

Why blocks of four weeks and not weeks: a pair is shown only once 5 people of one department
found another's stories helpful. A department reads one digest of a few stories a week, and
clicks are rare, so in a realistic organisation a weekly pair would almost never reach 5 and
connectedness would stay blank. The blocks are fixed (every fourth Monday, counted from
Monday 1 January 2001) and never overlap, so no two published figures differ by a few weeks
that could be subtracted, and a period asked for (``--since/--until``) reads every block it
touches, whole. A block is published once it ended ``disclosure.CLOSE_AFTER`` ago.

A click on an anonymous story counts only when its department may be named
(handlers/reports/anonymity.py): a pair would otherwise name it. A person counts once per pair and
block, in the department they were in at their first click of the pair in the block.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from bot.core.config import Settings
from handlers.reports import anonymity, disclosure
from handlers.reports.disclosure import Atom, AtomKey
from storage.disclosure_models import DisclosurePeriod
from storage.models import Person
from storage.stories import Story, StoryReaction

KIND = "connectedness"
BLOCK_WEEKS = 4
EPOCH = date(2001, 1, 1)  # a Monday: blocks are counted from it, so they never overlap


@dataclass(frozen=True)
class Pair:
    """A shown figure: people of ``reader`` who found ``story``'s stories helpful."""

    block: str  # the block's first ISO week, "2027-W08"
    reader: str
    story: str
    people: str  # a band, e.g. "5-9"


def block_start(day: date) -> date:
    """The Monday the four-week block holding ``day`` starts on."""
    return day - timedelta(days=(day - EPOCH).days % (7 * BLOCK_WEEKS))


def measure_of(reader: str, story: str) -> str:
    """A pair's measure: department names may be long, a measure holds 40 characters."""
    return "pair:" + hashlib.sha256(f"{reader}\n{story}".encode()).hexdigest()[:32]


def pair_atoms(session: Session, starts: date, ends: date, k: int) -> dict[AtomKey, Atom]:
    """The block's clicks per pair: one atom per pair, its people counted once."""
    named = anonymity.named_departments(anonymity.department_sizes(session), k)
    rows = session.exec(
        select(StoryReaction.person_id, StoryReaction.department, Story.department)
        .join(Story, col(Story.id) == col(StoryReaction.story_id))
        .where(
            col(StoryReaction.created_at) >= _instant(starts),
            col(StoryReaction.created_at) < _instant(ends + timedelta(days=1)),
            or_(col(Story.consent) != "anonymous", col(Story.department).in_(named)),
        )
        .order_by(col(StoryReaction.created_at), col(StoryReaction.id))
    ).all()
    atoms: dict[AtomKey, Atom] = defaultdict(Atom)
    counted: set[tuple[int, str]] = set()
    for person, reader, author in rows:
        if reader == author or (person, author) in counted:
            continue
        counted.add((person, author))
        atoms[(measure_of(reader, author), "/", reader)].respondents += 1
    return dict(atoms)


def _instant(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def _next_block(session: Session) -> date | None:
    """The Monday of the first block not published yet (None: no story yet)."""
    last = session.exec(
        select(func.max(DisclosurePeriod.starts)).where(DisclosurePeriod.kind == KIND)
    ).one()
    if last is not None:
        return last + timedelta(weeks=BLOCK_WEEKS)
    first = session.exec(select(func.min(Story.created_at))).one()
    if first is None:
        return None
    return block_start(first.date())


def publishable_at(monday: date) -> datetime:
    """When the block starting ``monday`` may be published."""
    return _instant(monday + timedelta(weeks=BLOCK_WEEKS)) + disclosure.CLOSE_AFTER


def next_due(session: Session, now: datetime) -> datetime | None:
    """When ``publish_due`` could next publish (the database staying as it is)."""
    monday = _next_block(session)
    return None if monday is None else max(now, publishable_at(monday))


def publish_due(session: Session, now: datetime, settings: Settings) -> list[str]:
    """Publish every closed block not yet published, oldest first, from the block of the
    first story on (a block without clicks is published too: it says "none connected")."""
    monday = _next_block(session)
    if monday is None:
        return []
    done: list[str] = []
    while True:
        ends = monday + timedelta(weeks=BLOCK_WEEKS, days=-1)
        if now < publishable_at(monday):
            return done
        period = f"{KIND}:{disclosure.week_of(monday)}"
        atoms = pair_atoms(session, monday, ends, settings.min_group_size)
        disclosure.publish_period(session, period, KIND, monday, ends, atoms, now, settings)
        done.append(period)
        monday += timedelta(weeks=BLOCK_WEEKS)


def published(
    session: Session, since: date | None = None, until: date | None = None
) -> tuple[list[DisclosurePeriod], list[Pair]]:
    """The published blocks that touch ``since``..``until`` (neither: the latest one) and
    their shown pairs, oldest block first. Every viewer sees the same whole-organisation
    figures, so no viewer is needed."""
    query = select(DisclosurePeriod).where(DisclosurePeriod.kind == KIND)
    if since is None and until is None:
        query = query.order_by(col(DisclosurePeriod.starts).desc()).limit(1)
    else:
        if since is not None:
            query = query.where(col(DisclosurePeriod.ends) >= since)
        if until is not None:
            query = query.where(col(DisclosurePeriod.starts) <= until)
    blocks = sorted(session.exec(query).all(), key=lambda b: b.starts)
    if not blocks:
        return [], []
    cells = disclosure.visible_cells(
        session,
        None,
        since=blocks[0].starts,
        until=blocks[-1].ends,
        kind=KIND,
        kinds=("department",),
    )
    shown = [c for c in cells if c.shown]
    departments = set(session.exec(select(Person.department).distinct()).all())
    departments |= set(session.exec(select(Story.department).distinct()).all())
    readers = {c.key for c in shown}
    names = {measure_of(r, d): d for r in readers for d in departments}  # the pairs, back
    pairs = [
        Pair(c.period.removeprefix(f"{KIND}:"), c.key, names[c.measure], c.respondents)
        for c in shown
        if c.measure in names and c.respondents
    ]
    return blocks, pairs
