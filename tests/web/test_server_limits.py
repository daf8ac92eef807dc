"""Both server commands, as real processes, against clients that never finish: half a request's
headers, a body that stops, a body too large, and more connections than the cap. Each is
closed or refused, and the server keeps answering /healthz."""

from __future__ import annotations

import signal
import socket
from collections.abc import Iterator
from contextlib import ExitStack, closing, contextmanager
from pathlib import Path

import pytest

from handlers.people import org
from tests.procs import (
    Bot,
    bot_env,
    bots,
    fake_slack_process,
    free_port,
    runtime_for,
    wait_until,
)
from tests.web.http import healthy, request, wait_healthy

ORG = "email,name,manager_email,department,role,timezone\nlea@x.io,Lea Leader,,Ops,leader,UTC\n"
# the limits under test, small so a test takes seconds; the client waits far longer (BOUND)
LIMITS = {
    "http_header_timeout": 1,
    "http_body_timeout": 1,
    "http_max_body_bytes": 64 * 1024,
    "http_max_connections": 4,
}
BOUND = 30.0  # how long a client waits for the close before it calls the connection held


@contextmanager
def server(tmp_path: Path, command: str, **limits: object) -> Iterator[tuple[str, Bot]]:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    with runtime_for(url).db.session() as session:
        org.import_text(session, ORG)
    port = free_port()
    with fake_slack_process() as fake, bots() as started:
        env = bot_env(url, fake.api_url, http_port=port, **{**LIMITS, **limits})
        env["SLACK_SIGNING_SECRET"] = "a-signing-secret-for-the-limits"
        process = Bot(env, tmp_path / f"{command}.log", (command,))
        started.append(process)
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, process)
        yield base, process
        process.signal(signal.SIGTERM)
        assert process.wait(60) == 0, process.output()[-3000:]


def connect(base: str) -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=BOUND)
    return sock


def read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes; a socket timeout means it never did."""
    received = b""
    try:
        while chunk := sock.recv(4096):
            received += chunk
    except TimeoutError:
        pytest.fail(f"the server kept a stalled connection open past {BOUND} s: {received!r}")
    except ConnectionResetError:
        pass
    return received


@pytest.mark.parametrize("command", ["run", "dashboard"])
def test_clients_that_never_finish_are_closed_and_the_server_keeps_answering(
    tmp_path: Path, command: str
) -> None:
    path = "/slack/events" if command == "run" else "/dashboard/login"
    with server(tmp_path, command) as (base, process):
        # three at once, each closed on its own timer (a second each here)
        with (
            closing(connect(base)) as half,
            closing(connect(base)) as idle,
            closing(connect(base)) as slow,
        ):
            # half a request: a request line and one header, then nothing
            half.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\n".encode())
            # whole headers, then a body that stops short
            slow.sendall(
                f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                'Content-Length: 1000\r\n\r\n{"type":'.encode()
            )
            assert read_until_closed(half) == b""
            # a connection that sends nothing at all
            assert read_until_closed(idle) == b""
            answer = read_until_closed(slow)
            assert answer.startswith(b"HTTP/1.1 408"), answer
        # a body over the limit
        status, _, _ = request(f"{base}{path}", "POST", body=b"x" * (65 * 1024))
        assert status == 413
        assert healthy(base)
        assert process.process.poll() is None


@pytest.mark.parametrize("command", ["run", "dashboard"])
def test_connections_past_the_cap_are_refused_and_the_others_served(
    tmp_path: Path, command: str
) -> None:
    # a long header timeout: the held connections stay open for as long as the test needs
    with server(tmp_path, command, http_header_timeout=120) as (base, process):
        with ExitStack() as stack:
            held = [stack.enter_context(closing(connect(base))) for _ in range(4)]
            for sock in held:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # unfinished: still open
            with closing(connect(base)) as extra:
                assert read_until_closed(extra).startswith(b"HTTP/1.1 503")
            assert not healthy(base)  # /healthz too: the cap holds for every path
            held[0].sendall(b"\r\n")  # one of them finishes its request: answered
            assert held[0].recv(4096).startswith(b"HTTP/1.1 200")
        wait_until(lambda: healthy(base), BOUND, "room again once the held connections closed")
        assert process.process.poll() is None
