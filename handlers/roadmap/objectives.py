"""Objectives and the roadmap: tangible targets on an assessment dimension, with actions.

A leader or manager sets an objective for their own subtree: a dimension, where it starts and
the target (3.1 -> 3.8), a due date, an owner in the subtree, and a few concrete actions, each
with an owner in the subtree and a status (planned, doing, done).

Each objective shows its progress from the latest *closed* figures (``handlers.roadmap.baseline``,
through the disclosure gate, never from raw answers):

- **reached**: the latest figure is at or above the target;
- **missed**: the due date has passed below the target;
- **on track**: the figure is at least where a straight line from start to target would be
  today (less a tenth, the precision figures are shown with);
- **at risk**: below that line, or no figure yet once half the time has gone.

Everyone sees the objectives of every scope they belong to (their managers' up the chain,
and their own and those below them if they manage): the roadmap is for everyone. The figure
shown is the scope's own published cell, which the gate made safe for the whole publication.
Owners get one chat nudge a month for an objective at risk or an action of theirs overdue.

Every function takes a session, the acting person and the clock's ``now``, and returns plain
dataclasses, so chat, the command line and the dashboard share them. Bad input is refused
with ``UserError`` naming the field; nothing is written.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from functools import partial

from sqlmodel import Session, col, or_, select

import prompts
from bot.core.chat import (
    Choice,
    Form,
    FormField,
    Incoming,
    Message,
    Response,
    UserError,
    text_message,
)
from bot.core.localized import number
from bot.core.parsing import looks_numeric, parse_date, parse_id
from bot.core.router import Router
from bot.core.runtime import Context, Runtime
from handlers.common import drafts
from handlers.common.formatting import csv_text, day_words, shortened
from handlers.common.outbox import send_later
from handlers.roadmap import baseline
from storage import audit, people
from storage.models import FormDraft, Person
from storage.roadmap import ACTION_STATUSES, Objective, ObjectiveAction
from storage.types import row_id

CLOSED_STATES = ("reached", "missed", "dropped")
STATES = ("on track", "at risk", "reached", "missed")
TOLERANCE = 0.1
MAX_ACTIONS = 12


@dataclass(frozen=True)
class ActionView:
    id: int
    text: str
    owner: str
    owner_email: str
    status: str
    due: date
    overdue: bool


@dataclass(frozen=True)
class ObjectiveView:
    id: int
    title: str
    scope: str  # the name of the person whose subtree it is for
    scope_email: str
    dimension: str
    dimension_name: str
    start: float
    target: float
    due: date
    owner: str
    owner_email: str
    status: str  # open | reached | missed | dropped
    state: str  # on track | at risk | reached | missed (closed: its closing state)
    current: float | None  # the latest closed figure for the scope and dimension
    current_source: str | None  # e.g. "assessment 2" or "pulse 2027-W10..2027-W13"
    actions: list[ActionView]


# --- checks ------------------------------------------------------------------------------


def _manager(session: Session, person: Person) -> None:
    if person.role not in ("leader", "manager") and not people.has_reports(session, person):
        raise UserError(prompts.text("objective.only_managers"), field="by")
    if not people.has_reports(session, person):
        raise UserError(prompts.text("objective.only_managers"), field="by")


def _in_scope(person: Person | None, scope: Person) -> bool:
    return person is not None and person.active and person.path.startswith(scope.path)


def _dimension(value: str) -> str:
    dimensions = prompts.assessment().dimensions
    key = value.strip().lower().replace(" ", "_").replace("-", "_")
    by_name = {d.name.lower(): k for k, d in dimensions.items()}
    key = key if key in dimensions else by_name.get(value.strip().lower(), "")
    if not key:
        raise UserError(
            prompts.text(
                "objective.bad_dimension", value=value or '""', known=", ".join(dimensions)
            ),
            field="dimension",
        )
    return key


def _score(value: str | float, key: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = -1.0
    if not 1.0 <= number <= 5.0:
        field = "target" if key == "bad_target" else "from"
        raise UserError(prompts.text(f"objective.{key}", value=value), field=field)
    return round(number, 1)


def _due(value: str | date, today: date) -> date:
    due = value if isinstance(value, date) else parse_date(value)
    if due is None or due <= today:
        raise UserError(prompts.text("objective.bad_due", today=today, value=value), field="due")
    return due


def _title(value: str) -> str:
    title = " ".join(value.split())
    if not 1 <= len(title) <= 200:
        raise UserError(prompts.text("objective.bad_title"), field="title")
    return title


def _owner(session: Session, email: str, scope: Person, key: str = "bad_owner") -> Person:
    person = people.by_email(session, email) if email.strip() else None
    if not _in_scope(person, scope):
        field = "owner" if key == "bad_owner" else "action"
        raise UserError(prompts.text(f"objective.{key}", email=email or '""'), field=field)
    assert person is not None
    return person


def _status(value: str) -> str:
    status = value.strip().lower()
    if status not in ACTION_STATUSES:
        raise UserError(prompts.text("objective.bad_status", value=value[:20]), field="status")
    return status


def parse_action(spec: str, default_owner: str) -> tuple[str, str]:
    """ "Visit three customers => sam@x.io" -> (text, owner email); no owner: the default."""
    text, _, owner = spec.partition("=>")
    text = " ".join(text.split())
    if not 1 <= len(text) <= 500:
        raise UserError(prompts.text("objective.bad_action"), field="action")
    return text, (owner.strip().lower() or default_owner)


# --- writing -----------------------------------------------------------------------------


def add(
    session: Session,
    actor: Person,
    now: datetime,
    *,
    title: str,
    dimension: str,
    target: str | float,
    due: str | date,
    owner: str,
    start: str | float | None = None,
    actions: list[str] | None = None,
    by: str | None = None,
) -> Objective:
    """Set an objective for the actor's own subtree; refused (nothing written) on bad input.
    ``by`` is who the audit log names (``cli:<user>`` on the command line; default: the actor)."""
    _manager(session, actor)
    title = _title(title)
    key = _dimension(dimension)
    goal = _score(target, "bad_target")
    when = _due(due, now.date())
    owner_person = _owner(session, owner, actor)
    if start is None or str(start).strip() == "":
        figure = baseline.current_figure(session, actor, key, now)
        if figure is None:
            raise UserError(
                prompts.text("objective.no_start", dimension=prompts.assessment().name(key)),
                field="from",
            )
        begin = figure[0]
    else:
        begin = _score(start, "bad_start")
    specs = [parse_action(a, owner_person.email) for a in actions or []]
    if len(specs) > MAX_ACTIONS:
        raise UserError(prompts.text("objective.bad_action"), field="action")
    owners = [_owner(session, email, actor, "bad_action_owner") for _, email in specs]
    objective = Objective(
        scope_id=row_id(actor.id),
        created_by_id=row_id(actor.id),
        owner_id=row_id(owner_person.id),
        title=title,
        dimension=key,
        start=begin,
        target=goal,
        due=when,
        created_at=now,
    )
    session.add(objective)
    session.flush()
    for (text, _), person in zip(specs, owners, strict=True):
        session.add(
            ObjectiveAction(
                objective_id=row_id(objective.id),
                text=text,
                owner_id=row_id(person.id),
                due=when,
            )
        )
    session.flush()
    _audit(session, "objective.add", objective, actor, now, by, actions=len(specs))
    return objective


def _audit(
    session: Session,
    action: str,
    objective: Objective,
    actor: Person,
    now: datetime,
    by: str | None,
    **details: object,
) -> None:
    """One audit row for a change to an objective, in the change's own transaction."""
    audit.record(
        session,
        action,
        actor=by or actor.email,
        at=now,
        target=f"objective {objective.id}",
        details={"as": actor.email, **details},
    )


