"""Charts as SVG, drawn on the server with matplotlib.

Why matplotlib: a well-kept library from PyPI that draws on the server, so the page needs no
JavaScript at all (the Content-Security-Policy allows none inline and none from elsewhere),
works in any browser and at any width, and nothing is fetched when a page is viewed.
``svg.fonttype = none`` keeps every label as real text (selectable, read by the browser test,
scaled by the browser), ``text.parse_math = False`` keeps a "$" in a team's name from being
read as math, and each chart gets its own ``svg.hashsalt`` so ids of several inline charts
on one page never collide. matplotlib is imported on the first chart only (it takes about a
second), never by the CLI or the bot's other paths.

Colours are the Okabe-Ito palette (distinguishable with every common colour-vision
deficiency); heat maps use ``cividis``; states of a cascade link differ by marker shape and
line style too, never by colour alone. A rendered chart is cached by its content: the
published figures behind it never change, so the same chart is never drawn twice.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import threading
from collections import OrderedDict
from typing import Any

from handlers.dashboard.model import BarChart, Chart, HeatMap, LineChart, TreeChart, TreeNode

OKABE_ITO = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
)
STATES = {  # cascade link state -> (label, colour, marker)
    "sender": ("sender", "#000000", "*"),
    "relayed": ("relayed", "#009E73", "o"),
    "escalated": ("escalated", "#D55E00", "^"),
    "pending": ("pending", "#E69F00", "s"),
    "passed": ("broken (left)", "#CC79A7", "D"),
    "none": ("no link", "#999999", "."),
}
WITHHELD_COLOUR = "#DDDDDD"
_CACHE: OrderedDict[str, str] = OrderedDict()
_CACHE_SIZE = 256
_LOCK = threading.Lock()  # pyplot is not used, but rcParams are global: one drawing at a time


def svg(chart: Chart, *, title: str) -> str:
    """The chart as an inline ``<svg>`` element (scales to its container's width)."""
    key = hashlib.sha256(repr((chart, title)).encode("utf-8")).hexdigest()
    with _LOCK:
        cached = _CACHE.get(key)
        if cached is not None:
            _CACHE.move_to_end(key)
            return cached
        drawn = _draw(chart, title, salt=key[:12])
        _CACHE[key] = drawn
        if len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
        return drawn


def _draw(chart: Chart, title: str, *, salt: str) -> str:
    import matplotlib

    matplotlib.use("svg", force=False)
    from matplotlib.figure import Figure
    from matplotlib.rcsetup import cycler

    with matplotlib.rc_context(
        {
            "svg.fonttype": "none",
            "svg.hashsalt": salt,
            "text.parse_math": False,
            "font.family": "sans-serif",
            "font.size": 10,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.prop_cycle": cycler(color=OKABE_ITO),
        }
    ):
        if isinstance(chart, LineChart):
            fig = _line(Figure(figsize=(8, 3.6)), chart)
        elif isinstance(chart, BarChart):
            fig = _bar(Figure(figsize=(8, 3.6)), chart)
        elif isinstance(chart, HeatMap):
            height = min(2.0 + 0.35 * len(chart.rows), 14)
            fig = _heat(Figure(figsize=(8, height)), chart)
        else:
            fig = _tree(chart)
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    return _inline(buffer.getvalue(), title)


def _inline(document: str, title: str) -> str:
    """Drop the XML prolog; let the SVG scale to the page's width (its viewBox keeps shape)."""
    start = document.index("<svg")
    element = document[start:]
    head_end = element.index(">")
    head = element[:head_end]
    head = re.sub(r'\s(width|height)="[^"]*"', "", head)
    safe_title = title.replace("&", "&amp;").replace("<", "&lt;")
    return (
        f'{head} role="img" aria-hidden="true" class="chart" preserveAspectRatio="xMinYMin meet">'
        f"<title>{safe_title}</title>{element[head_end + 1 :]}"
    )


def _legend(ax: Any, n: int) -> None:
    """Beside the plot; below it (two columns) when there are many entries."""
    if not n:
        return
    below = n > 4
    ax.legend(
        loc="upper left",
        bbox_to_anchor=(0.0, -0.3) if below else (1.01, 1.0),
        ncols=2 if below else 1,
        frameon=False,
        fontsize=9,
        title="Legend",
        title_fontsize=9,
        alignment="left",
    )


def _line(fig: Any, chart: LineChart) -> Any:
    ax = fig.add_subplot()
    x = list(range(len(chart.x_labels)))
    for series in chart.series:
        # only the weeks with a figure: a theme asked every third week reads as one line
        points = [(i, v) for i, v in zip(x, series.values, strict=True) if v is not None]
        ax.plot(
            [i for i, _ in points],
            [v for _, v in points],
            marker="o",
            markersize=4,
            linewidth=1.8,
            linestyle={"solid": "-", "dashed": "--", "dotted": ":"}[series.style],
            label=series.label,
        )
    colours = {series.label: OKABE_ITO[i % len(OKABE_ITO)] for i, series in enumerate(chart.series)}
    for ref in chart.references:
        ax.axhline(
            ref.value,
            color=colours.get(ref.series, "#555555"),
            linewidth=1.2,
            linestyle=(0, (5, 3)) if ref.style == "dashed" else (0, (1, 2)),
            label=ref.label,
        )
    _x_ticks(ax, chart.x_labels)
    if chart.y_range:
        ax.set_ylim(*chart.y_range)
    ax.set_xlabel(chart.x_title)
    ax.set_ylabel(chart.y_title)
    ax.grid(axis="y", color="#E5E5E5")
    _legend(ax, len(chart.series) + len(chart.references))
    return fig


def _x_ticks(ax: Any, labels: tuple[str, ...]) -> None:
    import textwrap

    step = max(1, math.ceil(len(labels) / 12))
    ticks = list(range(0, len(labels), step))
    if len(labels) <= 4:  # few, maybe long, labels: wrapped and level
        ax.set_xticks(ticks, [textwrap.fill(labels[i], 22) for i in ticks])
    else:
        ax.set_xticks(ticks, [labels[i] for i in ticks], rotation=30, ha="right")


def _bar(fig: Any, chart: BarChart) -> Any:
    ax = fig.add_subplot()
    n = max(1, len(chart.series))
    x = list(range(len(chart.categories)))
    bottoms = [0.0] * len(x)
    width = 0.8 if chart.stacked else 0.8 / n
    for i, series in enumerate(chart.series):
        values = [0.0 if v is None else v for v in series.values]
        if chart.stacked:
            ax.bar(x, values, width, bottom=bottoms, label=series.label, edgecolor="white")
            bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
        else:
            offset = (i - (n - 1) / 2) * width
            ax.bar([p + offset for p in x], values, width, label=series.label, edgecolor="white")
    _x_ticks(ax, chart.categories)
    if len(x) < 4:  # a bar or two should not fill the whole width
        pad = (4 - len(x)) / 2
        ax.set_xlim(-0.5 - pad, len(x) - 0.5 + pad)
    if "(1-5)" in chart.y_title:
        ax.set_ylim(1, 5)
    if "(count)" in chart.y_title:
        from matplotlib.ticker import MaxNLocator

        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(chart.x_title)
    ax.set_ylabel(chart.y_title)
    ax.grid(axis="y", color="#E5E5E5")
    ax.set_axisbelow(True)
    _legend(ax, len(chart.series))
    return fig


def _heat(fig: Any, chart: HeatMap) -> Any:
    import numpy as np
    from matplotlib.patches import Patch, Rectangle

    ax = fig.add_subplot()
    data = np.array(
        [[np.nan if v is None else v for v in row] for row in chart.values], dtype=float
    )
    masked = np.ma.masked_invalid(data)
    low, high = chart.scale or (
        (float(np.nanmin(data)), float(np.nanmax(data))) if masked.count() else (0.0, 1.0)
    )
    image = ax.imshow(masked, cmap="cividis", vmin=low, vmax=high or 1.0, aspect="auto")
    cmap_colour = image.cmap(0.6)
    withheld = False
    for r, row in enumerate(chart.notes):
        for c, note in enumerate(row):
            value = chart.values[r][c]
            if value is None:
                if note:
                    withheld = True
                    ax.add_patch(
                        Rectangle(
                            (c - 0.5, r - 0.5),
                            1,
                            1,
                            facecolor=WITHHELD_COLOUR,
                            hatch="//",
                            edgecolor="#888888",
                            linewidth=0,
                        )
                    )
                    ax.text(c, r, note, ha="center", va="center", fontsize=7, color="#333333")
                continue
            shade = (value - low) / ((high - low) or 1.0)
            ax.text(
                c,
                r,
                note,
                ha="center",
                va="center",
                fontsize=8,
                color="#000000" if shade > 0.55 else "#FFFFFF",
            )
    ax.set_xticks(range(len(chart.columns)), chart.columns, rotation=30, ha="right")
    ax.set_yticks(range(len(chart.rows)), chart.rows)
    ax.set_xlabel(chart.x_title)
    ax.set_ylabel(chart.y_title)
    for spine in ax.spines.values():
        spine.set_visible(False)
    bar = fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02)
    bar.set_label(chart.scale_title)
    handles = [Patch(facecolor=cmap_colour, label=f"colour: {chart.scale_title}")]
    if withheld:
        handles.append(
            Patch(facecolor=WITHHELD_COLOUR, hatch="//", edgecolor="#888888", label="withheld")
        )
    if any(
        v is None and not n
        for vs, ns in zip(chart.values, chart.notes, strict=True)
        for v, n in zip(vs, ns, strict=True)
    ):
        handles.append(Patch(facecolor="white", edgecolor="#888888", label="blank: no figure"))
    ax.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0, 1.01),
        frameon=False,
        fontsize=9,
        title="Legend",
        title_fontsize=9,
        ncols=len(handles),
    )
    return fig


