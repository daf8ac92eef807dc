"""A manager schedules their team's check-in in chat (`checkin schedule fri 09:00`): it asks
the team on that weekday at 09:00 of each person's own day, changes and stops in chat, and
is audited as the manager's; wrong words are answered with an example."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from bot.app import run_due
from storage.audit import AuditEvent
from storage.models import PulsePrompt, PulseSchedule
from tests.support import import_org, org_csv

TEAM = org_csv(
    "boss@x.io,Boss,,Ops,leader,UTC",
    "mia@x.io,Mia Manager,boss@x.io,Ops,manager,America/New_York",
    *(f"p{i}@x.io,P{i},mia@x.io,Ops,employee,America/New_York" for i in range(1, 6)),
    "other@x.io,Other,boss@x.io,Ops,employee,UTC",
)


def asked(runtime) -> set[int]:  # type: ignore[no-untyped-def]
    """Who has been sent a check-in question so far."""
    with runtime.db.session() as session:
        return {p.person_id for p in session.exec(select(PulsePrompt)) if p.status != "scheduled"}


def test_a_manager_schedules_changes_and_stops_their_teams_check_in(runtime, chat) -> None:
    import_org(runtime, TEAM)
    mia = chat("mia@x.io")
    assert "No check-in is scheduled for your team" in mia.say("checkin schedule")
    said = mia.say("checkin schedule wed 09:00")
    assert "scheduled every Wednesday at 09:00" in said and "culturebot" not in said
    assert "every Wednesday at 09:00" in mia.say("checkin schedule")

    # Wednesday 09:00 in New York is 14:00 UTC: the team is asked then, nobody else
    runtime.clock.set(datetime(2027, 3, 3, 13, 45, tzinfo=UTC))
    run_due(runtime)
    assert asked(runtime) == set()
    runtime.clock.set(datetime(2027, 3, 3, 14, 5, tzinfo=UTC))
    run_due(runtime)
    assert len(asked(runtime)) == 6  # the team, Mia too (a schedule asks the subtree)
    assert "type a number 1-5" in chat("p1@x.io").inbox()
    assert "type a number" not in chat("other@x.io").inbox()

    assert "every 2 weeks on Friday at 10:00" in mia.say("checkin schedule fri 10:00 every 2")
    with runtime.db.session() as session:
        (schedule,) = session.exec(select(PulseSchedule)).all()
        assert (schedule.weekday, schedule.local_time, schedule.every_weeks) == (4, "10:00", 2)
        assert (schedule.audience_kind, schedule.audience_value) == ("subtree", "mia@x.io")
    assert "nobody is asked again" in mia.say("checkin schedule off")
    runtime.clock.advance(timedelta(days=20))
    run_due(runtime)
    assert len(asked(runtime)) == 6  # the team, Mia too (a schedule asks the subtree)
    with runtime.db.session() as session:
        actions = [
            (e.action, e.actor) for e in session.exec(select(AuditEvent)) if "schedule" in e.action
        ]
    assert actions == [
        ("schedule.add", "mia@x.io"),
        ("schedule.change", "mia@x.io"),
        ("schedule.remove", "mia@x.io"),
    ]


def test_wrong_schedule_words_are_answered_with_an_example(runtime, chat) -> None:
    import_org(runtime, TEAM)
    for typed in (
        "checkin schedule friday",
        "checkin schedule fri 25:00",
        "checkin schedule x 9:00",
    ):
        said = chat("mia@x.io").say(typed)
        assert "for example checkin schedule fri 09:00" in said and "I don't know" not in said
    assert "only managers can start a check-in" in chat("p1@x.io").say("checkin schedule fri 09:00")
    # the ad-hoc check-in is still there
    assert "5 people in your team were asked" in chat("mia@x.io").say("checkin")
