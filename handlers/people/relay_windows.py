"""Relay windows counted in working days, on the manager's own calendar.

A manager in Sydney who receives a cascade on Friday afternoon should not be escalated over
their weekend, so time only runs on the manager's working days *local*: days outside the work
week (``CULTUREBOT_WORK_WEEK``), their public holidays and their leave are skipped (see
handlers.people.workdays). A working day is 24 hours of wall-clock time, so a 2-day window that starts
Friday 16:00 ends Tuesday 16:00 local; a window started on a non-working day starts counting at
the next working day's 00:00. Wall-clock arithmetic in the zone keeps 16:00 at 16:00 across DST
changes.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.people.workdays import Calendar

# Working days a manager has to relay a cascade (here, not in handlers.cascade.actions, so the CLI's
# --help can show them without importing the handlers).
WINDOW_DEFAULT = 2
WINDOW_MAX = 10


def relay_deadlines(
    start: datetime, window_days: int, calendar: Calendar | str
) -> tuple[datetime, datetime]:
    """(when to nudge, when to escalate): halfway through the window, and its end.
    ``calendar`` may be a bare time zone name: Monday to Friday there, no holidays."""
    if isinstance(calendar, str):
        calendar = Calendar(tz=calendar)
    window = timedelta(days=window_days)
    return calendar.add_working_time(start, window / 2), calendar.add_working_time(start, window)