def _tree(chart: TreeChart) -> Any:
    """The chain left to right: level on x, managers stacked on y in chain order."""
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    placed: list[tuple[TreeNode, float, float]] = []
    edges: list[tuple[float, float, float, float, str]] = []
    next_row = [0.0]

    def place(node: TreeNode, depth: int) -> float:
        if not node.children:
            y = next_row[0]
            next_row[0] += 1
        else:
            ys = [place(child, depth + 1) for child in node.children]
            y = sum(ys) / len(ys)
            for child, cy in zip(node.children, ys, strict=True):
                edges.append((depth, y, depth + 1, cy, child.how))
        placed.append((node, float(depth), y))
        return y

    place(chart.root, 0)
    rows = max(1.0, next_row[0])
    depth = max(x for _, x, _ in placed)
    fig = Figure(figsize=(8, min(1.5 + 0.28 * rows, 30)))
    ax = fig.add_subplot()
    for x0, y0, x1, y1, how in edges:
        ax.plot(
            [x0, x0 + 0.5, x0 + 0.5, x1],
            [y0, y0, y1, y1],
            color="#777777" if how != "escalation" else "#D55E00",
            linestyle="--" if how in ("escalation", "waiting") else "-",
            linewidth=1,
        )
    seen: set[str] = set()
    label_names = len(placed) <= 60
    for node, x, y in placed:
        name, colour, marker = STATES.get(node.state, STATES["none"])
        ax.plot(
            [x],
            [y],
            marker=marker,
            markersize=8,
            color=colour,
            linestyle="none",
            label=name if name not in seen else None,
        )
        seen.add(name)
        if label_names:
            extra = f" (+{node.people})" if node.people else ""
            ax.text(x + 0.08, y, f"{node.label}{extra}", va="center", fontsize=8)
    ax.set_xlim(-0.2, depth + 1.2)
    ax.set_ylim(rows - 0.5, -0.5)
    ax.set_xticks(
        range(int(depth) + 1), [f"level {i + chart.first_level}" for i in range(int(depth) + 1)]
    )
    ax.set_yticks([])
    ax.set_xlabel("level below the sender")
    ax.spines["left"].set_visible(False)
    handles, labels = ax.get_legend_handles_labels()
    handles += [
        Line2D([0], [0], color="#777777", linestyle="-", label="reached by relay"),
        Line2D([0], [0], color="#D55E00", linestyle="--", label="reached by escalation"),
    ]
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        frameon=False,
        fontsize=9,
        title="Legend",
        title_fontsize=9,
    )
    return fig
