"""`culturebot cascade send` and `culturebot cascade report` against a real database."""

from __future__ import annotations

import json

import pytest

from tests.handlers.cascade.helpers import org
from tests.support import import_org


@pytest.fixture
def cli(cli, runtime):  # type: ignore[no-untyped-def]
    """The shared `cli`, on the cascade's org."""
    import_org(runtime, org())
    return cli


def test_send_from_a_file_and_read_the_report(cli, tmp_path) -> None:
    message = tmp_path / "msg.md"
    message.write_text("# Customers first\n\nWe call every customer who churned.\n")
    sent = cli("cascade", "send", "--from", "vp@x.io", "--file", str(message), "--window-days", "3")
    assert sent.exit_code == 0, sent.output
    assert 'Sent "Customers first" to your 2 direct reports' in sent.output
    assert "3 working days" in sent.output
    # the command line answers in its own terms, not with a chat command
    assert "culturebot cascade report 1" in sent.output
    assert 'Type "cascade report' not in sent.output

    report = cli("cascade", "report", "1", "--format", "json")
    assert report.exit_code == 0, report.output
    data = json.loads(report.output)
    assert (data["title"], data["audience"], data["reached"], data["via_relay"]) == (
        "Customers first",
        8,
        2,
        2,
    )
    assert data["reached_share"] == 0.25
    assert data["delivery"] == {"console": {"sent": 0, "failed": 0, "unreachable": 0, "pending": 2}}
    assert {w["manager"] for w in data["waiting"]} == {"Mia One", "Max Two"}

    tree = json.loads(cli("cascade", "report", "1", "--format", "json", "--tree").output)
    assert tree["name"] == "Vera Vp"
    assert [c["name"] for c in tree["children"]] == ["Mia One", "Max Two"]
    assert tree["children"][0]["link"]["status"] == "pending"
    assert [c["state"] for c in tree["children"][0]["children"]] == ["waiting", "waiting"]

    table = cli("cascade", "report", "1")
    assert table.exit_code == 0
    assert "reached 2 of 8 (25%)" in table.output


def test_bad_input_is_refused_with_a_clear_message(cli, tmp_path) -> None:
    message = tmp_path / "msg.md"
    message.write_text("Plain text, no heading.\n")
    no_title = cli("cascade", "send", "--from", "vp@x.io", "--file", str(message))
    assert no_title.exit_code == 2
    assert "The title is empty" in no_title.output and "Nothing was sent" in no_title.output

    not_leader = cli("cascade", "send", "--from", "m1@x.io", "--file", str(message), "--title", "T")
    assert not_leader.exit_code == 2 and "only leaders" in not_leader.output

    message.write_text("# Title\n" + "x" * 4001)
    too_long = cli("cascade", "send", "--from", "vp@x.io", "--file", str(message))
    assert too_long.exit_code == 2 and "4001 characters long" in too_long.output

    missing = cli("cascade", "report", "99")
    assert missing.exit_code == 2 and "there is no cascade 99" in missing.output


def test_a_file_with_control_characters_is_sent_as_plain_text(cli, tmp_path, runtime) -> None:
    """The CLI does not pass through the router: the cascade's own checks clean the text."""
    from sqlmodel import select

    from storage.cascade_models import Cascade

    message = tmp_path / "msg.md"
    message.write_bytes(b"# Customers\x00 first\r\n\r\nWe call every customer\x07 who churned.\r\n")
    sent = cli("cascade", "send", "--from", "vp@x.io", "--file", str(message))
    assert sent.exit_code == 0, sent.output
    with runtime.db.session() as session:
        cascade = session.exec(select(Cascade)).one()
    assert (cascade.title, cascade.body) == (
        "Customers first",
        "We call every customer who churned.",
    )


def test_a_scheduled_send_says_how_to_cancel_on_the_command_line(cli, tmp_path) -> None:
    message = tmp_path / "msg.md"
    message.write_text("# Customers first\n\nWe call every customer who churned.\n")
    sent = cli("cascade", "send", "--from", "vp@x.io", "--file", str(message), "--local", "09:00")
    assert sent.exit_code == 0, sent.output
    assert "culturebot cascade cancel 1" in sent.output
    assert 'Type "cascade cancel' not in sent.output
