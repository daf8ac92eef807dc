"""`python -m bench cascade --people 10000 --depth 8 --silent 0.2`

A generated organisation (a top leader, the sending leader with almost everyone below, and a
small branch outside the sender's subtree), a cascade sent through the router, managers who
relay with a note through the router at scripted times except a ``--silent`` share who never
do, hourly scheduler ticks on the injected clock until no link is pending, and every outbox
row delivered by the real delivery worker to a platform that only records what it was given.

Prints one JSON object: reached_share (goal 1.0), via_relay_share, duplicates (goal 0),
outsiders (goal 0), report_ms (goal < 200 on SQLite), peak_rss_mb, and context figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import statistics
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert
from sqlmodel import col, select

from bot.app import build_router, run_due
from bot.chat import Incoming, Message
from bot.clock import FakeClock
from bot.config import Settings
from bot.delivery import Address, deliver_due
from bot.runtime import Runtime
from handlers import cascade_report
from storage.cascade_models import Cascade, CascadeLink
from storage.db import open_database
from storage.models import Person

START = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)  # a Monday morning
NOTE = "Here is why this matters for the customers our team serves every day."
TITLE = "Bench: customers first"


class RecordingPlatform:
    """Stands in for a chat service: records who was sent what, sends nothing."""

    name = "console"

    def __init__(self) -> None:
        self.received: Counter[int] = Counter()  # person id -> cascade messages received
        self.sent = 0

    async def send(self, address: Address, message: Message) -> str:
        self.sent += 1
        if message.summary == TITLE:
            self.received[address.person_id] += 1
        return f"rec:{self.sent}"


def generate(people: int, depth: int, rng: random.Random) -> tuple[list[dict], set[int]]:
    """Rows for the person table (ids from 1) and the ids of the sender's subtree.

    Person 1 is the top leader, 2 the sender, 3 another leader whose branch (about 2%) is
    outside the sender's subtree. Everyone else gets a random parent no deeper than ``depth``
    levels below the sender, so the tree is bushy near the top and reaches full depth.
    """
    rows = [
        _row(1, None, "/1/", "leader", "Top"),
        _row(2, 1, "/1/2/", "leader", "Sales"),
        _row(3, 1, "/1/3/", "leader", "Outside"),
    ]
    outside_count = max(1, people // 50)
    level = {2: 0}
    eligible = [2]
    audience: set[int] = set()
    paths = {2: "/1/2/", 3: "/1/3/"}
    for pid in range(4, people + 1):
        if pid < 4 + outside_count:
            parent = 3
            paths[pid] = f"/1/3/{pid}/"
            rows.append(_row(pid, parent, paths[pid], "employee", "Outside"))
            continue
        # favour recent eligible nodes a little so every level fills, not only the top ones
        parent = eligible[int(len(eligible) * (1 - rng.random() ** 1.5))]
        level[pid] = level[parent] + 1
        paths[pid] = f"{paths[parent]}{pid}/"
        if level[pid] < depth:
            eligible.append(pid)
        audience.add(pid)
        rows.append(_row(pid, parent, paths[pid], "employee", "Sales"))
    return rows, audience


def _row(pid: int, manager: int | None, path: str, role: str, department: str) -> dict:
    zones = ("UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo")
    return {
        "id": pid,
        "email": f"p{pid}@bench.example",
        "name": f"Person {pid}",
        "manager_id": manager,
        "department": department,
        "role": role,
        "timezone": zones[pid % len(zones)],
        "active": True,
        "path": path,
    }


async def deliver_all(runtime: Runtime, platform: RecordingPlatform) -> None:
    while (await deliver_due(runtime, platform, limit=2000, concurrency=50)).sent:
        pass


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench cascade")
    parser.add_argument("--people", type=int, default=10000)
    parser.add_argument("--depth", type=int, default=8)
    parser.add_argument(
        "--silent", type=float, default=0.2, help="share of managers who never relay"
    )
    parser.add_argument("--window-days", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", default="", help="database URL (default: a fresh SQLite file)")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    began = time.perf_counter()

    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'bench.db'}"
        settings = Settings(database_url=url, _env_file=None)  # type: ignore[call-arg]
        clock = FakeClock(START)
        runtime = Runtime(db=open_database(url), clock=clock, settings=settings, channels=())
        router = build_router()
        platform = RecordingPlatform()

        rows, audience = generate(args.people, args.depth, rng)
        with runtime.db.session() as session:
            for start in range(0, len(rows), 2000):
                session.exec(insert(Person).values(rows[start : start + 2000]))  # type: ignore[call-overload]
        managers = {r["manager_id"] for r in rows if r["manager_id"] in audience}
        silent = {m for m in managers if rng.random() < args.silent}
        # those who relay do so between 1 hour and 1.5 working days after they got it
        delay = {m: timedelta(hours=rng.uniform(1, 36)) for m in managers - silent}

        def act(person: int, name: str, ref: str = "", **fields: str) -> str:
            incoming = Incoming(
                platform="console",
                user_id=f"p{person}@bench.example",
                kind="action",
                name=name,
                ref=ref,
                fields=fields,
            )
            return " ".join(m.summary for m in router.handle(runtime, incoming).replies)

        sent = act(
            2,
            "cascade.send",
            title=TITLE,
            message="We will call every customer who churned last year.",
            window_days=str(args.window_days),
        )
        del sent  # the preview: Send confirms the draft
        with runtime.db.session() as session:
            cascade_id = session.exec(select(Cascade.id).where(Cascade.status == "draft")).one()
        router.handle(
            runtime,
            Incoming(
                platform="console",
                user_id="p2@bench.example",
                kind="action",
                name="cascade.confirm",
                value=str(cascade_id),
            ),
        )
        asyncio.run(deliver_all(runtime, platform))

        ticks = relays = 0
        while True:
            with runtime.db.session() as session:
                pending = session.exec(
                    select(CascadeLink.id, CascadeLink.manager_id, CascadeLink.since).where(
                        CascadeLink.cascade_id == cascade_id, CascadeLink.status == "pending"
                    )
                ).all()
            if not pending:
                break
            now = clock.now()
            for link_id, manager_id, since in pending:
                if manager_id in delay and now >= since + delay[manager_id]:
                    act(manager_id, "cascade.relay_note", str(link_id), note=NOTE)
                    relays += 1
            clock.advance(timedelta(hours=1))
            run_due(runtime)
            ticks += 1
            asyncio.run(deliver_all(runtime, platform))
        simulated = clock.now() - START

        with runtime.db.session() as session:
            timings = []
            for _ in range(5):
                t0 = time.perf_counter()
                report = cascade_report.build(session, cascade_id, settings.min_group_size)
                timings.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            cascade_report.chain_tree(session, cascade_id)
            tree_ms = (time.perf_counter() - t0) * 1000
            active = set(session.exec(select(Person.id).where(col(Person.active).is_(True))).all())
        runtime.db.dispose()

    received = platform.received
    reached_people = {p for p in received if p in audience and p in active}
    result = {
        "people": args.people,
        "audience": len(audience),
        "depth": report.depth,
        "managers": len(managers),
        "silent_managers": len(silent),
        "relays": relays,
        "reached_share": round(len(reached_people) / len(audience), 4),
        "via_relay_share": round(report.via_relay_share, 4),
        "report_reached_share": round(report.reached_share, 4),
        "duplicates": sum(1 for n in received.values() if n > 1),
        "outsiders": sum(1 for p in received if p not in audience),
        "broken_links": len(report.broken_links),
        "delivered": platform.sent,
        "report_ms": round(statistics.median(timings), 1),
        "report_ms_first": round(timings[0], 1),
        "tree_ms": round(tree_ms, 1),
        "ticks": ticks,
        "simulated_days": round(simulated / timedelta(days=1), 1),
        "wall_s": round(time.perf_counter() - began, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "database": "postgresql" if url.startswith("postgres") else "sqlite",
    }
    print(json.dumps(result))
