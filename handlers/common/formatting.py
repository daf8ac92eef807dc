"""Small formatting helpers every report shares: the one CSV writer, and sparklines."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BARS = "▁▂▃▄▅▆▇█"
GAP = "·"


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
