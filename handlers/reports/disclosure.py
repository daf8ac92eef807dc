"""The disclosure gate: the one place that decides which aggregates of people's answers may
leave culturebot, and formats them.

Every report (chat ``report``, ``culturebot report`` tables, JSON and CSV, the assessment
views, the dashboard) reads ``visible_cells`` (and ``combine``/``comments``); nothing else
aggregates answers.

The guarantee
-------------
For every viewer, and every union of viewers (they may share screenshots), and over all time:
no combination of the figures shown reveals the answers of fewer than ``min_group_size``
distinct people (default 5), or any difference between people; comments need
``min_comment_group_size`` distinct commenters (default 10).

The method, and why
-------------------
Statistical disclosure control offers three families: *restriction* (thresholds and cell
suppression, as Viva Glint's minimum of 5 for scores and 10 for comments, Culture Amp's
reporting group minimum and its comparison rules), *perturbation* (rounding, calibrated noise,
differential privacy) and *fixed publication* (statistical offices release a closed period
once). Noise makes small teams' figures useless (a team of 6 needs noise of the order of a
whole answer for any meaningful epsilon) and still leaks under repeated releases unless a
budget is tracked; managers would not trust figures that move by themselves. So culturebot
combines the others, as the anchors and statistical offices do:

1. **Fixed snapshots of closed periods.** Every pulse round has a ``period``: the ISO week
   of its local date ("2027-W10") while open; an assessment is "assessment:<id>". When a
   round closes, if its whole-round cell computed from that round alone passes the gate, the
   round and its answers move to a period of their own ("2027-W10-3.r12": week, weekday
   asked, round id; ``shown_alone``), published at the next tick; else they stay in the week.
   ``period`` is one column of the round and of each answer, so every answer is in exactly
   one period and no two periods overlap (nothing to subtract between them). A week is
   *closed* once it ended at least two days ago and all its remaining rounds have closed; a
   round's own period is closed at once. Only closed periods are published, once, into
   ``disclosure_cell``; a published cell never changes. Nothing is ever computed over a live
   period, so a figure never moves under a viewer (no subtraction over time), and a late
   answer cannot be isolated.
2. **People, not answers.** A cell counts distinct respondents, from ``pulse_prompt`` (status
   answered), never answers. Each answer belongs to an *atom*, (team path, department) of
   the answerer when they answered; the prompt records the same atom, so counting people per
   atom never joins an answer to a person.
3. **One global lattice** per (period, measure): ``org``; every ``department`` (org-wide);
   for every manager m, ``subtree`` (everyone strictly below m) and ``team`` (m's direct
   reports). Every viewer sees a subset of this one publication (employee: org, departments,
   own team; manager and leader: also every subtree and team in their own subtree; admin and
   the CLI: everything), so if the whole publication is safe, every view and every union of
   views is.
4. **Complementary cell suppression**, per (period, measure) (these are independent linear
   systems: no figure spans two periods or two measures; every derived figure, a several-week
   mean or a trend, is computed from shown cells only):

   - *primary*: a cell with fewer than k respondents is withheld ("small");
   - *hierarchy*: org, subtrees and teams form a laminar family. Bottom-up, a shown cell's
     *region* (the cell minus its maximal shown sub-cells) must hold 0 or at least k
     respondents; otherwise its smallest maximal shown sub-cell is withheld
     ("complementary"), and again;
   - *departments* cross the hierarchy. Every vector in the span of the shown cells gives
     each person ``a[region] + b[department]``, so the smallest group a combination of shown
     cells can single out is the minimum weighted cut of the bipartite graph between regions
     and shown departments (edge weight: respondents in both), where withheld departments and
     people outside every shown cell form one node pinned to zero. Edges of weight >= k are
     contracted (no cut through them is small), then each component's global minimum cut is
     found (Stoer-Wagner on the small contracted graph); while a cut below k exists, the cell
     with the fewest respondents on the side away from the pinned node is withheld.

   This is exact for the lattice (not a heuristic over pairs), near-linear in the number of
   atoms, and never pairwise over groups.
5. **Coarsened figures** as defence in depth: respondents as a band (5-9, 10-19, 20-49,
   50-99, 100-199, 200+; exact counts would help subtraction of counts), participation
   rounded to 10%, means to one decimal. Comment sentiment is shown only for a cell whose
   comment list is shown (point 6): one decision for both, since a reader who scores the
   texts of a larger list could otherwise match them to a small cell by its sentiment.
6. **Comments are sets** (``handlers/reports/comment_sets.py``): a reader can intersect and subtract
   lists of texts, not only add them. So with k = ``min_comment_group_size`` (counting
   people who commented), after the same suppression, every comment's *class* (the atoms
   whose comments appear in exactly the same shown lists: the deepest shown group on the
   atom's chain and its department if shown) must hold 0 or at least k commenters; where it
   does not, a list that sets it apart is withheld whole (the smaller one, or the
   department: whichever publication lists comments in more groups), so the comment is
   listed only in the larger group, or not at all. Someone who moved between two rounds of
   a week answered in two atoms; a class holding both counts them once (``pulse_atoms``
   finds them from the prompts alone). Decided once, when the period is
   published, for the whole publication (so for every viewer and union of viewers); periods
   published before this rule are checked again once (``recheck_comments``, which only
   withholds).
   Comments are listed in an order unrelated to answering (sorted by a hash of the text),
   without names, dates finer than the period, or any sub-group.

The API (what reports, assessments and the dashboard use)
-------------------------------------------------------
- ``visible_cells(session, viewer, since=, until=, measures=, kind="pulse", groups=, kinds=,
  roles=)``: the published ``Cell``s a viewer may see (``viewer=None``: everything), oldest
  period first; withheld cells come with ``shown=False`` and a ``reason``.
- ``combine(cells)``: a figure over several cells (e.g. four weeks), from shown cells only.
- ``comments(session, viewer, since=, until=, limit=)``: ``CommentGroup``s the viewer may read.
- ``publish_pulse_due(session, now, settings)``: publish every closed pulse period (weeks,
  and rounds published on their own)
  (``handlers.reports.publish.publish_due`` runs it for the scheduler's tick and
  ``culturebot report``, then the other kinds' periods). Other kinds of period (an assessment) call
  ``publish_period(session, period, kind, starts, ends, atoms, now, settings)`` once, when
  closed, with an ``Atom`` of figures per (measure, team path, department); assessments set
  ``kind="assessment"`` and get ``spread``.
- ``close_round(session, round_id, now, min_group_size)`` (the pulse tick) and
  ``period_for(session, day, now)`` (when a round is created).
- Live counts (the progress of a running check-in, an open assessment, a cascade's
  acknowledgements) move under the viewer, so they follow the gate's own rule for figures
  that move: ``handlers/reports/live_counts.progress``.

What this does not protect against (docs/privacy.md, "How anonymity is protected"): someone who
knows the answers of all but one member of a shown group learns the last one (true of any
published mean); a database administrator sees the pending answers of an open round next
to the prompts they came from until the round closes (and, on disk, until the next tick
scrubs them: ``storage/scrub.py``), and a team path names a small set of
people (a team of two is two people), which is why such a team is reported only inside the
level above it.
"""

