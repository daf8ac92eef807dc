"""`culturebot dashboard --link-for EMAIL`: the link chat would give, for a running server."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from bot.cli.main import app
from tests.support import import_org, org_csv


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
