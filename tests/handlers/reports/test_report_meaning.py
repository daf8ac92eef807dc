"""Reports say what they mean (issue 23, point 4): a manager's check-in is reported under the
group that was asked, a larger group holding it says how much of it was asked, and rows of
the same people are one row."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.app import run_due
from storage.models import PulseSchedule
from tests.support import add_schedule, answer, import_org, org_csv

SALES = [f"s{i}@x.io" for i in range(1, 7)]
ENGINEERS = [f"e{i}@x.io" for i in range(1, 7)]
ORG = org_csv(
    "ava@x.io,Ava Adams,,Operations,leader,UTC",
    "ben@x.io,Ben Hughes,ava@x.io,Sales,leader,UTC",
    "bea@x.io,Bea Hughes,ava@x.io,Engineering,manager,UTC",
    *(f"{e},S{i},ben@x.io,Sales,employee,UTC" for i, e in enumerate(SALES, 1)),
    *(f"{e},E{i},bea@x.io,Engineering,employee,UTC" for i, e in enumerate(ENGINEERS, 1)),
)


def _figures(report: str) -> list[str]:
    return [line for line in report.splitlines() if ": mean " in line]


def _beas_check_in(runtime, chat, score: int) -> None:  # type: ignore[no-untyped-def]
    assert "6 people in your team were asked" in chat("bea@x.io").say("checkin")
    for email in ENGINEERS:
        answer(chat, email, score)


def test_one_check_in_is_one_row_under_the_group_asked(runtime, chat, clock) -> None:
    """A fresh organisation, one manager's check-in: the five groups that hold exactly her
    team (the organisation, everyone below the top leader, everyone below her, her team, her
    department) are one row, named after the group that was asked; the larger ones say how
    much of them was asked."""
    import_org(runtime, ORG)
    _beas_check_in(runtime, chat, 3)
    clock.advance(timedelta(days=10))
    run_due(runtime)
    figure = "Customer focus: mean 3.0 (5-9 people, 100% participation, check-in of Mon 1 Mar 2027)"
    figures = _figures(chat("bea@x.io").say("report"))  # Bea does not see Ava's part
    assert figures == [
        "Everyone below Bea Hughes (the same people: Team of Bea Hughes, Engineering (asked: 6 "
        f"of 7), Whole organisation (asked: 6 of 15)) - {figure}"
    ], figures
    # Ava's summary holds no team of Bea's (it lists the subtrees one level below her)
    figures = _figures(chat("ava@x.io").say("report"))
    assert figures == [
        "Everyone below Bea Hughes (the same people: Everyone below Ava Adams (asked: 6 of 14), "
        f"Engineering (asked: 6 of 7), Whole organisation (asked: 6 of 15)) - {figure}"
    ], figures
    # an engineer sees the organisation, the departments and their own team: those rows,
    # and only those, are merged (nothing names a group they cannot see)
    figures = _figures(chat("e1@x.io").say("report"))
    assert figures == [
        "Team of Bea Hughes (the same people: Engineering (asked: 6 of 7), Whole organisation "
        f"(asked: 6 of 15)) - {figure}"
    ], figures


def test_a_check_in_after_an_organisation_pulse_is_no_fall_of_the_organisation(
    runtime, chat, clock
) -> None:
    """Week 1: everyone answers 4. Week 2: only Bea's team is asked, and answers 2. The
    organisation's row says that 6 of 15 were asked, with no trend (the weeks asked different
    people: before, it read "Whole organisation ... mean 2.0, trend -2.0"); the check-in's
    figure is Bea's row."""
    import_org(runtime, ORG)
    add_schedule(runtime, weekday=clock.now().weekday(), start=clock.now().date())
    clock.advance(timedelta(hours=10))  # Monday 10:00: the organisation's round is out
    run_due(runtime)
    for email in ["ava@x.io", "ben@x.io", "bea@x.io", *SALES, *ENGINEERS]:
        answer(chat, email, 4)
    with runtime.db.session() as session:  # no second organisation-wide round
        schedule = session.exec(select(PulseSchedule)).one()
        schedule.active = False
        session.add(schedule)
    clock.advance(timedelta(days=7))
    run_due(runtime)
    _beas_check_in(runtime, chat, 2)
    clock.advance(timedelta(days=10))
    run_due(runtime)
    figures = _figures(chat("ava@x.io").say("report"))
    org = [line for line in figures if line.startswith("Whole organisation")]
    assert org and all("trend" not in line for line in org), org
    assert any("asked: 6 of 15" in line and "mean 2.0" in line for line in org), org
    assert any(
        line.startswith("Everyone below Bea Hughes (the same people: Everyone below Ava Adams")
        and "mean 2.0" in line
        for line in figures
    ), figures
