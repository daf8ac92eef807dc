"""The baseline assessment: a leader launches it for their subtree, people answer it in chat.

About 15 statements in five dimensions (``prompts/assessment.yaml``), 1-5 agreement, an
optional comment per dimension, about 5 minutes. One form: a Slack modal with radio buttons
per statement, one Teams Adaptive Card, the console statement by statement.

- **Partial answers** are kept: a submission with statements left open is saved as a draft
  (on the person's invite) and the form comes back pre-filled when they open it again, until
  the window closes. Only a finished assessment counts.
- **One submission per person**: the invite's status moves to ``submitted`` with one guarded
  UPDATE, so a double submit (a double click, a platform retry) is kept once.
- **One reminder**, at the middle of the window, to those who have not finished.
- **Closing** (the scheduler tick, once the window has closed): every finished draft is moved
  into ``assessment_answer``/``assessment_comment`` in one transaction, in shuffled order,
  without the person; every draft is erased. See ``storage.roadmap``.

Bad input is refused with the field named and nothing written: a launch by a non-leader or
for someone outside the launcher's subtree, a window outside 1-60 days, a score outside 1-5.
Answering a closed assessment gets a polite message.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import ColumnElement, func, update
from sqlmodel import Session, col, select

import prompts
from bot.core.chat import (
    Button,
    Buttons,
    Choice,
    Form,
    FormField,
    Incoming,
    Message,
    Response,
    Text,
    UserError,
    chat_time,
    text_message,
)
from bot.core.clock import format_local
from bot.core.config import Settings
from bot.core.parsing import parse_id, parse_int
from bot.core.router import Router
from bot.core.runtime import Context, Runtime
from handlers.common.outbox import send_later
from handlers.common.sentiment import assess
from handlers.people import workdays
from handlers.reports import live_counts
from handlers.roadmap import baseline
from storage import people, scrub
from storage.models import Person
from storage.roadmap import (
    SCORES,
    Assessment,
    AssessmentAnswer,
    AssessmentComment,
    AssessmentInvite,
    answered_count,
    open_invite,
)
from storage.roadmap import draft_answers as _draft
from storage.sql import insert_rows
from storage.types import row_id, table_of

WINDOW_DEFAULT = 14
WINDOW_MAX = 60
MAX_COMMENT = 2000
COMMENT_PREFIX = "comment_"
UNFINISHED = ("sent", "partial")


# --- the words of the form ---------------------------------------------------------------


def _choices() -> tuple[Choice, ...]:
    scale = prompts.assessment().scale
    labels = {"1": f"1 {scale['low']}", "5": f"5 {scale['high']}"}
    return tuple(Choice(label=labels.get(v, v), value=v) for v in SCORES)


def answer_form(invite: AssessmentInvite) -> Form:
    """Every statement, dimension by dimension, each followed by its optional comment; the
    draft's answers pre-filled, so a partial answer is finished where it was left."""
    bank = prompts.assessment()
    draft = _draft(invite.draft)
    choices = _choices()
    fields: list[FormField] = []
    for dimension, about in bank.dimensions.items():
        for statement in bank.of(dimension):
            fields.append(
                FormField(
                    name=statement.id,
                    label=statement.text,
                    options=choices,
                    radio=True,
                    required=False,
                    initial=draft.get(statement.id, ""),
                )
            )
        fields.append(
            FormField(
                name=COMMENT_PREFIX + dimension,
                label=prompts.text("assess.dimension_comment", dimension=about.name),
                multiline=True,
                required=False,
                max_length=MAX_COMMENT,
                initial=draft.get(COMMENT_PREFIX + dimension, ""),
            )
        )
    return Form(
        action="assess.submit",
        ref=str(invite.id),
        title=prompts.text("assess.form_title"),
        fields=tuple(fields),
        submit_label=prompts.text("assess.form_submit"),
    )


def invitation(
    assessment: Assessment, invite: AssessmentInvite, leader: str, tz: str, min_size: int
) -> Message:
    words = prompts.text(
        "assess.invite",
        leader=leader,
        count=len(prompts.assessment().statements),
        min=min_size,
        closes=chat_time(assessment.closes_at, tz),
    )
    return Message(
        summary=words,
        parts=(
            Text(text=words),
            Buttons(
                buttons=(
                    Button(
                        label=prompts.text("assess.answer_button"),
                        action="assess.open",
                        value=str(invite.id),
                        style="primary",
                    ),
                )
            ),
        ),
    )


