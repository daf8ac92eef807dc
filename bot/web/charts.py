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
deficiency); heat maps use ``PuOr`` for a score around its middle and ``Blues`` for a count,
with each cell's text in black or white by contrast; states of a cascade link differ by marker shape and
line style too, never by colour alone. A rendered chart is cached by its content: the
published figures behind it never change, so the same chart is never drawn twice.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import threading
import unicodedata
from collections import OrderedDict
from typing import Any

import prompts
from bot.core.localized import number
from handlers.dashboard.model import (
    BarChart,
    Chart,
    HeatMap,
    LineChart,
    Series,
    TreeChart,
    TreeNode,
)

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
STATES = {  # cascade link state -> (colour, marker); its name: dashboard_cascades.state_<state>
    "sender": ("#000000", "*"),
    "relayed": ("#009E73", "o"),
    "escalated": ("#D55E00", "^"),
    "pending": ("#E69F00", "s"),
    "passed": ("#CC79A7", "D"),
    "none": ("#999999", "."),
}
WITHHELD_COLOUR = "#E6E6E6"
_CACHE: OrderedDict[str, str] = OrderedDict()
_CACHE_SIZE = 256
_LOCK = threading.Lock()  # pyplot is not used, but rcParams are global: one drawing at a time


def svg(chart: Chart, *, title: str) -> str:
    """The chart as an inline ``<svg>`` element (scales to its container's width)."""
    # the legend's words are in the reader's language: a chart is drawn once per language
    key = hashlib.sha256(repr((chart, title, prompts.current_locale())).encode("utf-8")).hexdigest()
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
            # a line or bar chart is drawn narrow with larger words, to stay legible when a
            # phone scales it to its width; a heat map or tree is wide, its words smaller
            "font.size": 10 if isinstance(chart, HeatMap | TreeChart) else 12,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.prop_cycle": cycler(color=OKABE_ITO),
        }
    ):
        if isinstance(chart, LineChart):
            fig = _line(Figure(figsize=(6, 3.4)), chart)
        elif isinstance(chart, BarChart):
            fig = _bar(Figure(figsize=(6, 3.4)), chart)
        elif isinstance(chart, HeatMap):
            height = min(2.0 + 0.35 * len(chart.rows), 14)
            fig = _heat(Figure(figsize=(8, height)), chart)
        else:
            fig = _tree(chart)
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    return _inline(buffer.getvalue(), title, wide=isinstance(chart, HeatMap | TreeChart))


def _inline(document: str, title: str, *, wide: bool = False) -> str:
    """Drop the XML prolog; let the SVG scale to the page's width (its viewBox keeps shape)."""
    start = document.index("<svg")
    element = document[start:]
    head_end = element.index(">")
    head = element[:head_end]
    head = re.sub(r'\s(width|height)="[^"]*"', "", head)
    safe_title = title.replace("&", "&amp;").replace("<", "&lt;")
    return (
        f'{head} role="img" aria-hidden="true" class="chart{" wide" if wide else ""}" '
        'preserveAspectRatio="xMinYMin meet">'
        f"<title>{safe_title}</title>{element[head_end + 1 :]}"
    )


def _legend(ax: Any, n: int, *, slanted: bool = False) -> None:
    """Below the plot, so the chart is no wider than its plot (a phone scales it to its
    width); two columns while the labels are short, one when they are long."""
    if not n or not ax.get_legend_handles_labels()[0]:  # every figure withheld: no name
        return
    ax.legend(
        loc="upper left",
        bbox_to_anchor=(0.0, -0.42 if slanted else -0.3),
        ncols=2 if max(map(len, ax.get_legend_handles_labels()[1])) <= 24 else 1,
        frameon=False,
        fontsize=11,
        title=prompts.text("dashboard_chart.legend"),
        title_fontsize=11,
        alignment="left",
    )


def runs(series: Series) -> list[list[tuple[int, float]]]:
    """The stretches of a line: the weeks with a figure, joined over weeks nobody was asked
    (so a theme asked every third week reads as one line) and broken where a figure is
    withheld (a gap, never a zero)."""
    out: list[list[tuple[int, float]]] = [[]]
    for i, value in enumerate(series.values):
        if i < len(series.gaps) and series.gaps[i]:
            if out[-1]:
                out.append([])
        elif value is not None:
            out[-1].append((i, value))
    return [run for run in out if run]


