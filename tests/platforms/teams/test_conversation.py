"""Conversation-level tests with botbuilder's own TestAdapter: each command and each card
submission, through the real TeamsBot, router, handlers and database (no HTTP)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from botbuilder.core.adapters import TestAdapter
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount
from sqlmodel import func, select

from bot.app import build_router
from bot.core.chat import (
    Button,
    Buttons,
    Choice,
    Form,
    FormField,
    Message,
    Response,
    Text,
    UserError,
    text_message,
)
from bot.core.router import Router
from bot.core.runtime import Runtime
from bot.platforms.teams.adapter import TeamsBot, TeamsPlatform
from bot.platforms.teams.cards import render
from storage.models import Outbox, PulseAnswerPending
from tests.support import Chat, import_org, org_csv

TEAM = org_csv(
    "boss@x.io,Boss,,Ops,leader,Europe/Berlin",
    *(f"p{i}@x.io,P{i},boss@x.io,Ops,employee,Europe/Berlin" for i in range(1, 7)),
)
TEAM_WITH_IDS = "email,name,manager_email,department,role,timezone,teams_user_id\n" + "\n".join(
    f"{line},aad-{line.split('@')[0]}" for line in TEAM.splitlines()[1:]
)


def card_text(activity: Activity) -> str:
    lines: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "TextRun":
                lines.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for attachment in activity.attachments or []:
        walk(attachment.content)
    return "\n".join(lines)


class Person:
    """One person's 1:1 chat with the bot, driven through TestAdapter."""

    def __init__(self, runtime: Runtime, router: Router, local: str) -> None:
        template = Activity(
            channel_id="msteams",
            service_url="https://smba.example.invalid/emea/",
            from_property=ChannelAccount(
                id=f"29:{local}", name=local, aad_object_id=f"aad-{local}"
            ),
            recipient=ChannelAccount(id="28:culturebot", name="culturebot"),
            conversation=ConversationAccount(id=f"a:{local}", conversation_type="personal"),
        )
        # the replies go through a platform's limiter and retries, as in the app
        platform = TeamsPlatform(CloudAdapter(), runtime.settings)
        self.adapter = TestAdapter(TeamsBot(runtime, router, platform).on_turn, template)

    async def say(self, text: str) -> str:
        await self.adapter.send(text)
        return self.replies()

    async def submit(self, data: dict[str, Any], card_id: str = "card-1") -> str:
        await self.adapter.send(Activity(type="message", value=data, reply_to_id=card_id))
        return self.replies()

    def replies(self) -> str:
        shown = [card_text(a) for a in self.adapter.activity_buffer]
        self.adapter.activity_buffer.clear()
        return "\n".join(shown)


@pytest.fixture
def team(runtime: Runtime, router: Router) -> dict[str, Person]:
    teams_runtime = Runtime(
        db=runtime.db, clock=runtime.clock, settings=runtime.settings, channels=("teams",)
    )
    import_org(teams_runtime, TEAM_WITH_IDS)
    return {name: Person(teams_runtime, router, name) for name in ("boss", "p1", "p2")}


@pytest.mark.parametrize(
    "command", ["help", "checkin", "report", "story", "checkin p1@x.io", "pending"]
)
async def test_each_command_answers_as_on_the_console(
    runtime: Runtime, router: Router, team: dict[str, Person], command: str
) -> None:
    """Same router, same handlers: Teams says what the console says (the console runs on a
    copy of the same org in a second database state, so the boss asks twice)."""
    boss = team["boss"]
    await boss.adapter.send(command)
    sent = list(boss.adapter.activity_buffer)
    in_teams = boss.replies()
    assert in_teams
    expected = await asyncio.to_thread(Chat(runtime, router, "boss@x.io").say, command)
    if command.startswith("checkin") and "already running" in expected:
        assert "Check-in started" in in_teams
    elif any("Input." in str(a.attachments[0].content) for a in sent):
        # a form: a card with inputs here, the same form asked field by field there
        title = expected.splitlines()[0].removeprefix("## ")
        assert title and any(title in str(a.attachments[0].content) for a in sent)
    else:
        assert in_teams.split() == expected.split()


