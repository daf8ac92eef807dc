"""Teams end to end over real HTTP: activities posted to /api/messages on the running app,
replies, proactive sends and card updates received by a fake Bot Connector on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import socket
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from sqlmodel import func, select
from typer.testing import CliRunner

from bot.cli import main as bot_cli
from bot.core.runtime import Runtime
from storage.models import Identity, Outbox, ProcessedEvent, PulseAnswerPending
from tests.fakes.bot_connector import FakeBotConnector, Received
from tests.platforms.teams.conftest import (
    TIMEOUT,
    Member,
    TeamsWorld,
    activity,
    install,
    member,
    start_app,
    submit,
)
from tests.support import import_org, org_csv

BOSS = member("boss@x.io")
STAFF = [member(f"p{i}@x.io") for i in range(1, 7)]
TEAM = org_csv(
    "boss@x.io,Boss,,Ops,leader,Europe/Berlin",
    *(f"p{i}@x.io,P{i},boss@x.io,Ops,employee,Europe/Berlin" for i in range(1, 7)),
)


def org_with_teams_ids(*never_installed: str) -> str:
    """The org file with each person's AAD object id in teams_user_id."""
    header = "email,name,manager_email,department,role,timezone,teams_user_id\n"
    rows = ["boss@x.io,Boss,,Ops,leader,Europe/Berlin,aad-boss"]
    rows += [f"p{i}@x.io,P{i},boss@x.io,Ops,employee,Europe/Berlin,aad-p{i}" for i in range(1, 7)]
    rows += [f"{e},Late,boss@x.io,Ops,employee,Europe/Berlin,aad-late" for e in never_installed]
    return header + "\n".join(rows) + "\n"


async def installed_team(world: TeamsWorld) -> None:
    import_org(world.runtime, TEAM)
    world.in_roster(BOSS, *STAFF)
    for person in (BOSS, *STAFF):
        assert await world.post(install(person, world.connector.url)) == 200


def questions_to(world: TeamsWorld, person: Member) -> list[Received]:
    """The question cards (cards with a submit button) this person received."""
    return [
        r
        for r in world.connector.delivered("POST")
        if r.conversation_id == person.conversation and r.card and r.card.get("actions")
    ]


def prompt_for(world: TeamsWorld, person: Member) -> Received:
    (card,) = questions_to(world, person)
    return card


def answer(card: Received, **inputs: str) -> dict[str, Any]:
    """What Teams posts for Action.Submit: the button's data merged with the inputs."""
    assert card.card is not None
    return {**card.card["actions"][0]["data"], **inputs}


def count(world: TeamsWorld, model: Any, *where: Any) -> int:
    with world.runtime.db.session() as session:
        return session.exec(select(func.count()).select_from(model).where(*where)).one()


async def test_install_greets_and_stores_the_reference(world: TeamsWorld) -> None:
    import_org(world.runtime, TEAM)
    world.in_roster(STAFF[0])
    assert await world.post(install(STAFF[0], world.connector.url)) == 200
    (hello,) = world.connector.delivered("POST")
    assert hello.conversation_id == STAFF[0].conversation
    assert "I'm culturebot" in hello.card_text
    with world.runtime.db.session() as session:
        identity = session.exec(select(Identity).where(Identity.platform == "teams")).one()
    assert identity.external_id == STAFF[0].aad
    reference = json.loads(identity.conversation_ref or "")
    assert reference["serviceUrl"] == world.connector.url
    assert reference["conversation"]["id"] == STAFF[0].conversation


async def test_checkin_card_reaches_each_person_and_is_replaced_after_the_answer(
    world: TeamsWorld,
) -> None:
    await installed_team(world)
    (started,) = await world.say(BOSS, "checkin")
    assert "6 people in your team were asked" in started

    stats = await world.deliver()
    assert (stats.sent, stats.dead, stats.unreachable) == (6, 0, 0)
    for person in STAFF:
        card = prompt_for(world, person)
        kinds = [element["type"] for element in card.card["body"]]  # type: ignore[index]
        assert "Input.ChoiceSet" in kinds and "Input.Text" in kinds

    card = prompt_for(world, STAFF[0])
    posted = submit(STAFF[0], world.connector.url, card.id, answer(card, choice="4", comment="Hi"))
    assert await world.post(posted) == 200
    (update,) = world.connector.delivered("PUT")
    assert update.activity_id == card.id and update.conversation_id == STAFF[0].conversation
    assert "Thanks, recorded, with your comment" in update.card_text
    assert "actions" not in (update.card or {})

    assert await world.post(posted) == 200  # Teams retrying the same activity
    again = submit(STAFF[0], world.connector.url, card.id, answer(card, choice="2"))
    assert await world.post(again) == 200  # a second click
    assert count(world, PulseAnswerPending) == 1
    assert "already answered" in world.connector.received[-1].card_text
    assert len(world.connector.delivered("PUT")) == 1


