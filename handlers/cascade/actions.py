"""Cascading leadership messages: what people do in chat.

A leader broadcasts (``cascade`` opens a form); each manager on the chain relays with a
personal note (there is no "relay as is"), everyone can acknowledge or ask their own manager
a question, and ``cascade report [ID]`` shows the sender how far it reached. The chain engine
(handlers.cascade.chain) does the reaching; the scheduler tick (``tick``) nudges, escalates
and keeps up with joiners and leavers.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

from sqlmodel import Session, col, select

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
    chat_time,
    plain_text,
    text_message,
)
from bot.core.clock import format_local, local_instant
from bot.core.parsing import looks_numeric, parse_date, parse_id, parse_int, parse_time
from bot.core.router import Router
from bot.core.runtime import Context, Runtime
from handlers.cascade import chain as cascade_chain
from handlers.cascade import preview as cascade_preview
from handlers.cascade import report as cascade_report
from handlers.cascade.messages import notice
from handlers.common import drafts
from handlers.common.formatting import shortened
from handlers.common.outbox import send_later
from handlers.people.relay_windows import WINDOW_DEFAULT, WINDOW_MAX
from handlers.reports import periods
from prompts import text
from storage import audit, people
from storage.cascade_models import Cascade, CascadeLink, CascadeQuestion, CascadeReceipt
from storage.models import FormDraft, Person
from storage.types import row_id

TITLE_MAX = 150
BODY_MAX = 4000
CUSTOMER_MAX = 500
NOTE_MIN = 20
NOTE_MAX = 1000
QUESTION_MAX = 1000


# --- checks shared by chat and CLI ---------------------------------------------------------


def clean(value: str | None, what: str, limit: int, *, required: bool = True) -> str:
    """Plain text (see bot.core.chat.plain_text) within ``limit``; a clear UserError when empty (if
    required) or too long. ``what`` is also the name of the form field the text comes from."""
    value = plain_text(value)
    if required and not value:
        raise UserError(text("cascade.empty", what=text(f"cascade.what_{what}")), field=what)
    if len(value) > limit:
        raise UserError(
            text(
                "cascade.too_long",
                what=text(f"cascade.what_{what}"),
                length=len(value),
                limit=limit,
            ),
            field=what,
        )
    return value


def window_days(value: str | int | None) -> int:
    raw = str(value).strip() if value is not None else ""
    if not raw:
        return WINDOW_DEFAULT
    days = parse_int(raw, 1, WINDOW_MAX)
    if days is None:
        raise UserError(
            text("cascade.bad_window", max=WINDOW_MAX, value=raw[:20]), field="window_days"
        )
    return days


def cancel(
    session: Session, actor: Person | None, cascade_id: int, *, now: datetime, by: str
) -> str:
    """Cancel a scheduled cascade before it goes out (``actor`` None: an admin on the CLI)."""
    cascade = session.get(Cascade, cascade_id)
    if cascade is None:
        raise UserError(text("cascade.unknown_cascade", id=cascade_id))
    if actor is not None and cascade.sender_id != actor.id:
        raise UserError(text("cascade.cancel_not_yours"))
    if not cascade_chain.cancel(session, cascade):
        raise UserError(text("cascade.cannot_cancel", id=cascade.id, status=cascade.status))
    audit.record(session, "cascade.cancel", actor=by, at=now, target=f"cascade {cascade.id}")
    return text("cascade.cancelled", id=cascade.id, title=cascade.title)


def may_broadcast(session: Session, person: Person) -> None:
    """Leaders (and the top leader, whatever their role says) with an active team."""
    if person.role != "leader" and person.manager_id is not None:
        raise UserError(text("cascade.only_leaders"))
    if not people.has_reports(session, person):
        raise UserError(text("cascade.no_audience"))


def send(
    session: Session,
    runtime: Runtime,
    sender: Person,
    *,
    title: str | None,
    body: str | None,
    customer_line: str | None = None,
    window: str | int | None = None,
    actor: str | None = None,
    send_at: datetime | None = None,
    local_time: str | None = None,
    words: str = "chat",
) -> str:
    """Check everything, start the cascade, and return the confirmation for the sender.

    ``send_at`` (and/or ``local_time``, "HH:MM" at each direct report's own morning) only
    schedules it; ``cancel`` can stop it until it goes out. ``words``: "chat" or "cli", how
    the confirmation names what to do next (a chat command, or the command line's)."""
    may_broadcast(session, sender)
    title = clean(title, "title", TITLE_MAX)
    body = clean(body, "message", BODY_MAX)
    customer = clean(customer_line, "customer", CUSTOMER_MAX, required=False) or None
    days = window_days(window)
    now = runtime.clock.now()
    if send_at is not None and send_at < now - timedelta(minutes=1):
        raise UserError(text("cascade.bad_at", value=format_local(send_at, sender.timezone)))
    cascade, direct = cascade_chain.start(
        session,
        runtime,
        sender,
        title=title,
        body=body,
        customer_line=customer,
        window_days=days,
        send_at=send_at,
        local_time=local_time,
    )
    audit.record(
        session,
        "cascade.schedule" if cascade.status == "scheduled" else "cascade.send",
        actor=actor or sender.email,
        at=now,
        target=f"cascade {cascade.id}",
        details={"direct": direct, "window_days": days, "local_time": local_time},
    )
    if cascade.status == "scheduled":
        return scheduled_text(session, cascade, sender, words)
    return text(
        "cascade.sent",
        title=title,
        direct=direct,
        audience=len(people.subtree(session, sender)),
        days=days,
        id=cascade.id,
        next=next_step("sent", row_id(cascade.id), words),
    )


def when_words(cascade: Cascade, tz: str) -> str:
    """When a scheduled cascade goes out, in the reader's time zone: a time, or each
    person's local time from a day on."""
    start = cascade.send_at or cascade.created_at
    if cascade.local_time:
        return text(
            "cascade.scheduled_local", time=cascade.local_time, date=format_local(start, tz)
        )
    return format_local(start, tz)


def scheduled_text(session: Session, cascade: Cascade, sender: Person, words: str = "chat") -> str:
    """The confirmation of a scheduled cascade, with the way to cancel it."""
    return text(
        "cascade.scheduled",
        title=cascade.title,
        id=cascade.id,
        when=when_words(cascade, sender.timezone),
        direct=len(people.direct_reports(session, sender)),
        audience=len(people.subtree(session, sender)),
        days=cascade.window_days,
        next=next_step("scheduled", row_id(cascade.id), words),
    )


def when_typed(typed: str, sender: Person, now: datetime) -> tuple[datetime | None, str | None]:
    """``at 2027-03-15 09:00`` (the sender's time zone), ``local 09:00`` (each person's own
    09:00 on their next working day) or ``local 09:00 from 2027-03-15``: (send_at, local
    time), as ``culturebot cascade send --at/--local`` take them; a polite refusal with
    examples otherwise."""
    words = typed.split()
    usage = UserError(text("cascade.schedule_usage"), field="when")
    kind = words[0].lower() if words else ""
    if kind == "at" and len(words) == 3:
        day, hhmm = parse_date(words[1]), parse_time(words[2])
        if day is None or hhmm is None:
            raise usage
        send_at = local_instant(day, hhmm, sender.timezone)
        if send_at < now - timedelta(minutes=1):
            raise UserError(text("cascade.bad_at", value=format_local(send_at, sender.timezone)))
        return send_at, None
    if kind == "local" and len(words) in (2, 4):
        hhmm = parse_time(words[1])
        since = None
        if len(words) == 4:
            day = parse_date(words[3]) if words[2].lower() == "from" else None
            if day is None:
                raise usage
            since = max(local_instant(day, "00:00", sender.timezone), now)
        if hhmm is None:
            raise usage
        return since, hhmm
    raise usage


def _when_ref(send_at: datetime | None, local: str | None) -> str:
    """What the form carries back of a schedule: "at=ISO;local=HH:MM" (parts left out)."""
    parts = ([f"at={send_at.isoformat()}"] if send_at else []) + (
        [f"local={local}"] if local else []
    )
    return ";".join(parts)


def _when_of_ref(ref: str, sender: Person, now: datetime) -> tuple[datetime | None, str | None]:
    """The schedule a form carried (``_when_ref``), checked again: it came back from outside."""
    values = dict(part.partition("=")[::2] for part in ref.split(";") if "=" in part)
    local = parse_time(values["local"]) if values.get("local") else None
    try:
        send_at = datetime.fromisoformat(values["at"]) if values.get("at") else None
    except ValueError:
        send_at = None
    if send_at is not None and (send_at.tzinfo is None or send_at < now - timedelta(minutes=1)):
        raise UserError(text("cascade.bad_at", value=values.get("at", "")[:30]))
    return send_at, local


def schedule_form(ctx: Context, typed: str) -> Response:
    """``cascade at ...`` / ``cascade local ...``: the broadcast form, for a cascade that goes
    out then; the preview says when, and Schedule (or Don't send) follows."""
    may_broadcast(ctx.session, ctx.person)
    send_at, local = when_typed(typed, ctx.person, ctx.now)
    return broadcast_form(ref=_when_ref(send_at, local))


def preview_scheduled(ctx: Context, ref: str) -> Response:
    """``cascade preview [ID]``: when one of the leader's scheduled cascades goes out and whom
    it would reach (its next one without a number); with none scheduled, whom a cascade sent
    now would reach."""
    may_broadcast(ctx.session, ctx.person)
    query = select(Cascade).where(Cascade.sender_id == ctx.person.id, Cascade.status == "scheduled")
    if ref:
        cascade_id = parse_id(ref)
        if cascade_id is None:
            raise UserError(text("cascade.preview_usage"))
        query = query.where(Cascade.id == cascade_id)
    cascade = ctx.session.exec(query.order_by(col(Cascade.send_at), col(Cascade.id))).first()
    if cascade is None and ref:
        raise UserError(text("cascade.preview_none", id=ref[:20]))
    who = cascade_preview.as_text(cascade_preview.build(ctx.session, ctx.runtime, ctx.person))
    if cascade is None:
        return Response(replies=[text_message(text("cascade.preview_nothing", who=who))])
    heading = text(
        "cascade.preview_scheduled",
        id=cascade.id,
        title=cascade.title,
        when=when_words(cascade, ctx.person.timezone),
    )
    words = "\n".join([heading, who, next_step("scheduled", row_id(cascade.id))])
    return Response(replies=[text_message(words)])


def next_step(done: str, cascade_id: int, words: str = "chat") -> str:
    """What the sender can do next with a cascade just ``done`` ("sent" or "scheduled"), as
    a chat command or (``words="cli"``) the command line's."""
    suffix = "_cli" if words == "cli" else ""
    return text(f"cascade.{done}_next{suffix}", id=cascade_id)


# --- chat handlers -------------------------------------------------------------------------


def command(ctx: Context, incoming: Incoming) -> Response:
    """``cascade`` opens the broadcast form; ``cascade report [ID]`` shows a chain report."""
    word, _, rest = incoming.text.strip().partition(" ")
    if word.lower() == "report":
        return Response(replies=[report_or_list(ctx, rest)])
    if word.lower() == "cancel":
        cascade_id = parse_id(rest)
        if cascade_id is None:
            raise UserError(text("cascade.cancel_usage"))
        done = cancel(ctx.session, ctx.person, cascade_id, now=ctx.now, by=ctx.person.email)
        return Response(replies=[text_message(done)])
    if word.lower() in ("at", "local"):
        return schedule_form(ctx, incoming.text)
    if word.lower() == "preview":
        return preview_scheduled(ctx, rest.strip())
    if word:
        return Response(replies=[text_message(text("cascade.usage"))])
    owed = owed_links(ctx.session, ctx.person)
    if owed and ctx.person.role != "leader" and ctx.person.manager_id is not None:
        # a manager typing "cascade" has one to pass on: that is what they came for
        if len(owed) == 1:
            return relay(
                ctx,
                Incoming(
                    platform=incoming.platform,
                    user_id=incoming.user_id,
                    kind="action",
                    value=str(owed[0][0].id),
                ),
            )
        return Response(replies=[text_message(text("cascade.relay_several", count=len(owed)))])
    may_broadcast(ctx.session, ctx.person)
    return broadcast_form()


def broadcast_form(ref: str = "", kept: dict[str, str] | None = None) -> Response:
    """The form a leader fills in; ``ref`` carries a schedule (``_when_ref``), if any, and the
    form's own token (``form=...``), under which a refused form's other fields are kept."""
    if "form=" not in ref:
        ref = ";".join(part for part in (ref, drafts.new_ref("form=cascade")) if part)
    return Response(
        form=Form(
            action="cascade.send",
            ref=ref,
            title=text("cascade.form_title"),
            fields=drafts.prefilled(_broadcast_fields(), kept or {}),
            submit_label=text("cascade.send_label"),
        )
    )


def _broadcast_fields() -> tuple[FormField, ...]:
    return (
        FormField(name="title", label=text("cascade.field_title"), max_length=TITLE_MAX),
        FormField(
            name="message",
            label=text("cascade.field_message"),
            multiline=True,
            max_length=BODY_MAX,
        ),
        FormField(
            name="customer",
            label=text("cascade.field_customer"),
            required=False,
            max_length=CUSTOMER_MAX,
        ),
        FormField(
            name="window_days",
            label=text("cascade.field_window", max=WINDOW_MAX, default=WINDOW_DEFAULT),
            required=False,
            max_length=2,
            placeholder=str(WINDOW_DEFAULT),
        ),
    )


def submit(ctx: Context, incoming: Incoming) -> Response:
    """The filled form: checked, kept as a draft, and shown back as a preview (who gets it,
    by level, who relays, who cannot be reached) with Send / Don't send. Refused for one
    field, the others are kept (a form in progress: ``pending`` offers to finish it)."""
    return drafts.submitted(ctx, incoming, "cascade.send", lambda: _submit(ctx, incoming))


def _draft_line(draft: FormDraft, kept: dict[str, str]) -> str:
    return text("home.item_draft_cascade", title=shortened(kept.get("title", ""), 60))


drafts.register_form("cascade.send", _draft_line, "cascade.resume")


def resume(ctx: Context, incoming: Incoming) -> Response:
    """ "Finish it": the broadcast form, pre-filled with what was kept (and its schedule)."""
    draft = drafts.mine(ctx, incoming, "cascade.send", text("cascade.form_gone"))
    may_broadcast(ctx.session, ctx.person)
    return broadcast_form(ref=draft.ref, kept=drafts.kept(draft))


def _submit(ctx: Context, incoming: Incoming) -> Response:
    fields = incoming.fields
    may_broadcast(ctx.session, ctx.person)
    title = clean(fields.get("title"), "title", TITLE_MAX)
    body = clean(fields.get("message"), "message", BODY_MAX)
    customer = clean(fields.get("customer"), "customer", CUSTOMER_MAX, required=False) or None
    days = window_days(fields.get("window_days"))
    send_at, local = _when_of_ref(incoming.ref, ctx.person, ctx.now)
    draft = cascade_chain.draft(
        ctx.session,
        ctx.runtime,
        ctx.person,
        title=title,
        body=body,
        customer_line=customer,
        window_days=days,
        send_at=send_at,
        local_time=local,
    )
    summary = cascade_preview.as_text(cascade_preview.build(ctx.session, ctx.runtime, ctx.person))
    question = text("cascade.preview_confirm")
    confirm_label = text("cascade.confirm_button")
    if draft.send_at is not None:
        when = when_words(draft, ctx.person.timezone)
        question = text("cascade.preview_schedule", when=when)
        confirm_label = text("cascade.schedule_button")
    return Response(
        replies=[
            Message(
                summary=question,
                parts=(
                    Text(text=f'"{title}"', style="heading"),
                    Text(text=summary),
                    Text(text=question),
                    Buttons(
                        buttons=(
                            Button(
                                label=confirm_label,
                                action="cascade.confirm",
                                value=str(draft.id),
                                style="primary",
                            ),
                            Button(
                                label=text("cascade.discard_button"),
                                action="cascade.discard",
                                value=str(draft.id),
                            ),
                        )
                    ),
                ),
            )
        ]
    )


def _my_draft(ctx: Context, incoming: Incoming) -> Cascade | None:
    cascade_id = parse_id(incoming.value or incoming.ref)
    if cascade_id is None:
        raise UserError(text("cascade.not_yours"))
    cascade = ctx.session.get(Cascade, cascade_id)
    if cascade is not None and cascade.sender_id != ctx.person.id:
        raise UserError(text("cascade.not_yours"))
    return cascade if cascade is not None and cascade.status == "draft" else None


def confirm(ctx: Context, incoming: Incoming) -> Response:
    """Send the previewed draft (once, however often the button is pressed)."""
    cascade = _my_draft(ctx, incoming)
    if cascade is None:
        return Response(update=text_message(text("cascade.draft_gone")))
    may_broadcast(ctx.session, ctx.person)
    direct = cascade_chain.launch(ctx.session, ctx.runtime, cascade, ctx.person)
    if direct is None:
        return Response(update=text_message(text("cascade.draft_gone")))
    if cascade.status == "scheduled":
        return scheduled(ctx, cascade)
    audit.record(
        ctx.session,
        "cascade.send",
        actor=ctx.person.email,
        at=ctx.now,
        target=f"cascade {cascade.id}",
        details={"direct": direct, "window_days": cascade.window_days},
    )
    sent = text(
        "cascade.sent",
        title=cascade.title,
        direct=direct,
        audience=len(people.subtree(ctx.session, ctx.person)),
        days=cascade.window_days,
        id=cascade.id,
        next=next_step("sent", row_id(cascade.id)),
    )
    return Response(update=text_message(sent))


def scheduled(ctx: Context, cascade: Cascade) -> Response:
    """A previewed draft, confirmed for later: audited as scheduled, with how to cancel it."""
    audit.record(
        ctx.session,
        "cascade.schedule",
        actor=ctx.person.email,
        at=ctx.now,
        target=f"cascade {cascade.id}",
        details={"window_days": cascade.window_days, "local_time": cascade.local_time},
    )
    return Response(update=text_message(scheduled_text(ctx.session, cascade, ctx.person)))


def discard(ctx: Context, incoming: Incoming) -> Response:
    cascade = _my_draft(ctx, incoming)
    if cascade is None:
        return Response(update=text_message(text("cascade.draft_gone")))
    ctx.session.delete(cascade)
    return Response(update=text_message(text("cascade.discarded")))


def owed_links(session: Session, manager: Person) -> list[tuple[CascadeLink, Cascade]]:
    """The cascades ``manager`` still owes their team a relay of, the soonest due first."""
    rows = session.exec(
        select(CascadeLink, Cascade)
        .join(Cascade, col(Cascade.id) == col(CascadeLink.cascade_id))
        .where(
            CascadeLink.manager_id == manager.id,
            CascadeLink.status == "pending",
            col(CascadeLink.level) > 0,
            Cascade.status == "running",
        )
        .order_by(col(CascadeLink.due_at), col(CascadeLink.id))
    ).all()
    return [(link, cascade) for link, cascade in rows]


def _my_link(ctx: Context, ref: str) -> tuple[CascadeLink, Cascade]:
    link_id = parse_id(ref)
    link = ctx.session.get(CascadeLink, link_id) if link_id else None
    if link is None or link.manager_id != ctx.person.id or link.level == 0:
        raise UserError(text("cascade.not_yours"))
    cascade = ctx.session.get(Cascade, link.cascade_id)
    assert cascade is not None
    return link, cascade


def _not_pending(ctx: Context, link: CascadeLink, cascade: Cascade) -> Response | None:
    """The clear no-op answer for a link that was already relayed, escalated or passed."""
    if link.status == "pending":
        return None
    when = chat_time(link.acted_at or ctx.now, ctx.person.timezone)
    key = {"relayed": "already_relayed", "escalated": "already_escalated"}.get(
        link.status, "passed"
    )
    return Response(replies=[notice(key, title=cascade.title, when=when)])


def relay(ctx: Context, incoming: Incoming) -> Response:
    """ "Relay to my team": ask for the personal note."""
    link, cascade = _my_link(ctx, incoming.value or incoming.ref)
    done = _not_pending(ctx, link, cascade)
    if done is not None:
        return done
    return Response(
        form=Form(
            action="cascade.relay_note",
            ref=str(link.id),
            title=text("cascade.relay_form", title=cascade.title),
            fields=(
                FormField(
                    name="note",
                    label=text("cascade.note_label", minimum=NOTE_MIN),
                    multiline=True,
                    max_length=NOTE_MAX,
                ),
            ),
            submit_label=text("cascade.relay_label"),
        )
    )


def relay_note(ctx: Context, incoming: Incoming) -> Response:
    """The relay's note: refused, what else was typed is kept as for every form (the relay
    itself stays open in ``pending``)."""
    return drafts.submitted(ctx, incoming, "cascade.relay_note", lambda: _relay_note(ctx, incoming))


def _relay_note(ctx: Context, incoming: Incoming) -> Response:
    link, cascade = _my_link(ctx, incoming.ref)
    done = _not_pending(ctx, link, cascade)
    if done is not None:
        return done
    note = clean(incoming.fields.get("note"), "note", NOTE_MAX)
    if len(note) < NOTE_MIN:
        raise UserError(text("cascade.too_short", length=len(note), minimum=NOTE_MIN), field="note")
    chain = cascade_chain.Chain.of(ctx.session, ctx.runtime, cascade)
    count = chain.relay(link, ctx.person, note)
    if count is None:  # someone (a tick) moved the link on between our read and our write
        ctx.session.refresh(link)
        return _not_pending(ctx, link, cascade) or Response()
    key = "relayed" if count else "relayed_none"
    return Response(replies=[notice(key, count=count)])


def _my_receipt(ctx: Context, value: str) -> tuple[CascadeReceipt, Cascade]:
    receipt = None
    cascade_id = parse_id(value)
    if cascade_id:
        receipt = ctx.session.exec(
            select(CascadeReceipt).where(
                CascadeReceipt.cascade_id == cascade_id, CascadeReceipt.person_id == ctx.person.id
            )
        ).first()
    if receipt is None:
        raise UserError(text("cascade.not_yours"))
    cascade = ctx.session.get(Cascade, receipt.cascade_id)
    assert cascade is not None
    return receipt, cascade


def acknowledge(ctx: Context, incoming: Incoming) -> Response:
    receipt, cascade = _my_receipt(ctx, incoming.value or incoming.ref)
    if receipt.acknowledged_at is not None:
        return Response(replies=[notice("ack_again", title=cascade.title)])
    receipt.acknowledged_at = ctx.now
    ctx.session.add(receipt)
    # a reply, not an update: the leader's message stays readable where it was
    return Response(replies=[notice("ack_thanks", title=cascade.title)])


def _manager_of(ctx: Context, receipt: CascadeReceipt, cascade: Cascade) -> Person:
    """Who answers a question: the asker's own manager, else who reached them, else the leader."""
    for candidate in (ctx.person.manager_id, receipt.via_id, cascade.sender_id):
        person = ctx.session.get(Person, candidate) if candidate else None
        if person is not None and person.active and person.id != ctx.person.id:
            return person
    raise UserError(text("cascade.not_yours"))


def ask(ctx: Context, incoming: Incoming) -> Response:
    receipt, cascade = _my_receipt(ctx, incoming.value or incoming.ref)
    manager = _manager_of(ctx, receipt, cascade)
    return Response(
        form=Form(
            action="cascade.question",
            ref=str(cascade.id),
            title=text("cascade.ask_form", title=cascade.title),
            fields=(
                FormField(
                    name="question",
                    label=text("cascade.question_label", manager=manager.name),
                    multiline=True,
                    max_length=QUESTION_MAX,
                ),
            ),
            submit_label=text("cascade.ask_label"),
        )
    )


def question(ctx: Context, incoming: Incoming) -> Response:
    receipt, cascade = _my_receipt(ctx, incoming.ref)
    asked = clean(incoming.fields.get("question"), "question", QUESTION_MAX)
    manager = _manager_of(ctx, receipt, cascade)
    row = CascadeQuestion(
        cascade_id=row_id(cascade.id),
        asker_id=row_id(ctx.person.id),
        manager_id=row_id(manager.id),
        text=asked,
        asked_at=ctx.now,
    )
    ctx.session.add(row)
    ctx.session.flush()
    send_later(
        ctx.session,
        ctx.runtime,
        manager,
        partial(_question_for_manager, row, ctx.person, cascade),
        key=f"cascade:{cascade.id}:question:{row.id}",
        kind="cascade.question",
    )
    return Response(replies=[notice("asked", manager=manager.name)])


def _question_for_manager(row: CascadeQuestion, asker: Person, cascade: Cascade) -> Message:
    """A reader's question about a cascade, as their manager gets it, with an answer button."""
    intro = text("cascade.question_for_you", asker=asker.name, title=cascade.title)
    answer = Button(
        label=text("cascade.answer_button"),
        action="cascade.answer",
        value=str(row.id),
        style="primary",
    )
    return Message(
        summary=intro,
        parts=(
            Text(text=intro),
            Text(text=row.text, style="quote"),
            Buttons(buttons=(answer,)),
        ),
    )


def _my_question(ctx: Context, ref: str) -> tuple[CascadeQuestion, Cascade, Person]:
    question_id = parse_id(ref)
    row = ctx.session.get(CascadeQuestion, question_id) if question_id else None
    if row is None or row.manager_id != ctx.person.id:
        raise UserError(text("cascade.not_yours"))
    cascade = ctx.session.get(Cascade, row.cascade_id)
    asker = ctx.session.get(Person, row.asker_id)
    assert cascade is not None and asker is not None
    return row, cascade, asker


def answer(ctx: Context, incoming: Incoming) -> Response:
    row, cascade, asker = _my_question(ctx, incoming.value or incoming.ref)
    if row.answered_at is not None:
        when = chat_time(row.answered_at, ctx.person.timezone)
        return Response(replies=[notice("already_answered", when=when)])
    return Response(
        form=Form(
            action="cascade.answer_send",
            ref=str(row.id),
            title=text("cascade.answer_form", asker=asker.name),
            fields=(
                FormField(
                    name="answer",
                    label=text("cascade.answer_label"),
                    multiline=True,
                    max_length=QUESTION_MAX,
                ),
            ),
        )
    )


def answer_send(ctx: Context, incoming: Incoming) -> Response:
    row, cascade, asker = _my_question(ctx, incoming.ref)
    if row.answered_at is not None:
        when = chat_time(row.answered_at, ctx.person.timezone)
        return Response(replies=[notice("already_answered", when=when)])
    reply = clean(incoming.fields.get("answer"), "answer", QUESTION_MAX)
    row.answer, row.answered_at = reply, ctx.now
    ctx.session.add(row)
    manager = ctx.person

    def answered() -> Message:
        intro = text("cascade.answer_for_you", manager=manager.name, title=cascade.title)
        return Message(summary=intro, parts=(Text(text=intro), Text(text=reply, style="quote")))

    send_later(
        ctx.session,
        ctx.runtime,
        asker,
        answered,
        key=f"cascade:{cascade.id}:answer:{row.id}",
        kind="cascade.answer",
    )
    return Response(replies=[notice("answer_sent", asker=asker.name)])


def report_or_list(ctx: Context, typed: str) -> Message:
    """``cascade report [ID]``: one chain report; ``cascade report weeks 8`` (``since``,
    ``until``): the leader's own cascades sent in that period."""
    chosen, rest = periods.typed(typed, ctx.now.date(), "cascade report")
    if not chosen:
        return report_for(ctx, " ".join(rest))
    if rest:
        raise UserError(text("cascade.report_and_period"))
    sent = cascade_report.sent_in(
        ctx.session,
        chosen,
        ctx.settings.min_group_size,
        sender_id=ctx.person.id,
        min_texts=ctx.settings.min_comment_group_size,
    )
    audit.viewed(ctx.session, "cascade reports (chat)", actor=ctx.person.email, at=ctx.now)
    return text_message(cascade_report.list_text(sent, chosen, ctx.person.timezone))


def report_for(ctx: Context, ref: str) -> Message:
    """The chain report, for the leader who sent the cascade (their latest without an ID)."""
    if ref:
        cascade_id = parse_id(ref)
        if cascade_id is None and not looks_numeric(ref):  # a word: say what is expected
            raise UserError(text("cascade.report_usage"))
        cascade = None if cascade_id is None else ctx.session.get(Cascade, cascade_id)
        if cascade is None:  # a number ("²", 20 digits) that names no cascade
            raise UserError(text("cascade.unknown_cascade", id=ref[:20]))
    else:
        cascade = ctx.session.exec(
            select(Cascade)
            .where(Cascade.sender_id == ctx.person.id, Cascade.status != "draft")
            .order_by(col(Cascade.id).desc())
        ).first()
        if cascade is None:
            raise UserError(text("cascade.no_cascades"))
    if cascade.sender_id != ctx.person.id:
        raise UserError(text("cascade.report_not_yours"))
    report = cascade_report.build(
        ctx.session,
        row_id(cascade.id),
        ctx.settings.min_group_size,
        ctx.settings.min_comment_group_size,
    )
    audit.record(
        ctx.session,
        "report.open",
        actor=ctx.person.email,
        at=ctx.now,
        target=f"cascade report {cascade.id}",
    )
    return text_message(cascade_report.as_text(report, ctx.person.timezone))


def tick(runtime: Runtime) -> dict[str, int]:
    """Nudges, escalations, joiners and leavers for every running cascade (scheduler tick)."""
    return cascade_chain.tick(runtime)


next_due = cascade_chain.next_due  # when tick could next have work (see there)


def register(router: Router) -> None:
    router.command("cascade")(command)
    router.action("cascade.send")(submit)
    router.action("cascade.resume")(resume)
    router.action("cascade.confirm")(confirm)
    router.action("cascade.discard")(discard)
    router.action("cascade.relay")(relay)
    router.action("cascade.relay_note")(relay_note)
    router.action("cascade.ack")(acknowledge)
    router.action("cascade.ask")(ask)
    router.action("cascade.question")(question)
    router.action("cascade.answer")(answer)
    router.action("cascade.answer_send")(answer_send)
