"""The idle tick's promise (storage.quiet): between a full tick that changed nothing and the
quiet time it recorded, no job has anything to do, and any write in between makes the next
tick a full one.

The safety net runs weeks of a seeded history's life (pulses in three zones, stories, digests,
cascades, an assessment, an objective): at each step the scheduler's full tick, and, whenever
it recorded a quiet time, a dry run of every real job on a copy of the database at moments
sampled before that time, which must write nothing at all."""

from __future__ import annotations

import random
import sqlite3
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func
from sqlmodel import select

from bench.history import END, HistorySpec, seed
from bot.app import next_dues, report_json, run_due
from bot.core.clock import FakeClock
from bot.core.config import Settings
from bot.core.router import Router
from bot.core.runtime import Runtime
from handlers.cascade import chain
from handlers.roadmap import assessment
from storage import quiet
from storage.db import Database
from storage.models import Person
from storage.tick_state import TickChange, TickState
from tests.support import Chat, add_schedule, click_score, import_org, org_csv

ZONES = ["America/New_York", "Europe/Berlin", "Asia/Kolkata"]


def _runtime(database: Database, clock: FakeClock) -> Runtime:
    settings = Settings(database_url=database.url, _env_file=None)
    return Runtime(db=database, clock=clock, settings=settings, channels=("slack",))


def recorded(database: Database) -> datetime | None:
    """The quiet time the last full tick kept (None: it kept none)."""
    with database.session() as session:
        state = session.get(TickState, 1)
    if state is None or state.quiet_until is None:
        return None
    return datetime.fromtimestamp(state.quiet_until, UTC)


def dry_run(path: Path, folder: Path, at: datetime) -> tuple[dict[str, object], int]:
    """Every job on a copy of the database at ``at``: its report and how many transactions
    wrote anything (tick_change rows; run_due's begin cleared them)."""
    copy = folder / f"dry-{at.timestamp():.0f}.db"
    with sqlite3.connect(path) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    database = Database(f"sqlite:///{copy}")
    try:
        done = run_due(_runtime(database, FakeClock(at)))
        with database.session() as session:
            writes = session.exec(select(func.count()).select_from(TickChange)).one()
    finally:
        database.dispose()
        copy.unlink()
    return done, writes


def add_open_work(runtime: Runtime) -> None:
    """What the history seed has not: an assessment open over the days ahead, and a cascade
    scheduled for each report's 10:00 on the next working day."""
    with runtime.db.session() as session:
        leader = session.exec(select(Person).where(Person.role == "leader")).first()
        assert leader is not None
        assessment.launch(session, runtime, leader, window_days=5)
        chain.start(
            session,
            runtime,
            leader,
            title="Our customers",
            body="A word about our customers",
            customer_line=None,
            window_days=3,
            send_at=runtime.clock.now() + timedelta(days=1),
            local_time="10:00",
        )


def test_no_job_has_work_before_the_recorded_quiet_time(
    sqlite_database: Database, tmp_path: Path
) -> None:
    seed(sqlite_database.engine, HistorySpec(people=40, weeks=3))
    clock = FakeClock(END)
    runtime = _runtime(sqlite_database, clock)
    add_open_work(runtime)
    path = Path(sqlite_database.url.removeprefix("sqlite:///"))
    rng = random.Random(22)
    checked, quiet, work = 0, timedelta(0), Counter[str]()
    while clock.now() < END + timedelta(days=8):
        for job, counts in run_due(runtime).items():  # the work due now, if any
            assert isinstance(counts, dict)
            work.update({f"{job}.{key}": n for key, n in counts.items() if isinstance(n, int)})
        if recorded(sqlite_database) is None:
            run_due(runtime)  # then the tick that finds none
        now, until = clock.now(), recorded(sqlite_database)
        assert until is not None, f"a second tick in a row changed something at {now}"
        quiet += until - now
        # a moment before the quiet time, or the last second of it
        at = now + (until - now) * rng.random() if rng.random() < 0.6 else until
        at = max(now, at - timedelta(seconds=1))
        done, writes = dry_run(path, tmp_path, at)
        assert writes == 0, f"quiet from {now} until {until}, but at {at}: {done}"
        checked += 1
        clock.advance(timedelta(hours=rng.uniform(2, 8)))
    assert checked > 20
    assert quiet > timedelta(days=1)  # the record is useful: quiet for hours at a time
    # and the days had work of every kind: the quiet times ended where work came
    for step in (
        "pulse.opened",
        "pulse.sent",
        "pulse.reminded",
        "pulse.closed",
        "stories.invited",
        "stories.digests_opened",
        "cascade.released",
        "assessment.closed",
        "disclosure.published",
    ):
        assert work[step] > 0, (step, work)


