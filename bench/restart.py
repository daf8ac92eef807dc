"""SIGKILL `culturebot run` mid-round, start it again, and count what the people received.

    python -m bench restart --recipients 2000 --kill-at 0.3 [--rate 100]
    python -m bench restart --platform teams --recipients 500 --kill-at 0.1 0.5 0.9 --repeats 3

A weekly pulse due now for N people (each gets the question and a story invitation). When
``--kill-at`` of the messages have arrived, the process is killed with SIGKILL and started
again. Rows it held are in doubt: their claims run out (30 s) and the new process takes them.

Slack: the fake Slack runs in a process of its own (R DMs a second, one a second per channel);
the new process looks for each in-doubt row's outbox key in the DM's history
(conversations.history) before sending it, so ``duplicates`` is 0.

Teams: the fake Bot Connector runs in a process of its own (R requests a second, 429 above),
the real botbuilder adapter in `culturebot run` (emulator mode: no tokens). Teams cannot be
asked whether a message went, so an in-doubt row is sent again: ``duplicates`` is what a crash
costs, checked against ``duplicate_bound`` (see ``teams_bound``).

Figures per run: ``lost`` and ``duplicates`` (from the fake's own log: Slack records each
DM's outbox key; the connector each send's conversation and summary), ``held_at_kill`` (rows
the dead process had claimed), ``seconds_to_finish_after_restart`` against
``floor_after_restart_seconds`` (what was left, at R a second). Each run prints a line; the
last line is one JSON object: totals over the runs (``lost``, ``duplicates_max``,
``duplicates_mean``, ...) and every run.
"""

from __future__ import annotations

import argparse
import json
import math
import signal
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.platforms.teams.adapter import TeamsPlatform, in_flight
from tests import procs

CLAIM_TAKEOVER = 70.0  # the goal: the rest finished within this, plus the floor
WRITES = 0.02  # seconds an outcome may wait for two short outcome writes (teams_bound)


@dataclass
class Fake:
    """What a run needs of the fake platform: the environment of a bot that talks to it, and
    how many times each message arrived (keyed as ``expected`` keys them)."""

    env: dict[str, str]
    posted: Callable[[], Counter[str]]
    expected: Callable[[str], set[str]]
    extra: Callable[[], dict[str, object]]


@contextmanager
def slack_fake(url: str, args: argparse.Namespace) -> Iterator[Fake]:
    procs.prepare_round(url, args.recipients)
    with procs.fake_slack_process(args.rate) as fake:

        def extra() -> dict[str, object]:
            stats = fake.stats()
            return {
                "in_doubt_checks": stats["calls"].get("conversations.history", 0),
                "fake_429s": stats["rate_limited"],
            }

        yield Fake(
            procs.bot_env(url, fake.api_url, slack_max_per_second=args.rate),
            fake.posted,
            procs.outbox_keys,
            extra,
        )


@contextmanager
def teams_fake(url: str, args: argparse.Namespace) -> Iterator[Fake]:
    with procs.fake_connector_process(int(args.rate)) as fake:
        procs.prepare_round(url, args.recipients, teams_service_url=fake.url)

        def posted() -> Counter[str]:
            return Counter({f"{c}\n{s}": n for (c, s), n in fake.posted().items()})

        def expected(database_url: str) -> set[str]:
            return {f"{c}\n{s}" for c, s in procs.teams_outbox_messages(database_url)}

        def extra() -> dict[str, object]:
            return {"fake_429s": fake.stats()["rate_limited"]}

        yield Fake(
            procs.teams_bot_env(url, teams_rate_per_second=args.rate),
            posted,
            expected,
            extra,
        )


def teams_bound(rate: float, headroom: float = 0.95) -> dict[str, object]:
    """Duplicates one killed process can cause on Teams, from the code.

    A row goes out twice only if the dead process sent it and had not written its outcome:
    a request in transit (at most ``in_flight(rate, headroom)`` at once) or an answer waiting
    in the recorder: it waits ``TeamsPlatform.record_linger`` (0) and at most the write before its
    own and its own (allowed 20 ms together here, on a local database), while sends leave
    one every 1/(rate x headroom) s. Never more than the rows the process held
    (``held_at_kill``); none at all on a graceful stop (the process test checks both).
    """
    pace = rate * headroom
    recorder = math.ceil((TeamsPlatform.record_linger + WRITES) * pace)
    transit = in_flight(rate, headroom)
    return {"in_transit": transit, "awaiting_record": recorder, "bound": transit + recorder}