from __future__ import annotations

import functools
import hashlib
import heapq
import json
import random
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, delete, func, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

import prompts
from bot.core.config import Settings
from handlers.common.banks import schedule_bank
from handlers.common.formatting import ROUND_PERIOD
from handlers.reports.atoms import Atom, AtomKey, Movers, assessment_atoms, unscored_count
from handlers.reports.comment_sets import Moved, suppress_sets
from storage import job_marks, people, scrub
from storage.disclosure_models import DisclosureCell, DisclosurePeriod
from storage.models import (
    Person,
    PulseAnswer,
    PulseAnswerPending,
    PulsePrompt,
    PulseRound,
    PulseSchedule,
)
from storage.sql import insert_rows
from storage.types import row_id, table_of

KINDS = ("org", "department", "subtree", "team")
BANDS = ((200, "200+"), (100, "100-199"), (50, "50-99"), (20, "20-49"), (10, "10-19"), (5, "5-9"))
CLOSE_AFTER = timedelta(days=2)  # a week is closed once it ended this long ago


# --- what leaves the gate ----------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One published figure for one group, period and measure (shown or withheld)."""

    period: str  # "2027-W10" | "assessment:3"
    measure: str  # pulse theme id, or assessment dimension id
    kind: str  # org | department | subtree | team
    key: str  # "" | department name | the manager's person path
    label: str  # "Whole organisation", "Support", "Everyone below Ava", "Team of Ben"
    shown: bool
    reason: str | None  # None | "small" | "complementary"
    respondents: str | None  # a band, e.g. "10-19"
    participation: float | None  # 0.0..1.0, rounded to 0.1
    mean: float | None  # one decimal (the eNPS measure: its eNPS, -100..100)
    sentiment: float | None
    spread: dict[int, float] | None  # share of each score 1..5 (eNPS: of each band), to 0.1
    comments_shown: bool = False
    # texts not scored (no measured scorer for their language): where the comment list is
    # shown, or of stories for the organisation; None: not published for this cell
    unscored: int | None = None
    # of a shown cell: people asked, people in the group when published, and which parts were
    # asked (equal fingerprints: the same people); None for cells published before
    invited: int | None = None
    population: int | None = None
    members: str | None = None
    # exact figures of a shown cell, only for combine(); never shown
    _answers: int | None = field(default=None, repr=False, compare=False)
    _total: float | None = field(default=None, repr=False, compare=False)

    @property
    def partial(self) -> bool:
        """Only part of the group was asked (a manager's check-in inside the organisation)."""
        return (
            self.invited is not None
            and self.population is not None
            and self.invited < self.population
        )

    @property
    def group(self) -> tuple[str, str]:
        return (self.kind, self.key)


@dataclass(frozen=True)
class Combined:
    """A figure over several shown cells (e.g. several weeks of one group)."""

    mean: float | None
    periods: int  # how many shown cells went into it


@dataclass(frozen=True)
class CommentGroup:
    period: str
    measure: str
    label: str
    comments: list[str]
    # beside each comment, its conversation reference ("" where the author did not ask for
    # anonymous replies: storage/conversations.py); random, so it orders and names nothing
    refs: list[str] = field(default_factory=list)
    # beside each comment, its detected language (bot/core/language.py; "" where none): the
    # text's own, so listing it tells nothing the text does not
    languages: list[str] = field(default_factory=list)


def band(n: int) -> str:
    for low, name in BANDS:
        if n >= low:
            return name
    return "2-4"


# --- eNPS --------------------------------------------------------------------------------
# The eNPS question is a measure of its own (``prompts.ENPS``) in the same lattice, so the
# same suppression decides its cells. Each answer counts +100 (promoter, 9-10), 0 (passive,
# 7-8) or -100 (detractor, 0-6): a cell's mean is then its eNPS (% promoters - % detractors),
# ``combine`` gives the eNPS over several weeks from shown cells alone, and the spread holds
# the bands' shares, keyed by each band's lowest score (0, 7, 9), rounded to 0.1 like the
# assessment's spread. A withheld cell stores none of them.
ENPS_BANDS = {0: "detractors", 7: "passives", 9: "promoters"}


def enps_points(score: int) -> int:
    return {"promoters": 100, "passives": 0, "detractors": -100}[prompts.enps_band(score)]


def enps_spread(scores: dict[int, int], answers: int) -> dict[int, float]:
    counts = dict.fromkeys(ENPS_BANDS, 0)
    for score, count in scores.items():
        counts[max(low for low in ENPS_BANDS if low <= score)] += count
    return {low: round(count / answers, 1) for low, count in counts.items()}


def enps_bands(cell: Cell) -> dict[str, float] | None:
    """A shown eNPS cell's bands: {"detractors": 0.3, "passives": 0.2, "promoters": 0.5}."""
    if cell.measure != prompts.ENPS or not cell.shown or not cell.spread:
        return None
    return {name: cell.spread.get(low, 0.0) for low, name in ENPS_BANDS.items()}


def combine(cells: Sequence[Cell]) -> Combined:
    """The mean over the shown cells among ``cells`` (withheld cells contribute nothing)."""
    shown = [c for c in cells if c.shown and c._answers]
    answers = sum(c._answers or 0 for c in shown)
    total = sum(c._total or 0.0 for c in shown)
    return Combined(mean=round(total / answers, 1) if answers else None, periods=len(shown))


# --- periods -----------------------------------------------------------------------------


def week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_bounds(period: str) -> tuple[date, date]:
    """Monday and Sunday of a pulse period's week (a round's period: the week it was asked)."""
    monday = date.fromisocalendar(int(period[:4]), int(period[6:8]), 1)
    return monday, monday + timedelta(days=6)


