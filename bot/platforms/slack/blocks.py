"""Neutral messages as Slack Block Kit, and Slack's interactive payloads back to neutral terms.

Pure functions, no network: the Slack adapter (slack.py) calls them. Everything here is
generic over the neutral parts, so a capability's Buttons or Form work in Slack with no change
to the adapter. Slack's limits (3000 characters a section, 50 blocks a message, 75 a button,
2000 a button value, 24 a modal title) are respected: long text is split or cut with a clear
note, never rejected by Slack. All user text is escaped (&, <, >) so it is shown, not parsed.
"""

from __future__ import annotations

import base64
import json
import logging
import zlib
from typing import Any

import prompts
from bot.core.chat import (
    REPLY_FIELD,
    TICKED,
    Buttons,
    Choice,
    Form,
    FormField,
    Message,
    Question,
    Response,
    Text,
    times_as_words,
    with_times,
)

log = logging.getLogger(__name__)

SECTION_LIMIT = 3000
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
BUTTON_TEXT = 75
VALUE_LIMIT = 2000
TITLE_LIMIT = 24
OPTION_TEXT = 75
OPTION_VALUE = 150
OPTIONS_LIMIT = 100
RADIO_LIMIT = 10  # radio buttons hold at most 10 options
FALLBACK_LIMIT = 3000
METADATA_LIMIT = 3000
ERROR_LIMIT = 2000  # a message under a modal input: kept short, as a label is

ACTION_PREFIX = "cb."
FORM_CALLBACK = "cb.form"
VALUE_FIELD = "score"  # the question's choice in the comment modal

Block = dict[str, Any]