def reminder(assessment: Assessment, invite: AssessmentInvite, leader: str, tz: str) -> Message:
    """How far they got and when it closes, with the invitation's button."""
    words = prompts.text(
        "assess.reminder",
        closes=chat_time(assessment.closes_at, tz),
        answered=answered_count(_draft(invite.draft)),
        total=len(prompts.assessment().statements),
    )
    button = invitation(assessment, invite, leader, tz, 0)
    return Message(summary=words, parts=(Text(text=words), *button.parts[1:]))


# --- launching ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Launched:
    assessment_id: int
    asked: int
    closes_at: datetime
    remind_at: datetime


def launch(
    session: Session,
    runtime: Runtime,
    leader: Person,
    *,
    window_days: int = WINDOW_DEFAULT,
    scope: Person | None = None,
) -> Launched:
    """Launch the assessment for everyone below ``scope`` (default: the leader themself)."""
    now = runtime.clock.now()
    if leader.role != "leader":
        raise UserError(prompts.text("assess.only_leaders"), field="by")
    root = scope or leader
    if root.id != leader.id and not people.in_subtree(root, leader):
        raise UserError(prompts.text("assess.outside_subtree", email=root.email), field="by")
    if not 1 <= window_days <= WINDOW_MAX:
        raise UserError(prompts.text("assess.bad_window", days=window_days), field="window-days")
    running = session.exec(
        select(Assessment).where(Assessment.scope_id == root.id, Assessment.status == "open")
    ).first()
    if running is not None:
        asked, finished = progress(session, running)
        k = runtime.settings.min_group_size
        raise UserError(
            prompts.text(
                "assess.already_running",
                closes=format_local(running.closes_at, leader.timezone),
                answered=live_counts.progress(finished, asked, k, running.live_floor),
            )
        )
    members = people.subtree(session, root)
    if not members:
        raise UserError(prompts.text("assess.no_reports"))
    window = timedelta(days=window_days)
    assessment = Assessment(
        scope_id=row_id(root.id),
        launched_by_id=row_id(leader.id),
        created_at=now,
        remind_at=now + window / 2,
        closes_at=now + window,
    )
    session.add(assessment)
    session.flush()
    invites = [
        AssessmentInvite(assessment_id=row_id(assessment.id), person_id=row_id(p.id))
        for p in members
    ]
    session.add_all(invites)
    session.flush()
    for person, invite in zip(members, invites, strict=True):
        send_later(
            session,
            runtime,
            person,
            partial(
                invitation,
                assessment,
                invite,
                root.name,
                person.timezone,
                runtime.settings.min_group_size,
            ),
            key=f"assess:invite:{invite.id}",
            kind="assess.invite",
        )
    return Launched(row_id(assessment.id), len(members), assessment.closes_at, assessment.remind_at)


def launched_text(session: Session, launched: Launched, leader: Person, min_size: int) -> str:
    root = session.get(Assessment, launched.assessment_id)
    scope = session.get(Person, root.scope_id) if root else None
    return prompts.text(
        "assess.launched",
        id=launched.assessment_id,
        asked=launched.asked,
        leader=scope.name if scope else leader.name,
        closes=format_local(launched.closes_at, leader.timezone),
        remind=format_local(launched.remind_at, leader.timezone),
        min=min_size,
    )


# --- progress ----------------------------------------------------------------------------


def progress(session: Session, assessment: Assessment) -> tuple[int, int]:
    """(asked, finished) over the whole assessment: every invite it sent, whatever became of
    the person since, so both only grow. One group for every viewer: a figure per part
    beside the whole could be subtracted (handlers/reports/live_counts.py)."""
    rows = session.exec(
        select(AssessmentInvite.status, func.count())
        .where(AssessmentInvite.assessment_id == assessment.id)
        .group_by(col(AssessmentInvite.status))
    ).all()
    counts = dict(rows)
    return sum(counts.values()), counts.get("submitted", 0)


def covering(session: Session, person: Person) -> Assessment | None:
    """The latest assessment whose scope holds ``person`` (or is theirs)."""
    ancestors = [int(i) for i in person.path.strip("/").split("/") if i]
    return session.exec(
        select(Assessment)
        .where(col(Assessment.scope_id).in_(ancestors))
        .order_by(col(Assessment.created_at).desc(), col(Assessment.id).desc())
    ).first()


