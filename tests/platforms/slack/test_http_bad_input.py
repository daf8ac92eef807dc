"""Requests Slack did not sign, or signed long ago, or that make no sense: refused, and nothing
changes (no database row, no call to Slack, no traceback in the answer)."""

from __future__ import annotations

import json
import time

import pytest
from sqlmodel import func, select

from storage.models import Outbox, ProcessedEvent, PulseAnswerPending
from tests.fakes.slack_api import sign
from tests.platforms.slack.test_http_pulse import ORG
from tests.support import import_org

HELP_EVENT = json.dumps(
    {
        "type": "event_callback",
        "team_id": "T0FAKE",
        "event_id": "EvBad",
        "event": {
            "type": "message",
            "channel": "DU1",
            "channel_type": "im",
            "user": "U1",
            "text": "help",
        },
    }
)


def snapshot(runtime) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    with runtime.db.session() as session:
        return tuple(
            session.exec(select(func.count()).select_from(model)).one()
            for model in (ProcessedEvent, PulseAnswerPending, Outbox)
        )


@pytest.mark.parametrize(
    "case",
    ["unsigned", "forged", "wrong_secret", "stale", "future"],
)
async def test_unsigned_forged_or_stale_requests_get_401_and_change_nothing(
    slack_app, slack_runtime, case
) -> None:
    import_org(slack_runtime, ORG)
    before = snapshot(slack_runtime)
    headers: dict[str, str] = {}
    signed = True
    timestamp = None
    if case == "unsigned":
        signed = False
    elif case == "forged":
        signed = False
        headers = {
            "X-Slack-Request-Timestamp": str(int(time.time())),
            "X-Slack-Signature": "v0=" + "0" * 64,
        }
    elif case == "wrong_secret":
        signed = False
        headers = sign("not-the-secret", HELP_EVENT)
    elif case == "stale":
        timestamp = int(time.time()) - 6 * 60
    else:
        timestamp = int(time.time()) + 6 * 60
    status, body = await slack_app.post(
        HELP_EVENT, headers=headers, signed=signed, timestamp=timestamp
    )
    await slack_app.bot.idle()
    assert status == 401
    assert "Traceback" not in body
    assert snapshot(slack_runtime) == before
    assert slack_app.fake.calls == []


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("{not json", "application/json"),
        ("payload=%7Bbroken", "application/x-www-form-urlencoded"),
        ("[1, 2, 3]", "application/json"),
        ("", "application/json"),
        (json.dumps({"type": "no_such_payload_type"}), "application/json"),
        ("payload=" + json.dumps({"type": "block_actions"}), "application/x-www-form-urlencoded"),
    ],
)
async def test_malformed_or_unknown_payloads_get_4xx_without_traceback(
    slack_app, slack_runtime, body, content_type
) -> None:
    import_org(slack_runtime, ORG)
    before = snapshot(slack_runtime)
    status, text = await slack_app.post(body, content_type=content_type)
    await slack_app.bot.idle()
    assert 400 <= status < 500
    assert "Traceback" not in text
    assert snapshot(slack_runtime) == before
    assert [c.method for c in slack_app.fake.calls if c.method != "auth.test"] == []


async def test_url_verification_challenge_is_answered(slack_app) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "abc123", "token": "legacy"})
    status, text = await slack_app.post(body)
    assert status == 200 and "abc123" in text


async def test_user_text_is_escaped_and_oversized_text_gets_a_clear_message(
    slack_app, slack_runtime
) -> None:
    import_org(slack_runtime, ORG)
    assert await slack_app.dm("U1", "<!channel>&<@U2>", event_id="EvEsc") == 200
    [reply] = slack_app.fake.called("chat.postMessage")
    shown = json.dumps(reply.params["blocks"])
    assert "&lt;!channel&gt;&amp;&lt;@u2&gt;" in shown
    assert "<!channel>" not in shown and "<@u2>" not in shown

    assert await slack_app.dm("U1", "x" * 6000, event_id="EvLong") == 200
    reply = slack_app.fake.called("chat.postMessage")[-1]
    assert "6000 characters long; the limit is 5000" in json.dumps(reply.params["blocks"])