def escape(text: str) -> str:
    """Slack's three control characters, so user text can never become a link or a mention."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters (Slack counts characters, not bytes: 3000 Japanese
    characters fit a section as 3000 Latin ones do); times as their words."""
    text = times_as_words(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": _cut(text, limit) or " ", "emoji": True}


def _token(unix: int, locale: str, words: str) -> str:
    """A time as Slack's date token: each reader sees it in their own Slack format and time
    zone; ``words`` (already escaped) where a client cannot show the token."""
    with prompts.speaking(locale):
        shape = prompts.text("slack.day_and_time", day="{date_short_pretty}", time="{time}")
    return f"<!date^{unix}^{shape}|{words}>"


def _mrkdwn(escaped: str) -> str:
    """Escaped text for a mrkdwn field, its times as date tokens."""
    return with_times(escaped, _token)


def _split_at(line: str, limit: int) -> int:
    """Where to cut a line longer than ``limit``: at ``limit``, or before a date token the cut
    would fall inside (a token cut in two is shown as raw text)."""
    start = line.rfind("<!date^", 0, limit)
    if start > 0 and line.find(">", start) >= limit:
        return start
    return limit


def _chunks(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Split at line ends where possible; every chunk fits one section."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                chunks.append(current)
                current = ""
            cut = _split_at(line, limit)
            chunks.append(line[:cut])
            line = line[cut:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current or not chunks:
        chunks.append(current)
    return chunks


def pack(data: str) -> str:
    """A button value: the JSON itself, or compressed when it would not fit Slack's 2000."""
    if len(data) <= VALUE_LIMIT:
        return data
    packed = "z:" + base64.b64encode(zlib.compress(data.encode(), 9)).decode()
    if len(packed) > VALUE_LIMIT:
        raise ValueError(f"interactive part too large for a Slack button value ({len(packed)})")
    return packed


def unpack(value: str) -> str:
    if value.startswith("z:"):
        return zlib.decompress(base64.b64decode(value[2:])).decode()
    return value


def _text_blocks(part: Text) -> list[Block]:
    text = _mrkdwn(escape(part.text))
    if part.style == "heading":
        if len(times_as_words(part.text)) <= 150:
            return [{"type": "header", "text": _plain(part.text, 150)}]
        text = f"*{text}*"
    elif part.style == "quote":
        text = "\n".join(f"&gt; {line}" for line in text.split("\n"))
    if part.style == "muted":
        return [
            {"type": "context", "elements": [{"type": "mrkdwn", "text": chunk or " "}]}
            for chunk in _chunks(text)
        ]
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": chunk or " "}}
        for chunk in _chunks(text)
    ]


def choice_label(question: Question, index: int) -> str:
    """Choices labelled at the ends: "1 · Not at all" ... "5 · Completely"."""
    choice = question.choices[index]
    end = question.low_label if index == 0 else ""
    if index == len(question.choices) - 1:
        end = question.high_label
    return f"{choice.label} · {end}" if end else choice.label


def _button(text: str, action_id: str, value: str, style: str = "default") -> Block:
    button: Block = {
        "type": "button",
        "text": _plain(text, BUTTON_TEXT),
        "action_id": action_id,
        "value": value,
    }
    if style in ("primary", "danger"):
        button["style"] = style
    return button


def _fit(part: Form | Question) -> str | None:
    """``part`` packed into one button value (2000 characters), trimmed first to what Slack's
    modal can show anyway and then, while it still does not fit, with its texts and lists
    cut shorter step by step. None when even the shortest does not fit (the caller leaves
    the button out rather than have Slack refuse the whole message)."""
    cap, count = 2000, OPTIONS_LIMIT
    while cap >= 10:
        try:
            return pack(_trimmed(part, cap, count).model_dump_json())
        except ValueError:
            cap, count = cap // 2, max(1, count // 2)
    log.warning("slack: a %s is too large for a button even when cut; left out", part.type)
    return None


def _trimmed(part: Form | Question, cap: int, count: int) -> Form | Question:
    """``part`` with every text cut to ``cap`` (and Slack's own limits) and at most ``count``
    options per field; choice values are kept whole (they are the answers)."""

    def cut(text: str, limit: int = cap) -> str:
        return _cut(text, min(limit, cap))

    def choice(c: Choice, limit: int) -> Choice:
        return Choice(label=cut(c.label, limit), value=c.value)

    if isinstance(part, Question):
        return part.model_copy(
            update={
                "prompt": cut(part.prompt),
                "choices": tuple(choice(c, BUTTON_TEXT) for c in part.choices),
                "low_label": cut(part.low_label, BUTTON_TEXT),
                "high_label": cut(part.high_label, BUTTON_TEXT),
                "comment_label": cut(part.comment_label),
                "reply_label": cut(part.reply_label, OPTION_TEXT),
            }
        )
    fields = tuple(
        f.model_copy(
            update={
                "label": cut(f.label),
                "placeholder": cut(f.placeholder, 150),
                "initial": cut(f.initial, min(f.max_length, 3000)),
                "options": tuple(
                    Choice(label=cut(o.label, OPTION_TEXT), value=o.value[:OPTION_VALUE])
                    for o in f.options[:count]
                ),
            }
        )
        for f in part.fields[: max(1, min(VIEW_BLOCKS, count))]
    )
    return part.model_copy(
        update={
            "title": cut(part.title, TITLE_LIMIT),
            "submit_label": cut(part.submit_label, TITLE_LIMIT),
            "fields": fields,
        }
    )


def _packed_or_none(data: str) -> str | None:
    try:
        return pack(data)
    except ValueError:
        log.warning("slack: a button value is too large even compressed; left out")
        return None


def _question_blocks(question: Question) -> list[Block]:
    blocks: list[Block] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{chunk}*"}}
        for chunk in _chunks(_mrkdwn(escape(question.prompt)), SECTION_LIMIT - 2)
    ]
    # each value is json.dumps({"a": action, "r": ref, "v": value}): the part the choices
    # share is encoded once (a round renders this for every person)
    head = json.dumps({"a": question.action, "r": question.ref})[:-1]
    elements = [
        _button(choice_label(question, i), f"{ACTION_PREFIX}choice.{i}", value)
        for i, choice in enumerate(question.choices)
        if (value := _packed_or_none(f'{head}, "v": {json.dumps(choice.value)}}}')) is not None
    ]
    for start in range(0, len(elements), 25):  # an actions block holds at most 25 elements
        blocks.append({"type": "actions", "elements": elements[start : start + 25]})
    comment = _fit(question) if question.comment_label else None
    if comment is not None:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    _button(
                        prompts.text("slack.comment_button"), f"{ACTION_PREFIX}comment", comment
                    )
                ],
            }
        )
    return blocks


