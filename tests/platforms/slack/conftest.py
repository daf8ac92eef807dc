"""Slack fixtures: the fake Slack Web API, and the real aiohttp app with the bolt adapter in it,
served on 127.0.0.1 and driven with signed requests as Slack would send them."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.core.clock import FakeClock
from bot.core.config import Settings
from bot.core.router import Router
from bot.core.runtime import Runtime
from bot.platforms.slack.app import SLACK, SlackBot
from bot.web.server import build_web_app
from storage.db import Database
from tests.fakes.slack_api import FakeSlack, sign

SECRET = "test-signing-secret"


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    await fake.start()
    yield fake
    await fake.stop()
    # Slack would have refused these calls (a missing scope, blocks past Block Kit's limits)
    assert not fake.refused, dict(fake.refused)


@pytest.fixture
def slack_settings(database: Database, fake_slack: FakeSlack) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=database.url,
        slack_bot_token="xoxb-test",
        slack_signing_secret=SECRET,
        slack_api_url=fake_slack.api_url,
        slack_channel_interval=0,
        slack_max_per_second=1000,
        slack_timeout=5,
    )


@pytest.fixture
def slack_runtime(database: Database, clock: FakeClock, slack_settings: Settings) -> Runtime:
    return Runtime(db=database, clock=clock, settings=slack_settings, channels=("slack",))


@dataclass
class SlackDriver:
    """Sends what Slack would send, signed, to the running app; reads what the fake saw."""

    client: TestClient
    bot: SlackBot
    fake: FakeSlack

    async def post(
        self,
        body: str,
        *,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
        signed: bool = True,
        timestamp: int | None = None,
    ) -> tuple[int, str]:
        all_headers = {"Content-Type": content_type, **(headers or {})}
        if signed:
            all_headers.update(sign(SECRET, body, timestamp))
        async with self.client.post("/slack/events", data=body, headers=all_headers) as resp:
            return resp.status, await resp.text()

    async def event(self, event: dict[str, Any], event_id: str, retry: int = 0) -> int:
        body = json.dumps(
            {
                "token": "legacy",
                "team_id": "T0FAKE",
                "api_app_id": "A0FAKE",
                "type": "event_callback",
                "event_id": event_id,
                "event_time": 1_700_000_000,
                "event": event,
                "authorizations": [{"team_id": "T0FAKE", "user_id": "UBOT", "is_bot": True}],
            }
        )
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        status, _ = await self.post(body, headers=headers if retry else None)
        await self.bot.idle()
        return status

    async def dm(self, user: str, text: str, event_id: str, retry: int = 0) -> int:
        event = {
            "type": "message",
            "channel": f"D{user}",
            "channel_type": "im",
            "user": user,
            "text": text,
            "ts": "1700000001.000100",
        }
        return await self.event(event, event_id, retry)

    async def slash(self, user: str, command: str, text: str = "") -> int:
        key = uuid.uuid4().hex
        body = urlencode(
            {
                "token": "legacy",
                "team_id": "T0FAKE",
                "channel_id": "C0GENERAL",
                "user_id": user,
                "command": command,
                "text": text,
                "response_url": self.fake.response_url(key),
                "trigger_id": f"trigger-{key}",
                "api_app_id": "A0FAKE",
            }
        )
        status, _ = await self.post(body, content_type="application/x-www-form-urlencoded")
        await self.bot.idle()
        return status

    async def interact(self, payload: dict[str, Any]) -> int:
        return (await self.interact_answer(payload))[0]

    async def interact_answer(self, payload: dict[str, Any]) -> tuple[int, str]:
        """An interactive payload, and the app's HTTP answer (status, body) to Slack."""
        body = urlencode({"payload": json.dumps(payload)})
        answer = await self.post(body, content_type="application/x-www-form-urlencoded")
        await self.bot.idle()
        return answer

    async def click(self, user: str, message_channel: str, ts: str, element: dict[str, Any]) -> int:
        """A block_actions payload for clicking ``element`` in the message at channel/ts."""
        key = uuid.uuid4().hex
        return await self.interact(
            {
                "type": "block_actions",
                "user": {"id": user, "team_id": "T0FAKE"},
                "team": {"id": "T0FAKE"},
                "api_app_id": "A0FAKE",
                "container": {
                    "type": "message",
                    "message_ts": ts,
                    "channel_id": message_channel,
                    "is_ephemeral": False,
                },
                "channel": {"id": message_channel},
                "trigger_id": f"trigger-{key}",
                "response_url": self.fake.response_url(key),
                "actions": [
                    {
                        "type": "button",
                        "action_id": element["action_id"],
                        "block_id": "b1",
                        "value": element.get("value", ""),
                        "action_ts": "1700000002.000200",
                    }
                ],
            }
        )

    async def submit(self, user: str, view: dict[str, Any], values: dict[str, Any]) -> int:
        """A view_submission of ``view`` (as views.open received it) with these field values."""
        return (await self.interact_answer(submission(user, view, values)))[0]

    async def submit_answer(
        self, user: str, view: dict[str, Any], values: dict[str, Any], view_id: str | None = None
    ) -> dict[str, Any]:
        """Submit, and return what the app acked to Slack: {} closes the modal; a
        ``response_action`` of "errors" keeps it open with messages under the fields."""
        status, body = await self.interact_answer(submission(user, view, values, view_id))
        assert status == 200, body
        return json.loads(body) if body else {}


def submission(
    user: str, view: dict[str, Any], values: dict[str, Any], view_id: str | None = None
) -> dict[str, Any]:
    """A view_submission payload for ``view`` (as views.open received it) with these values
    (by block id); ``view_id`` repeats the id of an earlier submission of the same modal."""
    state: dict[str, Any] = {}
    for block in view["blocks"]:
        name = block["block_id"]
        if name not in values:
            continue
        kind = block["element"]["type"]
        if kind in ("static_select", "radio_buttons"):
            state[name] = {"value": {"type": kind, "selected_option": {"value": values[name]}}}
        elif kind == "checkboxes":  # ticked: its one option; else none
            ticked = [{"value": values[name]}] if values[name] else []
            state[name] = {"value": {"type": kind, "selected_options": ticked}}
        else:
            state[name] = {"value": {"type": "plain_text_input", "value": values[name]}}
    return {
        "type": "view_submission",
        "user": {"id": user, "team_id": "T0FAKE"},
        "team": {"id": "T0FAKE"},
        "api_app_id": "A0FAKE",
        "trigger_id": f"trigger-{uuid.uuid4().hex}",
        "view": {
            **view,
            "id": view_id or f"V{uuid.uuid4().hex[:8]}",
            "state": {"values": state},
        },
    }


@asynccontextmanager
async def serve_slack(
    runtime: Runtime, router: Router, fake: FakeSlack
) -> AsyncIterator[SlackDriver]:
    """The project's aiohttp app (Slack routes included) on 127.0.0.1, and a driver for it."""
    web_app, platforms = build_web_app(runtime, router)
    assert [p.name for p in platforms] == ["slack"]
    async with TestClient(TestServer(web_app, host="127.0.0.1", port=0)) as client:
        yield SlackDriver(client=client, bot=web_app[SLACK], fake=fake)


@pytest.fixture
async def slack_app(  # type: ignore[no-untyped-def]
    slack_runtime: Runtime, router: Router, fake_slack: FakeSlack
):
    async with serve_slack(slack_runtime, router, fake_slack) as driver:
        yield driver
