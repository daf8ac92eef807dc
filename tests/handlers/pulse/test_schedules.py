"""Managing pulse schedules from the command line: list, pause, resume, edit, remove; names
unique; audiences checked against the org; a schedule's own themes or question file; every
refusal with its reason and nothing written; every change audited."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.app import run_due
from bot.core.runtime import Runtime
from storage.audit import AuditEvent
from storage.models import PulseAnswerPending, PulsePrompt, PulseRound, PulseSchedule
from tests.support import import_org, org_csv

ORG = org_csv(
    "lead@x.io,Lea,,Exec,leader,Europe/Berlin",
    "mgr@x.io,Max,lead@x.io,Sales,manager,Europe/Berlin",
    *(f"s{i}@x.io,S{i},mgr@x.io,Sales,employee,Europe/Berlin" for i in range(1, 6)),
    "solo@x.io,Solo,lead@x.io,Engineering,employee,America/New_York",
)
MONDAY = "2027-03-01"  # the test clock starts at 00:00 UTC that Monday


@pytest.fixture
def cli(cli, runtime):  # type: ignore[no-untyped-def]
    """The shared `cli` on the org, answering yes; (exit code, output on one line)."""
    import_org(runtime, ORG)

    def run(*args: str) -> tuple[int, str]:
        result = cli(*args, input="y\n")
        return result.exit_code, " ".join(result.output.split())

    return run


def schedules(runtime: Runtime) -> dict[str, PulseSchedule]:
    with runtime.db.session() as session:
        return {s.name: s for s in session.exec(select(PulseSchedule))}


def rounds_opened(runtime: Runtime, at: datetime) -> int:
    runtime.clock.set(at)  # type: ignore[attr-defined]
    return run_due(runtime)["pulse"]["opened"]  # type: ignore[index]


def audit_actions(runtime: Runtime) -> list[tuple[str, str]]:
    with runtime.db.session() as session:
        rows = session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all()
    return [(e.action, e.target) for e in rows if e.action.startswith("schedule.")]


def test_add_list_pause_resume_edit_remove(runtime, cli) -> None:
    assert cli("pulse", "add", "--name", "weekly", "--start", MONDAY)[0] == 0
    code, out = cli("pulse", "list")
    assert code == 0 and "weekly" in out and "active" in out

    assert cli("pulse", "pause", "weekly") == (
        0,
        "schedule 'weekly' paused: no new rounds until `culturebot pulse resume`; "
        "a round already open finishes",
    )
    assert "paused" in cli("pulse", "list")[1]
    assert rounds_opened(runtime, datetime(2027, 3, 1, 9, 0, tzinfo=UTC)) == 0
    assert "already paused" in cli("pulse", "pause", "WEEKLY")[1]  # names ignore case

    assert cli("pulse", "resume", "weekly") == (0, "schedule 'weekly' resumed")
    assert rounds_opened(runtime, datetime(2027, 3, 1, 9, 0, tzinfo=UTC)) == 1

    code, out = cli("pulse", "edit", "weekly", "--weekday", "wed", "--at", "10:30")
    assert code == 0 and "weekday mon -> wed" in out and "at 09:00 -> 10:30" in out
    weekly = schedules(runtime)["weekly"]
    assert (weekly.weekday, weekly.local_time) == (2, "10:30")
    assert rounds_opened(runtime, datetime(2027, 3, 3, 9, 31, tzinfo=UTC)) == 1  # 10:31 Berlin

    # New York's invitation (09:00 there) is not sent yet when the schedule is removed
    with runtime.db.session() as session:
        waiting = session.exec(select(PulsePrompt).where(PulsePrompt.status == "scheduled")).all()
    assert len(waiting) == 1
    code, out = cli("pulse", "remove", "weekly")
    assert code == 0 and "1 invitations not yet sent were dropped" in out
    assert "Pulse schedules: nothing yet" in cli("pulse", "list")[1]
    with runtime.db.session() as session:
        assert session.exec(select(PulseRound)).all()  # its past rounds stay
        assert (
            session.exec(select(PulsePrompt).where(PulsePrompt.status == "scheduled")).all() == []
        )
    assert rounds_opened(runtime, datetime(2027, 3, 10, 10, 0, tzinfo=UTC)) == 0
    # its name is free again
    assert cli("pulse", "add", "--name", "weekly", "--start", MONDAY)[0] == 0

    assert audit_actions(runtime) == [
        ("schedule.add", "schedule weekly"),
        ("schedule.change", "schedule weekly"),
        ("schedule.change", "schedule weekly"),
        ("schedule.change", "schedule weekly"),
        ("schedule.remove", "schedule weekly"),
        ("schedule.add", "schedule weekly"),
    ]


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--name", "Weekly"], "there is already a schedule named 'weekly'"),
        (
            ["--name", "x", "--audience", "department", "--value", "Sails"],
            "nobody active works in a department called 'Sails' (did you mean 'Sales'?)",
        ),
        (
            ["--name", "x", "--audience", "subtree", "--value", "solo@x.io"],
            "Solo (solo@x.io) has no reports, so their subtree is empty",
        ),
        (
            ["--name", "x", "--audience", "subtree", "--value", "nobody@x.io"],
            "nobody active has the email 'nobody@x.io'",
        ),
        (["--name", "x", "--value", "Sales"], "an org-wide schedule takes no --value"),
        (["--name", "x", "--audience", "team"], "the audience is one of org, department, subtree"),
        (["--name", "x", "--weekday", "someday"], "the weekday is one of mon"),
        (["--name", "x", "--themes", "customer_focus,nope"], "unknown theme 'nope'"),
        (["--name", " "], "a schedule's name is 1 to 120 characters"),
    ],
)
def test_add_refuses_with_the_reason_and_writes_nothing(runtime, cli, args, reason) -> None:
    assert cli("pulse", "add", "--name", "weekly", "--start", MONDAY)[0] == 0
    code, out = cli("pulse", "add", "--start", MONDAY, *args)
    assert code == 2
    assert reason in out and "nothing was added" in out
    assert list(schedules(runtime)) == ["weekly"]


def test_edit_and_the_others_refuse_with_the_reason(runtime, cli) -> None:
    cli("pulse", "add", "--name", "weekly", "--start", MONDAY)
    cli("pulse", "add", "--name", "sales", "--audience", "department", "--value", "sales")
    assert schedules(runtime)["sales"].audience_value == "Sales"  # the org's spelling
    code, out = cli("pulse", "edit", "sales", "--name", "WEEKLY")
    assert code == 2 and "already a schedule named 'weekly'" in out
    code, out = cli("pulse", "edit", "sales", "--audience", "subtree", "--value", "solo@x.io")
    assert code == 2 and "has no reports" in out and "nothing was changed" in out
    assert schedules(runtime)["sales"].audience_kind == "department"
    for command in ("pause", "resume", "edit", "remove"):
        code, out = cli("pulse", command, "monthly")
        assert code == 2
        assert "there is no schedule 'monthly'; the schedules are: weekly, sales" in out
    code, out = cli("pulse", "edit", "sales", "--audience", "subtree", "--value", "mgr@x.io")
    assert code == 0 and "audience department Sales -> subtree mgr@x.io" in out


def test_a_schedule_asks_only_its_themes(runtime, cli) -> None:
    import prompts

    args = ("--start", MONDAY, "--themes", "leadership")
    assert cli("pulse", "add", "--name", "lead", *args)[0] == 0
    bank = prompts.questions()
    for week in range(3):
        rounds_opened(runtime, datetime(2027, 3, 1 + 7 * week, 9, 0, tzinfo=UTC))
    with runtime.db.session() as session:
        asked = [bank.by_id(r.question_id).theme for r in session.exec(select(PulseRound))]
    assert asked == ["leadership"] * 3


QUESTIONS = """\
scale: {low: "Not at all", high: "Completely"}
themes:
  onboarding: "Onboarding"