def _buttons_blocks(part: Buttons) -> list[Block]:
    elements = [
        _button(button.label, f"{ACTION_PREFIX}button.{i}", value, button.style)
        for i, button in enumerate(part.buttons)
        if (value := _packed_or_none(json.dumps({"a": button.action, "v": button.value})))
        is not None
    ]
    return [
        {"type": "actions", "elements": elements[start : start + 25]}
        for start in range(0, len(elements), 25)
    ]


def _form_blocks(form: Form) -> list[Block]:
    """A form inside a message is a button that opens it as a modal (cut to fit the button's
    value when it must be; a note instead when even that cannot fit)."""
    value = _fit(form)
    if value is None:
        note = prompts.text("slack.form_too_large")
        return [{"type": "context", "elements": [_plain(note, 2000)]}]
    return [
        {
            "type": "actions",
            "elements": [_button(form.title, f"{ACTION_PREFIX}form", value, "primary")],
        }
    ]


def blocks(message: Message, *, limit: int = MESSAGE_BLOCKS) -> list[Block]:
    """Block Kit for a message; past Slack's block limit the rest is replaced by a note. Our
    own words (a button, the note) are in the message's language."""
    with prompts.speaking(message.locale):
        return _blocks(message, limit)


def _blocks(message: Message, limit: int) -> list[Block]:
    out: list[Block] = []
    for part in message.parts:
        if isinstance(part, Text):
            out.extend(_text_blocks(part))
        elif isinstance(part, Question):
            out.extend(_question_blocks(part))
        elif isinstance(part, Buttons):
            out.extend(_buttons_blocks(part))
        elif isinstance(part, Form):
            out.extend(_form_blocks(part))
    if not out:
        out = _text_blocks(Text(text=message.summary))
    if len(out) > limit:
        hidden = sum(len(json.dumps(block)) for block in out[limit - 1 :])
        note = prompts.text("slack.too_long", hidden=hidden)
        out = [*out[: limit - 1], {"type": "context", "elements": [_plain(note, 2000)]}]
    return out


def fallback_text(message: Message) -> str:
    """The notification text Slack shows where blocks cannot be (push, screen readers)."""
    return _cut(escape(message.summary), FALLBACK_LIMIT) or " "


def home_view(message: Message) -> dict[str, Any]:
    return {"type": "home", "blocks": blocks(message, limit=VIEW_BLOCKS)}


# --- modals ------------------------------------------------------------------------------


def question_form(question: Question) -> Form:
    """The "add a comment" modal of a question: the choice as a select, and the comment (our
    own words in the question's language)."""
    with prompts.speaking(question.locale):
        return _question_form(question)


def _question_form(question: Question) -> Form:
    return Form(
        action=question.action,
        ref=question.ref,
        title=prompts.text("slack.comment_title"),
        fields=(
            FormField(
                name=VALUE_FIELD,
                label=question.prompt,
                options=tuple(
                    Choice(label=choice_label(question, i), value=c.value)
                    for i, c in enumerate(question.choices)
                ),
            ),
            FormField(name="comment", label=question.comment_label, multiline=True, required=False),
            *(
                (
                    FormField(
                        name=REPLY_FIELD,
                        label=prompts.text("slack.reply_heading"),
                        options=(Choice(label=question.reply_label, value=TICKED),),
                        checkbox=True,
                        required=False,
                    ),
                )
                if question.reply_label
                else ()
            ),
        ),
    )


