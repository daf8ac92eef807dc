"""`python -m bench inbound [--rate 200] [--seconds 30] [--people 200]`: the Slack ack path
under a fixed rate of signed clicks and DMs.

Four processes: this one (the load: signed Slack requests at a fixed rate, open loop, one
kept-alive client session), the fake Slack Web API (tests/fakes/slack_api.py, where the replies
go), a real `culturebot run` (SQLite, the org imported, a check-in open and its questions
delivered, so the clicks answer real questions), and a bare slack-bolt app that only acks (the
same routes, the same fake), measured one after the other in the same run.

Half the requests are clicks on a pulse question's answer buttons (the first click of a
person records the answer and updates the message; later ones are told "already answered"
through response_url), half are DMs ("help", answered with chat.postMessage).

Figures, for each app: ``p50_ms``/``p99_ms`` from the moment a request was due to its answer
(so a stalled server cannot hide its queue), ``lost`` (no 200 within 10 s), ``throughput``
(answers per second), ``cpu_ms_per_request`` (the server process's CPU over the run, the work
after the ack included, divided by requests), ``peak_rss_mb``; for culturebot also ``shed``
(work dropped after the ack because its queue was full) and ``replies`` (what the fake Slack
received). ``ratio_to_bare_bolt`` is culturebot's throughput over bare bolt's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

import aiohttp
from sqlmodel import col, select

SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench"
ROOT = Path(__file__).resolve().parent.parent


# --- the bare slack-bolt app (run as `python -m bench.inbound bare PORT API_URL`) ------------


def serve_bare(port: int, api_url: str) -> None:
    """slack-bolt's AsyncApp behind aiohttp, every listener acking and nothing else."""
    import re

    from aiohttp import web
    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
    from slack_bolt.app.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    app = AsyncApp(client=AsyncWebClient(token=TOKEN, base_url=api_url), signing_secret=SECRET)

    async def ack_only(ack: Any) -> None:
        await ack()

    app.action(re.compile(".*"))(ack_only)
    app.event("message")(ack_only)

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    web_app = web.Application()
    web_app.router.add_post("/slack/events", events)
    web_app.router.add_get("/healthz", healthz)
    web.run_app(web_app, host="127.0.0.1", port=port, print=None, access_log=None)


# --- set-up ---------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def start_fake() -> tuple[asyncio.subprocess.Process, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.fakes.slack_api",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        cwd=ROOT,
    )
    assert process.stdout is not None
    url = (await asyncio.wait_for(process.stdout.readline(), 60)).decode().strip()
    return process, url


def prepare(workdir: Path, people: int, api_url: str) -> tuple[str, list[dict[str, Any]]]:
    """A database with the org, a check-in open and its questions delivered to the fake;
    for each person, where their question is and its answer buttons."""
    from bench.slack_fanout import prepare as prepare_round
    from bot.app import run_due
    from bot.core.chat import Message
    from bot.platforms.slack import blocks as slack_blocks
    from bot.platforms.slack.delivery import SlackPlatform
    from storage.models import Identity, Outbox

    runtime = prepare_round(
        workdir,
        "inbound",
        people,
        SimpleNamespace(api_url=api_url),
        1000,  # type: ignore[arg-type]
    )
    run_due(runtime)  # the first tick's invitations go out now, not during the measurement
    platform = SlackPlatform(runtime.settings)
    asyncio.run(_deliver(runtime, platform))
    questions = []
    with runtime.db.session() as session:
        rows = session.exec(
            select(Outbox, Identity.external_id)
            .join(Identity, col(Identity.person_id) == col(Outbox.person_id))
            .where(
                Outbox.status == "sent", Outbox.kind == "pulse.prompt", Identity.platform == "slack"
            )
        ).all()
        for row, user in rows:
            channel, _, ts = (row.platform_ref or "").partition(":")
            buttons = [
                e
                for b in slack_blocks.blocks(Message.from_json(row.payload))
                if b["type"] == "actions"
                for e in b["elements"]
                if e.get("value")
            ]
            if channel and ts and buttons:
                questions.append({"user": user, "channel": channel, "ts": ts, "button": buttons[0]})
    url = runtime.settings.database_url
    runtime.db.dispose()
    return url, questions


