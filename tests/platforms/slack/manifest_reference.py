"""The fields of Slack's app manifest that culturebot may use, as Slack's reference names
them (https://docs.slack.dev/reference/app-manifest; the same schema is typed in Slack's
own SDK, @slack/web-api ``types/request/manifest.ts``). Each field maps to its rule: a type,
a nested group, or a list of groups. Only the parts of the schema culturebot could emit are
here; anything the manifest holds that is not here is a field Slack does not know.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Str:
    max: int | None = None
    pattern: str | None = None
    https: bool = False


@dataclass(frozen=True)
class Bool:
    pass


@dataclass(frozen=True)
class StrList:
    allowed: frozenset[str] | None = None
    max_items: int | None = None


@dataclass(frozen=True)
class Group:
    fields: dict[str, Any]
    required: frozenset[str] = frozenset()


@dataclass(frozen=True)
class GroupList:
    item: Group
    max_items: int


EVENT_TYPES = frozenset(
    {
        "app_home_opened",
        "app_mention",
        "message.im",
        "team_join",
        "user_change",
        "app_uninstalled",
        "tokens_revoked",
        "message.channels",
        "message.groups",
        "message.mpim",
    }
)
BOT_SCOPES = frozenset(
    {
        "app_mentions:read",
        "chat:write",
        "chat:write.public",
        "commands",
        "im:history",
        "im:read",
        "im:write",
        "users:read",
        "users:read.email",
        "team:read",
        "channels:read",
    }
)

MANIFEST = Group(
    required=frozenset({"display_information"}),
    fields={
        "_metadata": Group({"major_version": int, "minor_version": int}),
        "display_information": Group(
            required=frozenset({"name"}),
            fields={
                "name": Str(max=35),
                "description": Str(max=140),
                "long_description": Str(max=4000),
                "background_color": Str(pattern=r"#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})"),
            },
        ),
        "features": Group(
            {
                "app_home": Group(
                    {
                        "home_tab_enabled": Bool(),
                        "messages_tab_enabled": Bool(),
                        "messages_tab_read_only_enabled": Bool(),
                    }
                ),
                "bot_user": Group(
                    required=frozenset({"display_name"}),
                    fields={
                        "display_name": Str(max=80, pattern=r"[a-z0-9._-]+"),
                        "always_online": Bool(),
                    },
                ),
                "slash_commands": GroupList(
                    Group(
                        required=frozenset({"command", "description"}),
                        fields={
                            "command": Str(max=32, pattern=r"/[a-z0-9_-]+"),
                            "description": Str(max=2000),
                            "should_escape": Bool(),
                            "url": Str(https=True),
                            "usage_hint": Str(max=1000),
                        },
                    ),
                    max_items=50,
                ),
                "unfurl_domains": StrList(max_items=5),
            }
        ),
        "oauth_config": Group(
            {
                "redirect_urls": StrList(max_items=1000),
                "scopes": Group(
                    {"bot": StrList(BOT_SCOPES, max_items=255), "user": StrList(max_items=255)}
                ),
                "token_management_enabled": Bool(),
            }
        ),
        "settings": Group(
            {
                "allowed_ip_address_ranges": StrList(max_items=50),
                "event_subscriptions": Group(
                    {
                        "request_url": Str(https=True),
                        "bot_events": StrList(EVENT_TYPES, max_items=100),
                        "user_events": StrList(EVENT_TYPES, max_items=100),
                    }
                ),
                "incoming_webhooks": Group({"incoming_webhooks_enabled": Bool()}),
                "interactivity": Group(
                    required=frozenset({"is_enabled"}),
                    fields={
                        "is_enabled": Bool(),
                        "request_url": Str(https=True),
                        "message_menu_options_url": Str(https=True),
                    },
                ),
                "org_deploy_enabled": Bool(),
                "socket_mode_enabled": Bool(),
                "token_rotation_enabled": Bool(),
            }
        ),
    },
)


def problems(value: Any, rule: Any = MANIFEST, where: str = "") -> list[str]:
    """Every way ``value`` breaks the reference, as "path: problem" lines (none when valid)."""
    found: list[str] = []
    if isinstance(rule, Group):
        if not isinstance(value, dict):
            return [f"{where or '/'}: expected a group of fields"]
        for key in value:
            if key not in rule.fields:
                found.append(f"{where}.{key}: not a field Slack's manifest reference knows")
        for key in rule.required - set(value):
            found.append(f"{where}.{key}: required")
        for key, item in value.items():
            if key in rule.fields:
                found += problems(item, rule.fields[key], f"{where}.{key}")
    elif isinstance(rule, GroupList):
        if not isinstance(value, list) or len(value) > rule.max_items:
            return [f"{where}: expected a list of at most {rule.max_items}"]
        for i, item in enumerate(value):
            found += problems(item, rule.item, f"{where}[{i}]")
    elif isinstance(rule, StrList):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return [f"{where}: expected a list of strings"]
        if rule.max_items is not None and len(value) > rule.max_items:
            found.append(f"{where}: more than {rule.max_items}")
        if rule.allowed is not None:
            found += [f"{where}: unknown value {v!r}" for v in value if v not in rule.allowed]
    elif isinstance(rule, Str):
        if not isinstance(value, str) or not value:
            return [f"{where}: expected a non-empty string"]
        if rule.max is not None and len(value) > rule.max:
            found.append(f"{where}: longer than {rule.max}")
        if rule.pattern and not re.fullmatch(rule.pattern, value):
            found.append(f"{where}: {value!r} does not match {rule.pattern}")
        if rule.https and not value.startswith("https://"):
            found.append(f"{where}: must be an https:// URL")
    elif isinstance(rule, Bool):
        if not isinstance(value, bool):
            found.append(f"{where}: expected true or false")
    elif rule is int and (not isinstance(value, int) or isinstance(value, bool)):
        found.append(f"{where}: expected a whole number")
    return found
