"""The demo a newcomer runs first, the report formats, and the scheduler lease."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app
from storage.lease import try_acquire


def test_demo_runs_four_weeks_and_prints_a_report_with_withheld_groups(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    result = CliRunner().invoke(app, ["demo", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "Imported the sample organisation: 60 people in 6 departments" in result.output
    assert "Customer-focus pulse: Whole organisation" in result.output
    assert "withheld" in result.output
    assert "starts an ad-hoc check-in" in result.output
    assert str(db) in result.output and "culturebot chat --as" in result.output

    env = {"CULTUREBOT_DATABASE_URL": f"sqlite:///{db}"}
    as_json = CliRunner().invoke(app, ["report", "--format", "json"], env=env)
    data = json.loads(as_json.output)
    shown = [r for r in data["rows"] if not r["withheld"]]
    assert shown and all(r["respondents"] >= data["min_group_size"] for r in shown)
    withheld = [r for r in data["rows"] if r["withheld"]]
    assert withheld and all(r["respondents"] is None and r["mean"] is None for r in withheld)

    as_csv = CliRunner().invoke(app, ["report", "--format", "csv"], env=env)
    parsed = list(csv.DictReader(io.StringIO(as_csv.output)))
    assert len(parsed) == len(data["rows"])


def test_chat_command_talks_as_a_person(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    CliRunner().invoke(app, ["demo", "--db", str(db), "--weeks", "1"])
    env = {"CULTUREBOT_DATABASE_URL": f"sqlite:///{db}"}
    result = CliRunner().invoke(
        app, ["chat", "--as", "ava.adams@example.com"], input="help\nquit\n", env=env
    )
    assert result.exit_code == 0, result.output
    assert (
        "You are Ava Adams" in result.output and "checkin - start a pulse check-in" in result.output
    )
    missing = CliRunner().invoke(app, ["chat", "--as", "nobody@example.com"], env=env)
    assert missing.exit_code == 2 and "nobody with email" in missing.output


def test_only_one_instance_holds_the_scheduler_lease(database, clock) -> None:
    ttl = timedelta(minutes=3)
    with database.session() as session:
        assert try_acquire(session, "scheduler", "a", clock.now(), ttl)
    with database.session() as session:
        assert not try_acquire(session, "scheduler", "b", clock.now(), ttl)
        assert try_acquire(session, "scheduler", "a", clock.now(), ttl)
    clock.advance(timedelta(minutes=4))
    with database.session() as session:
        assert try_acquire(session, "scheduler", "b", clock.now(), ttl)
