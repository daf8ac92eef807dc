"""How far a scheduled job has read, so the next tick reads only what came after.

A job that would otherwise look back over a window of history on every tick (say, "everyone
sent a pulse prompt in the last week") keeps a mark: the ``now`` of its last run. Its next
run reads only rows newer than the mark (less a small overlap for transactions that committed
late), so each tick costs what is new, not what is old.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, Session, SQLModel, select

from storage.models import utc_column
from storage.sql import upsert_insert
from storage.types import table_of


class JobMark(SQLModel, table=True):
    """The instant up to which a scheduled job has handled everything."""

    __tablename__ = "job_mark"

    name: str = Field(primary_key=True, max_length=60)
    until: datetime = Field(sa_column=utc_column())


def read(session: Session, name: str) -> datetime | None:
    return session.exec(select(JobMark.until).where(JobMark.name == name)).first()


def write(session: Session, name: str, until: datetime) -> None:
    """Set the mark (an upsert, in the caller's transaction)."""
    stmt = upsert_insert(session)(table_of(JobMark)).values(name=name, until=until)
    session.exec(
        stmt.on_conflict_do_update(index_elements=["name"], set_={"until": stmt.excluded.until})
    )
