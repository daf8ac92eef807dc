"""The neutral messages a cascade sends: the message itself as each person sees it, nudges,
notices and questions. Every platform renders these parts (buttons, forms) its own way."""

from __future__ import annotations

from bot.core.chat import Button, Buttons, Message, Text, chat_time, text_message
from prompts import text
from storage.cascade_models import Cascade, CascadeLink
from storage.models import Person


def relay_button(link: CascadeLink) -> Button:
    return Button(
        label=text("cascade.relay_button"),
        action="cascade.relay",
        value=str(link.id),
        style="primary",
    )


def reply_buttons(cascade: Cascade) -> tuple[Button, Button]:
    value = str(cascade.id)
    return (
        Button(label=text("cascade.ack_button"), action="cascade.ack", value=value),
        Button(label=text("cascade.ask_button"), action="cascade.ask", value=value),
    )


def cascade_message(
    cascade: Cascade,
    sender: Person,
    reader: Person,
    *,
    how: str,
    via: Person,
    note: str | None,
    link: CascadeLink | None,
) -> Message:
    """The leader's words as ``reader`` receives them: from the leader directly, through
    their manager's relay with the manager's note, or via culturebot when the manager stalled.
    Managers (``link`` given) also get "Relay to my team"; there is no "relay as is"."""
    parts: list[Text] = [Text(text=cascade.title, style="heading")]
    if how == "escalation":
        parts.append(Text(text=text("cascade.escalated", leader=sender.name), style="muted"))
    else:
        parts.append(Text(text=text("cascade.from_leader", leader=sender.name), style="muted"))
        if via.id != sender.id and note:
            parts.append(Text(text=text("cascade.relayed_by", manager=via.name)))
            parts.append(Text(text=note, style="quote"))
    parts.append(Text(text=cascade.body))
    if cascade.customer_line:
        parts.append(Text(text=text("cascade.customer_line", line=cascade.customer_line)))
    buttons = list(reply_buttons(cascade))
    if link is not None:
        parts.append(
            Text(
                text=text("cascade.relay_hint", due=chat_time(link.due_at, reader.timezone)),
                style="muted",
            )
        )
        buttons.insert(0, relay_button(link))
    return Message(summary=cascade.title, parts=(*parts, Buttons(buttons=tuple(buttons))))


def relay_request(
    cascade: Cascade, sender: Person, reader: Person, link: CascadeLink, key: str
) -> Message:
    """A nudge (``key`` "nudge") or a new manager's first call to relay (``key`` "new_team")."""
    words = text(
        f"cascade.{key}",
        title=cascade.title,
        leader=sender.name,
        due=chat_time(link.due_at, reader.timezone),
    )
    return Message(summary=words, parts=(Text(text=words), Buttons(buttons=(relay_button(link),))))


def notice(key: str, **values: object) -> Message:
    return text_message(text(f"cascade.{key}", **values))
