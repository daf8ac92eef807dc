"""`python -m bench tick --people 10000 --weeks 52 [--db postgresql://...]`

What a year of history costs at run time. A fresh database gets ``--weeks`` of history for
``--people`` (bench/history.py, ending on the last Wednesday noon UTC), then:

- ``idle_tick_ms``: the median of ``--idle-ticks`` scheduler ticks (``run_due``, in-process,
  one fake minute apart) when nothing is due (goal < 50);
- ``open_round_ms``: the tick that opens a scheduled round for ``--round-people`` (2,000) people
  of one time zone and queues every prompt (goal < 1,000); ``open_round_statements`` counts
  the SQL statements it issued;
- through the real ``culturebot run`` process (Slack configured, ceiling
  ``--ceiling`` messages/s) against the fake Slack API in a process of its own: a check-in
  for the whole organisation (``--people`` - 1 prompts) is started, and ``drain_ratio`` is
  (messages the fake received) / (seconds from its first to its last) / ceiling (goal >= 0.9);
- ``idle_cpu_share``: CPU seconds the ``culturebot run`` process used per second of wall time
  over ``--idle-seconds`` once everything was sent (goal < 0.01; its tick runs every
  ``--tick-seconds``, more often than the default minute, so the figure is on the safe side);
- ``peak_rss_mb``: the ``culturebot run`` process's peak resident memory (goal < 200).

``--db`` takes a PostgreSQL server URL: the run gets a schema of its own, dropped at the end.
Prints one JSON object on the last line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, event, func, text, update
from sqlmodel import select

from bench.history import HistorySpec, seed
from storage.db import normalise_url, open_database

ROUND_ZONE = "Europe/Berlin"
ROUND_DEPARTMENT = "Bench round"


def last_wednesday_noon(now: datetime) -> datetime:
    """The newest Wednesday 12:00 UTC at least an hour before ``now``: where history ends."""
    at = (now - timedelta(hours=1)).replace(hour=12, minute=0, second=0, microsecond=0)
    at -= timedelta(days=(at.weekday() - 2) % 7)
    while at > now - timedelta(hours=1):
        at -= timedelta(days=7)
    return at


@contextmanager
def database_url(server: str) -> Iterator[str]:
    """A fresh database: a SQLite file, or a private schema on the PostgreSQL server."""
    if not server:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / 'tick.db'}"
        return
    schema = f"tick_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(normalise_url(server))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in server else "?"
    try:
        yield f"{normalise_url(server)}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


class StatementCounter:
    def __init__(self, engine: Any) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: Any) -> None:
        self.count += 1


def in_process(url: str, end: datetime, args: argparse.Namespace) -> dict[str, Any]:
    """Idle ticks and the opening of a 2,000-person round, on a fake clock."""
    import prompts
    from bot.app import run_due
    from bot.core.clock import FakeClock
    from bot.core.config import Settings
    from bot.core.runtime import Runtime
    from storage.models import Outbox, Person, PulsePrompt, PulseSchedule

    prompts.validate_all()  # as `culturebot run` does at start-up
    settings = Settings(database_url=url, _env_file=None)  # type: ignore[call-arg]
    clock = FakeClock(end + timedelta(minutes=1))
    runtime = Runtime(db=open_database(url), clock=clock, settings=settings, channels=("slack",))
    counter = StatementCounter(runtime.db.engine)
    run_due(runtime)  # warm-up: caches, prepared statements
    idle: list[float] = []
    idle_statements = counter.count
    for _ in range(args.idle_ticks):
        clock.advance(timedelta(minutes=1))
        began = time.perf_counter()
        done = run_due(runtime)
        idle.append((time.perf_counter() - began) * 1000)
    idle_statements = (counter.count - idle_statements) / max(1, args.idle_ticks)
    busy = {k: v for k, v in done.items() if any(v.values())}  # type: ignore[union-attr]

    # a scheduled round for round_people people of one zone, due a minute from now
    with runtime.db.session() as session:
        ids = session.exec(
            select(Person.id)
            .where(Person.timezone == ROUND_ZONE, Person.manager_id.is_not(None))  # type: ignore[union-attr]
            .order_by(Person.id)
            .limit(args.round_people)
        ).all()
        session.exec(
            update(Person).where(Person.id.in_(ids)).values(department=ROUND_DEPARTMENT)  # type: ignore[union-attr]
        )
        due = (clock.now() + timedelta(minutes=2)).astimezone(ZoneInfo(ROUND_ZONE))
        session.add(
            PulseSchedule(
                name="Bench round",
                audience_kind="department",
                audience_value=ROUND_DEPARTMENT,
                weekday=due.weekday(),
                local_time=due.strftime("%H:%M"),
                start_date=due.date(),
            )
        )
    clock.advance(timedelta(minutes=2))
    before = counter.count
    began = time.perf_counter()
    done = run_due(runtime)
    open_ms = (time.perf_counter() - began) * 1000
    open_statements = counter.count - before
    with runtime.db.session() as session:
        queued = session.exec(
            select(func.count())
            .select_from(Outbox)
            .where(Outbox.kind == "pulse.prompt", Outbox.status == "pending")  # type: ignore[arg-type]
        ).one()
        prompts_made = session.exec(
            select(func.count())
            .select_from(PulsePrompt)
            .where(PulsePrompt.status == "sent", PulsePrompt.send_at > end)  # type: ignore[arg-type]
        ).one()
        # what the fake clock queued (and its schedule) stays out of the real run
        session.exec(
            update(PulseSchedule).where(PulseSchedule.name == "Bench round").values(active=False)
        )  # type: ignore[arg-type]
        session.exec(update(Outbox).where(Outbox.status == "pending").values(status="sent"))  # type: ignore[arg-type]
    runtime.db.dispose()
    return {
        "idle_tick_ms": round(statistics.median(idle), 1),
        "idle_tick_ms_max": round(max(idle), 1),
        "idle_tick_statements": round(idle_statements, 1),
        "idle_tick_busy": busy,
        "open_round_ms": round(open_ms, 1),
        "open_round_statements": open_statements,
        "open_round_people": len(ids),
        "open_round_prompts_sent": prompts_made,
        "open_round_queued": queued,
        "open_round_tick": done,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def proc_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def fake_stats(url: str) -> dict[str, Any]:
    import aiohttp

    async with aiohttp.ClientSession() as session, session.get(f"{url}/_stats") as resp:
        return await resp.json()


def through_culturebot_run(url: str, args: argparse.Namespace) -> dict[str, Any]:
    """A whole-organisation check-in drained by `culturebot run` into the fake Slack."""
    from bot.app import build_router
    from bot.core.chat import Incoming
    from bot.core.clock import SystemClock
    from bot.core.config import Settings
    from bot.core.runtime import Runtime
    from storage.models import Outbox, Person

    settings = Settings(database_url=url, _env_file=None)  # type: ignore[call-arg]
    runtime = Runtime(
        db=open_database(url), clock=SystemClock(), settings=settings, channels=("slack",)
    )
    with runtime.db.session() as session:
        top = session.exec(select(Person).where(Person.manager_id.is_(None))).first()  # type: ignore[union-attr]
        assert top is not None
        top_email = top.email
    opened = runtime.clock.now()
    began = time.perf_counter()
    reply = build_router().handle(
        runtime, Incoming(platform="console", user_id=top_email, kind="command", name="checkin")
    )
    checkin_ms = (time.perf_counter() - began) * 1000
    with runtime.db.session() as session:
        queued = session.exec(
            select(func.count()).select_from(Outbox).where(Outbox.status == "pending")  # type: ignore[arg-type]
        ).one()
    assert queued >= args.people - 1, (queued, [m.summary for m in reply.replies])

    fake = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.slack_api"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert fake.stdout is not None
    fake_url = fake.stdout.readline().strip()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("CULTUREBOT_", "SLACK_"))},
        "CULTUREBOT_DATABASE_URL": url,
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": "bench-secret",
        "CULTUREBOT_SLACK_API_URL": fake_url + "/api/",
        "CULTUREBOT_SLACK_MAX_PER_SECOND": str(args.ceiling),
        "CULTUREBOT_TICK_SECONDS": str(args.tick_seconds),
        "CULTUREBOT_HTTP_PORT": str(free_port()),
        "CULTUREBOT_LOG_LEVEL": "WARNING",
    }
    if args.shared_limits:
        env["CULTUREBOT_SHARED_LIMITS"] = args.shared_limits
    log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)  # noqa: SIM115
    culturebot = Path(sys.executable).with_name("culturebot")
    run = subprocess.Popen([str(culturebot), "run"], env=env, stdout=log, stderr=log)
    result: dict[str, Any] = {"checkin_10k_ms": round(checkin_ms, 1), "queued": queued}
    try:
        deadline = time.monotonic() + max(120.0, 3 * queued / args.ceiling)
        left = queued
        while time.monotonic() < deadline and run.poll() is None:
            time.sleep(1.0)
            with runtime.db.session() as session:
                left = session.exec(
                    select(func.count())
                    .select_from(Outbox)
                    .where(Outbox.status.in_(("pending", "sending")))  # type: ignore[attr-defined]
                ).one()
            if left == 0:
                break
        stats = asyncio.run(fake_stats(fake_url))
        with runtime.db.session() as session:
            first, last, sent = session.exec(
                select(func.min(Outbox.sent_at), func.max(Outbox.sent_at), func.count()).where(
                    Outbox.status == "sent", Outbox.created_at >= opened
                )  # type: ignore[arg-type]
            ).one()
        span = (last - first).total_seconds() if sent > 1 else 0.0
        rate = (sent - 1) / span if span else 0.0
        result.update(
            {
                "sent": sent,
                "fake_received": len(stats["messages"]),
                "left_unsent": left,
                "drain_seconds": round(span, 1),
                "drain_per_second": round(rate, 1),
                "ceiling": args.ceiling,
                "drain_ratio": round(rate / args.ceiling, 3),
                "fake_429s": stats.get("rate_limited", 0),
            }
        )
        if run.poll() is None:
            time.sleep(args.settle_seconds)
            cpu0, wall0 = proc_cpu_seconds(run.pid), time.monotonic()
            time.sleep(args.idle_seconds)
            cpu1, wall1 = proc_cpu_seconds(run.pid), time.monotonic()
            result["idle_cpu_share"] = round((cpu1 - cpu0) / (wall1 - wall0), 4)
            result["idle_seconds"] = round(wall1 - wall0, 1)
            result["peak_rss_mb"] = round(proc_peak_rss_mb(run.pid), 1)
        else:
            log.seek(0)
            result["run_exited"] = run.returncode
            result["run_log_tail"] = log.read()[-2000:]
    finally:
        if run.poll() is None:
            run.send_signal(signal.SIGTERM)
            try:
                run.wait(timeout=30)
            except subprocess.TimeoutExpired:
                run.kill()
                run.wait()
        assert fake.stdin is not None
        fake.stdin.close()
        try:
            fake.wait(timeout=10)
        except subprocess.TimeoutExpired:
            fake.kill()
        runtime.db.dispose()
        log.close()
        os.unlink(log.name)
    return result


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench tick")
    parser.add_argument("--people", type=int, default=10000)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--db", default="", help="PostgreSQL server URL (default: SQLite)")
    parser.add_argument("--idle-ticks", type=int, default=10)
    parser.add_argument("--round-people", type=int, default=2000)
    parser.add_argument("--ceiling", type=float, default=200.0, help="Slack messages/s")
    parser.add_argument("--tick-seconds", type=int, default=20)
    parser.add_argument("--settle-seconds", type=float, default=5.0)
    parser.add_argument("--idle-seconds", type=float, default=60.0)
    parser.add_argument("--no-run", action="store_true", help="in-process figures only")
    parser.add_argument(
        "--shared-limits",
        choices=("auto", "on", "off"),
        help="CULTUREBOT_SHARED_LIMITS for the culturebot run process (default: its default)",
    )
    args = parser.parse_args(argv)

    end = last_wednesday_noon(datetime.now(UTC))
    result: dict[str, Any] = {"people": args.people, "weeks": args.weeks}
    with database_url(args.db) as url:
        db = open_database(url)
        summary = seed(db.engine, HistorySpec(people=args.people, weeks=args.weeks, end=end))
        db.dispose()
        result["seed_seconds"] = summary.seconds
        result["outbox_rows"] = summary.rows["outbox"]
        result.update(in_process(url, end, args))
        if not args.no_run:
            result.update(through_culturebot_run(url, args))
        result["database"] = "postgresql" if url.startswith("postgres") else "sqlite"
    print(json.dumps(result))