@pytest.mark.parametrize("choice", [None, "", "9", "three"])
async def test_a_missing_or_out_of_range_choice_gets_a_clear_message(
    world: TeamsWorld, choice: str | None
) -> None:
    await installed_team(world)
    await world.say(BOSS, "checkin")
    await world.deliver()
    card = prompt_for(world, STAFF[1])
    inputs = {} if choice is None else {"choice": choice}
    assert (
        await world.post(submit(STAFF[1], world.connector.url, card.id, answer(card, **inputs)))
        == 200
    )
    assert "Please pick a number from 1 to 5." in world.connector.received[-1].card_text
    assert count(world, PulseAnswerPending) == 0
    assert world.connector.delivered("PUT") == []


async def test_a_429_is_retried_after_its_delay(world: TeamsWorld) -> None:
    await installed_team(world)
    world.connector.fail(STAFF[2].conversation, 429, retry_after=7)
    await world.say(BOSS, "checkin")
    stats = await world.deliver()
    assert stats.sent == 6
    assert 7 in world.waits
    tries = [
        r.status for r in world.connector.received if r.conversation_id == STAFF[2].conversation
    ]
    assert tries[-2:] == [429, 200]
    assert len(questions_to(world, STAFF[2])) == 1


async def test_a_long_retry_after_goes_back_to_the_outbox_until_it_has_passed(
    world: TeamsWorld,
) -> None:
    await installed_team(world)
    world.connector.fail(STAFF[3].conversation, 429, retry_after=120)
    await world.say(BOSS, "checkin")
    assert (await world.deliver()).retried == 1
    assert (await world.deliver()).sent == 0  # not before the delay
    world.runtime.clock.advance(timedelta(seconds=121))  # type: ignore[attr-defined]
    assert (await world.deliver()).sent == 1
    assert prompt_for(world, STAFF[3]).status == 200


async def test_retryable_errors_are_bounded_then_dead_lettered_with_the_error(
    world: TeamsWorld,
) -> None:
    await installed_team(world)
    attempts = world.runtime.settings.max_delivery_attempts * world.platform.attempts
    world.connector.fail(STAFF[4].conversation, 502, times=attempts)
    await world.say(BOSS, "checkin")
    for _ in range(world.runtime.settings.max_delivery_attempts):
        await world.deliver()
        world.runtime.clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]
    with world.runtime.db.session() as session:
        row = session.exec(select(Outbox).where(Outbox.status == "dead")).one()
    assert "502" in (row.last_error or "")
    assert count(world, Outbox, Outbox.status == "sent") == 5  # everyone else got theirs
    tries = [
        r
        for r in world.connector.received
        if r.conversation_id == STAFF[4].conversation and r.card and r.card.get("actions")
    ]
    assert len(tries) == attempts  # bounded: no send after the row died


async def test_a_403_marks_the_person_unreachable(world: TeamsWorld) -> None:
    await installed_team(world)
    world.connector.fail(STAFF[1].conversation, 403)
    await world.say(BOSS, "checkin")
    stats = await world.deliver()
    assert (stats.sent, stats.unreachable) == (5, 1)
    with world.runtime.db.session() as session:
        identity = session.exec(select(Identity).where(Identity.external_id == STAFF[1].aad)).one()
    assert identity.unreachable and "403" in (identity.unreachable_reason or "")
    # writing to the bot again makes them reachable again
    await world.say(STAFF[1], "help")
    with world.runtime.db.session() as session:
        assert not session.get(Identity, identity.id).unreachable  # type: ignore[union-attr]


async def test_someone_who_never_installed_the_app_is_unreachable_not_retried(
    world: TeamsWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_org(world.runtime, org_with_teams_ids("late@x.io"))
    for person in (BOSS, *STAFF):
        assert await world.post(install(person, world.connector.url)) == 200
    await world.say(BOSS, "checkin")
    stats = await world.deliver()
    assert (stats.sent, stats.unreachable) == (6, 1)
    with world.runtime.db.session() as session:
        late = session.exec(select(Identity).where(Identity.external_id == "aad-late")).one()
    assert late.unreachable and "never installed" in (late.unreachable_reason or "")
    world.runtime.clock.advance(timedelta(days=1))  # type: ignore[attr-defined]
    assert (await world.deliver()).unreachable == 0  # not tried again

    monkeypatch.setenv("CULTUREBOT_DATABASE_URL", world.runtime.db.url)
    status = await asyncio.to_thread(CliRunner().invoke, bot_cli.app, ["status"])
    assert status.exit_code == 0, status.output
    assert "unreachable on teams" in status.output
    assert "never installed the culturebot Teams app" in status.output


async def test_people_are_matched_by_email_from_the_roster(world: TeamsWorld) -> None:
    import_org(world.runtime, TEAM)
    stranger = Member(email="P3@x.io", aad="aad-unlisted", name="P3")
    world.in_roster(stranger)
    (reply,) = await world.say(stranger, "help")
    assert reply.startswith("Hi P3!")
    assert count(world, Identity, Identity.external_id == stranger.aad) == 1


async def test_an_unknown_person_gets_a_polite_answer_naming_the_admin(world: TeamsWorld) -> None:
    import_org(world.runtime, TEAM)
    (reply,) = await world.say(member("nobody@elsewhere.io"), "help")
    assert "I don't know you yet" in reply and "your culturebot admin" in reply
    assert count(world, Identity) == 0


async def test_an_emulator_message_from_a_stranger_is_answered(world: TeamsWorld) -> None:
    body = {
        "type": "message",
        "id": "a1b2c3",
        "serviceUrl": world.connector.url,
        "channelId": "emulator",
        "from": {"id": "e5f6-user", "name": "User", "role": "user"},
        "conversation": {"id": "emulator-convo-1"},
        "recipient": {"id": "bot-1", "name": "Bot", "role": "bot"},
        "text": "help",
        "textFormat": "plain",
    }
    assert await world.post(body) == 200
    (reply,) = world.connector.delivered("POST")
    assert reply.conversation_id == "emulator-convo-1" and "don't know you yet" in reply.card_text


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),
        (b"[1, 2]", "application/json", 400),
        (b'{"text": "help"}', "application/json", 400),
        (b'{"type": "message", "text": "help"}', "application/json", 400),
        (b"type=message", "application/x-www-form-urlencoded", 415),
        (b"\xff\xfe", "application/json", 400),
    ],
)
async def test_malformed_requests_get_a_4xx_and_change_nothing(
    world: TeamsWorld, body: bytes, content_type: str, status: int
) -> None:
    async with world.session.post(
        f"{world.url}/api/messages", data=body, headers={"Content-Type": content_type}
    ) as response:
        assert response.status == status
        assert "Traceback" not in await response.text()
    assert world.connector.received == []


