"""Small SQL helpers that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, SQLModel


def insert_ignore(session: Session, model: type[SQLModel], values: dict[str, Any]) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING; True when the row is new.

    The unique constraint decides, so two processes racing on the same key cannot both win.
    RETURNING tells whether a row was written: psycopg 3 reports rowcount -1 for this statement.
    """
    from sqlalchemy.dialects import postgresql, sqlite  # here: CLI start-up needs neither

    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = model.__table__  # type: ignore[attr-defined]
    stmt = insert(table).values(**values).on_conflict_do_nothing().returning(*table.primary_key)
    return session.exec(stmt).first() is not None  # type: ignore[call-overload]
