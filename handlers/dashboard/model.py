"""What a dashboard view is, independent of HTML: sections, each with a chart and its table.

The page, the JSON behind it and the exports are all made from the same ``View``, so what
one shows the others show, with the same scoping and the same withheld cells: a withheld
figure is ``None`` in a table and is never anywhere else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from handlers.common.formatting import csv_text

WITHHELD = "withheld"


@dataclass(frozen=True)
class Series:
    label: str
    values: tuple[float | None, ...]
    style: str = "solid"  # solid | dashed | dotted
    # True where the figure is withheld: the line breaks there (a week nobody was asked,
    # None without a gap, is stepped over, so the weeks that were asked read as one line)
    gaps: tuple[bool, ...] = ()


@dataclass(frozen=True)
class Reference:
    """A horizontal line (a baseline, a target), in the colour of the series it belongs to."""

    label: str
    value: float
    series: str = ""  # the series' label; "" for a neutral grey line
    style: str = "dashed"  # dashed | dotted
    short: str = ""  # written at the line's end ("baseline 3.2"); "" for the label itself


@dataclass(frozen=True)
class LineChart:
    x_labels: tuple[str, ...]
    series: tuple[Series, ...]
    x_title: str
    y_title: str
    y_range: tuple[float, float] | None = None
    references: tuple[Reference, ...] = ()
    kind: str = "line"


@dataclass(frozen=True)
class BarChart:
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    x_title: str
    y_title: str
    stacked: bool = False
    y_range: tuple[float, float] | None = None  # e.g. (1, 5) for a score
    counts: bool = False  # whole numbers only on the y axis (people, messages)
    kind: str = "bar"


@dataclass(frozen=True)
class HeatMap:
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    values: tuple[tuple[float | None, ...], ...]  # None: nothing to show in that cell
    notes: tuple[tuple[str, ...], ...]  # per cell text ("" / "withheld" / a value)
    x_title: str
    y_title: str
    scale_title: str
    scale: tuple[float, float] | None = None
    kind: str = "heatmap"


@dataclass(frozen=True)
class TreeNode:
    label: str
    state: str  # sender | relayed | escalated | pending | passed | none
    how: str  # "" (the sender) | relay | escalation | waiting
    people: int  # people below this node reached directly (not managers)
    children: tuple[TreeNode, ...] = ()


@dataclass(frozen=True)
class TreeChart:
    root: TreeNode
    title: str
    first_level: int = 0  # the root's level below the sender (a manager's part starts lower)
    kind: str = "tree"


Chart = LineChart | BarChart | HeatMap | TreeChart


@dataclass(frozen=True)
class Table:
    """Rows of plain values; ``columns`` are the JSON/CSV keys, ``headers`` what people read."""

    columns: tuple[str, ...]
    headers: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    table: Table
    chart: Chart | None = None
    summary: str = ""  # one sentence a screen reader hears for the chart
    note: str = ""


@dataclass
class View:
    name: str  # overview | groups | roadmap | stories | cascades | delivery
    title: str
    scope: str  # the scope's key, e.g. "org", "subtree-12"
    scope_label: str
    sections: list[Section] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. the cascades one may pick

    def section(self, section_id: str) -> Section:
        for section in self.sections:
            if section.id == section_id:
                return section
        raise KeyError(section_id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "view": self.name,
            "title": self.title,
            "scope": {"key": self.scope, "label": self.scope_label},
            **self.extra,
            "sections": {
                s.id: {"title": s.title, "note": s.note, "rows": s.table.records()}
                for s in self.sections
            },
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, default=_plain)


def _plain(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def to_csv(table: Table) -> str:
    """A section's table as CSV (the one writer): a header of column keys; a missing value is
    empty; formulas neutralised."""
    return csv_text(table.columns, table.rows)
