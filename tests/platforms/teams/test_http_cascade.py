"""A leadership message in Teams, end to end over real HTTP: ``cascade`` answers with the
cascade capability's form as a card, the message reaches the leader's reports as proactive
cards with buttons, a manager relays it with a note, a leaf acknowledges and asks their
manager a question that the manager answers, and the leader reads the chain report; a
stalled manager is nudged and their team reached by escalation. Nothing cascade-specific
lives in the adapter: this is its generic Form and Buttons rendering at work."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from sqlmodel import select

from bot.app import run_due
from storage.cascade_models import Cascade, CascadeQuestion, CascadeReceipt
from tests.fakes.bot_connector import Received
from tests.handlers.cascade.helpers import NOTE, org
from tests.platforms.teams.conftest import Member, TeamsWorld, install, member, submit
from tests.support import import_org

NAMES = ("vp", "m1", "a1", "a2", "m2", "t1", "c1", "c2", "b1", "ceo", "other", "o1")
PEOPLE = {name: member(f"{name}@x.io") for name in NAMES}


async def installed_org(world: TeamsWorld) -> dict[str, Member]:
    import_org(world.runtime, org())
    world.in_roster(*PEOPLE.values())
    for person in PEOPLE.values():
        assert await world.post(install(person, world.connector.url)) == 200
    world.connector.received.clear()  # the welcome cards
    return PEOPLE


def cards_to(world: TeamsWorld, person: Member) -> list[Received]:
    """Every card Teams accepted for this person's 1:1 chat (replies and proactive sends)."""
    return [
        r
        for r in world.connector.delivered("POST")
        if r.conversation_id == person.conversation and r.card
    ]


def last_card(world: TeamsWorld, person: Member) -> Received:
    return cards_to(world, person)[-1]


def action_data(card: Received, action: str) -> dict[str, Any]:
    """The data of the card's submit action for ``action`` (what a click sends back)."""
    assert card.card is not None
    for element in card.card.get("actions", []):
        if element["data"]["culturebot"]["action"] == action:
            return dict(element["data"])
    raise AssertionError(f"no {action} action on the card: {card.card_text}")


def inputs(card: Received) -> dict[str, dict[str, Any]]:
    assert card.card is not None
    return {e["id"]: e for e in card.card["body"] if e["type"].startswith("Input.")}


def replaced(world: TeamsWorld, card: Received) -> list[Received]:
    """The updates that replaced this card in place (what the person now sees there)."""
    return [r for r in world.connector.delivered("PUT") if r.activity_id == card.id]


async def click(
    world: TeamsWorld, who: Member, card: Received, action: str, **fields: str
) -> list[str]:
    """Press the card's button for ``action`` (with inputs filled); the cards answered."""
    before = len(world.connector.received)
    posted = submit(who, world.connector.url, card.id, {**action_data(card, action), **fields})
    assert await world.post(posted) == 200
    return [r.card_text for r in world.connector.received[before:] if r.status < 300]