def _editable(session: Session, actor: Person, objective_id: int) -> tuple[Objective, Person]:
    objective = session.get(Objective, objective_id)
    scope = session.get(Person, objective.scope_id) if objective else None
    if objective is None or scope is None or not actor.path.startswith(scope.path):
        raise UserError(prompts.text("objective.unknown", id=objective_id), field="objective")
    allowed = actor.id in (objective.owner_id, objective.created_by_id, scope.id) or (
        people.has_reports(session, actor) and scope.path.startswith(actor.path)
    )
    if not allowed:
        raise UserError(prompts.text("objective.unknown", id=objective_id), field="objective")
    return objective, scope


def update(
    session: Session,
    actor: Person,
    now: datetime,
    objective_id: int,
    *,
    title: str | None = None,
    target: str | float | None = None,
    due: str | date | None = None,
    owner: str | None = None,
    add_actions: list[str] | None = None,
    action_status: dict[int, str] | None = None,
    by: str | None = None,
) -> Objective:
    """Change an objective (its owner, its scope's manager, or whoever set it may)."""
    objective, scope = _editable(session, actor, objective_id)
    if objective.status != "open":
        raise UserError(prompts.text("objective.unknown", id=objective_id), field="objective")
    changes: dict[str, object] = {}
    if title is not None:
        changes["title"] = _title(title)
    if target is not None:
        changes["target"] = _score(target, "bad_target")
    if due is not None:
        changes["due"] = _due(due, now.date())
    if owner is not None:
        changes["owner_id"] = _owner(session, owner, scope).id
    new_actions = []
    default_owner = session.get(Person, objective.owner_id)
    for spec in add_actions or []:
        text, email = parse_action(spec, default_owner.email if default_owner else "")
        new_actions.append((text, _owner(session, email, scope, "bad_action_owner")))
    statuses = {}
    for action_id, status in (action_status or {}).items():
        action = session.get(ObjectiveAction, action_id)
        if action is None or action.objective_id != objective.id:
            raise UserError(
                prompts.text("objective.unknown_action", objective=objective.id, id=action_id),
                field="action",
            )
        statuses[action.id] = (action, _status(status))
    for name, value in changes.items():
        setattr(objective, name, value)
    session.add(objective)
    for action, status in statuses.values():
        action.status = status
        session.add(action)
    for text, person in new_actions:
        session.add(
            ObjectiveAction(
                objective_id=row_id(objective.id),
                text=text,
                owner_id=row_id(person.id),
                due=objective.due,
            )
        )
    session.flush()
    changed = sorted(changes) + (["actions added"] if new_actions else [])
    moved = {str(a.id): status for a, status in statuses.values()}
    _audit(session, "objective.update", objective, actor, now, by, changed=changed, actions=moved)
    return objective


