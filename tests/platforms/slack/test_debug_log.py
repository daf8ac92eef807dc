"""A DEBUG run of culturebot's own logging over the real Slack app (bolt, the fake Slack Web
API): the log has culturebot's debug lines, and no score or comment next to a person or a
channel, because the platform client loggers are kept at INFO and the thanks omits the score."""

from __future__ import annotations

import io
import logging

from bot.core.logs import CLAMPED_LOGGERS, setup_logging
from bot.delivery.worker import deliver_due
from tests.fakes.slack_api import block_text
from tests.platforms.slack.test_http_pulse import elements, start_checkin

SECRET = "our release hurt three customers badly"


async def test_a_debug_run_logs_no_answer(slack_app, slack_runtime) -> None:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    stream = io.StringIO()
    setup_logging(slack_runtime.settings.model_copy(update={"log_level": "DEBUG"}), stream)
    try:
        await start_checkin(slack_app, slack_runtime)
        [question] = slack_app.fake.dm("U1")
        score_four = elements(question.blocks)[3]
        assert await slack_app.click("U1", question.channel, question.ts, score_four) == 200
        [question] = slack_app.fake.dm("U2")
        comment_button = elements(question.blocks)[-1]
        assert await slack_app.click("U2", question.channel, question.ts, comment_button) == 200
        view = slack_app.fake.called("views.open")[-1].params["view"]
        assert await slack_app.submit("U2", view, {"f.score": "2", "f.comment": SECRET}) == 200
        assert "Thanks, recorded" in block_text(slack_app.fake.dm("U2")[0].blocks)
        await deliver_due(slack_runtime, slack_app.bot.platform, concurrency=2)
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])
        for name in CLAMPED_LOGGERS:
            logging.getLogger(name).setLevel(logging.NOTSET)
    log = stream.getvalue()
    assert "DEBUG" in log  # it was a DEBUG run
    assert SECRET not in log and "release hurt" not in log
    assert "you answered" not in log
    for line in log.splitlines():
        if "U1" in line or "DU1" in line or "U2" in line or "DU2" in line:
            assert '"value": "4"' not in line and "'value': '4'" not in line, line
            assert '"f.score"' not in line and "selected_option" not in line, line