def round_period(day: date, round_id: int) -> str:
    """The period of a round published on its own: "2027-W10-3.r12" (the ISO week and
    weekday it was asked, and the round's id), so it sorts inside its week."""
    return f"{week_of(day)}-{day.isoweekday()}.r{round_id}"


def is_round_period(period: str) -> bool:
    return bool(ROUND_PERIOD.match(period))


def round_day(period: str) -> date:
    """The day a round period's round was asked."""
    return date.fromisocalendar(int(period[:4]), int(period[6:8]), int(period[9]))


def week_part(period: str) -> str:
    """The ISO week a pulse period belongs to: "2027-W10" for itself and its rounds."""
    return period[:8]


def last_weeks(periods: Iterable[str], n: int) -> list[str]:
    """The pulse periods, in the order given, of the latest ``n`` weeks among them: a week
    and the rounds of it published on their own are one week ("the last 4 weeks")."""
    found = list(periods)
    recent = set(sorted({week_part(p) for p in found})[-n:])
    return [p for p in found if week_part(p) in recent]


def is_published(session: Session, period: str) -> bool:
    return session.get(DisclosurePeriod, period) is not None


def period_for(session: Session, day: date, now: datetime) -> str:
    """The period of a round held on ``day``: its ISO week, or the current week if that one
    is already published (a published snapshot never changes)."""
    week = week_of(day)
    return week_of(now.date()) if is_published(session, week) else week


# --- publishing --------------------------------------------------------------------------


def publish_pulse_due(session: Session, now: datetime, settings: Settings) -> list[str]:
    """Publish every closed, unpublished pulse period (incremental): a round's own period at
    once, a week two days after it ended; return the periods published ("2027-W10-3.r12",
    "2027-W10"). handlers/reports/publish.py runs it, then the other kinds' periods."""
    recheck_comments(session, now, settings)
    done = []
    for period in _closed_unpublished(session):
        if now < publishable_at(period, now):
            continue
        if is_round_period(period):  # one closed round: nothing can join it, no waiting
            starts = round_day(period)
            closes = session.exec(
                select(func.max(PulseRound.closes_at)).where(PulseRound.period == period)
            ).one()
            ends = max(starts, closes.date()) if closes else starts
        else:
            starts, ends = week_bounds(period)
        atoms, movers = pulse_atoms(session, period)
        publish_period(session, period, "pulse", starts, ends, atoms, now, settings, movers)
        done.append(period)
    return done


def publishable_at(period: str, now: datetime) -> datetime:
    """When a pulse period may be published, its rounds all closed: a round's own period at
    once, a week ``CLOSE_AFTER`` past the end of its Sunday (in ``now``'s time zone, UTC)."""
    if is_round_period(period):
        return now
    _starts, ends = week_bounds(period)
    return datetime.combine(ends + timedelta(days=1), datetime.min.time(), now.tzinfo) + CLOSE_AFTER


def next_pulse_due(session: Session, now: datetime) -> datetime | None:
    """When ``publish_pulse_due`` could next publish, the database staying as it is (a week
    whose rounds are still open waits for their close, a write)."""
    if job_marks.read(session, COMMENT_SETS_MARK) is None:
        return now
    times = [publishable_at(period, now) for period in _closed_unpublished(session)]
    return max(now, min(times)) if times else None


def _closed_unpublished(session: Session) -> list[str]:
    """The pulse periods not published yet whose rounds are all closed, oldest first."""
    # only the periods not published yet whose rounds are all closed, in one read: every tick
    # runs this, and reading every round and every published period grew with the history
    published = (
        select(DisclosurePeriod.period)
        .where(col(DisclosurePeriod.period) == col(PulseRound.period))
        .exists()
    )
    periods = session.exec(
        select(PulseRound.period)
        .where(col(PulseRound.period).is_not(None), ~published)
        .group_by(col(PulseRound.period))
        .having(func.sum(case((col(PulseRound.closed).is_(False), 1), else_=0)) == 0)
    ).all()
    return [period for period in sorted(periods, key=str) if period]


COMMENT_SETS_MARK = "comment_sets_movers"  # job_mark: periods published before the set rule
# (as it now counts people who moved mid-week) checked again once


def recheck_comments(session: Session, now: datetime, settings: Settings) -> int:
    """Once per database: withhold the comment lists of periods published before comment
    lists were treated as sets (handlers/reports/comment_sets.py) that the set rule would not show.
    Only ever withholds (a list once read stays known; hiding it now tells nothing new), so
    a published figure still never changes. Returns the lists withheld."""
    if job_marks.read(session, COMMENT_SETS_MARK) is not None:
        return 0
    job_marks.write(session, COMMENT_SETS_MARK, now)
    cells = session.exec(
        select(DisclosureCell).where(col(DisclosureCell.comments_shown).is_(True))
    ).all()
    by_period: dict[str, list[DisclosureCell]] = defaultdict(list)
    for cell in cells:
        by_period[cell.period].append(cell)
    withheld = 0
    for period, listed in by_period.items():
        # the counts the period is published with (one piece of code for both)
        if period.startswith("assessment:"):
            found = assessment_atoms(session, int(period.split(":", 1)[1]))
            movers: Movers = {}
        else:
            found, movers = pulse_atoms(session, period)
        by_measure: dict[str, dict[tuple[str, str], int]] = defaultdict(dict)
        for (measure, team_path, department), atom in found.items():
            by_measure[measure][(team_path, department)] = atom.commenters
        for measure, atoms in by_measure.items():
            shown = {(c.kind, c.key): c for c in listed if c.measure == measure}
            if not shown:
                continue
            lattice = Lattice(atoms)
            reason = {n: None if n in shown else "withheld" for n in lattice.nodes}
            suppress_sets(
                lattice, atoms, reason, settings.min_comment_group_size, movers.get(measure)
            )
            for node, cell in shown.items():
                if reason.get(node) is not None:
                    cell.comments_shown = False
                    session.add(cell)
                    withheld += 1
    return withheld