def status_text(session: Session, person: Person, now: datetime, min_size: int) -> str:
    """How far the assessment covering a manager got: while open, a live count of the whole
    assessment; once closed, a pointer to its figures (participation comes from the gate)."""
    if not people.has_reports(session, person):
        return prompts.text("assess.status_only_managers")
    assessment = covering(session, person)
    if assessment is None:
        return prompts.text("assess.status_none")
    leader = session.get(Person, assessment.scope_id)
    values = {
        "id": assessment.id,
        "leader": leader.name if leader else "?",
        "closes": format_local(assessment.closes_at, person.timezone),
        "min": min_size,
    }
    if assessment.status == "open" and now < assessment.closes_at:
        asked, finished = progress(session, assessment)
        finished_words = live_counts.progress(finished, asked, min_size, assessment.live_floor)
        return prompts.text("assess.status_line", finished=finished_words, **values)
    return prompts.text("assess.status_closed", **values)


# --- answering ---------------------------------------------------------------------------


def _own_invite(ctx: Context, ref: str) -> tuple[AssessmentInvite, Assessment]:
    invite_id = parse_id(ref)
    invite = ctx.session.get(AssessmentInvite, invite_id) if invite_id else None
    if invite is None or invite.person_id != ctx.person.id:
        raise UserError(prompts.text("assess.not_yours"))
    assessment = ctx.session.get(Assessment, invite.assessment_id)
    assert assessment is not None
    return invite, assessment


def _closed(assessment: Assessment, ctx: Context) -> Response | None:
    if assessment.status == "open" and ctx.now < assessment.closes_at:
        return None
    closes = chat_time(assessment.closes_at, ctx.person.timezone)
    return Response(replies=[text_message(prompts.text("assess.closed", closes=closes))])


def open_form(ctx: Context, incoming: Incoming) -> Response:
    """The "Answer the assessment" button: the form, pre-filled with any partial answer."""
    invite, assessment = _own_invite(ctx, incoming.value or incoming.ref)
    closed = _closed(assessment, ctx)
    if closed is not None:
        return closed
    if invite.status == "submitted":
        return Response(replies=[text_message(prompts.text("assess.already_submitted"))])
    return Response(form=answer_form(invite))


def submit(ctx: Context, incoming: Incoming) -> Response:
    """Save the answers: finished ones are submitted (once), partial ones kept as a draft."""
    invite, assessment = _own_invite(ctx, incoming.ref)
    closed = _closed(assessment, ctx)
    if closed is not None:
        return closed
    if invite.status == "submitted":
        return Response(replies=[text_message(prompts.text("assess.already_submitted"))])
    bank = prompts.assessment()
    draft = _draft(invite.draft)
    for statement in bank.statements:
        value = (incoming.fields.get(statement.id) or "").strip()
        if not value:
            continue
        if value not in SCORES:
            raise UserError(
                prompts.text("assess.bad_score", statement=statement.text), field=statement.id
            )
        draft[statement.id] = value
    for dimension in bank.dimensions:
        name = COMMENT_PREFIX + dimension
        comment = (incoming.fields.get(name) or "").strip()
        if len(comment) > MAX_COMMENT:
            raise UserError(
                prompts.text("common.text_too_long", length=len(comment), limit=MAX_COMMENT),
                field=name,
            )
        if comment:
            draft[name] = comment
    answered = answered_count(draft)
    total = len(bank.statements)
    finished = answered == total
    claimed = ctx.session.exec(
        update(AssessmentInvite)
        .where(
            col(AssessmentInvite.id) == invite.id,
            col(AssessmentInvite.status).in_(UNFINISHED),
        )
        .values(
            status="submitted" if finished else "partial",
            draft=json.dumps(draft),
            team_path=people.team_path(ctx.session, ctx.person) if finished else None,
            department=ctx.person.department if finished else None,
        )
    ).rowcount
    if claimed != 1:
        return Response(replies=[text_message(prompts.text("assess.already_submitted"))])
    closes = chat_time(assessment.closes_at, ctx.person.timezone)
    if finished:
        words = prompts.text("assess.thanks", closes=closes)
    else:
        words = prompts.text("assess.saved_partial", answered=answered, total=total, closes=closes)
    return Response(replies=[text_message(words)])


