"""Real processes for tests and benchmarks: the fake Slack API in a process of its own, and
`culturebot run` processes started, signalled and killed as an operator (or systemd) would.

Every wait is bounded and polls a condition; every process started here is killed when its
context ends, whatever happened.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlmodel import col, func, select

from bot.core.clock import SystemClock
from bot.core.config import Settings
from bot.core.runtime import Runtime
from handlers.people import org
from storage.db import open_database
from storage.models import Identity, Outbox, PulseSchedule

ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")


def wait_until(condition: Callable[[], T], timeout: float, what: str, every: float = 0.1) -> T:
    """Poll ``condition`` until it is truthy; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(every)


@dataclass
class FakeSlackProcess:
    url: str
    process: subprocess.Popen[str]

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def stats(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.url}/_stats", timeout=30) as response:
            return json.loads(response.read())

    def fail(self, method: str, **failure: Any) -> None:
        """Make the fake fail ``method`` from now on (see tests.fakes.slack_api.Failure)."""
        request = urllib.request.Request(
            f"{self.url}/_fail/{method}",
            data=json.dumps(failure).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()

    def posted(self) -> Counter[str]:
        """How many times each outbox key was posted (culturebot puts it in message metadata)."""
        return Counter(str(key) for key in self.stats()["keys"])


@contextmanager
def fake_slack_process(
    rate: float | None = None, channel_interval: float | None = 1.0
) -> Iterator[FakeSlackProcess]:
    """The fake Slack API in its own process (``rate``: chat.postMessage limit per second;
    ``channel_interval``: at most one post per channel this often, as Slack)."""
    args = ["tests.fakes.slack_api", str(rate or 0), str(channel_interval or 0)]
    with _fake_process(args, "fake Slack") as (url, process):
        yield FakeSlackProcess(url, process)


@dataclass
class FakeConnectorProcess:
    """The fake Bot Connector (what Teams' serviceUrl answers) in a process of its own."""

    url: str  # the serviceUrl, ending in "/"
    process: subprocess.Popen[str]

    def stats(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.url}_stats", timeout=30) as response:
            return json.loads(response.read())

    def posted(self) -> Counter[tuple[str, str]]:
        """How many times each (conversation, summary) arrived: one message as a person sees
        it (a person's question and invitation differ)."""
        return Counter((c, s) for c, s in self.stats()["sends"])


@contextmanager
def fake_connector_process(
    limit_per_second: int | None = None, conversation_limit_per_second: int | None = None
) -> Iterator[FakeConnectorProcess]:
    """The fake Bot Connector in its own process, answering 429 above ``limit_per_second``
    (per app) or ``conversation_limit_per_second`` (per conversation)."""
    args = [
        "tests.fakes.bot_connector",
        str(limit_per_second or 0),
        str(conversation_limit_per_second or 0),
    ]
    with _fake_process(args, "fake Bot Connector") as (url, process):
        connector = FakeConnectorProcess(url, process)
        yield connector
        refusals = connector.stats()["refusals"]
        assert not refusals, f"Teams would refuse what culturebot sent: {refusals}"


@contextmanager
def _fake_process(module_args: list[str], what: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """``python -m MODULE ARGS``: it prints its URL, and stops when its stdin closes."""
    process = subprocess.Popen(
        [sys.executable, "-m", *module_args],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), f"{what} did not start: {url!r}"
        yield url, process
    finally:
        _end(process)


def _end(process: subprocess.Popen[Any]) -> None:
    if process.poll() is None:
        try:
            if process.stdin is not None:
                process.stdin.close()
            process.wait(5)
        except (subprocess.TimeoutExpired, OSError):
            pass
    if process.poll() is None:
        process.kill()
        process.wait(30)
    for stream in (process.stdin, process.stdout):
        if stream is not None:
            with suppress(OSError):
                stream.close()


def bot_env(database_url: str, slack_api_url: str, **settings: object) -> dict[str, str]:
    """The environment of a `culturebot run` that talks to the fake Slack only."""
    env = _base_env(database_url, **settings)
    env.update({"SLACK_BOT_TOKEN": "xoxb-proc", "CULTUREBOT_SLACK_API_URL": slack_api_url})
    return env


def teams_bot_env(database_url: str, **settings: object) -> dict[str, str]:
    """The environment of a `culturebot run` on Teams only, in emulator mode (no tokens): it
    sends to the serviceUrl in each person's stored reference (the fake connector)."""
    env = _base_env(database_url, **settings)
    env["CULTUREBOT_TEAMS_EMULATOR"] = "true"
    return env


def _base_env(database_url: str, **settings: object) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CULTUREBOT_", "SLACK_", "Microsoft"))
    }
    env.update(
        {
            "CULTUREBOT_DATABASE_URL": database_url,
            "CULTUREBOT_HTTP_PORT": "0",
            "CULTUREBOT_TICK_SECONDS": "60",
            "CULTUREBOT_LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update({f"CULTUREBOT_{k.upper()}": str(v) for k, v in settings.items()})
    return env


class Bot:
    """One `culturebot run` process (or another server ``command``), its output in ``log``."""

    def __init__(self, env: dict[str, str], log: Path, command: tuple[str, ...] = ("run",)) -> None:
        self.log = log
        self._out = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", *command],
            cwd=ROOT,
            env=env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )

    def signal(self, sig: signal.Signals) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)

    def wait(self, timeout: float) -> int:
        return self.process.wait(timeout)

    def output(self) -> str:
        self._out.flush()
        return self.log.read_text(errors="replace")

    def end(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(30)
        self._out.close()


def cli(args: list[str], env: dict[str, str], timeout: float = 120) -> str:
    """Run `culturebot ARGS` in a process of its own, as an operator does; its output (it
    must exit 0)."""
    done = run_cli(args, env, timeout)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


async def run_cli_async(
    args: list[str], env: dict[str, str], timeout: float = 120
) -> tuple[int, list[str]]:
    """`culturebot ARGS` in a process of its own, awaited, for tests whose fakes answer on this
    event loop (a blocking `run_cli` would starve them): its exit code and output lines."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout)
    return process.returncode or 0, output.decode().splitlines()


def run_cli(
    args: list[str], env: dict[str, str], timeout: float = 120, **popen: Any
) -> subprocess.CompletedProcess[str]:
    """`culturebot ARGS` in a process of its own, whatever it exits with (``popen``: more
    subprocess options, e.g. a ``preexec_fn`` setting a resource limit, or ``user``)."""
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        **popen,
    )


@contextmanager
def bots() -> Iterator[list[Bot]]:
    """Bots appended to the list are killed when the block ends, whatever happened."""
    started: list[Bot] = []
    try:
        yield started
    finally:
        for bot in started:
            bot.end()


def org_csv(n: int, platform: str = "slack") -> str:
    """``n`` people and their leader, linked to ``platform`` by the org file's id column
    (Slack: U000000...; Teams: the AAD object id aad-p0...)."""
    column, ids = (
        ("teams_user_id", lambda i: f"aad-p{i}")
        if platform == "teams"
        else ("slack_user_id", lambda i: f"U{i:06d}")
    )
    boss = "aad-boss" if platform == "teams" else "UBOSS"
    rows = [f"email,name,manager_email,department,role,timezone,{column}"]
    rows.append(f"boss@proc.io,Boss,,Ops,leader,UTC,{boss}")
    rows += [f"p{i}@proc.io,P{i},boss@proc.io,Ops,employee,UTC,{ids(i)}" for i in range(n)]
    return "\n".join(rows) + "\n"


def runtime_for(database_url: str) -> Runtime:
    settings = Settings(_env_file=None, database_url=database_url)  # type: ignore[call-arg]
    return Runtime(
        db=open_database(database_url), clock=SystemClock(), settings=settings, channels=("slack",)
    )


def teams_reference(service_url: str, aad: str) -> str:
    """What the Teams adapter stores when a person installs the app (their 1:1 chat)."""
    return json.dumps(
        {
            "channelId": "msteams",
            "serviceUrl": service_url,
            "conversation": {"id": f"a:{aad}", "conversationType": "personal"},
            "user": {"id": f"29:{aad}", "aadObjectId": aad},
            "bot": {"id": "28:culturebot", "name": "culturebot"},
        }
    )


def prepare_round(database_url: str, people: int, *, teams_service_url: str | None = None) -> None:
    """An org of ``people`` (plus their leader) and a weekly pulse that is due now, so the
    first tick of `culturebot run` opens a round to everyone. On Slack, or on Teams when
    ``teams_service_url`` is given (everyone has installed the app, on that serviceUrl)."""
    runtime = runtime_for(database_url)
    try:
        with runtime.db.session() as session:
            org.import_text(session, org_csv(people, "teams" if teams_service_url else "slack"))
        if teams_service_url:
            with runtime.db.session() as session:
                for identity in session.exec(select(Identity).where(Identity.platform == "teams")):
                    identity.conversation_ref = teams_reference(
                        teams_service_url, identity.external_id
                    )
                    session.add(identity)
        due = datetime.now(UTC) - timedelta(minutes=2)
        with runtime.db.session() as session:
            session.add(
                PulseSchedule(
                    name="weekly",
                    audience_kind="org",
                    weekday=due.weekday(),
                    local_time=due.strftime("%H:%M"),
                    start_date=due.date(),
                    answer_window_hours=72,
                    reminder_after_hours=24,
                )
            )
    finally:
        runtime.db.dispose()


def queue_notes(database_url: str, per_person: int, platform: str = "slack") -> int:
    """Queue ``per_person`` short messages to everyone on ``platform``, a person's one after
    another (as a reminder, a relay and a follow-up can come together): the claims meet a
    person's rows side by side, to go to one DM channel or conversation. Returns how many."""
    from bot.core.chat import text_message
    from storage import outbox

    runtime = runtime_for(database_url)
    try:
        with runtime.db.session() as session:
            people = session.exec(
                select(Identity.person_id)
                .where(Identity.platform == platform)
                .order_by(col(Identity.person_id))
            ).all()
            items = [
                outbox.Queued(
                    person,
                    text_message(f"Note {n + 1} of {per_person}").to_json(),
                    f"note:{person}:{n}",
                    "note",
                )
                for person in people
                for n in range(per_person)
            ]
            outbox.enqueue_many(
                session, items, now=datetime.now(UTC) - timedelta(seconds=1), channels=(platform,)
            )
        return len(items)
    finally:
        runtime.db.dispose()


def outbox_counts(database_url: str) -> dict[str, int]:
    runtime = runtime_for(database_url)
    try:
        with runtime.db.session() as session:
            rows = session.exec(
                select(Outbox.status, func.count()).group_by(col(Outbox.status))
            ).all()
            held = session.exec(
                select(func.count()).select_from(Outbox).where(col(Outbox.claimed_by).is_not(None))
            ).one()
        return {**{status: count for status, count in rows}, "claimed": held}
    finally:
        runtime.db.dispose()


def outbox_keys(database_url: str) -> set[str]:
    runtime = runtime_for(database_url)
    try:
        with runtime.db.session() as session:
            return set(session.exec(select(Outbox.idempotency_key)).all())
    finally:
        runtime.db.dispose()


def teams_outbox_messages(database_url: str) -> set[tuple[str, str]]:
    """Each outbox row as the fake connector sees it arrive: (conversation, summary)."""
    from bot.core.chat import Message

    runtime = runtime_for(database_url)
    try:
        with runtime.db.session() as session:
            conversation = {
                i.person_id: f"a:{i.external_id}"
                for i in session.exec(select(Identity).where(Identity.platform == "teams"))
            }
            rows = session.exec(select(Outbox.person_id, Outbox.payload)).all()
    finally:
        runtime.db.dispose()
    keys = {(conversation[p], Message.from_json(payload).summary[:200]) for p, payload in rows}
    assert len(keys) == len(rows), "two messages to one person share a summary: cannot count"
    return keys


def first_queued_at(database_url: str) -> float:
    """When the tick queued the round's first message (epoch seconds)."""
    runtime = runtime_for(database_url)
    try:
        with runtime.db.session() as session:
            first = session.exec(select(func.min(Outbox.created_at))).one()
        assert first is not None
        return first.replace(tzinfo=UTC).timestamp() if first.tzinfo is None else first.timestamp()
    finally:
        runtime.db.dispose()


# --- a private PostgreSQL cluster the test can stop and start ------------------------------


def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return found[-1].parent if found else None


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PrivatePostgres:
    """A throwaway PostgreSQL cluster on its own port (initdb + pg_ctl), run as the
    ``postgres`` user when the tests run as root (PostgreSQL refuses to run as root)."""

    cleanup: Path | None = None

    def __init__(self, directory: Path) -> None:
        bin_dir = _pg_bin()
        if bin_dir is None:
            raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql")
        self.bin = bin_dir
        self._as: list[str] = []
        if os.geteuid() == 0:  # a directory the postgres user can reach (not under pytest's)
            self._as = ["runuser", "-u", "postgres", "--"]
            directory = Path(tempfile.mkdtemp(prefix="culturebot-pg-"))
            directory.chmod(0o777)
            self.cleanup = directory
        self.dir = directory / "pgdata"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        # --no-sync: a throwaway cluster need not wait for the disk (seconds less per test)
        initdb = ["-D", str(self.dir), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]
        self._run("initdb", *initdb)

    def _run(self, tool: str, *args: str) -> None:
        done = subprocess.run(
            [*self._as, str(self.bin / tool), *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
        if done.returncode:
            raise RuntimeError(f"{tool} failed: {done.stderr.strip()[-500:]}")

    def start(self) -> None:
        options = f"-p {self.port} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl",
            "-D",
            str(self.dir),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
            "-l",
            str(self.dir / "server.log"),
        )

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.dir), "-m", "fast", "-w", "-t", "60", "stop")

    def running(self) -> bool:
        return (self.dir / "postmaster.pid").exists()


@contextmanager
def private_postgres(directory: Path) -> Iterator[PrivatePostgres]:
    server = PrivatePostgres(directory)
    server.start()
    try:
        yield server
    finally:
        if server.running():
            with suppress(subprocess.SubprocessError, OSError):
                server.stop()
        if server.cleanup is not None:
            shutil.rmtree(server.cleanup, ignore_errors=True)
