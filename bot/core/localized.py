"""Dates, times and numbers in the reader's language (``prompts.current_locale()``), via Babel.

English keeps the forms culturebot has always written ("Wed 30 Jun 2027", "Wed 03 Mar 09:00",
"3.4", "45%"); every other language takes CLDR's own through Babel ("Mi., 30. Juni 2027",
"3,4", "45 %"). Numbers are rounded once, the same way in every language (Python's format),
and only then written with the language's symbols, so a figure never reads differently by
language.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_interval, format_skeleton, format_time
from babel.numbers import format_decimal, format_percent

import prompts

ENGLISH = prompts.ENGLISH


@cache
def _locale(code: str) -> Locale:
    return Locale.parse(code.replace("-", "_"))


def _speaking() -> str:
    return prompts.current_locale()


def day(when: date) -> str:
    """A calendar day with its weekday: "Wed 30 Jun 2027", "Mi., 30. Juni 2027"."""
    code = _speaking()
    if code == ENGLISH:
        return f"{when:%a} {when.day} {when:%b %Y}"
    return format_skeleton("yMMMEd", when, locale=_locale(code))


def weekday(index: int) -> str:
    """A weekday's name (0: Monday), as a sentence says it: "Monday", "Montag", "lundi"."""
    code = _speaking()
    if code == ENGLISH:
        return calendar.day_name[index]
    return str(_locale(code).days["format"]["wide"][index])


def utc_moment(when: datetime) -> str:
    """A moment in UTC, for a reader who may be anywhere (a link's expiry; the sentence says
    "UTC"): "2027-03-01 09:00" in English, each language's own date and time otherwise."""
    at = when.astimezone(UTC)
    code = _speaking()
    if code == ENGLISH:
        return at.strftime("%Y-%m-%d %H:%M")
    return _date_and_time(at, "yMMMd", _locale(code))


def date_words(when: date) -> str:
    """A calendar day without its weekday: "15 Mar 2027", "15. März 2027"."""
    code = _speaking()
    if code == ENGLISH:
        return f"{when.day} {when:%b %Y}"
    return format_skeleton("yMMMd", when, locale=_locale(code))


def day_span(first: date, last: date) -> str:
    """Two days as one span: "1 Mar to 22 Mar 2027", "1.–22. März 2027"."""
    code = _speaking()
    if code == ENGLISH:
        head = f"{first.day} {first:%b}" + ("" if first.year == last.year else f" {first.year}")
        return f"{head} to {last.day} {last:%b %Y}"
    return format_interval(first, last, "yMMMd", locale=_locale(code))


def moment(when: datetime, tz: str) -> str:
    """A time as a person reads it, in their own zone, weekday first: "Wed 03 Mar 09:00",
    "Mi., 3. März, 09:00", "3月3日(水) 9:00"."""
    local = when.astimezone(ZoneInfo(tz))
    code = _speaking()
    if code == ENGLISH:
        return local.strftime("%a %d %b %H:%M")
    return _date_and_time(local, "MMMEd", _locale(code))


def _date_and_time(when: datetime, skeleton: str, locale: Locale) -> str:
    """The day (as ``skeleton`` asks) and the short time, joined the way the language joins
    them (its medium date-time pattern: "{1}, {0}" in German, "{1} {0}" in Japanese)."""
    pattern = str(locale.datetime_formats["medium"])
    return pattern.format(
        format_time(when, "short", locale=locale), format_skeleton(skeleton, when, locale=locale)
    )


def number(value: object, spec: str = ".1f") -> str:
    """``value`` written with Python's ``spec`` (".1f", "+.1f", "+.0f", ".0f"), in the reader's
    language's symbols: "3.4", "+0.3" in English; "3,4", "+0,3" in German."""
    text = format(value, spec)
    code = _speaking()
    if code == ENGLISH:
        return text
    digits = len(text.partition(".")[2])
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    if spec.startswith("+"):
        pattern = f"+{pattern};-{pattern}"
    return format_decimal(Decimal(text), pattern, locale=_locale(code))


def percent(share: float, digits: int = 0) -> str:
    """A share (0.45) as a percentage: "45%" in English, "45 %" in German and French."""
    text = f"{share:.{digits}%}"
    code = _speaking()
    if code == ENGLISH:
        return text
    rounded = Decimal(text.rstrip("%")) / 100
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    locale = _locale(code)
    shape = str(locale.percent_formats[None].pattern).replace("#,##0", pattern, 1)
    return format_percent(rounded, shape, locale=locale)
