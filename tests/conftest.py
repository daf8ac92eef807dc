"""Shared fixtures: a fresh database per test (SQLite, and PostgreSQL when configured), a fake
clock, the real router, a console chat driver, and a guard that keeps tests on this machine.

PostgreSQL runs when CULTUREBOT_TEST_POSTGRES_URL is set (CI sets it). Each test session uses
a schema of its own, so parallel runs against one server never see each other's rows.
"""

from __future__ import annotations

import fcntl
import ipaddress
import os
import shutil
import socket
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from click.testing import Result
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

import prompts
from bot.app import build_router
from bot.cli.main import app
from bot.core.clock import FakeClock
from bot.core.config import Settings
from bot.core.router import Router
from bot.core.runtime import Runtime
from storage.db import Database, normalise_url
from storage.tables import metadata
from tests.support import Chat

POSTGRES_URL = os.environ.get("CULTUREBOT_TEST_POSTGRES_URL")
REQUIRE_POSTGRES = os.environ.get("CULTUREBOT_REQUIRE_POSTGRES") == "1"
BACKENDS = ["sqlite", "postgres"]


# --- never leave the machine -------------------------------------------------------------

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _check_address(sock: socket.socket, address: object) -> None:
    if sock.family not in (socket.AF_INET, socket.AF_INET6) or not isinstance(address, tuple):
        return
    host = str(address[0])
    try:
        ok = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        ok = False
    if not ok:
        raise ConnectionRefusedError(f"test tried to reach {host}: tests stay on loopback")


def _guarded_connect(self: socket.socket, address: object) -> None:
    _check_address(self, address)
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    _check_address(self, address)
    return _real_connect_ex(self, address)


@pytest.fixture(autouse=True)
def _stay_on_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded_connect_ex)


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads a developer's .env or tokens, or writes a database into the checkout."""
    for name in list(os.environ):
        if (
            name.startswith(("CULTUREBOT_", "SLACK_", "Microsoft"))
            and name != "CULTUREBOT_TEST_POSTGRES_URL"
        ):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CULTUREBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'default.db'}")


# --- databases ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied for each test (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    db = Database(f"sqlite:///{path}")
    db.upgrade()
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_schema() -> Iterator[str]:
    """A private schema on the test server, migrated once, dropped at the end."""
    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("CULTUREBOT_REQUIRE_POSTGRES=1 but CULTUREBOT_TEST_POSTGRES_URL is empty")
        pytest.skip("CULTUREBOT_TEST_POSTGRES_URL is not set")
    schema = f"cb_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(normalise_url(POSTGRES_URL))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = _with_schema(POSTGRES_URL, schema)
    db = Database(url)
    db.upgrade()
    db.dispose()
    yield url
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _with_schema(url: str, schema: str) -> str:
    """The session's schema; commits do not wait for the disk (a test database outlives no
    crash, and a commit still is one: other connections see it at once)."""
    separator = "&" if "?" in url else "?"
    options = f"-csearch_path%3D{schema}%20-csynchronous_commit%3Doff"
    return f"{normalise_url(url)}{separator}options={options}"


# every table emptied children first, then every sequence of the schema restarted: what
# TRUNCATE ... RESTART IDENTITY did, but TRUNCATE gives each of the tables new files (and
# waits for the disk) even when the test left it empty: 0.6-0.9 s a test on a busy machine,
# where DELETE on a few rows takes milliseconds
# (tick_change last: the triggers of storage.quiet add a row for the deletes before it)
_EMPTY_ALL = "; ".join(
    [
        *(f'DELETE FROM "{t.name}"' for t in reversed(metadata.sorted_tables)),
        'DELETE FROM "tick_change"',
    ]
)
_RESTART_SEQUENCES = (
    "SELECT setval(c.oid, 1, false) FROM pg_class c"
    " JOIN pg_namespace n ON n.oid = c.relnamespace"
    " WHERE c.relkind = 'S' AND n.nspname = current_schema()"
)


