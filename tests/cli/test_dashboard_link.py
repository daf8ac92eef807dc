"""`culturebot dashboard --link-for EMAIL`: the link chat would give, for a running server."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from typer.testing import CliRunner

from bot.cli.main import app
from bot.core.clock import FakeClock
from bot.core.config import Settings
from bot.core.runtime import Runtime
from bot.web.dashboard import standalone_app
from storage.db import open_database
from tests.conftest import PlayedDemo
from tests.procs import Bot, bot_env, free_port, wait_until
from tests.support import import_org, org_csv
from tests.web.http import request

AS_OF = "2027-04-04T12:00Z"


@pytest.fixture
def env(runtime, monkeypatch):  # type: ignore[no-untyped-def]
    import_org(runtime, org_csv("lea@x.io,Lea Leader,,Exec,leader,UTC"))
    monkeypatch.setenv("CULTUREBOT_DATABASE_URL", runtime.settings.database_url)
    monkeypatch.setenv("CULTUREBOT_PUBLIC_URL", "https://bot.example.com")
    return runtime


def test_link_for_prints_a_sign_in_link(env) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(app, ["dashboard", "--link-for", "lea@x.io"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("https://bot.example.com/dashboard/login?token=")
    shifted = CliRunner().invoke(
        app, ["dashboard", "--as-of", "2027-04-04T12:00Z", "--link-for", "lea@x.io"]
    )
    assert shifted.exit_code == 0, shifted.output


def test_unknown_person_or_bad_time_is_refused(env) -> None:  # type: ignore[no-untyped-def]
    nobody = CliRunner().invoke(app, ["dashboard", "--link-for", "nobody@x.io"])
    assert nobody.exit_code == 2 and "nobody active with email nobody@x.io" in nobody.output
    bad = CliRunner().invoke(app, ["dashboard", "--as-of", "soon", "--link-for", "lea@x.io"])
    assert bad.exit_code == 2 and "not an ISO time" in bad.output


async def test_the_demo_links_open_at_the_demo_clock_for_everyone_it_names(
    played_demo: PlayedDemo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo names three people to look around as; the command it prints gives each a link
    made at the demo's clock, which the server it starts (at that clock) opens."""
    said = played_demo.output[played_demo.output.index("Open the dashboard") :]
    named = set(re.findall(r"[\w.]+@example\.com", said.split("culturebot dashboard")[0]))
    command = re.search(r"culturebot dashboard --as-of (\S+)((?: --as \S+)+)", said)
    assert command, said
    given = set(re.findall(r"--as (\S+)", command.group(2)))
    assert len(given) == 3 and named <= given, (named, given)

    db = played_demo.copy(tmp_path)
    monkeypatch.setenv("CULTUREBOT_DATABASE_URL", f"sqlite:///{db}")
    links = CliRunner().invoke(
        app,
        ["dashboard", "--as-of", command.group(1)]
        + [arg for email in sorted(given) for arg in ("--link-for", email)],
    )
    assert links.exit_code == 0, links.output
    printed = links.output.split()
    assert len(printed) == 3
    at = datetime.fromisoformat(command.group(1).replace("Z", "+00:00"))
    settings = Settings(database_url=f"sqlite:///{db}", _env_file=None)  # type: ignore[call-arg]
    runtime = Runtime(
        db=open_database(settings.database_url),
        clock=FakeClock(at + timedelta(minutes=5)),
        settings=settings,
    )
    try:
        async with TestClient(TestServer(standalone_app(runtime))) as client:
            for link in printed:
                page = await client.get(link[link.index("/dashboard") :])
                body = await page.text()
                assert page.status == 200, body
                assert "Open my dashboard" in body and "expired" not in body
    finally:
        runtime.db.dispose()


def test_a_dashboard_at_another_clock_prints_links_made_at_that_clock(env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """`culturebot dashboard --as-of T --as A`: A's link opens on that server; without --as
    it says how to get a link at its clock (chat's links are dated at the real time)."""
    variables = bot_env(env.settings.database_url, "http://127.0.0.1:9", http_port=free_port())
    server = Bot(
        variables, tmp_path / "dashboard.log", ("dashboard", "--as-of", AS_OF, "--as", "lea@x.io")
    )
    try:
        said = wait_until(
            lambda: re.search(r"sign in as lea@x.io .*?(http\S+)", server.output()),
            60,
            "the sign-in link",
        )
        status, _, body = request(said.group(1))
        assert status == 200 and "Open my dashboard" in body, body
    finally:
        server.end()
    bare = Bot(variables, tmp_path / "bare.log", ("dashboard", "--as-of", AS_OF))
    try:
        wait_until(lambda: "dashboard on" in bare.output(), 60, "the server")
        wait_until(lambda: "--link-for" in bare.output(), 10, "how to sign in")
        assert f"culturebot dashboard --as-of {AS_OF} --link-for EMAIL" in bare.output()
    finally:
        bare.end()
