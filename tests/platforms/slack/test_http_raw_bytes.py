"""The Slack signature is checked on the raw bytes before anything reads them: a body that is
not UTF-8, or that names a charset nobody knows, gets 401 unsigned and 400 signed; never a
500 with a traceback."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest

from tests.platforms.slack.conftest import SECRET

NOT_UTF8 = b'{"type": "url_verification", "challenge": "\xff\xfe\xc3("}'
CHALLENGE = json.dumps({"type": "url_verification", "challenge": "abc123"}).encode()


def signature(raw: bytes, secret: str = SECRET) -> dict[str, str]:
    """Slack's headers for these exact bytes."""
    ts = str(int(time.time()))
    digest = hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + raw, hashlib.sha256)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest.hexdigest()}"}


async def post(
    slack_app, raw: bytes, content_type: str, headers: dict[str, str]
) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    sent = {"Content-Type": content_type, **headers}
    async with slack_app.client.post("/slack/events", data=raw, headers=sent) as response:
        return response.status, (await response.read()).decode(errors="replace")


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [
        (NOT_UTF8, "application/json"),
        (NOT_UTF8, "application/json; charset=utf-8"),
        (CHALLENGE, "application/json; charset=x-no-such-charset"),
        (b"payload=%FF%FE", "application/x-www-form-urlencoded; charset=klingon"),
        ("payload=é".encode("latin-1"), "application/x-www-form-urlencoded"),
    ],
)
async def test_unsigned_odd_bytes_get_401_before_anything_reads_them(
    slack_app, raw: bytes, content_type: str
) -> None:
    forged = {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=00"}
    for headers in ({}, forged, signature(raw, "not-the-secret")):
        status, text = await post(slack_app, raw, content_type, headers)
        assert status == 401, (status, text)
        assert "Traceback" not in text


async def test_signed_bytes_that_are_not_utf8_get_400(slack_app) -> None:  # type: ignore[no-untyped-def]
    status, text = await post(slack_app, NOT_UTF8, "application/json", signature(NOT_UTF8))
    assert status == 400 and "Traceback" not in text


async def test_a_signed_request_is_read_as_utf8_whatever_charset_it_claims(slack_app) -> None:  # type: ignore[no-untyped-def]
    content_type = "application/json; charset=x-no-such-charset"
    status, text = await post(slack_app, CHALLENGE, content_type, signature(CHALLENGE))
    assert status == 200 and "abc123" in text


async def test_a_signature_header_with_odd_characters_gets_401(slack_app) -> None:  # type: ignore[no-untyped-def]
    headers = signature(CHALLENGE)
    headers["X-Slack-Signature"] = "v0=é" + headers["X-Slack-Signature"][4:]
    status, _ = await post(slack_app, CHALLENGE, "application/json", headers)
    assert status == 401
    headers = signature(CHALLENGE)
    headers["X-Slack-Request-Timestamp"] = "١٢٣٤"  # digits int() takes, but not ASCII
    status, _ = await post(slack_app, CHALLENGE, "application/json", headers)
    assert status == 401
