"""Neutral messages as Adaptive Cards, and card submissions back into neutral input.

Pure functions over plain dicts (no SDK import), so the rendering survives a change of SDK.
User text is never interpreted as markup: it goes into ``TextRun`` elements of a
``RichTextBlock``, which Adaptive Cards show verbatim (``TextBlock`` would apply markdown).
Every submit button carries its meaning in ``data["culturebot"]``; the inputs' values arrive
next to it, keyed by input id.

Every card passes the Adaptive Cards validator's rules: each input has a ``label`` (screen
readers announce it; ``RequiredInputsShouldHaveLabel``), the card carries ``fallbackText`` for
clients that cannot render it, and it fits Teams' message size limit: past it, the text is cut
with a note saying how much is not shown (``fit``), so a send never fails for its size.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import prompts
from bot.core.chat import (
    REPLY_FIELD,
    TICKED,
    Buttons,
    Form,
    Message,
    Question,
    Text,
    words_only,
)

CARD_VERSION = "1.5"  # the newest Adaptive Cards schema Teams renders on every client
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
META = "culturebot"  # the key of our own data in a submission; never an input id
CHOICE = "choice"
COMMENT = "comment"

# Teams refuses a message over 28 KB, counted as the activity's JSON in UTF-16 (issue 21; the
# docs' figure is larger). The card gets this much; the rest is the activity's envelope (ids,
# conversation, serviceUrl, summary: under 2 KB).
CARD_LIMIT = 24 * 1024
FALLBACK_LIMIT = 500  # the fallbackText: what a client that cannot show the card shows

Card = dict[str, Any]


def _runs(text: str, style: str) -> list[Card]:
    """One RichTextBlock per line: TextRun text is shown as is, never as markdown."""
    run: Card = {"type": "TextRun", "text": ""}
    if style == "heading":
        run.update(weight="Bolder", size="Medium")
    elif style == "muted":
        run.update(isSubtle=True)
    elif style == "quote":
        run.update(italic=True)
    blocks = []
    for i, line in enumerate(text.splitlines() or [""]):
        block: Card = {
            "type": "RichTextBlock",
            "inlines": [{**run, "text": line or " "}],
        }
        if i:
            block["spacing"] = "None"
        blocks.append(block)
    return blocks


def _text(part: Text) -> list[Card]:
    blocks = _runs(part.text, part.style)
    if part.style == "quote":
        return [{"type": "Container", "style": "emphasis", "items": blocks}]
    return blocks


def _submit(title: str, data: Mapping[str, Any], style: str = "default") -> Card:
    action: Card = {"type": "Action.Submit", "title": title, "data": {META: dict(data)}}
    if style == "primary":
        action["style"] = "positive"
    elif style == "danger":
        action["style"] = "destructive"
    return action


def _question(part: Question) -> tuple[list[Card], list[Card]]:
    choices = []
    last = len(part.choices)
    for i, choice in enumerate(part.choices, 1):
        end = part.low_label if i == 1 else part.high_label if i == last else ""
        title = f"{choice.label} ({end})" if end else choice.label
        choices.append({"title": title, "value": choice.value})
    body: list[Card] = [
        {
            "type": "Input.ChoiceSet",
            "id": CHOICE,
            "label": part.prompt,
            "style": "expanded",
            "isRequired": True,
            "errorMessage": part.prompt[:200],
            "choices": choices,
        },
    ]
    if part.comment_label:
        body.append(
            {
                "type": "Input.Text",
                "id": COMMENT,
                "label": part.comment_label,
                "isMultiline": True,
                "maxLength": 2000,
            }
        )
    if part.reply_label:
        body.append(
            {
                "type": "Input.Toggle",
                "id": REPLY_FIELD,
                "title": part.reply_label,
                "valueOn": TICKED,
                "valueOff": "",
            }
        )
    submit = _submit(
        prompts.text("common.submit"),
        {"kind": "question", "action": part.action, "ref": part.ref},
        "primary",
    )
    return body, [submit]


def _form(part: Form) -> tuple[list[Card], list[Card]]:
    body: list[Card] = _runs(part.title, "heading")
    for spec in part.fields:
        if spec.options:
            element: Card = {
                "type": "Input.ChoiceSet",
                "id": spec.name,
                "style": "expanded" if spec.radio else "compact",
                "choices": [{"title": o.label, "value": o.value} for o in spec.options],
            }
        else:
            element = {
                "type": "Input.Text",
                "id": spec.name,
                "isMultiline": spec.multiline,
                "maxLength": spec.max_length,
            }
            if spec.placeholder:
                element["placeholder"] = spec.placeholder
        element.update(label=spec.label, isRequired=spec.required)
        if spec.initial:
            element["value"] = spec.initial
        if spec.required:
            element["errorMessage"] = spec.label[:200]
        body.append(element)
    submit = _submit(
        part.submit_label,
        {
            "kind": "form",
            "action": part.action,
            "ref": part.ref,
            "required": {f.name: f.label for f in part.fields if f.required},
        },
        "primary",
    )
    return body, [submit]


def size(card: Card) -> int:
    """The card's size as Teams counts a message: its JSON in UTF-16."""
    return len(json.dumps(card, ensure_ascii=False, separators=(",", ":")).encode("utf-16-le"))


def render(message: Message) -> Card:
    """One Adaptive Card for a message, within Teams' size limit (see ``fit``); a time in it
    reads as the words it was written with (the reader's language and zone)."""
    with prompts.speaking(message.locale):  # our own words in the message's language
        message = words_only(message)
        card = _render(message)
        return card if size(card) <= CARD_LIMIT else fit(message)


