"""The manifest asks for exactly the scopes the code needs, and the fake Slack refuses what an
installed token does not hold, as Slack does.

The methods the code calls are read from the code itself (every ``AsyncWebClient`` method
called anywhere under bot/), so a new call whose scope the manifest forgets fails here.
"""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.platforms.slack import manifest as slack_manifest
from tests.fakes.slack_api import (
    EVENT_SCOPES,
    FIELD_SCOPES,
    METHOD_SCOPES,
    SLASH_COMMAND_SCOPE,
    FakeSlack,
    manifest_scopes,
)

ROOT = Path(__file__).resolve().parents[3]


def profile_fields_read() -> set[str]:
    """The Slack profile fields the code reads (``profile.get("email")``)."""
    fields = set()
    for path in (ROOT / "bot" / "platforms" / "slack").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "get"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "profile"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                fields.add(f"profile.{node.args[0].value}")
    return fields


def web_api_methods_called() -> set[str]:
    """The Web API methods (``chat.postMessage``) of every AsyncWebClient method the code under
    bot/ calls (``client.chat_postMessage(...)``), read from slack_sdk's own source."""
    names: set[str] = set()
    for path in (ROOT / "bot").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                names.add(node.func.attr)
    methods = set()
    for name in names:
        function = getattr(AsyncWebClient, name, None)
        if function is None or not callable(function) or name.startswith("_"):
            continue
        try:
            source = inspect.getsource(function)
        except (OSError, TypeError):
            continue
        found = re.search(r'api_call\(\s*"([a-zA-Z.]+)"', source)
        if found:
            methods.add(found.group(1))
    return methods


def test_the_code_calls_the_methods_we_expect_and_the_fake_knows_each() -> None:
    called = web_api_methods_called()
    # a sanity floor, so a broken scan cannot pass by finding nothing
    assert {"chat.postMessage", "conversations.open", "conversations.history"} <= called
    assert called <= set(METHOD_SCOPES), f"no scope known for {called - set(METHOD_SCOPES)}"


def test_the_manifest_asks_for_exactly_the_scopes_the_code_needs() -> None:
    data = slack_manifest.manifest()
    events = data["settings"]["event_subscriptions"]["bot_events"]
    needed = {METHOD_SCOPES[m] for m in web_api_methods_called()}
    needed |= {EVENT_SCOPES[e] for e in events}
    needed |= {FIELD_SCOPES[f] for f in profile_fields_read() if f in FIELD_SCOPES}
    if data["features"]["slash_commands"]:
        needed.add(SLASH_COMMAND_SCOPE)
    needed.discard(None)
    needed.discard("connections:write")  # Socket Mode's app-level token, not the bot's
    assert sorted(data["oauth_config"]["scopes"]["bot"]) == sorted(needed)
    assert manifest_scopes() == slack_manifest.SCOPES  # what the fake installs by default


async def test_a_token_without_a_scope_gets_missing_scope_as_from_slack() -> None:
    granted = [s for s in manifest_scopes() if s != "im:write"]
    fake = FakeSlack(scopes=granted)
    await fake.start()
    client = AsyncWebClient(token="xoxb-test", base_url=fake.api_url)
    try:
        allowed = await client.auth_test()
        assert set(allowed.headers["x-oauth-scopes"].split(",")) == set(granted)
        refusals = []
        for users in ("UANN", "UANN,UBOB"):  # a DM, then a group DM
            try:
                await client.conversations_open(users=users)
            except SlackApiError as error:
                refusals.append(error.response.data)
        assert refusals == [
            {
                "ok": False,
                "error": "missing_scope",
                "needed": needed,
                "provided": ",".join(granted),
            }
            for needed in ("im:write", "mpim:write")
        ]
        assert fake.dm("UANN") == []
    finally:
        await fake.stop()


async def test_a_send_slack_refuses_for_a_scope_names_the_scope(slack_settings) -> None:
    """An installation without chat:write: the row is given up on (retrying cannot grant a
    scope) with a reason that names the scope and the command that checks them all."""
    from bot.core.chat import text_message
    from bot.delivery.worker import Address, DeliveryError
    from bot.platforms.slack.delivery import SlackPlatform

    fake = FakeSlack(scopes=[s for s in manifest_scopes() if s != "chat:write"])
    await fake.start()
    platform = SlackPlatform(slack_settings.model_copy(update={"slack_api_url": fake.api_url}))
    try:
        await platform.send(Address(person_id=1, external_id="UANN"), text_message("hi"))
        raise AssertionError("sent without chat:write")
    except DeliveryError as error:
        assert error.permanent
        assert str(error) == "Slack: missing_scope chat:write (see `culturebot doctor`)"
    finally:
        await platform.close()
        await fake.stop()
    assert fake.dm("UANN") == []
