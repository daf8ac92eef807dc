"""Relay windows counted in working days, in the manager's own time zone.

A manager in Sydney who receives a cascade on Friday afternoon should not be escalated over
their weekend, so time only runs Monday to Friday *local*: Saturday and Sunday in the
manager's time zone are skipped (public holidays are not known to culturebot and count as
working days). A working day is 24 hours of weekday wall-clock time, so a 2-day window that
starts Friday 16:00 ends Tuesday 16:00 local; a window started on a weekend starts counting
on Monday 00:00. Wall-clock arithmetic in the zone keeps 16:00 at 16:00 across DST changes.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

# Working days a manager has to relay a cascade (here, not in handlers.cascade, so the CLI's
# --help can show them without importing the handlers).
WINDOW_DEFAULT = 2
WINDOW_MAX = 10

SATURDAY = 5


def add_working_time(start: datetime, span: timedelta, tz: str) -> datetime:
    """``start`` plus ``span`` of weekday time in zone ``tz`` (weekends skipped), in UTC."""
    zone = ZoneInfo(tz)
    local = start.astimezone(zone).replace(tzinfo=None)  # wall clock
    remaining = span
    while True:
        if local.weekday() >= SATURDAY:
            local = datetime.combine(local.date() + timedelta(days=7 - local.weekday()), time.min)
            continue
        midnight = datetime.combine(local.date() + timedelta(days=1), time.min)
        if remaining <= midnight - local:
            return (local + remaining).replace(tzinfo=zone).astimezone(UTC)
        remaining -= midnight - local
        local = midnight


def relay_deadlines(start: datetime, window_days: int, tz: str) -> tuple[datetime, datetime]:
    """(when to nudge, when to escalate): halfway through the window, and its end."""
    window = timedelta(days=window_days)
    return add_working_time(start, window / 2, tz), add_working_time(start, window, tz)
