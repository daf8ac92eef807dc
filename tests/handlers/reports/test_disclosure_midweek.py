"""Rounds that close mid-week are published at once (issue 25), and the time, subtraction and
collusion attacks still give nothing away.

The attacker reads every published cell (the union of every viewer's view: colluders pooling
screenshots see no more) at every moment, knows the organisation, every round and who
answered it (the worst case), and solves the linear system over *answers*: one unknown per
(round, person), one equation per shown figure (the sum of the answers it counts). An answer
counted in two periods (a round published on its own and again in its week) would let one
figure be subtracted from another; here each shown figure is one equation, so that would be
found as a determined answer, difference or small group.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from itertools import combinations

import pytest
from sqlmodel import select

import prompts
from bot.app import run_due
from bot.core.chat import Incoming
from bot.core.config import Settings
from handlers.common.formatting import week_words
from handlers.reports import disclosure
from storage.db import Database
from storage.disclosure_models import DisclosureCell, DisclosurePeriod
from storage.models import Person, PulsePrompt, PulseRound
from tests.attack import determined_vectors, report_json, shown_means
from tests.handlers.reports.test_disclosure_attacks import BELOW_MO, CROSSING, TEAM_A, TEAM_B
from tests.support import add_schedule, answer, import_org

WEDNESDAY = datetime(2027, 3, 3, tzinfo=UTC)  # the clock starts on Monday 1 March 2027


@pytest.fixture
def settings(database: Database) -> Settings:
    """Two days to answer: a check-in started on Monday morning closes on Wednesday."""
    return Settings(database_url=database.url, answer_window_hours=48, _env_file=None)  # type: ignore[call-arg]


def at(runtime, when: datetime) -> None:  # type: ignore[no-untyped-def]
    runtime.clock.advance(when - runtime.clock.now())
    run_due(runtime)


def published(runtime) -> dict[tuple[str, str, str, str], DisclosureCell]:  # type: ignore[no-untyped-def]
    with runtime.db.session() as session:
        return {
            (c.period, c.measure, c.kind, c.key): c
            for c in session.exec(select(DisclosureCell)).all()
        }


def leaks(runtime, k: int = 5) -> list[object]:  # type: ignore[no-untyped-def]
    """Every answer, difference of two answers of a round, or answers of a group of fewer
    than ``k`` in a round that the shown figures of every period together determine."""
    theme = {q.id: q.theme for q in prompts.questions().questions}
    with runtime.db.session() as session:
        period = {r.id: (r.period, theme[r.question_id]) for r in session.exec(select(PulseRound))}
        answered = session.exec(
            select(
                PulsePrompt.round_id, Person.email, PulsePrompt.team_path, PulsePrompt.department
            )
            .join(Person, Person.id == PulsePrompt.person_id)
            .where(PulsePrompt.status == "answered")
        ).all()
        cells = [c for c in disclosure.visible_cells(session, None) if c.shown]

    def inside(cell: disclosure.Cell, team_path: str, department: str) -> bool:
        return {
            "org": True,
            "department": department == cell.key,
            "team": team_path == cell.key,
            "subtree": team_path.startswith(cell.key),
        }[cell.kind]

    equations = [
        {
            f"{r}:{email}"
            for r, email, team_path, department in answered
            if period[r] == (cell.period, cell.measure) and inside(cell, team_path, department)
        }
        for cell in cells
    ]
    per_round: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    for r, email, team_path, department in answered:
        per_round[r].append((f"{r}:{email}", team_path, department))
    targets: list[dict[str, float]] = []
    for found in per_round.values():
        names = [name for name, _, _ in found]
        targets += [{name: 1.0} for name in names]
        targets += [{a: 1.0, b: -1.0} for a, b in combinations(names, 2)]
        groups: dict[tuple[str, str], set[str]] = defaultdict(set)
        for name, team_path, department in found:
            for prefix in {team_path[: i + 1] for i, c in enumerate(team_path) if c == "/"}:
                groups[("subtree", prefix)].add(name)
            groups[("team", team_path)].add(name)
            groups[("department", department)].add(name)
            groups[("team+department", team_path + department)].add(name)
        targets += [dict.fromkeys(g, 1.0) for g in groups.values() if 0 < len(g) < k]
    variables = sorted({name for found in per_round.values() for name, _, _ in found})
    hits = determined_vectors(equations, targets, variables)
    return [t for t, hit in zip(targets, hits, strict=True) if hit]


def test_a_checkin_closing_on_a_wednesday_is_published_that_day_and_never_changes(
    runtime, chat
) -> None:
    """Mo's check-in of Monday closes on Wednesday: his report on Thursday shows it (not "No
    results yet"), under the day it was asked; the figure is the same a month later, and
    nothing a viewer reads before, at or after it gives a smaller group away."""
    import_org(runtime, CROSSING)
    at(runtime, datetime(2027, 3, 1, 10, tzinfo=UTC))
    assert "Check-in started" in chat("mo@x.io").say("checkin")
    scores = {"ann@x.io": 2, "bob@x.io": 1} | dict.fromkeys(TEAM_A, 1)
    scores |= {email: 4 + i % 2 for i, email in enumerate(TEAM_B)}
    snapshots = []
    for email, score in scores.items():
        answer(chat, email, score)
        snapshots.append(sorted(shown_means(report_json(runtime, "mo@x.io"))))
    assert snapshots[-1] == [], "nothing is shown while the check-in is open"

    at(runtime, datetime(2027, 3, 3, 10, 10, tzinfo=UTC))  # Wednesday, just after it closed
    with runtime.db.session() as session:
        periods = session.exec(select(DisclosurePeriod.period)).all()
    assert len(periods) == 1 and disclosure.is_round_period(periods[0]), periods
    at(runtime, datetime(2027, 3, 4, 9, tzinfo=UTC))  # Thursday, day 1 after it closed
    text = chat("mo@x.io").say("report")
    assert "No results yet" not in text
    assert "check-in of Mon 1 Mar 2027" in text and "Everyone below Mo" in text
    first = published(runtime)
    snapshots.append(sorted(shown_means(report_json(runtime, "mo@x.io"))))
    assert snapshots[-1], "Mo's check-in is shown the day after it closed"

    at(runtime, datetime(2027, 4, 5, tzinfo=UTC))  # its week and two more are long over
    assert published(runtime) == first, "a published figure never changes"
    snapshots.append(sorted(shown_means(report_json(runtime, "mo@x.io"))))
    for earlier, later in zip(snapshots, snapshots[1:], strict=False):
        assert set(earlier) <= set(later)
    assert leaks(runtime) == []


def test_a_scheduled_round_and_an_overlapping_checkin_close_mid_week_without_a_subtraction(
    runtime, chat
) -> None:
    """The organisation's Monday round (closing Thursday morning) and Mo's check-in of
    Tuesday (closing Thursday at ten) ask the same people: each is published when it closes,
    as a period of its own. Ann's check-in of her team of 4, also open then, is too small to
    be shown alone: its answers wait for the week, so no figure of a round published alone
    and of the week counts the same answer twice."""
    import_org(runtime, CROSSING)
    add_schedule(runtime, weekday=0, start=datetime(2027, 3, 1).date())
    at(runtime, datetime(2027, 3, 1, 9, 30, tzinfo=UTC))
    for i, email in enumerate(["lea@x.io", "mo@x.io", *BELOW_MO]):
        answer(chat, email, 1 + i % 5)
    at(runtime, datetime(2027, 3, 2, 10, tzinfo=UTC))
    assert "Check-in started" in chat("mo@x.io").say("checkin")
    for i, email in enumerate(BELOW_MO):
        answer(chat, email, 5 - i % 3)
    assert "Check-in started" in chat("ann@x.io").say("checkin")
    for i, email in enumerate(TEAM_A):
        answer(chat, email, 1 + i % 2)  # Ann's team answers a third question that week
    with runtime.db.session() as session:
        assert session.exec(select(DisclosurePeriod)).all() == []

    at(runtime, datetime(2027, 3, 4, 9, 30, tzinfo=UTC))  # Thursday: the Monday round closed
    after_wednesday = published(runtime)
    assert {key[0] for key in after_wednesday} and all(
        disclosure.is_round_period(key[0]) for key in after_wednesday
    )
    at(runtime, datetime(2027, 3, 4, 10, 10, tzinfo=UTC))  # both check-ins closed too
    with runtime.db.session() as session:
        rounds = {r.started_by_id: r.period for r in session.exec(select(PulseRound))}
        ann = session.exec(select(Person.id).where(Person.email == "ann@x.io")).one()
    assert len({p for p in rounds.values()}) == 3
    assert rounds[ann] == "2027-W09", "Ann's small check-in waits for its week"
    after_thursday = published(runtime)
    assert after_wednesday.items() <= after_thursday.items()

    at(runtime, datetime(2027, 3, 10, tzinfo=UTC))  # the week is over by two days
    everything = published(runtime)
    assert after_thursday.items() <= everything.items()
    assert {key[0] for key in everything} == set(rounds.values())
    assert leaks(runtime) == []
    week = [c for key, c in everything.items() if key[0] == "2027-W09"]
    assert week and not any(c.shown for c in week), "4 answers are never shown"


def test_a_late_answer_is_refused_and_changes_no_published_figure(runtime, router, chat) -> None:
    """An answer clicked after Mo's check-in closed (and was published) is refused; what
    was published stays as it was."""
    import_org(runtime, CROSSING)
    at(runtime, datetime(2027, 3, 1, 10, tzinfo=UTC))
    chat("mo@x.io").say("checkin")
    for email in BELOW_MO[:-1]:
        answer(chat, email, 3)
    at(runtime, datetime(2027, 3, 3, 10, 10, tzinfo=UTC))
    before = published(runtime)
    assert any(c.shown for c in before.values())
    last = BELOW_MO[-1]
    with runtime.db.session() as session:
        person = session.exec(select(Person).where(Person.email == last)).one()
        prompt = session.exec(select(PulsePrompt).where(PulsePrompt.person_id == person.id)).one()
    click = Incoming(
        platform="console",
        user_id=last,
        kind="action",
        name="pulse.answer",
        ref=str(prompt.id),
        value="1",
        fields={},
    )
    reply = router.handle(runtime, click)
    assert reply.update is not None and "closed" in reply.update.summary
    with runtime.db.session() as session:
        assert session.get(PulsePrompt, prompt.id).status != "answered"  # type: ignore[union-attr]
    at(runtime, datetime(2027, 3, 20, tzinfo=UTC))
    assert published(runtime) == before
    assert leaks(runtime) == []


def test_erasing_someone_after_publication_changes_no_figure(runtime, chat, cli) -> None:
    """Bob answered Mo's check-in, published on Wednesday; erasing him on Thursday changes
    no figure (a step down would say he had answered) and nothing is published again."""
    import_org(runtime, CROSSING)
    at(runtime, datetime(2027, 3, 1, 10, tzinfo=UTC))
    chat("mo@x.io").say("checkin")
    for email in BELOW_MO:
        answer(chat, email, 4)
    at(runtime, datetime(2027, 3, 3, 10, 10, tzinfo=UTC))
    before = published(runtime)
    seen = report_json(runtime, "mo@x.io")
    assert shown_means(seen)
    at(runtime, datetime(2027, 3, 4, 9, tzinfo=UTC))
    erased = cli("person", "erase", "b1@x.io", "--yes")
    assert erased.exit_code == 0, erased.output
    at(runtime, datetime(2027, 3, 20, tzinfo=UTC))
    assert published(runtime) == before
    assert report_json(runtime, "mo@x.io")["rows"] == seen["rows"]


def test_the_last_weeks_are_weeks_whatever_was_published_alone_in_them() -> None:
    """ "The last 2 weeks" (the dashboard's heat map, the baseline's pulse) hold a week and
    every check-in of it published alone, and a check-in reads as the day it was asked."""
    periods = ["2027-W08", "2027-W09-1.r3", "2027-W09", "2027-W10-3.r7", "2027-W10-5.r8"]
    assert disclosure.last_weeks(periods, 2) == periods[1:]
    assert disclosure.last_weeks(periods, 1) == periods[3:]
    assert week_words("2027-W10-3.r7") == "check-in of Wed 10 Mar 2027"
    assert week_words("2027-W10") == "week of 8 Mar 2027"
    assert disclosure.week_bounds("2027-W10-3.r7") == disclosure.week_bounds("2027-W10")
