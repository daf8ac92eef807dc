"""The Slack app manifest: exactly the scopes, commands, events and interactivity the bot uses.

A workspace admin pastes it at api.slack.com/apps ("Create New App" -> "From a manifest").
Socket Mode needs no public URL; HTTP mode points everything at ``/slack/events``.

Field names and limits follow Slack's app manifest reference
(https://docs.slack.dev/reference/app-manifest): a slash command's endpoint is ``url``, while
``event_subscriptions`` and ``interactivity`` call theirs ``request_url``; the app's name is 1
to 35 characters, the bot user's display name at most 80 of ``a-z 0-9 - _ .``.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from bot.platforms.slack.app import EVENTS_PATH

COMMANDS = {
    "/pulse": (
        "Pulse check-ins and your open work: help, home (what waits for you), pending (your "
        "open items), relay (pass a leadership message on to your team), team (start a "
        "check-in for your team), report, dashboard, language (the one I speak with you)",
        "[home|pending|relay|team|report|dashboard|language]",
    ),
    "/story": ("Share a customer story or idea", "[what happened]"),
    "/cascade": ("Leadership messages down the management chain", "[message]"),
}
# Exactly what the code uses (a test derives it from the Web API methods the code calls, the
# events below and the slash commands; `culturebot doctor` checks an installed token has it):
# chat:write for chat.postMessage/update/postEphemeral; commands for the slash commands;
# users:read and users:read.email for users.list with emails (and team_join, user_change);
# im:write for conversations.open and im:history for conversations.history (a message in
# doubt is looked for in the DM) and the message.im event; app_mentions:read for app_mention.
# views.open, views.publish and auth.test need no scope.
SCOPES = [
    "chat:write",
    "commands",
    "users:read",
    "users:read.email",
    "im:write",
    "im:history",
    "app_mentions:read",
]
# team_join and user_change link new and changed people by email at once (users:read and
# users:read.email cover them)
EVENTS = ["app_home_opened", "app_mention", "message.im", "team_join", "user_change"]
NAME_MAX = 35
DISPLAY_NAME_MAX = 80
_NOT_ALLOWED = re.compile(r"[^a-z0-9._-]+")


def display_name(name: str) -> str:
    """The bot user's display name for an app called ``name``: lower case, a run of anything
    Slack does not allow becomes one "-" ("Culture Bot" -> "culture-bot")."""
    shown = _NOT_ALLOWED.sub("-", name.strip().lower()).strip("-")
    return shown[:DISPLAY_NAME_MAX].rstrip("-")


def check_name(name: str) -> str:
    """The app's name, stripped, or ValueError with Slack's rule."""
    name = name.strip()
    if not 1 <= len(name) <= NAME_MAX:
        raise ValueError(
            f"the app name must be 1 to {NAME_MAX} characters (Slack's limit); "
            f"{name[:40]!r} has {len(name)}"
        )
    if not display_name(name):
        raise ValueError(
            "the app name must contain a letter or digit: the bot user's display name is made "
            "from it, and Slack allows only a-z, 0-9, '-', '_' and '.' there"
        )
    return name


def manifest(*, mode: str = "socket", url: str | None = None, name: str = "culturebot") -> dict:
    """The manifest for ``mode`` "socket" or "http" (then ``url`` is the bot's public base URL)."""
    if mode not in ("socket", "http"):
        raise ValueError("mode is socket or http")
    if mode == "http" and not (url and url.startswith("https://")):
        raise ValueError("HTTP mode needs the bot's public https:// base URL")
    name = check_name(name)
    endpoint = f"{url.rstrip('/')}{EVENTS_PATH}" if mode == "http" and url else None

    def with_url(entry: dict[str, Any], key: str = "request_url") -> dict[str, Any]:
        return {**entry, key: endpoint} if endpoint else entry

    return {
        "display_information": {
            "name": name,
            "description": "Pulse check-ins, customer stories and leadership messages.",
            "background_color": "#2c5f2d",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": display_name(name), "always_online": True},
            "slash_commands": [
                with_url(
                    {
                        "command": command,
                        "description": description,
                        "usage_hint": hint,
                        "should_escape": False,
                    },
                    key="url",
                )
                for command, (description, hint) in COMMANDS.items()
            ],
        },
        "oauth_config": {"scopes": {"bot": SCOPES}},
        "settings": {
            "event_subscriptions": with_url({"bot_events": EVENTS}),
            "interactivity": with_url({"is_enabled": True}),
            "org_deploy_enabled": False,
            "socket_mode_enabled": mode == "socket",
            "token_rotation_enabled": False,
        },
    }


def manifest_yaml(**options: Any) -> str:
    return yaml.safe_dump(manifest(**options), sort_keys=False, allow_unicode=True)