async def _deliver(runtime: Any, platform: Any) -> None:
    """Send everything due (the questions, the invitations) before the measurement."""
    from bench.slack_fanout import pending
    from bot.delivery.worker import deliver_due

    try:
        deadline = time.monotonic() + 120
        while pending(runtime) and time.monotonic() < deadline:
            stats = await deliver_due(runtime, platform, limit=200, concurrency=8)
            if not stats.sent:
                await asyncio.sleep(0.05)
    finally:
        await platform.close()


async def start_server(
    args: list[str], env: dict[str, str], port: int, log: Path
) -> asyncio.subprocess.Process:
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            *args, env=env, cwd=ROOT, stdout=out, stderr=asyncio.subprocess.STDOUT
        )
    async with aiohttp.ClientSession() as session:
        for _ in range(600):
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as resp:
                    if resp.status == 200:
                        return process
            except aiohttp.ClientError:
                pass
            if process.returncode is not None:
                raise RuntimeError(f"server exited: {log.read_text()[-2000:]}")
            await asyncio.sleep(0.1)
    raise RuntimeError("server did not start")


async def stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 30)
        except TimeoutError:
            process.kill()
            await process.wait()


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


# --- the load -----------------------------------------------------------------------------------


def sign(body: str) -> dict[str, str]:
    from tests.fakes.slack_api import sign as slack_sign

    return slack_sign(SECRET, body)


def click_body(q: dict[str, Any], respond_base: str) -> str:
    key = uuid.uuid4().hex
    payload = {
        "type": "block_actions",
        "user": {"id": q["user"], "team_id": "T0FAKE"},
        "team": {"id": "T0FAKE"},
        "api_app_id": "A0FAKE",
        "container": {
            "type": "message",
            "message_ts": q["ts"],
            "channel_id": q["channel"],
            "is_ephemeral": False,
        },
        "channel": {"id": q["channel"]},
        "trigger_id": f"trigger-{key}",
        "response_url": f"{respond_base}/respond/{key}",
        "actions": [
            {
                "type": "button",
                "action_id": q["button"]["action_id"],
                "block_id": "b1",
                "value": q["button"].get("value", ""),
                "action_ts": "1700000002.000200",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)})


def dm_body(user: str) -> str:
    return json.dumps(
        {
            "token": "legacy",
            "team_id": "T0FAKE",
            "api_app_id": "A0FAKE",
            "type": "event_callback",
            "event_id": f"Ev{uuid.uuid4().hex}",
            "event_time": int(time.time()),
            "event": {
                "type": "message",
                "channel": f"D{user}",
                "channel_type": "im",
                "user": user,
                "text": "help",
                "ts": f"{time.time():.6f}",
            },
            "authorizations": [{"team_id": "T0FAKE", "user_id": "UBOT", "is_bot": True}],
        }
    )


async def load(
    url: str, questions: list[dict[str, Any]], respond_base: str, rate: float, seconds: float
) -> dict[str, Any]:
    """Send ``rate`` signed requests a second for ``seconds``, open loop; latency from when
    each was due."""
    n = int(rate * seconds)
    loop = asyncio.get_running_loop()
    results: list[tuple[float, bool] | None] = [None] * n
    connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=30)
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        start = loop.time() + 0.5

        async def one(i: int) -> None:
            due = start + i / rate
            if (wait := due - loop.time()) > 0:
                await asyncio.sleep(wait)
            q = questions[(i // 2) % len(questions)]
            if i % 2:
                body, kind = click_body(q, respond_base), "application/x-www-form-urlencoded"
            else:
                body, kind = dm_body(q["user"]), "application/json"
            headers = {"Content-Type": kind, **sign(body)}
            ok = False
            try:
                async with session.post(url, data=body, headers=headers) as resp:
                    await resp.read()
                    ok = resp.status == 200
            except (aiohttp.ClientError, TimeoutError):
                ok = False
            results[i] = (loop.time() - due, ok)

        await asyncio.gather(*(one(i) for i in range(n)))
        finished = loop.time()
    done = [r for r in results if r is not None]
    answered = sorted(latency for latency, ok in done if ok)
    quantiles = statistics.quantiles(answered, n=100, method="inclusive") if answered else []
    return {
        "requests": n,
        "lost": n - len(answered),
        "p50_ms": round(quantiles[49] * 1000, 1) if quantiles else None,
        "p99_ms": round(quantiles[98] * 1000, 1) if quantiles else None,
        "max_ms": round(answered[-1] * 1000, 1) if answered else None,
        "throughput": round(len(answered) / (finished - start), 1),
    }


async def metric(port: int, name: str, labels: dict[str, str] | None = None) -> float:
    from prometheus_client.parser import text_string_to_metric_families

    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}/metrics") as resp,
    ):
        text = await resp.text()
    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(
                sample.labels.get(k) == v for k, v in (labels or {}).items()
            ):
                total += sample.value
    return total


