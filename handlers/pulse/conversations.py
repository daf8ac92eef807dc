"""Anonymous conversations on pulse comments: a manager who may read a comment replies to it,
its author answers, and the manager never learns who the author is.

Only a comment whose author ticked "let my manager reply anonymously" has a reference
(``[C7QK2M9X]`` in a manager's ``comments``) and a link to its author (storage/conversations.py).
What a manager can tell apart is only what the reference says: open, or closed. Whether the
author was erased, left, read the reply or could be reached is never shown: an open
conversation always gets the same acknowledgement, a closed, expired or erased one the same
refusal. The author's answers reach the manager as "the author of comment C...", released at
the next full hour so their minute does not point at who was at their desk.

``reply REF words`` does both sides: from the author of REF it answers the last manager who
replied; from anyone else it is a manager's reply. ``close REF`` (or the button) ends it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

from sqlmodel import Session, select

import prompts
from bot.core.chat import (
    Button,
    Buttons,
    Form,
    FormField,
    Incoming,
    Message,
    Response,
    Text,
    UserError,
    text_message,
)
from bot.core.router import Router
from bot.core.runtime import Context
from handlers.common.outbox import send_later
from handlers.reports import disclosure
from storage import conversations, people
from storage.conversations import CommentLink
from storage.models import Person, PulseAnswer

MAX_TEXT = 2000  # as a pulse comment (handlers/pulse/rounds.MAX_COMMENT)
TEXT_FIELD = "text"
TO_AUTHOR_KIND = "convo.reply"  # the outbox withholds the person beside these (outbox_report)
TO_MANAGER_KIND = "convo.answer"


def may_reply(session: Session, person: Person) -> bool:
    """Managers reply: someone with active reports (an employee reads comments, not more)."""
    return people.has_reports(session, person)


def _parse(typed: str, usage: str) -> tuple[str, str]:
    ref, _, words = typed.strip().partition(" ")
    if not ref:
        raise UserError(prompts.text(usage))
    return conversations.normalise(ref), words.strip()


def _checked(words: str, ref: str) -> str:
    if not words:
        raise UserError(prompts.text("conversations.empty", ref=ref), field=TEXT_FIELD)
    if len(words) > MAX_TEXT:
        raise UserError(
            prompts.text("common.text_too_long", length=len(words), limit=MAX_TEXT),
            field=TEXT_FIELD,
        )
    return words


def reply(ctx: Context, incoming: Incoming) -> Response:
    """``reply REF words``: the author's answer when REF is theirs, else a manager's reply."""
    ref, words = _parse(incoming.text, "conversations.reply_usage")
    link = ctx.session.get(CommentLink, ref)
    if link is not None and link.person_id == ctx.person.id:
        return _answer(ctx, link, words)
    return _reply(ctx, ref, link, words)


def _listed(ctx: Context, ref: str) -> bool:
    """Whether ``ref`` is beside a comment in this person's own ``comments`` (through the gate)."""
    if not may_reply(ctx.session, ctx.person):
        return False
    roles = people.roles(ctx.session, ctx.person)
    groups = disclosure.comments(ctx.session, ctx.person, roles=roles)
    return any(ref in group.refs for group in groups)


def _reply(ctx: Context, ref: str, link: CommentLink | None, words: str) -> Response:
    if not _listed(ctx, ref):
        raise UserError(prompts.text("conversations.not_listed"))
    words = _checked(words, ref)
    if link is None:  # closed by its author, 90 days old, or its author erased: one answer
        raise UserError(prompts.text("conversations.closed"))
    comment = ctx.session.exec(
        select(PulseAnswer.comment).where(PulseAnswer.conversation_ref == ref)
    ).first()
    author = ctx.session.get(Person, link.person_id)
    if author is None:  # erasure ends the link with the person: the same one answer
        raise UserError(prompts.text("conversations.closed"))
    send_later(
        ctx.session,
        ctx.runtime,
        author,
        partial(_to_author, ref, comment or "", ctx.person.name, words),
        key=conversations.author_key(ref),
        kind=TO_AUTHOR_KIND,
    )
    link.manager_id = ctx.person.id
    ctx.session.add(link)
    return Response(replies=[text_message(prompts.text("conversations.sent", ref=ref))])


