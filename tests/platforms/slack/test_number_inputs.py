"""Strange numbers from Slack ("²", a 5,000-digit run) are refused under their field, never a
crash: the cascade modal's relay window, and button values that carry an id."""

from __future__ import annotations

import pytest

from prompts import text
from storage.cascade_models import Cascade
from tests.platforms.slack.test_http_modal_errors import CHAIN, open_modal
from tests.platforms.slack.test_http_pulse import count
from tests.support import import_org

LONG = "9" * 5000


@pytest.mark.parametrize("raw", ["²", LONG, "٣"])
async def test_cascade_modal_refuses_a_strange_window(slack_app, slack_runtime, raw) -> None:
    import_org(slack_runtime, CHAIN)
    view = await open_modal(slack_app, "UBOSS", "/cascade")
    message = {"f.title": "Customers first", "f.message": "Call one customer this week."}
    answer = await slack_app.submit_answer("UBOSS", view, {**message, "f.window_days": raw})
    assert answer["response_action"] == "errors"
    assert "from 1 to 10" in answer["errors"]["f.window_days"]
    assert LONG not in answer["errors"]["f.window_days"]
    assert count(slack_runtime, Cascade) == 0


@pytest.mark.parametrize("raw", ["²", "99999999999999999999", "9" * 4900])
async def test_cascade_report_with_a_strange_id_is_answered(slack_app, slack_runtime, raw) -> None:
    import_org(slack_runtime, CHAIN)
    assert await slack_app.slash("UBOSS", "/cascade", f"report {raw}") == 200
    await slack_app.bot.idle()
    [reply] = [c.params["text"] for c in slack_app.fake.called("response_url")]
    assert reply == text("cascade.unknown_cascade", id=raw[:20])