def _line(fig: Any, chart: LineChart) -> Any:
    ax = fig.add_subplot()
    colours = {series.label: OKABE_ITO[i % len(OKABE_ITO)] for i, series in enumerate(chart.series)}
    for series in chart.series:
        colour = colours[series.label]
        style = {"solid": "-", "dashed": "--", "dotted": ":"}[series.style]
        stretches = runs(series)
        for n, stretch in enumerate(stretches):
            alone = len(stretch) == 1  # a single figure: a larger dot, still in the legend
            ax.plot(
                [i for i, _ in stretch],
                [v for _, v in stretch],
                marker="o",
                markersize=7 if alone else 5,
                linewidth=2.4,
                linestyle=style,
                color=colour,
                label=series.label if n == 0 else None,
            )
        if stretches:  # the latest figure, written beside its point
            i, v = stretches[-1][-1]
            wide = chart.y_range is not None and chart.y_range[1] - chart.y_range[0] > 10
            ax.annotate(
                number(v, ".0f") if wide else number(v),
                (i, v),
                xytext=(6, 4),
                textcoords="offset points",
                fontsize=11,
                fontweight="bold",
                color=colour,
            )
    _references(ax, chart, colours)
    _x_ticks(ax, chart.x_labels)
    if len(chart.x_labels) < 4:  # a week or two should not sit on the chart's edges
        pad = (4 - len(chart.x_labels)) / 4
        ax.set_xlim(-0.3 - pad, len(chart.x_labels) - 0.7 + pad)
    if chart.y_range:
        ax.set_ylim(*chart.y_range)
    ax.set_xlabel(chart.x_title)
    ax.set_ylabel(chart.y_title)
    ax.grid(axis="y", color="#E5E5E5")
    _legend(ax, len(chart.series) + len(chart.references), slanted=len(chart.x_labels) > 4)
    return fig


def _references(ax: Any, chart: LineChart, colours: dict[str, str]) -> None:
    """Baselines and targets: a dashed (or dotted) line each, in its theme's colour, with a
    label at the right edge; labels of lines close together are moved apart to stay legible,
    and each line has its own dash pattern so two at one height still read as two."""
    if not chart.references:
        return
    low, high = chart.y_range or (
        min(r.value for r in chart.references),
        max(r.value for r in chart.references) or 1.0,
    )
    gap = (high - low) * 0.075  # about one line of 9 pt text on these charts
    placed: list[float] = []
    patterns = ((0, (6, 3)), (0, (3, 3)), (0, (8, 2, 2, 2)), (0, (1, 2)))
    for n, ref in sorted(enumerate(chart.references), key=lambda item: item[1].value):
        colour = colours.get(ref.series, "#555555")
        pattern = patterns[n % 3] if ref.style == "dashed" else patterns[3]
        ax.axhline(ref.value, color=colour, linewidth=1.4, linestyle=pattern, label=ref.label)
        y = ref.value if not placed else max(ref.value, placed[-1] + gap)
        placed.append(y)
        ax.annotate(
            ref.short or ref.label,  # "baseline 3.2", "target 3.8"
            xy=(1.0, ref.value),
            xycoords=("axes fraction", "data"),
            xytext=(1.01, y),
            textcoords=("axes fraction", "data"),
            va="center",
            fontsize=10,
            color=colour,
            arrowprops={"arrowstyle": "-", "color": colour, "linewidth": 0.6}
            if abs(y - ref.value) > 1e-9
            else None,
        )


# closing marks that never start a line (Japanese line-breaking rules, kinsoku): kept with
# the character before them
_CLOSING = frozenset("、。，．・：；？！）」』】〕ーぁぃぅぇぉっゃゅょァィゥェォッャュョ")


