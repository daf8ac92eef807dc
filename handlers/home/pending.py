"""Open work, read from the database: what a person still has to do, on any platform and after
any restart (issue 23: no dead ends).

An open item is a pulse question not yet answered in an open round, a cascade the manager
still owes their team (a relay), the assessment in progress, a form in progress (a story or
idea kept after a refusal), or an objective action of theirs still to move on. Each carries
its own label (``checkin-12``, ``relay-3``, ...), so ``pending`` lists them, ``answer`` and
``relay`` act on one, and ``home`` shows each with its button.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

import prompts
from bot.core.chat import (
    Button,
    Buttons,
    Incoming,
    Message,
    Part,
    Response,
    Text,
    UserError,
    chat_time,
)
from bot.core.parsing import looks_numeric, parse_int
from bot.core.router import Router
from bot.core.runtime import Context
from handlers.cascade import actions as cascade_actions
from handlers.cascade.messages import relay_button
from handlers.common import drafts
from handlers.common.formatting import shortened
from handlers.pulse import rounds
from storage.models import Person, PulsePrompt, PulseRound
from storage.roadmap import (
    Assessment,
    Objective,
    ObjectiveAction,
    answered_count,
    draft_answers,
    open_invite,
)


@dataclass(frozen=True)
class OpenItem:
    """One thing waiting for the person: its label, a line that says what it is, and the
    parts that let them act on it (a question, a button)."""

    kind: str  # checkin | relay | assessment | draft | action
    label: str
    line: str
    parts: tuple[Part, ...] = field(default=())


def open_checkins(session: Session, person: Person, now: datetime) -> list[OpenItem]:
    rows = session.exec(
        select(PulsePrompt, PulseRound)
        .join(PulseRound, col(PulseRound.id) == col(PulsePrompt.round_id))
        .where(
            PulsePrompt.person_id == person.id,
            PulsePrompt.status == "sent",
            col(PulsePrompt.closes_at) > now,
        )
        .order_by(col(PulsePrompt.closes_at), col(PulsePrompt.id))
    ).all()
    items = []
    name_of = rounds.starter_of(session)
    for prompt, round_ in rows:
        message = rounds.question_message(
            prompt,
            round_.question_id,
            person.timezone,
            rounds.round_bank(session, round_),
            name_of(round_),
        )
        closes = chat_time(prompt.closes_at, person.timezone)
        label = f"checkin-{prompt.id}"
        items.append(
            OpenItem(
                "checkin",
                label,
                prompts.text("home.item_checkin", question=message.summary, closes=closes),
                (
                    *message.parts,
                    Text(text=prompts.text("home.closes", closes=closes), style="muted"),
                ),
            )
        )
    return items


def owed_relays(session: Session, person: Person, now: datetime) -> list[OpenItem]:
    rows = cascade_actions.owed_links(session, person)
    items = []
    for link, cascade in rows:
        due = chat_time(link.due_at, person.timezone)
        line = prompts.text("home.item_relay", title=cascade.title, due=due)
        items.append(
            OpenItem(
                "relay",
                f"relay-{link.id}",
                line,
                (Text(text=line), Buttons(buttons=(relay_button(link),))),
            )
        )
    return items


def assessment_in_progress(session: Session, person: Person, now: datetime) -> list[OpenItem]:
    invite = open_invite(session, person, now)
    if invite is None or invite.status == "submitted":
        return []
    found = session.get(Assessment, invite.assessment_id)
    closes = chat_time(found.closes_at, person.timezone) if found else ""
    line = prompts.text(
        "home.item_assessment",
        answered=answered_count(draft_answers(invite.draft)),
        total=len(prompts.assessment().statements),
        closes=closes,
    )
    button = Button(
        label=prompts.text("assess.answer_button"),
        action="assess.open",
        value=str(invite.id),
        style="primary",
    )
    return [
        OpenItem(
            "assessment",
            f"assessment-{invite.id}",
            line,
            (Text(text=line), Buttons(buttons=(button,))),
        )
    ]


def forms_in_progress(session: Session, person: Person, now: datetime) -> list[OpenItem]:
    """Forms in progress (kept after a refusal: a story, an idea, a cascade, an objective),
    each with "Finish it", which reopens the form pre-filled."""
    items = []
    for draft in drafts.open_drafts(session, person):
        form = drafts.FORMS.get(draft.action)
        if form is None:
            continue
        line = form.line(draft, drafts.kept(draft))
        button = Button(
            label=prompts.text("home.finish_draft"),
            action=form.resume_action,
            value=str(draft.id),
            style="primary",
        )
        items.append(
            OpenItem(
                "draft", f"draft-{draft.id}", line, (Text(text=line), Buttons(buttons=(button,)))
            )
        )
    return items


def actions_to_update(session: Session, person: Person, now: datetime) -> list[OpenItem]:
    rows = session.exec(
        select(ObjectiveAction, Objective)
        .join(Objective, col(Objective.id) == col(ObjectiveAction.objective_id))
        .where(
            ObjectiveAction.owner_id == person.id,
            ObjectiveAction.status != "done",
            Objective.status == "open",
        )
        .order_by(col(ObjectiveAction.due), col(ObjectiveAction.id))
    ).all()
    return [
        OpenItem(
            "action",
            f"action-{action.id}",
            prompts.text(
                "home.item_action",
                id=action.id,
                text=shortened(action.text),
                status=action.status,
                due=f"{action.due:%a %d %b}",
            ),
        )
        for action, _objective in rows
    ]


KINDS = (open_checkins, owed_relays, assessment_in_progress, forms_in_progress, actions_to_update)


def open_items(session: Session, person: Person, now: datetime) -> list[OpenItem]:
    """Everything waiting for ``person``, in a fixed order: check-ins, relays, the
    assessment, forms in progress, actions."""
    return [item for kind in KINDS for item in kind(session, person, now)]


def pick(items: list[OpenItem], kind: str, label: str, usage: str) -> OpenItem:
    """The item ``label`` names among those of ``kind`` ("relay" alone when there is one)."""
    mine = [item for item in items if item.kind == kind]
    if label:
        chosen = [item for item in mine if item.label == label.lower()]
        if label.lower() == kind and len(mine) == 1:
            chosen = mine
        if not chosen:
            raise UserError(_which(mine, kind, usage, unknown=label))
        return chosen[0]
    if len(mine) == 1:
        return mine[0]
    raise UserError(_which(mine, kind, usage))


def _which(items: list[OpenItem], kind: str, usage: str, unknown: str = "") -> str:
    if not items:
        return prompts.text(f"home.none_{kind}")
    lines = [prompts.text("home.unknown_label", label=unknown[:20])] if unknown else []
    lines.append(prompts.text("home.which", count=len(items)))
    lines.extend(f"{item.label}: {item.line}" for item in items)
    lines.append(prompts.text(usage, label=items[0].label))
    return "\n".join(lines)


# --- chat ----------------------------------------------------------------------------------


def show_pending(ctx: Context, incoming: Incoming) -> Response:
    """``pending``: every open item with its label and how to act on it."""
    items = open_items(ctx.session, ctx.person, ctx.now)
    if not items:
        return Response(replies=[_message(prompts.text("home.nothing_open"), ())])
    lines = [prompts.text("home.pending_intro", count=len(items))]
    lines.extend(f"{item.label}: {item.line}" for item in items)
    lines.append(prompts.text("home.pending_how"))
    buttons = tuple(
        b for item in items for p in item.parts if isinstance(p, Buttons) for b in p.buttons
    )
    return Response(replies=[_message("\n".join(lines), buttons)])


def _message(words: str, buttons: tuple[Button, ...]) -> Message:
    parts: tuple[Part, ...] = (Text(text=words),)
    if buttons:
        parts = (*parts, Buttons(buttons=buttons))
    return Message(summary=words.splitlines()[0], parts=parts)


def answer(ctx: Context, incoming: Incoming) -> Response:
    """``answer 4``, ``answer checkin-12 4``, optionally followed by a comment."""
    words = incoming.text.split(maxsplit=2)
    label = ""
    if words and not looks_numeric(words[0]):
        label, words = words[0], words[1:]
    if not words or parse_int(words[0], 0, 10) is None:  # the question's own scale decides
        raise UserError(prompts.text("home.answer_usage"))
    score = str(parse_int(words[0], 0, 10))
    comment = " ".join(words[1:])
    item = pick(
        open_checkins(ctx.session, ctx.person, ctx.now), "checkin", label, "home.answer_example"
    )
    routed = Incoming(
        platform=incoming.platform,
        user_id=incoming.user_id,
        kind="action",
        name="pulse.answer",
        ref=item.label.removeprefix("checkin-"),
        value=score,
        fields={"comment": comment} if comment else {},
    )
    done = rounds.answer(ctx, routed)
    return Response(replies=[*done.replies, *([done.update] if done.update else [])])


def relay(ctx: Context, incoming: Incoming) -> Response:
    """``relay`` (the note form), ``relay relay-3``, or ``relay [label] <your note>``."""
    text = incoming.text.strip()
    first, _, rest = text.partition(" ")
    label = first if first.lower().startswith("relay") else ""
    note = rest.strip() if label else text
    item = pick(owed_relays(ctx.session, ctx.person, ctx.now), "relay", label, "home.relay_example")
    link_ref = item.label.removeprefix("relay-")
    if not note:
        return cascade_actions.relay(
            ctx,
            Incoming(
                platform=incoming.platform, user_id=incoming.user_id, kind="action", value=link_ref
            ),
        )
    return cascade_actions.relay_note(
        ctx,
        Incoming(
            platform=incoming.platform,
            user_id=incoming.user_id,
            kind="action",
            ref=link_ref,
            fields={"note": note},
        ),
    )


def register(router: Router) -> None:
    router.command("pending")(show_pending)
    router.command("answer")(answer)
    router.command("relay")(relay)
