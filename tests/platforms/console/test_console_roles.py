"""Each role's work in chat, end to end through the console (the real ConsoleChat, router,
outbox and tick, on the injected clock), on the demo's organisation (examples/people.csv):
nobody is sent to the command line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app import run_due
from tests.support import add_churn_objective, import_org

PEOPLE = Path(__file__).parents[3] / "examples" / "people.csv"
AVA = "ava.adams@example.com"  # top leader, Europe/London
BEN = "ben.hughes@example.com"  # leader below Ava, America/New_York
NOAH = "noah.nair@example.com"  # leader below Ava, Asia/Kolkata
BEA = "bea.hughes@example.com"  # manager below Ava, Europe/Berlin
TITLE = "Customers first"


def tick_until(runtime, end: datetime, step: timedelta = timedelta(minutes=15)) -> None:  # type: ignore[no-untyped-def]
    while runtime.clock.now() < end:
        run_due(runtime)
        runtime.clock.advance(step)
    run_due(runtime)


def schedule(leader, typed: str, title: str = TITLE) -> str:  # type: ignore[no-untyped-def]
    """The leader types a schedule, fills the form, reads the preview and presses Schedule."""
    preview = leader.say(typed, title, "We will call every customer who churned last year.", "", "")
    assert "[1] Schedule" in preview, preview
    return preview + leader.say("1")


def test_leader_schedules_a_cascade_for_local_mornings_previews_and_cancels_it(
    runtime, chat
) -> None:
    import_org(runtime, PEOPLE.read_text())
    runtime.clock.set(datetime(2027, 3, 2, 15, tzinfo=UTC))  # Tuesday: 09:00 passed everywhere
    ava = chat(AVA)

    shown = schedule(ava, "cascade local 09:00")
    # the preview: who it reaches, who relays, and when it goes out
    assert "This cascade would reach" in shown and "managers will be asked to relay" in shown
    assert "Schedule it to go out each person's local 09:00" in shown
    assert f'Scheduled "{TITLE}" (cascade 1)' in shown
    assert 'Type "cascade cancel 1" to cancel it' in shown
    assert "culturebot" not in shown

    # each direct report gets it at 09:00 of their own next working day (Wednesday)
    tick_until(runtime, datetime(2027, 3, 3, 4, tzinfo=UTC))  # 09:30 in Kolkata
    assert TITLE in chat(NOAH).inbox()
    assert TITLE not in chat(BEN).inbox()  # still the night in New York
    tick_until(runtime, datetime(2027, 3, 3, 14, 15, tzinfo=UTC))  # 09:15 in New York
    assert TITLE in chat(BEN).inbox()
    # it went out: too late to cancel
    assert "can no longer be cancelled" in ava.say("cascade cancel 1")

    # the next one is cancelled before its morning comes, and reaches nobody
    later = schedule(ava, "cascade local 09:00 from 2027-03-08", "Second message")
    assert "cascade 2" in later and "from Mon 08 Mar" in later
    # preview it again before it goes out: when, and whom it reaches
    again = ava.say("cascade preview 2")
    assert 'Cascade 2 "Second message" goes out each person\'s local 09:00' in again
    assert "This cascade would reach" in again and "cascade cancel 2" in again
    assert "for example cascade preview 12" in ava.say("cascade preview next")
    assert 'Cancelled cascade 2 "Second message": nothing was sent.' in ava.say("cascade cancel 2")
    tick_until(runtime, datetime(2027, 3, 9, 15, tzinfo=UTC), step=timedelta(hours=1))
    for person in (NOAH, BEN, BEA):
        assert "Second message" not in chat(person).inbox()

    # a time in the leader's own zone, and a mistyped one answered with examples
    at = schedule(ava, "cascade at 2027-03-10 08:30", "Third message")
    assert "for Wed 10 Mar 08:30" in at
    wrong = ava.say("cascade at tomorrow")
    assert "cascade at 2027-03-15 09:00" in wrong and "cascade local 09:00" in wrong
    assert "not in the past" in ava.say("cascade at 2027-03-01 09:00")


def test_manager_relays_sets_an_objective_and_reads_the_team_report_in_chat(runtime, chat) -> None:
    """Bea Hughes manages Carl Okafor and eleven more in Engineering; all of it in chat."""
    import_org(runtime, PEOPLE.read_text())
    runtime.clock.set(datetime(2027, 3, 1, 9, tzinfo=UTC))  # Monday 10:00 in Berlin
    ava = chat(AVA)
    preview = ava.say("cascade", TITLE, "We will call every customer who churned.", "", "")
    assert "Sent" in ava.say("1") and "[1] Send" in preview

    # receive the cascade, quit, and relay it from a new session (it lives in the database)
    assert "[1] Relay to my team" in chat(BEA).inbox()
    bea = chat(BEA)
    relayed = bea.say("relay", "Team, this is how we win back the customers we lost.")
    assert "Relayed to your 12 direct reports" in relayed
    team = [f"{line.split(',')[0]}" for line in PEOPLE.read_text().splitlines() if BEA in line]
    team = [email for email in team if email != BEA]
    assert len(team) == 12
    sessions = {email: chat(email) for email in team}
    assert all(TITLE in person.inbox() for person in sessions.values())

    # set an objective for the team, with an action for Carl
    objective = add_churn_objective(bea)
    assert "Objective 1 set: Every churned customer called" in objective
    assert "Objective 1 updated." in bea.say("objective 1 target 4.0")
    assert "Call the ten biggest churned accounts" in chat("carl.okafor@example.com").say(
        "objectives"
    )

    # a check-in now, answered by the team
    assert "12 people in your team were asked" in bea.say("checkin")
    for i, person in enumerate(sessions.values()):
        assert "type a number 1-5" in person.inbox()
        assert "Thanks, recorded" in person.say("4", f"We listen to customer {i} every week.")

    # the team's results and comments, once the check-in has closed
    runtime.clock.advance(timedelta(days=10))
    run_due(runtime)
    report = bea.say("report")
    assert "Team of Bea Hughes" in report and "mean 4.0" in report
    comments = bea.say("comments")
    assert "We listen to customer 3 every week." in comments
    # and from now on every Friday at 09:00, each person's own time
    scheduled = bea.say("checkin schedule fri 09:00")
    assert "every Friday at 09:00" in scheduled
    seen = relayed + objective + report + comments + scheduled + bea.say("help")
    assert "culturebot " not in seen.replace("culturebot dashboard", "")
