"""Every audited action leaves its row in `culturebot audit`: org import, schedule changes,
cascades sent, scheduled and cancelled, reports opened and exported, erasure, retention."""

from __future__ import annotations

import json

import pytest

from tests.handlers.cascade.helpers import org


@pytest.fixture
def cli(cli):  # type: ignore[no-untyped-def]
    """The shared `cli`; each action must succeed."""

    def run(*args: str):  # type: ignore[no-untyped-def]
        result = cli(*args)
        assert result.exit_code == 0, (args, result.output)
        return result

    return run


def test_each_administrative_action_is_in_the_audit_log(runtime, cli, chat, tmp_path) -> None:
    people = tmp_path / "people.csv"
    people.write_text(org())
    cli("org", "import", str(people))
    cli("pulse", "add", "--name", "weekly")
    cli("pulse", "edit", "weekly", "--at", "10:00")
    cli("pulse", "pause", "weekly")
    cli("pulse", "remove", "weekly", "--yes")
    message = tmp_path / "msg.md"
    message.write_text("# Customers first\n\nWe call every customer who churned.\n")
    cli("cascade", "send", "--from", "vp@x.io", "--file", str(message))
    cli("cascade", "send", "--from", "vp@x.io", "--file", str(message), "--at", "2099-01-01 09:00")
    cli("cascade", "cancel", "2")
    cli("cascade", "report", "1")
    cli("cascade", "report", "1", "--format", "json")
    cli("report")
    cli("report", "--format", "csv")
    chat("ceo@x.io").say("report")
    cli("person", "erase", "o1@x.io", "--yes")

    rows = json.loads(cli("audit", "--format", "json").output)
    seen = {(r["action"], r["target"]) for r in rows}
    expected = {
        ("org.import", "people.csv"),
        ("schedule.add", "schedule weekly"),
        ("schedule.change", "schedule weekly"),
        ("schedule.remove", "schedule weekly"),
        ("cascade.send", "cascade 1"),
        ("cascade.schedule", "cascade 2"),
        ("cascade.cancel", "cascade 2"),
        ("report.open", "cascade report 1"),
        ("export", "cascade report 1"),
    }
    assert expected <= seen, expected - seen
    actions = [r["action"] for r in rows]
    assert actions.count("report.open") >= 3  # the cascade report, `report`, chat `report`
    assert actions.count("export") >= 2  # the cascade report's JSON, `report --format csv`
    assert "person.erase" in actions
    assert all(r["actor"].startswith("cli:") for r in rows if r["action"] != "report.open")
    assert "ceo@x.io" in {r["actor"] for r in rows}
