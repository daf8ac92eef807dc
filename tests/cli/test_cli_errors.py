"""What an operator sees when the machine is in a bad state, from real `culturebot` processes:
one ``error:`` line naming the real cause and exit code 2, never a traceback, and nothing
written. A port already in use, a file that is not a SQLite database or is damaged, a full
disk, a read-only file; and during a database outage the scheduler logs one line per tick."""

from __future__ import annotations

import json
import logging
import resource
import signal
import socket
import subprocess
from pathlib import Path

import pytest

from bot.app import run_due, tick_report
from bot.core.clock import FakeClock
from bot.core.config import Settings
from bot.core.runtime import Runtime
from bot.scheduler import Scheduler
from storage.db import Database
from storage.errors import FULL, READ_ONLY
from tests.procs import (
    ROOT,
    Bot,
    _base_env,
    cli,
    free_port,
    private_postgres,
    run_cli,
    wait_until,
)

PEOPLE = ROOT / "examples" / "people.csv"
COMMANDS = (["status"], ["org", "import", str(PEOPLE)], ["tick"])


def one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    """The single line the command printed as its error (exit code 2, no traceback)."""
    shown = done.stdout + done.stderr
    assert done.returncode == 2, shown
    assert "Traceback" not in shown and 'File "' not in shown, shown
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), shown
    return lines[0]


def sqlite_env(path: Path) -> dict[str, str]:
    return _base_env(f"sqlite:///{path}")


@pytest.mark.parametrize(
    ("content", "cause"),
    [
        (bytes(range(256)) * 20, "is not a SQLite database"),  # random bytes
        (b"email,name\nann@x.io,Ann\n" * 10, "is not a SQLite database"),  # a CSV by mistake
    ],
)
def test_a_file_that_is_not_a_database_is_named_on_every_command(
    tmp_path: Path, content: bytes, cause: str
) -> None:
    path = tmp_path / "culturebot.db"
    path.write_bytes(content)
    for args in COMMANDS:
        line = one_error_line(run_cli(args, sqlite_env(path)))
        assert cause in line and str(path) in line, args
    assert path.read_bytes() == content  # nothing written over it


def test_a_damaged_database_says_restore_from_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "culturebot.db"
    cli(["org", "import", str(PEOPLE)], sqlite_env(path))
    with path.open("r+b") as file:  # pages past the header overwritten, as a bad disk does
        file.seek(4096)
        file.write(b"\xff" * 65536)
    for args in COMMANDS:
        line = one_error_line(run_cli(args, sqlite_env(path)))
        assert "is damaged" in line and "restore it from a backup" in line, args


def test_a_database_older_than_the_squashed_baseline_names_its_revision(tmp_path: Path) -> None:
    """The migrations before 0016 were squashed: a database still at one of them is told to
    take a release that ships them first, and is left as it was."""
    from tests.storage import old_chain

    path = tmp_path / "culturebot.db"
    db = Database(f"sqlite:///{path}")
    old_chain.upgrade(db.engine, "0010_erase")
    db.dispose()
    before = path.read_bytes()
    for args in COMMANDS:
        line = one_error_line(run_cli(args, sqlite_env(path)))
        assert "0010_erase" in line and "0016_person_spacing" in line and str(path) in line, args
    assert path.read_bytes() == before


def _small_disk() -> None:
    """In the child: files may not grow past 64 KiB, so writes fail as on a full disk."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))


def test_a_full_disk_is_said_as_a_full_disk_not_a_missing_directory(tmp_path: Path) -> None:
    path = tmp_path / "culturebot.db"
    done = run_cli(["org", "import", str(PEOPLE)], sqlite_env(path), preexec_fn=_small_disk)
    line = one_error_line(done)
    assert "disk is full" in line or FULL in line
    assert "directory exists" not in line and "cannot reach" not in line


def test_a_read_only_file_is_said_as_read_only(tmp_path: Path) -> None:
    path = tmp_path / "culturebot.db"
    cli(["status"], sqlite_env(path))
    env = _base_env(f"sqlite:///file:{path}?mode=ro&uri=true")
    for args in (["org", "import", str(PEOPLE)], ["tick"]):
        assert one_error_line(run_cli(args, env)) == f"error: {READ_ONLY}"


@pytest.mark.parametrize("command", [["run"], ["dashboard"]])
def test_a_port_in_use_is_one_line_naming_it(tmp_path: Path, command: list[str]) -> None:
    port = free_port()
    env = sqlite_env(tmp_path / "culturebot.db") | {"CULTUREBOT_HTTP_PORT": str(port)}
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        done = run_cli(command, env, timeout=60)
    assert one_error_line(done) == (
        f"error: cannot listen on 127.0.0.1:{port}: the port is already in use (another "
        "culturebot, or another program, listens on it): stop it or set CULTUREBOT_HTTP_PORT"
    )


async def test_during_a_database_outage_each_tick_logs_one_line(
    caplog: pytest.LogCaptureFixture, clock: FakeClock
) -> None:
    # nothing listens on port 9 of loopback: every connection is refused, as in an outage
    down = Database("postgresql://bot@127.0.0.1:9/culturebot?connect_timeout=5")
    settings = Settings(database_url="postgresql://bot@127.0.0.1:9/culturebot")
    scheduler = Scheduler(
        Runtime(db=down, clock=clock, settings=settings), [], run_due=run_due, report=tick_report
    )
    with caplog.at_level(logging.INFO, logger="bot.scheduler"):
        for _ in range(3):
            await scheduler.tick()
    lines = [r for r in caplog.records if r.name == "bot.scheduler"]
    assert len(lines) == 3
    for record in lines:
        assert record.exc_info is None and record.levelno == logging.WARNING
        text = record.getMessage()
        assert "\n" not in text
        assert text.startswith("scheduler tick failed; the next tick retries: cannot reach")
    down.dispose()


def test_a_running_bot_logs_a_database_outage_as_one_line_per_tick(tmp_path: Path) -> None:
    """`culturebot run` on a PostgreSQL server that stops: each tick says why in one line,
    no traceback, and the bot keeps running and stops cleanly."""
    with private_postgres(tmp_path) as server:
        env = _base_env(server.url, tick_seconds=1, log_format="json")
        cli(["status"], env)  # the schema, upgraded
        bot = Bot(env, tmp_path / "run.log")
        try:
            wait_until(lambda: "culturebot listening" in bot.output(), 60, "the bot to listen")
            server.stop()

            def failed_ticks() -> list[dict[str, object]]:
                lines = [json.loads(line) for line in bot.output().splitlines() if line.strip()]
                return [line for line in lines if "tick failed" in str(line["message"])]

            ticks = wait_until(lambda: len(failed_ticks()) >= 3 and failed_ticks(), 60, "ticks")
            server.start()
            bot.signal(signal.SIGTERM)
            assert bot.wait(60) == 0
            output = bot.output()
        finally:
            bot.end()
    for line in ticks:
        assert "exc_info" not in line and line["level"] == "WARNING", line
        assert "cannot reach the database" in str(line["message"]), line
    assert "Traceback" not in output, output