async def test_help_for_an_employee_and_a_plain_greeting(team: dict[str, Person]) -> None:
    assert "Hi P1! Here is what I can do for you:" in await team["p1"].say("help")
    assert 'I don\'t know "hello"' in await team["p1"].say("hello there")


async def test_checkin_is_refused_politely_to_someone_without_a_team(
    team: dict[str, Person],
) -> None:
    assert "only managers can start a check-in" in await team["p1"].say("checkin")


def prompt_card(runtime: Runtime, person_id: int) -> dict[str, Any]:
    """The card Teams would show for the prompt waiting in this person's outbox."""
    with runtime.db.session() as session:
        row = session.exec(
            select(Outbox).where(Outbox.person_id == person_id, Outbox.kind == "pulse.prompt")
        ).one()
    assert row.platform == "teams"
    return render(Message.from_json(row.payload))


def answers(runtime: Runtime) -> int:
    with runtime.db.session() as session:
        return session.exec(select(func.count()).select_from(PulseAnswerPending)).one()


async def test_answering_the_card_replaces_it_and_records_once(
    runtime: Runtime, team: dict[str, Person]
) -> None:
    await team["boss"].say("checkin")
    card = prompt_card(runtime, person_id=2)  # p1
    data = {**card["actions"][0]["data"], "choice": "5", "comment": "Great **week**"}

    assert await team["p1"].submit(data, card_id="prompt-7") == ""
    (update,) = team["p1"].adapter.updated_activities
    assert update.id == "prompt-7"
    assert "Thanks, recorded, with your comment" in card_text(update)
    assert answers(runtime) == 1
    with runtime.db.session() as session:
        assert session.exec(select(PulseAnswerPending.comment)).one() == "Great **week**"

    assert "already answered" in await team["p1"].submit(data, card_id="prompt-7")
    assert answers(runtime) == 1


@pytest.mark.parametrize("choice", [None, "", "0", "6", "five"])
async def test_a_bad_choice_gets_a_clear_message_and_stores_nothing(
    runtime: Runtime, team: dict[str, Person], choice: str | None
) -> None:
    await team["boss"].say("checkin")
    card = prompt_card(runtime, person_id=2)
    data = dict(card["actions"][0]["data"])
    if choice is not None:
        data["choice"] = choice
    assert "Please pick a number from 1 to 5." in await team["p1"].submit(data)
    assert team["p1"].adapter.updated_activities == []
    assert answers(runtime) == 0


async def test_someone_else_cannot_answer_your_card(
    runtime: Runtime, team: dict[str, Person]
) -> None:
    await team["boss"].say("checkin")
    card = prompt_card(runtime, person_id=2)  # p1's prompt, submitted by p2
    data = {**card["actions"][0]["data"], "choice": "3"}
    assert "not yours to answer" in await team["p2"].submit(data)
    assert answers(runtime) == 0


async def test_a_card_that_is_not_ours_or_lacks_required_fields_is_explained(
    team: dict[str, Person],
) -> None:
    assert "can't read that card" in await team["p1"].submit({"foo": "bar"})
    form = {"culturebot": {"kind": "form", "action": "x.y", "required": {"title": "Title"}}}
    assert "Please fill in: Title." in await team["p1"].submit({**form, "title": "  "})


def survey_router() -> tuple[Router, list[dict[str, str]]]:
    """The real router plus a small form capability: a form, accepted or refused."""
    router = build_router()
    seen: list[dict[str, str]] = []

    @router.action("survey.done")
    def done(ctx, incoming):  # type: ignore[no-untyped-def]
        if incoming.fields.get("idea") == "no":
            raise UserError("Please say a little more.")
        seen.append({"ref": incoming.ref, **incoming.fields})
        return Response(replies=[text_message("Thanks, shared."), text_message("One more thing.")])

    return router, seen


SURVEY = Message(
    summary="A survey",
    parts=(
        Text(text="Your leader asks:"),
        Form(
            action="survey.done",
            ref="survey-7",
            title="Tell us about a customer story",
            fields=(
                FormField(name="idea", label="What happened?", multiline=True),
                FormField(
                    name="mood",
                    label="How did it go?",
                    options=(
                        Choice(label="Well", value="good"),
                        Choice(label="Badly", value="bad"),
                    ),
                ),
            ),
        ),
    ),
)