def fit(message: Message, limit: int = CARD_LIMIT) -> Card:
    """The card within ``limit``: every text longer than some length is cut to it (the
    longest found by bisection), so short lines (headings, status, hints) stay whole and the
    long ones give way, and a note says how much is not shown. A form field pre-filled with
    more than that length is shown empty instead of cut: an empty field keeps what was saved
    (a draft), where a cut one, submitted, would replace it. Questions, forms and buttons are
    all kept; should even those not fit, the card says only the summary and the note."""
    with prompts.speaking(message.locale):
        return _fit(words_only(message), limit)


def _fit(message: Message, limit: int) -> Card:
    lengths = [len(text) for text in _long_texts(message)]
    low, high = 0, max(lengths, default=0)
    best: Card | None = None
    while low <= high:
        longest = (low + high) // 2
        card = _render(_cut(message, longest))
        if size(card) <= limit:
            best, low = card, longest + 1
        else:
            high = longest - 1
    if best is None:
        note = Text(text=prompts.text("teams.too_long", hidden=sum(lengths)), style="muted")
        best = _render(Message(summary=message.summary, parts=(Text(text=message.summary), note)))
    return best


def _long_texts(message: Message) -> list[str]:
    """What ``fit`` may shorten: the texts, and the forms' pre-filled values."""
    found: list[str] = []
    for part in message.parts:
        if isinstance(part, Text):
            found.append(part.text)
        elif isinstance(part, Form):
            found.extend(field.initial for field in part.fields)
    return found


def _cut(message: Message, longest: int) -> Message:
    """The message with each text cut to ``longest`` characters and each longer pre-filled
    value left out, and a note saying how much is not shown."""
    parts: list[Any] = []
    hidden = 0
    for part in message.parts:
        if isinstance(part, Text) and len(part.text) > longest:
            hidden += len(part.text) - longest
            part = part.model_copy(update={"text": part.text[:longest] + "…"})
        elif isinstance(part, Form) and any(len(f.initial) > longest for f in part.fields):
            hidden += sum(len(f.initial) for f in part.fields if len(f.initial) > longest)
            fields = tuple(
                f.model_copy(update={"initial": ""}) if len(f.initial) > longest else f
                for f in part.fields
            )
            part = part.model_copy(update={"fields": fields})
        parts.append(part)
    note = prompts.text("teams.too_long", hidden=hidden)
    return Message(summary=message.summary, parts=(*parts, Text(text=note, style="muted")))


def _render(message: Message) -> Card:
    """One Adaptive Card for a message; parts in order, their buttons at the bottom."""
    body: list[Card] = []
    actions: list[Card] = []
    for part in message.parts:
        if isinstance(part, Text):
            if part.text.strip():  # a blank card is unreadable: it falls back to the summary
                body.extend(_text(part))
        elif isinstance(part, Question):
            more, submit = _question(part)
            body.extend(more)
            actions.extend(submit)
        elif isinstance(part, Buttons):
            actions.extend(
                _submit(b.label, {"kind": "button", "action": b.action, "value": b.value}, b.style)
                for b in part.buttons
            )
        elif isinstance(part, Form):
            more, submit = _form(part)
            body.extend(more)
            actions.extend(submit)
    if not body:
        body = _runs(_fallback(message), "plain")
    card: Card = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": CARD_VERSION,
        "fallbackText": _fallback(message),
        "body": body,
    }
    if actions:
        card["actions"] = actions
    return card


def _fallback(message: Message) -> str:
    """The card's plain-text stand-in: the summary, else its first words."""
    texts = (p.text if isinstance(p, Text) else getattr(p, "title", "") for p in message.parts)
    text = message.summary.strip() or next((t.strip() for t in texts if t.strip()), "culturebot")
    return text[:FALLBACK_LIMIT]


def form_message(form: Form) -> Message:
    """A form to fill in, as a message of its own (Teams has no modal for bots)."""
    return Message(summary=form.title, parts=(form,))


@dataclass(frozen=True)
class Submission:
    """What a card's submit button sent, decoded; ``missing`` holds the labels of empty
    required fields (Teams checks them on the client too, but a submission may be forged)."""

    action: str
    ref: str = ""
    value: str = ""
    fields: Mapping[str, str] = field(default_factory=dict)
    missing: tuple[str, ...] = ()


def is_form_submission(value: object) -> bool:
    """True for the submit button of a Form card (not a question's or a plain button's)."""
    meta = value.get(META) if isinstance(value, Mapping) else None
    return isinstance(meta, Mapping) and meta.get("kind") == "form"


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return str(value)
    return value.strip() if isinstance(value, str) else ""


def parse_submission(value: object) -> Submission | None:
    """Decode an Action.Submit payload; None when it is not one of our cards' submissions."""
    if not isinstance(value, Mapping):
        return None
    meta = value.get(META)
    if not isinstance(meta, Mapping) or not isinstance(meta.get("action"), str):
        return None
    action, ref, kind = meta["action"], _as_text(meta.get("ref")), meta.get("kind")
    if not action:
        return None
    if kind == "button":
        return Submission(action=action, value=_as_text(meta.get("value")))
    inputs = {str(k): _as_text(v) for k, v in value.items() if k != META}
    if kind == "question":
        comment = inputs.get(COMMENT, "")
        fields = {COMMENT: comment} if comment else {}
        if inputs.get(REPLY_FIELD) == TICKED:
            fields[REPLY_FIELD] = TICKED
        return Submission(action=action, ref=ref, value=inputs.get(CHOICE, ""), fields=fields)
    required = meta.get("required")
    labels = required if isinstance(required, Mapping) else {}
    missing = tuple(str(label) for name, label in labels.items() if not inputs.get(str(name)))
    return Submission(action=action, ref=ref, fields=inputs, missing=missing)
