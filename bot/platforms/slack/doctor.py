"""What `culturebot doctor` asks Slack: auth.test, the token's granted scopes (Slack's
``x-oauth-scopes`` response header) and Slack's clock (its ``Date`` header)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.core.config import Settings
from bot.platforms.slack.delivery import make_client


@dataclass
class SlackAuth:
    """Slack's answer to auth.test: its body, the token's scopes and Slack's clock."""

    data: dict[str, Any]
    scopes: set[str] | None  # None: Slack sent no x-oauth-scopes header
    slack_now: datetime | None


class SlackRefused(Exception):
    """auth.test answered an error (``code``: Slack's, e.g. invalid_auth)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


async def auth_test(settings: Settings) -> SlackAuth:
    """auth.test with the bot token; SlackRefused when Slack says no, the client's own error
    when Slack cannot be reached."""
    client = make_client(settings)
    try:
        response = await client.auth_test()
    except SlackApiError as error:
        raise SlackRefused(str(error.response.get("error") or "an error")) from None
    headers = {k.lower(): v for k, v in (response.headers or {}).items()}
    raw = headers.get("x-oauth-scopes")
    scopes = {s.strip() for s in raw.split(",") if s.strip()} if raw is not None else None
    try:
        slack_now = parsedate_to_datetime(headers["date"]) if "date" in headers else None
    except (TypeError, ValueError):
        slack_now = None
    # auth.test answers JSON, so data is a dict (the client types it dict | bytes)
    return SlackAuth(dict(response.data), scopes, slack_now)  # type: ignore[arg-type]  # see above