def move_action(
    session: Session,
    actor: Person,
    now: datetime,
    action_id: int,
    status: str,
    *,
    by: str | None = None,
) -> ObjectiveAction:
    """Move one action on (planned, doing, done): its own owner may, and whoever may change
    its objective (``update`` with ``action_status``); anyone else is told there is no such
    action for them."""
    action = session.get(ObjectiveAction, action_id)
    objective = session.get(Objective, action.objective_id) if action else None
    scope = session.get(Person, objective.scope_id) if objective else None
    if action is None or objective is None or scope is None:
        raise UserError(prompts.text("objective.no_action", id=action_id), field="action")
    own = action.owner_id == actor.id and _in_scope(actor, scope) and objective.status == "open"
    if not own:
        try:
            update(
                session,
                actor,
                now,
                row_id(objective.id),
                action_status={row_id(action.id): status},
                by=by,
            )
        except UserError as refusal:
            if refusal.field == "objective":
                raise UserError(
                    prompts.text("objective.no_action", id=action_id), field="action"
                ) from None
            raise
        return action
    action.status = _status(status)
    session.add(action)
    session.flush()
    _audit(
        session,
        "objective.update",
        objective,
        actor,
        now,
        by,
        actions={str(action.id): action.status},
    )
    return action


def close(
    session: Session,
    actor: Person,
    now: datetime,
    objective_id: int,
    *,
    dropped: bool = False,
    by: str | None = None,
) -> str:
    """Close an objective as reached or missed (from the latest figure), or dropped."""
    objective, _ = _editable(session, actor, objective_id)
    if objective.status != "open":
        raise UserError(prompts.text("objective.unknown", id=objective_id), field="objective")
    view = _view(session, objective, now)
    state = "dropped" if dropped else ("reached" if view.state == "reached" else "missed")
    objective.status = state
    objective.closed_at = now
    session.add(objective)
    _audit(session, "objective.close", objective, actor, now, by, state=state)
    return state


