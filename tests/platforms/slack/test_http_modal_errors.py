"""A refused modal submission stays open in Slack, with the text as typed and the reason under
the field (``response_action: errors``); an accepted one closes and is kept once.

Signed view_submission requests go to the running app; the assertions are on its answer to
Slack (which decides whether the modal stays open), the database and the DMs the fake saw.
"""

from __future__ import annotations

import json
import threading
from urllib.parse import urlencode

from sqlmodel import select

from bot.app import build_router
from bot.core.router import Router
from bot.delivery.worker import deliver_due
from bot.platforms.slack import blocks as slack_blocks
from handlers.stories import capture as stories
from prompts import text
from storage.cascade_models import CascadeLink
from storage.models import PulseAnswerPending
from storage.stories import Story
from tests.fakes.slack_api import block_text
from tests.platforms.slack.conftest import serve_slack, submission
from tests.platforms.slack.test_http_pulse import ORG, count, elements, start_checkin
from tests.support import import_org

GOOD_STORY = {
    "f.what_happened": "A customer could not find the export button, so we moved it.",
    "f.what_changed": "Exports doubled the week after.",
    "f.kind": "story",
    "f.consent": "named",
}
CHAIN = "email,name,manager_email,department,role,timezone,slack_user_id\n" + "\n".join(
    [
        "boss@x.io,Boss,,Ops,leader,Europe/Berlin,UBOSS",
        "mgr@x.io,Mgr,boss@x.io,Ops,manager,Europe/Berlin,UMGR",
        "e1@x.io,E1,mgr@x.io,Ops,employee,Europe/Berlin,UE1",
        "e2@x.io,E2,mgr@x.io,Ops,employee,Europe/Berlin,UE2",
    ]
)


async def open_modal(slack_app, user: str, command: str) -> dict:  # type: ignore[no-untyped-def]
    assert await slack_app.slash(user, command) == 200
    return slack_app.fake.called("views.open")[-1].params["view"]


def refused(field: str, message: str) -> dict:
    return {"response_action": "errors", "errors": {field: message}}


async def test_refused_story_keeps_the_modal_open_then_the_fixed_one_is_kept_once(
    slack_app, slack_runtime
) -> None:
    import_org(slack_runtime, ORG)
    view = await open_modal(slack_app, "U1", "/story")

    blank = {**GOOD_STORY, "f.what_happened": "   "}  # Slack lets spaces through a required input
    answer = await slack_app.submit_answer("U1", view, blank, view_id="VSTORY")
    label = text("stories.field_what_happened")
    assert answer == refused("f.what_happened", text("stories.missing", field=label))

    emoji = {**GOOD_STORY, "f.what_changed": "🎉 :tada: !!"}  # the same modal, submitted again
    answer = await slack_app.submit_answer("U1", view, emoji, view_id="VSTORY")
    label = text("stories.field_what_changed")
    assert answer == refused("f.what_changed", text("stories.only_symbols", field=label))
    assert count(slack_runtime, Story) == 0
    assert slack_app.fake.called("chat.postMessage") == []  # no DM: the modal said it

    assert await slack_app.submit_answer("U1", view, GOOD_STORY, view_id="VSTORY") == {}
    [thanks] = slack_app.fake.dm("U1")
    assert text("stories.saved_named") in block_text(thanks.blocks)
    # the same submission delivered again (a retry) changes nothing
    assert await slack_app.submit_answer("U1", view, GOOD_STORY, view_id="VSTORY") == {}
    with slack_runtime.db.session() as session:
        [story] = session.exec(select(Story)).all()
    assert story.what_happened == GOOD_STORY["f.what_happened"]
    assert len(slack_app.fake.dm("U1")) == 1


