"""`culturebot run` with an app token connects over Socket Mode (slack-bolt's handler) and
handles what arrives there like HTTP traffic: here a DM saying help, answered in the DM. And
a real `culturebot run` process stopped with SIGTERM closes its websocket cleanly."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from bot.app import run_due, tick_report
from bot.web.server import serve
from tests.fakes.slack_api import FakeSlack, block_text
from tests.platforms.slack.test_http_pulse import ORG
from tests.procs import Bot, bot_env, bots, org_csv, runtime_for
from tests.support import import_org

SHUTDOWN = 5  # CULTUREBOT_SHUTDOWN_SECONDS for the process test


async def test_run_connects_in_socket_mode_and_answers_events(
    slack_runtime, router, fake_slack
) -> None:
    import_org(slack_runtime, ORG)
    slack_runtime.settings = slack_runtime.settings.model_copy(
        update={"slack_app_token": "xapp-test", "slack_signing_secret": None, "http_port": 0}
    )
    stop = asyncio.Event()
    running = asyncio.create_task(
        serve(slack_runtime, router, run_due=run_due, report=tick_report, stop=stop)
    )
    try:
        await fake_slack.wait_for(lambda: fake_slack.called("socket.connected"))
        [opened] = fake_slack.called("apps.connections.open")
        assert opened.token == "xapp-test"

        payload = {
            "type": "event_callback",
            "team_id": "T0FAKE",
            "event_id": "EvSocket1",
            "event": {
                "type": "message",
                "channel": "DU1",
                "channel_type": "im",
                "user": "U1",
                "text": "help",
            },
        }
        await fake_slack.push("events_api", payload, envelope_id="env-1")
        await fake_slack.wait_for(lambda: fake_slack.called("chat.postMessage"))
        [reply] = fake_slack.called("chat.postMessage")
        assert reply.params["channel"] == "DU1"
        assert "Here is what I can do for you" in block_text(reply.params["blocks"])
        assert fake_slack.socket_acks[0]["envelope_id"] == "env-1"
    finally:
        stop.set()
        await asyncio.wait_for(running, 10)


async def test_a_stopped_run_says_goodbye_on_the_socket_before_it_exits(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    """A real `culturebot run` in Socket Mode, stopped with SIGTERM as systemd stops it: it
    acks what arrived, exits 0 within the shutdown time, and closes its websocket with a close
    frame first (Slack then knows the app left and routes events to its other connections at
    once, instead of to a dead socket until the connection times out)."""
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    runtime = runtime_for(url)
    try:
        import_org(runtime, org_csv(2))
    finally:
        runtime.db.dispose()
    env = bot_env(url, fake_slack.api_url, shutdown_seconds=SHUTDOWN)
    env["SLACK_APP_TOKEN"] = "xapp-proc"
    with bots() as started:
        bot = Bot(env, tmp_path / "bot.log")
        started.append(bot)
        await fake_slack.wait_for(lambda: fake_slack.called("socket.connected"), timeout=60)
        payload = {
            "type": "event_callback",
            "team_id": "T0FAKE",
            "event_id": "EvProc1",
            "event": {
                "type": "message",
                "channel": "DU000000",
                "channel_type": "im",
                "user": "U000000",
                "text": "help",
            },
        }
        await fake_slack.push("events_api", payload, envelope_id="env-proc")
        await fake_slack.wait_for(lambda: fake_slack.called("chat.postMessage"), timeout=30)
        assert [a["envelope_id"] for a in fake_slack.socket_acks] == ["env-proc"]
        assert fake_slack.called("socket.closed") == []  # still connected

        bot.signal(signal.SIGTERM)
        # bounded by the shutdown time (plus start-up slack for a loaded machine), not timed
        code = await asyncio.to_thread(bot.wait, SHUTDOWN + 30)
        assert code == 0, bot.output()[-3000:]
        assert "culturebot stopped" in bot.output()
        await fake_slack.wait_for(lambda: fake_slack.called("socket.closed"), timeout=10)
    [closed] = fake_slack.called("socket.closed")
    assert closed.params["close_frame"], f"the socket dropped without a close frame: {closed}"
