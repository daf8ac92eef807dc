"""In Slack, over signed HTTP to the running app and the fake Web API: a person whose org row
says ``de`` reads the check-in (with Slack's own comment button and modal), its reminder with
a date token whose words are German, the digest, the assessment's invitation and modal, and
her dashboard link in German, and her German manager the cascade's relay prompt (issue 24)."""

from __future__ import annotations

from typing import Any

from bot.delivery.worker import deliver_due
from tests.fakes.slack_api import block_text
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
from tests.platforms.slack.test_http_pulse import elements
from tests.support import import_org

IDS = {name: f"U{name.upper()}" for name in NAMES}


def token(moment, words: str) -> str:  # type: ignore[no-untyped-def]
    """Slack's date token as a German reader's message carries it."""
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} um {{time}}|{words}>"


async def test_a_german_reader_in_slack(slack_app, slack_runtime, clock) -> None:  # type: ignore[no-untyped-def]
    runtime, fake = slack_runtime, slack_app.fake
    import_org(runtime, org_csv("slack_user_id", IDS))
    clock.set(MONDAY_9)
    seen: list[str] = []

    async def new_for(name: str) -> list[Any]:
        """Deliver what is due; the messages ``name`` has not read yet (also kept in seen)."""
        await deliver_due(runtime, slack_app.bot.platform, concurrency=4)
        fresh = [m for m in fake.dm(IDS[name]) if m.ts not in read]
        read.update(m.ts for m in fresh)
        seen.extend([block_text(m.blocks) + "\n" + m.text for m in fresh])
        return fresh

    read: set[str] = set()
    assert await slack_app.slash(IDS["mia"], "/pulse", "team") == 200
    [question] = await new_for("ann")
    shown = block_text(question.blocks)
    assert de("pulse.started_by", name="Mia Manager") in shown
    assert any(asked in shown and asked in question.text for asked in german_questions())
    assert "5 · Stimme voll und ganz zu" in shown
    comment = [e for e in elements(question.blocks) if e["action_id"] == "cb.comment"][0]
    assert comment["text"]["text"] == de("slack.comment_button") == "Kommentar hinzufügen"
    assert await slack_app.click(IDS["ann"], question.channel, question.ts, comment) == 200
    modal = fake.called("views.open")[-1].params["view"]
    assert modal["title"]["text"] == de("slack.comment_title")
    assert (modal["submit"]["text"], modal["close"]["text"]) == ("Senden", "Abbrechen")
    seen.append(str(modal))
    assert "Mia Manager started this check-in" in block_text(fake.dm(IDS["s2"])[-1].blocks)

    closes = prompt_closes(runtime, "ann")
    remind(runtime)
    reminder = block_text((await new_for("ann"))[0].blocks)
    words = de_time(closes)
    assert words == "Do., 4. März, 09:00"
    assert de("pulse.reminder", closes=token(closes, words)) in reminder

    digest(runtime)
    [digested] = await new_for("ann")
    shown = block_text(digested.blocks)
    assert digested.text == de("stories.digest_heading") and STORY in shown
    assert de("stories.digest_byline_named", number=1, department="Support", author="Ulla U1") in (
        shown
    )

    due = cascade(runtime)
    [relay] = await new_for("dirk")
    shown = block_text(relay.blocks)
    assert de("cascade.relay_hint", due=token(due, de_time(due))) in shown
    assert "|Mo., 8. März, 10:00> (Ihre Ortszeit)" in shown
    assert de("cascade.relay_button") in shown and de("cascade.ack_button") in shown

    closes = launch_assessment(runtime)
    [invite] = await new_for("ann")
    words = de_time(closes)
    invitation = de("assess.invite", leader="Lea Leader", count=15, min=5, closes=words)
    assert invite.text == invitation
    assert de(
        "assess.invite", leader="Lea Leader", count=15, min=5, closes=token(closes, words)
    ) in (block_text(invite.blocks))
    [button] = elements(invite.blocks)
    assert await slack_app.click(IDS["ann"], invite.channel, invite.ts, button) == 200
    form = fake.called("views.open")[-1].params["view"]
    assert form["title"]["text"] == de("assess.form_title")
    assert (form["submit"]["text"], form["close"]["text"]) == ("Senden", "Abbrechen")
    labels = [b["label"]["text"] for b in form["blocks"] if b["type"] == "input"]
    assert set(german_statements()) <= set(labels)
    seen.append(str(form))

    assert await slack_app.dm(IDS["ann"], "dashboard", event_id="EvDash") == 200
    link = fake.dm(IDS["ann"])[-1].text
    assert link.startswith("Ihr persönlicher Dashboard-Link (nur Sie sehen ihn): http")
    seen.append(link)

    assert english_in("\n".join(seen)) == []
