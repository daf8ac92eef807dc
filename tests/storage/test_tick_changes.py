"""Every write a tick could care about is noticed: each table has triggers that add a
tick_change row (storage.quiet), unless UNTRACKED says why no tick job reads it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, inspect, text
from sqlmodel import select

from storage.db import Database
from storage.models import Person
from storage.quiet import PARTLY, STATEMENTS, UNTRACKED
from storage.tick_state import TickChange


def triggered(database: Database) -> dict[str, set[str]]:
    """Table -> the statements (INSERT, UPDATE, DELETE) that add a tick_change row."""
    found: dict[str, set[str]] = {}
    with database.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            rows = conn.execute(
                text(
                    "SELECT event_object_table, event_manipulation FROM information_schema.triggers"
                    " WHERE trigger_schema = current_schema() AND trigger_name = 'tick_change'"
                )
            ).all()
        else:
            rows = [
                (table, name.rsplit("_", 1)[1].upper())
                for table, name in conn.execute(
                    text(
                        "SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'"
                        " AND name LIKE 'tick_change_%'"
                    )
                )
            ]
    for table, statement in rows:
        found.setdefault(table, set()).add(statement)
    return found


def test_every_table_a_tick_reads_has_its_triggers(database: Database) -> None:
    with database.engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
    assert set(UNTRACKED) <= tables, "UNTRACKED names a table that is gone"
    expected = {t: set(PARTLY.get(t, STATEMENTS)) for t in tables - set(UNTRACKED)}
    assert triggered(database) == expected, (
        "a table without its tick_change triggers: create them in the migration that creates"
        " the table (op.execute each of storage.quiet.trigger_sql(dialect, table)), or add it to"
        " storage.quiet.UNTRACKED with the reason no tick job reads it"
    )


def changes(database: Database) -> int:
    with database.session() as session:
        return session.exec(select(func.count()).select_from(TickChange)).one()


def test_a_write_leaves_a_change_and_a_rolled_back_one_does_not(database: Database) -> None:
    assert changes(database) == 0
    try:
        with database.session() as session:
            session.add(Person(email="a@x.io", name="A", department="D", path="/", timezone="UTC"))
            session.flush()
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    assert changes(database) == 0
    with database.session() as session:  # an untracked table
        session.exec(
            text("INSERT INTO job_mark (name, until) VALUES ('x', :at)").bindparams(
                at=datetime(2027, 1, 1)
            )
        )
    assert changes(database) == 0
    with database.session() as session:
        for n in range(3):  # one transaction, several rows: one change row
            session.add(
                Person(email=f"{n}@x.io", name="A", department="D", path="/", timezone="UTC")
            )
    assert changes(database) == 1
    with database.session() as session:
        session.exec(text("UPDATE person SET name = 'B'"))
    assert 1 <= changes(database) <= 2
