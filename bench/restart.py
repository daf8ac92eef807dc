"""SIGKILL `culturebot run` mid-round, start it again, and count what the people received.

    python -m bench restart --recipients 2000 --kill-at 0.3 [--rate 100]

A weekly pulse due now for N people on Slack (each gets the question and a story invitation);
the fake Slack runs in a process of its own (R DMs a second, one a second per channel). When
``--kill-at`` of the messages have arrived, the process is killed with SIGKILL and started
again. Rows it held are in doubt: their claims run out (30 s) and the new process looks for
each one's outbox key in the DM's history (conversations.history) before sending it. Figures:
``lost`` and ``duplicates`` (from the fake's own log of outbox keys, 0 and 0),
``seconds_to_finish_after_restart`` against ``floor_after_restart_seconds`` (what was left,
at R a second), ``in_doubt_checks`` (conversations.history calls).
Prints one JSON object on the last line.
"""

from __future__ import annotations

import argparse
import json
import signal
import tempfile
import time
from collections import Counter
from pathlib import Path

from tests import procs


def run(args: argparse.Namespace) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        url = f"sqlite:///{workdir / 'restart.db'}"
        procs.prepare_round(url, args.recipients)
        with procs.fake_slack_process(args.rate) as fake, procs.bots() as started:
            env = procs.bot_env(url, fake.api_url, slack_max_per_second=args.rate)
            started.append(procs.Bot(env, workdir / "first.log"))
            expected = 2 * args.recipients  # a question and an invitation each
            procs.wait_until(
                lambda: len(fake.stats()["keys"]) >= args.kill_at * expected,
                600,
                "the kill point",
                every=0.05,
            )
            started[0].signal(signal.SIGKILL)
            started[0].wait(30)
            before = len(fake.stats()["keys"])
            restarted = time.monotonic()
            started.append(procs.Bot(env, workdir / "second.log"))
            procs.wait_until(
                lambda: (
                    (c := procs.outbox_counts(url)).get("sent")
                    and not c.get("pending")
                    and not c.get("sending")
                ),
                600,
                "the restart to finish",
                every=0.2,
            )
            finished = time.monotonic() - restarted
            stats = fake.stats()
            started[1].signal(signal.SIGTERM)
            exit_code = started[1].wait(60)
            keys = procs.outbox_keys(url)
    posted = Counter(str(k) for k in stats["keys"])
    floor = (len(keys) - before) / args.rate
    result: dict[str, object] = {
        "recipients": args.recipients,
        "messages": len(keys),
        "kill_at": args.kill_at,
        "delivered_before_kill": before,
        "lost": len(keys - set(posted)),
        "duplicates": sum(n - 1 for n in posted.values()),
        "seconds_to_finish_after_restart": round(finished, 1),
        "floor_after_restart_seconds": round(floor, 1),
        "in_doubt_checks": stats["calls"].get("conversations.history", 0),
        "fake_429s": stats["rate_limited"],
        "exit_code_after_sigterm": exit_code,
    }
    result["goals_met"] = (
        result["lost"] == 0 and result["duplicates"] == 0 and finished < 70 + floor
    )
    return result


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench restart")
    parser.add_argument("--recipients", type=int, default=2000)
    parser.add_argument("--kill-at", type=float, default=0.3)
    parser.add_argument("--rate", type=float, default=100.0, help="the fake's limit, msgs/s")
    args = parser.parse_args(argv)
    print(json.dumps(run(args)))
