"""Database failures an operator can act on, said in one line (no SQL, no parameters).

``describe`` recognises the states a running deployment meets: the database locked by another
process, unreachable (server down, wrong host, missing directory), read-only, or out of space,
on SQLite and PostgreSQL. Anything else from the driver is still a database error, said in one
line; an error that is not the database's gives None (the caller lets it through).
"""

from __future__ import annotations

import sqlite3

LOCKED = "the database is locked by another process and stayed locked past the busy timeout (CULTUREBOT_DB_BUSY_TIMEOUT); try again when it is done"
UNREACHABLE = "cannot reach the database"
READ_ONLY = "the database is read-only: culturebot needs to write to it (check the file's permissions or the server's read-only mode)"
FULL = "the database is out of space: free disk space (or raise the server's quota) and try again"

# PostgreSQL SQLSTATE codes (https://www.postgresql.org/docs/current/errcodes-appendix.html)
PG_READ_ONLY = {"25006"}
PG_FULL = {"53100", "53200", "53300"}  # disk full, out of memory, too many connections
PG_LOCKED = {"55P03", "40P01"}  # lock not available, deadlock


def _chain(error: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [error]
    while todo:
        e = todo.pop(0)
        if e is None or any(e is s for s in seen):
            continue
        seen.append(e)
        todo.extend([getattr(e, "orig", None), e.__cause__, e.__context__])
    return seen


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0][:200] if text else type(error).__name__


def describe(error: BaseException, url: str | None = None) -> str | None:
    """One line for a database failure, or None when ``error`` is not one."""
    chain = _chain(error)
    where = f" at {url}" if url else ""
    for e in chain:
        if isinstance(e, sqlite3.OperationalError):
            text = str(e).lower()
            if "locked" in text or "busy" in text:
                return LOCKED
            if "readonly" in text or "read-only" in text:
                return READ_ONLY
            if "disk is full" in text:
                return FULL
            if "unable to open" in text or "disk i/o error" in text:
                return f"{UNREACHABLE}{where}: the SQLite file cannot be opened ({_first_line(e)}); check CULTUREBOT_DATABASE_URL and that its directory exists"
            return f"database error{where}: {_first_line(e)}"
        sqlstate = getattr(e, "sqlstate", None)
        module = type(e).__module__ or ""
        if module.startswith("psycopg"):
            if sqlstate in PG_READ_ONLY:
                return READ_ONLY
            if sqlstate in PG_FULL:
                return FULL
            if sqlstate in PG_LOCKED:
                return LOCKED
            if any(c.__name__ == "OperationalError" for c in type(e).__mro__):
                if sqlstate is None or sqlstate.startswith(("08", "57P")):
                    return f"{UNREACHABLE}{where}: {_first_line(e)}"
                return f"database error{where}: {_first_line(e)}"
    from sqlalchemy.exc import TimeoutError

    for e in chain:
        if isinstance(e, TimeoutError):
            return f"{UNREACHABLE}{where}: no connection came free in time ({_first_line(e)})"
    return None
