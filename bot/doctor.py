"""`culturebot doctor`: what an admin checks after installing, one line per check.

Each check is a small function in ``CHECKS``: it takes the ``Probe`` (the settings, and what
was fetched once, such as Slack's auth.test answer) and returns its findings. Adding a check
is adding a function to the list. A failure makes the command exit non-zero; a warning does
not.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import prompts
from bot.config import Settings

if TYPE_CHECKING:
    from bot.platforms.slack_doctor import SlackAuth

Level = Literal["ok", "warn", "fail", "skip"]
SIGNING_SECRET = re.compile(r"[0-9a-f]{32}")
SKEW_FAIL = 300.0  # Slack refuses a request signed more than 5 minutes off its clock
SKEW_WARN = 30.0


@dataclass(frozen=True)
class Finding:
    level: Level
    text: str

    def line(self) -> str:
        return f"{'FAIL' if self.level == 'fail' else self.level:<4} {self.text}"


def _say(level: Level, key: str, **values: object) -> Finding:
    return Finding(level, prompts.text(f"doctor.{key}", **values))


class Probe:
    """The settings, and what the checks fetch once and share (Slack's auth.test)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._slack: SlackAuth | Finding | None = None

    async def slack(self) -> SlackAuth | Finding:
        """auth.test's answer, or the failing finding when Slack cannot be asked."""
        if self._slack is None:
            self._slack = await self._ask_slack()
        return self._slack

    async def _ask_slack(self) -> SlackAuth | Finding:
        from bot.platforms.slack_doctor import SlackRefused, auth_test

        try:
            return await auth_test(self.settings)
        except SlackRefused as error:
            return _say("fail", "slack_refused", error=error.code)
        except Exception as error:  # unreachable, TLS, a timeout: said in one line
            url = self.settings.slack_api_url
            return _say("fail", "slack_unreachable", url=url, error=type(error).__name__)


Check = Callable[[Probe], Awaitable[list[Finding]]]


async def slack_token(probe: Probe) -> list[Finding]:
    token = probe.settings.slack_bot_token
    if not token:
        return [_say("skip", "slack_off")]
    if not token.startswith("xoxb-"):
        return [_say("fail", "slack_not_bot_token")]
    auth = await probe.slack()
    if isinstance(auth, Finding):
        return [auth]
    return [_say("ok", "slack_ok", user=auth.data.get("user"), team=auth.data.get("team"))]


async def slack_scopes(probe: Probe) -> list[Finding]:
    """The token's scopes (Slack's x-oauth-scopes header) against what the code needs (the
    manifest's scopes, which a test keeps equal to the methods the code calls)."""
    from bot.platforms.slack_manifest import SCOPES

    token = probe.settings.slack_bot_token
    if not token or not token.startswith("xoxb-"):
        return []
    auth = await probe.slack()
    if isinstance(auth, Finding):
        return []  # said once, by slack_token
    if auth.scopes is None:
        return [_say("fail", "scopes_unknown")]
    missing = [scope for scope in SCOPES if scope not in auth.scopes]
    if missing:
        return [_say("fail", "scopes_missing", missing=", ".join(missing))]
    return [_say("ok", "scopes_ok", count=len(SCOPES))]


async def slack_secrets(probe: Probe) -> list[Finding]:
    """The signing secret's format (HTTP mode needs it) and the app token's (Socket Mode)."""
    settings = probe.settings
    if not settings.slack_bot_token:
        return []
    found = []
    app_token = settings.slack_app_token
    if app_token and not app_token.startswith("xapp-"):
        found.append(_say("fail", "app_token_bad"))
    secret = settings.slack_signing_secret
    if secret:
        ok = SIGNING_SECRET.fullmatch(secret) is not None
        found.append(_say("ok", "secret_ok") if ok else _say("fail", "secret_bad"))
    else:
        found.append(
            _say("skip", "secret_not_needed") if app_token else _say("fail", "secret_missing")
        )
    return found


async def database(probe: Probe) -> list[Finding]:
    """The database opens and upgrades to the newest schema (as every command does)."""
    import asyncio

    from storage.db import open_database
    from storage.errors import describe

    url = probe.settings.database_url
    try:
        db = await asyncio.to_thread(
            open_database, url, busy_timeout=probe.settings.db_busy_timeout
        )
    except Exception as error:
        reason = describe(error, url) or f"{type(error).__name__}: {str(error).splitlines()[0]}"
        return [_say("fail", "database_bad", reason=reason)]
    dialect = db.engine.dialect.name
    db.dispose()
    return [_say("ok", "database_ok", dialect=dialect)]


async def clock(probe: Probe) -> list[Finding]:
    """The default time zone is one this machine knows, and (with Slack) the clock agrees
    with Slack's: request signatures are refused more than 5 minutes off."""
    zone = probe.settings.default_timezone
    now = datetime.now(UTC)
    try:
        local = now.astimezone(ZoneInfo(zone))
    except (ZoneInfoNotFoundError, ValueError):
        return [_say("fail", "zone_bad", zone=zone)]
    found = [
        _say(
            "ok",
            "zone_ok",
            now=now.strftime("%Y-%m-%d %H:%M"),
            zone=zone,
            local=local.strftime("%H:%M %Z"),
        )
    ]
    token = probe.settings.slack_bot_token
    if token and token.startswith("xoxb-"):
        auth = await probe.slack()
        if not isinstance(auth, Finding) and auth.slack_now is not None:
            skew = abs((now - auth.slack_now).total_seconds())
            if skew > SKEW_FAIL:
                found.append(_say("fail", "skew_bad", skew=round(skew)))
            elif skew > SKEW_WARN:
                found.append(_say("warn", "skew_warn", skew=round(skew)))
    return found


AADSTS = re.compile(r"AADSTS(\d+)")
# Azure AD's answers an admin can act on: AADSTS code -> what to say (prompts/doctor.yaml)
AADSTS_SAYS = {
    "7000215": "teams_wrong_secret",
    "7000222": "teams_secret_expired",
    "700016": "teams_wrong_app",
    "90002": "teams_wrong_tenant",
    "900023": "teams_wrong_tenant",
}


async def teams_token(probe: Probe) -> list[Finding]:
    """The Teams credentials fetch the bot's own token, as a send does (bot/platforms/teams.py):
    off the loop, within ``CULTUREBOT_TEAMS_KEY_TIMEOUT`` seconds."""
    from bot.platforms.teams import own_token

    settings = probe.settings
    if settings.teams_emulator:
        return [_say("skip", "teams_emulator")]
    if not settings.teams_app_id:
        return [_say("skip", "teams_off")]
    if not settings.teams_app_password:
        return [_say("fail", "teams_no_password")]
    login = settings.teams_login_url or "https://login.microsoftonline.com"
    try:
        authority = await own_token(settings)
    except TimeoutError:
        return [_say("fail", "teams_timeout", url=login, seconds=settings.teams_key_timeout)]
    except (PermissionError, ValueError) as error:  # Azure AD's answer, through MSAL
        said = AADSTS.search(f"{error} {error.__context__}")  # MSAL re-raises discovery's
        key = AADSTS_SAYS.get(said.group(1), "") if said else ""
        if key:
            return [_say("fail", key, tenant=settings.teams_tenant_id or "botframework.com")]
        if isinstance(error, PermissionError):
            return [_say("fail", "teams_refused", reason=str(error).splitlines()[0][:300])]
        return [_say("fail", "teams_not_entra", url=login)]
    except OSError as error:  # refused, reset, TLS, DNS (requests' errors are OSErrors)
        return [_say("fail", "teams_unreachable", url=login, error=type(error).__name__)]
    return [_say("ok", "teams_ok", app=settings.teams_app_id, authority=authority)]


async def dashboard_key(probe: Probe) -> list[Finding]:
    """What weakens the dashboard's signing key (the same words the server logs at start-up)."""
    from handlers.dashboard.access import key_warnings

    found = [_say("warn", "dashboard_warn", warning=w) for w in key_warnings(probe.settings)]
    return found or [_say("ok", "dashboard_ok")]


CHECKS: list[Check] = [
    slack_token,
    slack_scopes,
    slack_secrets,
    teams_token,
    database,
    clock,
    dashboard_key,
]


async def run(settings: Settings, checks: list[Check] | None = None) -> list[Finding]:
    """Every check's findings, in order."""
    probe = Probe(settings)
    findings: list[Finding] = []
    for check in CHECKS if checks is None else checks:
        findings.extend(await check(probe))
    return findings
