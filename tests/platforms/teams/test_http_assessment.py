"""The assessment in Teams: the invitation card's button answers with one Adaptive Card of
every statement (expanded choice sets); a partial answer is kept, and the card comes back
pre-filled to finish it; the finished card closes and a second submit is kept once."""

from __future__ import annotations

from sqlmodel import select

import prompts
from storage.roadmap import AssessmentInvite
from tests.platforms.teams.conftest import TeamsWorld, install, member
from tests.platforms.teams.test_http_cascade import click, inputs, last_card
from tests.support import import_org, org_csv

ORG = org_csv(
    "lea@x.io,Lea Leader,,Exec,leader,UTC",
    *(f"p{i}@x.io,P{i},lea@x.io,Sales,employee,UTC" for i in range(1, 6)),
)
LEA, P1 = member("lea@x.io"), member("p1@x.io")


async def test_answer_in_one_card_partly_then_finish_later(world: TeamsWorld) -> None:
    import_org(world.runtime, ORG)
    everyone = [LEA, *(member(f"p{i}@x.io") for i in range(1, 6))]
    world.in_roster(*everyone)
    for person in everyone:
        assert await world.post(install(person, world.connector.url)) == 200
    world.connector.received.clear()

    (launched,) = await world.say(LEA, "assess launch 7")
    assert launched.startswith("Assessment 1 launched: 5 people")
    assert (await world.deliver()).sent == 5
    invite = last_card(world, P1)
    assert "about 5 minutes" in invite.card_text

    (title,) = await click(world, P1, invite, "assess.open")
    form = last_card(world, P1)
    fields = inputs(form)
    statements = prompts.assessment().statements
    assert len(fields) == len(statements) + 5
    assert fields[statements[0].id]["style"] == "expanded"

    half = {s.id: "2" for s in statements[:8]}
    (saved,) = await click(world, P1, form, "assess.submit", **half)
    assert saved.startswith("Saved: 8 of 15 statements answered")

    (title,) = await world.say(P1, "assess")  # the menu, then its button: the card again
    menu = last_card(world, P1)
    await click(world, P1, menu, "assess.open")
    again = last_card(world, P1)
    kept = {k: v["value"] for k, v in inputs(again).items() if v.get("value")}
    assert kept == half
    everything = {**half, **{s.id: "5" for s in statements[8:]}}
    (thanks,) = await click(world, P1, again, "assess.submit", **everything)
    assert thanks.startswith("Thank you")
    with world.runtime.db.session() as session:
        [mine] = session.exec(select(AssessmentInvite).where(AssessmentInvite.person_id == 2))
    assert mine.status == "submitted"