async def test_an_accepted_form_card_is_closed_and_a_refused_one_stays_open(
    runtime: Runtime, team: dict[str, Person]
) -> None:
    """A form inside a delivered message: the select's value arrives as a field; a refusal
    leaves the card as it was (to correct), an acceptance replaces it with the first reply so
    it cannot be sent twice, further replies follow as messages, and a click that raced the
    update is dropped."""
    router, seen = survey_router()
    p1 = Person(runtime, router, "p1")
    card = render(SURVEY)
    (choices,) = [e for e in card["body"] if e["type"] == "Input.ChoiceSet"]
    assert [c["value"] for c in choices["choices"]] == ["good", "bad"]
    data = dict(card["actions"][0]["data"])

    assert await p1.submit({**data, "idea": "no", "mood": "bad"}, card_id="survey-card") == (
        "Please say a little more."
    )
    assert p1.adapter.updated_activities == [] and seen == []

    assert await p1.submit({**data, "idea": "We called", "mood": "good"}, "survey-card") == (
        "One more thing."
    )
    (closed,) = p1.adapter.updated_activities
    assert closed.id == "survey-card" and card_text(closed) == "Thanks, shared."
    assert "actions" not in closed.attachments[0].content
    assert seen == [{"ref": "survey-7", "idea": "We called", "mood": "good"}]
    # a second click that reached the bot before the card closed: the form counts once
    assert await p1.submit({**data, "idea": "We called", "mood": "good"}, "survey-card") == ""
    assert len(seen) == 1 and len(p1.adapter.updated_activities) == 1


async def test_a_button_click_does_not_replace_its_card(
    runtime: Runtime, team: dict[str, Person]
) -> None:
    """Buttons carry their value; a card of buttons (a digest, a leadership message) stays
    as it is after a click unless the handler asks for an update."""
    router = build_router()
    clicked: list[str] = []

    @router.action("menu.pick")
    def pick(ctx, incoming):  # type: ignore[no-untyped-def]
        clicked.append(incoming.value)
        return Response(replies=[text_message(f"You picked {incoming.value}.")])

    p1 = Person(runtime, router, "p1")
    menu = Message(
        summary="Menu",
        parts=(
            Buttons(
                buttons=(
                    Button(label="Relay", action="menu.pick", value="relay"),
                    Button(label="Ask", action="menu.pick", value="ask"),
                )
            ),
        ),
    )
    actions = render(menu)["actions"]
    assert await p1.submit(actions[1]["data"], card_id="menu-card") == "You picked ask."
    assert await p1.submit(actions[0]["data"], card_id="menu-card") == "You picked relay."
    assert clicked == ["ask", "relay"] and p1.adapter.updated_activities == []


async def test_home_in_teams_offers_the_relay_a_manager_owes(
    runtime: Runtime, router: Router
) -> None:
    """The same open items as the console: a manager's home card has the Relay button."""
    from handlers.cascade import actions as cascade
    from storage import people

    org = org_csv(
        "boss@x.io,Boss,,Ops,leader,Europe/Berlin",
        "mgr@x.io,Mia,boss@x.io,Ops,manager,Europe/Berlin",
        *(f"p{i}@x.io,P{i},mgr@x.io,Ops,employee,Europe/Berlin" for i in range(1, 4)),
    )
    with_ids = "email,name,manager_email,department,role,timezone,teams_user_id\n" + "\n".join(
        f"{line},aad-{line.split('@')[0]}" for line in org.splitlines()[1:]
    )
    teams_runtime = Runtime(
        db=runtime.db, clock=runtime.clock, settings=runtime.settings, channels=("teams",)
    )
    import_org(teams_runtime, with_ids)
    with teams_runtime.db.session() as session:
        boss = people.by_email(session, "boss@x.io")
        assert boss is not None
        cascade.send(session, teams_runtime, boss, title="Customers first", body="Why and how.")
    mia = Person(teams_runtime, router, "mgr")
    await mia.adapter.send("home")
    sent = list(mia.adapter.activity_buffer)
    shown = mia.replies()
    assert 'Relay "Customers first" to your team' in shown
    assert any("Relay to my team" in str(a.attachments[0].content) for a in sent)
