"""Customer stories in Teams, end to end over real HTTP: ``story`` answers with the stories
form as a card (select inputs for the kind and the consent), a submission is kept once however
often Teams retries the activity or the person clicks, and the weekly digest arrives as a card
whose "this helps my team" buttons count a click once. The adapter knows nothing of stories."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlmodel import func, select

from bot.app import run_due
from storage.stories import Story, StoryReaction
from tests.platforms.teams.conftest import TeamsWorld, install, member, submit
from tests.platforms.teams.test_http_cascade import (
    action_data,
    cards_to,
    click,
    inputs,
    last_card,
    replaced,
)
from tests.support import import_org, org_csv

ORG = org_csv(
    "lea@x.io,Lea Leader,,Exec,leader,UTC",
    "sam@x.io,Sam Sales,lea@x.io,Sales,manager,UTC",
    "sal@x.io,Sal Seller,sam@x.io,Sales,employee,UTC",
    "pat@x.io,Pat Support,lea@x.io,Support,manager,UTC",
    "dot@x.io,Dot Desk,pat@x.io,Support,employee,UTC",
)
THURSDAY_10 = datetime(2027, 3, 4, 10, 0, tzinfo=UTC)  # the default digest time, UTC people
SAL, DOT, SAM = member("sal@x.io"), member("dot@x.io"), member("sam@x.io")
STORY = {
    "what_happened": "A customer <VIP> could not read our invoices, so we rewrote them",
    "customer": "ACME",
    "what_changed": "They pay on time now and call us less",
    "kind": "story",
    "consent": "named",
}


async def installed(world: TeamsWorld) -> None:
    import_org(world.runtime, ORG)
    everyone = [member(f"{n}@x.io") for n in ("lea", "sam", "sal", "pat", "dot")]
    world.in_roster(*everyone)
    for person in everyone:
        assert await world.post(install(person, world.connector.url)) == 200
    world.connector.received.clear()


def stories(world: TeamsWorld) -> list[Story]:
    with world.runtime.db.session() as session:
        return list(session.exec(select(Story)))


async def test_story_card_submission_is_kept_once_despite_retries_and_double_clicks(
    world: TeamsWorld,
) -> None:
    await installed(world)
    (title,) = await world.say(SAL, "story")
    form = last_card(world, SAL)
    assert title == "Share a customer moment"
    fields = inputs(form)
    assert set(fields) == set(STORY)
    assert fields["what_happened"]["isMultiline"] and fields["customer"]["isRequired"] is False
    kinds = [c["value"] for c in fields["kind"]["choices"]]
    consents = [c["value"] for c in fields["consent"]["choices"]]
    assert fields["kind"]["type"] == "Input.ChoiceSet" and kinds == ["story", "idea"]
    assert consents == ["named", "anonymous", "manager"]

    posted = submit(
        SAL, world.connector.url, form.id, {**action_data(form, "stories.submit"), **STORY}
    )
    before = len(world.connector.received)
    assert await world.post(posted) == 200
    (thanks,) = [r for r in world.connector.received[before:]]
    assert thanks.method == "PUT" and thanks.activity_id == form.id  # the form card closes
    assert thanks.card_text.startswith("Thanks for sharing!")
    assert await world.post(posted) == 200  # Teams retrying the same activity
    assert len(world.connector.received) == before + 1  # handled once, answered once
    # a double click that reached the bot before the card closed: the form counts once
    assert await click(world, SAL, form, "stories.submit", **STORY) == []
    # the same story again from a new form moments later: the capability keeps it once
    await world.say(SAL, "story")
    (twice,) = await click(world, SAL, last_card(world, SAL), "stories.submit", **STORY)
    assert twice == "You already shared this one; we kept it once."
    (kept,) = stories(world)
    assert kept.what_happened == STORY["what_happened"] and kept.consent == "named"


async def test_a_bad_story_choice_or_empty_field_gets_a_clear_message(world: TeamsWorld) -> None:
    await installed(world)
    await world.say(SAL, "story")
    form = last_card(world, SAL)
    (refused,) = await click(world, SAL, form, "stories.submit", **{**STORY, "consent": "all"})
    assert refused == 'Please pick one of the options for "Who may see it?".'
    (missing,) = await click(world, SAL, form, "stories.submit", **{**STORY, "what_changed": ""})
    assert missing == f"Please fill in: {inputs(form)['what_changed']['label']}."
    assert stories(world) == [] and replaced(world, form) == []  # still open to correct


async def test_weekly_digest_card_and_its_helps_button_count_once(world: TeamsWorld) -> None:
    await installed(world)
    await world.say(SAL, "story")
    await click(world, SAL, last_card(world, SAL), "stories.submit", **STORY)
    world.runtime.clock.set(THURSDAY_10)  # type: ignore[attr-defined]
    await asyncio.to_thread(run_due, world.runtime)
    await world.deliver()

    (digest,) = [c for c in cards_to(world, DOT) if "Customer stories from other" in c.card_text]
    assert "Sales, shared by Sal Seller" in digest.card_text
    assert STORY["what_happened"] in digest.card_text  # shown verbatim, markup and all
    assert [a["title"] for a in digest.card["actions"]] == ["#1 helps my team"]  # type: ignore[index]
    assert not [c for c in cards_to(world, SAM) if "Customer stories from other" in c.card_text]

    (noted,) = await click(world, DOT, digest, "stories.helps")
    assert noted.startswith("Noted: this Sales story helps your team.")
    (again,) = await click(world, DOT, digest, "stories.helps")
    assert again == "You already said this story helps your team; it counts once."
    with world.runtime.db.session() as session:
        reactions = session.exec(select(func.count()).select_from(StoryReaction)).one()
    assert reactions == 1


async def test_an_idea_reaches_the_manager_whose_status_click_updates_the_card(
    world: TeamsWorld,
) -> None:
    await installed(world)
    await world.say(SAL, "idea")
    form = last_card(world, SAL)
    assert "kind" not in inputs(form)  # the idea form does not ask story or idea
    idea = {k: v for k, v in STORY.items() if k != "kind"}
    (saved,) = await click(world, SAL, form, "stories.submit", **idea)
    assert saved.startswith("Thanks for the idea! Sam Sales will see it")
    assert (await world.deliver()).sent == 1

    (for_sam,) = cards_to(world, SAM)
    assert "Sal Seller (Sales) has an idea" in for_sam.card_text
    assert "Status: new" in for_sam.card_text
    titles = [a["title"] for a in for_sam.card["actions"]]  # type: ignore[index]
    assert titles == ["Trying it", "Done", "Not now"]
    in_place, marked = await click(world, SAM, for_sam, "stories.idea_status")
    assert marked == 'You marked idea #1 as "trying it"; its author is told in chat.'
    (update,) = replaced(world, for_sam)  # the button's card shows the new status in place
    assert update.card_text == in_place and "Status: trying it" in in_place
    assert (await world.deliver()).sent == 1
    told = last_card(world, SAL).card_text
    assert told.startswith("Your idea") and 'is now marked "trying it" by Sam Sales' in told
