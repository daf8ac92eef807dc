"""An anonymous conversation over Teams end to end (the real botbuilder adapter, the fake Bot
Connector): the author turns on the card's Input.Toggle, the manager replies in chat, the
author answers through the "Answer" button's card and closes with the other."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from bot.app import run_due
from storage.conversations import CommentLink
from tests.platforms.teams.conftest import TeamsWorld, install, member, submit
from tests.platforms.teams.test_http import BOSS, answer, questions_to
from tests.support import comment, import_org, org_csv

TEAM = org_csv(
    "boss@x.io,Boss,,Ops,leader,UTC",
    *(f"p{i}@x.io,P{i},boss@x.io,Ops,employee,UTC" for i in range(1, 12)),
)
TICKED = "the onboarding calls are too short"


def button(card: Any, title: str) -> dict[str, Any]:
    """The data an Action.Submit titled ``title`` posts."""
    actions = card.card["actions"] + [
        a for b in card.card["body"] if b.get("type") == "ActionSet" for a in b["actions"]
    ]
    return next(a["data"] for a in actions if a["title"] == title)


async def test_a_reply_and_an_answer_go_round_over_teams(world: TeamsWorld, router) -> None:
    author = member("p3@x.io")
    import_org(world.runtime, TEAM)
    world.in_roster(BOSS, author)
    for person in (BOSS, author):
        assert await world.post(install(person, world.connector.url)) == 200
    await world.say(BOSS, "checkin")
    await world.deliver()
    (card,) = questions_to(world, author)
    toggle = next(e for e in card.card["body"] if e["type"] == "Input.Toggle")
    assert "Let my manager reply anonymously" in toggle["title"]
    url = world.connector.url
    ticked = answer(card, choice="4", comment=TICKED, reply=toggle["valueOn"])
    assert await world.post(submit(author, url, card.id, ticked)) == 200
    assert "never see who you are" in world.connector.delivered("PUT")[-1].card_text
    for i in range(1, 11):
        if i != 3:
            comment(world.runtime, router, f"p{i}@x.io", f"remark {i}")
    world.runtime.clock.advance(timedelta(days=10))  # type: ignore[attr-defined]
    run_due(world.runtime)

    [ref] = re.findall(r"\[(C[A-Z0-9]{7})\]", "\n".join(await world.say(BOSS, "comments")))
    assert "passed on anonymously" in "\n".join(await world.say(BOSS, f"reply {ref} Which?"))
    await world.deliver()
    got = [r for r in world.connector.delivered("POST") if "replied" in r.card_text][-1]
    assert got.conversation_id == author.conversation
    assert TICKED in got.card_text and "Which?" in got.card_text

    before = len(world.connector.received)
    assert await world.post(submit(author, url, got.id, button(got, "Answer"))) == 200
    form = next(r for r in world.connector.received[before:] if r.card and r.card.get("actions"))
    sent = {**form.card["actions"][0]["data"], "text": "The very first one"}
    assert await world.post(submit(author, url, form.id, sent)) == 200
    world.runtime.clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]
    await world.deliver()
    to_boss = [
        r.card_text for r in world.connector.received if r.conversation_id == BOSS.conversation
    ]
    assert any(f'The author of comment {ref} answered: "The very first one"' in t for t in to_boss)
    assert not any("P3" in t for t in to_boss)

    assert (
        await world.post(submit(author, url, got.id, button(got, "Close the conversation"))) == 200
    )
    with world.runtime.db.session() as session:
        assert session.get(CommentLink, ref) is None