def test_every_job_tells_when_it_is_next_due() -> None:
    from bot.app import due_jobs

    assert set(next_dues()) == set(due_jobs())


# --- the fast path, as `culturebot tick` takes it ----------------------------------------


def tick(runtime: Runtime) -> tuple[str, bool]:
    """What `culturebot tick` does at the fake clock's time: its printed line, and whether it
    ran the full tick."""
    idle = quiet.idle_report(runtime.db.url, runtime.clock.now().timestamp())
    if idle is not None:
        return idle, False
    return report_json(run_due(runtime)), True


ORG = org_csv(
    "lead@x.io,Lead,,Ops,leader,UTC",
    *(f"{z.split('/')[1].lower()}@x.io,{z},lead@x.io,Ops,employee,{z}" for z in ZONES),
)


def test_a_pulse_due_at_nine_goes_out_at_the_first_tick_from_nine(
    sqlite_database: Database,
) -> None:
    clock = FakeClock(datetime(2027, 2, 28, 12, 0, tzinfo=UTC))  # a Sunday
    runtime = _runtime(sqlite_database, clock)
    import_org(runtime, ORG)
    add_schedule(runtime, weekday=0, start=date(2027, 3, 1))  # Mondays 09:00 local
    tick(runtime)
    idle, full = tick(runtime)  # nothing due: recorded, then answered without the ORM
    _, full = tick(runtime)
    assert not full
    # Kolkata's 09:00 on Monday is 03:30 UTC: a minute before, still quiet
    clock.set(datetime(2027, 3, 1, 3, 29, tzinfo=UTC))
    line, full = tick(runtime)
    assert (line, full) == (idle, False)
    clock.set(datetime(2027, 3, 1, 3, 30, tzinfo=UTC))
    line, full = tick(runtime)
    assert full and '"opened": 1' in line and '"sent": 1' in line
    # Berlin's 09:00 (08:00 UTC): the ticks before it are full until one changed nothing
    clock.set(datetime(2027, 3, 1, 7, 0, tzinfo=UTC))
    tick(runtime)
    _, full = tick(runtime)
    assert not full
    clock.set(datetime(2027, 3, 1, 8, 0, tzinfo=UTC))
    line, full = tick(runtime)
    assert full and '"sent": 1' in line


def test_a_chat_write_between_ticks_makes_the_next_tick_full(
    sqlite_database: Database, router: Router
) -> None:
    clock = FakeClock(datetime(2027, 3, 1, 9, 0, tzinfo=UTC))  # Monday: Berlin was asked
    runtime = _runtime(sqlite_database, clock)
    import_org(runtime, ORG)
    add_schedule(runtime, weekday=0, start=date(2027, 3, 1))
    tick(runtime)
    tick(runtime)
    assert not tick(runtime)[1]
    # a story shared in chat
    Chat(runtime, router, "berlin@x.io").say("story", "We fixed it", "", "They stayed", "1", "1")
    assert tick(runtime)[1]
    tick(runtime)
    assert not tick(runtime)[1]
    # an answer to the check-in
    click_score(runtime, router, "berlin@x.io", 4)
    assert tick(runtime)[1]


def test_the_fast_path_reads_both_databases_and_any_write_ends_it(database: Database) -> None:
    clock = FakeClock(datetime(2027, 3, 1, 9, 0, tzinfo=UTC))
    runtime = _runtime(database, clock)
    import_org(runtime, ORG)
    first, _ = tick(runtime)
    line, full = tick(runtime)
    assert (line, full) == (first, False)
    with database.session() as session:  # another process's write, on any tracked table
        lead = session.exec(select(Person).where(Person.email == "lead@x.io")).one()
        lead.name = "Lea"
        session.add(lead)
    assert tick(runtime)[1]
    assert not tick(runtime)[1]
    clock.advance(timedelta(days=2))  # past the quiet time (at most a day)
    assert tick(runtime)[1]
