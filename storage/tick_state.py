"""What the last full tick proved: nothing is due before ``quiet_until`` while the database
stays as it was (storage.quiet reads it without the ORM).

The race, and why the record is right: a full tick ``begin``s by bumping ``generation``,
clearing ``quiet_until`` and deleting the tick_change rows of writes committed so far, then
runs its jobs (each reads in transactions of its own), works out ``quiet_until`` from every
job's ``next_due``, and ``record``s it in a last transaction that first updates the row (on
PostgreSQL that takes its row lock; SQLite writes one transaction at a time) and then reads
tick_change. The record is kept only when that transaction finds the row still at this tick's
generation and tick_change empty:

- a write committed before ``begin`` deleted its change is seen by the jobs' reads, which
  all come later;
- a write committed after that delete left its change row, so the last transaction finds it
  (committed before that read) or the next fast tick does (committed after it): a write is
  never seen by neither. On PostgreSQL a change row is added by the writing transaction
  itself, so it commits with the write or not at all, and the delete only removes committed
  rows, never one still in flight;
- this tick's own writes also leave change rows, so a tick that did work keeps no record and
  the next tick is a full one again: only a tick that changed nothing records;
- two full ticks at once (a CLI tick beside ``culturebot run``): the later ``begin`` bumps the
  generation, so the earlier tick, whose reads may predate a change the later one deleted,
  keeps no record; and the later one's last transaction waits for the row lock, so they
  never interleave there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger, Column, delete, update
from sqlmodel import Field, Session, SQLModel, col, select

from storage.sql import insert_ignore
from storage.types import table_of


class TickState(SQLModel, table=True):
    """One row (id 1): the last full tick's quiet time, with what it was worked out from."""

    __tablename__ = "tick_state"

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})  # always 1
    generation: int = Field(default=0, sa_column=Column(BigInteger(), nullable=False))
    # seconds since the epoch (floored): read by the fast path with the plain driver
    quiet_until: int | None = Field(default=None, sa_column=Column(BigInteger(), nullable=True))
    basis: str = Field(default="", max_length=64)
    report: str = ""


class TickChange(SQLModel, table=True):
    """A row for each transaction that wrote to a tracked table since the last full tick
    began (SQLite: at most one row); the triggers in storage.quiet add them."""

    __tablename__ = "tick_change"

    id: int | None = Field(default=None, primary_key=True)


@dataclass(frozen=True)
class Begun:
    """A full tick's start: its generation, and the quiet time still standing (nothing was
    written since it was recorded, so it holds as it was: None when anything was)."""

    generation: int
    quiet_until: int | None
    basis: str


def begin(session: Session) -> Begun:
    """Start a full tick: a new generation (the row's lock first, so two ticks starting at
    once wait for each other rather than deadlock on the change rows), the changes so far
    forgotten (the jobs read after this commits), and the quiet time cleared if any."""
    insert_ignore(session, TickState, {"id": 1, "generation": 0, "basis": "", "report": ""})
    state = table_of(TickState).c
    generation, quiet_until, basis = session.exec(
        update(TickState)
        .where(col(TickState.id) == 1)
        .values(generation=col(TickState.generation) + 1)
        .returning(state.generation, state.quiet_until, state.basis)
    ).one()
    forgotten = session.exec(delete(TickChange).returning(table_of(TickChange).c.id)).all()
    if forgotten:
        session.exec(update(TickState).where(col(TickState.id) == 1).values(quiet_until=None))
        quiet_until = None
    return Begun(int(generation), quiet_until, basis)


def record(
    session: Session, generation: int, quiet_until: datetime, basis: str, report: str
) -> bool:
    """Keep ``quiet_until`` (and the report to print until then) when nothing was written
    since ``begin`` and no other full tick began meanwhile; True when kept. The update comes
    first: it takes the row's lock before tick_change is read (see the module docstring)."""
    updated = session.exec(
        update(TickState)
        .where(col(TickState.id) == 1, col(TickState.generation) == generation)
        .values(quiet_until=int(quiet_until.timestamp()), basis=basis, report=report)
    ).rowcount
    if updated != 1 or changed(session):
        session.rollback()
        return False
    return True


def changed(session: Session) -> bool:
    """Whether any transaction wrote to a tracked table since the last ``begin``."""
    return session.exec(select(TickChange.id).limit(1)).first() is not None
