"""`python -m bench startup [--runs 7]`

How long a short command takes from exec to exit (issue 22, point 6: goal < 0.3 s). Each
command runs ``--runs`` times as a real process (``python -m bot.cli ...``, the same code the
``culturebot`` console script runs), and the median wall time is reported per command:

- ``version_s``: ``culturebot --version``;
- ``tick_s``: ``culturebot tick`` on a migrated, empty SQLite file (nothing due);
- ``tick_history_s``: ``culturebot tick`` at an idle moment of a year of history
  (bench/history.py, ``--people``, ending the last Wednesday noon: the ticks before the timed
  ones do what is due since, until one records a quiet time), the idle tick without the ORM
  (storage.quiet);
- ``tick_full_s``: the same, each run made to take the full tick (a change row is added
  before it, as any write would), what every tick cost before the idle tick.

Beside each, ``*_cpu_s`` is the median CPU time (user + system) of the same runs: on a busy
machine the wall time mostly measures the queue for a CPU, and the CPU time does not.

The first run of each command is a warm-up (it writes compiled bytecode, as an install has;
file cache) and is not counted.
Prints one JSON object on the last line, with the machine's 1-minute load average beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
COMMANDS = {"version": ["--version"], "tick": ["tick"]}
GOAL_S = 0.3


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one `python -m bot.cli ARGV` process; fails loudly if it fails."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", *argv],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    took = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"`culturebot {' '.join(argv)}` failed:\n{done.stdout}{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return took, cpu


def measure(
    name: str,
    command: list[str],
    env: dict[str, str],
    runs: int,
    before: Callable[[], None] = lambda: None,
) -> dict[str, float]:
    """The median wall and CPU seconds of ``runs`` runs after a warm-up (``before`` each)."""
    before()
    timed(command, env)  # warm-up
    found = []
    for _ in range(max(1, runs)):
        before()
        found.append(timed(command, env))
    wall = round(statistics.median(w for w, _ in found), 3)
    cpu = round(statistics.median(c for _, c in found), 3)
    print(f"culturebot {' '.join(command):<10} {name:<14} median {wall:.3f} s (CPU {cpu:.3f} s)")
    return {f"{name}_s": wall, f"{name}_cpu_s": cpu}


def quiet_history(path: Path, people: int, env: dict[str, str]) -> datetime:
    """Seed a year of history into ``path`` and tick until a tick records a quiet time."""
    from bench.history import HistorySpec, seed
    from bench.tick import last_wednesday_noon
    from storage.db import open_database

    db = open_database(f"sqlite:///{path}")
    seed(
        db.engine, HistorySpec(people=people, weeks=52, end=last_wednesday_noon(datetime.now(UTC)))
    )
    db.dispose()
    for _ in range(5):
        timed(["tick"], env)
        with sqlite3.connect(path) as conn:
            (until,) = conn.execute("SELECT quiet_until FROM tick_state WHERE id = 1").fetchone()
        if until is not None:
            return datetime.fromtimestamp(until, UTC)
    sys.exit("no tick recorded a quiet time: something is due on every tick")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench startup", description=__doc__)
    parser.add_argument("--runs", type=int, default=7, help="timed runs per command")
    parser.add_argument("--people", type=int, default=2000, help="people in the history")
    args = parser.parse_args(argv)

    figures: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as folder:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CULTUREBOT_")}
        env["CULTUREBOT_DATABASE_URL"] = f"sqlite:///{Path(folder) / 'startup.db'}"
        # as installed: compiled once (the warm-up writes __pycache__), not from source each run
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        timed(["db", "upgrade"], env)
        figures.update(measure("version", ["--version"], env, args.runs))
        figures.update(measure("tick", ["tick"], env, args.runs))

        history = Path(folder) / "history.db"
        env["CULTUREBOT_DATABASE_URL"] = f"sqlite:///{history}"
        until = quiet_history(history, args.people, env)
        figures["history_quiet_until"] = until.isoformat()
        figures.update(measure("tick_history", ["tick"], env, args.runs))

        def changed() -> None:
            with sqlite3.connect(history) as conn:
                conn.execute("INSERT OR IGNORE INTO tick_change (id) VALUES (1)")

        figures.update(measure("tick_full", ["tick"], env, args.runs, before=changed))
        if datetime.now(UTC) >= until:
            figures["note"] = "the quiet time ended while measuring: tick_history_s ran full ticks"

    summary: dict[str, object] = {
        "benchmark": "startup",
        "runs": max(1, args.runs),
        "people": args.people,
        **figures,
        "goal_s": GOAL_S,
        "load_1min": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main(sys.argv[1:])
