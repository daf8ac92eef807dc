"""The results message over Teams, through the real botbuilder adapter and the fake Bot
Connector: an Adaptive Card with the figures and two buttons; "Share with my team" sends the
same figures to each member's chat, once; "Plan an action" answers with the objective form
card, pre-filled, whose submission sets the objective."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlmodel import select

from bot.app import run_due
from storage.roadmap import Objective
from tests.fakes.adaptive_cards import problems
from tests.fakes.bot_connector import Received
from tests.handlers.roadmap import results_helpers as h
from tests.platforms.teams.conftest import TeamsWorld, install, member
from tests.platforms.teams.test_http_cascade import cards_to, click, inputs, last_card
from tests.support import import_org

SAM = member("sam@x.io")
TEAM = [member(email) for email in h.SUPPORT]
FIGURES = (
    "Customer focus: 4.0 (5-9 people), up 1.0 since the last results",
    "Leadership commitment: 3.0 (5-9 people), the same as the last results",
)


async def results_card(world: TeamsWorld) -> Received:
    """Sam's team installed culturebot; a week is published; Sam's results card."""
    import_org(world.runtime, h.ORG)
    world.in_roster(SAM, *TEAM)
    for person in (SAM, *TEAM):
        assert await world.post(install(person, world.connector.url)) == 200
    world.connector.received.clear()
    h.seed_weeks(world.runtime)
    await asyncio.to_thread(run_due, world.runtime)
    world.runtime.clock.set(datetime(2027, 3, 17, 13, 0, tzinfo=UTC))  # type: ignore[attr-defined]
    await world.deliver()
    (card,) = [c for c in cards_to(world, SAM) if "week of 8 Mar 2027" in c.card_text]
    return card


async def test_results_card_share_once_and_plan(world: TeamsWorld) -> None:
    card = await results_card(world)
    assert card.card is not None and problems(card.card) == []
    assert all(line in card.card_text for line in FIGURES)
    titles = [a["title"] for a in card.card["actions"]]
    assert titles == ["Plan an action", "Share with my team"]

    await click(world, SAM, card, "results.share")
    where = last_card(world, SAM)  # each of them, or a team channel
    assert inputs(where)["where"]["value"] == "members"
    (shared,) = await click(world, SAM, where, "results.share_to", where="members", channel="")
    assert shared.startswith("Shared with your team: 6 people")
    await world.deliver()
    for person in TEAM:
        (got,) = [c for c in cards_to(world, person) if "shared your team" in c.card_text]
        assert got.card is not None and problems(got.card) == []
        assert all(line in got.card_text for line in FIGURES)
    (again,) = await click(world, SAM, card, "results.share")
    assert again.startswith("You already shared the results of the week of 8 Mar 2027")
    assert (await world.deliver()).sent == 0

    await click(world, SAM, card, "results.plan")
    form = last_card(world, SAM)
    fields = inputs(form)
    assert fields["title"]["value"] == "Lift Leadership commitment in my team"
    assert fields["dimension"]["value"] == "leadership" and fields["target"]["value"] == "3.3"
    typed = {name: str(spec.get("value", "")) for name, spec in fields.items()}
    (added,) = await click(world, SAM, form, "results.planned", **typed)
    assert "Lift Leadership commitment in my team" in added
    with world.runtime.db.session() as session:
        (objective,) = session.exec(select(Objective)).all()
    assert objective.created_by_id is not None


async def test_results_shared_in_a_teams_channel_once(world: TeamsWorld) -> None:
    card = await results_card(world)
    await click(world, SAM, card, "results.share")
    where = last_card(world, SAM)
    (refused,) = await click(
        world, SAM, where, "results.share_to", where="channel", channel="General"
    )
    assert 'channel: "General" is not a Teams channel ID' in refused
    channel = "19:support@thread.tacv2"
    (shared,) = await click(world, SAM, where, "results.share_to", where="channel", channel=channel)
    assert shared.startswith("Shared in the channel")
    await world.deliver()
    posted = [r for r in world.connector.delivered("POST") if r.conversation_id == channel]
    assert len(posted) == 1 and posted[0].card is not None and problems(posted[0].card) == []
    assert all(line in posted[0].card_text for line in FIGURES)
    assert not [c for c in cards_to(world, TEAM[0]) if "shared your team" in c.card_text]
    resent = await click(world, SAM, where, "results.share_to", where="channel", channel=channel)
    assert resent == []  # the form card closed when it was sent: handled once
    (again,) = await click(world, SAM, card, "results.share")  # the results card's button
    assert again.startswith("You already shared")
    assert (await world.deliver()).sent == 0
