"""Scheduled check-ins arrive at the local time in each recipient's own zone, exactly once,
across DST changes; one reminder goes only to those who have not answered; a restart mid-round
sends nothing twice."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.app import run_due
from bot.core.runtime import Runtime
from storage.db import Database
from storage.models import Outbox, Person, PulseSchedule
from tests.support import add_schedule, import_org, org_csv, tick_until

ZONES = ["America/New_York", "Europe/Berlin", "Asia/Kolkata"]
ORG = org_csv(
    "lead@x.io,Lead,,Ops,leader,UTC",
    *(f"{z.split('/')[1].lower()}@x.io,{z},lead@x.io,Ops,employee,{z}" for z in ZONES),
)


def prompts_by_person(runtime: Runtime, kind: str = "pulse.prompt") -> dict[str, list[datetime]]:
    """When each person's prompts were queued, in that person's local time."""
    seen: dict[str, list[datetime]] = defaultdict(list)
    with runtime.db.session() as session:
        rows = session.exec(
            select(Outbox, Person).join(Person).where(Outbox.kind == kind).order_by(Outbox.id)
        ).all()
        for row, person in rows:
            seen[person.email].append(row.created_at.astimezone(ZoneInfo(person.timezone)))
    return seen


def spring_sundays(runtime: Runtime, start: date, end: datetime) -> dict[str, list[datetime]]:
    """Sunday check-ins at 09:00 from ``start`` until ``end`` (Sunday is a working day here: on
    a Monday-to-Friday week the check-in would move to Monday)."""
    runtime.settings.work_week = "mon-sun"
    import_org(runtime, ORG)
    runtime.clock.set(datetime.combine(start, datetime.min.time(), UTC) - timedelta(days=1))  # type: ignore[attr-defined]
    add_schedule(runtime, weekday=6, start=start)
    tick_until(runtime, end)
    return prompts_by_person(runtime)


def test_sunday_pulse_arrives_at_nine_local_across_the_us_spring_change(runtime) -> None:
    """US clocks change on 14 March 2027; Europe's and India's stay (India has no DST)."""
    sent = spring_sundays(runtime, date(2027, 3, 7), datetime(2027, 3, 22, tzinfo=UTC))
    sundays = [date(2027, 3, 7), date(2027, 3, 14), date(2027, 3, 21)]
    for email in ("new_york@x.io", "berlin@x.io", "kolkata@x.io"):
        assert [t.date() for t in sent[email]] == sundays, email
        assert {(t.hour, t.minute) for t in sent[email]} == {(9, 0)}, email


def test_sunday_pulse_arrives_at_nine_local_across_the_european_spring_change(runtime) -> None:
    """Europe's clocks change on 28 March 2027, two weeks after the US's."""
    sent = spring_sundays(runtime, date(2027, 3, 21), datetime(2027, 4, 5, tzinfo=UTC))
    sundays = [date(2027, 3, 21), date(2027, 3, 28), date(2027, 4, 4)]
    for email in ("new_york@x.io", "berlin@x.io", "kolkata@x.io"):
        assert [t.date() for t in sent[email]] == sundays, email
        assert {(t.hour, t.minute) for t in sent[email]} == {(9, 0)}, email


def test_pulse_arrives_at_nine_local_across_autumn_changes(runtime) -> None:
    """Europe changes back on 31 October 2027, the US on 7 November."""
    import_org(runtime, ORG)
    runtime.clock.set(datetime(2027, 10, 29, 0, 0, tzinfo=UTC))  # type: ignore[attr-defined]
    add_schedule(runtime, weekday=0, start=date(2027, 10, 25))
    tick_until(runtime, datetime(2027, 11, 16, tzinfo=UTC))
    sent = prompts_by_person(runtime)
    mondays = [date(2027, 11, 1), date(2027, 11, 8), date(2027, 11, 15)]
    for email in ("new_york@x.io", "berlin@x.io", "kolkata@x.io"):
        assert [t.date() for t in sent[email]] == mondays, email
        assert {(t.hour, t.minute) for t in sent[email]} == {(9, 0)}, email


def test_every_other_week_skips_the_weeks_between(runtime) -> None:
    import_org(runtime, ORG)
    with runtime.db.session() as session:
        session.add(
            PulseSchedule(
                name="fortnightly",
                audience_kind="department",
                audience_value="Ops",
                weekday=0,
                local_time="10:30",
                every_weeks=2,
                start_date=date(2027, 3, 1),
            )
        )
    # hourly ticks: which dates it comes on is the point here, not the minute
    tick_until(runtime, datetime(2027, 3, 30, tzinfo=UTC), step=timedelta(hours=1))
    dates = sorted({t.date() for t in prompts_by_person(runtime)["berlin@x.io"]})
    assert dates == [date(2027, 3, 1), date(2027, 3, 15), date(2027, 3, 29)]


def test_one_reminder_only_to_those_who_have_not_answered(runtime, chat) -> None:
    import_org(runtime, ORG)
    add_schedule(runtime, weekday=0, start=date(2027, 3, 1), at="09:00")
    tick_until(runtime, datetime(2027, 3, 1, 12, 0, tzinfo=UTC))  # Berlin and Kolkata asked
    answered = chat("berlin@x.io")
    assert "type a number" in answered.inbox()
    answered.say("5")
    tick_until(runtime, datetime(2027, 3, 3, 12, 0, tzinfo=UTC))
    reminded = prompts_by_person(runtime, "pulse.reminder")
    assert set(reminded) == {"kolkata@x.io", "new_york@x.io", "lead@x.io"}
    assert all(len(times) == 1 for times in reminded.values())
    assert "gentle reminder" in chat("kolkata@x.io").inbox()


def test_restart_mid_round_sends_nothing_twice(runtime, chat) -> None:
    import_org(runtime, ORG)
    add_schedule(runtime, weekday=0, start=date(2027, 3, 1))
    tick_until(runtime, datetime(2027, 3, 1, 9, 0, tzinfo=UTC))  # Kolkata and Berlin asked
    assert "type a number" in chat("berlin@x.io").inbox()

    restarted = Runtime(db=Database(runtime.db.url), clock=runtime.clock, settings=runtime.settings)
    run_due(restarted)
    tick_until(restarted, datetime(2027, 3, 2, 0, 0, tzinfo=UTC))
    sent = prompts_by_person(restarted)
    assert all(len(times) == 1 for times in sent.values()), sent
    assert len(sent) == 4
    assert "type a number" not in chat("berlin@x.io").inbox()
    restarted.db.dispose()
