"""Teams' turns run after the ack, in the same bounded queue as Slack's (bot/platforms/afterack.py):
under a burst the endpoint still answers 200 at once and says in the log what it dropped;
what shapes the HTTP answer (an invoke) still runs before it."""

from __future__ import annotations

import logging

import pytest

from bot.core.runtime import Runtime
from tests.platforms.teams.conftest import TeamsWorld, activity
from tests.platforms.teams.test_http import BOSS, STAFF, installed_team


@pytest.fixture
def teams_runtime(runtime: Runtime) -> Runtime:
    """Teams in emulator mode with room for one turn after the ack, run by one worker."""
    settings = runtime.settings.model_copy(
        update={"teams_emulator": True, "inbound_queue_limit": 1, "inbound_workers": 1}
    )
    return Runtime(db=runtime.db, clock=runtime.clock, settings=settings, channels=("teams",))


def cards_to(world: TeamsWorld, conversation: str) -> list[str]:
    return [
        r.card_text for r in world.connector.delivered("POST") if r.conversation_id == conversation
    ]


async def test_a_full_queue_still_acks_says_what_it_dropped_and_recovers(
    world: TeamsWorld, caplog: pytest.LogCaptureFixture
) -> None:
    await installed_team(world)
    first, second = STAFF[0], STAFF[1]
    before = {p.conversation: len(cards_to(world, p.conversation)) for p in (first, second)}
    world.connector.gate.clear()  # Teams is slow to take replies: the first turn waits on it
    caplog.set_level(logging.WARNING, logger="bot.platforms.afterack")

    assert await world.post(activity(first, world.connector.url, text="help"), settle=False) == 200
    assert await world.post(activity(second, world.connector.url, text="help"), settle=False) == 200

    assert "teams: after-ack queue full" in caplog.text and "latest a Teams message" in caplog.text
    assert "help" not in caplog.text  # what people wrote never reaches the log
    world.connector.gate.set()
    await world.bot.idle()
    new = {
        p.conversation: cards_to(world, p.conversation)[before[p.conversation] :]
        for p in (first, second)
    }
    assert any("Here is what I can do for you" in c for c in new[first.conversation])
    assert new[second.conversation] == []  # shed: never handled

    (reply,) = await world.say(second, "help")  # once the burst is over, all is normal again
    assert "Here is what I can do for you" in reply


async def test_an_invoke_is_answered_in_the_http_reply_not_queued(world: TeamsWorld) -> None:
    """An invoke's answer is the HTTP body, so its turn runs before the answer: culturebot's
    cards use Action.Submit and answer no invoke, which the adapter says as 501, not a
    blind 200 that would tell Teams the action worked."""
    await installed_team(world)
    body = activity(BOSS, world.connector.url, type="invoke", name="adaptiveCard/action")
    assert await world.post(body, settle=False) == 501
    assert world.bot.after_ack.depth == 0
