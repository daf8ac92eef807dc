"""Leave no old row version behind where it could join an answer to a person.

While a check-in or an assessment is open, an answer sits next to its person: the pending
answer is written in the transaction that marks the person's prompt answered (on PostgreSQL
both row versions carry that transaction's id, ``xmin``), and an assessment draft lives on
the person's invite. Closing moves the answers out, shuffled and without the person, and
deletes or blanks what was there. But a database does not forget on DELETE or UPDATE:

- PostgreSQL keeps every old row version in the table's file until VACUUM, and plain VACUUM
  only drops the row's line pointer: its bytes stay in the page's free space, readable with
  ``pageinspect``'s ``get_raw_page``. ``VACUUM FULL`` writes the live rows into a new file and
  removes the old one. The tables scrubbed are small (pending answers exist only for open
  rounds; invites, one per person per assessment), so the lock it takes is brief. It can
  only drop row versions that no running transaction may still see, so a scrub counts as
  done only when no other session began before it (of any database: PostgreSQL's horizon
  is the cluster's); otherwise the next tick runs it again.
- SQLite overwrites deleted content with zeros under ``secure_delete`` (set on every
  connection by ``storage.db``), but in WAL mode older copies of each page stay in the
  ``-wal`` file: a TRUNCATE checkpoint writes the pages back and empties that file.

A close marks its table due in the close's own transaction (``mark_due``); ``run_due``, called
by the scheduler's ticks after the close committed, scrubs it and clears the mark. What this
cannot reach (the write-ahead log's recycled segments, backups, the file system's free blocks)
is said in docs/privacy.md, "How anonymity is protected".
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import delete, text
from sqlmodel import Session, col, select

from storage import job_marks
from storage.db import Database
from storage.job_marks import JobMark

log = logging.getLogger(__name__)

# the tables where an answer sat next to its person while its round or assessment was open,
# and where an anonymous conversation's link and its messages to the author sat until it ended
# (storage/conversations.py: the outbox is scrubbed only after a conversation that had them)
TABLES = ("pulse_answer_pending", "assessment_invite", "comment_link", "outbox")
PREFIX = "scrub:"


def mark_due(session: Session, table: str, now: datetime) -> None:
    """Ask for ``table`` to be scrubbed, in the transaction that deleted or blanked answers."""
    assert table in TABLES, table
    job_marks.write(session, PREFIX + table, now)


def pending(session: Session) -> bool:
    """Whether a table is marked due (``run_due`` runs on every tick until it is done)."""
    found = session.exec(select(JobMark.name).where(col(JobMark.name).startswith(PREFIX)))
    return any(name.removeprefix(PREFIX) in TABLES for name in found)


def run_due(db: Database) -> list[str]:
    """Scrub every table marked due; return those now done. Never raises: a scrub that could
    not finish (a lock held, an older snapshot still open) is tried again next tick."""
    with db.session() as session:
        due = {
            mark.name.removeprefix(PREFIX): mark.until
            for mark in session.exec(select(JobMark).where(col(JobMark.name).startswith(PREFIX)))
        }
    done = []
    for table, marked in sorted(due.items()):
        if table not in TABLES:
            continue
        try:
            complete = scrub(db, table)
        except Exception:  # noqa: BLE001 - a busy database must not stop the tick
            log.warning("scrub of %s did not run; it is tried again next tick", table)
            continue
        if complete:
            with db.session() as session:
                session.execute(
                    delete(JobMark).where(
                        col(JobMark.name) == PREFIX + table, col(JobMark.until) == marked
                    )
                )
            done.append(table)
    return done


def scrub(db: Database, table: str) -> bool:
    """Rewrite ``table`` so no old row version of it is left on disk; True when that is sure."""
    assert table in TABLES, table
    with db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        if conn.dialect.name == "postgresql":
            if not conn.execute(text(_MAY_VACUUM), {"table": table}).scalar():
                # VACUUM would only warn and skip the table: say so, and keep it due
                log.warning("scrub of %s: culturebot's database role does not own it", table)
                return False
            older = conn.execute(text(OLDER_SESSIONS)).scalar()
            conn.execute(text("SET lock_timeout = '5s'"))
            try:
                conn.execute(text(f'VACUUM FULL "{table}"'))
            finally:
                conn.execute(text("RESET lock_timeout"))
            return not older
        busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()[0]
        return busy == 0


# sessions (of any database: PostgreSQL keeps what any snapshot in the cluster may still
# see), replication slots and prepared transactions older than now: VACUUM FULL keeps the
# row versions they may still see. pg_stat_activity shows every session's backend_xmin and
# backend_xid to any role, so no extra privilege is needed.
OLDER_SESSIONS = """
WITH snap AS (SELECT age(pg_snapshot_xmax(pg_current_snapshot())::text::xid) AS now_age)
SELECT (SELECT count(*) FROM pg_stat_activity, snap WHERE pid <> pg_backend_pid()
          AND (age(backend_xmin) > now_age OR age(backend_xid) > now_age))
     + (SELECT count(*) FROM pg_replication_slots, snap
          WHERE age(xmin) > now_age OR age(catalog_xmin) > now_age)
     + (SELECT count(*) FROM pg_prepared_xacts, snap WHERE age(transaction) > now_age)
"""

# VACUUM skips (with a warning, not an error) a table its role does not own
_MAY_VACUUM = """
SELECT pg_has_role(c.relowner, 'MEMBER') OR r.rolsuper
FROM pg_class c, pg_roles r
WHERE c.oid = CAST(:table AS regclass) AND r.rolname = current_user
"""
