"""Forms in progress (``FormDraft``), one mechanism for every form people fill in (issue 23).

A submission refused for one field keeps the other fields: ``submitted`` runs the form's
handler, and on a refusal that names a field it keeps what else was typed under the form's
own ``ref``; on success it deletes the draft. Each form registers (``register_form``) how its
draft reads in ``pending``/``home`` and which action reopens it pre-filled, so ``home`` lists
every kind without knowing the capabilities above it.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col, select

from bot.core.chat import FormField, Incoming, Response, UserError, text_message
from bot.core.parsing import parse_id
from bot.core.runtime import Context
from storage.models import FormDraft, Person
from storage.types import row_id


@dataclass(frozen=True)
class DraftForm:
    """How a form's draft shows in ``pending``/``home``: its line, and the action (with the
    draft's id as value) that reopens the form pre-filled."""

    line: Callable[[FormDraft, dict[str, str]], str]
    resume_action: str


FORMS: dict[str, DraftForm] = {}


def register_form(
    action: str, line: Callable[[FormDraft, dict[str, str]], str], resume: str
) -> None:
    FORMS[action] = DraftForm(line, resume)


def new_ref(prefix: str) -> str:
    """A one-time token for a form, so its draft is found again."""
    return f"{prefix}.{secrets.token_hex(8)}"


def submitted(
    ctx: Context, incoming: Incoming, action: str, run: Callable[[], Response]
) -> Response:
    """Run a form's submission: refused for one field, the rest is kept as a draft and the
    refusal answered (``refused_field``, so only that field is asked again); sent, the draft
    is deleted."""
    try:
        said = run()
    except UserError as refusal:
        if refusal.field is None or not incoming.ref:
            raise
        keep(ctx.session, ctx.person, action, incoming.ref, incoming.fields, refusal.field, ctx.now)
        return Response(
            replies=[text_message(str(refusal))], refused=True, refused_field=refusal.field
        )
    forget(ctx.session, ctx.person, incoming.ref)
    return said


def keep(
    session: Session,
    person: Person,
    action: str,
    ref: str,
    fields: Mapping[str, str],
    wrong: str,
    now: datetime,
) -> None:
    kept = {k: v for k, v in fields.items() if k != wrong and v}
    draft = session.exec(
        select(FormDraft).where(FormDraft.person_id == person.id, FormDraft.ref == ref[:200])
    ).first()
    if draft is None:
        if not kept:
            return  # nothing typed but the field refused: nothing to keep
        draft = FormDraft(
            person_id=row_id(person.id), action=action, ref=ref[:200], fields="{}", updated_at=now
        )
    draft.fields, draft.updated_at = json.dumps(kept), now
    session.add(draft)


def forget(session: Session, person: Person, ref: str) -> None:
    if ref:
        session.exec(
            delete(FormDraft).where(
                col(FormDraft.person_id) == person.id, col(FormDraft.ref) == ref[:200]
            )
        )


def open_drafts(session: Session, person: Person, action: str | None = None) -> list[FormDraft]:
    """The person's forms in progress (of one ``action``, or every kind), the latest first."""
    query = select(FormDraft).where(FormDraft.person_id == person.id)
    if action is not None:
        query = query.where(FormDraft.action == action)
    order = (col(FormDraft.updated_at).desc(), col(FormDraft.id).desc())
    return list(session.exec(query.order_by(*order)))


def kept(draft: FormDraft) -> dict[str, str]:
    data = json.loads(draft.fields or "{}")
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def mine(ctx: Context, incoming: Incoming, action: str, gone: str) -> FormDraft:
    """The draft a "Finish it" button names, the person's own and of ``action``."""
    draft_id = parse_id(incoming.value or incoming.ref)
    draft = ctx.session.get(FormDraft, draft_id) if draft_id else None
    if draft is None or draft.person_id != ctx.person.id or draft.action != action:
        raise UserError(gone)
    return draft


def prefilled(fields: tuple[FormField, ...], typed: dict[str, str]) -> tuple[FormField, ...]:
    """The form's fields with what was kept as their initial values."""
    if not typed:
        return fields
    return tuple(
        f.model_copy(update={"initial": typed[f.name]}) if f.name in typed else f for f in fields
    )
