"""Fan one pulse round out to N people through the real Slack adapter, against the fake Slack API.

    python -m bench slack_fanout --recipients 2000 [--rate 50 --rate-recipients 300]

Part 1 (no limits): a manager with N reports starts a check-in (the real router and pulse
handler write N outbox rows); the delivery worker (``DeliveryWorker``, as in `culturebot run`)
sends them to the fake. The same N messages are then posted to a fresh fake by raw slack_sdk
loops: ``raw_concurrent_seconds`` with the same concurrency and one kept-alive HTTP session
(the fair baseline: ``overhead_ratio`` = ours / it), ``raw_seconds`` one at a time with a new
connection per call (the old baseline: ``overhead_ratio_vs_sequential``), and
``raw_keepalive_seconds`` one at a time on one session.
Part 2 (the real thing): a real `culturebot run` process, a weekly pulse due now for M people
(300 by default), and the fake Slack in a process of its own limiting chat.postMessage to R per
second and one per second per channel (429 + Retry-After beyond). The round's messages (each
person's question, and the story invitation the same tick queues) are timed from the moment
the tick's rows are visible in the database: ``first_dm_seconds`` to the first DM the fake
received, ``run_seconds`` to the last; ``run_floor_ratio`` = run_seconds / (messages / R);
``fake_429s`` counts the fake's 429s.
Prints one JSON object on the last line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import tempfile
import time
from collections import Counter
from pathlib import Path

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import col, func, select

from bot.app import build_router
from bot.core.chat import Incoming
from bot.core.clock import SystemClock
from bot.core.config import Settings
from bot.core.logs import clamp_platform_loggers
from bot.core.runtime import Runtime
from bot.delivery.worker import DeliveryWorker
from bot.platforms.slack import blocks as slack_blocks
from bot.platforms.slack.delivery import METADATA_TYPE, SlackPlatform
from bot.web.server import settle_process
from handlers.people import org
from storage.db import open_database
from storage.models import Outbox
from tests.fakes.slack_api import FakeSlack


def org_csv(n: int) -> str:
    rows = ["email,name,manager_email,department,role,timezone,slack_user_id"]
    rows.append("boss@bench.io,Boss,,Ops,leader,UTC,UBOSS")
    rows += [f"p{i}@bench.io,P{i},boss@bench.io,Ops,employee,UTC,U{i:06d}" for i in range(n)]
    return "\n".join(rows) + "\n"


def prepare(workdir: Path, name: str, n: int, fake: FakeSlack, per_second: float) -> Runtime:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=f"sqlite:///{workdir / name}.db",
        slack_bot_token="xoxb-bench",
        slack_api_url=fake.api_url,
        slack_max_per_second=per_second,
    )
    runtime = Runtime(
        db=open_database(settings.database_url),
        clock=SystemClock(),
        settings=settings,
        channels=("slack",),
    )
    with runtime.db.session() as session:
        org.import_text(session, org_csv(n))
    started = build_router().handle(
        runtime, Incoming(platform="slack", user_id="UBOSS", kind="command", name="checkin")
    )
    assert "were asked" in started.replies[0].summary, started
    return runtime


def pending(runtime: Runtime) -> int:
    with runtime.db.session() as session:
        return session.exec(
            select(func.count())
            .select_from(Outbox)
            .where(col(Outbox.status).in_(("pending", "sending")))
        ).one()


def tally(fake: FakeSlack, n: int) -> dict[str, int]:
    posted = Counter(channel for channel, _ts in fake.messages)
    return {
        "sent": sum(posted.values()),
        "duplicates": sum(count - 1 for count in posted.values()),
        "lost": n - len(posted),
    }


async def raw_loop(fake: FakeSlack, runtime: Runtime, n: int, keep_alive: bool = False) -> float:
    """The baseline: a plain slack_sdk loop posting the same messages, one after another
    (``keep_alive``: reusing one HTTP session, which slack_sdk does not do by default)."""
    with runtime.db.session() as session:
        payload = session.exec(select(Outbox.payload).limit(1)).one()
    from bot.core.chat import Message

    message = Message.from_json(payload)
    blocks, text = slack_blocks.blocks(message), slack_blocks.fallback_text(message)
    session = aiohttp.ClientSession() if keep_alive else None
    client = AsyncWebClient(token="xoxb-bench", base_url=fake.api_url, session=session)
    start = time.perf_counter()
    for i in range(n):
        await client.chat_postMessage(channel=f"U{i:06d}", text=text, blocks=blocks)
    seconds = time.perf_counter() - start
    if session is not None:
        await session.close()
    return seconds


async def deliver_continuously(runtime: Runtime, platform: SlackPlatform, n: int) -> float:
    """The delivery worker of `culturebot run`, until ``n`` messages went; seconds taken."""
    done = asyncio.Event()
    count = [0]

    def outcome(_platform: str, _outcome: object) -> None:
        count[0] += 1
        if count[0] >= n:
            done.set()

    worker = DeliveryWorker(runtime, platform, on_outcome=outcome)
    settle_process()  # as `culturebot run` does once started (the baselines after it too)
    start = time.perf_counter()
    worker.start()
    try:
        await asyncio.wait_for(done.wait(), 600)
        await worker.recorder.drained()
        return time.perf_counter() - start
    finally:
        await worker.stop(10)


async def raw_concurrent(fake: FakeSlack, runtime: Runtime, n: int, concurrency: int) -> float:
    """The fair baseline: ``concurrency`` slack_sdk senders sharing one kept-alive session,
    posting the same requests as ours (blocks, text and the outbox key in message metadata)."""
    with runtime.db.session() as session:
        payload = session.exec(select(Outbox.payload).limit(1)).one()
    from bot.core.chat import Message

    message = Message.from_json(payload)
    blocks, text = slack_blocks.blocks(message), slack_blocks.fallback_text(message)
    session = aiohttp.ClientSession()
    client = AsyncWebClient(token="xoxb-bench", base_url=fake.api_url, session=session)
    todo = iter(range(n))

    async def sender() -> None:
        for i in todo:
            metadata = {"event_type": METADATA_TYPE, "event_payload": {"key": f"bench:{i}"}}
            await client.chat_postMessage(
                channel=f"U{i:06d}", text=text, blocks=blocks, metadata=metadata
            )

    start = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(concurrency)))
    seconds = time.perf_counter() - start
    await session.close()
    return seconds


async def with_fresh_fake(work):  # type: ignore[no-untyped-def]
    fake = FakeSlack()
    await fake.start()
    try:
        return await work(fake)
    finally:
        await fake.stop()


async def run(args: argparse.Namespace) -> dict[str, object]:
    result: dict[str, object] = {"recipients": args.recipients}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        fake = FakeSlack()
        await fake.start()
        try:
            runtime = prepare(workdir, "fanout", args.recipients, fake, per_second=1e6)
            platform = SlackPlatform(runtime.settings)
            ours = await deliver_continuously(runtime, platform, args.recipients)
            await platform.close()
            result.update(tally(fake, args.recipients))
        finally:
            await fake.stop()
        n, c = args.recipients, platform.concurrency
        fair = await with_fresh_fake(lambda f: raw_concurrent(f, runtime, n, c))
        raw = await with_fresh_fake(lambda f: raw_loop(f, runtime, n))
        kept = await with_fresh_fake(lambda f: raw_loop(f, runtime, n, keep_alive=True))
        runtime.db.dispose()
        result.update(
            {
                "seconds": round(ours, 3),
                "concurrency": c,
                "raw_concurrent_seconds": round(fair, 3),
                "raw_seconds": round(raw, 3),
                "raw_keepalive_seconds": round(kept, 3),
                "overhead_ratio": round(ours / fair, 3),
                "overhead_ratio_vs_sequential": round(ours / raw, 3),
                "overhead_ratio_vs_keepalive_loop": round(ours / kept, 3),
            }
        )
        result.update(await asyncio.to_thread(through_culturebot_run, workdir, args))
    result["goals_met"] = bool(
        result["overhead_ratio"] <= 1.3  # type: ignore[operator]
        and result["lost"] == 0
        and result["duplicates"] == 0
        and result["run_lost"] == 0
        and result["run_duplicates"] == 0
        and result["run_floor_ratio"] <= 1.1  # type: ignore[operator]
        and result["fake_429s"] == 0
        and result["first_dm_seconds"] < 0.5  # type: ignore[operator]
    )
    return result


def through_culturebot_run(workdir: Path, args: argparse.Namespace) -> dict[str, object]:
    """Part 2: a real `culturebot run` process and the rate-limited fake in its own process."""
    from tests import procs

    url = f"sqlite:///{workdir / 'run.db'}"
    procs.prepare_round(url, args.rate_recipients)
    watch = procs.runtime_for(url)

    def queued() -> int:
        with watch.db.session() as session:
            return session.exec(select(func.count()).select_from(Outbox)).one()

    try:
        with procs.fake_slack_process(args.rate) as fake, procs.bots() as started:
            env = procs.bot_env(url, fake.api_url, slack_max_per_second=args.rate)
            started.append(procs.Bot(env, workdir / "run.log"))
            visible_at = procs.wait_until(
                lambda: queued() and time.time(), 120, "the round to open", every=0.005
            )
            procs.wait_until(
                lambda: (
                    (c := procs.outbox_counts(url)).get("sent")
                    and not c.get("pending")
                    and not c.get("sending")
                ),
                max(120, 10 * queued() / args.rate),
                "the round to be delivered",
                every=0.2,
            )
            stats = fake.stats()
            started[0].signal(signal.SIGTERM)
            exit_code = started[0].wait(60)
            keys = procs.outbox_keys(url)
    finally:
        watch.db.dispose()
    posted = Counter(str(k) for k in stats["keys"])
    times = sorted(stats["posted_at"])
    messages = len(keys)
    run_seconds = times[-1] - visible_at
    floor = messages / args.rate
    return {
        "rate_limit_per_second": args.rate,
        "run_people": args.rate_recipients,
        "run_messages": messages,
        "run_seconds": round(run_seconds, 3),
        "run_floor_seconds": round(floor, 3),
        "run_floor_ratio": round(run_seconds / floor, 3),
        "first_dm_seconds": round(times[0] - visible_at, 3),
        "fake_429s": stats["rate_limited"],
        "run_lost": len(keys - set(posted)),
        "run_duplicates": sum(c - 1 for c in posted.values()),
        "run_exit_code": exit_code,
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench slack_fanout")
    parser.add_argument("--recipients", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=50.0, help="the fake's limit, msgs/s")
    parser.add_argument("--rate-recipients", type=int, default=300)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    clamp_platform_loggers()  # as `culturebot run` does (bot.core.logs.setup_logging)
    print(json.dumps(asyncio.run(run(args))))
