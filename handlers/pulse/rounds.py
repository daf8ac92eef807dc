"""Pulse check-ins: open rounds on schedule in each person's own time zone, remind once,
close, record anonymous answers, and let managers start an ad-hoc check-in for their team.

Everything is asked of the database at the moment it is due (``tick``), so a restart loses
nothing: rounds are unique per schedule and local date, prompts per round and person, and
every message has an idempotency key in the outbox.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import partial

from sqlalchemy import ColumnElement, case, func, insert, literal, update
from sqlalchemy import select as sa_select
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col, select

import prompts
from bot.core.chat import (
    REPLY_FIELD,
    TICKED,
    Choice,
    Incoming,
    Message,
    Question,
    Response,
    Text,
    UserError,
    chat_time,
    text_message,
)
from bot.core.clock import local_instant
from bot.core.parsing import parse_id
from bot.core.router import Router
from bot.core.runtime import Context, Runtime
from handlers.common.banks import bank_from_json, schedule_bank
from handlers.common.outbox import Outgoing, send_many
from handlers.common.sentiment import assess
from handlers.people import workdays
from handlers.reports import disclosure, live_counts
from prompts import QuestionBank
from storage import conversations, people, scrub
from storage.models import Person, PulseAnswerPending, PulsePrompt, PulseRound, PulseSchedule
from storage.types import UTCDateTime, row_id, table_of

MAX_COMMENT = 2000
CLOSE_GRACE = timedelta(minutes=5)  # an answer clicked just before the close still lands
AUDIENCES = ("org", "department", "subtree", "below")
"""A subtree asks a manager and everyone below them; "below" asks everyone below them, not
the manager: the people a manager's ad-hoc ``checkin`` asks, and a team schedule made in chat."""


# --- when things happen ------------------------------------------------------------------


