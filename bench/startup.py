"""`python -m bench startup [--runs 7]`

How long a short command takes from exec to exit (issue 22, point 6: goal < 0.3 s). Each
command runs ``--runs`` times as a real process (``python -m bot.cli ...``, the same code the
``culturebot`` console script runs) on a migrated, empty SQLite file, and the median wall time
is reported per command:

- ``version_s``: ``culturebot --version``;
- ``tick_s``: ``culturebot tick`` (run everything due now: nothing, on an empty database).

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
import statistics
import subprocess
import sys
import tempfile
import time
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


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench startup", description=__doc__)
    parser.add_argument("--runs", type=int, default=7, help="timed runs per command")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as folder:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CULTUREBOT_")}
        env["CULTUREBOT_DATABASE_URL"] = f"sqlite:///{Path(folder) / 'startup.db'}"
        # as installed: compiled once (the warm-up writes __pycache__), not from source each run
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        timed(["db", "upgrade"], env)
        medians: dict[str, float] = {}
        for name, command in COMMANDS.items():
            timed(command, env)  # warm-up
            runs = [timed(command, env) for _ in range(max(1, args.runs))]
            medians[f"{name}_s"] = round(statistics.median(w for w, _ in runs), 3)
            medians[f"{name}_cpu_s"] = round(statistics.median(c for _, c in runs), 3)
            print(
                f"culturebot {' '.join(command):<10} median {medians[f'{name}_s']:.3f} s "
                f"(CPU {medians[f'{name}_cpu_s']:.3f} s)"
            )

    summary: dict[str, object] = {
        "benchmark": "startup",
        "runs": max(1, args.runs),
        **medians,
        "goal_s": GOAL_S,
        "load_1min": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main(sys.argv[1:])
