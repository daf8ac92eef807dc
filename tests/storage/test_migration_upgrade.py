"""An existing SQLite database with data upgrades to the newest schema (SQLite alters tables
by copying them, which foreign keys must not stop)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from storage.db import Database
from tests.storage import old_chain


def test_a_sqlite_database_with_rounds_and_prompts_upgrades_to_the_newest_schema(
    tmp_path: Path,
) -> None:
    db = Database(f"sqlite:///{tmp_path / 'old.db'}")
    old_chain.upgrade(db.engine, "0005_merge_audit_country")  # a release of then
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO person (id, email, name, department, role, timezone,"
                " timezone_source, active, path) VALUES"
                " (1, 'a@x.io', 'A', 'Ops', 'employee', 'UTC', 'org', 1, '/1/')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO pulse_schedule (id, name, audience_kind, audience_value, weekday,"
                " local_time, every_weeks, start_date, answer_window_hours,"
                " reminder_after_hours, active)"
                " VALUES (1, 'weekly', 'org', '', 0, '09:00', 1, '2027-03-01', 72, 24, 1)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO pulse_round (id, schedule_id, local_date, question_id, created_at,"
                " closes_at) VALUES (1, 1, '2027-03-01', 'q1', '2027-03-01 09:00:00',"
                " '2027-03-04 09:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO pulse_prompt (id, round_id, person_id, status, send_at, remind_at,"
                " closes_at, reminded) VALUES (1, 1, 1, 'sent', '2027-03-01 09:00:00',"
                " '2027-03-02 09:00:00', '2027-03-04 09:00:00', 0)"
            )
        )
    old_chain.upgrade(db.engine)  # the last release before the squash, then this code
    db.upgrade()
    assert db.is_current()
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM pulse_prompt")).scalar_one() == 1
        assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
        assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
    db.dispose()
