"""The neutral chat model: what every platform turns its traffic into, and renders back out.

Handlers speak only this model. Slack renders it as Block Kit, Teams as Adaptive Cards and
the console as numbered lines. All text here is plain text written by us or by users; each
platform escapes it for its own markup, so user text is never interpreted as markup.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

import prompts
from bot.core import localized

IncomingKind = Literal["command", "action", "message"]


@dataclass(frozen=True)
class Incoming:
    """One thing a person did in a chat: typed a command, clicked a button, submitted a form.

    A submitted form arrives as an action named by the form's ``action`` with its ``fields``;
    a click on a question's choice arrives as the question's action with the choice's value.
    """

    platform: str
    user_id: str
    kind: IncomingKind
    name: str = ""
    text: str = ""
    value: str = ""
    ref: str = ""
    fields: Mapping[str, str] = field(default_factory=dict)
    event_id: str | None = None
    message_ref: str | None = None


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True)


class _Spoken(_Part):
    """A part that carries the language it was written in (the one spoken where it was made),
    so a platform adds its own few words (a button, a modal's title, a "too long" note) in that
    language too, even when it shows the part later, outside the writer's context."""

    locale: str = Field(default_factory=prompts.current_locale)


class Text(_Part):
    """A paragraph. ``heading`` is shown bold/large, ``quote`` set apart (e.g. a user's note)."""

    type: Literal["text"] = "text"
    text: str
    style: Literal["plain", "heading", "quote", "muted"] = "plain"


class Choice(_Part):
    label: str
    value: str


class Question(_Spoken):
    """A question answered by picking one choice, with an optional free-text comment.

    Answering sends the action ``action`` with ``ref`` and the choice's value, plus the
    field ``comment`` when ``comment_label`` is set and the person wrote one, and the field
    ``reply`` ("yes") when ``reply_label`` is set and the person ticked it (a checkbox beside
    the comment: let a manager who may read it reply anonymously).
    """

    type: Literal["question"] = "question"
    action: str
    ref: str
    prompt: str
    choices: tuple[Choice, ...]
    low_label: str = ""
    high_label: str = ""
    comment_label: str = ""
    reply_label: str = ""


REPLY_FIELD = "reply"  # a Question's tick, sent as "yes" (see Question)
TICKED = "yes"


class Button(_Part):
    label: str
    action: str
    value: str = ""
    style: Literal["default", "primary", "danger"] = "default"


class Buttons(_Part):
    type: Literal["buttons"] = "buttons"
    buttons: tuple[Button, ...]


class FormField(_Part):
    """One field of a form. With ``options`` the person picks one: a drop-down, or radio
    buttons (all options in view) when ``radio``. ``initial`` is the value already given
    (e.g. a partial answer being finished), shown pre-filled."""

    name: str
    label: str
    multiline: bool = False
    required: bool = True
    max_length: int = 3000
    placeholder: str = ""
    options: tuple[Choice, ...] = ()
    radio: bool = False
    checkbox: bool = False  # one option, ticked or not (sends its value, or nothing)
    initial: str = ""


class Form(_Spoken):
    """A form the person fills in; submitting sends action ``action`` with ``ref`` and fields."""

    type: Literal["form"] = "form"
    action: str
    ref: str = ""
    title: str
    fields: tuple[FormField, ...]
    # the words of the language it was made in (a form built in a reader's language)
    submit_label: str = Field(default_factory=lambda: prompts.text("common.submit"))


Part = Annotated[Text | Question | Buttons | Form, Field(discriminator="type")]


class Message(_Spoken):
    """One outgoing message: a plain-text summary for notifications plus its parts."""

    summary: str
    parts: tuple[Part, ...] = ()

    def to_json(self) -> str:
        return self.model_dump_json()

    @classmethod
    def from_json(cls, data: str) -> Message:
        return _MESSAGE.validate_json(data)


_MESSAGE = TypeAdapter(Message)


# A time inside a text, so each platform can show it its own way: Slack as a <!date^...> token
# (each reader sees their own Slack format and zone), Teams and the console as the words it
# was written with, in the reader's language and zone. Two private-use characters mark it; user
# text never holds them (plain_text drops them).
_OPEN, _CLOSE = "\ue000", "\ue001"
_WHEN = re.compile(f"{_OPEN}(\\d+)\\|([A-Za-z_-]*)\\|([^{_OPEN}{_CLOSE}]*){_CLOSE}")
_Model = TypeVar("_Model", bound=BaseModel)


def chat_time(moment: datetime, tz: str) -> str:
    """``moment`` for a chat text: the reader's words for it ("Wed 03 Mar 09:00" in their zone
    and language), marked so Slack can show it as a date token instead."""
    return (
        f"{_OPEN}{int(moment.timestamp())}|{prompts.current_locale()}|"
        f"{localized.moment(moment, tz)}{_CLOSE}"
    )


def with_times(text: str, render: Callable[[int, str, str], str]) -> str:
    """``text`` with each marked time replaced by ``render(unix seconds, language, words)``."""
    return _WHEN.sub(lambda m: render(int(m[1]), m[2], m[3]), text)


def times_as_words(text: str) -> str:
    """``text`` with each marked time as its words (what Teams, the console and any plain
    text show)."""
    return _WHEN.sub(lambda m: m[3], text)


def words_only(model: _Model) -> _Model:
    """A message, form or part with every marked time in it as its words."""

    def strip(value: Any) -> Any:
        if isinstance(value, str):
            return times_as_words(value)
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items()}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return type(model).model_validate(strip(model.model_dump(mode="json")))


def plain_text(raw: str | None) -> str:
    """User text as we keep it: line ends normalised, control characters dropped (PostgreSQL
    refuses NUL, and none of them means anything in a chat), surrounding whitespace trimmed.
    Markup is kept as typed: it is plain text, and each platform escapes it when showing it."""
    text = (raw or "").replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(
        ch
        for ch in text
        if ch in "\n\t"
        or (unicodedata.category(ch) not in ("Cc", "Cs") and ch not in (_OPEN, _CLOSE))
    )
    return text.strip()


def text_message(*paragraphs: str) -> Message:
    """A message made of plain paragraphs, the most common reply."""
    return Message(
        summary=paragraphs[0] if paragraphs else "", parts=tuple(Text(text=p) for p in paragraphs)
    )


@dataclass
class Response:
    """What a handler answers to the person who acted.

    ``replies`` go to that person at once (ephemeral where the platform has it), ``update``
    replaces the message the action came from (e.g. a question becomes "Thanks, recorded"),
    and ``form`` asks the person to fill something in (a Slack modal, a Teams card, console
    prompts). Messages to anyone else go through the outbox, never through a Response.
    ``refused`` marks the reply as a refusal (nothing changed), so a platform can keep the form
    open for the person to correct (a Slack modal keeps the typed text and shows the message
    under the field; a Teams card stays open); ``refused_field`` names that field, if any.
    """

    replies: list[Message] = field(default_factory=list)
    update: Message | None = None
    form: Form | None = None
    refused: bool = False
    refused_field: str | None = None


class UserError(Exception):
    """A polite refusal: the router rolls back the transaction and replies with the message.

    ``field`` names the form field at fault (e.g. "note"), so a form can show the message
    under it; leave it out when the refusal is not about one field.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