def added_text(session: Session, objective: Objective) -> str:
    owner = session.get(Person, objective.owner_id)
    count = len(
        session.exec(
            select(ObjectiveAction.id).where(ObjectiveAction.objective_id == objective.id)
        ).all()
    )
    return prompts.text(
        "objective.added",
        id=objective.id,
        title=objective.title,
        dimension=prompts.assessment().name(objective.dimension),
        start=number(objective.start),
        target=number(objective.target),
        due=day_words(objective.due),
        owner=owner.name if owner else "?",
        actions=count,
    )


# --- reading -----------------------------------------------------------------------------


def state_of(
    start: float, target: float, created: date, due: date, current: float | None, today: date
) -> str:
    """on track | at risk | reached | missed (see the module docstring)."""
    rising = target >= start
    if current is not None and (current >= target if rising else current <= target):
        return "reached"
    if today > due:
        return "missed"
    span = max((due - created).days, 1)
    elapsed = min(max((today - created).days, 0), span) / span
    if current is None:
        return "at risk" if elapsed > 0.5 else "on track"
    expected = start + (target - start) * elapsed
    behind = expected - current if rising else current - expected
    return "on track" if behind <= TOLERANCE + 1e-9 else "at risk"


def state_words(state: str) -> str:
    """An objective's state (on track, at risk, reached, missed, dropped) as people read it;
    the stored and exported value stays the English word."""
    return prompts.text(f"objective.state_{state.replace(' ', '_')}")


def action_status_words(status: str) -> str:
    """An action's status (planned, doing, done) as people read it."""
    return prompts.text(f"objective.action_{status}") if status in ACTION_STATUSES else status


def _view(session: Session, objective: Objective, now: datetime) -> ObjectiveView:
    return _views(session, [objective], now)[0]


def _views(session: Session, objectives: Sequence[Objective], now: datetime) -> list[ObjectiveView]:
    """Each objective as people see it: a few reads for all of them (the people, the
    figures, the actions), not a few per objective."""
    if not objectives:
        return []
    ids = [o.id for o in objectives]
    actions = list(
        session.exec(
            select(ObjectiveAction)
            .where(col(ObjectiveAction.objective_id).in_(ids))
            .order_by(col(ObjectiveAction.id))
        )
    )
    wanted = {o.scope_id for o in objectives} | {o.owner_id for o in objectives}
    wanted |= {a.owner_id for a in actions}
    who = {p.id: p for p in session.exec(select(Person).where(col(Person.id).in_(wanted)))}
    figures = baseline.current_figures(
        session, [(who[o.scope_id], o.dimension) for o in objectives], now
    )
    today = now.date()
    actions_of: dict[int, list[ActionView]] = defaultdict(list)
    for action in actions:
        owner = who[action.owner_id]
        actions_of[action.objective_id].append(
            ActionView(
                id=row_id(action.id),
                text=action.text,
                owner=owner.name,
                owner_email=owner.email,
                status=action.status,
                due=action.due,
                overdue=action.status != "done" and action.due < today,
            )
        )
    views = []
    for objective, figure in zip(objectives, figures, strict=True):
        scope, owner = who[objective.scope_id], who[objective.owner_id]
        current, source = figure if figure else (None, None)
        if objective.status == "open":
            state = state_of(
                objective.start,
                objective.target,
                objective.created_at.date(),
                objective.due,
                current,
                today,
            )
        else:
            state = "reached" if objective.status == "reached" else "missed"
        views.append(
            ObjectiveView(
                id=row_id(objective.id),
                title=objective.title,
                scope=scope.name,
                scope_email=scope.email,
                dimension=objective.dimension,
                dimension_name=prompts.assessment().name(objective.dimension),
                start=objective.start,
                target=objective.target,
                due=objective.due,
                owner=owner.name,
                owner_email=owner.email,
                status=objective.status,
                state=state,
                current=current,
                current_source=source,
                actions=actions_of[row_id(objective.id)],
            )
        )
    return views


