"""No secret in any log: each server command runs as a real process at DEBUG, someone signs in
to the dashboard through it, and its whole output holds no sign-in token, session cookie,
signing key, Slack signing secret or bot token."""

from __future__ import annotations

import logging
import signal
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from sqlmodel import select

from handlers.people import org
from storage.dashboard import DashboardSecret
from tests.procs import Bot, bot_env, bots, cli, fake_slack_process, free_port, runtime_for
from tests.web.http import request, wait_healthy

BOT_TOKEN = "xoxb-1111-2222-abcdefSECRETbot"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
DASHBOARD_SECRET = "a-dashboard-signing-secret-of-some-length"
ORG = "email,name,manager_email,department,role,timezone\nlea@x.io,Lea Leader,,Ops,leader,UTC\n"


def sign_in_through(base: str, env: dict[str, str]) -> tuple[str, str]:
    """A link from the CLI (as chat gives one), opened and used as a browser would: the
    token and the session cookie."""
    link = cli(["dashboard", "--link-for", "lea@x.io"], env).strip().split()[-1]
    parts = urlsplit(link)
    token = unquote(parts.query.split("token=", 1)[1])
    assert request(f"{base}{parts.path}?{parts.query}")[0] == 200
    status, headers, _ = request(f"{base}/dashboard/login", "POST", {"token": token})
    assert status == 303, status
    cookie = headers["Set-Cookie"].split(";", 1)[0]
    status, _, body = request(f"{base}/dashboard", headers={"Cookie": cookie})
    assert status == 200 and "Lea Leader" in body
    # the same link again (refused), and a page with the cookie sent as a header
    assert request(f"{base}/dashboard/login?token={parts.query.split('=', 1)[1]}")[0] == 410
    assert request(f"{base}/dashboard/nothing", headers={"Cookie": cookie})[0] == 404
    return token, cookie.split("=", 1)[1]


@pytest.mark.parametrize("command", ["run", "dashboard"])
def test_no_secret_reaches_the_log_of_a_server_command(tmp_path: Path, command: str) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    with runtime_for(url).db.session() as session:
        org.import_text(session, ORG)
    port = free_port()
    with fake_slack_process() as fake, bots() as started:
        env = bot_env(url, fake.api_url, http_port=port, log_level="DEBUG", log_format="text")
        env.update({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET})
        if command == "run":  # one with the key configured, one with it kept in the database
            env["CULTUREBOT_DASHBOARD_SECRET"] = DASHBOARD_SECRET
        server = Bot(env, tmp_path / f"{command}.log", (command,))
        started.append(server)
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, server)
        token, cookie = sign_in_through(base, env)
        server.signal(signal.SIGTERM)
        server.wait(60)
        output = server.output()
    with runtime_for(url).db.session() as session:
        kept = session.exec(select(DashboardSecret.value)).all()
    secrets = {
        "sign-in token": token,
        "the token's signature": token.rsplit(".", 1)[1],
        "session cookie": cookie,
        "bot token": BOT_TOKEN,
        "Slack signing secret": SIGNING_SECRET,
        "dashboard secret": DASHBOARD_SECRET,
        **{f"the key kept in the database ({i})": value for i, value in enumerate(kept)},
    }
    assert "/dashboard" in output  # the requests were logged (DEBUG): there was a log to read
    # the start-up warning when the key lives in the database, and only then
    assert ("CULTUREBOT_DASHBOARD_SECRET is not set" in output) == (command == "dashboard")
    leaked = [name for name, value in secrets.items() if value in output]
    assert not leaked, f"{leaked} in the log of `culturebot {command}`:\n{output[-3000:]}"


def test_a_library_logging_a_secret_is_scrubbed_too() -> None:
    """Whatever a library writes (an aiohttp access line, a request's headers in a traceback)
    passes the same filter."""
    from bot.core.logs import RedactSecrets

    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(self.format(record))

    handler = Keep()
    handler.addFilter(RedactSecrets([SIGNING_SECRET]))
    logger = logging.getLogger("tests.core.library")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning('"GET /dashboard/login?token=%s HTTP/1.1" 200', "abc.def")
        logger.warning("headers: %s", {"Cookie": "culturebot_dashboard=XYZ", "X": "1"})
        try:
            raise ValueError(f"bad signature with {SIGNING_SECRET} and Bearer eyJhbGc.eyJz.sig")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    text = "\n".join(records)
    for secret in ("abc.def", "XYZ", SIGNING_SECRET, "eyJhbGc"):
        assert secret not in text, text
    assert text.count("[redacted]") >= 4 and "ValueError" in text
