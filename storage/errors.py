"""Database failures an operator can act on, said in one line (no SQL, no parameters).

``describe`` recognises the states a running deployment meets: the database locked by another
process, unreachable (server down, wrong host, missing directory), read-only, or out of space,
on SQLite and PostgreSQL; a file that is not a SQLite database or is damaged; and a database at
a schema revision this version does not ship (older than the squashed baseline, or newer). SQLite's
extended result code (``sqlite_errorname``) names the cause where its message is vague ("disk
I/O error" is a failed write: a full disk or a file size limit). Anything else from the driver
is still a database error, said in one line; an error that is not the database's gives None
(the caller lets it through).
"""

from __future__ import annotations

import os
import re
import sqlite3

LOCKED = "the database is locked by another process and stayed locked past the busy timeout (CULTUREBOT_DB_BUSY_TIMEOUT); try again when it is done"
UNREACHABLE = "cannot reach the database"
READ_ONLY = "the database is read-only: culturebot needs to write to it (check the file's permissions or the server's read-only mode)"
FULL = "the database is out of space: free disk space (or raise the server's quota) and try again"
NOT_SQLITE = "is not a SQLite database (or is encrypted): point CULTUREBOT_DATABASE_URL at culturebot's own database file"
DAMAGED = "is damaged (SQLite says the database disk image is malformed): restore it from a backup"
UNKNOWN_REVISION = "the database{where} is at schema revision {revision}, which this culturebot does not know: one last upgraded before revision 0016_person_spacing upgrades first with a release that still ships the old migrations (up to 0016), and one written by a newer culturebot needs that version"
WRITE_FAILED = "the database file could not be written (SQLite {name}): the disk is full or a file size limit was reached; free disk space and try again"

# SQLite's extended result codes (https://www.sqlite.org/rescode.html) for a failed write
SQLITE_WRITE_ERRORS = {
    "SQLITE_IOERR_WRITE",
    "SQLITE_IOERR_FSYNC",
    "SQLITE_IOERR_TRUNCATE",
    "SQLITE_IOERR_SHMSIZE",
    "SQLITE_IOERR_SHMMAP",
}

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
        if isinstance(e, sqlite3.DatabaseError):
            line = _sqlite(e, url, where)
            if line is not None:
                return line
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
    for e in chain:
        # Alembic's CommandError: the migrations were squashed at 0016 (see the baseline)
        unknown = re.match(r"Can't locate revision identified by '([^']+)'", str(e))
        if type(e).__name__ == "CommandError" and unknown:
            return UNKNOWN_REVISION.format(where=where, revision=unknown.group(1))
    from sqlalchemy.exc import TimeoutError

    for e in chain:
        if isinstance(e, TimeoutError):
            return f"{UNREACHABLE}{where}: no connection came free in time ({_first_line(e)})"
    return None


def _sqlite(error: sqlite3.DatabaseError, url: str | None, where: str) -> str | None:
    """One line for what SQLite said; None for what is not a state of the database (a
    constraint, a bug in a query), which the caller lets through."""
    name = getattr(error, "sqlite_errorname", None) or ""
    text = str(error).lower()
    the_file = f"the database file{where}"
    if name == "SQLITE_NOTADB" or "file is not a database" in text:
        return f"{the_file} {NOT_SQLITE}"
    if name.startswith("SQLITE_CORRUPT") or "malformed" in text:
        return f"{the_file} {DAMAGED}"
    if not isinstance(error, sqlite3.OperationalError):
        return None
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in text or "busy" in text:
        return LOCKED
    if name.startswith("SQLITE_READONLY") or "readonly" in text or "read-only" in text:
        return READ_ONLY
    if name == "SQLITE_FULL" or "disk is full" in text:
        return FULL
    if name in SQLITE_WRITE_ERRORS:
        return WRITE_FAILED.format(name=name)
    if name.startswith("SQLITE_CANTOPEN") or "unable to open" in text or "disk i/o" in text:
        if _read_only_place(url):
            return READ_ONLY
        return f"{UNREACHABLE}{where}: the SQLite file cannot be opened ({_first_line(error)}); check CULTUREBOT_DATABASE_URL and that its directory exists"
    return f"database error{where}: {_first_line(error)}"


def _read_only_place(url: str | None) -> bool:
    """Whether the SQLite file named by ``url`` exists on a read-only file system or in a
    directory this process cannot write to (SQLite then cannot open its journal)."""
    path = _sqlite_path(url)
    if path is None or not os.path.exists(path):
        return False
    directory = os.path.dirname(os.path.abspath(path))
    read_only_mount = bool(os.statvfs(directory).f_flag & os.ST_RDONLY)
    return read_only_mount or not os.access(directory, os.W_OK) or not os.access(path, os.W_OK)


def _sqlite_path(url: str | None) -> str | None:
    if not url or not url.startswith("sqlite"):
        return None
    try:
        from sqlalchemy.engine import make_url

        database = make_url(url).database
    except Exception:  # not a URL SQLAlchemy reads: no path to look at
        return None
    if not database or database == ":memory:":
        return None
    return database.removeprefix("file:").split("?", 1)[0]
