"""Sentiment scorer vs plain TextBlob on human-rated sets: `python -m bench sentiment`.

For each data set (by default every ``*_GroundTruth.txt`` in
``shared/datasets/vader-ground-truth/`` beside the repository; ``--data PATH``, repeatable,
runs on those files instead) it prints accuracy, macro-F1 (3 classes at +-0.05) and texts per
second on one core for the project's scorer (plain keys) and for ``TextBlob(text).sentiment``
(keys ``textblob_*``). Speed is the best of ``--repeat`` timed passes after a warm-up call, in
this one process. The last line is one JSON object with every figure.

Since texts are scored only in a measured language (``handlers.common.sentiment.assess``),
it also prints per set how many texts were detected as English, undetermined (both scored)
or another language (not scored), and the scorer's figures on the texts that stay scored
(keys ``scored_*``): an English text not scored would be a regression. ``--detector`` runs
only the detector's cost in a fresh process: import, first call (loading its models), memory.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from handlers.common.sentiment import Sentiment, assess, score, textblob_score
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


def languages(items: Sequence[RatedText]) -> dict[str, float | int]:
    """How the detector sorts the texts of an (English) set, and the figures on those scored."""
    found = [assess(item.text) for item in items]
    kept = [(item, f) for item, f in zip(items, found, strict=True) if f.sentiment is not None]
    counts: dict[str, int] = {}
    for f in found:
        counts[f.language or "none"] = counts.get(f.language or "none", 0) + 1
    figures = evaluate([f.polarity or 0.0 for _, f in kept], [item for item, _ in kept])
    return {
        "detected_en": counts.get("en", 0),
        "detected_und": counts.get("und", 0),
        "not_scored": len(items) - len(kept),
        "scored_share": round(len(kept) / len(items), 4) if items else 0.0,
        **{f"scored_{k}": round(v, 4) for k, v in figures.items()},
    }


DETECTOR_PROBE = """
import resource, time
t0 = time.perf_counter(); c0 = time.process_time()
from handlers.common.sentiment import assess
t1 = time.perf_counter(); c1 = time.process_time()
import sys; assert "lingua" not in sys.modules
assess("Le manager ne nous écoute jamais, c'est vraiment décevant.")
t2 = time.perf_counter(); c2 = time.process_time()
for _ in range(200):
    assess("The release went smoothly and the customer was happy.")
t3 = time.perf_counter()
print(round(t1 - t0, 3), round(c1 - c0, 3), round(t2 - t1, 3), round(c2 - c1, 3),
      round((t3 - t2) / 200 * 1000, 2),
      round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))
"""


def detector_cost() -> dict[str, float]:
    """Import the scorer, then detect one text, in a fresh process: what lingua costs."""
    import subprocess

    done = subprocess.run(
        [sys.executable, "-c", DETECTOR_PROBE],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO_ROOT,
    )
    keys = (
        "import_s",
        "import_cpu_s",
        "first_call_s",
        "first_call_cpu_s",
        "per_text_ms",
        "max_rss_mib",
    )
    return dict(zip(keys, map(float, done.stdout.split()), strict=True))


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
    parser.add_argument("--detector", action="store_true", help="only the language detector's cost")
    args = parser.parse_args(argv)
    if args.detector:
        print(json.dumps({"benchmark": "language detector", **detector_cost()}))
        return
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
        row.update(languages(items))
        name = dataset_name(path)
        results[name] = row
        print(
            f"{name:<22} n={len(items):>6}  project: acc {ours['accuracy']:.3f} "
            f"macro-F1 {ours['macro_f1']:.3f} {ours['texts_per_second']:>9,.0f}/s  |  "
            f"textblob: acc {base['accuracy']:.3f} macro-F1 {base['macro_f1']:.3f} "
            f"{base['texts_per_second']:>9,.0f}/s"
        )
        print(
            f"{'':<22} detected en {row['detected_en']}, undetermined {row['detected_und']}, "
            f"not scored {row['not_scored']} (scored {row['scored_share']:.2%}); on those "
            f"scored: acc {row['scored_accuracy']:.3f} macro-F1 {row['scored_macro_f1']:.3f}"
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
