"""Every number a person types goes through one parser: ASCII digits in range, everything
else ("²", a 5,000-digit run, "٣") refused politely, on the console and in the CLI."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.chat import UserError
from bot.core.parsing import ID_MAX, parse_date, parse_id, parse_int, parse_time
from handlers.cascade import actions as cascade
from tests.support import import_org, org_csv

LONG = "9" * 5000
TEAM = org_csv(
    "boss@x.io,Boss,,Ops,leader,Europe/Berlin",
    *(f"p{i}@x.io,P{i},boss@x.io,Ops,employee,Europe/Berlin" for i in range(1, 7)),
)


@pytest.mark.parametrize("raw", ["²", "٣", LONG, "-1", "1.0", "", " ", "1e3", "0x10", "+3", "³3"])
def test_parse_int_refuses_what_is_not_ascii_digits_in_range(raw: str) -> None:
    assert parse_int(raw, 1, 10) is None


def test_parse_int_accepts_ascii_digits_in_range() -> None:
    assert parse_int(" 7 ", 1, 10) == 7
    assert parse_int("007", 1, 10) == 7
    assert parse_int("11", 1, 10) is None
    assert parse_int("0", 1, 10) is None
    assert parse_id(str(ID_MAX)) == ID_MAX and parse_id(str(ID_MAX + 1)) is None
    assert parse_id("99999999999999999999") is None


def test_times_and_dates_must_exist() -> None:
    assert parse_time("9:05") == "09:05" and parse_time("23:59") == "23:59"
    for bad in ("24:00", "12:60", "12:5", "²:00", "12:00:00", LONG):
        assert parse_time(bad) is None
    assert parse_date("2024-02-29") == date(2024, 2, 29)
    for bad in ("2024-02-30", "2023-02-29", "2024-13-01", "24-02-01", "2024-2-1", "²024-01-01"):
        assert parse_date(bad) is None


@pytest.mark.parametrize("raw", ["²", LONG, "٣"])
def test_console_answer_with_a_strange_number_is_explained(runtime, chat, raw: str) -> None:
    import_org(runtime, TEAM)
    chat("boss@x.io").say("checkin")
    person = chat("p1@x.io")
    person.inbox()
    assert "Please type one of the numbers shown" in person.say(raw)
    assert "Thanks, recorded" in person.say("3", "")


@pytest.mark.parametrize("raw", ["²", LONG])
def test_console_cascade_form_refuses_a_strange_window(runtime, chat, raw: str) -> None:
    import_org(runtime, TEAM)
    boss = chat("boss@x.io")
    shown = boss.say("cascade", "Customers first", "Call one customer this week.", "", raw)
    assert "from 1 to" in shown
    assert "Traceback" not in shown


@pytest.mark.parametrize("raw", ["²", LONG, "0", "11"])
def test_cascade_window_refuses_with_the_range(raw: str) -> None:
    with pytest.raises(UserError) as refused:
        cascade.window_days(raw)
    assert f"from 1 to {cascade.WINDOW_MAX}" in str(refused.value)
    assert LONG not in str(refused.value)


@pytest.mark.parametrize("raw", ["99999999999999999999", "²", LONG])
def test_cli_cascade_report_refuses_a_number_it_cannot_hold(cli, raw: str) -> None:
    result = cli("cascade", "report", raw)
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "expected a whole number from 1 to" in result.output
    assert LONG not in result.output


@pytest.mark.parametrize(
    ("option", "value", "words"),
    [
        ("--start", "2024-02-30", "expected a real date as YYYY-MM-DD"),
        ("--at", "25:00", "expected a time of day as HH:MM"),
        ("--at", "²:00", "expected a time of day as HH:MM"),
        ("--every", LONG, "expected a whole number from 1 to 12"),
        ("--every", "²", "expected a whole number from 1 to 12"),
    ],
)
def test_cli_pulse_add_refuses_bad_dates_times_and_numbers(
    cli, option: str, value: str, words: str
) -> None:
    result = cli("pulse", "add", "--name", "weekly", option, value)
    assert result.exit_code == 2, result.output
    assert words in " ".join(result.output.split())


def test_version_tick_json_and_empty_tables(cli) -> None:
    import json

    version = cli("--version")
    assert version.exit_code == 0 and version.output.startswith("culturebot ")
    tick = cli("tick")
    assert tick.exit_code == 0, tick.output
    assert json.loads(tick.output)["pulse"]["opened"] == 0
    assert "Pulse schedules: nothing yet" in cli("pulse", "list").output
    assert "Outbox (sent messages not counted): nothing yet" in cli("status").output
    report = cli("report").output
    assert "nothing yet" in report and "┏" not in report


@pytest.mark.parametrize("raw", ["²", "99999999999999999999", "9" * 4000])
def test_console_assessment_window_refuses_a_strange_number(runtime, chat, raw: str) -> None:
    import_org(runtime, TEAM)
    shown = chat("boss@x.io").say(f"assess launch {raw}")
    assert "the window must be 1 to 60 days" in shown
    assert raw[:30] not in shown or len(raw) < 30


@pytest.mark.parametrize("key", ["team-²", "subtree-99999999999999999999", "team-" + "9" * 5000])
def test_dashboard_scope_with_a_strange_number_is_not_allowed(runtime, key: str) -> None:
    from handlers.dashboard import scope
    from storage import people

    import_org(runtime, TEAM)
    with runtime.db.session() as session:
        boss = people.by_email(session, "boss@x.io")
        with pytest.raises(scope.NotAllowed):
            scope.resolve(session, scope.Viewer.of(session, boss), key)


def test_cli_assess_launch_refuses_a_strange_window(cli) -> None:
    result = cli("assess", "launch", "--by", "x@x.io", "--window-days", "²")
    assert result.exit_code == 2
    assert "expected a whole number from 1 to 60" in " ".join(result.output.split())


def test_a_cascade_report_without_questions_says_nothing_yet(cli, tmp_path) -> None:
    people = tmp_path / "people.csv"  # ten reached: questions are listed from ten on
    people.write_text(
        TEAM + "".join(f"q{i}@x.io,Q{i},boss@x.io,Ops,employee,UTC\n" for i in range(1, 5))
    )
    assert cli("org", "import", str(people)).exit_code == 0
    message = tmp_path / "m.md"
    message.write_text("# Customers first\nCall one customer this week, everyone.")
    sent = cli("cascade", "send", "--from", "boss@x.io", "--file", str(message))
    assert sent.exit_code == 0, sent.output
    report = cli("cascade", "report", "1")
    assert report.exit_code == 0, report.output
    assert "Questions: nothing yet" in report.output, report.output