def one_run(args: argparse.Namespace, kill_at: float) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        url = f"sqlite:///{workdir / 'restart.db'}"
        make = teams_fake if args.platform == "teams" else slack_fake
        with make(url, args) as fake, procs.bots() as started:
            started.append(procs.Bot(fake.env, workdir / "first.log"))
            expected = 2 * args.recipients  # a question and an invitation each
            procs.wait_until(
                lambda: sum(fake.posted().values()) >= kill_at * expected,
                600,
                "the kill point",
                every=0.05,
            )
            started[0].signal(signal.SIGKILL)
            started[0].wait(30)
            before = sum(fake.posted().values())
            held = procs.outbox_counts(url).get("claimed", 0)
            restarted = time.monotonic()
            started.append(procs.Bot(fake.env, workdir / "second.log"))
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
            posted = fake.posted()
            extra = fake.extra()
            started[1].signal(signal.SIGTERM)
            exit_code = started[1].wait(60)
            keys = fake.expected(url)
    floor = (len(keys) - before) / args.rate
    return {
        "platform": args.platform,
        "recipients": args.recipients,
        "messages": len(keys),
        "kill_at": kill_at,
        "delivered_before_kill": before,
        "held_at_kill": held,
        "lost": len(keys - set(posted)),
        "duplicates": sum(n - 1 for n in posted.values()),
        "seconds_to_finish_after_restart": round(finished, 1),
        "floor_after_restart_seconds": round(floor, 1),
        **extra,
        "exit_code_after_sigterm": exit_code,
    }


def run(args: argparse.Namespace) -> dict[str, object]:
    runs: list[dict[str, object]] = []
    for _ in range(args.repeats):
        for kill_at in args.kill_at:
            result = one_run(args, kill_at)
            print(json.dumps(result), flush=True)
            runs.append(result)
    duplicates = [int(r["duplicates"]) for r in runs]  # type: ignore[call-overload]
    seconds = [float(r["seconds_to_finish_after_restart"]) for r in runs]  # type: ignore[arg-type]
    late = [
        float(r["seconds_to_finish_after_restart"]) - float(r["floor_after_restart_seconds"])  # type: ignore[arg-type]
        for r in runs
    ]
    summary: dict[str, object] = {
        "platform": args.platform,
        "runs": len(runs),
        "lost": sum(int(r["lost"]) for r in runs),  # type: ignore[call-overload]
        "duplicates_max": max(duplicates),
        "duplicates_mean": round(statistics.mean(duplicates), 2),
        "seconds_to_finish_after_restart_max": max(seconds),
        "seconds_to_finish_after_restart_mean": round(statistics.mean(seconds), 1),
        "seconds_over_floor_max": round(max(late), 1),
    }
    goals = summary["lost"] == 0 and max(late) < CLAIM_TAKEOVER
    if args.platform == "teams":
        bound = teams_bound(args.rate)
        summary["duplicate_bound"] = bound
        summary["within_bound"] = max(duplicates) <= int(bound["bound"])  # type: ignore[call-overload]
        goals = goals and bool(summary["within_bound"])
    else:
        goals = goals and max(duplicates) == 0
    summary["goals_met"] = goals
    if len(runs) == 1:
        summary = {**runs[0], **summary}
    summary["all_runs"] = runs
    return summary


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench restart")
    parser.add_argument("--platform", choices=("slack", "teams"), default="slack")
    parser.add_argument("--recipients", type=int, default=2000)
    parser.add_argument(
        "--kill-at", type=float, nargs="+", default=[0.3], help="fractions delivered"
    )
    parser.add_argument("--repeats", type=int, default=1, help="runs per kill point")
    parser.add_argument(
        "--rate",
        type=float,
        default=None,
        help="the fake's limit, msgs/s (Slack: 100; Teams: 50, Teams' per-app limit)",
    )
    args = parser.parse_args(argv)
    if args.rate is None:
        args.rate = 50.0 if args.platform == "teams" else 100.0
    print(json.dumps(run(args)))