def _truncate_all(db: Database) -> None:
    with db.engine.begin() as conn:
        conn.exec_driver_sql(_EMPTY_ALL)
        conn.exec_driver_sql(_RESTART_SEQUENCES)


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A fresh, migrated, empty database: SQLite always, PostgreSQL when configured."""
    if request.param == "sqlite":
        path = tmp_path / "culturebot.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        db = Database(f"sqlite:///{path}")
    else:
        db = request.getfixturevalue("postgres_database")
        _truncate_all(db)
    yield db
    if request.param == "sqlite":
        db.dispose()


@pytest.fixture(scope="session")
def postgres_database(postgres_schema: str) -> Iterator[Database]:
    """The session's schema behind one engine: its pooled connections serve every test (a new
    connection is a new server process, tens of milliseconds on a busy machine); each test
    still starts from empty tables (``_truncate_all``)."""
    db = Database(postgres_schema)
    yield db
    db.dispose()


@pytest.fixture
def sqlite_database(tmp_path: Path, sqlite_template: Path) -> Iterator[Database]:
    """SQLite only, for tests of behaviour that does not depend on the backend."""
    path = tmp_path / "culturebot.db"
    shutil.copy(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    yield db
    db.dispose()


# --- the application ---------------------------------------------------------------------

START = datetime(2027, 3, 1, 0, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def settings(database: Database) -> Settings:
    return Settings(database_url=database.url, _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
def runtime(database: Database, clock: FakeClock, settings: Settings) -> Runtime:
    return Runtime(db=database, clock=clock, settings=settings)


@pytest.fixture
def cli(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """``cli("pulse", "list", input="y\n")`` runs `culturebot pulse list` in this process on
    the test's database, as an admin types it; click's Result (exit code, output). A crash
    fails the test: a command ends with its exit code, never a traceback."""
    monkeypatch.setenv("CULTUREBOT_DATABASE_URL", runtime.db.url)
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:
        result = runner.invoke(app, list(args), input=input)
        assert result.exception is None or isinstance(result.exception, SystemExit), result
        return result

    return run


@dataclass(frozen=True)
class PlayedDemo:
    """`culturebot demo` (four weeks) as a newcomer runs it: what it printed, its database."""

    output: str
    db: Path
    ended: datetime  # the demo's last simulated moment

    def copy(self, folder: Path) -> Path:
        """A copy of the demo's database, for a test that writes to it."""
        path = folder / "demo.db"
        shutil.copy(self.db, path)
        return path


@pytest.fixture(scope="session")
def played_demo(tmp_path_factory: pytest.TempPathFactory) -> PlayedDemo:
    """The demo, played once for the whole run (it takes long): under pytest-xdist the first
    worker that needs it plays it, holding a lock, and the others read what it left."""
    from bot.cli.demo import START, WEEK

    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the run's folder, above each worker's own
    folder, ended = shared / "played-demo", START + 4 * WEEK
    with (shared / "played-demo.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (folder / "output.txt").exists():
            return PlayedDemo((folder / "output.txt").read_text(), folder / "demo.db", ended)
        folder.mkdir(exist_ok=True)
        with pytest.MonkeyPatch.context() as patch:  # as _isolated_environment, for the run
            for name in list(os.environ):
                if name.startswith(("CULTUREBOT_", "SLACK_", "Microsoft")):
                    patch.delenv(name)
            patch.chdir(folder)
            result = CliRunner().invoke(app, ["demo", "--db", str(folder / "demo.db")])
        assert result.exit_code == 0, result.output
        with sqlite3.connect(folder / "demo.db") as conn:  # one file, for copies
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        (folder / "output.txt").write_text(result.output)
    return PlayedDemo(result.output, folder / "demo.db", ended)


@pytest.fixture(scope="session")
def router() -> Router:
    return build_router()


@pytest.fixture
def chat(runtime: Runtime, router: Router):  # type: ignore[no-untyped-def]
    """``chat(email)`` opens a console session for that person."""
    return lambda email: Chat(runtime, router, email)


Words = dict[str, dict[str, str]]


@pytest.fixture
def languages(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Callable[..., None]]:
    """``languages(de={"pulse": {"reminder": "..."}}, fr={})`` makes these the languages
    culturebot has besides English, each a test catalog of the words given (the rest falls
    back to English), whatever prompts/locales/ holds."""
    root = tmp_path / "locales"
    root.mkdir()

    def have(**catalogs: Words) -> None:
        for code, words in catalogs.items():
            (root / code).mkdir(exist_ok=True)
            (root / code / "messages.yaml").write_text(yaml.safe_dump(words, allow_unicode=True))
        monkeypatch.setattr(prompts.catalogs, "LOCALES_DIR", root)
        prompts.forget()

    yield have
    monkeypatch.undo()
    prompts.forget()
