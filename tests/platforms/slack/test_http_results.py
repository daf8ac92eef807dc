"""The results message over Slack, through the real slack-bolt app (signed HTTP) and the fake
Web API: it arrives as Block Kit in the manager's working hours with its two buttons; "Share
with my team" posts the same figures to each member's DM, once; "Plan an action" opens the
objective modal pre-filled, and submitting it sets the objective."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from bot.app import run_due
from bot.delivery.worker import deliver_due
from storage.roadmap import Objective
from tests.fakes.block_kit import message_errors
from tests.fakes.slack_api import block_text
from tests.handlers.roadmap import results_helpers as h
from tests.platforms.slack.test_http_pulse import elements

FIGURES = (
    "Customer focus: 4.0 (5-9 people), up 1.0 since the last results",
    "Leadership commitment: 3.0 (5-9 people), the same as the last results",
)


async def test_results_arrive_as_block_kit_and_share_once_and_plan(
    slack_app, slack_runtime
) -> None:
    h.seed(slack_runtime, h.SLACK_ORG)
    run_due(slack_runtime)
    await deliver_due(slack_runtime, slack_app.bot.platform, concurrency=4)
    assert not [m for m in slack_app.fake.dm("USAM") if "8 Mar 2027" in block_text(m.blocks)]
    slack_runtime.clock.set(datetime(2027, 3, 17, 8, 0, tzinfo=UTC))  # 09:00 in Berlin
    await deliver_due(slack_runtime, slack_app.bot.platform, concurrency=4)
    [results] = [m for m in slack_app.fake.dm("USAM") if "8 Mar 2027" in block_text(m.blocks)]
    assert message_errors(results.blocks) == []
    text = block_text(results.blocks)
    assert all(line in text for line in FIGURES)
    plan, share = elements(results.blocks)
    assert [plan["text"]["text"], share["text"]["text"]] == ["Plan an action", "Share with my team"]

    assert await slack_app.click("USAM", results.channel, results.ts, share) == 200
    [opened] = slack_app.fake.called("views.open")  # where to: each of them, or a channel
    assert await slack_app.submit("USAM", opened.params["view"], {"f.where": "members"}) == 200
    assert "Shared with your team: 6 people" in str(slack_app.fake.called("chat.postMessage"))
    await deliver_due(slack_runtime, slack_app.bot.platform, concurrency=4)
    for member in ("US1", "US6"):
        [shared] = [
            m for m in slack_app.fake.dm(member) if "shared your team" in block_text(m.blocks)
        ]
        assert message_errors(shared.blocks) == []
        assert all(line in block_text(shared.blocks) for line in FIGURES)
    assert await slack_app.click("USAM", results.channel, results.ts, share) == 200
    assert "You already shared" in str(slack_app.fake.called("response_url")[-1].params)
    assert len(slack_app.fake.called("views.open")) == 1
    await deliver_due(slack_runtime, slack_app.bot.platform, concurrency=4)
    assert (
        len([m for m in slack_app.fake.dm("US1") if "shared your team" in block_text(m.blocks)])
        == 1
    )

    assert await slack_app.click("USAM", results.channel, results.ts, plan) == 200
    view = slack_app.fake.called("views.open")[-1].params["view"]
    initial = {
        b["block_id"]: b["element"].get("initial_value")
        or b["element"].get("initial_option", {}).get("value")
        for b in view["blocks"]
    }
    assert initial["f.title"] == "Lift Leadership commitment in my team"
    assert initial["f.dimension"] == "leadership" and initial["f.target"] == "3.3"
    values = {k: v for k, v in initial.items() if v}
    assert await slack_app.submit("USAM", view, values) == 200
    with slack_runtime.db.session() as session:
        [objective] = session.exec(select(Objective)).all()
    assert objective.title == "Lift Leadership commitment in my team"


async def test_results_shared_in_a_slack_channel_once(slack_app, slack_runtime) -> None:
    h.seed(slack_runtime, h.SLACK_ORG)
    run_due(slack_runtime)
    slack_runtime.clock.set(datetime(2027, 3, 17, 8, 0, tzinfo=UTC))
    await deliver_due(slack_runtime, slack_app.bot.platform, concurrency=4)
    [results] = [m for m in slack_app.fake.dm("USAM") if "8 Mar 2027" in block_text(m.blocks)]
    _plan, share = elements(results.blocks)
    assert await slack_app.click("USAM", results.channel, results.ts, share) == 200
    view = slack_app.fake.called("views.open")[-1].params["view"]

    bad = {"f.where": "channel", "f.channel": "#support"}
    refused = await slack_app.submit_answer("USAM", view, bad)
    assert refused["response_action"] == "errors"
    assert "is not a Slack channel ID" in refused["errors"]["f.channel"]
    good = {"f.where": "channel", "f.channel": "C0SUPPORT1"}
    assert await slack_app.submit_answer("USAM", view, good) == {}
    await deliver_due(slack_runtime, slack_app.bot.platform, concurrency=4)
    posted = [m for m in slack_app.fake.messages.values() if m.channel == "C0SUPPORT1"]
    assert len(posted) == 1 and message_errors(posted[0].blocks) == []
    assert all(line in block_text(posted[0].blocks) for line in FIGURES)
    assert not [m for m in slack_app.fake.dm("US1") if "shared your team" in block_text(m.blocks)]
    assert await slack_app.submit_answer("USAM", view, good) == {}  # the form sent again
    await deliver_due(slack_runtime, slack_app.bot.platform, concurrency=4)
    assert len([m for m in slack_app.fake.messages.values() if m.channel == "C0SUPPORT1"]) == 1
