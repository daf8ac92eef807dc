"""What the fake Bot Connector checks in each Adaptive Card, as Teams' clients and the Adaptive
Cards validator would: the schema of the version the card declares, and the validator's rules.

The schema part is a table of the element types, their properties and the version each came
in, taken from the Adaptive Cards schema (adaptivecards.io/schemas, 1.0-1.5). A type or a
property the table does not know is refused: a new element must be added here, with the
version the schema explorer gives it, before culturebot may send it. Enum values are compared
case-insensitively, as the schema's patterns do.

The rules on top of the schema (the SDK's ``validateProperties`` and the accessibility docs):
- ``RequiredInputsShouldHaveLabel``: an input with ``isRequired`` has a non-empty ``label``;
- every card carries ``fallbackText`` (what a client that cannot render it shows);
- readable with images off: every image has ``altText``, every action a ``title``, and the
  card has text of its own, not only pictures;
- input ids are unique within the card (the submission is keyed by them).
"""

from __future__ import annotations

import json
from typing import Any

# Teams: "the bot message size limit ... includes the entire message payload encoded as
# UTF-16"; 28 KB is the limit customers hit in practice (issue 21), under the documented one.
MESSAGE_LIMIT = 28 * 1024


def payload_size(body: Any) -> int:
    """The size Teams counts: the activity's JSON, encoded as UTF-16."""
    return len(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-16-le"))


def _v(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


# property -> version it came in (1.0 unless said); the bases are shared as in the schema
_ELEMENT = {"id": "1.0", "spacing": "1.0", "separator": "1.0", "height": "1.1"}
_ELEMENT |= {"isVisible": "1.2", "requires": "1.2", "fallback": "1.2"}
_INPUT = _ELEMENT | {"label": "1.3", "isRequired": "1.3", "errorMessage": "1.3"}
_ACTION = {"title": "1.0", "id": "1.0", "iconUrl": "1.1", "style": "1.2", "fallback": "1.2"}
_ACTION |= {"requires": "1.2", "tooltip": "1.5", "isEnabled": "1.5", "mode": "1.5"}

# type -> (version the type came in, its properties, required properties)
TYPES: dict[str, tuple[str, dict[str, str], tuple[str, ...]]] = {
    "AdaptiveCard": (
        "1.0",
        {
            "version": "1.0",
            "$schema": "1.0",
            "body": "1.0",
            "actions": "1.0",
            "fallbackText": "1.0",
            "speak": "1.0",
            "lang": "1.0",
            "selectAction": "1.1",
            "verticalContentAlignment": "1.1",
            "backgroundImage": "1.2",
            "minHeight": "1.2",
            "refresh": "1.4",
            "authentication": "1.4",
            "rtl": "1.5",
        },
        ("version",),
    ),
    "TextBlock": (
        "1.0",
        _ELEMENT
        | {
            "text": "1.0",
            "color": "1.0",
            "horizontalAlignment": "1.0",
            "isSubtle": "1.0",
            "maxLines": "1.0",
            "size": "1.0",
            "weight": "1.0",
            "wrap": "1.0",
            "fontType": "1.2",
            "style": "1.5",
        },
        ("text",),
    ),
    "RichTextBlock": (
        "1.2",
        _ELEMENT | {"inlines": "1.2", "horizontalAlignment": "1.2"},
        ("inlines",),
    ),
    "TextRun": (
        "1.2",
        {
            "text": "1.2",
            "color": "1.2",
            "fontType": "1.2",
            "highlight": "1.2",
            "isSubtle": "1.2",
            "italic": "1.2",
            "selectAction": "1.2",
            "size": "1.2",
            "strikethrough": "1.2",
            "weight": "1.2",
            "underline": "1.3",
        },
        ("text",),
    ),
    "Container": (
        "1.0",
        _ELEMENT
        | {
            "items": "1.0",
            "style": "1.0",
            "selectAction": "1.1",
            "verticalContentAlignment": "1.1",
            "bleed": "1.2",
            "backgroundImage": "1.2",
            "minHeight": "1.2",
            "rtl": "1.5",
        },
        ("items",),
    ),
    "Image": (
        "1.0",
        _ELEMENT
        | {
            "url": "1.0",
            "altText": "1.0",
            "horizontalAlignment": "1.0",
            "size": "1.0",
            "style": "1.0",
            "selectAction": "1.1",
            "width": "1.1",
            "backgroundColor": "1.1",
        },
        ("url",),
    ),
    "Input.Text": (
        "1.0",
        _INPUT
        | {
            "isMultiline": "1.0",
            "maxLength": "1.0",
            "placeholder": "1.0",
            "style": "1.0",
            "value": "1.0",
            "inlineAction": "1.2",
            "regex": "1.3",
        },
        ("id",),
    ),
    "Input.ChoiceSet": (
        "1.0",
        _INPUT
        | {
            "choices": "1.0",
            "isMultiSelect": "1.0",
            "style": "1.0",
            "value": "1.0",
            "placeholder": "1.0",
            "wrap": "1.2",
        },
        ("id",),
    ),
    "Input.Toggle": (
        "1.0",
        _INPUT
        | {"title": "1.0", "value": "1.0", "valueOn": "1.0", "valueOff": "1.0", "wrap": "1.2"},
        ("id", "title"),
    ),
    "Input.Choice": ("1.0", {"title": "1.0", "value": "1.0"}, ("title", "value")),
    "Action.Submit": ("1.0", _ACTION | {"data": "1.0", "associatedInputs": "1.3"}, ()),
    "Action.OpenUrl": ("1.0", _ACTION | {"url": "1.0"}, ("url",)),
}

# property -> {allowed value: version it came in}, checked wherever the property appears
ENUMS: dict[tuple[str, str], dict[str, str]] = {
    ("*", "spacing"): dict.fromkeys(
        ("default", "none", "small", "medium", "large", "extralarge", "padding"), "1.0"
    ),
    ("*", "size"): dict.fromkeys(("default", "small", "medium", "large", "extralarge"), "1.0"),
    ("*", "weight"): dict.fromkeys(("default", "lighter", "bolder"), "1.0"),
    ("*", "color"): dict.fromkeys(
        ("default", "dark", "light", "accent", "good", "warning", "attention"), "1.0"
    ),
    ("Container", "style"): {"default": "1.0", "emphasis": "1.0"}
    | dict.fromkeys(("good", "attention", "warning", "accent"), "1.2"),
    ("Input.ChoiceSet", "style"): {"compact": "1.0", "expanded": "1.0", "filtered": "1.5"},
    ("Input.Text", "style"): dict.fromkeys(("text", "tel", "url", "email"), "1.0")
    | {"password": "1.5"},
    ("Action.Submit", "style"): dict.fromkeys(("default", "positive", "destructive"), "1.2"),
}

# where each type's children are, and what they must be
CHILDREN = {
    "AdaptiveCard": {"body": "element", "actions": "action"},
    "Container": {"items": "element"},
    "RichTextBlock": {"inlines": "inline"},
    "Input.ChoiceSet": {"choices": "choice"},
}
KINDS = {
    "element": {
        "TextBlock",
        "RichTextBlock",
        "Container",
        "Image",
        "Input.Text",
        "Input.ChoiceSet",
        "Input.Toggle",
    },
    "action": {"Action.Submit", "Action.OpenUrl"},
    "inline": {"TextRun"},
    "choice": {"Input.Choice"},
}
NEWEST = "1.5"  # the newest schema Teams renders on every client


def problems(card: Any) -> list[str]:
    """Every way ``card`` breaks the schema of its declared version or a validator rule;
    empty when it passes."""
    found: list[str] = []
    if not isinstance(card, dict) or card.get("type") != "AdaptiveCard":
        return ["not an AdaptiveCard"]
    version = card.get("version")
    if not isinstance(version, str) or not version.replace(".", "").isdigit():
        return [f"version {version!r} is not a schema version"]
    if _v(version) > _v(NEWEST):
        found.append(f"version {version} is newer than Teams renders ({NEWEST})")
    if not str(card.get("fallbackText") or "").strip():
        found.append("the card has no fallbackText")
    ids: list[str] = []
    texts: list[str] = []
    _check(card, "AdaptiveCard", "card", _v(version), found, ids, texts)
    if not any(t.strip() for t in texts):
        found.append("the card has no text of its own (unreadable with images off)")
    for repeated in sorted({i for i in ids if ids.count(i) > 1}):
        found.append(f"input id {repeated!r} is used twice")
    return found


def _check(
    node: Any,
    kind: str,
    where: str,
    version: tuple[int, ...],
    found: list[str],
    ids: list[str],
    texts: list[str],
) -> None:
    if not isinstance(node, dict):
        found.append(f"{where}: not an object")
        return
    type_ = node.get("type", "Input.Choice" if kind == "choice" else None)
    if kind != "AdaptiveCard" and type_ not in KINDS[kind]:
        found.append(f"{where}: {type_!r} is not a known {kind} type")
        return
    came, properties, required = TYPES[type_]
    if _v(came) > version:
        found.append(f"{where}: {type_} needs schema {came}")
    for name, value in node.items():
        if name == "type":
            continue
        since = properties.get(name)
        if since is None:
            found.append(f"{where}: {type_} has no property {name!r}")
            continue
        if _v(since) > version:
            found.append(f"{where}: {type_}.{name} needs schema {since}")
        allowed = ENUMS.get((type_, name)) or ENUMS.get(("*", name))
        if allowed is not None and isinstance(value, str):
            value_since = allowed.get(value.lower())
            if value_since is None:
                found.append(f"{where}: {type_}.{name} cannot be {value!r}")
            elif _v(value_since) > version:
                found.append(f"{where}: {type_}.{name} {value!r} needs schema {value_since}")
    for name in required:
        if node.get(name) in (None, ""):
            found.append(f"{where}: {type_} lacks {name!r}")
    _rules(node, type_, where, found, ids, texts)
    for name, child_kind in CHILDREN.get(type_, {}).items():
        children = node.get(name, [])
        if not isinstance(children, list):
            found.append(f"{where}.{name}: not a list")
            continue
        for i, child in enumerate(children):
            _check(child, child_kind, f"{where}.{name}[{i}]", version, found, ids, texts)


def _rules(
    node: dict[str, Any], type_: str, where: str, found: list[str], ids: list[str], texts: list[str]
) -> None:
    """The validator's rules beyond the schema."""
    if type_.startswith("Input.") and type_ != "Input.Choice":
        ids.append(str(node.get("id")))
        label = str(node.get("label") or "").strip()
        if node.get("isRequired") and not label:
            found.append(f"{where}: RequiredInputsShouldHaveLabel ({type_} {node.get('id')!r})")
        texts.append(label)
    if type_ in ("TextBlock", "TextRun"):
        texts.append(str(node.get("text") or ""))
    if type_ == "Image" and not str(node.get("altText") or "").strip():
        found.append(f"{where}: an Image without altText is unreadable with images off")
    if type_.startswith("Action."):
        title = str(node.get("title") or "").strip()
        if not title:
            found.append(f"{where}: {type_} without a title")
        texts.append(title)