async def test_unknown_activity_types_are_ignored(world: TeamsWorld) -> None:
    import_org(world.runtime, TEAM)
    for kind in ("typing", "messageReaction", "somethingNew"):
        assert await world.post(activity(STAFF[0], world.connector.url, type=kind)) == 200
    assert world.connector.received == [] and count(world, Identity) == 0


async def test_uninstalling_marks_the_person_unreachable(world: TeamsWorld) -> None:
    await installed_team(world)
    body = activity(STAFF[5], world.connector.url, type="installationUpdate", action="remove")
    assert await world.post(body) == 200
    with world.runtime.db.session() as session:
        identity = session.exec(select(Identity).where(Identity.external_id == STAFF[5].aad)).one()
    assert identity.unreachable


async def test_without_a_valid_token_an_activity_is_refused_and_changes_nothing(
    runtime: Runtime, router: Any, connector: FakeBotConnector, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = runtime.settings.model_copy(
        update={
            "teams_app_id": "00000000-0000-0000-0000-00000000b075",
            "teams_app_password": "s3cret",
        }
    )
    secured = Runtime(db=runtime.db, clock=runtime.clock, settings=settings, channels=("teams",))
    import_org(secured, TEAM)
    looked_up: list[str] = []
    real_getaddrinfo = socket.getaddrinfo

    def recording_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        looked_up.append(str(host))
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", recording_getaddrinfo)
    runner, url, _platforms = await start_app(secured, router)
    try:
        async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
            for headers in (
                {},
                {"Authorization": "Bearer not-a-jwt"},
                {"Authorization": "Basic x"},
            ):
                body = activity(STAFF[0], connector.url, text="help")
                async with session.post(f"{url}/api/messages", json=body, headers=headers) as r:
                    assert r.status == 401
    finally:
        await runner.cleanup()
    assert connector.received == []
    assert count_in(secured, Identity) == 0 and count_in(secured, ProcessedEvent) == 0
    assert [h for h in looked_up if h not in ("127.0.0.1", "localhost")] == []


def count_in(runtime: Runtime, model: Any) -> int:
    with runtime.db.session() as session:
        return session.exec(select(func.count()).select_from(model)).one()


async def test_a_reply_teams_refuses_is_logged_with_its_reason_and_a_retry_is_not_handled_twice(
    world: TeamsWorld, caplog: pytest.LogCaptureFixture
) -> None:
    """The turn runs after the ack, so Teams gets its 200 and the refused reply is logged
    (with the connector's answer, not the person's text) and replaced by a queued apology
    (tests/platforms/teams/test_replies.py)."""
    await installed_team(world)
    world.connector.fail(BOSS.conversation, 500)
    body = activity(BOSS, world.connector.url, text="checkin")
    assert await world.post(body) == 200
    assert "teams: reply to aad-boss failed: Teams answered 500" in caplog.text
    assert "fake 500" in caplog.text and "checkin" not in caplog.text
    assert await world.post(body) == 200  # Teams retries the same activity: handled once
    with world.runtime.db.session() as session:
        kinds = session.exec(select(Outbox.kind)).all()
    assert len(kinds) == 7 and kinds.count("reply_failed") == 1  # 6 check-ins, 1 apology


async def test_dashboard_answers_with_a_personal_link(world: TeamsWorld) -> None:
    await installed_team(world)
    (reply,) = await world.say(STAFF[0], "dashboard")
    assert "/dashboard/login?token=" in reply and "only you can see it" in reply
