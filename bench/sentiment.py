"""Sentiment scorer vs plain TextBlob on human-rated sets: `python -m bench sentiment`.

For each data set (by default every ``*_GroundTruth.txt`` in
``shared/datasets/vader-ground-truth/`` beside the repository; ``--data PATH``, repeatable,
runs on those files instead) it prints accuracy, macro-F1 (3 classes at +-0.05) and texts per
second on one core for the project's scorer (plain keys) and for ``TextBlob(text).sentiment``
(keys ``textblob_*``). Speed is the best of ``--repeat`` timed passes after a warm-up call, in
this one process. The last line is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from handlers.common.sentiment import Sentiment, score, textblob_score
from handlers.common.sentiment_eval import RatedText, evaluate, load_rated

DATA_DIR = Path("shared") / "datasets" / "vader-ground-truth"
REPO_ROOT = Path(__file__).resolve().parents[1]
GOAL = {"dataset": "tweets", "macro_f1": 0.75, "texts_per_second": 10_000}


def default_files() -> list[Path]:
    """The shared sets: ``<repo>/../shared/...`` first, then further up (git worktrees)."""
    for base in REPO_ROOT.parents:
        folder = base / DATA_DIR
        if folder.is_dir():
            return sorted(folder.glob("*_GroundTruth.txt"))
    return []


def dataset_name(path: Path) -> str:
    return path.stem.removesuffix("_GroundTruth")


def measure(
    scorer: Callable[[str], Sentiment], items: Sequence[RatedText], repeat: int
) -> dict[str, float]:
    texts = [item.text for item in items]
    scorer("warm up the analyzer")
    best = float("inf")
    polarities: list[float] = []
    for _ in range(repeat):
        start = time.perf_counter()
        polarities = [scorer(text).polarity for text in texts]
        best = min(best, time.perf_counter() - start)
    figures = evaluate(polarities, items)
    figures["texts_per_second"] = len(texts) / best if best > 0 else float("inf")
    return figures


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench sentiment", description=__doc__)
    parser.add_argument(
        "--data",
        action="append",
        type=Path,
        metavar="PATH",
        help="a tab-separated id<TAB>rating<TAB>text file (repeatable); replaces the defaults",
    )
    parser.add_argument("--repeat", type=int, default=3, help="timed passes per scorer")
    args = parser.parse_args(argv)
    files: list[Path] = args.data or default_files()
    if not files:
        sys.exit(f"no data: none of the folders above {REPO_ROOT} holds {DATA_DIR}; use --data")

    results: dict[str, dict[str, float | int]] = {}
    for path in files:
        items = load_rated(path)
        ours = measure(score, items, max(1, args.repeat))
        base = measure(textblob_score, items, max(1, args.repeat))
        row: dict[str, float | int] = {"items": len(items)}
        row.update({k: round(v, 4) for k, v in ours.items()})
        row.update({f"textblob_{k}": round(v, 4) for k, v in base.items()})
        name = dataset_name(path)
        results[name] = row
        print(
            f"{name:<22} n={len(items):>6}  project: acc {ours['accuracy']:.3f} "
            f"macro-F1 {ours['macro_f1']:.3f} {ours['texts_per_second']:>9,.0f}/s  |  "
            f"textblob: acc {base['accuracy']:.3f} macro-F1 {base['macro_f1']:.3f} "
            f"{base['texts_per_second']:>9,.0f}/s"
        )

    summary: dict[str, object] = {
        "benchmark": "sentiment",
        "classes": "rating/4 and polarity: >=0.05 positive, <=-0.05 negative, else neutral",
        "python": platform.python_version(),
        "datasets": results,
    }
    target = results.get(str(GOAL["dataset"]))
    if target is not None:
        summary["goal"] = {
            **GOAL,
            "met": target["macro_f1"] >= GOAL["macro_f1"]
            and target["texts_per_second"] >= GOAL["texts_per_second"],
        }
    print(json.dumps(summary, sort_keys=True))
