"""The demo a newcomer runs first, the report formats, and the scheduler lease."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta
from pathlib import Path

from typer.testing import CliRunner

from bot.cli.main import app
from storage.lease import try_acquire
from tests.conftest import PlayedDemo


def test_demo_shows_pulses_stories_and_a_cascade_in_four_weeks(played_demo: PlayedDemo) -> None:
    db = played_demo.db
    out = played_demo.output
    assert "Imported the sample organisation: 60 people in 6 departments" in out
    assert "saw and typed in the console" in out and "Thanks, recorded" in out
    assert "Customer-focus pulse: Whole organisation" in out
    assert "figures of smaller groups are not shown, to protect anonymity" in out
    assert "starts an ad-hoc check-in" in out
    # the comments view: large enough groups only, no names, no dates finer than the week
    assert 'types "comments"' in out and "in no particular order" in out
    assert str(db) in out and "culturebot chat --as" in out

    # stories: shared in several departments, one anonymously, one for a manager only;
    # digest readers connected departments, which the stories section of the report shows
    assert "shares a customer story anonymously" in out
    assert "shares a customer story with their manager only" in out
    assert "Carl Okafor" not in out  # the anonymous author is never named
    assert 'clicked "this helps my team"' in out
    figure = re.search(r"(\d+) of (\d+) department pairs connected \((\d+)%\)", out)
    assert figure, out
    connected, possible, share = map(int, figure.groups())
    assert 0 < connected <= possible == 15 and share > 0
    assert "Connectedness by department" in out

    # the cascade: sent in week 2, relayed, one head never relays, so culturebot escalates
    assert "Week 2, Mon 15 Mar: Ava Adams sends the leadership message" in out
    assert "culturebot nudges" in out and "culturebot escalates" in out
    reach = re.search(r"Reached (\d+) of (\d+) \((\d+)%\)", out)
    assert reach and reach[1] == reach[2] == "59" and reach[3] == "100", out
    broken = re.search(r"Broken links: (\d+)", out)
    assert broken and int(broken[1]) >= 1
    assert re.search(r"- [A-Z][a-z]+ [A-Z][a-z]+: escalated since", out)
    assert "Questions: 1 (0 unanswered)" in out

    env = {"CULTUREBOT_DATABASE_URL": f"sqlite:///{db}"}
    as_json = CliRunner().invoke(app, ["report", "--format", "json"], env=env)
    data = json.loads(as_json.output)
    shown = [r for r in data["rows"] if not r["withheld"]]
    assert shown and all(
        int(r["respondents"].split("-")[0].rstrip("+")) >= data["min_group_size"] for r in shown
    )
    withheld = [r for r in data["rows"] if r["withheld"]]
    assert withheld and all(r["respondents"] is None and r["mean"] is None for r in withheld)

    as_csv = CliRunner().invoke(app, ["report", "--format", "csv"], env=env)
    parsed = list(csv.DictReader(io.StringIO(as_csv.output)))
    assert len(parsed) == len(data["rows"])


def test_chat_command_talks_as_a_person(played_demo: PlayedDemo, tmp_path: Path) -> None:
    db = played_demo.copy(tmp_path)
    env = {"CULTUREBOT_DATABASE_URL": f"sqlite:///{db}"}
    result = CliRunner().invoke(
        app, ["chat", "--as", "ava.adams@example.com"], input="help\nquit\n", env=env
    )
    assert result.exit_code == 0, result.output
    assert "You are Ava Adams" in result.output and "checkin - start a check-in" in result.output
    missing = CliRunner().invoke(app, ["chat", "--as", "nobody@example.com"], env=env)
    assert missing.exit_code == 2 and "nobody with email" in missing.output
    # the org is imported: the admin is told so, not to import it first
    assert "import the org first" not in missing.output
    assert "people in the organisation" in missing.output
    typo = CliRunner().invoke(app, ["chat", "--as", "ava.adam@example.com"], env=env)
    assert typo.exit_code == 2 and "Did you mean ava.adams@example.com?" in typo.output


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
