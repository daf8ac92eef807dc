"""Working days: a person's work week, their public holidays and their leave.

One idea, used by cascades (relay windows only run on the manager's working days) and pulse
check-ins (a check-in due on a non-working day arrives on the next working day instead):

- the **work week** is ``CULTUREBOT_WORK_WEEK`` (default ``mon,tue,wed,thu,fri``), the same for
  everyone;
- **public holidays** come from the ``holidays`` package, by the person's ``country`` and
  ``subdivision`` from the org file (nobody's holidays are known without a country);
- **leave**: a person who typed ``pause until 2027-08-20`` gets no check-ins up to and including
  that day, and a relay window of theirs only starts counting the day after.

Days are the person's own local days (their time zone), so a holiday in Berlin is the Berlin
calendar day, whatever UTC says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.parsing import parse_work_week

DEFAULT_WORK_WEEK = "mon,tue,wed,thu,fri"
WORK_OPENS, WORK_CLOSES = time(9), time(17)  # working hours, in the person's zone
SEARCH_DAYS = 400  # a year of leave plus holidays: beyond that something is misconfigured


@lru_cache(maxsize=256)
def _holidays(country: str, subdivision: str | None, year: int) -> dict[date, str]:
    import holidays

    try:
        found = holidays.country_holidays(country, subdiv=subdivision or None, years=year)
    except NotImplementedError:  # a country or subdivision the package does not know
        return {}
    return dict(found.items())


@lru_cache(maxsize=1)
def _regions() -> dict[str, frozenset[str]]:
    import holidays

    return {
        code: frozenset(s.upper() for s in subdivisions)
        for code, subdivisions in holidays.list_supported_countries().items()
    }


def region_problem(country: str, subdivision: str | None) -> tuple[str, str] | None:
    """(column, why) when the `holidays` package knows no such country or no such
    subdivision of it: that person would silently get no public holidays."""
    regions = _regions()
    if country not in regions:
        return "country", f"'{country}' is not a country with a public holiday calendar (e.g. DE)"
    known = sorted(regions[country])
    if subdivision and subdivision not in regions[country]:
        shown = ", ".join(known[:30]) + (", ..." if len(known) > 30 else "")
        choice = f"one of: {shown}" if known else "it has none; leave it empty"
        return "subdivision", f"'{subdivision}' is not a subdivision of {country} ({choice})"
    return None


def holiday_name(country: str | None, subdivision: str | None, day: date) -> str | None:
    """The public holiday on ``day`` for that country (and subdivision), or None."""
    if not country:
        return None
    return _holidays(country.upper(), (subdivision or "").upper() or None, day.year).get(day)


@dataclass(frozen=True)
class Calendar:
    """One person's working days, in their own time zone."""

    tz: str = "UTC"
    work_week: frozenset[int] = field(default_factory=lambda: frozenset(range(5)))
    country: str | None = None
    subdivision: str | None = None
    paused_until: date | None = None

    def on_leave(self, day: date) -> bool:
        return self.paused_until is not None and day <= self.paused_until

    def is_working(self, day: date) -> bool:
        """A day of the work week, not a public holiday, not on leave."""
        return (
            day.weekday() in self.work_week
            and not self.on_leave(day)
            and holiday_name(self.country, self.subdivision, day) is None
        )

    def local_day(self, when: datetime) -> date:
        return when.astimezone(ZoneInfo(self.tz)).date()

    def next_working_day(self, day: date) -> date:
        """``day`` itself when it is a working day, else the first working day after it."""
        for offset in range(SEARCH_DAYS):
            candidate = day + timedelta(days=offset)
            if self.is_working(candidate):
                return candidate
        return day  # nothing in a year counts as working: do not hold things forever

    def next_working_instant(self, when: datetime) -> datetime:
        """``when`` if it falls on a working day; else the same local wall time on the next
        working day (so a 09:00 check-in on a holiday arrives at 09:00 the day after)."""
        zone = ZoneInfo(self.tz)
        local = when.astimezone(zone)
        day = self.next_working_day(local.date())
        if day == local.date():
            return when
        return datetime.combine(day, local.time().replace(tzinfo=None), tzinfo=zone).astimezone(UTC)

    def next_working_hour(
        self, when: datetime, opens: time = WORK_OPENS, closes: time = WORK_CLOSES
    ) -> datetime:
        """``when`` if it falls in working hours (``opens`` to ``closes`` on a working day, in
        the person's zone); else the next working day's opening time (so a reminder that fell
        due at 01:53 arrives at 09:00)."""
        zone = ZoneInfo(self.tz)
        local = when.astimezone(zone)
        if self.is_working(local.date()) and opens <= local.time() < closes:
            return when
        day = local.date() if local.time() < opens else local.date() + timedelta(days=1)
        day = self.next_working_day(day)
        return datetime.combine(day, opens, tzinfo=zone).astimezone(UTC)

    def add_working_time(self, start: datetime, span: timedelta) -> datetime:
        """``start`` plus ``span`` of working-day time, in UTC. A working day is 24 hours of
        wall-clock time on a working day; non-working days are skipped whole, and a start on a
        non-working day starts counting at the next working day's 00:00."""
        zone = ZoneInfo(self.tz)
        local = start.astimezone(zone).replace(tzinfo=None)  # wall clock
        remaining = span
        for _ in range(SEARCH_DAYS + int(span / timedelta(days=1)) + 1):
            if not self.is_working(local.date()):
                local = datetime.combine(self.next_working_day(local.date()), time.min)
                if not self.is_working(local.date()):  # nothing works for a year: give up
                    break
                continue
            midnight = datetime.combine(local.date() + timedelta(days=1), time.min)
            if remaining <= midnight - local:
                return (local + remaining).replace(tzinfo=zone).astimezone(UTC)
            remaining -= midnight - local
            local = midnight
        return (local + remaining).replace(tzinfo=zone).astimezone(UTC)


