"""Small formatting helpers every report shares: the one CSV writer, sparklines, and dates
in words (a time of day in the reader's zone is ``bot.core.clock.format_local``)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

import prompts
from bot.core import localized

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BARS = "▁▂▃▄▅▆▇█"
GAP = "·"
# a pulse round published on its own (handlers/reports/disclosure.round_period)
ROUND_PERIOD = re.compile(r"^(\d{4})-W(\d{2})-([1-7])\.r(\d+)$")


def safe_cell(value: object) -> object:
    """A CSV cell a spreadsheet will not run: text starting with = + - @ (or a tab or carriage
    return, which some spreadsheets skip before a formula) gets a leading apostrophe. Numbers
    stay numbers (a negative number is data, not a formula)."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def safe_row(values: Iterable[object]) -> list[object]:
    return [safe_cell(v) for v in values]


def csv_text(header: Iterable[object], rows: Iterable[Iterable[object]]) -> str:
    """The one CSV writer of every export (CLI and dashboard): every cell, the header's too,
    through ``safe_cell``, so no text a person wrote reaches a spreadsheet as a formula."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(safe_row(header))
    writer.writerows(safe_row(row) for row in rows)
    return buffer.getvalue()


def sparkline(values: Sequence[float | None], low: float = 1.0, high: float = 5.0) -> str:
    """One character per value on a fixed 1-5 scale ("▁▃▅▇"); a gap (·) where a value is
    withheld or missing, so a withheld week is never drawn as a low one."""
    span = (high - low) or 1.0
    out = []
    for value in values:
        if value is None:
            out.append(GAP)
            continue
        position = (min(max(value, low), high) - low) / span
        out.append(BARS[round(position * (len(BARS) - 1))])
    return "".join(out)


def day_words(day: date) -> str:
    """A calendar day as a person reads it, in their language: "Wed 30 Jun 2027" (never
    2027-06-30)."""
    return localized.day(day)


def week_words(period: str) -> str:
    """A report period in words: "2027-W11" -> "week of 15 Mar 2027" (its Monday);
    "2027-W10-3.r12" (a round's own period) -> "check-in of Wed 10 Mar 2027" (the day it
    was asked); "assessment:3" -> "assessment 3"; anything else as it is."""
    if len(period) == 8 and period[4:6] == "-W" and period[:4].isdigit() and period[6:].isdigit():
        monday = date.fromisocalendar(int(period[:4]), int(period[6:]), 1)
        return prompts.text("report.week_of", day=localized.date_words(monday))
    asked = ROUND_PERIOD.match(period)
    if asked:  # a round published on its own: "2027-W10-3.r12" -> "check-in of Wed 10 Mar 2027"
        year, week, weekday = (int(asked[n]) for n in (1, 2, 3))
        day = date.fromisocalendar(year, week, weekday)
        return prompts.text("report.checkin_of", day=day_words(day))
    if period.startswith("assessment:"):
        return prompts.text("report.assessment_period", number=period.split(":", 1)[1])
    return period


def week_start_words(period: str) -> str:
    """A report week as a chart's axis names it: its Monday alone ("8 Mar 2027"), without
    ``week_words``' "week of" (the axis title says it); a check-in published on its own, the
    day it was asked ("Wed 10 Mar 2027"); anything else as ``week_words``."""
    if len(period) == 8 and period[4:6] == "-W" and period[:4].isdigit() and period[6:].isdigit():
        return localized.date_words(date.fromisocalendar(int(period[:4]), int(period[6:]), 1))
    asked = ROUND_PERIOD.match(period)
    if asked:
        return day_words(date.fromisocalendar(int(asked[1]), int(asked[2]), int(asked[3])))
    return week_words(period)


def weeks_words(first: str, last: str) -> str:
    """A run of report weeks: "1 Mar to 28 Mar 2027" (one week: ``week_words``)."""
    if first == last:
        return week_words(first)
    start = date.fromisocalendar(int(first[:4]), int(first[6:8]), 1)
    end = date.fromisocalendar(int(last[:4]), int(last[6:8]), 1) + timedelta(days=6)
    return localized.day_span(start, end)


def shortened(text: str, limit: int = 80) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis ("…" when empty)."""
    text = " ".join(text.split())
    if not text:
        return "…"
    return text if len(text) <= limit else text[: limit - 1] + "…"
