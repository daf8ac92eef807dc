"""The one way a number, a time of day or a date typed by a person becomes a value.

``str.isdigit`` says yes to "²" and to "٣" (which ``int`` refuses or reads as 3), and ``int``
turns a 5,000-digit string into an error: every number that comes from a person (a chat
line, a form field, a button value, a CLI argument) goes through here instead. Each parser
returns ``None`` for anything it refuses, so the caller can say politely what it expected.
"""

from __future__ import annotations

import re
from datetime import date

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# the largest id a table's primary key holds (INTEGER on PostgreSQL is 32-bit)
ID_MAX = 2**31 - 1
# the longest report period in weeks (ten years), on the command line and in chat
WEEKS_MAX = 520

_DIGITS = re.compile(r"[0-9]+")
_TIME = re.compile(r"([0-9]{1,2}):([0-9]{2})")
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


def looks_numeric(raw: str) -> bool:
    """True for anything a person may have meant as a number, including what we refuse
    ("²", a 5,000-digit run): the caller answers "type one of the numbers" instead of
    treating it as a command."""
    raw = raw.strip()
    return bool(raw) and raw.isdigit()


def parse_int(raw: object, low: int, high: int) -> int | None:
    """ASCII digits (surrounding blanks allowed) naming a whole number in ``low..high``."""
    text = str(raw).strip() if raw is not None else ""
    if not _DIGITS.fullmatch(text):
        return None
    significant = text.lstrip("0") or "0"
    if len(significant) > len(str(high)):
        return None
    value = int(significant)
    return value if low <= value <= high else None


def parse_id(raw: object) -> int | None:
    """A row id as typed or carried in a button value: 1..ID_MAX, else None."""
    return parse_int(raw, 1, ID_MAX)


def parse_time(raw: object) -> str | None:
    """A time of day "H:MM" or "HH:MM" (00:00..23:59), returned as "HH:MM"."""
    match = _TIME.fullmatch(str(raw).strip() if raw is not None else "")
    if not match:
        return None
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        return None
    return f"{hour:02d}:{minute:02d}"


def parse_date(raw: object) -> date | None:
    """A calendar date "YYYY-MM-DD" that exists (2024-02-30 does not)."""
    match = _DATE.fullmatch(str(raw).strip() if raw is not None else "")
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def parse_work_week(value: str) -> frozenset[int]:
    """``"mon,tue,wed,thu,fri"`` (or ``"sun-thu"``) as weekday numbers, Monday == 0."""
    days: set[int] = set()
    for part in value.lower().replace(" ", "").split(","):
        if not part:
            continue
        first, dash, last = part.partition("-")
        if first[:3] not in WEEKDAYS or (dash and last[:3] not in WEEKDAYS):
            raise ValueError(
                f"work week: {part!r} is not a day; write e.g. mon,tue,wed,thu,fri or sun-thu"
            )
        start = WEEKDAYS.index(first[:3])
        end = WEEKDAYS.index(last[:3]) if dash else start
        day = start
        days.add(day)
        while day != end:
            day = (day + 1) % 7
            days.add(day)
    if not days:
        raise ValueError("work week: at least one working day is needed")
    return frozenset(days)
