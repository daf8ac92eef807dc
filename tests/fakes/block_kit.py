"""Block Kit's documented limits, checked as Slack checks them (docs.slack.dev/reference/block-kit).

The fake Slack runs every message and view it is sent through ``message_errors`` or
``view_errors`` and refuses what Slack would refuse: a message with ``invalid_blocks``, a view
with ``invalid_arguments``, each naming the place with a JSON pointer as Slack does
("must be less than 3001 characters [json-pointer:/blocks/0/text/text]").
"""

from __future__ import annotations

from typing import Any

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100  # a modal or the Home tab
SECTION_TEXT = 3000
SECTION_FIELD = 2000
SECTION_FIELDS = 10
HEADER_TEXT = 150
CONTEXT_ELEMENTS = 10
TEXT_OBJECT = 3000  # any other text object (a context element, say)
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
ACTION_ID = 255
BLOCK_ID = 255
ACTIONS_ELEMENTS = 25
OPTIONS = 100
RADIO_OPTIONS = 10
OPTION_TEXT = 75
OPTION_VALUE = 150
PLACEHOLDER = 150
INPUT_LABEL = 2000
INPUT_TEXT = 3000  # plain_text_input max_length and initial_value
VIEW_TITLE = 24  # a modal's title, submit and close labels
PRIVATE_METADATA = 3000
CALLBACK_ID = 255


class _Check:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def fail(self, message: str, pointer: str) -> None:
        self.errors.append(f"{message} [json-pointer:{pointer}]")

    def most(self, value: Any, limit: int, pointer: str, what: str = "characters") -> None:
        if value is not None and len(value) > limit:
            self.fail(f"must be less than {limit + 1} {what}", pointer)

    def text(self, node: Any, limit: int, pointer: str, plain: bool = False) -> None:
        if not isinstance(node, dict) or not isinstance(node.get("text"), str):
            self.fail("must provide an object", pointer)
            return
        if plain and node.get("type") != "plain_text":
            self.fail("must be a plain_text object", pointer + "/type")
        if not node["text"]:
            self.fail("must be more than 0 characters", pointer + "/text")
        self.most(node["text"], limit, pointer + "/text")

    def element(self, element: Any, pointer: str) -> None:
        if not isinstance(element, dict):
            self.fail("must provide an object", pointer)
            return
        self.most(element.get("action_id"), ACTION_ID, pointer + "/action_id")
        kind = element.get("type")
        if kind == "button":
            self.text(element.get("text"), BUTTON_TEXT, pointer + "/text", plain=True)
            self.most(element.get("value"), BUTTON_VALUE, pointer + "/value")
        elif kind in ("static_select", "radio_buttons", "checkboxes", "overflow"):
            options = element.get("options") or []
            limit = RADIO_OPTIONS if kind == "radio_buttons" else OPTIONS
            self.most(options, limit, pointer + "/options", "items")
            for i, option in enumerate(options):
                at = f"{pointer}/options/{i}"
                self.text(option.get("text"), OPTION_TEXT, at + "/text")
                self.most(option.get("value"), OPTION_VALUE, at + "/value")
        elif kind == "plain_text_input":
            self.most(element.get("initial_value"), INPUT_TEXT, pointer + "/initial_value")
            if "placeholder" in element:
                self.text(element["placeholder"], PLACEHOLDER, pointer + "/placeholder", True)
            maximum = element.get("max_length")
            if maximum is not None and not 1 <= maximum <= INPUT_TEXT:
                self.fail(f"must be between 1 and {INPUT_TEXT}", pointer + "/max_length")

    def block(self, block: Any, pointer: str) -> None:
        if not isinstance(block, dict):
            self.fail("must provide an object", pointer)
            return
        self.most(block.get("block_id"), BLOCK_ID, pointer + "/block_id")
        kind = block.get("type")
        if kind == "section":
            if "text" in block:
                self.text(block["text"], SECTION_TEXT, pointer + "/text")
            fields = block.get("fields") or []
            self.most(fields, SECTION_FIELDS, pointer + "/fields", "items")
            for i, field in enumerate(fields):
                self.text(field, SECTION_FIELD, f"{pointer}/fields/{i}")
            if "text" not in block and not fields:
                self.fail("must provide text or fields", pointer)
            if "accessory" in block:
                self.element(block["accessory"], pointer + "/accessory")
        elif kind == "header":
            self.text(block.get("text"), HEADER_TEXT, pointer + "/text", plain=True)
        elif kind == "context":
            elements = block.get("elements") or []
            self.most(elements, CONTEXT_ELEMENTS, pointer + "/elements", "items")
            for i, element in enumerate(elements):
                if isinstance(element, dict) and element.get("type") in ("mrkdwn", "plain_text"):
                    self.text(element, TEXT_OBJECT, f"{pointer}/elements/{i}")
        elif kind == "actions":
            elements = block.get("elements") or []
            self.most(elements, ACTIONS_ELEMENTS, pointer + "/elements", "items")
            for i, element in enumerate(elements):
                self.element(element, f"{pointer}/elements/{i}")
        elif kind == "input":
            self.text(block.get("label"), INPUT_LABEL, pointer + "/label", plain=True)
            self.element(block.get("element"), pointer + "/element")
        elif kind not in ("divider", "image", "rich_text"):
            self.fail(f"unknown block type {kind!r}", pointer + "/type")

    def blocks(self, blocks: Any, limit: int, pointer: str) -> None:
        if not isinstance(blocks, list):
            self.fail("must provide an array", pointer)
            return
        self.most(blocks, limit, pointer, "items")
        for i, block in enumerate(blocks):
            self.block(block, f"{pointer}/{i}")


def message_errors(blocks: Any) -> list[str]:
    """What Slack would refuse in a message's blocks (empty: it takes them)."""
    check = _Check()
    if blocks:
        check.blocks(blocks, MESSAGE_BLOCKS, "/blocks")
    return check.errors


def view_errors(view: Any) -> list[str]:
    """What Slack would refuse in a modal or Home tab view."""
    check = _Check()
    if not isinstance(view, dict):
        return ["must provide an object [json-pointer:/view]"]
    check.blocks(view.get("blocks"), VIEW_BLOCKS, "/view/blocks")
    if view.get("type") == "modal":
        check.text(view.get("title"), VIEW_TITLE, "/view/title", plain=True)
        for label in ("submit", "close"):
            if label in view:
                check.text(view[label], VIEW_TITLE, f"/view/{label}", plain=True)
    check.most(view.get("private_metadata"), PRIVATE_METADATA, "/view/private_metadata")
    check.most(view.get("callback_id"), CALLBACK_ID, "/view/callback_id")
    return check.errors