def _to_author(ref: str, comment: str, name: str, words: str) -> Message:
    """A manager's reply as the comment's author gets it: their comment, the reply, how to
    answer, and buttons to answer or close."""
    return Message(
        summary=prompts.text("conversations.to_author_intro", name=name),
        parts=(
            Text(text=prompts.text("conversations.to_author_intro", name=name)),
            Text(
                text=prompts.text("conversations.to_author_quote", comment=comment),
                style="quote",
            ),
            Text(text=prompts.text("conversations.to_author_reply", name=name, text=words)),
            Text(text=prompts.text("conversations.to_author_how", ref=ref), style="muted"),
            Buttons(
                buttons=(
                    Button(
                        label=prompts.text("conversations.answer_button"),
                        action="convo.answer",
                        value=ref,
                        style="primary",
                    ),
                    Button(
                        label=prompts.text("conversations.close_button"),
                        action="convo.close",
                        value=ref,
                    ),
                )
            ),
        ),
    )


def next_hour(now: datetime) -> datetime:
    """The next full hour: when an author's answer is released to the manager."""
    return now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


def _answer(ctx: Context, link: CommentLink, words: str) -> Response:
    words = _checked(words, link.ref)
    manager = ctx.session.get(Person, link.manager_id) if link.manager_id else None
    if manager is None:
        raise UserError(prompts.text("conversations.no_reply_yet"))
    send_later(
        ctx.session,
        ctx.runtime,
        manager,
        lambda: text_message(
            prompts.text("conversations.to_manager", ref=link.ref, text=words),
            prompts.text("conversations.to_manager_how", ref=link.ref),
        ),
        key=f"convo:{link.ref}:manager:{conversations.new_ref()}",
        kind=TO_MANAGER_KIND,
        at=next_hour(ctx.now),
    )
    reply = prompts.text("conversations.answered", name=manager.name, ref=link.ref)
    return Response(replies=[text_message(reply)])


def answer_form(ctx: Context, incoming: Incoming) -> Response:
    """The "Answer" button under a reply: a form for the author's words."""
    ref = conversations.normalise(incoming.value)
    form = Form(
        action="convo.send",
        ref=ref,
        title=prompts.text("conversations.answer_title"),
        fields=(
            FormField(
                name=TEXT_FIELD,
                label=prompts.text("conversations.answer_field"),
                multiline=True,
                max_length=MAX_TEXT,
            ),
        ),
        submit_label=prompts.text("conversations.answer_button"),
    )
    return Response(form=form)


def send_answer(ctx: Context, incoming: Incoming) -> Response:
    """The answer form, sent: as ``reply REF words`` typed by the author."""
    ref = conversations.normalise(incoming.ref)
    link = ctx.session.get(CommentLink, ref)
    if link is None or link.person_id != ctx.person.id:
        raise UserError(prompts.text("conversations.not_yours"))
    return _answer(ctx, link, (incoming.fields.get(TEXT_FIELD) or "").strip())


def close(ctx: Context, incoming: Incoming) -> Response:
    """``close REF`` or the button: the author ends the conversation; the link is deleted."""
    typed = incoming.value if incoming.kind == "action" else incoming.text
    ref, _ = _parse(typed, "conversations.close_usage")
    link = ctx.session.get(CommentLink, ref)
    if link is None or link.person_id != ctx.person.id:  # gone, or not theirs: one answer
        raise UserError(prompts.text("conversations.not_yours"))
    conversations.end(ctx.session, [ref], ctx.now)
    return Response(replies=[text_message(prompts.text("conversations.closed_by_author", ref=ref))])


def register(router: Router) -> None:
    router.command("reply")(reply)
    router.command("close")(close)
    router.action("convo.answer")(answer_form)
    router.action("convo.send")(send_answer)
    router.action("convo.close")(close)
