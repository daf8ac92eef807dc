"""The squashed baseline builds the schema the released chain built, the models describe it,
and a database at the released head upgrades with the later revisions alone."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from alembic import command
from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Engine

from storage.db import Database, alembic_config
from storage.tables import metadata
from tests.storage import old_chain

CREATE_TABLE = re.compile(r'CREATE TABLE "?(\w+)"?', re.I)


def schema(engine: Engine) -> dict[str, dict[str, Any]]:
    """What the database holds, table by table, as reflected: columns in order (type,
    nullability, server default), primary key, foreign keys, indexes (columns, uniqueness and
    a partial index's condition) and unique constraints."""
    found: dict[str, dict[str, Any]] = {}
    with engine.connect() as conn:
        reflect = inspect(conn)
        for table in sorted(set(reflect.get_table_names()) - {"alembic_version"}):
            found[table] = {
                "columns": [
                    (c["name"], str(c["type"]), c["nullable"], c["default"])
                    for c in reflect.get_columns(table)
                ],
                "primary key": reflect.get_pk_constraint(table)["constrained_columns"],
                "foreign keys": sorted(
                    (
                        str(fk["name"]),
                        tuple(fk["constrained_columns"]),
                        fk["referred_table"],
                        tuple(fk["referred_columns"]),
                        str(sorted((fk.get("options") or {}).items())),
                    )
                    for fk in reflect.get_foreign_keys(table)
                ),
                "indexes": sorted(
                    (
                        str(ix["name"]),
                        tuple(ix["column_names"]),
                        ix["unique"],
                        _where(ix.get("dialect_options") or {}),
                    )
                    for ix in reflect.get_indexes(table)
                ),
                "unique": sorted(
                    (str(uc["name"]), tuple(uc["column_names"]))
                    for uc in reflect.get_unique_constraints(table)
                ),
            }
    return found


def _where(options: dict[str, Any]) -> str | None:
    """A partial index's condition, as written (``sqlite_where`` or ``postgresql_where``)."""
    where = [str(v) for k, v in options.items() if k.endswith("_where")]
    return " ".join(" ".join(where).split()) or None


def unordered(found: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The same, with each table's columns sorted by name: nothing reads columns by position,
    and where they sit depends on how a column came (the models list them in their own order;
    on SQLite the old chain's rebuild of pulse_answer put ``period`` second, ALTER TABLE on
    PostgreSQL put it last)."""
    return {name: {**t, "columns": sorted(t["columns"])} for name, t in found.items()}


def version(db: Database) -> set[str]:
    with db.engine.connect() as conn:
        return set(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())


def test_the_baseline_builds_what_the_released_chain_built(
    blank: Callable[[], Database],
) -> None:
    released, squashed = blank(), blank()
    old_chain.upgrade(released.engine)
    command.upgrade(alembic_config(squashed.engine), old_chain.HEAD)
    assert version(squashed) == version(released) == {old_chain.HEAD}
    built = schema(squashed.engine)
    assert "outbox" in built and len(built) >= 30
    assert unordered(built) == unordered(schema(released.engine))


def test_a_database_at_the_released_head_upgrades_with_the_later_revisions_only(
    blank: Callable[[], Database],
) -> None:
    released, fresh = blank(), blank()
    old_chain.upgrade(released.engine)
    kept = set(schema(released.engine))
    statements: list[str] = []
    event.listen(
        released.engine,
        "before_cursor_execute",
        lambda _conn, _cursor, statement, *_rest: statements.append(statement),
    )
    released.upgrade()
    created = {m.group(1) for s in statements if (m := CREATE_TABLE.search(s))}
    assert not created & kept, f"the upgrade re-created {created & kept}"
    assert released.is_current()
    fresh.upgrade()
    assert unordered(schema(released.engine)) == unordered(schema(fresh.engine))


def test_a_fresh_database_has_the_tables_the_models_describe(
    blank: Callable[[], Database],
) -> None:
    migrated, modelled = blank(), blank()
    migrated.upgrade()
    metadata.create_all(modelled.engine)
    assert unordered(schema(migrated.engine)) == unordered(schema(modelled.engine))
