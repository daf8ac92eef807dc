"""`culturebot run` with an app token connects over Socket Mode (slack-bolt's handler) and
handles what arrives there like HTTP traffic: here a DM saying help, answered in the DM."""

from __future__ import annotations

import asyncio

from bot.server import serve
from tests.fakes.slack_api import block_text
from tests.slack.test_http_pulse import ORG
from tests.support import import_org


async def test_run_connects_in_socket_mode_and_answers_events(
    slack_runtime, router, fake_slack
) -> None:
    import_org(slack_runtime, ORG)
    slack_runtime.settings = slack_runtime.settings.model_copy(
        update={"slack_app_token": "xapp-test", "slack_signing_secret": None, "http_port": 0}
    )
    stop = asyncio.Event()
    running = asyncio.create_task(serve(slack_runtime, router, stop=stop))
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
