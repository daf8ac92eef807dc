"""Several `culturebot run` processes on one PostgreSQL database share one ceiling.

    python -m bench multi --instances 3 --recipients 2000 [--rate 50]

A private PostgreSQL cluster (initdb, its own port) holds a weekly pulse due now for N people on
Slack (each gets the question and a story invitation). ``--instances`` processes start
together, each configured with the workspace ceiling R (CULTUREBOT_SLACK_MAX_PER_SECOND), against
the fake Slack in a process of its own that allows R DMs a second and one a second per channel.
They share the limits through the database (the default on PostgreSQL): send times on one
timeline (bot.delivery.ratelimit.SharedBudget), so together they stay under R, and claims that skip a
person being sent to or sent to less than a second ago (bot.delivery.worker.claim). Figures: ``lost``,
``duplicates`` (from the fake's log of outbox keys), ``fake_429s``, of which
``channel_429s`` (a second DM to one channel within a second), and ``seconds`` (from the
round's rows becoming visible to the last DM) against ``floor_seconds`` = messages / R.
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

from sqlmodel import func, select

from storage.models import Outbox
from tests import procs


def run(args: argparse.Namespace) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        with procs.private_postgres(workdir) as server:
            url = server.url
            procs.prepare_round(url, args.recipients)
            watch = procs.runtime_for(url)

            def queued() -> int:
                with watch.db.session() as session:
                    return session.exec(select(func.count()).select_from(Outbox)).one()

            try:
                with procs.fake_slack_process(args.rate) as fake, procs.bots() as started:
                    env = procs.bot_env(url, fake.api_url, slack_max_per_second=args.rate)
                    for i in range(args.instances):
                        started.append(procs.Bot(env, workdir / f"bot{i}.log"))
                    visible_at = procs.wait_until(
                        lambda: queued() and time.time(), 120, "the round to open", every=0.01
                    )
                    procs.wait_until(
                        lambda: (
                            (c := procs.outbox_counts(url)).get("sent")
                            and not c.get("pending")
                            and not c.get("sending")
                        ),
                        max(300, 10 * 2 * args.recipients / args.rate),
                        "the instances to finish",
                        every=0.5,
                    )
                    stats = fake.stats()
                    for bot in started:
                        bot.signal(signal.SIGTERM)
                    exit_codes = [bot.wait(60) for bot in started]
                    keys = procs.outbox_keys(url)
            finally:
                watch.db.dispose()
    posted = Counter(str(k) for k in stats["keys"])
    times = sorted(stats["posted_at"])
    seconds = times[-1] - visible_at
    floor = len(keys) / args.rate
    result: dict[str, object] = {
        "instances": args.instances,
        "recipients": args.recipients,
        "messages": len(keys),
        "rate_limit_per_second": args.rate,
        "lost": len(keys - set(posted)),
        "duplicates": sum(n - 1 for n in posted.values()),
        "fake_429s": stats["rate_limited"],
        "channel_429s": stats["channel_limited"],
        "seconds": round(seconds, 2),
        "floor_seconds": round(floor, 2),
        "ratio_to_floor": round(seconds / floor, 3),
        "exit_codes": exit_codes,
        "first_dm_seconds": round(times[0] - visible_at, 3),
    }
    result["goals_met"] = (
        result["lost"] == 0
        and result["duplicates"] == 0
        and result["fake_429s"] == 0
        and seconds / floor <= 1.1
    )
    return result


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench multi")
    parser.add_argument("--instances", type=int, default=3)
    parser.add_argument("--recipients", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=50.0, help="the fake's limit, msgs/s")
    args = parser.parse_args(argv)
    print(json.dumps(run(args)))
