"""Reports people can read: a weekly series per theme (JSON, CSV, a sparkline in chat and in
the terminal), --since/--until/--weeks, withheld figures that say why, an empty period said
plainly, and the baseline against the pulse of the last weeks."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from pathlib import Path

from typer.testing import CliRunner

from bot.app import run_due
from handlers.common.formatting import BARS
from handlers.reports import disclosure
from handlers.roadmap import objectives
from storage import people
from tests.handlers.roadmap.helpers import ORG, SUPPORT, form_answers
from tests.support import add_schedule, answer, import_org


def _cli(runtime, *args: str) -> str:
    from bot.cli.main import app

    result = CliRunner().invoke(app, list(args), env={"CULTUREBOT_DATABASE_URL": runtime.db.url})
    assert result.exit_code == 0, result.output
    return result.output


def _weeks_of_pulses(
    runtime, chat, clock, weeks: int, score=lambda week: 3, questions: Path | None = None
) -> None:
    """``weeks`` weekly pulses (from today, at midnight) that Support's six answer
    (Engineering stays silent); from the schedule's own ``questions`` file when given."""
    if questions is None:
        add_schedule(runtime, weekday=clock.now().weekday(), start=clock.now().date())
    else:
        start = clock.now().date().isoformat()
        _cli(
            runtime,
            "pulse",
            "add",
            "--name",
            "own",
            "--start",
            start,
            "--questions",
            str(questions),
        )
    for week in range(weeks):
        clock.advance(timedelta(hours=10))  # Monday 10:00: the round is open, prompts sent
        run_due(runtime)
        for email in SUPPORT:
            answer(chat, email, score(week))
        clock.advance(timedelta(days=7) - timedelta(hours=10))
        run_due(runtime)
    clock.advance(timedelta(days=3))
    run_due(runtime)  # the last week is over and published


def _named(rows: list[dict], label: str) -> list[dict]:  # type: ignore[type-arg]
    """The rows that go by ``label``: their own name, or one of a merged row's (the same
    people)."""
    return [r for r in rows if label in (r["group"], *(a["group"] for a in r["also"]))]


def test_weekly_series_periods_and_withheld_reasons(runtime, chat, clock) -> None:
    import_org(runtime, ORG)
    _weeks_of_pulses(runtime, chat, clock, 7, score=lambda week: 2 + week % 3 + (week > 3))
    data = json.loads(_cli(runtime, "report", "--format", "json"))
    team = _named(data["rows"], "Team of Sam Support")
    focus = next(r for r in team if r["theme"] == "customer_focus")
    # the theme's Monday check-ins, each published on its own as it closed
    assert [w[:8] for w in focus["weeks"]] == ["2027-W09", "2027-W12", "2027-W15"]
    assert all(disclosure.is_round_period(w) for w in focus["weeks"])
    assert len(focus["series"]) == 3 and None not in focus["series"]
    eng = [r for r in data["rows"] if r["group"] == "Team of Eve Eng"]
    assert eng and all(r["withheld"] and r["reason"] == "small" for r in eng)

    table = _cli(runtime, "report", "--as", "sam@x.io")
    # withheld figures are one line; --details lists them and says why
    assert "fewer than 5 respondents" not in table
    assert "figures of smaller groups are not shown, to protect anonymity (--details" in table
    details = _cli(runtime, "report", "--as", "sam@x.io", "--details")
    assert "fewer than 5 respondents" in details and "Not shown, to protect anonymity" in details
    assert any(bar in table for bar in BARS)  # the weekly sparkline
    said = chat("s1@x.io").say("report")
    assert "Team of Sam Support" in said and "Whole organisation" in said  # org + own team
    assert any(bar in said for bar in BARS)

    until = date(2027, 3, 14)  # the first two weeks only
    early = json.loads(_cli(runtime, "report", "--format", "json", "--until", str(until)))
    assert {w[:8] for r in early["rows"] for w in r["weeks"]} == {"2027-W09", "2027-W10"}
    last_week = chat("sam@x.io").say("report 1")  # the last week only
    assert "check-in of Mon 12 Apr 2027" in last_week
    assert "check-in of Mon 5 Apr 2027" not in last_week
    assert "check-in of Mon 5 Apr 2027" in chat("sam@x.io").say("report weeks 2")
    series = list(csv.reader(io.StringIO(_cli(runtime, "report", "--format", "csv", "--series"))))
    assert series[0] == ["kind", "group", "theme", "week", "mean", "withheld_because"]
    assert any(row[5].startswith("withheld (fewer than 5") for row in series[1:])

    empty = _cli(runtime, "report", "--since", "2030-01-01")
    assert "Nothing was published for this period (since Tue 1 Jan 2030)" in empty
    assert "Sorry, I did not understand that. Type report, report weeks 8" in chat("s1@x.io").say(
        "report soon"
    )


def test_the_baseline_shows_against_the_last_weeks_of_pulse(runtime, chat, clock) -> None:
    import_org(runtime, ORG)
    assert "launched" in chat("lea@x.io").say("assess launch 3")
    for email in SUPPORT:
        person = chat(email)
        person.inbox()
        person.say("1", *form_answers(3))
    clock.advance(timedelta(days=7))  # the next Monday, midnight
    run_due(runtime)
    _weeks_of_pulses(runtime, chat, clock, 4, score=lambda week: 4)
    said = chat("sam@x.io").say("baseline")
    assert "Leadership commitment: 3.0" in said
    assert "last 4 weeks 4.0" in said
    # an objective's progress follows the pulse once the pulse is newer than the assessment
    with runtime.db.session() as session:
        sam = people.by_email(session, "sam@x.io")
        objectives.add(
            session,
            sam,
            clock.now(),
            title="Leaders on the floor",
            dimension="leadership",
            target="4.5",
            due=(clock.now() + timedelta(weeks=12)).date(),
            owner="s1@x.io",
        )
    with runtime.db.session() as session:
        [view] = objectives.visible(session, people.by_email(session, "s1@x.io"), clock.now())
    assert view.current == 4.0  # not the assessment's 3.0
    assert view.current_source is not None and view.current_source.startswith("check-ins, ")


OWN_QUESTIONS = """\
scale: {low: "Not at all", high: "Completely"}
themes:
  handover: "Handovers"
dimensions:
  handover: processes
questions:
  - {id: ho1, theme: handover, text: "This week a customer's case moved between teams smoothly."}
"""


def test_a_schedule_with_its_own_questions_shows_against_the_baseline(
    runtime, chat, clock, tmp_path: Path
) -> None:
    import_org(runtime, ORG)
    assert "launched" in chat("lea@x.io").say("assess launch 3")
    for email in SUPPORT:
        person = chat(email)
        person.inbox()
        person.say("1", *form_answers(2))
    clock.advance(timedelta(days=7))
    run_due(runtime)
    own = tmp_path / "handover.yaml"
    own.write_text(OWN_QUESTIONS)
    _weeks_of_pulses(runtime, chat, clock, 4, score=lambda week: 5, questions=own)
    said = chat("sam@x.io").say("baseline")
    processes = [line for line in said.splitlines() if "Processes and systems" in line]
    assert any("last 4 weeks 5.0" in line for line in processes)
    # the shared bank's dimensions got no pulse: no "last weeks" figure there
    leadership = [line for line in said.splitlines() if "Leadership commitment" in line]
    assert leadership and not any("last 4 weeks" in line for line in leadership)
