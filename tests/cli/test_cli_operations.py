"""What an operator meets at the command line: fast start-up (only what a command uses is
imported), `status --format json`, and one clear error line for a database in a bad state."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

import prompts
from bot.cli.main import app
from storage.db import MIGRATIONS, open_database, script_heads
from storage.errors import FULL, LOCKED, READ_ONLY, UNREACHABLE, describe
from tests.procs import bot_env, cli, outbox_counts, prepare_round

HEAVY = {
    "alembic",
    "aiohttp",
    "apscheduler",
    "botbuilder",
    "handlers",
    "lingua",
    "mako",
    "nltk",
    "prometheus_client",
    "psycopg",
    "slack_bolt",
    "slack_sdk",
    "textblob",
    "vaderSentiment",
}

# plain constants the CLI's --help shows
LIGHT = {
    "handlers",
    "handlers.people",
    "handlers.people.relay_windows",
    "handlers.people.workdays",
}


def imported_by(args: list[str], database_url: str, *, whole: bool = False) -> set[str]:
    """Top-level packages (every module when ``whole``) a fresh interpreter imported to run
    `culturebot ARGS`."""
    code = (
        "import sys\n"
        "from bot.cli import app\n"
        "try:\n"
        f"    app({args!r})\n"
        "except SystemExit as e:\n"
        "    assert not e.code, e.code\n"
        "print(' '.join(sorted(sys.modules)), file=sys.stderr)\n"
    )
    env = {"CULTUREBOT_DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr
    modules = set(done.stderr.split("\n")[-2].split()) - LIGHT
    return modules if whole else {name.split(".")[0] for name in modules}


def test_help_status_and_tick_import_only_what_they_use(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'start.db'}"
    open_database(url).dispose()  # created and migrated: the commands below only check it
    assert not imported_by(["--help"], url) & (HEAVY | {"sqlalchemy", "sqlmodel", "pydantic"})
    # status reads counts through SQLAlchemy Core: no SQLModel, no ORM, no table definitions
    status = imported_by(["status"], url, whole=True)
    assert not {m.split(".")[0] for m in status} & (HEAVY | {"sqlmodel"})
    assert not {m for m in status if m.startswith(("sqlalchemy.orm", "storage.models"))}
    tick_modules = imported_by(["tick"], url, whole=True)
    tick = {m.split(".")[0] for m in tick_modules} & HEAVY
    assert tick <= {"handlers"}, tick  # no platform, no sentiment library, no Alembic
    # rich is imported when something is printed through it: tick prints one JSON line, and
    # --version one line
    assert "rich" not in {m.split(".")[0] for m in tick_modules}
    assert "rich" not in imported_by(["--version"], url)
    # on SQLite, SQLAlchemy's PostgreSQL dialect is never loaded (by either command)
    assert not {m for m in tick_modules | status if "postgresql" in m}


def test_tick_and_status_in_their_own_process_open_queue_and_count_a_due_round(
    tmp_path: Path,
) -> None:
    # run as operators run them (a process each, ended as the CLI ends it), what a tick did
    # is in the database and in its output, and `status` counts it
    url = f"sqlite:///{tmp_path / 'due.db'}"
    prepare_round(url, 5)  # five people and their leader, a weekly pulse due now
    env = bot_env(url, "http://127.0.0.1:9/")  # a Slack that is never called: tick only queues
    first = json.loads(cli(["tick"], env))
    # how many had not answered (reminded, expired) is never a count: read after every tick,
    # it would say how many had answered by then, and "0" that everyone had
    unanswered = prompts.text("disclosure.tick_not_counted")
    assert first["pulse"] == {
        "opened": 1,
        "sent": 6,
        "reminded": unanswered,
        "expired": unanswered,
        "closed": 0,
    }
    assert first["assessment"]["reminded"] == unanswered
    assert first["stories"]["invited"] == 6
    assert outbox_counts(url) == {"pending": 12, "claimed": 0}  # the questions, the invitations
    again = json.loads(cli(["tick"], env))  # nothing more is due: the same answer as ever
    assert again["pulse"] == {
        "opened": 0,
        "sent": 0,
        "reminded": unanswered,
        "expired": unanswered,
        "closed": 0,
    }
    assert again["stories"] == {"invited": 0, "digests_opened": 0, "digests_sent": 0}
    status = json.loads(cli(["status", "--format", "json"], env))
    assert status["outbox"]["by_state"] == [
        {"platform": "slack", "state": "pending", "messages": 12}
    ]
    assert status["outbox"]["due"] == 12


def test_schema_heads_read_without_alembic_match_alembic() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    assert script_heads() == set(ScriptDirectory.from_config(cfg).get_heads())


def test_status_json_reports_outbox_and_lease(runtime, monkeypatch) -> None:
    from datetime import timedelta

    from bot.core.chat import text_message
    from handlers.common.outbox import send_later
    from storage.lease import try_acquire
    from storage.models import Person

    with runtime.db.session() as session:
        person = Person(email="a@x.io", name="A", department="Ops", path="/")
        session.add(person)
        session.flush()
        send_later(session, runtime, person, lambda: text_message("hi"), key="k1", kind="test")
        try_acquire(session, "scheduler", "host:1", runtime.clock.now(), timedelta(minutes=3))
    monkeypatch.setenv("CULTUREBOT_DATABASE_URL", runtime.db.url)
    result = CliRunner().invoke(app, ["status", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["outbox"]["by_state"] == [
        {"platform": "console", "state": "pending", "messages": 1}
    ]
    assert data["outbox"]["dead"] == 0  # (due counts use the real clock: the test's is fake)
    assert data["scheduler"]["holder"] == "host:1"
    assert "hi" not in result.output  # counts and states, never a message's text


def test_status_counts_what_waits_and_lists_dead_letters_not_history(runtime, monkeypatch) -> None:
    from bot.core.chat import text_message
    from handlers.common.outbox import send_later
    from storage.models import Identity, Outbox, Person

    states = ["sent"] * 5 + ["dead", "pending"]
    with runtime.db.session() as session:
        people = [
            Person(email=f"p{i}@x.io", name=f"P{i}", department="Ops", path="/") for i in range(3)
        ]
        session.add_all(people)
        session.flush()
        session.add(
            Identity(
                person_id=people[2].id,
                platform="slack",
                external_id="U3",
                unreachable=True,
                unreachable_reason="account_inactive",
            )
        )
        for i in range(len(states)):
            send_later(
                session,
                runtime,
                people[i % 2],
                lambda: text_message("hi"),
                key=f"k{i}",
                kind="test",
            )
        session.flush()
        rows = session.exec(select(Outbox).order_by(Outbox.id)).all()  # type: ignore[arg-type]
        for row, state in zip(rows, states, strict=True):
            row.status = state
        rows[5].last_error = "SlackApiError: channel_not_found"
    monkeypatch.setenv("CULTUREBOT_DATABASE_URL", runtime.db.url)
    result = CliRunner().invoke(app, ["status", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["outbox"]["by_state"] == [
        {"platform": "console", "state": "dead", "messages": 1},
        {"platform": "console", "state": "pending", "messages": 1},
    ]  # the five sent rows are history: not counted
    assert data["outbox"]["dead"] == 1
    [dead] = data["dead_letters"]
    assert dead["email"] == "p1@x.io" and dead["last_error"].endswith("channel_not_found")
    assert data["unreachable"] == [
        {"platform": "slack", "email": "p2@x.io", "reason": "account_inactive"}
    ]
    table = CliRunner().invoke(app, ["status"]).output
    assert "channel_not_found" in table and "p1@x.io" in table and "│ sent" not in table


def error_line(args: list[str], env: dict[str, str]) -> str:
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    return lines[0]


def test_missing_sqlite_directory_is_one_error_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'gone' / 'culturebot.db'}"
    for args in (["status"], ["tick"], ["pulse", "list"], ["report"]):
        assert UNREACHABLE in error_line(args, {"CULTUREBOT_DATABASE_URL": url})


def test_unreachable_postgres_is_one_error_line() -> None:
    # nothing listens on port 9 of loopback (discard); the password must not be printed
    url = "postgresql://bot:s3cret@127.0.0.1:9/culturebot?connect_timeout=5"
    line = error_line(["status"], {"CULTUREBOT_DATABASE_URL": url})
    assert UNREACHABLE in line and "s3cret" not in line


def test_locked_database_is_one_error_line(tmp_path: Path) -> None:
    path = tmp_path / "busy.db"
    open_database(f"sqlite:///{path}").dispose()
    holder = sqlite3.connect(path)
    holder.execute("BEGIN IMMEDIATE")  # another process in the middle of a write
    try:
        env = {"CULTUREBOT_DATABASE_URL": f"sqlite:///{path}", "CULTUREBOT_DB_BUSY_TIMEOUT": "0.2"}
        line = error_line(["pulse", "add", "--name", "weekly"], env)
    finally:
        holder.rollback()
        holder.close()
    assert line == f"error: {LOCKED}"


def test_read_only_database_is_one_error_line(tmp_path: Path) -> None:
    path = tmp_path / "ro.db"
    open_database(f"sqlite:///{path}").dispose()
    url = f"sqlite:///file:{path}?mode=ro&uri=true"
    assert error_line(["pulse", "add", "--name", "weekly"], {"CULTUREBOT_DATABASE_URL": url}) == (
        f"error: {READ_ONLY}"
    )


def test_a_full_disk_is_recognised(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "full.db")
    conn.execute("CREATE TABLE t (x TEXT)")
    conn.execute("PRAGMA max_page_count = 2")  # the file may not grow: as a full disk
    with pytest.raises(sqlite3.OperationalError) as raised:
        conn.executemany("INSERT INTO t VALUES (?)", [("x" * 4000,)] * 10)
    conn.close()
    assert describe(raised.value) == FULL


def test_errors_that_are_not_the_database_are_not_hidden() -> None:
    assert describe(ValueError("a bug")) is None
    assert describe(sqlite3.IntegrityError("UNIQUE constraint failed")) is None


def test_database_errors_never_carry_what_people_wrote(runtime) -> None:
    from sqlalchemy.exc import IntegrityError

    from storage.models import Person

    with pytest.raises(IntegrityError) as raised, runtime.db.session() as session:
        session.add(Person(email="a@x.io", name="My secret words", department="Ops", path="/"))
        session.add(Person(email="a@x.io", name="More secret words", department="Ops", path="/"))
        session.flush()
    assert "secret words" not in str(raised.value)


def test_outbox_report_reads_only_columns_the_tables_have() -> None:
    from storage import outbox_report
    from storage.tables import metadata

    for light in (
        outbox_report.outbox,
        outbox_report.person,
        outbox_report.identity,
        outbox_report.scheduler_lease,
    ):
        real = metadata.tables[light.name]
        assert {c.name for c in light.columns} <= {c.name for c in real.columns}, light.name