def pulse_atoms(
    session: Session, period: str, round_id: int | None = None
) -> tuple[dict[AtomKey, Atom], Movers]:
    """The figures of a closed pulse period per (theme, team path, department), and the people
    who answered one theme in more than one atom (they moved between two rounds of the
    week): a group holding both atoms counts them once (handlers/reports/comment_sets.py).
    ``round_id``: that round of the period alone (``close_round`` weighs it on its own)."""
    bank = prompts.questions()
    own_banks = {
        s.id: schedule_bank(s)
        for s in session.exec(
            select(PulseSchedule).where(col(PulseSchedule.question_bank).is_not(None))
        )
    }
    atoms: dict[AtomKey, Atom] = defaultdict(Atom)
    # people: each counted once per theme, in the atom of their (first) answered prompt
    asked = session.execute(
        sa_select(
            col(PulseRound.schedule_id),
            col(PulseRound.question_id),
            col(PulsePrompt.person_id),
            col(PulsePrompt.status),
            col(PulsePrompt.team_path),
            col(PulsePrompt.department),
        )
        .join(PulseRound, col(PulseRound.id) == col(PulsePrompt.round_id))
        .where(
            col(PulseRound.period) == period,
            col(PulsePrompt.status) != "scheduled",
            *([col(PulseRound.id) == round_id] if round_id is not None else []),
        )
    ).all()
    placed: dict[tuple[str, int], tuple[AtomKey, bool]] = {}
    answered_in: dict[tuple[str, int], set[tuple[str, str]]] = defaultdict(set)
    for schedule_id, question_id, person_id, status, team_path, department in asked:
        theme = own_banks.get(schedule_id, bank).by_id(question_id).theme
        key = (theme, team_path or "/", department or "")
        answered = status == "answered"
        seen = placed.get((theme, person_id))
        if seen is None or (answered and not seen[1]):
            placed[(theme, person_id)] = (key, answered)
        if answered:
            answered_in[(theme, person_id)].add(key[1:])
    for key, answered in placed.values():
        atoms[key].invited += 1
        atoms[key].respondents += answered
    movers: Movers = defaultdict(Counter)
    for (theme, _person), where in answered_in.items():
        if len(where) > 1:
            movers[theme][frozenset(where)] += 1
    sums = session.execute(
        sa_select(
            col(PulseAnswer.theme),
            col(PulseAnswer.team_path),
            col(PulseAnswer.department),
            col(PulseAnswer.round_id),
            col(PulseAnswer.score),
            func.count(),
            func.count(col(PulseAnswer.comment)),
            func.count(col(PulseAnswer.polarity)),
            func.coalesce(func.sum(col(PulseAnswer.polarity)), 0.0),
            unscored_count(PulseAnswer.language, PulseAnswer.polarity),
        )
        .where(
            col(PulseAnswer.period) == period,
            *([col(PulseAnswer.round_id) == round_id] if round_id is not None else []),
        )
        .group_by(
            col(PulseAnswer.theme),
            col(PulseAnswer.team_path),
            col(PulseAnswer.department),
            col(PulseAnswer.round_id),
            col(PulseAnswer.score),
        )
    ).all()
    commented: dict[tuple[AtomKey, int], int] = defaultdict(int)
    for theme, team_path, department, round_id, score, n, comments, n_pol, pol, unscored in sums:
        atom = atoms[(theme, team_path, department)]
        atom.unscored += unscored
        atom.answers += n
        atom.total += (enps_points(score) if theme == prompts.ENPS else score) * n
        atom.scores[score] = atom.scores.get(score, 0) + n
        atom.polarity_n += n_pol
        atom.polarity_sum += float(pol)
        commented[((theme, team_path, department), round_id)] += comments
    for (key, _round), comments in commented.items():
        # within a round each person answers once; the most in any one round is a lower
        # bound on the distinct people who commented (counting never joins to a person)
        atoms[key].commenters = max(atoms[key].commenters, comments)
    for atom in atoms.values():
        if atom.answers and not atom.respondents:
            atom.respondents = 1  # answers whose people cannot be placed (old data): never 0
        atom.commenters = min(atom.commenters, atom.respondents)
    return dict(atoms), dict(movers)


def publish_period(
    session: Session,
    period: str,
    kind: str,
    starts: date,
    ends: date,
    atoms: dict[AtomKey, Atom],
    now: datetime,
    settings: Settings,
    movers: Movers | None = None,
) -> int:
    """Store the cells of one closed period (any kind: pulse weeks, assessments). Returns
    the number of cells stored. Call once per period; a published period never changes.
    ``movers``: people counted in more than one atom (``pulse_atoms``)."""
    session.add(
        DisclosurePeriod(period=period, kind=kind, starts=starts, ends=ends, published_at=now)
    )
    session.flush()
    names = _manager_names(session, {tp for _, tp, _ in atoms})
    headcount = _headcount(session)
    rows: list[dict[str, object]] = []
    by_measure: dict[str, dict[tuple[str, str], Atom]] = defaultdict(dict)
    for (measure, team_path, department), atom in atoms.items():
        by_measure[measure][(team_path, department)] = atom
    for measure, measure_atoms in by_measure.items():
        moved = (movers or {}).get(measure)
        rows.extend(_cells(period, kind, measure, measure_atoms, names, settings, moved, headcount))
    insert_rows(session, _CELL_TABLE, rows)  # every row has every key: one COPY on PostgreSQL
    return len(rows)


def _headcount(session: Session) -> Counter[tuple[str, str]]:
    """Active people per (team path, department) now: the size of every group when a period
    is published, to say how much of it was asked."""
    found: Counter[tuple[str, str]] = Counter()
    for path, department in session.exec(
        select(Person.path, Person.department).where(col(Person.active).is_(True))
    ):
        found[(_up(path), department or "")] += 1
    return found


def _population(node: Node, headcount: Counter[tuple[str, str]]) -> int:
    kind, key = node
    if kind == "org":
        return sum(headcount.values())
    if kind == "department":
        return sum(n for (_, d), n in headcount.items() if d == key)
    if kind == "team":
        return sum(n for (t, _), n in headcount.items() if t == key)
    return sum(n for (t, _), n in headcount.items() if t.startswith(key))


def _fingerprint(members: Iterable[tuple[str, str]]) -> str:
    """Which (team, department) parts a cell holds, as a short hash (compared, never shown)."""
    text = "\n".join(sorted(f"{t}\t{d}" for t, d in members))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _manager_names(session: Session, team_paths: set[str]) -> dict[str, str]:
    """The name of the person at the end of every path that leads to these teams."""
    paths = {p for tp in team_paths for p in _prefixes(tp)}
    ids = {int(p.rstrip("/").rsplit("/", 1)[-1]): p for p in paths}
    names: dict[str, str] = {}
    id_list = list(ids)
    for start in range(0, len(id_list), 500):
        chunk = id_list[start : start + 500]
        for person_id, name in session.exec(
            select(Person.id, Person.name).where(col(Person.id).in_(chunk))
        ):
            names[ids[row_id(person_id)]] = name
    return names