questions:
  - id: onb1
    theme: onboarding
    text: "I knew whom to ask for help in my first week."
  - id: onb2
    theme: onboarding
    text: "My first customer conversation was well prepared."
"""


def test_a_schedule_with_its_own_question_file(runtime, cli, tmp_path: Path, chat) -> None:
    own = tmp_path / "onboarding.yaml"
    own.write_text(QUESTIONS)
    assert cli("pulse", "add", "--name", "onb", "--start", MONDAY, "--questions", str(own))[0] == 0
    assert "own questions" in cli("pulse", "list")[1]
    assert rounds_opened(runtime, datetime(2027, 3, 1, 9, 0, tzinfo=UTC)) == 1
    person = chat("s1@x.io")
    assert "I knew whom to ask for help in my first week." in person.inbox()
    assert "Thanks, recorded" in person.say("4", "")
    with runtime.db.session() as session:
        [answer] = session.exec(select(PulseAnswerPending)).all()
    assert (answer.question_id, answer.theme) == ("onb1", "onboarding")
    # it has asked, so its questions can no longer be swapped under the answers
    code, out = cli("pulse", "edit", "onb", "--shared-questions")
    assert code == 2 and "has already asked its questions" in out
    code, out = cli("report")
    assert code == 0


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("themes: [unclosed", "not valid YAML"),
        ("scale: {low: a}\nthemes: {}\nquestions: []\n", "not a question bank"),
        (
            QUESTIONS.replace('theme: onboarding\n    text: "My', 'theme: other\n    text: "My'),
            "questions use unknown themes",
        ),
        (QUESTIONS.replace("id: onb2", "id: onb1"), "question ids must be unique"),
        (
            QUESTIONS.replace("questions:", "dimensions: {onboarding: culture}\nquestions:"),
            "unknown assessment dimensions: ['culture']",
        ),
        (
            QUESTIONS.replace("questions:", "dimensions: {elsewhere: leadership}\nquestions:"),
            "dimensions map unknown themes",
        ),
        (
            QUESTIONS.replace("  onboarding:", "  leadership:")
            .replace("theme: onboarding", "theme: leadership")
            .replace("questions:", "dimensions: {leadership: processes}\nquestions:"),
            "theme 'leadership' already shows against 'leadership'",
        ),
    ],
)
def test_a_bad_question_file_is_refused_like_the_bank(
    runtime, cli, tmp_path: Path, content: str, reason: str
) -> None:
    own = tmp_path / "bad.yaml"
    own.write_text(content)
    code, out = cli("pulse", "add", "--name", "onb", "--start", MONDAY, "--questions", str(own))
    assert code == 2 and reason in out and "nothing was added" in out
    assert schedules(runtime) == {}
