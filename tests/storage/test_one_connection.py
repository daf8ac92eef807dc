"""A scheduler tick's sessions share one connection (Database.one_connection), and each still
commits or rolls back on its own: a job that fails keeps nothing, the work before it stays,
and a session opened inside another sees only what was committed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from storage.db import Database
from storage.job_marks import JobMark

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def names(database: Database) -> set[str]:
    with database.session() as session:
        return set(session.exec(select(JobMark.name)))


def test_sessions_on_one_connection_keep_transactions_of_their_own(database: Database) -> None:
    with database.one_connection():
        with database.session() as session:
            session.add(JobMark(name="kept", until=NOW))
        with pytest.raises(RuntimeError), database.session() as session:
            session.add(JobMark(name="failed", until=NOW))
            session.flush()
            raise RuntimeError("the job failed")
        with database.session() as outer:
            outer.add(JobMark(name="outer", until=NOW))
            outer.flush()
            assert names(database) == {"kept"}  # inside: its own, committed view
        assert names(database) == {"kept", "outer"}
    assert names(database) == {"kept", "outer"}
