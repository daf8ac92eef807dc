"""The injected clock: production reads the system time, tests and the demo move a fake one."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.core import localized


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ShiftedClock:
    """The system time moved by a fixed offset: a database played on a simulated calendar
    (the demo's) is looked at as of its own time, while time still passes."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("ShiftedClock needs a timezone-aware time")
        self._offset = at - datetime.now(UTC)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset


class FakeClock:
    """A clock that only moves when told to, so weeks of schedule run in milliseconds."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs a timezone-aware start")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        self._now += delta
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when.astimezone(UTC)


def local_instant(day: date, at: str, tz: str) -> datetime:
    """``at`` o'clock on ``day`` in time zone ``tz``, as an aware datetime.

    zoneinfo resolves the wall time with the zone's offset on that day, so 09:00 stays 09:00
    local on both sides of a DST change.
    """
    hour, minute = (int(part) for part in at.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(tz))


def format_local(when: datetime, tz: str) -> str:
    """A time as the person reads it: in their own zone and language, weekday first (a chat
    text takes ``bot.core.chat.when`` instead, which Slack shows as a date token)."""
    return localized.moment(when, tz)
