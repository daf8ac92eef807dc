"""The dashboard's charts as a reader sees them: lines rather than dots, a gap (never a zero)
where a figure is withheld, baselines that stay legible, a heat map labelled on top with
values in whichever ink contrasts more with the cell."""

from __future__ import annotations

import re
import textwrap

import pytest

from bot.web.charts import display_width, svg, wrap_label
from handlers.dashboard.model import HeatMap, LineChart, Reference, Series

BLUE = "#0072b2"  # the first series' colour (Okabe-Ito blue)
WEEKS = ("2027-W10", "2027-W11", "2027-W12", "2027-W13", "2027-W14")


def strokes(drawn: str, colour: str, width: str) -> list[int]:
    """Points of each path drawn in ``colour`` at ``width`` (the data lines, not the legend)."""
    found = []
    for d, style in re.findall(r'<path d="([^"]*)"([^>]*)>', drawn):
        ours = f"stroke: {colour}" in style and f"stroke-width: {width}" in style
        if ours and "clip-path" in style:  # in the plot (the legend's sample is not clipped)
            found.append(d.count("M") + d.count("L"))
    return found


def text_y(drawn: str, words: str) -> float:
    """Where a label sits (its y in the SVG; rotated labels are placed by a translate)."""
    found = re.search(
        r'<text[^>]*(?: y="|translate\([-\d.]+ )([-\d.]+)[^>]*>' + re.escape(words) + "</text>",
        drawn,
    )
    assert found, words
    return float(found.group(1))


def test_a_line_joins_the_weeks_asked_and_breaks_where_a_figure_is_withheld() -> None:
    chart = LineChart(
        x_labels=WEEKS,
        series=(
            Series(
                "Customer focus",
                (3.0, None, 3.4, None, 3.6),  # not asked in W11; withheld in W13
                gaps=(False, False, False, True, False),
            ),
        ),
        x_title="ISO week",
        y_title="mean score",
        y_range=(1.0, 5.0),
    )
    drawn = svg(chart, title="Score")
    # one line over W10..W12 (joined over the week nobody was asked), then a lone point:
    # nothing is drawn across the withheld week, and nothing drops to zero
    assert sorted(strokes(drawn, BLUE, "2.4")) == [1, 2]
    assert ">3.6</text>" in drawn  # the latest figure is written beside its point


def test_two_baselines_at_nearly_one_height_are_labelled_apart() -> None:
    chart = LineChart(
        x_labels=WEEKS[:3],
        series=(
            Series("Customer focus", (3.1, 3.3, 3.2)),
            Series("Leadership commitment", (2.8, None, 2.9)),
        ),
        x_title="ISO week",
        y_title="mean score",
        y_range=(1.0, 5.0),
        references=(
            Reference(
                "Customer focus: baseline 3.6 (assessment 1)",
                3.6,
                "Customer focus",
                short="baseline 3.6",
            ),
            Reference(
                "Leadership commitment: baseline 3.6 (assessment 1)",
                3.6,
                "Leadership commitment",
                short="baseline 3.6",
            ),
        ),
    )
    drawn = svg(chart, title="Score")
    labels = re.findall(r'<text[^>]* y="([-\d.]+)"[^>]*>baseline 3.6</text>', drawn)
    assert len(labels) == 2
    apart = abs(float(labels[0]) - float(labels[1]))
    assert apart >= 8, f"the two labels overlap ({apart:.1f} px apart)"
    dashes = set(re.findall(r"stroke-dasharray: ([\d.,]+)", drawn))
    assert len(dashes) >= 2  # the two lines differ in their dash too, not only in colour


def test_the_heat_map_has_its_labels_on_top_and_legible_values() -> None:
    chart = HeatMap(
        rows=("Whole organisation", "Team of Bea Hughes"),
        columns=("Customer focus", "Leadership commitment"),
        values=((4.9, 3.0), (1.1, None)),
        notes=(("4.9", "3.0"), ("1.1", "withheld")),
        x_title="theme",
        y_title="group",
        scale_title="mean score (1-5)",
        scale=(1.0, 5.0),
    )
    drawn = svg(chart, title="Heat")
    assert text_y(drawn, "Customer focus") < text_y(drawn, "Whole organisation")
    fills = dict(
        (words, fill)
        for fill, words in re.findall(
            r'<text style="[^"]*fill: (#[0-9a-f]{6})[^"]*"[^>]*>([\d.]+)</text>', drawn
        )
    )
    # the ends of the scale are dark cells (white ink), the middle is light (black ink);
    # matplotlib writes black ink without a fill
    assert fills.get("4.9") == "#ffffff" and fills.get("1.1") == "#ffffff"
    assert "3.0" not in fills or fills["3.0"] == "#000000"
    assert "hatch" not in drawn and 'id="h' not in drawn  # no hatched cells


JAPANESE = "チームの雰囲気とコミュニケーションの質についての評価"


def test_a_japanese_label_wraps_to_the_room_an_english_one_takes() -> None:
    """Japanese characters are twice as wide as Latin letters: wrapped by display width, no
    line is wider than an English line of 22 letters (textwrap, counting characters, made
    Japanese lines twice as wide and the labels ran into each other)."""
    lines = wrap_label(JAPANESE, 22).split("\n")
    assert "".join(lines) == JAPANESE  # nothing lost, nothing added
    assert all(display_width(line) <= 22 for line in lines)
    assert len(lines) == 3
    assert max(display_width(line) for line in textwrap.fill(JAPANESE, 22).split("\n")) > 22
    # a closing mark (here the long-vowel mark) never starts a line: it goes with the
    # character before it
    assert wrap_label("あいうえおかきくけこさーしす", 22) == "あいうえおかきくけこ\nさーしす"


@pytest.mark.parametrize(
    "label",
    [
        "Connectedness by department and week",
        "Team von Maximilian Mustermann-Schmidt",
        "Supercalifragilisticexpialidocious-words",
    ],
)
def test_a_latin_label_wraps_as_it_always_did(label: str) -> None:
    assert wrap_label(label, 22) == textwrap.fill(label, 22)
