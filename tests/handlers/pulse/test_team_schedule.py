"""A manager schedules their team's check-in in chat (`checkin schedule fri 09:00`): it asks
the team on that weekday at 09:00 of each person's own day, changes and stops in chat, and
is audited as the manager's; wrong words are answered with an example."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from bot.app import run_due
from storage.audit import AuditEvent
from storage.models import Person, PulsePrompt, PulseSchedule
from tests.support import answer, import_org, org_csv

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
    assert len(asked(runtime)) == 5  # the team, as `checkin` asks it: not Mia
    assert "type a number 1-5" in chat("p1@x.io").inbox()
    assert "type a number" not in chat("other@x.io").inbox()

    assert "every 2 weeks on Friday at 10:00" in mia.say("checkin schedule fri 10:00 every 2")
    with runtime.db.session() as session:
        (schedule,) = session.exec(select(PulseSchedule)).all()
        assert (schedule.weekday, schedule.local_time, schedule.every_weeks) == (4, "10:00", 2)
        assert (schedule.audience_kind, schedule.audience_value) == ("below", "mia@x.io")
    assert "nobody is asked again" in mia.say("checkin schedule off")
    runtime.clock.advance(timedelta(days=20))
    run_due(runtime)
    assert len(asked(runtime)) == 5  # nobody asked since
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


ENGINEERS = [f"e{i}@x.io" for i in range(1, 7)]
BEAS_ORG = org_csv(
    "ava@x.io,Ava Adams,,Operations,leader,UTC",
    "bea@x.io,Bea Hughes,ava@x.io,Engineering,manager,UTC",
    *(f"{e},E{i},bea@x.io,Engineering,employee,UTC" for i, e in enumerate(ENGINEERS, 1)),
    "zed@x.io,Zed,ava@x.io,Engineering,employee,UTC",
)


def asked_emails(runtime) -> set[str]:  # type: ignore[no-untyped-def]
    with runtime.db.session() as session:
        ids = asked(runtime)
        return {p.email for p in session.exec(select(Person)) if p.id in ids}


def test_the_scheduled_check_in_asks_whom_the_ad_hoc_one_asks(runtime, chat, clock) -> None:
    """Bea's scheduled check-in asks her six reports and not Bea (it used to ask Bea too, as
    a subtree schedule), just as `checkin` does; its figure is her team's, like the ad-hoc
    one's, not a row of the whole organisation."""
    import_org(runtime, BEAS_ORG)
    bea = chat("bea@x.io")
    day = clock.now().strftime("%a").lower()
    assert "scheduled every" in bea.say(f"checkin schedule {day} 10:00")
    clock.advance(timedelta(hours=10, minutes=5))
    run_due(runtime)
    assert asked_emails(runtime) == set(ENGINEERS)
    assert "type a number" not in bea.inbox()
    for email in ENGINEERS:
        answer(chat, email, 3)
    clock.advance(timedelta(days=10))
    run_due(runtime)
    figures = [line for line in chat("e1@x.io").say("report").splitlines() if ": mean " in line]
    assert len(figures) == 1 and figures[0].startswith("Team of Bea Hughes"), figures


def test_a_team_schedule_made_as_a_subtree_runs_as_before_until_changed_in_chat(
    runtime, chat, clock
) -> None:
    """A team schedule made before "below" (audience subtree) still asks Bea too; Bea sees and
    changes it in chat, and the change makes it ask her team only."""
    import_org(runtime, BEAS_ORG)
    bea = chat("bea@x.io")
    day = clock.now().strftime("%a").lower()
    bea.say(f"checkin schedule {day} 10:00")
    with runtime.db.session() as session:
        old = session.exec(select(PulseSchedule)).one()
        old.audience_kind = "subtree"
        session.add(old)
    assert "10:00" in bea.say("checkin schedule")
    clock.advance(timedelta(hours=10, minutes=5))
    run_due(runtime)
    assert asked_emails(runtime) == {"bea@x.io", *ENGINEERS}
    assert "scheduled every" in bea.say(f"checkin schedule {day} 09:00")
    with runtime.db.session() as session:
        assert session.exec(select(PulseSchedule.audience_kind)).one() == "below"