def command(ctx: Context, incoming: Incoming) -> Response:
    """``assess``: a menu (answer / launch / progress); ``assess launch [days]``,
    ``assess status``."""
    word, _, rest = incoming.text.strip().lower().partition(" ")
    if word == "launch":
        days = rest.strip() or str(WINDOW_DEFAULT)
        window = parse_int(days, 1, WINDOW_MAX)
        if window is None:
            raise UserError(
                prompts.text("assess.chat_bad_window", days=days[:20], default=WINDOW_DEFAULT),
                field="window-days",
            )
        launched = launch(ctx.session, ctx.runtime, ctx.person, window_days=window)
        words = launched_text(ctx.session, launched, ctx.person, ctx.settings.min_group_size)
        return Response(replies=[text_message(words)])
    if word == "status":
        return Response(
            replies=[
                text_message(
                    status_text(ctx.session, ctx.person, ctx.now, ctx.settings.min_group_size)
                )
            ]
        )
    if word:
        raise UserError(prompts.text("assess.unknown_sub"))
    buttons: list[Button] = []
    invite = open_invite(ctx.session, ctx.person, ctx.now)
    if invite is not None and invite.status != "submitted":
        buttons.append(
            Button(
                label=prompts.text("assess.answer_button"),
                action="assess.open",
                value=str(invite.id),
                style="primary",
            )
        )
    if ctx.person.role == "leader":
        buttons.append(Button(label=prompts.text("assess.menu_launch"), action="assess.launch"))
    if people.has_reports(ctx.session, ctx.person):
        buttons.append(Button(label=prompts.text("assess.menu_status"), action="assess.status"))
    if not buttons:
        if invite is not None:  # finished: say so, not "nothing open"
            found = ctx.session.get(Assessment, invite.assessment_id)
            closes = chat_time(found.closes_at, ctx.person.timezone) if found else ""
            return Response(replies=[text_message(prompts.text("assess.finished", closes=closes))])
        return Response(replies=[text_message(prompts.text("assess.nothing_open"))])
    intro = prompts.text("assess.menu_intro")
    return Response(
        replies=[Message(summary=intro, parts=(Text(text=intro), Buttons(buttons=tuple(buttons))))]
    )


def launch_button(ctx: Context, incoming: Incoming) -> Response:
    launched = launch(ctx.session, ctx.runtime, ctx.person)
    words = launched_text(ctx.session, launched, ctx.person, ctx.settings.min_group_size)
    return Response(replies=[text_message(words)])


def status_button(ctx: Context, incoming: Incoming) -> Response:
    return Response(
        replies=[
            text_message(status_text(ctx.session, ctx.person, ctx.now, ctx.settings.min_group_size))
        ]
    )


# --- the scheduled side ------------------------------------------------------------------


def _to_remind(now: datetime) -> list[ColumnElement[bool]]:
    """An invite (joined with its assessment and person) reminded from the assessment's
    remind_at, at a working hour where the person is."""
    return [
        col(Assessment.status) == "open",
        col(Assessment.closes_at) > now,
        col(AssessmentInvite.status).in_(UNFINISHED),
        col(AssessmentInvite.reminded).is_(False),
        col(Person.active).is_(True),
    ]


def next_due(session: Session, runtime: Runtime, now: datetime) -> datetime | None:
    """The earliest moment from ``now`` on when ``tick`` could have work, the database staying
    as it is (None: not before something is written): a close, a reminder's remind_at, or
    for a reminder held for the night the person's next working hour; a scrub to finish: now."""
    if scrub.pending(session):
        return now
    times: list[datetime] = []
    for assessment in session.exec(select(Assessment).where(Assessment.status == "open")):
        times.append(assessment.closes_at)
        if assessment.remind_at > now:
            times.append(assessment.remind_at)
            continue
        held = session.exec(  # the places of those whose reminder waits for a working hour
            select(
                col(Person.timezone),
                col(Person.country),
                col(Person.subdivision),
                col(Person.paused_until),
            )
            .distinct()
            .join(AssessmentInvite, col(Person.id) == col(AssessmentInvite.person_id))
            .join(Assessment, col(Assessment.id) == col(AssessmentInvite.assessment_id))
            .where(Assessment.id == assessment.id, *_to_remind(now))
        ).all()
        times.extend(
            workdays.calendar_for(place, runtime.settings.work_week).next_working_hour(now)
            for place in held
        )
    return max(now, min(times)) if times else None


