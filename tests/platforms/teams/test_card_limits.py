"""Every card culturebot sends passes what Teams and the Adaptive Cards validator check (the
schema of its version, labels on inputs, fallbackText, readable with images off) and fits
Teams' message size, however long the content: past the limit the text is cut with a note,
the questions, forms and buttons are kept, and the send never fails."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import aiohttp
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import select

import prompts
from bot.core.chat import Button, Buttons, Choice, Form, FormField, Message, Question, Text
from bot.platforms.teams.adapter import card_activity
from bot.platforms.teams.cards import CARD_CONTENT_TYPE as CARD
from bot.platforms.teams.cards import render
from handlers.cascade.messages import cascade_message
from handlers.pulse.rounds import question_message
from handlers.reports import pulse_reports as reports
from handlers.roadmap.assessment import COMMENT_PREFIX, MAX_COMMENT
from handlers.stories import capture as stories
from storage.cascade_models import Cascade, CascadeLink
from storage.models import Person, PulsePrompt
from storage.roadmap import AssessmentInvite
from tests.fakes.adaptive_cards import MESSAGE_LIMIT, payload_size, problems
from tests.fakes.bot_connector import FakeBotConnector
from tests.platforms.teams.conftest import TeamsWorld, install, member
from tests.platforms.teams.test_http_cascade import action_data, cards_to, click, inputs, last_card
from tests.platforms.teams.test_http_stories import SAL, SAM, installed
from tests.support import import_org, org_csv

TOO_LONG = "too long for Teams"
EMOJI = "\U0001f600"  # 4 bytes in UTF-16: the costliest character a person can type


def sent_as_teams_would(message: Message) -> dict[str, Any]:
    """The activity as botbuilder posts it to the connector: the card and the envelope."""
    activity = card_activity(message)
    activity.from_property = None
    body = activity.serialize()
    body.update(
        {
            "channelId": "msteams",
            "serviceUrl": "https://smba.trafficmanager.net/emea/" + "x" * 40,
            "conversation": {"id": "a:" + "1" * 120, "tenantId": "t" * 36},
            "from": {"id": "28:" + "b" * 36, "name": "culturebot"},
            "recipient": {"id": "29:" + "u" * 120, "aadObjectId": "a" * 36},
            "replyToId": "1" * 13,
        }
    )
    return body


def assert_teams_accepts(message: Message) -> dict[str, Any]:
    body = sent_as_teams_would(message)
    card = body["attachments"][0]["content"]
    assert problems(card) == []
    assert payload_size(body) <= MESSAGE_LIMIT
    return card


def texts(card: Any) -> str:
    return json.dumps(card, ensure_ascii=False)


def person(n: int, name: str = "Ann") -> Person:
    return Person(id=n, email=f"p{n}@x.io", name=name, department="Sales", timezone="UTC")


# --- every kind of card ----------------------------------------------------------------------


def test_every_card_kind_passes_the_validator_and_fits() -> None:
    now = datetime(2027, 3, 1, 9, tzinfo=UTC)
    prompt = PulsePrompt(id=7, round_id=1, person_id=1, send_at=now, closes_at=now)
    bank = prompts.questions()
    pulse = question_message(prompt, bank.questions[0].id, "UTC")
    card = assert_teams_accepts(pulse)
    (choice_set,) = [e for e in card["body"] if e["type"] == "Input.ChoiceSet"]
    assert choice_set["label"] == bank.questions[0].text  # what a screen reader announces
    assert card["fallbackText"] == pulse.summary
    for kind in (None, "story", "idea"):
        assert_teams_accepts(Message(summary="form", parts=(stories.story_form(kind),)))

    leader, manager = person(1, EMOJI * 200), person(2, EMOJI * 200)
    cascade = Cascade(
        id=3,
        sender_id=1,
        title=EMOJI * 150,
        body=EMOJI * 4000,  # every field at its longest, in the costliest characters
        customer_line=EMOJI * 500,
        created_at=now,
    )
    link = CascadeLink(id=4, cascade_id=3, manager_id=2, due_at=now)
    relayed = cascade_message(
        cascade, leader, manager, how="relay", via=manager, note=EMOJI * 1000, link=link
    )
    card = assert_teams_accepts(relayed)
    assert TOO_LONG in texts(card)
    assert [a["title"] for a in card["actions"]] == [
        b.label
        for b in relayed.parts[-1].buttons  # type: ignore[union-attr]
    ]


def test_the_largest_report_fits() -> None:
    """40 lines (the chat cap) of groups with the longest names, every figure shown."""
    name = EMOJI * 120  # a department name at its longest
    row = reports.GroupRow(
        kind="department",
        key="k",
        group=name,
        theme="customer_focus",
        period="2027-W09",
        respondents="10-19",
        participation=0.875,
        mean=3.9,
        trend=-0.4,
        recent_mean=3.7,
        sentiment=0.25,
        withheld=False,
        reason=None,
        weeks=["w"] * 52,
        series=[3.0 + (i % 5) * 0.3 for i in range(52)],
    )
    report = reports.Report(scope=name, min_group_size=5, rows=[row] * 200)
    text = reports.as_text(report, email="someone.with.a.long.address@example.com")
    card = assert_teams_accepts(Message(summary="Customer-focus pulse", parts=(Text(text=text),)))
    assert "more rows" in texts(card) or TOO_LONG in texts(card)


# --- any message at all ----------------------------------------------------------------------

words = st.text(min_size=1, max_size=30).filter(str.strip)
long_text = st.one_of(
    st.text(max_size=200),
    st.builds(
        lambda c, n: c * n, st.sampled_from(["a", "é", "中", EMOJI, "a\n"]), st.integers(0, 9000)
    ),
)
choices = st.lists(
    st.builds(Choice, label=words, value=st.from_regex(r"[a-z0-9]{1,8}", fullmatch=True)),
    min_size=1,
    max_size=10,
    unique_by=lambda c: c.value,
)
parts = st.one_of(
    st.builds(Text, text=long_text, style=st.sampled_from(["plain", "heading", "quote", "muted"])),
    st.builds(
        Question,
        action=st.just("pulse.answer"),
        ref=st.just("1"),
        prompt=words,
        choices=choices,
        comment_label=st.one_of(st.just(""), words),
    ),
    st.builds(
        Buttons,
        buttons=st.lists(
            st.builds(Button, label=words, action=st.just("x.y"), value=words),
            min_size=1,
            max_size=5,
        ).map(tuple),
    ),
    st.builds(
        Form,
        action=st.just("f.submit"),
        title=words,
        fields=st.lists(
            st.builds(
                FormField,
                name=st.from_regex(r"[a-z]{1,10}", fullmatch=True),
                label=words,
                required=st.booleans(),
                options=st.one_of(st.just(()), choices.map(tuple)),
                initial=st.text(max_size=100),
            ),
            min_size=1,
            max_size=6,
            unique_by=lambda f: f.name,
        ).map(tuple),
    ),
)


@settings(max_examples=60, deadline=None)
@given(
    summary=st.text(min_size=1, max_size=300).filter(str.strip), body=st.lists(parts, max_size=6)
)
def test_any_message_becomes_a_card_teams_accepts(summary: str, body: list[Any]) -> None:
    # one question and one form a card at most: their input ids would clash otherwise
    kinds = [type(p) for p in body]
    if kinds.count(Question) > 1 or kinds.count(Form) > 1:
        return
    message = Message(summary=summary, parts=tuple(body))
    card = assert_teams_accepts(message)
    kept = [a["title"] for a in card.get("actions", [])]
    wanted = [b.label for p in body if isinstance(p, Buttons) for b in p.buttons]
    assert all(title in kept for title in wanted)  # cutting never loses a button
    fields = [e for e in card["body"] if e["type"].startswith("Input.")]
    asked = sum(1 + bool(p.comment_label) for p in body if isinstance(p, Question))
    asked += sum(len(p.fields) for p in body if isinstance(p, Form))
    assert len(fields) == asked  # nor a question or a form field
    assert render(message)["body"] == card["body"]  # the same card sent or updated


# --- end to end: the longest idea reaches its manager -----------------------------------------


async def test_the_longest_idea_reaches_its_manager_cut_to_fit_with_its_buttons(
    world: TeamsWorld,
) -> None:
    await installed(world)
    await world.say(SAL, "idea")
    lines = "Customers first\n" * stories.MAX_STORY  # a line each: a block each on the card
    idea = {
        "what_happened": lines[: stories.MAX_STORY],
        "customer": ("ACME " * stories.MAX_CUSTOMER)[: stories.MAX_CUSTOMER].strip(),
        "what_changed": lines[: stories.MAX_STORY],
        "consent": "named",
    }
    (saved,) = await click(world, SAL, last_card(world, SAL), "stories.submit", **idea)
    assert saved.startswith("Thanks for the idea!")
    assert (await world.deliver()).sent == 1  # not dead-lettered for its size
    (for_sam,) = cards_to(world, SAM)
    assert payload_size(for_sam.body) <= MESSAGE_LIMIT
    assert "Sal Seller (Sales) has an idea" in for_sam.card_text
    assert "Customers first\n" * 20 in for_sam.card_text and TOO_LONG in for_sam.card_text
    titles = [a["title"] for a in for_sam.card["actions"]]  # type: ignore[index]
    assert titles == ["Trying it", "Done", "Not now"]
    in_place, _marked = await click(world, SAM, for_sam, "stories.idea_status")
    assert "Status: trying it" in in_place and TOO_LONG in in_place  # short lines kept whole
    assert action_data(for_sam, "stories.idea_status")
    assert world.connector.refusals == []


# --- the fake is as strict as Teams ---------------------------------------------------------


async def test_the_fake_connector_refuses_what_teams_refuses() -> None:
    """A card breaking a rule gets 400 with the rule named; a message over 28 KB gets 413
    ``MessageSizeTooBig``, as Teams answers."""
    fake = await FakeBotConnector().start()
    bad_card = {
        "type": "AdaptiveCard",
        "version": "1.2",  # labels and isRequired came in 1.3
        "body": [
            {"type": "Input.ChoiceSet", "id": "c", "isRequired": True, "choices": []},
            {"type": "Image", "url": "https://x.io/a.png"},
            {"type": "Table", "rows": []},
        ],
    }
    too_big = Message(summary="s", parts=(Text(text="x" * 20_000),))
    big_body = card_activity(too_big).serialize()
    big_body["attachments"][0]["content"] = {
        "type": "AdaptiveCard",
        "version": "1.5",
        "fallbackText": "s",
        "body": [{"type": "TextBlock", "text": "x" * 20_000}],
    }
    url = f"{fake.url}v3/conversations/a%3A1/activities"
    async with aiohttp.ClientSession() as session:
        card = {"type": "message", "attachments": [{"contentType": CARD, "content": bad_card}]}
        async with session.post(url, json=card) as response:
            assert response.status == 400
            error = (await response.json())["error"]
        async with session.post(url, json=big_body) as response:
            assert response.status == 413
            assert (await response.json())["error"]["code"] == "MessageSizeTooBig"
    await fake.stop()
    message = error["message"]
    assert error["code"] == "BadArgument"
    for rule in (
        "no fallbackText",
        "RequiredInputsShouldHaveLabel",
        "Input.ChoiceSet.isRequired needs schema 1.3",
        "Image without altText",
        "'Table' is not a known element type",
    ):
        assert rule in message, rule
    assert len(fake.refusals) == 2 and fake.delivered() == []


async def test_an_assessment_draft_with_the_longest_comments_comes_back_and_loses_nothing(
    world: TeamsWorld,
) -> None:
    """Five comments at their longest make the pre-filled card too big for Teams: the longest
    come back empty (an empty field keeps the saved comment), every statement and field is
    on the card, and finishing it keeps every word written before."""
    import_org(
        world.runtime,
        org_csv(
            "lea@x.io,Lea Leader,,Exec,leader,UTC",
            *(f"p{i}@x.io,P{i},lea@x.io,Sales,employee,UTC" for i in range(1, 6)),
        ),
    )
    everyone = [member("lea@x.io"), *(member(f"p{i}@x.io") for i in range(1, 6))]
    world.in_roster(*everyone)
    for who in everyone:
        assert await world.post(install(who, world.connector.url)) == 200
    lea, p1 = everyone[0], everyone[1]
    await world.say(lea, "assess launch 7")
    await world.deliver()
    await click(world, p1, last_card(world, p1), "assess.open")
    bank = prompts.assessment()
    comments = {
        COMMENT_PREFIX + d: (f"{d} " + "words " * MAX_COMMENT)[:MAX_COMMENT].strip()
        for d in bank.dimensions
    }
    first = {s.id: "4" for s in bank.statements[:5]}
    (saved,) = await click(world, p1, last_card(world, p1), "assess.submit", **first, **comments)
    assert saved.startswith("Saved: 5 of 15")

    await world.say(p1, "assess")
    await click(world, p1, last_card(world, p1), "assess.open")
    again = last_card(world, p1)
    assert payload_size(again.body) <= MESSAGE_LIMIT and TOO_LONG in again.card_text
    fields = inputs(again)
    assert set(fields) == {s.id for s in bank.statements} | set(comments)
    assert {k: v["value"] for k, v in fields.items() if k in first} == first
    rest = {s.id: "5" for s in bank.statements[5:]}
    shown = {k: v.get("value", "") for k, v in fields.items() if k in comments}
    (thanks,) = await click(world, p1, again, "assess.submit", **first, **rest, **shown)
    assert thanks.startswith("Thank you")
    with world.runtime.db.session() as session:
        [mine] = session.exec(select(AssessmentInvite).where(AssessmentInvite.person_id == 2))
    draft = json.loads(mine.draft or "{}")
    assert mine.status == "submitted"
    assert {k: draft[k] for k in comments} == {k: v.strip() for k, v in comments.items()}
