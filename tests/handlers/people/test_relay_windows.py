"""Relay windows skip Saturday and Sunday in the manager's own time zone."""

from __future__ import annotations

from datetime import UTC, datetime

from handlers.people.relay_windows import relay_deadlines


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_a_window_started_on_friday_ends_after_the_weekend() -> None:
    nudge, due = relay_deadlines(utc(2027, 3, 5, 16), 2, "UTC")  # Friday 16:00
    assert nudge == utc(2027, 3, 8, 16)  # Monday 16:00: one working day
    assert due == utc(2027, 3, 9, 16)  # Tuesday 16:00


def test_a_window_started_on_the_weekend_starts_on_monday() -> None:
    _, due = relay_deadlines(utc(2027, 3, 6, 11), 1, "UTC")  # Saturday
    assert due == utc(2027, 3, 9, 0)  # all of Monday


def test_the_weekend_is_the_managers_own() -> None:
    # Friday 20:00 UTC is already Saturday 05:00 in Tokyo: counting starts Monday 00:00 JST.
    _, due = relay_deadlines(utc(2027, 3, 5, 20), 2, "Asia/Tokyo")
    assert due == utc(2027, 3, 9, 15)  # Wednesday 00:00 JST
    # ...while in New York it is still Friday 15:00, with nine hours of Friday left.
    _, due = relay_deadlines(utc(2027, 3, 5, 20), 2, "America/New_York")
    assert due == utc(2027, 3, 9, 20)  # Tuesday 15:00 EST


def test_wall_clock_time_survives_a_dst_change() -> None:
    start = datetime(2027, 3, 26, 15, tzinfo=UTC)  # Friday 16:00 CET; CEST from Sunday
    _, due = relay_deadlines(start, 2, "Europe/Berlin")
    assert due == utc(2027, 3, 30, 14)  # Tuesday 16:00 CEST
