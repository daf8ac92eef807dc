"""The Slack app manifest: exactly the scopes, commands, events and interactivity the bot uses.

A workspace admin pastes it at api.slack.com/apps ("Create New App" -> "From a manifest").
Socket Mode needs no public URL; HTTP mode points everything at ``/slack/events``.
"""

from __future__ import annotations

from typing import Any

import yaml

from bot.platforms.slack import EVENTS_PATH

COMMANDS = {
    "/pulse": ("Pulse check-ins: help, team (start one for your team), report", "[team|report]"),
    "/story": ("Share a customer story or idea", "[what happened]"),
    "/cascade": ("Leadership messages down the management chain", "[message]"),
}
# chat.postMessage/update/postEphemeral; slash commands; users.list with emails; DMs and
# mentions as events. views.open/views.publish need no scope.
SCOPES = [
    "chat:write",
    "commands",
    "users:read",
    "users:read.email",
    "im:history",
    "app_mentions:read",
]
EVENTS = ["app_home_opened", "app_mention", "message.im"]


def manifest(*, mode: str = "socket", url: str | None = None, name: str = "culturebot") -> dict:  # type: ignore[type-arg]
    """The manifest for ``mode`` "socket" or "http" (then ``url`` is the bot's public base URL)."""
    if mode not in ("socket", "http"):
        raise ValueError("mode is socket or http")
    if mode == "http" and not (url and url.startswith("https://")):
        raise ValueError("HTTP mode needs the bot's public https:// base URL")
    endpoint = f"{url.rstrip('/')}{EVENTS_PATH}" if mode == "http" and url else None

    def with_url(entry: dict[str, Any]) -> dict[str, Any]:
        return {**entry, "request_url": endpoint} if endpoint else entry

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
            "bot_user": {"display_name": name, "always_online": True},
            "slash_commands": [
                with_url(
                    {
                        "command": command,
                        "description": description,
                        "usage_hint": hint,
                        "should_escape": False,
                    }
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
