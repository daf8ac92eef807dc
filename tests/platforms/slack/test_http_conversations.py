"""An anonymous conversation over Slack end to end (signed HTTP to the real bolt app, the fake
Slack API answering): the author ticks the checkbox in the comment modal, the manager replies
by DM, the author answers through the "Answer" button's modal and closes with the other."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.app import run_due
from bot.delivery.worker import deliver_due
from storage.conversations import CommentLink
from tests.fakes.slack_api import block_text
from tests.platforms.slack.test_http_pulse import elements
from tests.support import comment, import_org

ORG = "email,name,manager_email,department,role,timezone,slack_user_id\n" + "\n".join(
    [
        "boss@x.io,Boss,,Ops,leader,UTC,UBOSS",
        *(f"p{i}@x.io,P{i},boss@x.io,Ops,employee,UTC,U{i}" for i in range(1, 12)),
    ]
)
TICKED = "the onboarding calls are too short"


def said_to(slack_app, user: str) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(block_text(m.blocks) or m.text for m in slack_app.fake.dm(user))


async def test_a_reply_and_an_answer_go_round_over_slack(slack_app, slack_runtime) -> None:
    import_org(slack_runtime, ORG)
    assert await slack_app.slash("UBOSS", "/pulse", "team") == 200
    await deliver_due(slack_runtime, slack_app.bot.platform, concurrency=4)
    [question] = slack_app.fake.dm("U3")
    assert (
        await slack_app.click("U3", question.channel, question.ts, elements(question.blocks)[-1])
        == 200
    )
    view = slack_app.fake.called("views.open")[-1].params["view"]
    assert "Let my manager reply anonymously" in block_text(view["blocks"])
    values = {"f.score": "4", "f.comment": TICKED, "f.reply": "yes"}
    assert await slack_app.submit("U3", view, values) == 200
    assert "they will never see who you are" in said_to(slack_app, "U3")
    for i in range(1, 11):
        if i != 3:
            comment(slack_runtime, slack_app.bot.router, f"p{i}@x.io", f"remark {i}")
    slack_runtime.clock.advance(timedelta(days=10))  # type: ignore[attr-defined]
    run_due(slack_runtime)

    assert await slack_app.dm("UBOSS", "comments", event_id="Ev1") == 200
    [ref] = re.findall(r"\[(C[A-Z0-9]{7})\]", said_to(slack_app, "UBOSS"))
    assert await slack_app.dm("UBOSS", f"reply {ref} Which calls?", event_id="Ev2") == 200
    assert "passed on anonymously" in said_to(slack_app, "UBOSS")
    await deliver_due(slack_runtime, slack_app.bot.platform, concurrency=4)
    got = slack_app.fake.dm("U3")[-1]
    assert "Boss read your comment and replied" in block_text(got.blocks)
    assert TICKED in block_text(got.blocks) and "Which calls?" in block_text(got.blocks)
    answer, close = elements(got.blocks)[-2:]
    assert answer["text"]["text"] == "Answer"

    assert await slack_app.click("U3", got.channel, got.ts, answer) == 200
    view = slack_app.fake.called("views.open")[-1].params["view"]
    assert await slack_app.submit("U3", view, {"f.text": "The very first one"}) == 200
    slack_runtime.clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]
    await deliver_due(slack_runtime, slack_app.bot.platform, concurrency=4)
    boss = said_to(slack_app, "UBOSS")
    assert f'The author of comment {ref} answered: "The very first one"' in boss
    assert "P3" not in boss and "U3" not in boss

    assert await slack_app.click("U3", got.channel, got.ts, close) == 200
    with slack_runtime.db.session() as session:
        assert session.get(CommentLink, ref) is None
