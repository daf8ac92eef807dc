"""Baseline and progress through the disclosure gate: a hand-checked example, withholding,
the re-assessment delta, and objective states from the latest closed figures."""

from __future__ import annotations

from datetime import timedelta

import pytest

import prompts
from bot.app import run_due
from handlers.roadmap import baseline, objectives
from storage import people
from tests.handlers.roadmap.helpers import ENGINEERING, ORG, SUPPORT, form_answers
from tests.support import import_org

LEADERSHIP = [s.id for s in prompts.assessment().of("leadership")]
# Support's leadership answers, person by person (hand-checked below)
SUPPORT_LEADERSHIP = [(1, 2, 3), (2, 2, 2), (3, 3, 3), (4, 4, 4), (5, 5, 5), (3, 4, 5)]


def _answer(chat, email: str, scores: dict[str, int] | int) -> None:
    person = chat(email)
    person.inbox()
    assert "Thank you" in person.say("1", *form_answers(scores))


def _run(runtime, chat, clock, support=SUPPORT, engineering=ENGINEERING, eng_score=4) -> None:
    assert "launched" in chat("lea@x.io").say("assess launch 7")
    for email, triple in zip(support, SUPPORT_LEADERSHIP, strict=False):
        scores = {s.id: 3 for s in prompts.assessment().statements}
        scores.update(dict(zip(LEADERSHIP, triple, strict=True)))
        _answer(chat, email, scores)
    for email in engineering:
        _answer(chat, email, eng_score)
    clock.advance(timedelta(days=7, minutes=1))
    run_due(runtime)


def _view(runtime, email: str | None):
    with runtime.db.session() as session:
        viewer = people.by_email(session, email) if email else None
        return baseline.view(session, viewer, runtime.clock.now(), runtime.settings, full=True)


def _figure(view, group: str, dimension: str = "leadership"):
    return next(f for f in view.figures if f.group == group and f.dimension == dimension)


def test_scoring_on_a_hand_checked_example(runtime, chat, clock) -> None:
    import_org(runtime, ORG)
    assert _view(runtime, None) is None  # nothing closed yet: says so
    assert "No assessment results yet" in chat("lea@x.io").say("baseline")
    _run(runtime, chat, clock)
    view = _view(runtime, None)
    support = _figure(view, "Team of Sam Support")
    # 18 answers: 1+2+3 + 2+2+2 + 3+3+3 + 4+4+4 + 5+5+5 + 3+4+5 = 60; 60 / 18 = 3.33
    assert support.mean == 3.3 and support.respondents == "5-9" and support.participation == 1.0
    # 1s: 1/18, 2s: 4/18, 3s: 5/18, 4s: 4/18, 5s: 4/18, rounded to tenths
    assert support.spread == {1: 0.1, 2: 0.2, 3: 0.3, 4: 0.2, 5: 0.2}
    assert _figure(view, "Team of Eve Eng").mean == 4.0
    everyone = _figure(view, "Whole organisation")
    # (60 + 6 people x 3 statements x 4) / 36 = 3.67; 12 of 14 asked took part
    assert everyone.mean == 3.7 and everyone.participation == 0.9
    assert _figure(view, "Whole organisation", "processes").mean == pytest.approx(3.5)
    text = chat("sam@x.io").say("baseline")
    assert "Leadership commitment: 3.3 (5-9 people, 100% took part)" in text


def test_withholding_in_the_baseline(runtime, chat, clock) -> None:
    import_org(runtime, ORG)
    _run(runtime, chat, clock, engineering=ENGINEERING[:4])  # only 4 engineers answer
    view = _view(runtime, "eve@x.io")
    eng = _figure(view, "Team of Eve Eng")
    assert not eng.shown and eng.mean is None and "fewer than 5" in eng.withheld_because
    # the whole organisation (10) minus Support's team (6) would give the 4 away
    full = _view(runtime, None)
    shown = {f.group for f in full.figures if f.shown and f.dimension == "leadership"}
    assert not {"Team of Sam Support", "Whole organisation"} <= shown
    sam = _view(runtime, "sam@x.io")
    assert all(f.mean is None for f in sam.figures if not f.shown)
    said = chat("eve@x.io").say("baseline")
    assert "not shown, to protect anonymity. Type baseline details to see which." in said
    assert "4.0" not in said and "withheld" not in said
    details = chat("eve@x.io").say("baseline details")
    assert "fewer than 5 respondents" in details and "4.0" not in details


def test_re_assessment_delta_and_objective_states(runtime, chat, clock) -> None:
    import_org(runtime, ORG)
    _run(runtime, chat, clock)
    with runtime.db.session() as session:
        lea = people.by_email(session, "lea@x.io")
        objective = objectives.add(
            session,
            lea,
            clock.now(),
            title="Leaders on the floor",
            dimension="leadership",
            target="4.0",
            due=(clock.now() + timedelta(weeks=12)).date(),
            owner="sam@x.io",
            actions=["Visit a customer every month => eve@x.io"],
        )
        assert objective.start == 3.7  # from the baseline, the scope's own figure
    with runtime.db.session() as session:
        [view] = objectives.visible(session, None, clock.now())
        assert (view.current, view.state) == (3.7, "on track")
    clock.advance(timedelta(weeks=8))  # two thirds of the time, no newer figure
    with runtime.db.session() as session:
        [view] = objectives.visible(session, None, clock.now())
        assert view.state == "at risk"
        assert view.actions[0].overdue is False
    run_due(runtime)  # the monthly nudge to the owner
    assert "needs attention: it is at risk" in chat("sam@x.io").inbox()
    run_due(runtime)
    assert "needs attention" not in chat("sam@x.io").inbox()  # once a month

    _run(runtime, chat, clock, eng_score=5)  # the quarterly re-assessment
    view = _view(runtime, None)
    assert view.baseline_id == 1 and view.assessment_id == 2
    eng = _figure(view, "Team of Eve Eng")
    assert (eng.baseline, eng.mean, eng.delta) == (4.0, 5.0, 1.0)
    assert "baseline 4.0, change +1.0" in chat("eve@x.io").say("baseline")
    with runtime.db.session() as session:
        [view] = objectives.visible(session, None, clock.now())
        assert view.state == "reached" and view.current == 4.2
    assert "reached" in chat("s1@x.io").say("objectives")