def occurs_on(schedule: PulseSchedule, day: date) -> bool:
    if day < schedule.start_date or day.weekday() != schedule.weekday:
        return False
    return ((day - schedule.start_date).days // 7) % schedule.every_weeks == 0


def _audience_filter(session: Session, schedule: PulseSchedule) -> list[ColumnElement[bool]] | None:
    """The WHERE clauses for a schedule's audience; None when its root person is gone."""
    where: list[ColumnElement[bool]] = [col(Person.active).is_(True)]
    if schedule.audience_kind == "department":
        where.append(col(Person.department) == schedule.audience_value)
    elif schedule.audience_kind in ("subtree", "below"):
        root = people.by_email(session, schedule.audience_value)
        if root is None:
            return None
        include_self = schedule.audience_kind == "subtree"
        where = people.subtree_filter(root, include_self=include_self)
    return where


def audience(session: Session, schedule: PulseSchedule) -> list[Person]:
    where = _audience_filter(session, schedule)
    if where is None:
        return []
    return list(session.exec(select(Person).where(*where).order_by(col(Person.id))))


def audience_zones(session: Session, schedule: PulseSchedule) -> list[str]:
    """The time zones the audience lives in: enough to tell whether a round is due, without
    loading everyone on every tick."""
    where = _audience_filter(session, schedule)
    if where is None:
        return []
    return list(session.exec(select(Person.timezone).distinct().where(*where)))


def theme_dimensions(session: Session, *, other_than: int | None = None) -> dict[str, str]:
    """Theme -> assessment dimension from prompts/questions.yaml and every schedule's own
    question file (removed ones too: their past answers still count), so a schedule asking
    its own questions shows against the baseline. Add and edit refuse a file that maps a
    theme differently (handlers.pulse.schedules.check_dimensions), so the merge has no conflicts."""
    mapping = dict(prompts.questions().dimensions)
    banks = session.exec(
        select(PulseSchedule.question_bank)
        .where(col(PulseSchedule.question_bank).is_not(None), PulseSchedule.id != other_than)
        .order_by(col(PulseSchedule.id))
    )
    for text in banks:
        for theme, dimension in bank_from_json(text).dimensions.items():
            mapping.setdefault(theme, dimension)
    return mapping


def round_bank(session: Session, round_: PulseRound) -> QuestionBank:
    """The bank a round's question comes from (its schedule's own, or the shared one)."""
    schedule = session.get(PulseSchedule, round_.schedule_id) if round_.schedule_id else None
    return schedule_bank(schedule)


def schedule_themes(schedule: PulseSchedule) -> list[str]:
    return [t for t in schedule.themes.split(",") if t]


def next_question(session: Session, schedule: PulseSchedule | None = None, **where: object) -> str:
    """Rotate through the bank (a schedule's own, limited to its themes), theme by theme, so
    nobody gets the same question each week."""
    count = session.exec(
        select(func.count())
        .select_from(PulseRound)
        .where(*(getattr(PulseRound, key) == value for key, value in where.items()))
    ).one()
    rotation = schedule_bank(schedule).rotation()
    themes = schedule_themes(schedule) if schedule is not None else []
    rotation = [q for q in rotation if q.theme in themes] or rotation if themes else rotation
    if schedule is not None and schedule.enps:  # eNPS opens each turn of the rotation
        rotation = [prompts.enps().question(), *rotation]
    return rotation[count % len(rotation)].id


# --- the scheduled side ------------------------------------------------------------------


def _days_around(now: datetime) -> tuple[date, date, date]:
    """The local dates whose rounds a tick at ``now`` may open (every zone is within a day)."""
    today = now.date()
    return today - timedelta(days=1), today, today + timedelta(days=1)


def _opening(
    session: Session, schedule: PulseSchedule, day: date
) -> tuple[list[ColumnElement[bool]], dict[str, datetime], datetime, datetime] | None:
    """When the schedule's round of ``day`` may open: its audience, the send time in each of
    their zones, and from when until when it opens (its first zone's time, its close); None
    when it does not occur that day, has its round already or has nobody to ask."""
    if not occurs_on(schedule, day):
        return None
    exists = session.exec(
        select(PulseRound.id).where(
            PulseRound.schedule_id == schedule.id, PulseRound.local_date == day
        )
    ).first()
    if exists is not None:
        return None
    where = _audience_filter(session, schedule)
    zones = audience_zones(session, schedule) if where is not None else []
    if where is None or not zones:
        return None
    window = timedelta(hours=schedule.answer_window_hours)
    zone_times = {tz: local_instant(day, schedule.local_time, tz) for tz in zones}
    first, last = min(zone_times.values()), max(zone_times.values())
    return where, zone_times, first, last + window


def open_due_rounds(session: Session, now: datetime) -> int:
    """Create the rounds (and their prompts) whose first recipient's local time has come."""
    opened = 0
    schedules = session.exec(select(PulseSchedule).where(col(PulseSchedule.active).is_(True)))
    for schedule in schedules:
        for day in _days_around(now):
            opening = _opening(session, schedule, day)
            if opening is None:
                continue
            where, zone_times, first, closes = opening
            if now < first or now >= closes:
                continue
            round_ = PulseRound(
                schedule_id=schedule.id,
                local_date=day,
                period=disclosure.period_for(session, day, now),
                question_id=next_question(session, schedule, schedule_id=schedule.id),
                created_at=now,
                closes_at=closes,
            )
            session.add(round_)
            session.flush()
            create_prompts(
                session,
                row_id(round_.id),
                where,
                zone_times,
                remind_after=timedelta(hours=schedule.reminder_after_hours),
                window=timedelta(hours=schedule.answer_window_hours),
            )
            opened += 1
    session.flush()
    return opened


def next_opening(session: Session, schedule: PulseSchedule, now: datetime) -> datetime | None:
    """The first moment from ``now`` on when ``open_due_rounds`` would open a round of the
    schedule, the database staying as it is (None: none within two of its turns)."""
    day = max(now.date() - timedelta(days=1), schedule.start_date)
    for _ in range(14 * schedule.every_weeks + 3):
        opening = _opening(session, schedule, day)
        if opening is not None:
            at = max(now, opening[2])
            if at < opening[3] and day in _days_around(at):
                return at
        day += timedelta(days=1)
    return None


def create_prompts(
    session: Session,
    round_id: int,
    where: list[ColumnElement[bool]],
    send_at: dict[str, datetime] | datetime,
    *,
    remind_after: timedelta,
    window: timedelta,
) -> int:
    """One prompt per person matching ``where``, in one INSERT ... SELECT (a round for
    thousands is one statement, not thousands). ``send_at`` is one instant for everyone or
    one per time zone (people in a zone missing from it are left out). Returns how many."""
    zone: ColumnElement[str] | Mapped[str]
    if isinstance(send_at, datetime):
        times = {"": send_at}
        zone = literal("")
    else:
        times, zone = send_at, col(Person.timezone)
        where = [*where, zone.in_(list(times))]

    def at(delta: timedelta) -> ColumnElement[datetime]:
        values = {tz: literal(t + delta, UTCDateTime()) for tz, t in times.items()}
        if len(values) == 1:
            return next(iter(values.values()))
        return case(values, value=zone)

    table = table_of(PulsePrompt)
    result = session.exec(
        insert(table)
        .from_select(
            ["round_id", "person_id", "status", "send_at", "remind_at", "closes_at", "reminded"],
            sa_select(
                literal(round_id),
                col(Person.id),
                literal("scheduled"),
                at(timedelta(0)),
                at(remind_after),
                at(window),
                literal(False),
            )
            .where(*where)
            .order_by(col(Person.id)),
        )
        .returning(table.c.id)  # psycopg reports no rowcount here
    )
    return len(result.all())


def question_message(
    prompt: PulsePrompt,
    question_id: str,
    tz: str,
    bank: QuestionBank | None = None,
    starter: str = "",
) -> Message:
    """The question as a person is asked it; ``starter`` names the manager who started an
    ad-hoc check-in (it may repeat a question a scheduled one asked shortly before)."""
    bank = bank or prompts.questions()
    question = bank.by_id(question_id)
    low, high = bank.scale["low"], bank.scale["high"]
    intro = prompts.text("pulse.question_intro", theme=bank.theme_name(question.theme))
    if question.id == prompts.ENPS:  # 0-10, labelled at its ends like the 1-5 scale
        enps = prompts.enps()
        low, high = enps.low, enps.high
        intro = prompts.text("pulse.enps_intro", theme=enps.name)
    if starter:
        intro = f"{prompts.text('pulse.started_by', name=starter)} {intro}"
    return Message(
        summary=question.text,
        parts=(
            Text(text=intro, style="muted"),
            Question(
                action="pulse.answer",
                ref=str(prompt.id),
                prompt=question.text,
                choices=tuple(Choice(label=str(n), value=str(n)) for n in scale_of(question.id)),
                low_label=low,
                high_label=high,
                comment_label=prompts.text("pulse.comment_label"),
                reply_label=prompts.text("conversations.tick_label"),
            ),
        ),
    )


def scale_of(question_id: str) -> range:
    """The scores a question is answered with: 0-10 for eNPS, else 1-5."""
    return prompts.ENPS_SCALE if question_id == prompts.ENPS else range(1, 6)


BankOf = Callable[[PulseRound], QuestionBank]
StarterOf = Callable[[PulseRound], str]


def _banks(session: Session) -> BankOf:
    """``round_bank``, remembered per round and language for one tick (a round's prompts
    share its bank; the shared bank speaks the language of the moment)."""
    banks: dict[tuple[int | None, str], QuestionBank] = {}

    def bank_of(round_: PulseRound) -> QuestionBank:
        key = (round_.id, prompts.current_locale())
        if key not in banks:
            banks[key] = round_bank(session, round_)
        return banks[key]

    return bank_of


def starter_of(session: Session) -> StarterOf:
    """The name of who started a round by hand ("" for a scheduled one), remembered per round."""
    names: dict[int | None, str] = {}

    def name_of(round_: PulseRound) -> str:
        if round_.id not in names:
            starter = session.get(Person, round_.started_by_id) if round_.started_by_id else None
            names[round_.id] = starter.name if starter else ""
        return names[round_.id]

    return name_of


# Each step's rule as (what qualifies, the time it falls due): the step reads the rows due by
# ``now``, and ``next_due`` the earliest time among those not due yet.
def _to_send() -> list[ColumnElement[bool]]:
    return [col(PulsePrompt.status) == "scheduled"]


def _to_remind(now: datetime) -> list[ColumnElement[bool]]:
    return [
        col(PulsePrompt.status) == "sent",
        col(PulsePrompt.reminded).is_(False),
        col(PulsePrompt.closes_at) > now,
    ]


def _to_expire() -> list[ColumnElement[bool]]:
    return [col(PulsePrompt.status).in_(("sent", "scheduled"))]


def _to_close() -> list[ColumnElement[bool]]:
    return [col(PulseRound.closed).is_(False)]


def send_due_prompts(session: Session, runtime: Runtime, now: datetime) -> int:
    """Queue every prompt whose local send time has come; expire those that never could be."""
    due = session.exec(
        select(PulsePrompt, PulseRound, Person)
        .join(PulseRound, col(PulseRound.id) == col(PulsePrompt.round_id))
        .join(Person, col(Person.id) == col(PulsePrompt.person_id))
        .where(*_to_send(), col(PulsePrompt.send_at) <= now)
    ).all()
    queued: list[Outgoing] = []
    bank_of, name_of = _banks(session), starter_of(session)
    for prompt, round_, person in due:
        if now >= prompt.closes_at or not person.active:
            prompt.status = "expired"
        elif workdays.hold_prompt(prompt, round_, person, runtime.settings.work_week):
            session.add(round_)  # on leave (skipped) or moved to their next working day
        else:
            queued.append(
                Outgoing(
                    person,
                    partial(prompt_message, prompt, round_, person, bank_of, name_of),
                    key=f"pulse:prompt:{prompt.id}",
                    kind="pulse.prompt",
                )
            )
            prompt.status = "sent"
            # sent late (the bot was down)? the reminder still comes its delay after the
            # question, never with it (send_reminders skips it when the round closes first)
            prompt.remind_at = max(prompt.remind_at, now + (prompt.remind_at - prompt.send_at))
        session.add(prompt)
    send_many(session, runtime, queued)
    return len(queued)


def send_reminders(session: Session, runtime: Runtime, now: datetime) -> int:
    """One reminder, only to those who have not answered, while the round is still open."""
    due = session.exec(
        select(PulsePrompt, PulseRound, Person)
        .join(PulseRound, col(PulseRound.id) == col(PulsePrompt.round_id))
        .join(Person, col(Person.id) == col(PulsePrompt.person_id))
        .where(*_to_remind(now), col(PulsePrompt.remind_at) <= now)
    ).all()
    queued: list[Outgoing] = []
    bank_of, name_of = _banks(session), starter_of(session)
    for prompt, round_, person in due:
        if workdays.hold_reminder(prompt, person, runtime.settings.work_week):
            session.add(prompt)  # moved to their next working day, or dropped
            continue
        queued.append(
            Outgoing(
                person,
                partial(reminder_message, prompt, round_, person, bank_of, name_of),
                key=f"pulse:reminder:{prompt.id}",
                kind="pulse.reminder",
            )
        )
        prompt.reminded = True
        session.add(prompt)
    send_many(session, runtime, queued)
    return len(queued)


def prompt_message(
    prompt: PulsePrompt, round_: PulseRound, person: Person, bank_of: BankOf, starter_of: StarterOf
) -> Message:
    """The question of ``prompt`` as ``person`` is asked it (in the language of the moment)."""
    bank = bank_of(round_)
    return question_message(prompt, round_.question_id, person.timezone, bank, starter_of(round_))


def reminder_message(
    prompt: PulsePrompt, round_: PulseRound, person: Person, bank_of: BankOf, starter_of: StarterOf
) -> Message:
    """The reminder: when the check-in closes, then the question again to answer at once."""
    reminder = prompts.text("pulse.reminder", closes=chat_time(prompt.closes_at, person.timezone))
    question = prompt_message(prompt, round_, person, bank_of, starter_of)
    return Message(summary=reminder, parts=(Text(text=reminder), *question.parts[1:]))


def expire_prompts(session: Session, now: datetime) -> int:
    result = session.exec(
        update(PulsePrompt)
        .where(*_to_expire(), col(PulsePrompt.closes_at) <= now)
        .values(status="expired")
    )
    return result.rowcount


def rounds_to_close(session: Session, now: datetime) -> list[int]:
    """The rounds whose answer window (and its grace) is over and that are not closed yet."""
    return [
        row_id(round_id)
        for round_id in session.exec(
            select(PulseRound.id).where(
                *_to_close(), col(PulseRound.closes_at) <= now - CLOSE_GRACE
            )
        )
    ]


def close_rounds(runtime: Runtime, now: datetime, due: list[int] | None = None) -> int:
    """Close every round whose answer window is over (``due``, when the caller read them):
    its answers move from pending into pulse_answer, each round in a transaction of its own
    (see disclosure.close_round)."""
    if due is None:
        with runtime.db.session() as session:
            due = rounds_to_close(session, now)
    for round_id in due:
        with runtime.db.session() as session:
            disclosure.close_round(session, round_id, now, runtime.settings.min_group_size)
    return len(due)


def after_sending(session: Session, now: datetime) -> tuple[bool, bool, bool]:
    """Whether any prompt is due a reminder, any prompt is due to expire, and any round is
    due to close: one read of three indexed EXISTS, so an idle tick (nearly every tick) skips
    the reads and the update of those steps, and the transaction closing rounds would take.
    Each is exactly its step's own condition, joins aside (every prompt has its round and
    person), read after sending, which changes none of them (a prompt sent now is reminded
    after its delay; one that closed is expired, not sent)."""
    remind, expire, close = session.exec(
        select(
            select(PulsePrompt.id)
            .where(*_to_remind(now), col(PulsePrompt.remind_at) <= now)
            .exists(),
            select(PulsePrompt.id).where(*_to_expire(), col(PulsePrompt.closes_at) <= now).exists(),
            select(PulseRound.id)
            .where(*_to_close(), col(PulseRound.closes_at) <= now - CLOSE_GRACE)
            .exists(),
        )
    ).one()
    return bool(remind), bool(expire), bool(close)


def next_due(session: Session, runtime: Runtime, now: datetime) -> datetime | None:
    """The earliest moment from ``now`` on when ``tick`` could have work, the database staying
    as it is (None: not before something is written): each step's own rule, and a scrub
    still to finish makes it now."""
    if scrub.pending(session):
        return now
    first = session.exec(
        select(
            select(func.min(PulsePrompt.send_at)).where(*_to_send()).scalar_subquery(),
            select(func.min(PulsePrompt.remind_at)).where(*_to_remind(now)).scalar_subquery(),
            select(func.min(PulsePrompt.closes_at)).where(*_to_expire()).scalar_subquery(),
            select(func.min(PulseRound.closes_at)).where(*_to_close()).scalar_subquery(),
        )
    ).one()
    send, remind, expire, close = first
    times = [t for t in (send, remind, expire) if t is not None]
    if close is not None:
        times.append(close + CLOSE_GRACE)
    schedules = session.exec(select(PulseSchedule).where(col(PulseSchedule.active).is_(True)))
    for schedule in schedules:
        opening = next_opening(session, schedule, now)
        if opening is not None:
            times.append(opening)
    return max(now, min(times)) if times else None


def tick(runtime: Runtime) -> dict[str, int]:
    """Everything pulse-related that is due now; called by the scheduler each minute."""
    now = runtime.clock.now()
    with runtime.db.session() as session:
        opened = open_due_rounds(session, now)
        sent = send_due_prompts(session, runtime, now)
        remind, expire, close = after_sending(session, now)
        reminded = send_reminders(session, runtime, now) if remind else 0
        expired = expire_prompts(session, now) if expire else 0
        closing = rounds_to_close(session, now) if close else []
    closed = close_rounds(runtime, now, closing)
    scrub.run_due(runtime.db)  # the closed rounds' pending answers, gone from disk too
    return {
        "opened": opened,
        "sent": sent,
        "reminded": reminded,
        "expired": expired,
        "closed": closed,
    }


# --- what people do ----------------------------------------------------------------------


def answer(ctx: Context, incoming: Incoming) -> Response:
    """Record an answer once, without the person; turn the question into "Thanks, recorded"."""
    prompt = session_prompt(ctx.session, incoming.ref)
    if prompt is None or prompt.person_id != ctx.person.id:
        raise UserError(prompts.text("pulse.not_yours"))
    round_ = ctx.session.get(PulseRound, prompt.round_id)
    assert round_ is not None
    scale = scale_of(round_.question_id)
    if incoming.value not in {str(n) for n in scale}:  # a forged value: nothing changes
        raise UserError(
            prompts.text("pulse.bad_enps" if scale == prompts.ENPS_SCALE else "pulse.bad_score")
        )
    value = int(incoming.value)
    comment = (incoming.fields.get("comment") or "").strip() or None
    if comment and len(comment) > MAX_COMMENT:
        raise UserError(
            prompts.text("common.text_too_long", length=len(comment), limit=MAX_COMMENT),
            field="comment",
        )
    if prompt.status == "answered":
        return Response(replies=[text_message(prompts.text("pulse.already_answered"))])
    if prompt.status == "expired" or ctx.now >= prompt.closes_at:
        closed = prompts.text(
            "pulse.closed", closes=chat_time(prompt.closes_at, ctx.person.timezone)
        )
        return Response(update=text_message(closed))
    team_path = people.team_path(ctx.session, ctx.person)
    claimed = ctx.session.exec(
        update(PulsePrompt)
        .where(col(PulsePrompt.id) == prompt.id, col(PulsePrompt.status) == "sent")
        .values(status="answered", team_path=team_path, department=ctx.person.department)
    ).rowcount
    if claimed != 1:
        return Response(replies=[text_message(prompts.text("pulse.already_answered"))])
    question = round_bank(ctx.session, round_).by_id(round_.question_id)
    mood = assess(comment) if comment else None
    # only a ticked comment is ever joined to its author, in a table of its own
    ticked = bool(comment) and incoming.fields.get(REPLY_FIELD) == TICKED
    ref = conversations.link(ctx.session, row_id(ctx.person.id), ctx.now) if ticked else None
    # pending until the round closes (then moved, shuffled, into pulse_answer): no date
    ctx.session.add(
        PulseAnswerPending(
            round_id=row_id(round_.id),
            question_id=question.id,
            theme=question.theme,
            team_path=team_path,
            department=ctx.person.department,
            score=value,
            comment=comment,
            language=mood.language if mood else None,
            polarity=mood.polarity if mood else None,
            subjectivity=mood.subjectivity if mood else None,
            conversation_ref=ref,
        )
    )
    # the thanks never repeats the score: platform calls may be logged
    thanks = prompts.text("pulse.thanks_comment" if comment else "pulse.thanks")
    if ref:
        thanks = f"{thanks} {prompts.text('conversations.ticked', ref=ref)}"
    return Response(update=text_message(thanks))


def session_prompt(session: Session, ref: str) -> PulsePrompt | None:
    prompt_id = parse_id(ref)
    return session.get(PulsePrompt, prompt_id) if prompt_id else None


def start_checkin(ctx: Context, incoming: Incoming) -> Response:
    """A manager asks their own subtree now (or a sub-team, by naming its manager's email)."""
    me = ctx.person
    if not people.has_reports(ctx.session, me):
        key = "pulse.no_reports" if me.role in ("manager", "leader") else "pulse.only_managers"
        raise UserError(prompts.text(key))
    target = incoming.text.strip().lower()
    root = me
    if target and target != me.email:
        named = people.by_email(ctx.session, target)
        if named is None or not people.in_subtree(named, me):
            raise UserError(
                prompts.text("pulse.outside_subtree", example=_example_manager(ctx.session, me))
            )
        root = named
    running = ctx.session.exec(
        select(PulseRound).where(
            PulseRound.started_by_id == me.id, col(PulseRound.closes_at) > ctx.now
        )
    ).first()
    if running is not None:
        asked, answered = _progress(ctx.session, row_id(running.id))
        k = ctx.settings.min_group_size
        raise UserError(
            prompts.text(
                "pulse.adhoc_running",
                closes=chat_time(running.closes_at, me.timezone),
                answered=live_counts.progress(answered, asked, k, running.live_floor),
                min=k,
            )
        )
    where = people.subtree_filter(root)
    window = timedelta(hours=ctx.settings.answer_window_hours)
    round_ = PulseRound(
        started_by_id=me.id,
        period=disclosure.period_for(ctx.session, ctx.now.date(), ctx.now),
        question_id=next_question(ctx.session, started_by_id=me.id),
        created_at=ctx.now,
        closes_at=ctx.now + window,
    )
    ctx.session.add(round_)
    ctx.session.flush()
    asked = create_prompts(
        ctx.session,
        row_id(round_.id),
        where,
        ctx.now,
        remind_after=timedelta(hours=ctx.settings.reminder_after_hours),
        window=window,
    )
    if not asked:
        raise UserError(prompts.text("pulse.no_reports"))  # rolls the empty round back
    send_due_prompts(ctx.session, ctx.runtime, ctx.now)
    started = prompts.text("pulse.adhoc_started", asked=asked, min=ctx.settings.min_group_size)
    return Response(replies=[text_message(started)])


def _example_manager(session: Session, me: Person) -> str:
    """The email of a manager below ``me`` (``me`` when there is none), for an example."""
    below = [p for p in people.subtree(session, me) if people.has_reports(session, p)]
    return min(below, key=lambda p: p.path).email if below else me.email


def _progress(session: Session, round_id: int) -> tuple[int, int]:
    """(asked, answered) in a round: every prompt it created, whatever became of the person
    since, so both only grow (see handlers/reports/live_counts.py)."""
    rows = session.exec(select(PulsePrompt.status).where(PulsePrompt.round_id == round_id)).all()
    return len(rows), sum(1 for status in rows if status == "answered")


def register(router: Router) -> None:
    router.action("pulse.answer")(answer)  # ``checkin``: handlers.pulse.team
