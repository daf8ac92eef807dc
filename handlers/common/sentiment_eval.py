"""Measuring a sentiment scorer against human ratings: loading, classes and metrics.

Shared by ``bench/sentiment.py`` and the tests, so it lives in the installed package.

The human-rated sets (VADER ground truth) are tab-separated ``id<TAB>mean rating<TAB>text``
lines (CRLF line ends), the rating being the mean of about 20 raters on -4..+4. Both the
rating (divided by 4) and a scorer's polarity are mapped to three classes with the same cut:
``>= +threshold`` positive, ``<= -threshold`` negative, otherwise neutral.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Label = Literal["negative", "neutral", "positive"]
LABELS: tuple[Label, ...] = ("negative", "neutral", "positive")
DEFAULT_THRESHOLD = 0.05
RATING_SCALE = 4.0


@dataclass(frozen=True, slots=True)
class RatedText:
    id: str
    rating: float  # mean human rating on -4..+4
    text: str

    @property
    def label(self) -> Label:
        return label_of(self.rating / RATING_SCALE)


def label_of(polarity: float, threshold: float = DEFAULT_THRESHOLD) -> Label:
    """Map a polarity in [-1, 1] to a class with a symmetric cut."""
    if polarity >= threshold:
        return "positive"
    if polarity <= -threshold:
        return "negative"
    return "neutral"


def load_rated(path: Path) -> list[RatedText]:
    """Read ``id<TAB>rating<TAB>text`` lines; blank lines are skipped, bad lines raise."""
    items: list[RatedText] = []
    with path.open(encoding="utf-8", newline="") as handle:
        for number, raw in enumerate(handle, start=1):
            line = raw.rstrip("\r\n")
            if not line.strip():
                continue
            parts = line.split("\t", 2)
            if len(parts) != 3:
                raise ValueError(f"{path}:{number}: expected id<TAB>rating<TAB>text")
            try:
                rating = float(parts[1])
            except ValueError as exc:
                raise ValueError(f"{path}:{number}: rating {parts[1]!r} is not a number") from exc
            items.append(RatedText(id=parts[0], rating=rating, text=parts[2]))
    return items


def confusion(gold: Sequence[Label], predicted: Sequence[Label]) -> dict[tuple[Label, Label], int]:
    """Counts keyed by (gold, predicted), every one of the 9 cells present."""
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted differ in length")
    cells = {(g, p): 0 for g in LABELS for p in LABELS}
    for g, p in zip(gold, predicted, strict=True):
        cells[(g, p)] += 1
    return cells


def accuracy(cells: dict[tuple[Label, Label], int]) -> float:
    total = sum(cells.values())
    return sum(cells[(c, c)] for c in LABELS) / total if total else 0.0


def f1_per_class(cells: dict[tuple[Label, Label], int]) -> dict[Label, float]:
    """F1 of each class; a class never predicted nor present scores 0."""
    scores: dict[Label, float] = {}
    for c in LABELS:
        tp = cells[(c, c)]
        fp = sum(cells[(g, c)] for g in LABELS if g != c)
        fn = sum(cells[(c, p)] for p in LABELS if p != c)
        scores[c] = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return scores


def macro_f1(cells: dict[tuple[Label, Label], int]) -> float:
    """Unweighted mean of the three per-class F1 scores."""
    per_class = f1_per_class(cells)
    return sum(per_class.values()) / len(per_class)


def evaluate(polarities: Iterable[float], items: Sequence[RatedText]) -> dict[str, float]:
    """Accuracy and macro-F1 of polarities against the items' human ratings."""
    predicted = [label_of(p) for p in polarities]
    cells = confusion([item.label for item in items], predicted)
    return {"accuracy": accuracy(cells), "macro_f1": macro_f1(cells)}