async def test_cascade_refusals_point_at_their_field_and_a_short_note_keeps_the_relay_open(
    slack_app, slack_runtime
) -> None:
    import_org(slack_runtime, CHAIN)
    view = await open_modal(slack_app, "UBOSS", "/cascade")
    message = {"f.title": "Customers first", "f.message": "Call one customer this week."}
    answer = await slack_app.submit_answer("UBOSS", view, {**message, "f.window_days": "99"})
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == ["f.window_days"]
    assert "from 1 to 10" in answer["errors"]["f.window_days"]
    assert await slack_app.submit_answer("UBOSS", view, message) == {}
    # the accepted form comes back as a preview in the leader's DM; Send sends it
    [preview] = slack_app.fake.dm("UBOSS")
    send = next(
        e
        for e in elements(preview.blocks)
        if slack_blocks.decode_action(e)[0] == "click"
        and slack_blocks.decode_action(e)[1]["a"] == "cascade.confirm"
    )
    assert await slack_app.click("UBOSS", preview.channel, preview.ts, send) == 200
    assert (await deliver_due(slack_runtime, slack_app.bot.platform, concurrency=2)).sent == 1

    [for_manager] = slack_app.fake.dm("UMGR")
    relay = next(
        e
        for e in elements(for_manager.blocks)
        if slack_blocks.decode_action(e)[1].get("a") == "cascade.relay"
    )
    assert await slack_app.click("UMGR", for_manager.channel, for_manager.ts, relay) == 200
    note_view = slack_app.fake.called("views.open")[-1].params["view"]
    short = "Please read."
    answer = await slack_app.submit_answer("UMGR", note_view, {"f.note": short}, view_id="VNOTE")
    too_short = text("cascade.too_short", length=len(short), minimum=20)
    assert answer == refused("f.note", too_short)
    with slack_runtime.db.session() as session:
        statuses = session.exec(select(CascadeLink.status).where(CascadeLink.level > 0)).all()
    assert statuses == ["pending"]
    assert (await deliver_due(slack_runtime, slack_app.bot.platform, concurrency=2)).sent == 0

    note = {"f.note": "This matters for our renewals: please each call one customer."}
    assert await slack_app.submit_answer("UMGR", note_view, note, view_id="VNOTE") == {}
    assert "Relayed to your 2 direct reports" in block_text(slack_app.fake.dm("UMGR")[-1].blocks)
    assert (await deliver_due(slack_runtime, slack_app.bot.platform, concurrency=2)).sent == 2
    assert "please each call one customer" in block_text(slack_app.fake.dm("UE1")[0].blocks)


async def test_pulse_comment_modal_refuses_a_long_comment_in_place_and_still_records(
    slack_app, slack_runtime
) -> None:
    await start_checkin(slack_app, slack_runtime)
    [question] = slack_app.fake.dm("U3")
    assert await slack_app.click("U3", question.channel, question.ts, elements(question.blocks)[-1])
    view = slack_app.fake.called("views.open")[-1].params["view"]

    long_comment = "Customers " * 250  # 2,500 characters: Slack's input allows it, we keep 2,000
    answer = await slack_app.submit_answer("U3", view, {"f.score": "2", "f.comment": long_comment})
    too_long = text("common.text_too_long", length=len(long_comment.strip()), limit=2000)
    assert answer == refused("f.comment", too_long)
    assert count(slack_runtime, PulseAnswerPending) == 0
    assert "Thanks, recorded" not in block_text(slack_app.fake.dm("U3")[0].blocks)

    answer = await slack_app.submit_answer("U3", view, {"f.score": "2", "f.comment": "Too slow"})
    assert answer == {}
    assert "Thanks, recorded, with your comment" in block_text(slack_app.fake.dm("U3")[0].blocks)
    assert count(slack_runtime, PulseAnswerPending) == 1


async def test_a_handler_past_the_budget_is_acked_and_its_refusal_arrives_as_a_dm(
    slack_runtime, fake_slack
) -> None:
    """Slack cannot wait: a handler still running when the budget ends gets today's answer."""
    gate = threading.Event()

    def held_submit(ctx, incoming):  # type: ignore[no-untyped-def]
        assert gate.wait(timeout=10), "the test never released the handler"
        return stories.submit(ctx, incoming)

    router: Router = build_router()
    router.action("stories.submit")(held_submit)
    import_org(slack_runtime, ORG)
    async with serve_slack(slack_runtime, router, fake_slack) as slack_app:
        slack_app.bot.submission_budget = 0
        view = await open_modal(slack_app, "U1", "/story")
        payload = submission("U1", view, {**GOOD_STORY, "f.what_happened": "   "})
        status, body = await slack_app.post(
            urlencode({"payload": json.dumps(payload)}),
            content_type="application/x-www-form-urlencoded",
        )
        assert (status, body) == (200, "")  # acked empty: the modal closes
        gate.set()
        await slack_app.bot.idle()
    [refusal] = fake_slack.dm("U1")
    label = text("stories.field_what_happened")
    assert text("stories.missing", field=label) in block_text(refusal.blocks)
    assert count(slack_runtime, Story) == 0
