"""What a Prometheus scrape and a readiness probe cost on a database with a year of history.

`python -m bench scrape --db sqlite:///year.db [--scrapes 10] [--code DIR]` starts a real
`culturebot run` (its Slack is the fake Slack, in its own process) on ``--db``, waits until it
answers, then times ``GET /metrics`` and ``GET /readyz`` ``--scrapes`` times each (both read the
outbox counts from the database). Seed the database first with
`python -m bench history --people 10000 --weeks 52 --db ...`. ``--code`` runs the
`culturebot` of another checkout (a baseline, e.g. a worktree of main) with this interpreter.
Prints JSON on the last line: median and max milliseconds per endpoint.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from tests.procs import ROOT, bot_env, fake_slack_process, free_port, wait_until


def _get(url: str) -> tuple[int, float]:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:  # /readyz answers 503 when not ready: still timed
        error.read()
        status = error.code
    return status, (time.perf_counter() - started) * 1000


def _up(url: str) -> bool:
    try:
        return _get(url)[0] == 200
    except OSError:
        return False


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench scrape")
    parser.add_argument("--db", required=True, help="database URL, seeded by bench history")
    parser.add_argument("--scrapes", type=int, default=10)
    parser.add_argument("--code", type=Path, default=ROOT, help="checkout whose culturebot runs")
    args = parser.parse_args(argv)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with (
        fake_slack_process() as slack,
        tempfile.NamedTemporaryFile("w+", suffix=".log") as log,
    ):
        env = bot_env(args.db, slack.api_url, http_port=port)
        bot = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run"],
            cwd=args.code,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        try:
            wait_until(lambda: _up(f"{base}/healthz"), 120, "culturebot run to answer")
            result: dict[str, object] = {"db": args.db.split("://")[0], "code": str(args.code)}
            for path in ("/metrics", "/readyz"):
                timings, statuses = [], set()
                for _ in range(args.scrapes):
                    status, ms = _get(base + path)
                    statuses.add(status)
                    timings.append(ms)
                name = path.strip("/")
                result[f"{name}_median_ms"] = round(statistics.median(timings), 1)
                result[f"{name}_max_ms"] = round(max(timings), 1)
                result[f"{name}_status"] = sorted(statuses)
        finally:
            bot.kill()
            bot.wait(30)
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