def display_width(text: str) -> int:
    """Columns ``text`` takes: East Asian wide and full-width characters count two (a
    Japanese character is about as wide as two Latin letters), everything else one."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pieces(text: str, width: int) -> list[tuple[str, bool]]:
    """The pieces a line may break between, each with whether a space comes before it: words
    (cut where one alone is wider than a line, as textwrap does), and each wide character on
    its own (with the closing marks after it)."""
    pieces: list[tuple[str, bool]] = []
    for word in text.split():
        spaced, run, wide = True, "", False

        def flush() -> None:
            nonlocal spaced, run
            if run:
                pieces.append((run, spaced))
                spaced, run = False, ""

        for char in word:
            if char in _CLOSING and run:
                run += char
                continue
            if unicodedata.east_asian_width(char) in "WF":
                flush()
                run, wide = char, True
                continue
            if wide:
                flush()
                wide = False
            run += char
            if len(run) >= width:
                flush()
        flush()
    return pieces


def wrap_label(text: str, width: int = 22) -> str:
    """``text`` on lines of at most ``width`` columns (``display_width``), broken at spaces or
    between wide characters, so a Japanese label fits the same room as an English one
    (textwrap counts characters, and would make Japanese lines twice as wide)."""
    lines: list[str] = []
    line, used = "", 0
    for piece, spaced in _pieces(text, width):
        gap = " " if spaced and line else ""
        size = display_width(piece)
        if line and used + len(gap) + size > width:
            lines.append(line)
            line, used = piece, size
        else:
            line, used = line + gap + piece, used + len(gap) + size
    if line:
        lines.append(line)
    return "\n".join(lines)


def _x_ticks(ax: Any, labels: tuple[str, ...]) -> None:
    step = max(1, math.ceil(len(labels) / 12))
    ticks = list(range(0, len(labels), step))
    if len(labels) <= 4:  # few, maybe long, labels: wrapped and level
        ax.set_xticks(ticks, [wrap_label(labels[i], 22) for i in ticks])
    else:
        ax.set_xticks(ticks, [labels[i] for i in ticks], rotation=30, ha="right")


def _bar(fig: Any, chart: BarChart) -> Any:
    ax = fig.add_subplot()
    n = max(1, len(chart.series))
    x = list(range(len(chart.categories)))
    bottoms = [0.0] * len(x)
    width = 0.8 if chart.stacked else 0.8 / n
    for i, series in enumerate(chart.series):
        # no figure (withheld, or none yet): no bar, never a bar of zero (stacked: nothing added)
        values = [(0.0 if chart.stacked else math.nan) if v is None else v for v in series.values]
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
    if chart.y_range:
        ax.set_ylim(*chart.y_range)
    if chart.counts:
        from matplotlib.ticker import MaxNLocator

        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(chart.x_title)
    ax.set_ylabel(chart.y_title)
    ax.grid(axis="y", color="#E5E5E5")
    ax.set_axisbelow(True)
    _legend(ax, len(chart.series), slanted=len(chart.categories) > 4)
    return fig


def _luminance(rgba: tuple[float, ...]) -> float:
    """WCAG relative luminance of a colour (0 black .. 1 white)."""

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgba[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ink_on(rgba: tuple[float, ...]) -> str:
    """Black or white, whichever contrasts more with the cell (WCAG contrast ratio)."""
    lum = _luminance(rgba)
    return "#000000" if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "#FFFFFF"


def _heat(fig: Any, chart: HeatMap) -> Any:
    """A scale with a middle (scores 1-5) in a diverging palette (orange low, blue high;
    readable with every common colour-vision deficiency), a count in a sequential blue; the
    column labels on top, where the eye starts; each value in black or white, whichever
    contrasts more with its cell. A withheld cell is plain light grey, no hatching."""
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
    cmap = "PuOr" if chart.scale else "Blues"
    image = ax.imshow(masked, cmap=cmap, vmin=low, vmax=high or 1.0, aspect="auto")
    withheld = False
    for r, row in enumerate(chart.notes):
        for c, note in enumerate(row):
            value = chart.values[r][c]
            if value is None:
                if note:
                    withheld = True
                    ax.add_patch(
                        Rectangle((c - 0.5, r - 0.5), 1, 1, facecolor=WITHHELD_COLOUR, linewidth=0)
                    )
                    ax.text(c, r, note, ha="center", va="center", fontsize=8, color="#333333")
                continue
            ax.text(
                c,
                r,
                note,
                ha="center",
                va="center",
                fontsize=10,
                fontweight="bold",
                color=ink_on(image.cmap(image.norm(value))),
            )
    ax.xaxis.tick_top()
    ax.xaxis.set_label_position("top")
    ax.set_xticks(range(len(chart.columns)), chart.columns, rotation=30, ha="left")
    ax.set_yticks(range(len(chart.rows)), chart.rows)
    ax.tick_params(length=0)
    ax.set_xlabel(chart.x_title)
    ax.set_ylabel(chart.y_title)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xticks([x - 0.5 for x in range(1, len(chart.columns))], minor=True)
    ax.set_yticks([y - 0.5 for y in range(1, len(chart.rows))], minor=True)
    ax.grid(which="minor", color="white", linewidth=2)
    ax.tick_params(which="minor", length=0)
    bar = fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02)
    bar.set_label(chart.scale_title)
    handles = [
        Patch(facecolor=image.cmap(0.05), label=prompts.text("dashboard_chart.low")),
        Patch(facecolor=image.cmap(0.95), label=prompts.text("dashboard_chart.high")),
    ]
    if withheld:
        handles.append(
            Patch(facecolor=WITHHELD_COLOUR, label=prompts.text("dashboard_chart.withheld"))
        )
    if any(
        v is None and not n
        for vs, ns in zip(chart.values, chart.notes, strict=True)
        for v, n in zip(vs, ns, strict=True)
    ):
        handles.append(
            Patch(
                facecolor="white",
                edgecolor="#888888",
                label=prompts.text("dashboard_chart.blank"),
            )
        )
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(0, -0.02),
        frameon=False,
        fontsize=9,
        title=prompts.text("dashboard_chart.legend"),
        title_fontsize=9,
        ncols=min(len(handles), 2),
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
        state = node.state if node.state in STATES else "none"
        colour, marker = STATES[state]
        name = prompts.text(f"dashboard_cascades.state_{state}")
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
        range(int(depth) + 1),
        [
            prompts.text("dashboard_cascades.level", level=i + chart.first_level)
            for i in range(int(depth) + 1)
        ],
    )
    ax.set_yticks([])
    ax.set_xlabel(prompts.text("dashboard_cascades.level_x"))
    ax.spines["left"].set_visible(False)
    handles, labels = ax.get_legend_handles_labels()
    handles += [
        Line2D(
            [0],
            [0],
            color="#777777",
            linestyle="-",
            label=prompts.text("dashboard_cascades.by_relay"),
        ),
        Line2D(
            [0],
            [0],
            color="#D55E00",
            linestyle="--",
            label=prompts.text("dashboard_cascades.by_escalation"),
        ),
    ]
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        frameon=False,
        fontsize=9,
        title=prompts.text("dashboard_chart.legend"),
        title_fontsize=9,
    )
    return fig
