"""Slack over HTTP end to end: signed requests to the running app, the fake Slack API answering.

A manager starts a check-in with /pulse team, the DMs go out through the outbox, people answer
with a button or through the comment modal, and the message turns into "Thanks, recorded".
"""

from __future__ import annotations

from sqlmodel import func, select

from bot.delivery.worker import deliver_due
from storage.models import ProcessedEvent, PulseAnswerPending
from tests.fakes.slack_api import block_text
from tests.support import import_org

ORG = "email,name,manager_email,department,role,timezone,slack_user_id\n" + "\n".join(
    [
        "boss@x.io,Boss,,Ops,leader,Europe/Berlin,UBOSS",
        *(f"p{i}@x.io,P{i},boss@x.io,Ops,employee,Europe/Berlin,U{i}" for i in range(1, 7)),
    ]
)


def count(runtime, model) -> int:  # type: ignore[no-untyped-def]
    with runtime.db.session() as session:
        return session.exec(select(func.count()).select_from(model)).one()


def elements(blocks: list[dict]) -> list[dict]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


async def start_checkin(slack_app, slack_runtime) -> None:  # type: ignore[no-untyped-def]
    import_org(slack_runtime, ORG)
    assert await slack_app.slash("UBOSS", "/pulse", "team") == 200
    replies = slack_app.fake.called("response_url")
    assert "6 people in your team were asked" in replies[-1].params["text"]
    assert replies[-1].params["response_type"] == "ephemeral"
    stats = await deliver_due(slack_runtime, slack_app.bot.platform, concurrency=4)
    assert stats.sent == 6


async def test_pulse_question_arrives_as_dm_and_button_answer_updates_it(
    slack_app, slack_runtime
) -> None:
    await start_checkin(slack_app, slack_runtime)
    [question] = slack_app.fake.dm("U1")
    shown = block_text(question.blocks)
    assert "Your answer is anonymous" in shown
    buttons = elements(question.blocks)
    labels = [b["text"]["text"] for b in buttons]
    assert labels[0].startswith("1 · ") and labels[4].startswith("5 · ")
    assert labels[1:4] == ["2", "3", "4"]
    assert labels[5] == "Add a comment"

    assert await slack_app.click("U1", question.channel, question.ts, buttons[3]) == 200
    [question] = slack_app.fake.dm("U1")
    assert "Thanks, recorded" in block_text(question.blocks)
    assert elements(question.blocks) == []  # no buttons left to press twice
    assert count(slack_runtime, PulseAnswerPending) == 1

    # the old buttons, clicked again (e.g. from a stale client): answered once, told so
    assert await slack_app.click("U1", question.channel, question.ts, buttons[1]) == 200
    assert count(slack_runtime, PulseAnswerPending) == 1
    last = slack_app.fake.called("response_url")[-1].params
    assert "already answered" in last["text"] and last["response_type"] == "ephemeral"


async def test_comment_modal_submission_records_score_and_comment(slack_app, slack_runtime) -> None:
    await start_checkin(slack_app, slack_runtime)
    [question] = slack_app.fake.dm("U2")
    comment_button = elements(question.blocks)[-1]
    assert await slack_app.click("U2", question.channel, question.ts, comment_button) == 200
    [opened] = slack_app.fake.called("views.open")
    view = opened.params["view"]
    assert view["type"] == "modal" and opened.params["trigger_id"].startswith("trigger-")
    kinds = {b["block_id"]: b["element"]["type"] for b in view["blocks"]}
    assert kinds == {
        "f.score": "static_select",
        "f.comment": "plain_text_input",
        "f.reply": "checkboxes",  # let my manager reply anonymously
    }

    comment = "Customers <love> the new & faster flow"
    status = await slack_app.submit("U2", view, {"f.score": "5", "f.comment": comment})
    assert status == 200
    [question] = slack_app.fake.dm("U2")
    assert "Thanks, recorded, with your comment" in block_text(question.blocks)
    with slack_runtime.db.session() as session:
        [answer] = session.exec(select(PulseAnswerPending)).all()
    assert (answer.score, answer.comment) == (5, comment)


async def test_slash_report_is_ephemeral_and_help_answers_dm_once_despite_retry(
    slack_app, slack_runtime
) -> None:
    import_org(slack_runtime, ORG)
    assert await slack_app.slash("U1", "/pulse", "report") == 200
    reply = slack_app.fake.called("response_url")[-1].params
    assert reply["response_type"] == "ephemeral" and "No results yet" in reply["text"]

    assert await slack_app.dm("U1", "help", event_id="Ev001") == 200
    [help_reply] = slack_app.fake.called("chat.postMessage")
    assert help_reply.params["channel"] == "DU1"
    assert "Here is what I can do for you" in block_text(help_reply.params["blocks"])

    assert await slack_app.dm("U1", "help", event_id="Ev001", retry=1) == 200
    assert len(slack_app.fake.called("chat.postMessage")) == 1
    with slack_runtime.db.session() as session:
        handled = session.exec(select(ProcessedEvent.event_id)).all()
    assert handled.count("Ev001") == 1


async def test_unknown_slack_user_is_told_who_can_add_them(slack_app, slack_runtime) -> None:
    import_org(slack_runtime, ORG)
    assert await slack_app.dm("UNOBODY", "help", event_id="Ev9") == 200
    [reply] = slack_app.fake.called("chat.postMessage")
    assert "ask your culturebot admin to add you" in block_text(reply.params["blocks"])
