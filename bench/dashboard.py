"""How fast the dashboard answers on a year of history.

`python -m bench dashboard --people 10000 --weeks 52 [--postgres URL] [--repeat 5]`

Seeds a fresh database with ``bench.history`` (SQLite in a temporary folder, and PostgreSQL
in a schema of its own when ``--postgres`` is given), which publishes every closed week
through the disclosure gate as the scheduler would, serves the dashboard on 127.0.0.1 and asks it, as two signed-in
viewers, for the overview and the theme x group heat map:

- ``org``: the top leader looking at the whole organisation (``?scope=org``);
- ``team``: a first-line manager looking at their own team (``?scope=team-ID``).

For each: time to first byte of the page (headers received) and to its last byte, the time
for the full JSON, and the page's weight in KB (the HTML with its inline SVG charts, plus the
stylesheet). ``first`` is the very first request of the process (it imports matplotlib and
draws every chart); ``warm`` the median of ``--repeat`` later ones (charts come from the
cache: the published figures behind them never change). The goal: each warm figure under
300 ms. One JSON object on the last line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

GOAL_MS = 300.0
VIEWS = ("overview", "groups")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench dashboard")
    parser.add_argument("--people", type=int, default=10000)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("CULTUREBOT_BENCH_POSTGRES_URL", ""),
        help="also run on this PostgreSQL server (in a schema of its own, dropped after)",
    )
    args = parser.parse_args(argv)
    results: dict[str, Any] = {"people": args.people, "weeks": args.weeks, "goal_ms": GOAL_MS}
    with tempfile.TemporaryDirectory() as tmp:
        results["sqlite"] = run(f"sqlite:///{Path(tmp) / 'dashboard.db'}", args)
    print(json.dumps({"sqlite": results["sqlite"]}), flush=True)  # (seeding PostgreSQL is long)
    if args.postgres:
        results["postgresql"] = run_postgres(args.postgres, args)
    warm = [
        figure
        for backend in ("sqlite", "postgresql")
        if backend in results
        for viewer in results[backend]["viewers"].values()
        for view in viewer.values()
        if isinstance(view, dict)
        for figure in view["warm_ms"].values()
    ]
    results["worst_warm_ms"] = max(warm) if warm else None
    results["goal_met"] = bool(warm) and max(warm) < GOAL_MS
    print(json.dumps(results))


def run_postgres(url: str, args: argparse.Namespace) -> dict[str, Any]:
    from sqlalchemy import create_engine, text

    from storage.db import normalise_url

    schema = f"bench_dash_{uuid.uuid4().hex[:8]}"
    admin = create_engine(normalise_url(url))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        separator = "&" if "?" in url else "?"
        return run(f"{normalise_url(url)}{separator}options=-csearch_path%3D{schema}", args)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def run(url: str, args: argparse.Namespace) -> dict[str, Any]:
    from bench.history import HistorySpec, seed
    from bot.core.clock import FakeClock
    from bot.core.config import Settings
    from bot.core.runtime import Runtime
    from storage.db import open_database

    db = open_database(url)
    spec = HistorySpec(people=args.people, weeks=args.weeks)
    began = time.perf_counter()
    summary = seed(db.engine, spec)
    seeded = time.perf_counter() - began
    settings = Settings(database_url=url, _env_file=None)  # type: ignore[call-arg]
    runtime = Runtime(db=db, clock=FakeClock(spec.end + timedelta(hours=1)), settings=settings)
    began = time.perf_counter()
    publish(runtime)  # bench.history publishes as it seeds; anything left is published here
    publishing = time.perf_counter() - began
    published = periods(runtime)
    try:
        viewers = asyncio.run(measure(runtime, args.repeat))
    finally:
        db.dispose()
    return {
        "seed_s": round(seeded, 1),
        "rows": summary.rows,
        "publish_s": round(publishing, 1),
        "periods_published": published,
        "viewers": viewers,
    }


def publish(runtime: Any) -> int:
    """Publish every closed week, as the scheduler's tick would."""
    from handlers.reports import publish

    with runtime.db.session() as session:
        return len(publish.publish_due(session, runtime.clock.now(), runtime.settings))


