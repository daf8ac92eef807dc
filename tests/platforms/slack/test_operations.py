"""What an operator reads from a running culturebot: /healthz, /readyz, /metrics, request ids
and log lines, and the bounded work after Slack's ack."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families

from bot.core.chat import text_message
from bot.core.config import Settings
from bot.core.logs import setup_logging
from bot.core.runtime import Runtime
from bot.delivery.worker import deliver_due
from bot.platforms.afterack import AfterAck
from bot.web.health import HEALTH
from bot.web.server import build_web_app
from handlers.common.outbox import send_later
from storage import people
from storage.db import open_database
from storage.lease import try_acquire
from tests.platforms.slack.test_http_pulse import start_checkin
from tests.support import import_org

ORG = "email,name,manager_email,department,role,timezone,slack_user_id\nann@x.io,Ann,,Ops,leader,UTC,UANN"


def take_lease(runtime: Runtime, holder: str = "me:1") -> str:
    with runtime.db.session() as session:
        try_acquire(session, "scheduler", holder, runtime.clock.now(), timedelta(minutes=5))
    return holder


async def get_json(client: TestClient, path: str) -> tuple[int, dict]:
    async with client.get(path) as resp:
        return resp.status, await resp.json()


async def test_readyz_turns_503_while_the_database_is_away(tmp_path: Path, router, clock) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    url = f"sqlite:///{folder / 'culturebot.db'}"
    db = open_database(url)
    settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
    runtime = Runtime(db=db, clock=clock, settings=settings)
    holder = take_lease(runtime)
    web_app, _ = build_web_app(runtime, router)
    web_app[HEALTH].holder = lambda: holder
    try:
        async with TestClient(TestServer(web_app, host="127.0.0.1", port=0)) as client:
            status, body = await get_json(client, "/readyz")
            assert status == 200, body
            assert body["checks"]["scheduler"] == {"ok": True, "lease": "held", "holder": holder}
            assert body["checks"]["migrations"] == {"ok": True}

            db.dispose()  # the database goes away (its disk unmounted, say)
            folder.rename(tmp_path / "elsewhere")
            status, body = await get_json(client, "/readyz")
            assert status == 503
            assert body["ready"] is False and body["checks"]["database"]["ok"] is False
            assert (await get_json(client, "/healthz")) == (200, {"ok": True})  # still alive

            (tmp_path / "elsewhere").rename(folder)  # and comes back
            status, body = await get_json(client, "/readyz")
            assert status == 200, body
    finally:
        db.dispose()
        shutil.rmtree(folder, ignore_errors=True)


async def test_readyz_says_when_no_instance_holds_the_scheduler_lease(slack_app) -> None:
    status, body = await get_json(slack_app.client, "/readyz")
    assert status == 503
    assert body["checks"]["scheduler"]["lease"] == "vacant"
    assert body["checks"]["platforms"] == {"ok": True, "slack": True}


async def test_readyz_reports_the_backlog_and_fails_when_it_is_too_old(
    slack_app, slack_runtime
) -> None:
    import_org(slack_runtime, ORG)
    holder = take_lease(slack_runtime, "other:2")
    with slack_runtime.db.session() as session:
        ann = people.by_email(session, "ann@x.io")
        send_later(session, slack_runtime, ann, lambda: text_message("hi"), key="k1", kind="test")
    status, body = await get_json(slack_app.client, "/readyz")
    assert status == 200, body
    assert body["checks"]["scheduler"] == {"ok": True, "lease": "followed", "holder": holder}
    assert body["checks"]["outbox"]["due"] == 1
    slack_runtime.clock.advance(
        timedelta(seconds=slack_runtime.settings.ready_max_due_age_seconds + 1)
    )
    take_lease(slack_runtime, "other:2")
    status, body = await get_json(slack_app.client, "/readyz")
    assert status == 503 and body["checks"]["outbox"]["ok"] is False
    assert body["checks"]["outbox"]["oldest_due_age_seconds"] > 900


async def test_metrics_parse_and_count_what_happened(slack_app, slack_runtime) -> None:
    await start_checkin(slack_app, slack_runtime)  # a slash command, six DMs sent
    [question] = slack_app.fake.dm("U1")
    button = [e for b in question.blocks if b["type"] == "actions" for e in b["elements"]][0]
    assert await slack_app.click("U1", question.channel, question.ts, button) == 200
    async with slack_app.client.get("/metrics") as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("text/plain")
        text = await resp.text()
    families = {f.name: f for f in text_string_to_metric_families(text)}
    for name in (
        "culturebot_sends",
        "culturebot_rate_limited",
        "culturebot_retry_after_seconds",
        "culturebot_outbox_messages",
        "culturebot_dead_letters",
        "culturebot_outbox_oldest_due_age_seconds",
        "culturebot_handler_seconds",
        "culturebot_ack_seconds",
        "culturebot_tick_seconds",
        "culturebot_scheduler_lease_held",
        "culturebot_inbound_queue_depth",
        "culturebot_inbound_shed",
    ):
        assert name in families, name
    depth = {
        (s.labels["platform"], s.labels["state"]): s.value
        for s in families["culturebot_outbox_messages"].samples
    }
    assert ("slack", "sent") not in depth  # sent history is never counted at scrape time
    sent = {
        s.labels["platform"]: s.value
        for s in families["culturebot_sends"].samples
        if s.name == "culturebot_sends_total" and s.labels["outcome"] == "sent"
    }
    assert sent["slack"] >= 6  # the sends themselves are counted as they happen
    handled = {
        s.labels["kind"]: s.value
        for s in families["culturebot_handler_seconds"].samples
        if s.name == "culturebot_handler_seconds_count" and s.labels["platform"] == "slack"
    }
    assert handled["command"] >= 1 and handled["action"] >= 1


async def test_every_response_carries_a_request_id(slack_app) -> None:
    async with slack_app.client.get("/healthz", headers={"X-Request-Id": "abc-123"}) as resp:
        assert resp.headers["X-Request-Id"] == "abc-123"
    async with slack_app.client.get("/healthz", headers={"X-Request-Id": "x" * 500}) as resp:
        assert resp.headers["X-Request-Id"] != "x" * 500  # an absurd id is replaced, not logged


async def test_no_text_score_or_comment_in_logs_at_info_and_a_request_id_on_each_line(
    slack_app, slack_runtime, caplog
) -> None:
    import_org(slack_runtime, ORG)
    caplog.set_level(logging.DEBUG)
    secret = "Zanzibar-secret-words"
    assert await slack_app.dm("UANN", f"story {secret}", "Ev1") == 200
    assert await slack_app.dm("UANN", f"nonsense {secret}", "Ev2") == 200
    # lines logged while handling a request carry its id (the router's retry line, say)
    assert await slack_app.dm("UANN", "help", "Ev3") == 200
    assert await slack_app.dm("UANN", "help", "Ev3", retry=1) == 200
    [dropped] = [r for r in caplog.records if "dropping retry" in r.getMessage()]
    assert getattr(dropped, "request_id", "-") not in ("-", None)
    await start_checkin(slack_app, slack_runtime)
    [question] = slack_app.fake.dm("U2")
    comment_button = [e for b in question.blocks if b["type"] == "actions" for e in b["elements"]][
        -1
    ]
    assert await slack_app.click("U2", question.channel, question.ts, comment_button) == 200
    [opened] = slack_app.fake.called("views.open")
    comment = "Quixotic-comment-text"
    await slack_app.submit("U2", opened.params["view"], {"f.score": "4", "f.comment": comment})
    loud = [r for r in caplog.records if r.levelno >= logging.INFO]
    for record in loud:
        line = record.getMessage()
        assert secret not in line and comment not in line, line
        assert "score" not in line.lower() or "4" not in line, line


def test_log_lines_are_json_with_time_level_and_request_id(monkeypatch) -> None:
    out = io.StringIO()  # not a terminal: auto means JSON
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        setup_logging(Settings(_env_file=None), stream=out)  # type: ignore[call-arg]
        logging.getLogger("culturebot.test").info("hello %s", "there")
        logging.getLogger("apscheduler.executors.default").info(
            'Running job "tick" (scheduled at %s)', "now"
        )
        logging.getLogger("apscheduler.executors.default").info('Job "tick" executed successfully')
    finally:
        for handler in root.handlers[:]:
            root.removeHandler(handler)
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(lines) == 1  # APScheduler's per-run lines are DEBUG now
    [line] = lines
    assert line["message"] == "hello there" and line["level"] == "INFO"
    assert line["logger"] == "culturebot.test" and line["request_id"] == "-"
    assert line["time"][:2] == "20"


def test_text_log_lines_have_time_and_level() -> None:
    out = io.StringIO()
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        settings = Settings(_env_file=None, log_format="text", log_level="DEBUG")  # type: ignore[call-arg]
        setup_logging(settings, stream=out)
        logging.getLogger("apscheduler.executors.default").info('Job "tick" executed successfully')
    finally:
        for handler in root.handlers[:]:
            root.removeHandler(handler)
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])
    [line] = out.getvalue().splitlines()
    date, level, logger = line.split(" ")[:3]
    assert date[:2] == "20" and "T" in date
    assert (level, logger) == ("DEBUG", "apscheduler.executors.default")


# --- the bounded work after the ack ---------------------------------------------------------


async def test_after_ack_work_is_bounded_and_shed_with_one_warning(caplog) -> None:
    queue = AfterAck("test", limit=3, workers=2)
    release = asyncio.Event()
    started: list[int] = []

    async def work(n: int) -> None:
        started.append(n)
        await release.wait()

    accepted = [queue.submit(work(n), "click") for n in range(5)]
    assert accepted == [True, True, True, False, False]
    await asyncio.sleep(0)  # let the accepted pieces start (no time passes)
    assert started == [0, 1]  # two workers; the third waits its turn
    assert queue.depth == 3 and queue.shed == 2
    full = [r for r in caplog.records if "after-ack queue full" in r.getMessage()]
    assert len(full) == 1 and full[0].levelno == logging.WARNING  # one line, not one per drop
    release.set()
    await queue.idle()
    assert started == [0, 1, 2] and queue.depth == 0
    assert queue.submit(work(9), "click")  # room again
    await queue.idle()


async def test_work_waits_while_the_loop_runs_late() -> None:
    """Short of CPU, the acks (which need the loop) go first: new work waits for the loop."""

    class Late(AfterAck):
        async def _measure_lag(self) -> None:  # the test says how late the loop is
            return None

    queue = Late("test", limit=5, workers=2, max_lag=0.001)
    queue.lag = 1.0
    started: list[int] = []

    async def work(n: int) -> None:
        started.append(n)

    assert queue.submit(work(1), "click")
    for _ in range(5):
        await asyncio.sleep(0)
    assert started == []  # accepted, waiting for the loop to catch up
    queue.lag = 0.0
    await queue.idle()
    assert started == [1]


async def test_a_burst_of_clicks_past_the_limit_still_gets_every_ack(slack_app, caplog) -> None:
    """Handlers stuck (a slow database): acks keep going out at once, work past the limit
    is dropped with a warning, and what was accepted finishes when the database is back."""
    bot = slack_app.bot
    bot.after_ack = AfterAck("slack", limit=4, workers=1)
    gate = asyncio.Event()
    handled: list[str] = []

    async def slow_answer(incoming, origin, work=None) -> None:  # type: ignore[no-untyped-def]
        await gate.wait()
        handled.append(incoming.text)

    bot.answer = slow_answer  # type: ignore[method-assign]
    for n in range(10):
        body = json.dumps(
            {
                "type": "event_callback",
                "team_id": "T0FAKE",
                "api_app_id": "A0FAKE",
                "event_id": f"Ev{n}",
                "event": {
                    "type": "message",
                    "channel_type": "im",
                    "channel": "DU1",
                    "user": "U1",
                    "text": f"m{n}",
                },
                "authorizations": [{"team_id": "T0FAKE", "user_id": "UBOT", "is_bot": True}],
            }
        )
        status, _ = await slack_app.post(body)
        assert status == 200  # acked, whatever happens to the work
    assert bot.after_ack.depth == 4 and bot.after_ack.shed == 6
    assert any("after-ack queue full" in r.getMessage() for r in caplog.records)
    gate.set()
    await bot.idle()
    assert handled == ["m0", "m1", "m2", "m3"]


@pytest.mark.parametrize("bad", ["", "not-a-number"])
async def test_a_bad_timestamp_header_is_refused_not_a_crash(slack_app, bad) -> None:
    status, _ = await slack_app.post(
        "{}", signed=False, headers={"X-Slack-Request-Timestamp": bad, "X-Slack-Signature": "v0=x"}
    )
    assert status == 401


async def test_replies_share_one_kept_alive_session(slack_app, slack_runtime) -> None:
    await start_checkin(slack_app, slack_runtime)
    session = slack_app.bot.session
    assert session is not None and slack_app.bot.client.session is session
    await deliver_due(slack_runtime, slack_app.bot.platform)
    assert slack_app.bot.session is session and not session.closed