def visible(
    session: Session, viewer: Person | None, now: datetime, *, include_closed: bool = True
) -> list[ObjectiveView]:
    """The objectives of every scope the viewer belongs to (up the chain, their own, and
    below them if they manage); ``None``: every objective (admin, CLI)."""
    query = select(Objective)
    if viewer is not None:
        ancestors = [int(i) for i in viewer.path.strip("/").split("/") if i]
        query = query.join(Person, col(Person.id) == col(Objective.scope_id)).where(
            or_(col(Objective.scope_id).in_(ancestors), col(Person.path).startswith(viewer.path))
        )
    if not include_closed:
        query = query.where(Objective.status == "open")
    objectives = session.exec(query.order_by(col(Objective.due), col(Objective.id))).all()
    return _views(session, objectives, now)


def as_text(views: list[ObjectiveView]) -> str:
    if not views:
        return prompts.text("objective.none")
    lines = [prompts.text("objective.heading")]
    for v in views:
        state = state_words(v.state)
        if v.current is None:
            now = prompts.text("objective.now_unknown", state=state)
        else:
            now = prompts.text(
                "objective.now_known",
                now=number(v.current),
                source=v.current_source,
                state=state,
            )
        lines.append(
            prompts.text(
                "objective.line",
                id=v.id,
                title=v.title,
                scope=v.scope,
                dimension=v.dimension_name,
                start=number(v.start),
                target=number(v.target),
                due=day_words(v.due),
                owner=v.owner,
                now=now,
            )
        )
        for a in v.actions:
            lines.append(
                prompts.text(
                    "objective.action_line",
                    id=a.id,
                    text=a.text,
                    owner=a.owner,
                    status=action_status_words(a.status),
                    due=day_words(a.due),
                )
            )
    return "\n".join(lines)


def to_json(views: list[ObjectiveView]) -> str:
    return json.dumps([asdict(v) for v in views], indent=2, default=str)


def to_csv(views: list[ObjectiveView]) -> str:
    """One row per action (an objective without actions is one row); formulas neutralised."""
    names = [
        "id",
        "title",
        "scope",
        "dimension",
        "start",
        "target",
        "due",
        "owner",
        "status",
        "state",
        "current",
        "action",
        "action_owner",
        "action_status",
        "action_due",
    ]
    rows: list[list[object]] = []
    for v in views:
        base = [
            v.id,
            v.title,
            v.scope,
            v.dimension_name,
            v.start,
            v.target,
            v.due,
            v.owner,
            v.status,
            v.state,
            "" if v.current is None else v.current,
        ]
        actions: list[ActionView | None] = [*v.actions] or [None]
        for a in actions:
            extra = ["", "", "", ""] if a is None else [a.text, a.owner, a.status, a.due]
            rows.append([*base, *extra])
    return csv_text(names, rows)


# --- chat and the monthly nudge ----------------------------------------------------------


def show(ctx: Context, incoming: Incoming) -> Response:
    audit.viewed(ctx.session, "objectives (chat)", actor=ctx.person.email, at=ctx.now)
    return Response(replies=[text_message(as_text(visible(ctx.session, ctx.person, ctx.now)))])


def change(ctx: Context, incoming: Incoming) -> Response:
    """``objective add`` (a form), ``objective ID target 3.8`` (``due``, ``owner``, ``title``,
    ``action``: change it, as ``culturebot objective update`` does), ``objective ID close``
    (or ``drop``): close it as reached or missed from the latest figure, or dropped; for
    whoever may change it, with the command line's rules (the same functions)."""
    first, _, rest = incoming.text.strip().partition(" ")
    if first.lower() == "add":
        return add_form(ctx)
    if first and looks_numeric(first) and rest.split()[:1] and rest.split()[0].lower() in EDITS:
        return edit(ctx, first, rest)
    words = incoming.text.lower().split()
    numbers = [parse_id(w) for w in words if looks_numeric(w)]
    verbs = [w for w in words if not looks_numeric(w)]
    if len(numbers) != 1 or numbers[0] is None or verbs not in (["close"], ["drop"]):
        raise UserError(prompts.text("objective.chat_usage"))
    state = close(ctx.session, ctx.person, ctx.now, numbers[0], dropped=verbs == ["drop"])
    return Response(
        replies=[
            text_message(
                prompts.text("objective.closed_msg", id=numbers[0], state=state_words(state))
            )
        ]
    )


