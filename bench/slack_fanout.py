"""Fan one pulse round out to N people through the real Slack adapter, against the fake Slack API.

    python -m bench slack_fanout --recipients 2000 [--rate 50 --rate-recipients 300]

Part 1: a manager with N reports starts a check-in (the real router and pulse handler write N
outbox rows); the delivery worker (deliver_due with the Slack platform's concurrency and pacer)
sends them to the fake. The same N messages (same blocks) are then posted by a raw slack_sdk
loop to the same fake in the same run; overhead_ratio = ours / raw.
Part 2: the fake, in a process of its own, limits chat.postMessage to R per second (429 +
Retry-After beyond it); our pacer is set to R; rate_limited_seconds is compared with the floor
M/R (M recipients, 300 by default to keep the run short). raw_keepalive_seconds is the raw loop
reusing one HTTP session, for comparison.
Prints one JSON object on the last line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import col, func, select

from bot.app import build_router
from bot.chat import Incoming
from bot.clock import SystemClock
from bot.config import Settings
from bot.delivery import deliver_due
from bot.platforms import slack_blocks
from bot.platforms.slack_delivery import SlackPlatform
from bot.runtime import Runtime
from handlers import org
from storage.db import open_database
from storage.models import Outbox
from tests.fakes.slack_api import FakeSlack


def org_csv(n: int) -> str:
    rows = ["email,name,manager_email,department,role,timezone,slack_user_id"]
    rows.append("boss@bench.io,Boss,,Ops,leader,UTC,UBOSS")
    rows += [f"p{i}@bench.io,P{i},boss@bench.io,Ops,employee,UTC,U{i:06d}" for i in range(n)]
    return "\n".join(rows) + "\n"


def prepare(
    workdir: Path, name: str, n: int, fake: FakeSlack | RemoteFake, per_second: float
) -> Runtime:
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


class RemoteFake:
    """The fake Slack API in another process, reached over HTTP like the real one."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.api_url = f"{url}/api/"

    async def stats(self) -> dict[str, Any]:
        async with aiohttp.ClientSession() as session, session.get(f"{self.url}/_stats") as resp:
            return await resp.json()


@asynccontextmanager
async def separate_fake(rate: float) -> AsyncIterator[str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.fakes.slack_api",
        str(rate),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None and process.stdin is not None
    try:
        url = (await asyncio.wait_for(process.stdout.readline(), 30)).decode().strip()
        yield url
    finally:
        process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()


def pending(runtime: Runtime) -> int:
    with runtime.db.session() as session:
        return session.exec(
            select(func.count())
            .select_from(Outbox)
            .where(col(Outbox.status).in_(("pending", "sending")))
        ).one()


async def deliver_all(runtime: Runtime, platform: SlackPlatform, deadline: float) -> float:
    """Run the delivery worker until the outbox is empty; seconds taken."""
    start = time.perf_counter()
    while pending(runtime):
        if time.perf_counter() - start > deadline:
            break
        stats = await deliver_due(runtime, platform, limit=200, concurrency=platform.concurrency)
        if not stats.sent and not stats.retried:
            await asyncio.sleep(0.05)  # a retry is waiting for its time
    return time.perf_counter() - start


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
    from bot.chat import Message

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


async def run(args: argparse.Namespace) -> dict[str, object]:
    result: dict[str, object] = {"recipients": args.recipients}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        fake = FakeSlack()
        await fake.start()
        try:
            runtime = prepare(workdir, "fanout", args.recipients, fake, per_second=1e6)
            platform = SlackPlatform(runtime.settings)
            ours = await deliver_all(runtime, platform, deadline=600)
            await platform.close()
            result.update(tally(fake, args.recipients))
            raw_fake = FakeSlack()
            await raw_fake.start()
            try:
                raw = await raw_loop(raw_fake, runtime, args.recipients)
            finally:
                await raw_fake.stop()
            kept_fake = FakeSlack()
            await kept_fake.start()
            try:
                kept = await raw_loop(kept_fake, runtime, args.recipients, keep_alive=True)
            finally:
                await kept_fake.stop()
        finally:
            await fake.stop()
        result.update(
            {
                "seconds": round(ours, 3),
                "raw_seconds": round(raw, 3),
                "raw_keepalive_seconds": round(kept, 3),
                "concurrency": platform.concurrency,
                "per_message_ms_overhead": round((ours - raw) / args.recipients * 1000, 3),
                "overhead_ratio": round(ours / raw, 3),
                "overhead_ratio_vs_keepalive_loop": round(ours / kept, 3),
            }
        )

        # the rate-limited fake runs in a process of its own, as Slack would: pauses of this
        # process (GC, the database thread) then delay our sends, not the fake's clock
        async with separate_fake(args.rate) as url:
            n = args.rate_recipients
            limited = RemoteFake(url)
            runtime = prepare(workdir, "limited", n, limited, per_second=args.rate)  # type: ignore[arg-type]
            platform = SlackPlatform(runtime.settings)
            seconds = await deliver_all(runtime, platform, deadline=max(60, 5 * n / args.rate))
            await platform.close()
            stats = await limited.stats()
        posted = Counter(channel for channel, _ts in stats["messages"])
        counts = {"lost": n - len(posted), "duplicates": sum(c - 1 for c in posted.values())}
        floor = n / args.rate
        result.update(
            {
                "rate_limit_per_second": args.rate,
                "rate_limited_recipients": n,
                "rate_limited_seconds": round(seconds, 3),
                "rate_limited_floor_seconds": round(floor, 3),
                "rate_limited_vs_floor": round(seconds / floor, 3),
                "rate_limited_429s": stats["rate_limited"],
                "rate_limited_lost": counts["lost"],
                "rate_limited_duplicates": counts["duplicates"],
            }
        )
    result["goals_met"] = bool(
        result["overhead_ratio"] <= 1.3  # type: ignore[operator]
        and result["lost"] == 0
        and result["duplicates"] == 0
        and result["rate_limited_lost"] == 0
        and abs(result["rate_limited_vs_floor"] - 1) <= 0.10  # type: ignore[operator]
    )
    return result


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench slack_fanout")
    parser.add_argument("--recipients", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=50.0, help="the fake's limit, msgs/s")
    parser.add_argument("--rate-recipients", type=int, default=300)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    print(json.dumps(asyncio.run(run(args))))
