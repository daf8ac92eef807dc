"""A year of history costs nothing at run time: an idle tick reads only what is due now, and a
round opened late (the bot was down) never sends its reminder together with its question."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import event, update
from sqlmodel import select

from bench.history import END, HistorySpec, seed
from bot.app import run_due
from bot.core.clock import FakeClock
from bot.core.config import Settings
from bot.core.runtime import Runtime
from bot.delivery.worker import claim
from storage.db import Database
from storage.models import Outbox, Person, PulseSchedule
from tests.support import add_schedule, import_org, org_csv

ZONES = ["America/New_York", "Europe/Berlin", "Asia/Kolkata"]
ORG = org_csv(
    "lead@x.io,Lead,,Ops,leader,UTC",
    *(f"{z.split('/')[1].lower()}@x.io,{z},lead@x.io,Ops,employee,{z}" for z in ZONES),
)
# tables that grow with every week of history: a tick may only SEARCH them through an index
HISTORY = {
    "pulse_prompt",
    "pulse_answer",
    "pulse_round",
    "outbox",
    "story",
    "story_reaction",
    "story_invite",
    "story_digest_receipt",
    "cascade_receipt",
    "cascade_link",
}


def queued(runtime: Runtime, kind: str) -> dict[str, datetime]:
    with runtime.db.session() as session:
        rows = session.exec(
            select(Person.email, Outbox.created_at).join(Person).where(Outbox.kind == kind)
        ).all()
    return dict(rows)


def test_a_round_opened_a_day_late_reminds_a_day_after_its_question_not_with_it(
    runtime: Runtime,
) -> None:
    import_org(runtime, ORG)
    runtime.clock.set(datetime(2027, 2, 28, 12, 0, tzinfo=UTC))  # type: ignore[attr-defined]
    add_schedule(runtime, weekday=0, start=date(2027, 3, 1))  # Mondays 09:00, remind after 24 h
    run_due(runtime)
    # the bot is down from Sunday until Tuesday noon: Monday's round opens 27 hours late
    runtime.clock.set(datetime(2027, 3, 2, 12, 0, tzinfo=UTC))  # type: ignore[attr-defined]
    done = run_due(runtime)
    assert done["pulse"]["opened"] == 1
    questions = queued(runtime, "pulse.prompt")
    assert set(questions) == {"lead@x.io", "new_york@x.io", "berlin@x.io", "kolkata@x.io"}
    assert queued(runtime, "pulse.reminder") == {}
    # nor an hour before the reminder delay has passed since the question...
    runtime.clock.advance(timedelta(hours=23))  # type: ignore[attr-defined]
    run_due(runtime)
    assert queued(runtime, "pulse.reminder") == {}
    # ...and then, once, to everyone who has not answered, while the round is still open
    runtime.clock.advance(timedelta(hours=1, minutes=1))  # type: ignore[attr-defined]
    run_due(runtime)
    reminders = queued(runtime, "pulse.reminder")
    assert set(reminders) == set(questions)
    for email, at in reminders.items():
        assert at - questions[email] >= timedelta(hours=24), email


def test_a_prompt_sent_with_too_little_time_left_gets_no_reminder(runtime: Runtime) -> None:
    import_org(runtime, ORG)
    runtime.clock.set(datetime(2027, 2, 28, 12, 0, tzinfo=UTC))  # type: ignore[attr-defined]
    add_schedule(runtime, weekday=0, start=date(2027, 3, 1))
    with runtime.db.session() as session:
        session.exec(update(PulseSchedule).values(answer_window_hours=40))  # type: ignore[call-overload]
    run_due(runtime)
    # down until Tuesday evening: Berlin and New York have hours left, less than the 24 h
    # the reminder waits after the question (Kolkata's check-in closed meanwhile)
    runtime.clock.set(datetime(2027, 3, 2, 20, 0, tzinfo=UTC))  # type: ignore[attr-defined]
    run_due(runtime)
    assert {"berlin@x.io", "new_york@x.io"} <= set(queued(runtime, "pulse.prompt"))
    runtime.clock.advance(timedelta(days=3))  # type: ignore[attr-defined]
    run_due(runtime)
    assert queued(runtime, "pulse.reminder") == {}


def _plans(database: Database, statements: list[tuple[str, Any]]) -> list[str]:
    found = []
    with database.engine.connect() as conn:
        for statement, params in statements:
            if not statement.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE")):
                continue
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
            found.extend(f"{row[-1]}  <-  {statement[:120]}" for row in rows)
    return found


def test_an_idle_tick_reads_history_only_through_indexes(sqlite_database: Database) -> None:
    """On a seeded history, every statement of an idle tick and of an idle delivery claim
    SEARCHes the tables that grow with history (by an index bounded by what is due now);
    none SCANs them."""
    seed(sqlite_database.engine, HistorySpec(people=300, weeks=12))
    settings = Settings(database_url=sqlite_database.url, _env_file=None)  # type: ignore[call-arg]
    clock = FakeClock(END)
    runtime = Runtime(db=sqlite_database, clock=clock, settings=settings, channels=("slack",))
    run_due(runtime)  # the first tick of a fresh process may look back over the last week
    statements: list[tuple[str, Any]] = []

    def seen(_conn, _cursor, statement, params, _context, many) -> None:  # type: ignore[no-untyped-def]
        if not many:
            statements.append((statement, params))

    event.listen(sqlite_database.engine, "before_cursor_execute", seen)
    try:
        clock.advance(timedelta(minutes=1))
        done = run_due(runtime)
        assert claim(runtime, "slack", "worker", 200) == []  # the delivery worker's poll
        # and with per-person spacing (limits shared by several instances)
        assert claim(runtime, "slack", "worker", 200, spacing=1.0) == []
    finally:
        event.remove(sqlite_database.engine, "before_cursor_execute", seen)
    assert all(count == 0 for job in done.values() for count in job.values()), done
    plans = _plans(sqlite_database, statements)
    scans = [
        plan for plan in plans if (m := re.match(r"SCAN (\w+)", plan)) and m.group(1) in HISTORY
    ]
    assert scans == []
    for index in ("ix_outbox_due", "ix_outbox_claimed_person", "ix_outbox_sent_person"):
        assert any(index in plan for plan in plans), index


def test_the_invitation_tick_seeks_each_persons_invitations_by_time(
    sqlite_database: Database,
) -> None:
    """The tick after a round (which reads that round's prompts again for a while) asks, for
    each, "invited since it was sent, or already this week?" by a seek on person and time, not
    a walk through a year of that person's invitations."""
    seed(sqlite_database.engine, HistorySpec(people=300, weeks=12))
    settings = Settings(database_url=sqlite_database.url, _env_file=None)  # type: ignore[call-arg]
    runtime = Runtime(
        db=sqlite_database, clock=FakeClock(END), settings=settings, channels=("slack",)
    )
    statements: list[tuple[str, Any]] = []

    def seen(_conn, _cursor, statement, params, _context, many) -> None:  # type: ignore[no-untyped-def]
        if not many:
            statements.append((statement, params))

    event.listen(sqlite_database.engine, "before_cursor_execute", seen)
    try:
        run_due(runtime)  # the first tick looks back over the last week's prompts
    finally:
        event.remove(sqlite_database.engine, "before_cursor_execute", seen)
    probes = [plan for plan in _plans(sqlite_database, statements) if "story_invite" in plan]
    assert probes, "the tick asked nothing of story_invite"
    walks = [
        plan
        for plan in probes
        if plan.startswith(("SEARCH story_invite", "SCAN story_invite"))
        and not re.match(r"SEARCH story_invite .*\(person_id=\? AND \w+>\?\)", plan)
    ]
    assert walks == []
