"""Working days: public holidays (by the person's country), the configured work week and leave
move check-ins to the next working day and lengthen relay windows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from handlers.people.relay_windows import relay_deadlines
from handlers.people.workdays import Calendar, parse_work_week
from storage.models import Person, PulsePrompt
from tests.handlers.cascade.helpers import broadcast, links
from tests.handlers.pulse.test_pulse_schedule import prompts_by_person
from tests.support import add_schedule, import_org, tick_until

HEADER = "email,name,manager_email,department,role,timezone,country,subdivision\n"
ORG = HEADER + (
    "lead@x.io,Lea Lead,,Ops,leader,UTC,,\n"
    "munich@x.io,Max Munich,lead@x.io,Ops,manager,Europe/Berlin,DE,BY\n"
    "london@x.io,Lou London,lead@x.io,Ops,manager,Europe/London,,\n"
    "a1@x.io,Ann A1,munich@x.io,Ops,employee,Europe/Berlin,DE,BY\n"
    "b1@x.io,Bo B1,london@x.io,Ops,employee,Europe/London,,\n"
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_a_german_holiday_moves_the_check_in_to_the_next_working_day(runtime) -> None:
    """Easter Monday (29 March 2027) is a public holiday in Germany, not in the UK list here
    (London has no country in this org file, so nobody's holidays are guessed)."""
    import_org(runtime, ORG)
    runtime.clock.set(utc(2027, 3, 28))  # type: ignore[attr-defined]
    add_schedule(runtime, weekday=0, start=date(2027, 3, 29))
    tick_until(runtime, utc(2027, 4, 1))
    sent = prompts_by_person(runtime)
    assert [t.strftime("%a %d %H:%M") for t in sent["munich@x.io"]] == ["Tue 30 09:00"]
    assert [t.strftime("%a %d %H:%M") for t in sent["a1@x.io"]] == ["Tue 30 09:00"]
    assert [t.strftime("%a %d %H:%M") for t in sent["london@x.io"]] == ["Mon 29 09:00"]
    with runtime.db.session() as session:
        moved = session.exec(
            select(PulsePrompt).join(Person).where(Person.email == "a1@x.io")
        ).one()
    # the whole answer window moved with it: 72 hours from Tuesday 09:00 Berlin time
    assert moved.closes_at == utc(2027, 4, 2, 7)


def test_a_holiday_lengthens_a_relay_window() -> None:
    berlin = Calendar(tz="Europe/Berlin", country="DE")
    plain = Calendar(tz="Europe/Berlin")
    start = utc(2027, 3, 25, 15)  # Thursday 16:00 CET, before Good Friday and Easter Monday
    assert relay_deadlines(start, 2, plain)[1] == utc(2027, 3, 29, 14)  # Monday 16:00 CEST
    assert relay_deadlines(start, 2, berlin)[1] == utc(2027, 3, 31, 14)  # Wednesday 16:00


def test_a_managers_relay_window_skips_their_public_holiday(runtime, chat) -> None:
    import_org(runtime, ORG)
    runtime.clock.set(utc(2027, 3, 25, 15))  # type: ignore[attr-defined]
    broadcast(chat("lead@x.io"), window="2")
    due = {name: link.due_at for name, link in links(runtime).items()}
    assert due["london"] == utc(2027, 3, 29, 14)  # Monday 15:00 BST: no holidays known
    assert due["munich"] == utc(2027, 3, 31, 14)  # Wednesday 16:00 CEST


def test_the_work_week_is_configurable(runtime) -> None:
    assert parse_work_week("sun-thu") == frozenset({6, 0, 1, 2, 3})
    assert parse_work_week("Mon, Wed") == frozenset({0, 2})
    with pytest.raises(ValueError, match="not a day"):
        parse_work_week("mon,funday")
    sun_thu = Calendar(work_week=parse_work_week("sun-thu"))
    friday = utc(2027, 3, 5, 16)
    assert relay_deadlines(friday, 1, sun_thu)[1] == utc(2027, 3, 8, 0)  # all of Sunday

    runtime.settings.work_week = "sun-thu"
    import_org(runtime, ORG)
    runtime.clock.set(utc(2027, 3, 4))  # type: ignore[attr-defined]
    add_schedule(runtime, weekday=4, start=date(2027, 3, 5))  # Fridays
    tick_until(runtime, utc(2027, 3, 8))
    assert [t.strftime("%a %H:%M") for t in prompts_by_person(runtime)["b1@x.io"]] == ["Sun 09:00"]


def test_a_bad_work_week_setting_is_refused_at_start() -> None:
    from pydantic import ValidationError

    from bot.core.config import Settings

    with pytest.raises(ValidationError, match="not a day"):
        Settings(work_week="weekdays", _env_file=None)  # type: ignore[call-arg]


# --- leave --------------------------------------------------------------------------------


def test_pause_stops_check_ins_until_the_date_and_resume_brings_them_back(runtime, chat) -> None:
    import_org(runtime, ORG)
    runtime.clock.set(utc(2027, 3, 1, 7))  # type: ignore[attr-defined]
    bo = chat("b1@x.io")
    assert "no check-ins" in bo.say("pause until 2027-03-16")
    add_schedule(runtime, weekday=0, start=date(2027, 3, 1))
    tick_until(runtime, utc(2027, 3, 23), step=timedelta(hours=1))  # the dates are the point
    dates = [t.date() for t in prompts_by_person(runtime)["b1@x.io"]]
    assert dates == [date(2027, 3, 22)]  # 1, 8 and 15 March were leave
    assert [t.date() for t in prompts_by_person(runtime)["london@x.io"]] == [
        date(2027, 3, 1),
        date(2027, 3, 8),
        date(2027, 3, 15),
        date(2027, 3, 22),
    ]
    with runtime.db.session() as session:
        statuses = session.exec(
            select(PulsePrompt.status).join(Person).where(Person.email == "b1@x.io")
        ).all()
    assert sorted(statuses) == ["sent", "skipped", "skipped", "skipped"]

    bo.say("pause until 2027-04-30")
    assert "Welcome back" in bo.say("resume")
    assert "nothing to resume" in bo.say("resume")


def test_a_paused_manager_still_receives_a_cascade_but_their_window_waits(runtime, chat) -> None:
    import_org(runtime, ORG)
    runtime.clock.set(utc(2027, 3, 1, 9))  # type: ignore[attr-defined]
    london = chat("london@x.io")
    london.say("pause until 2027-03-05")
    broadcast(chat("lead@x.io"), window="2")
    assert "Customers first" in london.inbox()  # it reached them
    assert links(runtime)["london"].due_at == utc(2027, 3, 10, 0)  # Mon 8 + Tue 9, whole days

    london.say("resume")  # back early: the window counts from when it reached them
    assert links(runtime)["london"].due_at == utc(2027, 3, 3, 9)


@pytest.mark.parametrize(
    ("line", "answer"),
    [
        ("pause", "pause until YYYY-MM-DD"),
        ("pause until tomorrow", "is not a date I can read"),
        ("pause until 2027-02-30", "is not a date I can read"),
        ("pause until ２０２７-03-20", "is not a date I can read"),
        ("pause until 2027-02-01", "has already passed"),
        ("pause until 2029-01-01", "at most a year"),
    ],
)
def test_a_bad_pause_is_refused_with_the_reason(runtime, chat, line: str, answer: str) -> None:
    import_org(runtime, ORG)
    runtime.clock.set(utc(2027, 3, 1, 9))  # type: ignore[attr-defined]
    assert answer in chat("b1@x.io").say(line)
    with runtime.db.session() as session:
        assert (
            session.exec(select(Person).where(Person.email == "b1@x.io")).one().paused_until is None
        )