def _element(spec: FormField) -> Block:
    if spec.options:
        radio = spec.radio and len(spec.options) <= RADIO_LIMIT
        options = [
            {"text": _plain(o.label, OPTION_TEXT), "value": o.value[:OPTION_VALUE]}
            for o in spec.options[:OPTIONS_LIMIT]
        ]
        if spec.checkbox:
            return {"type": "checkboxes", "action_id": "value", "options": options[:1]}
        select: Block = {
            "type": "radio_buttons" if radio else "static_select",
            "action_id": "value",
            "options": options,
        }
        initial = [o for o in options if o["value"] == spec.initial]
        if spec.initial and initial:
            select["initial_option"] = initial[0]
        return select
    element: Block = {
        "type": "plain_text_input",
        "action_id": "value",
        "multiline": spec.multiline,
        "max_length": max(1, min(spec.max_length, 3000)),
    }
    if spec.placeholder:
        element["placeholder"] = _plain(spec.placeholder, 150)
    if spec.initial:
        element["initial_value"] = times_as_words(spec.initial)[: element["max_length"]]
    return element


def modal(form: Form, *, message_ref: str | None = None, value_field: str | None = None) -> Block:
    with prompts.speaking(form.locale):
        return _modal(form, message_ref=message_ref, value_field=value_field)


def _modal(form: Form, *, message_ref: str | None, value_field: str | None) -> Block:
    """A modal for ``form``; its private metadata says which action and ref a submission is."""
    metadata = json.dumps({"a": form.action, "r": form.ref, "m": message_ref, "v": value_field})
    if len(metadata) > METADATA_LIMIT:
        raise ValueError("form action and ref are too long for a Slack modal")
    return {
        "type": "modal",
        "callback_id": FORM_CALLBACK,
        "private_metadata": metadata,
        "title": _plain(form.title, TITLE_LIMIT),
        "submit": _plain(form.submit_label, TITLE_LIMIT),
        "close": _plain(prompts.text("slack.cancel"), TITLE_LIMIT),
        "blocks": [
            {
                "type": "input",
                "block_id": f"f.{spec.name}",
                "optional": not spec.required,
                "label": _plain(spec.label, 2000),
                "element": _element(spec),
            }
            for spec in form.fields[:VIEW_BLOCKS]  # a modal holds 100 blocks
        ],
    }


def submission(view: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """A view_submission's metadata (action, ref, message, value field) and its field values."""
    metadata = json.loads(view.get("private_metadata") or "{}")
    if not isinstance(metadata, dict) or not metadata.get("a"):
        raise ValueError("not a culturebot form")
    fields: dict[str, str] = {}
    for block_id, actions in (view.get("state", {}).get("values") or {}).items():
        if not block_id.startswith("f.") or not isinstance(actions, dict):
            continue
        state = actions.get("value") or {}
        selected = state.get("selected_option")
        ticked = state.get("selected_options")  # checkboxes: the one option, or none
        if isinstance(ticked, list):
            selected = ticked[0] if ticked else {"value": ""}
        value = selected.get("value") if isinstance(selected, dict) else state.get("value")
        fields[block_id[2:]] = str(value or "")
    return metadata, fields


def refusal_errors(view: dict[str, Any], response: Response) -> dict[str, str]:
    """The ``errors`` answering a view_submission that was refused: the refusal under the input
    it names, or under the first input when it names none (or one this modal does not have).
    Empty when the response is not a refusal, or the view has no input to show it under."""
    if not response.refused or not response.replies:
        return {}
    inputs = [
        str(block.get("block_id"))
        for block in view.get("blocks") or []
        if isinstance(block, dict) and block.get("type") == "input"
    ]
    if not inputs:
        return {}
    named = f"f.{response.refused_field}" if response.refused_field else None
    block_id = named if named in inputs else inputs[0]
    return {block_id: _cut(response.replies[0].summary, ERROR_LIMIT)}


def decode_action(action: dict[str, Any]) -> tuple[str, Any]:
    """What a clicked element means: ("choice"|"button", {a, r?, v}) or ("comment", Question)
    or ("form", Form)."""
    action_id = str(action.get("action_id", ""))
    data = unpack(str(action.get("value", "")))
    if action_id == f"{ACTION_PREFIX}comment":
        return "comment", Question.model_validate_json(data)
    if action_id == f"{ACTION_PREFIX}form":
        return "form", Form.model_validate_json(data)
    decoded = json.loads(data)
    if not isinstance(decoded, dict) or not decoded.get("a"):
        raise ValueError(f"unknown culturebot action {action_id}")
    return "click", decoded
