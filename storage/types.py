"""Column types shared by the tables."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import DateTime, Table
from sqlalchemy.types import TypeDecorator

if TYPE_CHECKING:  # `status` reads through Core alone: no SQLModel at run time
    from sqlmodel import SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC on every backend and always hands back aware UTC datetimes.

    SQLite has no time zones; keeping one convention everywhere means a query compares the
    same instants on SQLite and PostgreSQL.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def row_id(value: int | None) -> int:
    """A saved row's primary key: SQLModel types every ``id`` optional until the row is flushed."""
    if value is None:
        raise ValueError("this row has no id yet: add and flush it first")
    return value


def table_of(model: type[SQLModel]) -> Table:
    """A table model's Core table, for bulk statements (SQLModel sets it but does not type it)."""
    # SQLModel's metaclass sets __table__ on table models without declaring it
    return model.__table__  # type: ignore[attr-defined]  # see above
