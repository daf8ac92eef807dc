"""One pulse round to N people through the real Teams adapter and a fake Bot Connector.

    python -m bench teams_fanout --recipients 2000 [--limit 50] [--concurrency 64]

Two runs, each on a fresh SQLite database: first with the connector unlimited and the bot's
own throttle lifted (``seconds``: what the pipeline can do), then with the connector answering
429 above ``--limit`` requests per second and the bot at its default Teams limits
(``rate_limited_seconds``, against the floor N/limit). Counts come from what the connector
accepted: ``sent`` people reached, ``duplicates`` extra copies, ``lost`` people not reached.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from sqlmodel import func, select

from bot.app import build_router
from bot.core.chat import Incoming
from bot.core.clock import SystemClock
from bot.core.config import Settings
from bot.core.runtime import Runtime
from bot.delivery.worker import deliver_due
from bot.platforms.teams.adapter import TeamsPlatform, build_adapter
from handlers.people import org
from storage import people
from storage.db import Database
from storage.models import Outbox
from tests import procs
from tests.fakes.bot_connector import FakeBotConnector


def org_file(n: int) -> str:
    rows = ["email,name,manager_email,department,role,timezone,teams_user_id"]
    rows.append("boss@bench.io,Boss,,Ops,leader,UTC,aad-boss")
    rows += [f"p{i}@bench.io,P{i},boss@bench.io,Ops,employee,UTC,aad-p{i}" for i in range(n)]
    return "\n".join(rows) + "\n"


class ConnectorThread:
    """The fake connector on its own thread and event loop, as Teams would be on its own
    machine: its arrival times are not held back by the bot's busy loop."""

    def __init__(self, connector: FakeBotConnector) -> None:
        self.connector = connector
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> FakeBotConnector:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.connector.start(), self.loop).result(timeout=10)
        return self.connector

    def __exit__(self, *_exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.connector.stop(), self.loop).result(timeout=70)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


async def one_round(
    n: int, *, limit: int | None, bot_rate: float, concurrency: int, folder: Path
) -> dict[str, Any]:
    with ConnectorThread(
        FakeBotConnector(max_requests=n * 20, limit_per_second=limit)
    ) as connector:
        db = Database(f"sqlite:///{folder / f'bench-{limit}.db'}")
        db.upgrade()
        settings = Settings(
            database_url=db.url,
            teams_emulator=True,
            teams_rate_per_second=bot_rate,
            teams_concurrency=concurrency,
            _env_file=None,  # type: ignore[call-arg]
        )
        runtime = Runtime(db=db, clock=SystemClock(), settings=settings, channels=("teams",))
        with db.session() as session:
            org.import_text(session, org_file(n))
        with db.session() as session:
            for person in session.exec(select(people.Person)):
                aad = f"aad-{person.email.split('@')[0]}"
                people.link_identity(
                    session, person, "teams", aad, procs.teams_reference(connector.url, aad)
                )
        started = build_router().handle(
            runtime, Incoming(platform="teams", user_id="aad-boss", kind="message", text="checkin")
        )
        assert "Check-in started" in started.replies[0].summary, started.replies[0].summary
        platform = TeamsPlatform(build_adapter(settings), settings)
        began = time.monotonic()
        while True:
            stats = await deliver_due(runtime, platform, limit=500, concurrency=concurrency)
            with db.session() as session:
                waiting = session.exec(
                    select(func.count())
                    .select_from(Outbox)
                    .where(Outbox.status.in_(("pending", "sending")))  # type: ignore[attr-defined]
                ).one()
            if not waiting:
                break
            if not stats.sent and not stats.retried:
                await asyncio.sleep(0.05)  # rows waiting for their retry time
        seconds = time.monotonic() - began
        await platform.close()
        with db.session() as session:
            states = dict(
                session.exec(
                    select(Outbox.status, func.count()).group_by(Outbox.status)  # type: ignore[arg-type]
                ).all()
            )
            final_429 = session.exec(
                select(func.count())
                .select_from(Outbox)
                .where(Outbox.status != "sent", Outbox.last_error.contains("429"))  # type: ignore[union-attr]
            ).one()
        db.dispose()
    per_conversation = Counter(r.conversation_id for r in connector.delivered("POST"))
    return {
        "sent": len(per_conversation),
        "duplicates": sum(c - 1 for c in per_conversation.values()),
        "lost": n - len(per_conversation),
        "seconds": round(seconds, 2),
        "connector_429s": connector.rate_limited,
        "final_429s": final_429,
        "outbox": states,
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench teams_fanout")
    parser.add_argument("--recipients", type=int, default=2000)
    parser.add_argument("--limit", type=int, default=50, help="connector requests per second")
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    n = args.recipients
    with tempfile.TemporaryDirectory() as folder:
        fast = asyncio.run(
            one_round(
                n, limit=None, bot_rate=1e6, concurrency=args.concurrency, folder=Path(folder)
            )
        )
        print("unlimited:", json.dumps(fast), flush=True)
        limited = asyncio.run(
            one_round(
                n,
                limit=args.limit,
                bot_rate=Settings(_env_file=None).teams_rate_per_second,  # type: ignore[call-arg]
                concurrency=args.concurrency,
                folder=Path(folder),
            )
        )
        print("rate limited:", json.dumps(limited), flush=True)
    floor = n / args.limit
    result = {
        "recipients": n,
        "sent": fast["sent"],
        "duplicates": fast["duplicates"],
        "lost": fast["lost"],
        "seconds": fast["seconds"],
        "limit_per_second": args.limit,
        "rate_limited_sent": limited["sent"],
        "rate_limited_duplicates": limited["duplicates"],
        "rate_limited_lost": limited["lost"],
        "rate_limited_seconds": limited["seconds"],
        "floor_seconds": round(floor, 2),
        "over_floor": round(limited["seconds"] / floor - 1, 4),
        "connector_429s": limited["connector_429s"],
        "final_429s": limited["final_429s"],
        "goal_met": limited["seconds"] <= floor * 1.1
        and limited["lost"] == 0
        and limited["final_429s"] == 0,
    }
    print(json.dumps(result))