EDITS = ("target", "due", "owner", "title", "action")


def add_form(
    ctx: Context, ref: str = "", kept: dict[str, str] | None = None, action: str = "objective.add"
) -> Response:
    """``objective add``: the form for a new objective of the person's own part (refused at
    once for someone with nobody below them); ``ref``/``kept`` reopen a form in progress (or
    pre-fill a new one); ``action`` is what submitting it sends (a results message's own)."""
    _manager(ctx.session, ctx.person)
    dimensions = prompts.assessment().dimensions
    example = (ctx.now.date().replace(day=1) + timedelta(days=92)).isoformat()
    return Response(
        form=Form(
            action=action,
            ref=ref or drafts.new_ref("objective"),
            title=prompts.text("objective.form_title"),
            fields=drafts.prefilled(
                (
                    FormField(
                        name="title", label=prompts.text("objective.field_title"), max_length=200
                    ),
                    FormField(
                        name="dimension",
                        label=prompts.text("objective.field_dimension"),
                        options=tuple(Choice(label=d.name, value=k) for k, d in dimensions.items()),
                    ),
                    FormField(
                        name="target",
                        label=prompts.text("objective.field_target"),
                        max_length=4,
                        placeholder="3.8",
                    ),
                    FormField(
                        name="due",
                        label=prompts.text("objective.field_due", example=example),
                        max_length=10,
                        placeholder=example,
                    ),
                    FormField(
                        name="owner",
                        label=prompts.text("objective.field_owner"),
                        required=False,
                        max_length=254,
                        placeholder=ctx.person.email,
                    ),
                    FormField(
                        name="from",
                        label=prompts.text("objective.field_from"),
                        required=False,
                        max_length=4,
                    ),
                    FormField(
                        name="actions",
                        label=prompts.text("objective.field_actions"),
                        multiline=True,
                        required=False,
                        max_length=MAX_ACTIONS * 520,
                    ),
                ),
                kept or {},
            ),
            submit_label=prompts.text("objective.form_submit"),
        )
    )


def submit_add(ctx: Context, incoming: Incoming) -> Response:
    """The filled ``objective add`` form: ``add``, as the command line's ``objective add``.
    Refused for one field, the others are kept (a form in progress, finished from ``home``)."""
    return drafts.submitted(ctx, incoming, "objective.add", lambda: _submit_add(ctx, incoming))


def _draft_line(draft: FormDraft, kept: dict[str, str]) -> str:
    return prompts.text("home.item_draft_objective", title=shortened(kept.get("title", ""), 60))


drafts.register_form("objective.add", _draft_line, "objective.resume")


def resume(ctx: Context, incoming: Incoming) -> Response:
    """ "Finish it": the objective form, pre-filled with what was kept."""
    draft = drafts.mine(ctx, incoming, "objective.add", prompts.text("objective.form_gone"))
    return add_form(ctx, ref=draft.ref, kept=drafts.kept(draft))


def _submit_add(ctx: Context, incoming: Incoming) -> Response:
    objective = add_from_form(ctx, incoming.fields)
    return Response(replies=[text_message(added_text(ctx.session, objective))])


def add_from_form(ctx: Context, fields: Mapping[str, str]) -> Objective:
    """``add`` from the fields of the objective form (the form's rules: no owner is the
    person who sets it, each line of ``actions`` an action)."""
    return add(
        ctx.session,
        ctx.person,
        ctx.now,
        title=fields.get("title", ""),
        dimension=fields.get("dimension", ""),
        target=fields.get("target", "").strip(),
        due=fields.get("due", "").strip(),
        owner=fields.get("owner", "").strip() or ctx.person.email,
        start=fields.get("from", "").strip() or None,
        actions=[line for line in fields.get("actions", "").splitlines() if line.strip()],
    )