def periods(runtime: Any) -> int:
    from sqlalchemy import func
    from sqlmodel import select

    from storage.disclosure_models import DisclosurePeriod

    with runtime.db.session() as session:
        return session.exec(select(func.count()).select_from(DisclosurePeriod)).one()


def viewers(runtime: Any) -> dict[str, tuple[int, str]]:
    """(person id, scope key) of the org-wide viewer (the top leader) and the team viewer (the
    first first-line manager: one whose reports manage nobody)."""
    from sqlmodel import col, select

    from storage.models import Person

    with runtime.db.session() as session:
        rows = session.exec(select(Person.id, Person.manager_id).order_by(col(Person.path))).all()
    managers = {m for _, m in rows if m is not None}
    top = next(i for i, m in rows if m is None)
    below: dict[int, list[int]] = {}
    for person_id, manager_id in rows:
        if manager_id is not None:
            below.setdefault(manager_id, []).append(person_id)
    team = next((m for m, _ in rows if m in managers and not managers & set(below.get(m, []))), top)
    return {"org": (top, "org"), "team": (team, f"team-{team}")}


def cookie_for(runtime: Any, person_id: int) -> str:
    from handlers.dashboard import access
    from storage.models import Person

    with runtime.db.session() as session:
        person = session.get(Person, person_id)
        token = access.issue_token(session, runtime.settings, person, runtime.clock.now())
    with runtime.db.session() as session:
        signed = access.redeem(session, runtime.settings, token, runtime.clock.now())
    assert isinstance(signed, access.SignedIn), signed
    return signed.cookie


async def measure(runtime: Any, repeat: int) -> dict[str, Any]:
    import aiohttp
    from aiohttp import web

    from bot.web.dashboard import standalone_app
    from handlers.dashboard.access import COOKIE

    runner = web.AppRunner(standalone_app(runtime))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    base = f"http://127.0.0.1:{port}"
    out: dict[str, Any] = {}
    try:
        async with aiohttp.ClientSession() as client:
            css = await (await client.get(f"{base}/dashboard/static/dashboard.css")).read()
            for name, (person_id, scope) in viewers(runtime).items():
                headers = {"Cookie": f"{COOKIE}={cookie_for(runtime, person_id)}"}
                out[name] = {"scope": scope}
                for view in VIEWS:
                    page = f"{base}/dashboard/{view}?scope={scope}"
                    data = f"{base}/dashboard/{view}.json?scope={scope}"
                    first = await timed(client, page, headers)
                    runs = [await timed(client, page, headers) for _ in range(repeat)]
                    json_runs = [await timed(client, data, headers) for _ in range(repeat)]
                    out[name][view] = {
                        "status": first["status"],
                        "first_ms": {"ttfb": first["ttfb"], "page": first["total"]},
                        "warm_ms": {
                            "ttfb": median(r["ttfb"] for r in runs),
                            "page": median(r["total"] for r in runs),
                            "json": median(r["total"] for r in json_runs),
                        },
                        "page_kb": round((first["bytes"] + len(css)) / 1024, 1),
                        "json_kb": round(json_runs[-1]["bytes"] / 1024, 1),
                        "charts": first["charts"],
                    }
    finally:
        await runner.cleanup()
    return out


async def timed(client: Any, url: str, headers: dict[str, str]) -> dict[str, Any]:
    began = time.perf_counter()
    async with client.get(url, headers=headers) as response:
        ttfb = time.perf_counter() - began
        body = await response.read()
    total = time.perf_counter() - began
    return {
        "status": response.status,
        "ttfb": round(ttfb * 1000, 1),
        "total": round(total * 1000, 1),
        "bytes": len(body),
        "charts": body.count(b"<svg"),
    }


def median(values: Any) -> float:
    return round(statistics.median(list(values)), 1)
