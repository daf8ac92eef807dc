"""The bot's own replies inside a Teams turn go through the same limiter (per app and per
conversation) and the same retries as queued sends: a 429 is waited out and the reply still
arrives once; a reply that keeps failing is logged with its reason and replaced by a short
message queued in the outbox, which the delivery worker sends."""

from __future__ import annotations

import logging

import pytest
from sqlmodel import select

from bot.core.runtime import Runtime
from storage.models import Outbox
from tests.platforms.teams.conftest import TeamsWorld, activity
from tests.platforms.teams.test_http import BOSS, installed_team

HELP = "Here is what I can do for you"


@pytest.fixture
def teams_runtime(runtime: Runtime) -> Runtime:
    """Teams in emulator mode; two tries per send and 2 sends a second per conversation, so
    a failing reply gives up (and a paced one goes out) within a second or two."""
    settings = runtime.settings.model_copy(
        update={
            "teams_emulator": True,
            "teams_send_attempts": 2,
            "teams_conversation_rate_per_second": 2.0,
        }
    )
    return Runtime(db=runtime.db, clock=runtime.clock, settings=settings, channels=("teams",))


def replies_to(world: TeamsWorld, conversation: str, after: int) -> list:
    return [r for r in world.connector.received[after:] if r.conversation_id == conversation]


async def test_a_reply_that_draws_a_429_is_retried_after_retry_after_and_arrives_once(
    world: TeamsWorld,
) -> None:
    await installed_team(world)
    before = len(world.connector.received)
    world.connector.fail(BOSS.conversation, 429, retry_after=1)

    assert await world.post(activity(BOSS, world.connector.url, text="help")) == 200

    limited, sent = replies_to(world, BOSS.conversation, before)
    assert (limited.status, sent.status) == (429, 200)
    assert sent.at - limited.at >= 1.0  # Retry-After honoured
    assert HELP in sent.card_text and limited.body == sent.body  # the same reply, once


async def test_a_reply_that_keeps_failing_is_logged_and_replaced_by_a_queued_short_message(
    world: TeamsWorld, caplog: pytest.LogCaptureFixture
) -> None:
    await installed_team(world)
    before = len(world.connector.received)
    world.connector.fail(BOSS.conversation, 502, times=2)  # both tries of the reply
    caplog.set_level(logging.INFO)

    assert await world.post(activity(BOSS, world.connector.url, text="help")) == 200

    tries = replies_to(world, BOSS.conversation, before)
    assert [r.status for r in tries] == [502, 502]
    failed = [r.getMessage() for r in caplog.records if "reply" in r.getMessage()]
    assert any("Teams answered 502" in line and r"failed" in line for line in failed)
    assert all("help" not in r.getMessage() for r in caplog.records if r.levelno >= logging.INFO)

    with world.runtime.db.session() as session:
        (queued,) = session.exec(select(Outbox).where(Outbox.kind == "reply_failed")).all()
    assert (queued.platform, queued.status) == ("teams", "pending")

    stats = await world.deliver()  # the delivery worker's pass: retried like any queued send
    assert stats.sent == 1
    (apology,) = replies_to(world, BOSS.conversation, before + 2)
    assert apology.status == 200 and "too busy for me to answer" in apology.card_text
    assert HELP not in apology.card_text


async def test_replies_to_one_conversation_keep_to_its_rate(world: TeamsWorld) -> None:
    """Several messages at once from one person: their turns run side by side, and their
    replies are spaced to the conversation's rate, so Teams never answers 429."""
    await installed_team(world)
    world.connector.conversation_limit_per_second = 2  # as configured for culturebot above
    before = len(world.connector.received)

    for _ in range(5):
        body = activity(BOSS, world.connector.url, text="help")
        assert await world.post(body, settle=False) == 200
    await world.bot.idle()

    replies = replies_to(world, BOSS.conversation, before)
    assert world.connector.rate_limited == 0
    assert [r.status for r in replies] == [200] * 5
    assert all(HELP in r.card_text for r in replies)
