"""The engine, sessions and schema upgrades (Alembic) for SQLite and PostgreSQL."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Connection, Engine, make_url

from storage.quiet import MIGRATIONS, script_heads

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlmodel import Session


def normalise_url(url: str) -> str:
    """Let operators write postgresql:// and still get psycopg 3, the driver we ship."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def sqlite_file(url: str) -> Path | None:
    """The file behind a SQLite URL (None for PostgreSQL or an in-memory database)."""
    parsed = make_url(normalise_url(url))
    database = parsed.database or ""
    if not parsed.drivername.startswith("sqlite") or database in ("", ":memory:"):
        return None
    if database.startswith("file:") or parsed.query.get("uri"):  # SQLite URI filenames
        return None
    return Path(database)


def create_private(path: Path) -> None:
    """Create the SQLite file readable by this user alone (0600); SQLite gives its -wal and
    -shm files the file's mode. An existing file is left as it is (``exposed`` reports it).
    A missing directory is not created: a mistyped path stays an error (create it with
    ``install -d -m 700 DIR``)."""
    if not path.parent.is_dir():
        return  # SQLite's own "unable to open database file" follows
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def exposed(url: str) -> list[str]:
    """Which of the SQLite file and its -wal/-shm files others may open (group or world
    bits), each with its mode: the dashboard's signing key may live in that file."""
    path = sqlite_file(url)
    if path is None or not path.exists():
        return []
    found = []
    for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if candidate.exists() and candidate.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            found.append(f"{candidate} (mode {stat.S_IMODE(candidate.stat().st_mode):04o})")
    return found


def make_engine(url: str, *, busy_timeout: float = 30.0) -> Engine:
    """SQLite runs in WAL mode (readers never wait for the writer) and waits up to
    ``busy_timeout`` seconds for another process's write lock before saying it is locked; a
    new database file is created private (``create_private``). Statement parameters
    (people's words, scores) never appear in errors or logs."""
    url = normalise_url(url)
    path = sqlite_file(url)
    if path is not None:
        create_private(path)
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": busy_timeout},
            hide_parameters=True,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            # deleted rows are overwritten with zeros, not left in free space (storage.scrub)
            cur.execute("PRAGMA secure_delete=ON")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


# the connection ``Database.one_connection`` lends this thread's sessions, and its database
_lent: ContextVar[tuple[Database, Connection] | None] = ContextVar("lent_connection", default=None)


class Database:
    """One database: hands out sessions and keeps its schema at the newest migration."""

    def __init__(self, url: str, *, busy_timeout: float = 30.0) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(self.url, busy_timeout=busy_timeout)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose transaction commits on success and rolls back on any error.

        Inside ``one_connection`` it runs on the lent connection when that is free (a session
        opened inside another one gets a connection of its own, as it always did)."""
        from sqlmodel import Session  # here: commands that only count rows skip the ORM

        lent = _lent.get()
        bind: Engine | Connection = self.engine
        if lent is not None and lent[0] is self and not lent[1].in_transaction():
            bind = lent[
                1
            ]  # the session begins, and commits or rolls back, a transaction of its own
        with Session(bind, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def one_connection(self) -> Iterator[None]:
        """Let this thread's sessions share one connection until the block ends, each still in
        a transaction of its own: a scheduler tick opens a dozen short sessions, and taking a
        connection from the pool for each (on PostgreSQL a ping, a commit and a reset each
        time) cost an idle tick as much as its reads."""
        if _lent.get() is not None:
            yield
            return
        with self.engine.connect() as conn:
            token = _lent.set((self, conn))
            try:
                yield
            finally:
                _lent.reset(token)

    def is_current(self) -> bool:
        """True when the database is at every head this code ships (read with plain SQL, so a
        command on an up-to-date database never imports Alembic)."""
        with self.engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return False
            current = set(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
        return current == script_heads()

    def upgrade(self) -> None:
        """Apply every migration not yet applied (all branches: capabilities add their own)."""
        if not self.is_current():
            from alembic import command

            command.upgrade(alembic_config(self.engine), "heads")
            # a migration may change connection settings (SQLite's foreign_keys pragma while a
            # table is rebuilt): start from fresh connections, each set up as make_engine says
            self.engine.dispose()

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(url: str, *, busy_timeout: float = 30.0) -> Database:
    """The database at ``url``, upgraded so every command can rely on the newest schema."""
    db = Database(url, busy_timeout=busy_timeout)
    db.upgrade()
    return db
