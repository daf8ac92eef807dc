"""Teams fixtures: a fake Bot Connector, the real aiohttp app on 127.0.0.1, activities as
Teams (or the Bot Framework Emulator) sends them, and a platform whose waits are recorded
instead of slept."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.core.router import Router
from bot.core.runtime import Runtime
from bot.delivery.worker import DeliveryStats, deliver_due
from bot.platforms.teams.adapter import TEAMS, TeamsBot, TeamsPlatform
from bot.web.server import build_web_app
from tests.fakes.bot_connector import FakeBotConnector

BOT = {"id": "28:culturebot", "name": "culturebot"}
TENANT = "72f988bf-0000-0000-0000-000000000001"
TIMEOUT = aiohttp.ClientTimeout(total=10)
_ids = itertools.count(1)


@dataclass
class Member:
    """A Teams user: their Teams id, AAD object id and email."""

    email: str
    aad: str
    name: str = ""

    @property
    def user_id(self) -> str:
        return f"29:{self.aad}"

    @property
    def conversation(self) -> str:
        return f"a:personal-{self.aad}"


def member(email: str) -> Member:
    local = email.split("@")[0]
    return Member(email=email, aad=f"aad-{local}", name=local.title())


def activity(who: Member, service_url: str, **fields: Any) -> dict[str, Any]:
    """An activity as Teams posts it to /api/messages (a personal chat with the bot)."""
    body: dict[str, Any] = {
        "type": "message",
        "id": f"{1700000000000 + next(_ids)}",
        "timestamp": "2027-03-01T09:00:00.000Z",
        "localTimestamp": "2027-03-01T10:00:00.000+01:00",
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": {"id": who.user_id, "name": who.name, "aadObjectId": who.aad},
        "conversation": {
            "conversationType": "personal",
            "tenantId": TENANT,
            "id": who.conversation,
        },
        "recipient": BOT,
        "textFormat": "plain",
        "locale": "en-US",
        "entities": [{"type": "clientInfo", "locale": "en-US", "platform": "Web"}],
        "channelData": {"tenant": {"id": TENANT}},
    }
    body.update(fields)
    return body


def install(who: Member, service_url: str) -> dict[str, Any]:
    """What Teams sends when a person adds the app to their personal scope."""
    return activity(who, service_url, type="conversationUpdate", membersAdded=[BOT])


def submit(who: Member, service_url: str, card_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """An Action.Submit on a card: no text, the inputs and the button's data in ``value``."""
    return activity(who, service_url, replyToId=card_id, value=data)


@dataclass
class TeamsWorld:
    runtime: Runtime
    connector: FakeBotConnector
    platform: TeamsPlatform
    url: str
    session: aiohttp.ClientSession
    bot: TeamsBot
    waits: list[float] = field(default_factory=list)

    def in_roster(self, *people: Member) -> None:
        """Let the fake connector's roster answer who these people are (email, AAD id)."""
        for person in people:
            self.connector.roster[person.user_id] = {
                "id": person.user_id,
                "name": person.name,
                "aadObjectId": person.aad,
                "email": person.email,
                "userPrincipalName": person.email,
            }

    async def post(
        self, body: Any, *, headers: dict[str, str] | None = None, settle: bool = True
    ) -> int:
        """The HTTP status Teams would get; with ``settle``, once the turn queued after the
        ack has run too (its replies are then at the connector)."""
        async with self.session.post(
            f"{self.url}/api/messages", json=body, headers=headers
        ) as response:
            await response.read()
        if settle:
            await self.bot.idle()
        return response.status

    async def say(self, who: Member, text: str) -> list[str]:
        """Post a message; return the text of each card the bot answered with."""
        before = len(self.connector.received)
        assert await self.post(activity(who, self.connector.url, text=text)) == 200
        return [r.card_text for r in self.connector.received[before:] if r.status < 300]

    async def deliver(self) -> DeliveryStats:
        return await deliver_due(self.runtime, self.platform, concurrency=8)


@pytest.fixture
async def connector() -> AsyncIterator[FakeBotConnector]:
    """The strict fake: a test that made it refuse a card or an oversized message fails."""
    fake = await FakeBotConnector(max_requests=500).start()
    yield fake
    await fake.stop()
    assert not fake.refusals, f"Teams would refuse what culturebot sent: {fake.refusals}"


@pytest.fixture
def teams_runtime(runtime: Runtime) -> Runtime:
    """The shared runtime, with Teams enabled in local-emulator mode (no tokens)."""
    settings = runtime.settings.model_copy(update={"teams_emulator": True})
    return Runtime(db=runtime.db, clock=runtime.clock, settings=settings, channels=("teams",))


async def start_app(runtime: Runtime, router: Router) -> tuple[web.AppRunner, str, list]:
    web_app, platforms = build_web_app(runtime, router)
    runner = web.AppRunner(web_app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}", platforms


@pytest.fixture
async def world(
    teams_runtime: Runtime, router: Router, connector: FakeBotConnector
) -> AsyncIterator[TeamsWorld]:
    runner, url, platforms = await start_app(teams_runtime, router)
    (platform,) = platforms
    waits: list[float] = []
    now = [0.0]

    async def record_wait(seconds: float) -> None:
        """Nobody sleeps: the wait is recorded and the platform's clock moves on."""
        waits.append(seconds)
        now[0] += seconds
        await asyncio.sleep(0)

    platform = TeamsPlatform(
        platform.adapter, teams_runtime.settings, sleep=record_wait, monotonic=lambda: now[0]
    )
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        yield TeamsWorld(teams_runtime, connector, platform, url, session, runner.app[TEAMS], waits)
    await runner.cleanup()