def edit(ctx: Context, number: str, typed: str) -> Response:
    """``objective ID target|due|owner|title|action VALUE``: one change, through ``update``."""
    objective_id = parse_id(number)
    what, _, value = typed.strip().partition(" ")
    what, value = what.lower(), value.strip()
    if objective_id is None or not value:
        raise UserError(prompts.text("objective.edit_usage", what=what), field=what)
    update(
        ctx.session,
        ctx.person,
        ctx.now,
        objective_id,
        title=value if what == "title" else None,
        target=value if what == "target" else None,
        due=value if what == "due" else None,
        owner=value if what == "owner" else None,
        add_actions=[value] if what == "action" else None,
    )
    return Response(replies=[text_message(prompts.text("objective.updated", id=objective_id))])


def action(ctx: Context, incoming: Incoming) -> Response:
    """``action ID planned|doing|done``: an action's owner (or whoever may change its
    objective) moves it on."""
    words = incoming.text.lower().split()
    if len(words) != 2 or not looks_numeric(words[0]):
        raise UserError(prompts.text("objective.action_usage"))
    action_id = parse_id(words[0])
    if action_id is None:
        raise UserError(prompts.text("objective.no_action", id=words[0][:20]), field="action")
    moved = move_action(ctx.session, ctx.person, ctx.now, action_id, words[1])
    return Response(
        replies=[
            text_message(
                prompts.text(
                    "objective.action_moved",
                    id=moved.id,
                    objective=moved.objective_id,
                    status=action_status_words(moved.status),
                )
            )
        ]
    )


def _figures(values: dict[str, object]) -> dict[str, object]:
    """A reason's values with each figure (a float) written in the reader's language."""
    return {k: number(v) if isinstance(v, float) else v for k, v in values.items()}


def _nudge_message(view: ObjectiveView, reasons: list[tuple[str, dict[str, object]]]) -> Message:
    """An owner's nudge, in the language of the moment."""
    words = prompts.text(
        "objective.nudge",
        id=view.id,
        title=view.title,
        dimension=prompts.assessment().name(view.dimension),
        start=number(view.start),
        target=number(view.target),
        due=day_words(view.due),
        why="; ".join(prompts.text(key, **_figures(values)) for key, values in reasons),
    )
    return text_message(words)


def nudge(session: Session, runtime: Runtime, now: datetime) -> int:
    """At most one nudge a month per owner and objective: the objective's owner when it is at
    risk, an action's owner when their action is overdue."""
    month = now.strftime("%Y-%m")
    sent = 0
    for objective in session.exec(select(Objective).where(Objective.status == "open")).all():
        view = _view(session, objective, now)
        # each owner's reasons, as (key, values): written in the owner's language below
        why: dict[str, list[tuple[str, dict[str, object]]]] = {}
        if view.state == "at risk":
            why.setdefault(view.owner_email, []).append(
                ("objective.nudge_at_risk_unknown", {})
                if view.current is None
                else ("objective.nudge_at_risk", {"now": view.current})
            )
        overdue: dict[str, int] = {}
        for action in view.actions:
            if action.overdue:
                overdue[action.owner_email] = overdue.get(action.owner_email, 0) + 1
        for email, count in overdue.items():
            why.setdefault(email, []).append(("objective.nudge_overdue", {"count": count}))
        for email, reasons in why.items():
            person = people.by_email(session, email)
            if person is None or not person.active:
                continue
            sent += send_later(
                session,
                runtime,
                person,
                partial(_nudge_message, view, reasons),
                key=f"objective:nudge:{view.id}:{person.id}:{month}",
                kind="objective.nudge",
            )
    return sent


def next_due(session: Session, runtime: Runtime, now: datetime) -> datetime | None:
    """When ``nudge`` could next have work, the database staying as it is: what it sends
    depends on the date (at risk, overdue, the month of its key) and on the database, so the
    next UTC midnight while an objective is open."""
    if session.exec(select(Objective.id).where(Objective.status == "open")).first() is None:
        return None
    return datetime.combine(now.date() + timedelta(days=1), time(), now.tzinfo)


def tick(runtime: Runtime) -> dict[str, int]:
    now = runtime.clock.now()
    with runtime.db.session() as session:
        return {"nudged": nudge(session, runtime, now)}


def register(router: Router) -> None:
    router.command("objectives")(show)
    router.command("roadmap")(show)
    router.command("objective")(change)
    router.action("objective.add")(submit_add)
    router.action("objective.resume")(resume)
    router.command("action")(action)
