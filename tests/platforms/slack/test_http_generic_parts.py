"""The generic renderings later capabilities rely on: a Form opens as a modal and comes back as
the form's action with its fields; Buttons come back as their action and value; an update
replaces the message acted on. Driven through a real Router with small test handlers."""

from __future__ import annotations

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
    text_message,
)
from tests.fakes.slack_api import block_text
from tests.platforms.slack.conftest import serve_slack
from tests.platforms.slack.test_http_pulse import ORG, elements
from tests.support import import_org

SURVEY = Form(
    action="survey.done",
    ref="survey-7",
    title="Tell us about a customer story",
    fields=(
        FormField(name="idea", label="What happened?", multiline=True, max_length=500),
        FormField(
            name="mood",
            label="How did it go?",
            options=(Choice(label="Well", value="good"), Choice(label="Badly", value="bad")),
        ),
        FormField(name="note", label="Anything else", required=False),
    ),
    submit_label="Share",
)


def parts_router():  # type: ignore[no-untyped-def]
    router = build_router()
    seen: list[dict[str, str]] = []

    @router.command("survey")
    def survey(ctx, incoming):  # type: ignore[no-untyped-def]
        return Response(form=SURVEY)

    @router.action("survey.done")
    def done(ctx, incoming):  # type: ignore[no-untyped-def]
        seen.append({"ref": incoming.ref, **incoming.fields})
        return Response(replies=[text_message(f"Thanks {ctx.person.name}, shared.")])

    @router.command("menu")
    def menu(ctx, incoming):  # type: ignore[no-untyped-def]
        buttons = Buttons(
            buttons=(
                Button(label="Relay", action="menu.pick", value="relay", style="primary"),
                Button(label="Ask back", action="menu.pick", value="ask"),
            )
        )
        message = Message(summary="Pick one", parts=(Text(text="Pick one"), buttons, SURVEY))
        return Response(replies=[message])

    @router.action("menu.pick")
    def pick(ctx, incoming):  # type: ignore[no-untyped-def]
        return Response(update=text_message(f"You picked {incoming.value}."))

    return router, seen


async def test_form_response_opens_modal_and_submission_reaches_the_forms_action(
    slack_runtime, fake_slack
) -> None:
    import_org(slack_runtime, ORG)
    router, seen = parts_router()
    async with serve_slack(slack_runtime, router, fake_slack) as slack:
        assert await slack.slash("U1", "/survey") == 200
        [opened] = fake_slack.called("views.open")
        view = opened.params["view"]
        assert view["title"]["text"] == "Tell us about a custome…"
        assert [b["optional"] for b in view["blocks"]] == [False, False, True]
        assert view["blocks"][0]["element"]["max_length"] == 500

        values = {"f.idea": "They <3 it", "f.mood": "good"}
        assert await slack.submit("U1", view, values) == 200
        assert seen == [{"ref": "survey-7", "idea": "They <3 it", "mood": "good"}]
        [thanks] = fake_slack.called("chat.postMessage")
        assert thanks.params["channel"] == "U1"  # a modal has no channel: the reply is a DM
        assert "Thanks P1, shared." in block_text(thanks.params["blocks"])


async def test_buttons_come_back_as_their_action_and_update_the_message(
    slack_runtime, fake_slack
) -> None:
    import_org(slack_runtime, ORG)
    router, _seen = parts_router()
    async with serve_slack(slack_runtime, router, fake_slack) as slack:
        assert await slack.dm("U1", "menu", event_id="EvMenu") == 200
        [menu] = fake_slack.dm("U1")
        relay, ask, form_button = elements(menu.blocks)
        assert relay["style"] == "primary" and "style" not in ask
        assert form_button["text"]["text"] == "Tell us about a customer story"

        assert await slack.click("U1", menu.channel, menu.ts, ask) == 200
        [menu] = fake_slack.dm("U1")
        assert block_text(menu.blocks) == "You picked ask."

        assert await slack.click("U1", menu.channel, menu.ts, form_button) == 200
        [opened] = fake_slack.called("views.open")
        assert [b["block_id"] for b in opened.params["view"]["blocks"]] == [
            "f.idea",
            "f.mood",
            "f.note",
        ]


async def test_buttons_in_an_ephemeral_reply_are_replaced_through_the_response_url(
    slack_runtime, fake_slack
) -> None:
    import_org(slack_runtime, ORG)
    router, _seen = parts_router()
    async with serve_slack(slack_runtime, router, fake_slack) as slack:
        assert await slack.slash("U1", "/menu") == 200
        [menu] = fake_slack.called("response_url")
        assert menu.params["response_type"] == "ephemeral"
        relay = elements(menu.params["blocks"])[0]
        payload_click = {
            "type": "block_actions",
            "user": {"id": "U1", "team_id": "T0FAKE"},
            "team": {"id": "T0FAKE"},
            "api_app_id": "A0FAKE",
            "container": {
                "type": "message",
                "message_ts": "1700000009.000100",
                "channel_id": "C0GENERAL",
                "is_ephemeral": True,
            },
            "channel": {"id": "C0GENERAL"},
            "trigger_id": "trigger-eph",
            "response_url": fake_slack.response_url("eph"),
            "actions": [
                {"type": "button", "action_id": relay["action_id"], "value": relay["value"]}
            ],
        }
        assert await slack.interact(payload_click) == 200
        replaced = fake_slack.called("response_url")[-1].params
        assert replaced["replace_original"] is True
        assert block_text(replaced["blocks"]) == "You picked relay."
        assert fake_slack.called("chat.update") == []