def calendar_for(person: object, work_week: frozenset[int] | str | None = None) -> Calendar:
    """A person's calendar: their zone, country, subdivision and leave, and the work week
    (``Settings.work_week`` text or parsed days; Monday to Friday when not given)."""
    if isinstance(work_week, str):
        work_week = parse_work_week(work_week)
    return Calendar(
        tz=getattr(person, "timezone", None) or "UTC",
        work_week=work_week or frozenset(range(5)),
        country=getattr(person, "country", None),
        subdivision=getattr(person, "subdivision", None),
        paused_until=getattr(person, "paused_until", None),
    )


# --- pulse check-ins: the hooks handlers.pulse.rounds calls before sending -----------------------


def hold_prompt(prompt: Any, round_: Any, person: Any, work_week: str) -> bool:
    """Whether a due check-in must not go out now, adjusting it when so:

    - the person is on leave that day: the prompt is ``skipped`` (never sent, never counted);
    - that day is not a working day for them: it moves to the same local time on their next
      working day, its reminder and close move with it, and the round stays open long enough
      (a published figure must not change after its round closed).
    """
    calendar = calendar_for(person, work_week)
    if calendar.on_leave(calendar.local_day(prompt.send_at)):
        prompt.status = "skipped"
        return True
    moved = calendar.next_working_instant(prompt.send_at)
    if moved == prompt.send_at:
        return False
    shift = moved - prompt.send_at
    prompt.send_at = moved
    prompt.remind_at += shift
    prompt.closes_at += shift
    if round_.closes_at < prompt.closes_at:
        round_.closes_at = prompt.closes_at
    return True


def hold_reminder(prompt: Any, person: Any, work_week: str) -> bool:
    """Whether a due reminder must wait for the person's next working day (it is moved, or
    dropped when the check-in closes before then)."""
    calendar = calendar_for(person, work_week)
    moved = calendar.next_working_instant(prompt.remind_at)
    if moved == prompt.remind_at:
        return False
    if moved >= prompt.closes_at:
        prompt.reminded = True  # no working moment left before it closes: no reminder
    else:
        prompt.remind_at = moved
    return True