def _prefixes(team_path: str) -> list[str]:
    """ "/1/4/9/" -> ["/1/", "/1/4/", "/1/4/9/"] (the managers above and the team's own)."""
    parts = [p for p in team_path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def _label(kind: str, key: str, names: dict[str, str]) -> str:
    """The group's name as it is stored: in English whoever's request published it, with the
    manager's name as it was then; ``_read_label`` says it in each reader's language."""
    with prompts.speaking(prompts.ENGLISH):
        if kind == "org":
            return prompts.text("disclosure.org")
        if kind == "department":
            return key
        if key == "/":
            return prompts.text("disclosure.top")
        name = names.get(key, prompts.text("disclosure.someone"))
        return prompts.text(f"disclosure.{kind}", name=name)


_NAME = "\x00"  # stands for the name while a template is turned into a pattern


@functools.lru_cache(maxsize=64)
def _name_pattern(template: str) -> re.Pattern[str]:
    before, _, after = template.partition(_NAME)
    return re.compile(f"{re.escape(before)}(?P<name>.+){re.escape(after)}", re.DOTALL)


def _stored_name(kind: str, stored: str) -> str | None:
    """The manager's name inside a stored team or subtree label, whichever language it was
    stored in (English from now on; earlier, the language of whoever's request published it);
    None where no language's words fit (the label is then said as stored)."""
    for code in prompts.available_locales():
        with prompts.speaking(code):
            found = _name_pattern(prompts.text(f"disclosure.{kind}", name=_NAME)).fullmatch(stored)
            if found:
                return found["name"]
    return None


def _is_someone(name: str) -> bool:
    for code in prompts.available_locales():
        with prompts.speaking(code):
            if name == prompts.text("disclosure.someone"):
                return True
    return False


def _read_label(kind: str, key: str, stored: str) -> str:
    """A cell's group name in the reader's language, built when it is read from the cell's
    kind and key (and the manager's name the stored label holds)."""
    if kind == "org":
        return prompts.text("disclosure.org")
    if kind == "department":
        return stored
    if key == "/":
        return prompts.text("disclosure.top")
    name = _stored_name(kind, stored)
    if name is None:
        return stored
    if _is_someone(name):  # "a former manager" (no name left): said in this language too
        name = prompts.text("disclosure.someone")
    return prompts.text(f"disclosure.{kind}", name=name)


Labels = dict[tuple[str, str, str], str]  # (kind, key, stored label) -> as read now


def _label_of(row: Any, labels: Labels) -> str:
    """``_read_label`` once per group in one reading (a year of cells names few groups)."""
    found = (row.kind, row.key, row.label)
    if found not in labels:
        labels[found] = _read_label(*found)
    return labels[found]


def _cells(
    period: str,
    kind: str,
    measure: str,
    atoms: dict[tuple[str, str], Atom],
    names: dict[str, str],
    settings: Settings,
    movers: Moved | None,
    headcount: Counter[tuple[str, str]] | None = None,
) -> list[dict[str, object]]:
    lattice = Lattice(atoms)
    k = settings.min_group_size
    shown = lattice.suppress({a: x.respondents for a, x in atoms.items()}, k)
    commenters = {a: x.commenters for a, x in atoms.items()}
    # one decision for a cell's comments: its list, and their sentiment (a reader who
    # scores the texts of a larger list could match them to a small cell by sentiment)
    talk = lattice.suppress(commenters, settings.min_comment_group_size)
    # a mean over fewer people than the respondents (stories: only scored ones count) is a
    # figure of those people: it passes the suppression on them as well
    texts_in_mean = any(x.mean_people is not None for x in atoms.values())
    behind = {
        a: x.respondents if x.mean_people is None else x.mean_people for a, x in atoms.items()
    }
    averaged = lattice.suppress(behind, k) if texts_in_mean else shown
    suppress_sets(lattice, commenters, talk, settings.min_comment_group_size, movers)
    rows: list[dict[str, object]] = []
    for node in lattice.nodes:
        members = lattice.members[node]
        reason = shown[node]
        row: dict[str, object] = {
            "period": period,
            "measure": measure,
            "kind": node[0],
            "key": node[1],
            "label": _label(node[0], node[1], names),
            "shown": reason is None,
            "reason": reason,
            "respondents": None,
            "participation": None,
            "mean": None,
            "sentiment": None,
            "unscored": None,
            "spread": None,
            "comments_shown": False,
            "n": None,
            "answers": None,
            "total": None,
            "invited": None,
            "population": None,
            "members": None,
        }
        if reason is None:
            n = sum(atoms[a].respondents for a in members)
            invited = sum(atoms[a].invited for a in members)
            answers = sum(atoms[a].answers for a in members)
            total = sum(atoms[a].total for a in members)
            if averaged[node] is not None:  # too few people behind the mean: no mean
                answers, total = 0, 0.0
            row.update(
                respondents=band(n),
                participation=round(min(1.0, n / invited), 1) if invited else None,
                mean=round(total / answers, 1) if answers else None,
                n=n,
                answers=answers,
                total=total,
                invited=invited,
                # who was asked is no one's answer: the people of a group, and how many of
                # them a round went to, are what the organisation chart and the round say
                population=max(invited, _population(node, headcount)) if headcount else None,
                members=_fingerprint(members),
            )
            scores: dict[int, int] = defaultdict(int)
            for a in members:
                for score, count in atoms[a].scores.items():
                    scores[score] += count
            if answers and kind == "assessment":
                row["spread"] = json.dumps(
                    {s: round(scores.get(s, 0) / answers, 1) for s in range(1, 6)}
                )
            if answers and measure == prompts.ENPS:  # the eNPS bands, as shares
                row["spread"] = json.dumps(enps_spread(scores, answers))
            polarity_n = sum(atoms[a].polarity_n for a in members)
            row["comments_shown"] = talk[node] is None
            if row["comments_shown"] and polarity_n:
                polarity = sum(atoms[a].polarity_sum for a in members) / polarity_n
                row["sentiment"] = round(polarity, 1)
            if row["comments_shown"] or (texts_in_mean and node[0] == "org"):
                # how many texts were not scored: where their list is shown, what a reader
                # can count in it; of stories (shared texts), one count for the organisation
                row["unscored"] = sum(atoms[a].unscored for a in members)
        rows.append(row)
    return rows


# --- the suppression ---------------------------------------------------------------------

Node = tuple[str, str]  # (kind, key)
Z: Node = ("", "")  # everything no shown cell pins down


class Lattice:
    """The cells of one (period, measure) over its atoms, and the suppression."""

    def __init__(self, atoms: Iterable[tuple[str, str]]) -> None:
        self.atoms = list(atoms)
        self.members: dict[Node, list[tuple[str, str]]] = defaultdict(list)
        self.parent: dict[Node, Node | None] = {("org", ""): None}
        self.chain: dict[tuple[str, str], list[Node]] = {}
        for atom in self.atoms:
            team_path, department = atom
            chain = [("team", team_path)]
            self.parent.setdefault(("team", team_path), self._subtree_or_org(team_path))
            for prefix in reversed(_prefixes(team_path)):
                node = ("subtree", prefix)
                chain.append(node)
                self.parent.setdefault(node, self._subtree_or_org(_up(prefix)))
            chain.append(("org", ""))
            self.chain[atom] = chain
            for node in chain:
                self.members[node].append(atom)
            self.members[("department", department)].append(atom)
        self.nodes = sorted(self.members, key=lambda n: (KINDS.index(n[0]), n[1]))
        self.children: dict[Node, list[Node]] = defaultdict(list)
        for node, parent in self.parent.items():
            if parent is not None:
                self.children[parent].append(node)
        # deepest first: a team below its subtree, a subtree below its manager's
        self.bottom_up = sorted(
            self.parent, key=lambda n: (-n[1].count("/") - (n[0] == "team"), n[1])
        )

    @staticmethod
    def _subtree_or_org(path: str) -> Node:
        return ("subtree", path) if path != "/" else ("org", "")

    def suppress(self, weight: dict[tuple[str, str], int], k: int) -> dict[Node, str | None]:
        """For every cell: None when it may be shown, else why not ("small", "complementary")."""
        size = {node: sum(weight[a] for a in atoms) for node, atoms in self.members.items()}
        reason: dict[Node, str | None] = {n: (None if size[n] >= k else "small") for n in size}
        self._hierarchy(size, reason, k)
        while self._department_cut(weight, size, reason, k):
            pass
        return reason

    def _maximal_shown(self, node: Node, reason: dict[Node, str | None]) -> list[Node]:
        found = []
        for child in self.children.get(node, ()):
            if reason[child] is None:
                found.append(child)
            else:
                found.extend(self._maximal_shown(child, reason))
        return found

    def _hierarchy(self, size: dict[Node, int], reason: dict[Node, str | None], k: int) -> None:
        for node in self.bottom_up:
            if reason[node] is not None:
                continue
            subs = self._maximal_shown(node, reason)
            while subs:
                region = size[node] - sum(size[s] for s in subs)
                if region == 0 or region >= k:
                    break
                smallest = min(subs, key=lambda s: (size[s], s))
                reason[smallest] = "complementary"
                subs.remove(smallest)
                subs.extend(self._maximal_shown(smallest, reason))

    def _department_cut(
        self,
        weight: dict[tuple[str, str], int],
        size: dict[Node, int],
        reason: dict[Node, str | None],
        k: int,
    ) -> bool:
        """Find one combination of shown cells that singles out fewer than k people and
        withhold a cell to break it; False when there is none."""
        edges: dict[tuple[Node, Node], int] = defaultdict(int)
        for atom in self.atoms:
            w = weight[atom]
            if not w:
                continue
            region = next((n for n in self.chain[atom] if reason[n] is None), Z)
            department = ("department", atom[1])
            dept = department if reason[department] is None else Z
            if region != dept:
                edges[(region, dept)] += w
        # contract every edge of weight >= k: no cut through it is small
        boss: dict[Node, Node] = {}

        def find(x: Node) -> Node:
            while boss.get(x, x) != x:
                boss[x] = boss.get(boss[x], boss[x])
                x = boss[x]
            return x

        for (u, v), w in edges.items():
            if w >= k:
                ru, rv = find(u), find(v)
                if ru != rv:
                    boss[ru] = rv
        graph: dict[Node, dict[Node, int]] = defaultdict(lambda: defaultdict(int))
        groups: dict[Node, set[Node]] = defaultdict(set)
        for (u, v), w in edges.items():
            ru, rv = find(u), find(v)
            groups[ru].add(u)
            groups[rv].add(v)
            if ru != rv:
                graph[ru][rv] += w
                graph[rv][ru] += w
        present = {node for edge in edges for node in edge}
        for component in _components(graph):
            if len(component) < 2:
                continue
            cut, side = _min_cut({u: graph[u] for u in component}, below=k)
            if cut >= k:
                continue
            if find(Z) in component:  # withhold on the side away from the pinned node
                if find(Z) in side:
                    side = set(component) - side
            else:  # either side will do
                side = set(component)
            cells = [n for s in side for n in groups[s] if n != Z]
            victim = min(
                cells,
                key=lambda n: (not self._moves_out(n, side, find, present, reason), size[n], n),
            )
            reason[victim] = "complementary"
            return True
        return False

    def _moves_out(
        self,
        node: Node,
        side: set[Node],
        find: Callable[[Node], Node],
        present: set[Node],
        reason: dict[Node, str | None],
    ) -> bool:
        """Whether withholding ``node`` moves its people off ``side`` (breaking that cut):
        a department joins the pinned node, a region the nearest shown cell above it."""
        if node[0] == "department":
            return find(Z) not in side
        above = self.parent.get(node)
        while above is not None and reason[above] is not None:
            above = self.parent.get(above)
        if above is None:
            return find(Z) not in side
        # a region with nobody in it is the same group as this one: nothing would change
        return above in present and find(above) not in side


def _up(path: str) -> str:
    """ "/1/4/" -> "/1/"; "/1/" -> "/"."""
    return path[: path.rstrip("/").rfind("/") + 1]


def _components(graph: dict[Node, dict[Node, int]]) -> list[list[Node]]:
    seen: set[Node] = set()
    found = []
    for start in graph:
        if start in seen:
            continue
        stack, component = [start], []
        seen.add(start)
        while stack:
            node = stack.pop()
            component.append(node)
            for other in graph[node]:
                if other not in seen:
                    seen.add(other)
                    stack.append(other)
        found.append(component)
    return found


def _min_cut(graph: dict[Node, dict[Node, int]], below: int) -> tuple[int, set[Node]]:
    """Stoer-Wagner global minimum cut of a connected weighted graph: (weight, one side).
    Stops at the first cut lighter than ``below`` (any such cut will do)."""
    adj = {u: dict(vs) for u, vs in graph.items()}
    merged = {u: {u} for u in adj}
    best: tuple[int, set[Node]] = (1 << 62, set())
    # a single node's own edges are a cut: the cheapest check first
    for u, vs in adj.items():
        degree = sum(vs.values())
        if degree < best[0]:
            best = (degree, {u})
    if best[0] < below:
        return best
    while len(adj) > 1:
        start = next(iter(adj))
        added = {start}
        order = [start]
        attach: dict[Node, int] = defaultdict(int)
        heap: list[tuple[int, int, Node]] = []
        tie = 0
        for v, w in adj[start].items():
            attach[v] += w
            tie += 1
            heapq.heappush(heap, (-attach[v], tie, v))
        while len(order) < len(adj):
            while True:
                if not heap:
                    v = next(x for x in adj if x not in added)
                    break
                negative, _, v = heapq.heappop(heap)
                if v not in added and -negative == attach[v]:
                    break
            added.add(v)
            order.append(v)
            for x, w in adj[v].items():
                if x not in added:
                    attach[x] += w
                    tie += 1
                    heapq.heappush(heap, (-attach[x], tie, x))
        s, t = order[-2], order[-1]
        if attach[t] < best[0]:
            best = (attach[t], set(merged[t]))
            if best[0] < below:
                return best
        for x, w in adj.pop(t).items():
            if x == s:
                adj[s].pop(t, None)
                continue
            adj[x].pop(t, None)
            adj[s][x] = adj[s].get(x, 0) + w
            adj[x][s] = adj[x].get(s, 0) + w
        merged[s] |= merged.pop(t)
    return best


# --- reading -----------------------------------------------------------------------------


def visible_cells(
    session: Session,
    viewer: Person | None,
    *,
    since: date | None = None,
    until: date | None = None,
    measures: Iterable[str] | None = None,
    kind: str = "pulse",
    groups: Iterable[tuple[str, str]] | None = None,
    kinds: Iterable[str] | None = None,
    roles: Iterable[str] | None = None,
) -> list[Cell]:
    """Every published cell this viewer may see (``viewer=None``: the admin's full view),
    oldest period first. ``groups`` narrows to some (kind, key) pairs, ``kinds`` to some
    kinds of group; ``roles`` are the viewer's roles (handlers.home.basics.roles_of), if known."""
    # the periods are few (one a week): chosen here, so the cell queries use their index
    periods = {
        p.period: p.starts
        for p in session.exec(select(DisclosurePeriod).where(DisclosurePeriod.kind == kind))
        if (since is None or p.ends >= since) and (until is None or p.starts <= until)
    }
    if not periods:
        return []
    scope = visible_scope(session, viewer, roles)
    queries = []
    if groups is not None:  # some groups: by kind, keys listed (the (kind, key) index)
        by_kind: dict[str, list[str]] = defaultdict(list)
        for group_kind, key in groups:
            if _may_see(scope, group_kind, key):
                by_kind[group_kind].append(key)
        for group_kind, keys in by_kind.items():
            for start in range(0, len(keys), 500):
                queries.append(
                    _CELL_ROWS.where(
                        DisclosureCell.kind == group_kind,
                        col(DisclosureCell.key).in_(keys[start : start + 500]),
                    )
                )
    if kinds is not None:
        for group_kind in kinds:
            query = _CELL_ROWS.where(DisclosureCell.kind == group_kind)
            if group_kind in ("subtree", "team") and scope is not None:
                own_team, below = scope
                mine = [
                    and_(col(DisclosureCell.kind) == "team", col(DisclosureCell.key) == own_team)
                ]
                if below is not None:
                    mine.append(col(DisclosureCell.key).startswith(below))
                query = query.where(or_(*mine))
            queries.append(query)
    if groups is None and kinds is None:
        query = _CELL_ROWS
        if scope is not None:
            own_team, below = scope
            allowed = [
                col(DisclosureCell.kind).in_(("org", "department")),
                and_(col(DisclosureCell.kind) == "team", col(DisclosureCell.key) == own_team),
            ]
            if below is not None:
                allowed.append(
                    and_(
                        col(DisclosureCell.kind).in_(("subtree", "team")),
                        col(DisclosureCell.key).startswith(below),
                    )
                )
            query = query.where(or_(*allowed))
        queries.append(query)
    wanted = set(measures) if measures is not None else None
    if len(periods) <= 500:  # the periods asked for, in SQL: other kinds' cells stay unread
        queries = [q.where(col(DisclosureCell.period).in_(list(periods))) for q in queries]
    cells: dict[int, Cell] = {}
    labels: Labels = {}
    for query in queries:
        for row in session.execute(query):  # plain rows: an export reads a year of cells
            if row.period in periods and (wanted is None or row.measure in wanted):
                cells[row.id] = _cell(row, labels)
    return [cells[i] for i in sorted(cells, key=lambda i: (periods[cells[i].period], i))]


def _may_see(scope: tuple[str, str | None] | None, kind: str, key: str) -> bool:
    if scope is None or kind in ("org", "department"):
        return True
    own_team, below = scope
    if kind == "team" and key == own_team:
        return True
    return below is not None and key.startswith(below)


def visible_scope(
    session: Session, viewer: Person | None, roles: Iterable[str] | None = None
) -> tuple[str, str | None] | None:
    """None for the full view; else (own team path, path of the subtree they may see)."""
    if viewer is None or viewer.role == "admin":
        return None

    roles = set(roles) if roles is not None else set()
    manages = "manager" in roles or people.has_reports(session, viewer)
    return people.team_path(session, viewer), (viewer.path if manages else None)


_CELL_TABLE = table_of(DisclosureCell)
_CELL_ROWS = select(*_CELL_TABLE.columns)


def _cell(row: Any, labels: Labels) -> Cell:
    return Cell(
        period=row.period,
        measure=row.measure,
        kind=row.kind,
        key=row.key,
        label=_label_of(row, labels),
        shown=row.shown,
        reason=row.reason,
        respondents=row.respondents,
        participation=row.participation,
        mean=row.mean,
        # cells published before sentiment followed the comment list, and lists withheld
        # later by ``recheck_comments``: the list's decision is the sentiment's
        sentiment=row.sentiment if row.comments_shown else None,
        unscored=row.unscored,
        spread={int(s): v for s, v in json.loads(row.spread).items()} if row.spread else None,
        comments_shown=row.comments_shown,
        invited=row.invited,
        population=row.population,
        members=row.members,
        _answers=row.answers,
        _total=row.total,
    )


def comments(
    session: Session,
    viewer: Person | None,
    *,
    since: date | None = None,
    roles: Iterable[str] | None = None,
    until: date | None = None,
    limit: int | None = None,
) -> list[CommentGroup]:
    """The comments of every published comment cell this viewer may see, per cell (newest
    week first), in an order that says nothing about who wrote them or when. ``limit``:
    stop once that many comments are gathered (chat shows about 40 lines); which lists may
    be shown was decided when each week was published, so reading only looks them up."""
    scope = visible_scope(session, viewer, roles)
    weeks = sorted(
        (
            p
            for p in session.exec(select(DisclosurePeriod).where(DisclosurePeriod.kind == "pulse"))
            if (since is None or p.ends >= since) and (until is None or p.starts <= until)
        ),
        key=lambda p: p.starts,
        reverse=True,
    )
    groups: list[CommentGroup] = []
    labels: Labels = {}
    listed: set[tuple[str, str, frozenset[str]]] = set()
    gathered = 0
    for week in weeks:
        rows = session.execute(
            _CELL_ROWS.where(
                DisclosureCell.period == week.period,
                col(DisclosureCell.shown).is_(True),
                col(DisclosureCell.comments_shown).is_(True),
            ).order_by(col(DisclosureCell.id))  # broadest group first
        )
        for cell in (_cell(r, labels) for r in rows if _may_see(scope, r.kind, r.key)):
            if limit is not None and gathered >= limit:
                return groups
            query = select(
                PulseAnswer.comment, PulseAnswer.conversation_ref, PulseAnswer.language
            ).where(
                PulseAnswer.period == cell.period,
                PulseAnswer.theme == cell.measure,
                col(PulseAnswer.comment).is_not(None),
            )
            if cell.kind == "department":
                query = query.where(PulseAnswer.department == cell.key)
            elif cell.kind == "team":
                query = query.where(PulseAnswer.team_path == cell.key)
            elif cell.kind == "subtree":
                query = query.where(col(PulseAnswer.team_path).startswith(cell.key))
            found = [(t, ref or "", code or "") for t, ref, code in session.exec(query) if t]
            found.sort(key=lambda c: (hashlib.sha256(c[0].encode()).hexdigest(), c[1]))
            texts = [t for t, _, _ in found]
            same = (cell.period, cell.measure, frozenset(texts))
            if texts and same not in listed:  # a group identical to one listed is one group
                listed.add(same)
                refs = [ref for _, ref, _ in found]
                codes = [code for _, _, code in found]
                groups.append(
                    CommentGroup(cell.period, cell.measure, cell.label, texts, refs, codes)
                )
                gathered += len(texts)
    return groups


# --- closing rounds ----------------------------------------------------------------------


def close_round(session: Session, round_id: int, now: datetime, min_group_size: int) -> int:
    """Move a closed round's pending answers into pulse_answer, all at once, in shuffled
    order, and touch every prompt of the round in the same transaction (so on PostgreSQL
    they all share one xmin and nothing orders them). The deleted pending rows' old versions
    still share the answering transactions' ids with the prompts' old versions: the table is
    marked for ``storage.scrub``, which the tick runs once this commits. A round whose
    whole-round cell passes the gate becomes a period of its own (``shown_alone``), published
    by the next ``publish_pulse_due`` without waiting for its week. Returns the answers
    moved."""
    round_ = session.get(PulseRound, round_id)
    if round_ is None or round_.closed:
        return 0
    if round_.period is None:
        day = round_.local_date or round_.created_at.date()
        round_.period = period_for(session, day, now)
    # the atom of everyone asked who did not answer: where they sit now
    asked, boss = aliased(Person), aliased(Person)
    team_path = (
        select(boss.path)
        .join(asked, col(asked.manager_id) == col(boss.id))
        .where(col(asked.id) == col(PulsePrompt.person_id))
        .scalar_subquery()
    )
    department = (
        select(asked.department)
        .where(col(asked.id) == col(PulsePrompt.person_id))
        .scalar_subquery()
    )
    session.execute(
        update(PulsePrompt)
        .where(col(PulsePrompt.round_id) == round_id, col(PulsePrompt.team_path).is_(None))
        .values(team_path=func.coalesce(team_path, "/"), department=department)
    )
    session.execute(
        update(PulsePrompt).where(col(PulsePrompt.round_id) == round_id).values(closed=True)
    )
    # decided before the answers are written, so they are written once, in their period (an
    # UPDATE would leave a second version of each on disk)
    round_.period = shown_alone(session, round_, min_group_size) or round_.period
    pending = list(
        session.exec(select(PulseAnswerPending).where(PulseAnswerPending.round_id == round_id))
    )
    random.SystemRandom().shuffle(pending)
    if pending:
        insert_rows(
            session,
            table_of(PulseAnswer),
            [
                {
                    "round_id": a.round_id,
                    "period": round_.period,
                    "question_id": a.question_id,
                    "theme": a.theme,
                    "team_path": a.team_path,
                    "department": a.department,
                    "score": a.score,
                    "comment": a.comment,
                    "language": a.language,
                    "polarity": a.polarity,
                    "subjectivity": a.subjectivity,
                    "conversation_ref": a.conversation_ref,
                }
                for a in pending
            ],
        )
        session.execute(
            delete(PulseAnswerPending).where(col(PulseAnswerPending.round_id) == round_id)
        )
    round_.closed = True
    round_.live_floor = None  # its live count is no longer shown (handlers/reports/live_counts.py)
    session.add(round_)
    scrub.mark_due(session, "pulse_answer_pending", now)  # the deleted rows' old versions
    return len(pending)


def shown_alone(session: Session, round_: PulseRound, min_group_size: int) -> str | None:
    """The period of its own a closing round gets (its answers and the round itself: ``period``
    is one column of each, so every answer and every prompt stays in exactly one period) when
    its whole-round cell, from this round's answered prompts alone, passes the gate; else None:
    it stays in its week, pooled with the week's other rounds, published as before. Decided
    once, at close, from the round's own closed counts: nothing later can join it."""
    week = round_.period
    if week is None or is_round_period(week) or is_published(session, week):
        return None
    atoms, _ = pulse_atoms(session, week, round_id=row_id(round_.id))
    by_measure: dict[str, dict[tuple[str, str], int]] = defaultdict(dict)
    for (measure, team_path, department), atom in atoms.items():
        by_measure[measure][(team_path, department)] = atom.respondents
    if not by_measure:
        return None
    for weights in by_measure.values():
        if Lattice(weights).suppress(weights, min_group_size)[("org", "")] is not None:
            return None  # withheld, with its reason
    return round_period(round_.local_date or round_.created_at.date(), row_id(round_.id))
