"""A leadership message in Slack: /cascade opens the cascade capability's form as a modal, the
message reaches the team as DMs with buttons, an acknowledgement is recorded once and shows in
the App Home tab. Nothing cascade-specific lives in the adapter: this is its generic Form and
Buttons rendering at work."""

from __future__ import annotations

from sqlmodel import select

from bot.delivery.worker import deliver_due
from bot.platforms.slack import blocks as slack_blocks
from storage.cascade_models import CascadeReceipt
from tests.fakes.slack_api import block_text
from tests.platforms.slack.test_http_home_and_commands import open_home
from tests.platforms.slack.test_http_pulse import ORG, elements
from tests.support import import_org


async def test_cascade_from_modal_to_acknowledgement(slack_app, slack_runtime) -> None:
    import_org(slack_runtime, ORG)
    assert await slack_app.slash("UBOSS", "/cascade") == 200
    [opened] = slack_app.fake.called("views.open")
    view = opened.params["view"]
    values = {"f.title": "Customers first in Q3", "f.message": "Call one customer this week."}
    assert {"f.title", "f.message"} <= {b["block_id"] for b in view["blocks"]}
    assert await slack_app.submit("UBOSS", view, values) == 200
    # the preview comes back to the leader's DM with Send / Don't send: nothing went out yet
    [preview] = slack_app.fake.dm("UBOSS")
    assert "would reach" in block_text(preview.blocks)
    assert (await deliver_due(slack_runtime, slack_app.bot.platform, concurrency=4)).sent == 0
    send = next(
        e
        for e in elements(preview.blocks)
        if slack_blocks.decode_action(e)[0] == "click"
        and slack_blocks.decode_action(e)[1]["a"] == "cascade.confirm"
    )
    assert await slack_app.click("UBOSS", preview.channel, preview.ts, send) == 200

    stats = await deliver_due(slack_runtime, slack_app.bot.platform, concurrency=4)
    assert stats.sent >= 6
    [message] = slack_app.fake.dm("U1")
    assert "Call one customer this week." in block_text(message.blocks)
    ack = next(
        e
        for e in elements(message.blocks)
        if slack_blocks.decode_action(e)[0] == "click"
        and slack_blocks.decode_action(e)[1]["a"] == "cascade.ack"
    )
    assert await slack_app.click("U1", message.channel, message.ts, ack) == 200
    assert await slack_app.click("U1", message.channel, message.ts, ack) == 200  # twice
    with slack_runtime.db.session() as session:
        receipts = session.exec(select(CascadeReceipt)).all()
    acknowledged = [r for r in receipts if r.acknowledged_at is not None]
    assert len(acknowledged) == 1
    replies = [c.params["text"] for c in slack_app.fake.called("response_url")]
    assert len(replies) >= 2 and replies[-1] != replies[-2]  # thanks, then "already"

    home = block_text((await open_home(slack_app, "U1"))["view"]["blocks"])
    assert "Latest leadership messages" in home
    assert "Customers first in Q3 (acknowledged)" in home
    home = block_text((await open_home(slack_app, "U2"))["view"]["blocks"])
    assert "Customers first in Q3 (not acknowledged yet)" in home


async def test_cascade_report_for_a_period_in_slack(slack_app, slack_runtime) -> None:
    """The period words read the same in Slack as on the console (one parser)."""
    from handlers.cascade import chain as cascade_chain
    from storage import people

    import_org(slack_runtime, ORG)
    with slack_runtime.db.session() as session:
        boss = people.by_email(session, "boss@x.io")
        cascade_chain.start(
            session,
            slack_runtime,
            boss,
            title="Customers first in Q3",
            body="Call one customer this week.",
            customer_line=None,
            window_days=2,
        )
    assert await slack_app.slash("UBOSS", "/cascade", "report weeks 1") == 200
    listed = slack_app.fake.called("response_url")[-1].params["text"]
    assert "Cascades sent, since" in listed and '"Customers first in Q3"' in listed
    assert await slack_app.slash("UBOSS", "/cascade", "report until 2027-02-01") == 200
    empty = slack_app.fake.called("response_url")[-1].params["text"]
    assert "No cascades were sent in this period (until Mon 1 Feb 2027)" in empty
    assert await slack_app.slash("UBOSS", "/cascade", "report since 2027-02-30") == 200
    refused = slack_app.fake.called("response_url")[-1].params["text"]
    assert "Sorry, I could not read that period" in refused
    assert "since: expected a real date as YYYY-MM-DD, got 2027-02-30" in refused
