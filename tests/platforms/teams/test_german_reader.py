"""In Teams, over HTTP to the running app and a fake Bot Connector: a person whose org row says
``de`` (in a Teams client set to English) is welcomed, asked the check-in (its card's own
submit button included), reminded with a German date, sent the digest, the assessment and her
dashboard link in German, and her German manager the cascade's relay prompt; a card he sends
back half filled is refused in German too (issue 24)."""

from __future__ import annotations

import asyncio

from tests.fakes.bot_connector import Received
from tests.german_reader import (
    MONDAY_9,
    NAMES,
    STORY,
    cascade,
    de,
    de_time,
    digest,
    english_in,
    german_questions,
    german_statements,
    launch_assessment,
    org_csv,
    prompt_closes,
    remind,
)
from tests.platforms.teams.conftest import TeamsWorld, install, member
from tests.platforms.teams.test_http_cascade import cards_to, click, inputs
from tests.support import import_org

PEOPLE = {name: member(f"{name}@x.io") for name in NAMES}


def actions(card: Received) -> list[str]:
    assert card.card is not None
    return [a["title"] for a in card.card.get("actions", [])]


async def test_a_german_reader_in_teams(world: TeamsWorld, clock) -> None:  # type: ignore[no-untyped-def]
    runtime, ann, dirk = world.runtime, PEOPLE["ann"], PEOPLE["dirk"]
    import_org(runtime, org_csv("teams_user_id", {n: p.aad for n, p in PEOPLE.items()}))
    world.in_roster(*PEOPLE.values())
    for person in PEOPLE.values():  # each Teams client says en-US
        assert await world.post(install(person, world.connector.url)) == 200
    [welcome] = cards_to(world, ann)
    assert welcome.card_text == de("teams.welcome")
    assert cards_to(world, PEOPLE["s2"])[0].card_text.startswith("Hi! I'm culturebot.")
    clock.set(MONDAY_9)
    seen: list[str] = [welcome.card_text]

    async def new_for(person) -> list[Received]:  # type: ignore[no-untyped-def]
        """Deliver what is due; the cards ``person`` has not read yet (also kept in seen)."""
        before = len(cards_to(world, person))
        await world.deliver()
        fresh = cards_to(world, person)[before:]
        seen.extend(f"{c.card_text}\n{c.body.get('summary')}\n{c.card}" for c in fresh)
        return fresh

    assert (await world.say(PEOPLE["mia"], "checkin"))[0].startswith("Check-in started")
    [question] = await new_for(ann)
    assert de("pulse.started_by", name="Mia Manager") in question.card_text
    [choice] = [i for i in inputs(question).values() if i["type"] == "Input.ChoiceSet"]
    assert choice["label"] in german_questions()
    assert choice["choices"][-1]["title"] == "5 (Stimme voll und ganz zu)"
    assert actions(question) == [de("common.submit")] == ["Senden"]
    assert inputs(question)["comment"]["label"] == "Kommentar hinzufügen (optional)"

    closes = prompt_closes(runtime, "ann")
    await asyncio.to_thread(remind, runtime)
    reminder = (await new_for(ann))[0]
    assert reminder.card_text.startswith(de("pulse.reminder", closes=de_time(closes)))
    assert "noch bis Do., 4. März, 09:00 offen." in reminder.card_text

    await asyncio.to_thread(digest, runtime)
    [digested] = await new_for(ann)
    assert digested.card_text.startswith(de("stories.digest_heading")) and STORY in (
        digested.card_text
    )
    assert actions(digested) == [de("stories.helps_button", number=1)]

    due = await asyncio.to_thread(cascade, runtime)
    [relay] = await new_for(dirk)
    assert de("cascade.relay_hint", due=de_time(due)) in relay.card_text
    assert "Bitte geben Sie dies bis Mo., 8. März, 10:00 (Ihre Ortszeit)" in relay.card_text
    assert actions(relay) == ["An mein Team weitergeben", "Bestätigen", "Frage stellen"]
    (note_form,) = await click(world, dirk, relay, "cascade.relay")
    seen.append(note_form)
    form = cards_to(world, dirk)[-1]
    (refused,) = await click(world, dirk, form, "cascade.relay_note", note="")
    assert refused.startswith("Bitte ausfüllen: ")  # the note's label, German too
    seen.append(refused)

    closes = await asyncio.to_thread(launch_assessment, runtime)
    [invite] = await new_for(ann)
    words = de_time(closes)
    invitation = de("assess.invite", leader="Lea Leader", count=15, min=5, closes=words)
    assert invite.card_text == invitation
    assert actions(invite) == [de("assess.answer_button")]
    (title,) = await click(world, ann, invite, "assess.open")
    assert title == de("assess.form_title")
    form = cards_to(world, ann)[-1]
    labels = [i["label"] for i in inputs(form).values()]
    assert set(german_statements()) <= set(labels) and actions(form) == ["Senden"]
    seen.append(str(form.card))

    (link,) = await world.say(ann, "dashboard")
    assert link.startswith("Ihr persönlicher Dashboard-Link (nur Sie sehen ihn): http")
    seen.append(link)

    assert english_in("\n".join(seen)) == []
