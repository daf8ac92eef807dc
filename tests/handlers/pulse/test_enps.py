"""eNPS: a schedule asks the standard question on 0-10; the figure is % promoters (9-10) minus
% detractors (0-6), with its bands, through the same disclosure gate as every figure, in chat,
the CLI report and its export; the 0-10 choice renders on Slack, Teams and the console, and a
bad answer changes nothing."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlmodel import select

import prompts
from bot.app import run_due
from bot.core.chat import Incoming, Question
from bot.platforms.console.platform import render as console_render
from bot.platforms.slack import blocks as slack_blocks
from bot.platforms.teams.cards import render as teams_render
from handlers.pulse.rounds import question_message
from storage.models import Person, PulsePrompt, PulseSchedule
from tests.attack import report_json
from tests.fakes.adaptive_cards import problems
from tests.fakes.block_kit import message_errors, view_errors
from tests.support import click_score, import_org, org_csv

ENPS_TEXT = "How likely are you to recommend working here to a friend?"
TEAM = [f"s{i}@x.io" for i in range(1, 11)]
ORG = org_csv(
    "lea@x.io,Lea,,Exec,leader,UTC",
    "mo@x.io,Mo,lea@x.io,Support,manager,UTC",
    *(f"{email},S{i},mo@x.io,Support,employee,UTC" for i, email in enumerate(TEAM, 1)),
)
# 5 promoters (9-10), 2 passives (7-8), 3 detractors (0-6): 50% - 30% = +20
SCORES = dict(zip(TEAM, (10, 9, 9, 10, 9, 8, 7, 6, 3, 0), strict=True))


def add_enps_schedule(cli, manager: str = "mo@x.io") -> str:  # type: ignore[no-untyped-def]
    result = cli(
        "pulse", "add", "--name", "weekly", "--audience", "subtree", "--value", manager,
        "--weekday", "mon", "--at", "09:00", "--start", "2027-03-01", "--enps",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return result.output


def open_round(runtime) -> None:  # type: ignore[no-untyped-def]
    runtime.clock.advance(timedelta(hours=9, minutes=1))  # Monday 09:01 UTC
    run_due(runtime)


def close_and_publish(runtime) -> None:  # type: ignore[no-untyped-def]
    runtime.clock.advance(timedelta(days=12))
    run_due(runtime)


def enps_rows(data: dict) -> dict[str, dict]:
    """The eNPS rows by every name they go by (a row of the same people as others is one)."""
    return {
        name: row
        for row in data["rows"]
        if row["theme"] == prompts.ENPS
        for name in [row["group"], *(also["group"] for also in row.get("also", []))]
    }


def test_a_schedule_with_enps_asks_it_and_every_report_shows_plus_20(
    runtime, router, chat, cli
) -> None:
    import_org(runtime, ORG)
    assert "eNPS asked" in add_enps_schedule(cli)
    assert "+ eNPS" in cli("pulse", "list").output
    open_round(runtime)

    # the console: a 0-10 scale where the number typed is the answer, 0 included
    s10 = chat("s10@x.io")
    shown = s10.inbox()
    assert ENPS_TEXT in shown
    assert "0 Not at all likely" in shown and "10 Extremely likely" in shown
    assert "type a number 0-10" in shown and "0 means 0" in shown
    assert "Thanks, recorded" in s10.say("0", "Too many meetings.")
    for email, score in SCORES.items():
        if email != "s10@x.io":
            said = f"Comment {email.split('@')[0]}."
            assert "Thanks, recorded" in click_score(runtime, router, email, score, said)
    close_and_publish(runtime)
    comments = chat("mo@x.io").say("comments")
    assert "Too many meetings." in comments and " - eNPS" in comments, comments

    text = chat("mo@x.io").say("report")
    assert "eNPS +20 (promoters 50%, passives 20%, detractors 30%)" in text, text
    rows = enps_rows(report_json(runtime))
    org = rows["Whole organisation"]
    assert (org["mean"], org["promoters"], org["passives"], org["detractors"]) == (
        20.0,
        0.5,
        0.2,
        0.3,
    )
    assert org["respondents"] == "10-19"
    table = cli("report").output
    assert "eNPS +20" in table and "% promoters (9-10) - % detractors (0-6)" in table
    export = cli("report", "--format", "csv").output
    header, *lines = export.splitlines()
    assert {"promoters", "passives", "detractors"} <= set(header.split(","))
    assert any(",enps," in line and ",20.0," in line for line in lines), export


def enps_message():  # type: ignore[no-untyped-def]
    return question_message(PulsePrompt(id=7, round_id=1, person_id=1), prompts.ENPS, "UTC")


def test_the_0_to_10_choice_renders_on_slack_teams_and_the_console() -> None:
    message = enps_message()
    question = next(p for p in message.parts if isinstance(p, Question))
    assert [c.value for c in question.choices] == [str(n) for n in range(11)]

    blocks = slack_blocks.blocks(message)
    assert message_errors(blocks) == []
    clicks = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    picked = [slack_blocks.decode_action(e) for e in clicks]
    values = [data["v"] for kind, data in picked if kind == "click"]
    assert values == [str(n) for n in range(11)]
    assert clicks[0]["text"]["text"] == "0 · Not at all likely"
    form = slack_blocks.question_form(question)
    assert view_errors(slack_blocks.modal(form, value_field=slack_blocks.VALUE_FIELD)) == []

    card = teams_render(message)
    assert problems(card) == []
    choice_set = next(e for e in card["body"] if e.get("type") == "Input.ChoiceSet")
    assert choice_set["label"] == ENPS_TEXT
    assert [c["value"] for c in choice_set["choices"]] == [str(n) for n in range(11)]

    lines = "\n".join(console_render(message))
    assert "0 Not at all likely | 1 | 2" in lines and "10 Extremely likely" in lines


def test_an_answer_outside_0_to_10_gets_a_polite_answer_and_changes_nothing(
    runtime, router, chat, cli
) -> None:
    import_org(runtime, ORG)
    add_enps_schedule(cli)
    open_round(runtime)
    with runtime.db.session() as session:
        prompt = session.exec(select(PulsePrompt).where(PulsePrompt.status == "sent")).first()
        assert prompt is not None
        ref = str(prompt.id)
        person = session.get(Person, prompt.person_id)
        assert person is not None
        email = person.email
    for forged in ("11", "-1", "7.5", "ten", ""):
        reply = router.handle(
            runtime,
            Incoming(
                platform="console",
                user_id=email,
                kind="action",
                name="pulse.answer",
                ref=ref,
                value=forged,
            ),
        )
        assert reply.refused
        assert reply.replies[0].summary == "Please pick a number from 0 to 10."
    with runtime.db.session() as session:
        assert session.get(PulsePrompt, int(ref)).status == "sent"  # type: ignore[union-attr]
    # the console never sends what it cannot mean, and says which numbers it takes
    person = chat(email)
    assert ENPS_TEXT in person.inbox()  # a welcome waits beside it: the eNPS one is (a)
    assert "Please type one of the numbers shown." in person.say("a 11")
    assert "Thanks, recorded" in person.say("a 10", "")


def test_a_manager_adds_enps_to_their_teams_check_in_in_chat(runtime, chat) -> None:
    import_org(runtime, ORG)
    mo = chat("mo@x.io")
    assert "eNPS question" in mo.say("checkin schedule fri 09:00 enps")
    assert "eNPS question" in mo.say("checkin schedule")
    with runtime.db.session() as session:
        assert session.exec(select(PulseSchedule.enps)).one() is True
    assert "eNPS" not in mo.say("checkin schedule fri 09:00")
    with runtime.db.session() as session:
        assert session.exec(select(PulseSchedule.enps)).one() is False
    assert "enps" in mo.say("checkin schedule fri")  # the usage names it


def test_enps_opens_each_turn_of_the_rotation(runtime, cli) -> None:
    import_org(runtime, ORG)
    add_enps_schedule(cli)
    with runtime.db.session() as session:
        schedule = session.exec(select(PulseSchedule)).one()
        from handlers.pulse.rounds import next_question

        assert next_question(session, schedule, schedule_id=schedule.id) == prompts.ENPS
    assert json.loads(json.dumps(prompts.theme_names()))[prompts.ENPS] == "eNPS"
