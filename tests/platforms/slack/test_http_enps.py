"""eNPS over Slack end to end: the 0-10 question arrives as eleven buttons (one actions block,
within Block Kit's limits), a click on 0 records 0, a forged value is refused politely."""

from __future__ import annotations

from sqlmodel import select

from bot.delivery.worker import deliver_due
from storage.models import PulseAnswerPending
from tests.fakes.block_kit import message_errors
from tests.fakes.slack_api import block_text
from tests.handlers.pulse.test_enps import ENPS_TEXT, enps_round_for
from tests.platforms.slack.test_http_pulse import ORG, elements
from tests.support import import_org


async def test_enps_is_eleven_buttons_and_a_click_on_0_records_0(slack_app, slack_runtime) -> None:
    import_org(slack_runtime, ORG)
    enps_round_for(slack_runtime, "boss@x.io")
    await deliver_due(slack_runtime, slack_app.bot.platform, concurrency=4)
    [question] = [m for m in slack_app.fake.dm("U1") if ENPS_TEXT in block_text(m.blocks)]
    assert message_errors(question.blocks) == []
    buttons = elements(question.blocks)
    labels = [b["text"]["text"] for b in buttons]
    assert labels[0] == "0 · Not at all likely" and labels[10] == "10 · Extremely likely"
    assert labels[-1] == "Add a comment"

    # a forged value (the button's JSON edited to 11): refused politely, nothing recorded
    forged = {**buttons[10], "value": buttons[10]["value"].replace('"v": "10"', '"v": "11"')}
    assert forged["value"] != buttons[10]["value"]
    assert await slack_app.click("U1", question.channel, question.ts, forged) == 200
    assert "Please pick a number from 0 to 10." in str(slack_app.fake.called("response_url"))
    with slack_runtime.db.session() as session:
        assert session.exec(select(PulseAnswerPending.score)).all() == []
    assert await slack_app.click("U1", question.channel, question.ts, buttons[0]) == 200
    [question] = [m for m in slack_app.fake.dm("U1") if m.ts == question.ts]
    assert "Thanks, recorded" in block_text(question.blocks)
    with slack_runtime.db.session() as session:
        assert session.exec(select(PulseAnswerPending.score)).all() == [0]