async def measure(
    name: str,
    server: list[str],
    env: dict[str, str],
    port: int,
    workdir: Path,
    questions: list[dict[str, Any]],
    respond_base: str,
    rate: float,
    seconds: float,
) -> dict[str, Any]:
    log = workdir / f"{name}.log"
    process = await start_server(server, env, port, log)
    try:
        before = cpu_seconds(process.pid)
        figures = await load(
            f"http://127.0.0.1:{port}/slack/events", questions, respond_base, rate, seconds
        )
        if name == "culturebot":  # let the work after the acks finish: its CPU counts too
            for _ in range(600):
                if not await metric(port, "culturebot_inbound_queue_depth"):
                    break
                await asyncio.sleep(0.1)
            figures["shed"] = int(await metric(port, "culturebot_inbound_shed_total"))
            figures["handled"] = int(
                await metric(port, "culturebot_handler_seconds_count", {"platform": "slack"})
            )
        figures["cpu_ms_per_request"] = round(
            (cpu_seconds(process.pid) - before) * 1000 / figures["requests"], 2
        )
        figures["peak_rss_mb"] = round(peak_rss_mb(process.pid), 1)
        if figures["lost"] == figures["requests"]:
            print(
                f"{name}: nothing answered; its log ends:\n{log.read_text()[-3000:]}",
                file=sys.stderr,
            )
        return figures
    finally:
        await stop(process)


async def run(
    rate: float, seconds: float, people: int, workdir: Path, bare: bool
) -> dict[str, Any]:
    fake, api_root = await start_fake()
    try:
        api_url = f"{api_root}/api/"
        db_url, questions = await asyncio.to_thread(prepare, workdir, people, api_url)
        if not questions:
            raise RuntimeError("no delivered questions to click")
        # the operator's tuning (CULTUREBOT_INBOUND_*, ...) passes; where the data lives does not
        base_env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("SLACK_") and k != "CULTUREBOT_DATABASE_URL"
        }
        results: dict[str, Any] = {}
        if bare:
            port = free_port()
            results["bare_bolt"] = await measure(
                "bare_bolt",
                [sys.executable, "-m", "bench.inbound", "bare", str(port), api_url],
                base_env,
                port,
                workdir,
                questions,
                api_root,
                rate,
                seconds,
            )
        port = free_port()
        env = {
            **base_env,
            "CULTUREBOT_DATABASE_URL": db_url,
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "CULTUREBOT_SLACK_API_URL": api_url,
            "CULTUREBOT_SLACK_MAX_PER_SECOND": "1000",
            "CULTUREBOT_SLACK_CHANNEL_INTERVAL": "0",
            "CULTUREBOT_HTTP_PORT": str(port),
            "CULTUREBOT_LOG_FORMAT": "json",
        }
        results["culturebot"] = await measure(
            "culturebot",
            [sys.executable, "-m", "bot.cli", "run"],
            env,
            port,
            workdir,
            questions,
            api_root,
            rate,
            seconds,
        )
        return results
    finally:
        if fake.stdin is not None:
            fake.stdin.close()
        try:
            await asyncio.wait_for(fake.wait(), 10)
        except TimeoutError:
            fake.kill()


def main(argv: list[str]) -> None:
    if argv[:1] == ["bare"]:
        serve_bare(int(argv[1]), argv[2])
        return
    parser = argparse.ArgumentParser(prog="python -m bench inbound")
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--no-bare", action="store_true", help="Skip the bare slack-bolt app.")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        results = asyncio.run(
            run(args.rate, args.seconds, args.people, Path(tmp), bare=not args.no_bare)
        )
    ours = results["culturebot"]
    figures: dict[str, Any] = {"rate": args.rate, "seconds": args.seconds, **ours}
    if "bare_bolt" in results:
        bare = results["bare_bolt"]
        if bare["throughput"]:
            figures["ratio_to_bare_bolt"] = round(ours["throughput"] / bare["throughput"], 3)
        figures["bare_bolt"] = bare
    print(json.dumps(figures))


if __name__ == "__main__":
    main(sys.argv[1:])
