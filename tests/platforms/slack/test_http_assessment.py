"""The assessment in Slack: the invitation DM's button opens one modal with radio buttons per
statement; a partial answer is kept and the modal comes back pre-filled to finish it."""

from __future__ import annotations

from sqlmodel import select

import prompts
from bot.delivery.worker import deliver_due
from handlers.roadmap import assessment
from storage import people
from storage.roadmap import AssessmentInvite
from tests.fakes.slack_api import block_text
from tests.platforms.slack.test_http_pulse import ORG, elements
from tests.support import import_org


async def test_answer_in_one_modal_partly_then_finish_later(slack_app, slack_runtime) -> None:
    import_org(slack_runtime, ORG)
    with slack_runtime.db.session() as session:  # launched as `assess launch 7` would
        boss = people.by_email(session, "boss@x.io")
        assert assessment.launch(session, slack_runtime, boss, window_days=7).asked == 6
    stats = await deliver_due(slack_runtime, slack_app.bot.platform, concurrency=4)
    assert stats.sent == 6

    [invite] = slack_app.fake.dm("U1")
    assert "about 5 minutes" in block_text(invite.blocks)
    [button] = elements(invite.blocks)
    assert await slack_app.click("U1", invite.channel, invite.ts, button) == 200
    view = slack_app.fake.called("views.open")[-1].params["view"]
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    statements = prompts.assessment().statements
    assert len(inputs) == len(statements) + 5
    assert {b["element"]["type"] for b in inputs} == {"radio_buttons", "plain_text_input"}

    first = {f"f.{s.id}": "4" for s in statements[:5]}
    assert await slack_app.submit_answer("U1", view, first) == {}  # the modal closes
    assert "Saved: 5 of 15 statements answered" in block_text(slack_app.fake.dm("U1")[-1].blocks)

    # later, the same button: the modal again, with the five answers already picked
    assert await slack_app.click("U1", invite.channel, invite.ts, button) == 200
    again = slack_app.fake.called("views.open")[-1].params["view"]
    picked = {
        b["block_id"]: b["element"]["initial_option"]["value"]
        for b in again["blocks"]
        if "initial_option" in b["element"]
    }
    assert picked == first
    rest = {**first, **{f"f.{s.id}": "3" for s in statements[5:]}}
    rest["f.comment_leadership"] = "More <b>visits</b>"
    assert await slack_app.submit_answer("U1", again, rest) == {}
    assert "Thank you" in block_text(slack_app.fake.dm("U1")[-1].blocks)
    # a double submit (Slack retries, a second click) is kept once
    assert await slack_app.submit_answer("U1", again, rest) == {}
    assert "kept your first answers" in block_text(slack_app.fake.dm("U1")[-1].blocks)
    with slack_runtime.db.session() as session:
        statuses = [i.status for i in session.exec(select(AssessmentInvite))]
    assert statuses.count("submitted") == 1 and statuses.count("partial") == 0

    # a score that is not 1-5 (a forged submission) keeps the modal open at that statement
    forged = {f"f.{statements[0].id}": "9"}
    [invite2] = slack_app.fake.dm("U2")
    assert (
        await slack_app.click("U2", invite2.channel, invite2.ts, elements(invite2.blocks)[0]) == 200
    )
    view2 = slack_app.fake.called("views.open")[-1].params["view"]
    answer = await slack_app.submit_answer("U2", view2, forged)
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == [f"f.{statements[0].id}"]