def send_reminders(session: Session, runtime: Runtime, now: datetime) -> int:
    """One reminder per person who has not finished, once the middle of the window is past."""
    due = session.exec(
        select(AssessmentInvite, Assessment, Person)
        .join(Assessment, col(Assessment.id) == col(AssessmentInvite.assessment_id))
        .join(Person, col(Person.id) == col(AssessmentInvite.person_id))
        .where(*_to_remind(now), col(Assessment.remind_at) <= now)
    ).all()
    sent = 0
    for invite, assessment, person in due:
        calendar = workdays.calendar_for(person, runtime.settings.work_week)
        if calendar.next_working_hour(now) > now:  # night, weekend or holiday where they are
            if calendar.next_working_hour(now) >= assessment.closes_at:
                invite.reminded = True  # no working hour left before it closes: no reminder
                session.add(invite)
            continue
        sent += 1
        leader = session.get(Person, assessment.scope_id)
        send_later(
            session,
            runtime,
            person,
            partial(reminder, assessment, invite, leader.name if leader else "", person.timezone),
            key=f"assess:reminder:{invite.id}",
            kind="assess.reminder",
        )
        invite.reminded = True
        session.add(invite)
    return sent


def _assessed(comment: str) -> dict[str, object]:
    """A comment's language and polarity (None: not scored), as its row's values."""
    found = assess(comment)
    return {"language": found.language, "polarity": found.polarity}


def close_due(
    session: Session, now: datetime, settings: Settings, *, rng: random.Random | None = None
) -> int:
    """Close every assessment whose window has closed: move finished answers out of the
    invites, shuffled and without the person, erase every draft, and publish its figures
    through the disclosure gate, all in this transaction."""
    due = session.exec(
        select(Assessment).where(Assessment.status == "open", col(Assessment.closes_at) <= now)
    ).all()
    shuffle = (rng or random.SystemRandom()).shuffle
    for assessment in due:
        mine = col(AssessmentInvite.assessment_id) == assessment.id
        finished = session.exec(
            select(
                AssessmentInvite.draft, AssessmentInvite.team_path, AssessmentInvite.department
            ).where(mine, AssessmentInvite.status == "submitted")
        ).all()
        dimension_of = {s.id: s.dimension for s in prompts.assessment().statements}
        answers: list[dict[str, object]] = []
        comments: list[dict[str, object]] = []
        for draft, team_path, department in finished:
            atom = {
                "assessment_id": assessment.id,
                "team_path": team_path or "/",
                "department": department or "",
            }
            for key, value in _draft(draft).items():
                if key in dimension_of and value in SCORES:
                    answers.append(
                        {
                            **atom,
                            "dimension": dimension_of[key],
                            "statement_id": key,
                            "score": int(value),
                        }
                    )
                elif key.startswith(COMMENT_PREFIX) and value:
                    comments.append(
                        {
                            **atom,
                            "dimension": key[len(COMMENT_PREFIX) :],
                            "comment": value,
                            **_assessed(value),
                        }
                    )
        # two statements for everyone invited, not one per person
        session.execute(
            update(AssessmentInvite)
            .where(mine, col(AssessmentInvite.status) != "submitted")
            .values(status="expired")
        )
        session.execute(update(AssessmentInvite).where(mine).values(draft=None))
        scrub.mark_due(session, "assessment_invite", now)  # the drafts' old row versions
        # inserted in shuffled order, so ids carry no answering order
        for table, rows in ((AssessmentAnswer, answers), (AssessmentComment, comments)):
            shuffle(rows)
            insert_rows(session, table_of(table), rows)
        assessment.status = "closed"
        assessment.live_floor = None  # its live count is no longer shown
        session.add(assessment)
        session.flush()
        baseline.publish(session, assessment, now, settings)
    session.flush()
    return len(due)


def tick(runtime: Runtime) -> dict[str, int]:
    """Reminders and closing; called by the scheduler each minute."""
    now = runtime.clock.now()
    with runtime.db.session() as session:
        reminded = send_reminders(session, runtime, now)
        closed = close_due(session, now, runtime.settings)
    scrub.run_due(runtime.db)  # the erased drafts, gone from disk too
    return {"reminded": reminded, "closed": closed}


def register(router: Router) -> None:
    router.command("assess")(command)
    router.action("assess.open")(open_form)
    router.action("assess.submit")(submit)
    router.action("assess.launch")(launch_button)
    router.action("assess.status")(status_button)
