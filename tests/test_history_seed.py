"""The history seeder (bench/history.py) writes a year of history the app agrees with:
nothing is due when the history ends, and the schedule carries on from it."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import func, inspect, select

from bench.history import BULK, END, HistorySpec, seed
from bot.app import run_due
from bot.core.clock import FakeClock
from bot.core.config import Settings
from bot.core.runtime import Runtime
from storage.db import Database
from storage.models import Outbox, PulseAnswer, PulseAnswerPending, PulsePrompt, PulseRound


def _runtime(database: Database, clock: FakeClock) -> Runtime:
    settings = Settings(database_url=database.url, _env_file=None)  # type: ignore[call-arg]
    return Runtime(db=database, clock=clock, settings=settings, channels=("slack",))


def test_seeded_history_is_idle_at_its_end_and_the_schedule_carries_on(
    database: Database,
) -> None:
    summary = seed(database.engine, HistorySpec(people=150, weeks=6))
    rows = summary.rows
    assert rows["person"] == 150
    assert rows["pulse_round"] == 6
    assert rows["pulse_prompt"] == 150 * 6
    # about 60% answered, every answer anonymous (no person column) and one per answered prompt
    with database.session() as session:
        answered = session.exec(
            select(func.count()).select_from(PulsePrompt).where(PulsePrompt.status == "answered")
        ).one()[0]
        answers = session.exec(select(func.count()).select_from(PulseAnswer)).one()[0]
        answers += session.exec(select(func.count()).select_from(PulseAnswerPending)).one()[0]
        pending = session.exec(
            select(func.count()).select_from(Outbox).where(Outbox.status != "sent")
        ).one()[0]
    assert answers == answered and 0.5 < answered / 900 < 0.7
    assert pending == 0
    assert rows["outbox"] > 150 * 6 * 3

    clock = FakeClock(END)
    runtime = _runtime(database, clock)
    done = run_due(runtime)
    assert all(count == 0 for job in done.values() for count in job.values()), done

    # a week on, the next round opens for everyone, numbered after the history's rounds
    clock.advance(timedelta(days=5))
    done = run_due(runtime)
    assert done["pulse"]["opened"] == 1
    with database.session() as session:
        rounds = session.exec(select(func.count()).select_from(PulseRound)).one()[0]
    assert rounds == 7


def _schema(database: Database) -> dict[str, Any]:
    found = inspect(database.engine)  # a fresh inspector: it caches what it read
    return {
        table: json.dumps(
            [
                sorted(found.get_indexes(table), key=str),
                sorted(found.get_unique_constraints(table), key=str),
                sorted(found.get_foreign_keys(table), key=str),
            ],
            sort_keys=True,
            default=str,
        )
        for table in BULK
    }


def test_seeding_leaves_the_migrated_indexes_and_constraints(database: Database) -> None:
    """On PostgreSQL the seeder loads the big tables without their indexes and builds them
    at the end: what it leaves must be the migrated schema, or every bench would measure a
    database no operator has."""
    migrated = _schema(database)
    seed(database.engine, HistorySpec(people=60, weeks=3))
    assert _schema(database) == migrated