async def test_cascade_from_card_to_relay_question_and_report(world: TeamsWorld) -> None:
    p = await installed_org(world)
    (form,) = await world.say(p["vp"], "cascade")
    card = last_card(world, p["vp"])
    assert form.startswith("Send a leadership message down your team")
    assert set(inputs(card)) == {"title", "message", "customer", "window_days"}
    assert inputs(card)["message"]["isMultiline"] is True
    (preview,) = await click(
        world,
        p["vp"],
        card,
        "cascade.send",
        title="Customers first",
        message="We will call every customer who churned last year.",
        customer="Fewer surprises for customers",
        window_days="",
    )
    assert "This cascade would reach" in preview  # the preview step: nothing sent yet
    (shown,) = replaced(world, card)  # the form became the preview: no second draft
    assert shown.card_text == preview
    fields = {"title": "Customers first", "message": "Again, by a double click"}
    assert await click(world, p["vp"], card, "cascade.send", **fields) == []  # kept once
    assert (await world.deliver()).sent == 0
    (sent,) = await click(world, p["vp"], shown, "cascade.confirm")
    assert 'Sent "Customers first" to your 2 direct reports' in sent

    stats = await world.deliver()
    assert (stats.sent, stats.dead, stats.unreachable) == (2, 0, 0)
    for name in ("m1", "m2"):
        (message,) = cards_to(world, p[name])
        assert "We will call every customer who churned last year." in message.card_text
        assert "What this means for our customers: Fewer surprises" in message.card_text
        titles = [a["title"] for a in message.card["actions"]]  # type: ignore[index]
        assert titles == ["Relay to my team", "Acknowledge", "Ask a question"]
    assert cards_to(world, p["a1"]) == [] and cards_to(world, p["o1"]) == []

    # m1 relays: the note form, a note that is too short, then a real one
    (note_form,) = await click(world, p["m1"], last_card(world, p["m1"]), "cascade.relay")
    assert note_form.startswith('Relay "Customers first" to your team')
    form_card = last_card(world, p["m1"])
    assert set(inputs(form_card)) == {"note"}
    (too_short,) = await click(world, p["m1"], form_card, "cascade.relay_note", note="Go team")
    assert "Your note is 7 characters long; please write at least 20" in too_short
    assert (await world.deliver()).sent == 0  # nothing was relayed
    assert replaced(world, form_card) == []  # the form stays open to correct the note
    (relayed,) = await click(world, p["m1"], form_card, "cascade.relay_note", note=NOTE)
    assert "Relayed to your 2 direct reports with your note" in relayed
    assert [r.card_text for r in replaced(world, form_card)] == [relayed]
    assert await click(world, p["m1"], form_card, "cascade.relay_note", note=NOTE) == []

    assert (await world.deliver()).sent == 2
    for name in ("a1", "a2"):
        (message,) = cards_to(world, p[name])
        shown = message.card_text
        assert "Mia One relayed this to you with a personal note:" in shown
        assert NOTE in shown and "We will call every customer" in shown
        titles = [a["title"] for a in message.card["actions"]]  # type: ignore[index]
        assert titles == ["Acknowledge", "Ask a question"]

    # a1 (no reports) acknowledges, twice, and asks a question that reaches m1
    message = cards_to(world, p["a1"])[0]
    (thanks,) = await click(world, p["a1"], message, "cascade.ack")
    assert 'Thanks for acknowledging "Customers first"' in thanks
    (twice,) = await click(world, p["a1"], message, "cascade.ack")
    assert 'You already acknowledged "Customers first"' in twice
    (ask_form,) = await click(world, p["a1"], message, "cascade.ask")
    assert ask_form == 'A question about "Customers first"'
    assert (
        inputs(last_card(world, p["a1"]))["question"]["label"]
        == "Your question (it goes to Mia One)"
    )
    asked = "Does this include customers on the legacy plan?"
    (ack,) = await click(
        world, p["a1"], last_card(world, p["a1"]), "cascade.question", question=asked
    )
    assert "Your question went to Mia One" in ack
    assert (await world.deliver()).sent == 1
    question = last_card(world, p["m1"])
    assert 'Ann A1 asks about "Customers first"' in question.card_text
    assert asked in question.card_text
    (answer_form,) = await click(world, p["m1"], question, "cascade.answer")
    assert answer_form == "Answer Ann A1"
    reply = "Yes, legacy customers first: they churn most."
    (answered,) = await click(
        world, p["m1"], last_card(world, p["m1"]), "cascade.answer_send", answer=reply
    )
    assert answered == "Your answer went to Ann A1."
    assert (await world.deliver()).sent == 1
    told = last_card(world, p["a1"]).card_text
    assert 'Mia One answered your question about "Customers first":' in told and reply in told

    with world.runtime.db.session() as session:
        assert len(session.exec(select(Cascade)).all()) == 1
        receipts = session.exec(select(CascadeReceipt)).all()
        (stored,) = session.exec(select(CascadeQuestion)).all()
    assert len(receipts) == 4  # m1, m2, a1, a2: nobody twice, nobody outside
    assert sum(r.acknowledged_at is not None for r in receipts) == 2  # m1 by relaying, a1
    assert stored.text == asked and stored.answer == reply

    (report,) = await world.say(p["vp"], "cascade report")
    assert 'Cascade 1 "Customers first" from Vera Vp' in report
    assert "Reached 4 of 8 (50%): 4 by personal relay, 0 by escalation" in report
    assert "Questions: listed once the message has reached at least 10 people" in report
    assert "Delivery on teams: 4 sent, 0 failed, 0 unreachable" in report
    (refused,) = await world.say(p["m1"], "cascade report 1")
    assert "Only the leader who sent a cascade can see its chain report." in refused


async def test_a_stalled_manager_is_nudged_then_escalated_in_teams(world: TeamsWorld) -> None:
    p = await installed_org(world)
    await world.say(p["vp"], "cascade")
    fields = {"title": "Customers first", "message": "Call one customer this week."}
    form = last_card(world, p["vp"])
    await click(world, p["vp"], form, "cascade.send", **fields)
    (preview,) = replaced(world, form)
    await click(world, p["vp"], preview, "cascade.confirm")
    await world.deliver()

    world.runtime.clock.advance(timedelta(days=1))  # type: ignore[attr-defined]
    await asyncio.to_thread(run_due, world.runtime)
    assert (await world.deliver()).sent == 2  # m1 and m2 nudged, each once
    nudge = last_card(world, p["m2"])
    assert nudge.card_text.startswith('A reminder: your team is still waiting for "Customers')
    assert [a["title"] for a in nudge.card["actions"]] == ["Relay to my team"]  # type: ignore[index]

    world.runtime.clock.advance(timedelta(days=1))  # type: ignore[attr-defined]
    await asyncio.to_thread(run_due, world.runtime)
    await world.deliver()
    for name in ("t1", "b1", "a1"):
        (message,) = cards_to(world, p[name])
        assert "via culturebot: your manager has not relayed it yet" in message.card_text
    assert "Relay to my team" in str(last_card(world, p["t1"]).card)
    (late,) = await click(world, p["m2"], nudge, "cascade.relay")  # after the window
    assert "culturebot already sent it to your team directly" in late
