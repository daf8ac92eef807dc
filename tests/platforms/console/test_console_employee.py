"""An employee's whole job in chat, end to end through the console (the real ConsoleChat,
router, outbox and tick, on the injected clock), on the demo's organisation: answer the
pulse, share a customer story, take the assessment with its progress, finishing it in a new
session (issue 23)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import prompts
from bot.app import run_due
from tests.handlers.roadmap.helpers import form_answers
from tests.support import add_schedule, import_org

PEOPLE = Path(__file__).parents[3] / "examples" / "people.csv"
AVA = "ava.adams@example.com"
CARL = "carl.okafor@example.com"  # employee of Bea Hughes, Europe/Berlin


def test_employee_answers_the_pulse_shares_a_story_and_takes_the_assessment(runtime, chat) -> None:
    import_org(runtime, PEOPLE.read_text())
    add_schedule(runtime, weekday=0, start=date(2027, 3, 1), at="09:00")
    runtime.clock.set(datetime(2027, 3, 1, 8, 5, tzinfo=UTC))  # Monday 09:05 in Berlin
    run_due(runtime)

    # the pulse: the question arrives with the invitation to share a story; "4" can only
    # answer the question, so it does
    carl = chat(CARL)
    shown = carl.inbox()
    assert "Your answer is anonymous" in shown and "type a number 1-5" in shown
    assert "[1] Share a customer moment" in shown
    assert "Thanks, recorded, with your comment" in carl.say("4", "Support answered fast")

    # a customer story, from the invitation's button
    story = carl.say(
        "1", "We fixed a billing bug the same day", "ACME", "They renewed for two years", "1", "1"
    )
    assert "Thanks for sharing" in story
    assert "We fixed a billing bug" in carl.say("home")  # the person's own recent stories

    # the assessment: each statement shows how far along it is; stop after seven
    assert "launched" in chat(AVA).say("assess launch")
    assert "[1] Answer the assessment" in carl.inbox()
    statements = prompts.assessment().statements
    first = {s.id: 4 for s in statements[:7]}
    partial = carl.say("1", *form_answers(first))
    assert "  1 of 15" in partial and "  3 of 15" in partial and "  15 of 15" in partial
    assert "Saved: 7 of 15 statements answered" in partial

    # a new session: home says what is left, and the assessment is finished from there
    carl = chat(CARL)
    runtime.clock.advance(timedelta(hours=2))
    home = carl.say("home")
    assert "Baseline assessment: 7 of 15 answered" in home
    rest = ["" if s.id in first else "3" for s in statements]
    typed = [*rest[0:3], "", *rest[3:6], "", *rest[6:9], "", *rest[9:12], "", *rest[12:15], ""]
    # home shows two buttons, each with its label: the assessment's is typed before the 1
    label = re.search(r"\(([a-z]+)\) \[1\] Answer the assessment", home)
    assert label is not None
    done = carl.say(f"{label.group(1)} 1", *typed)
    assert "Thank you: your assessment is recorded" in done
    assert "You have finished the baseline assessment: thank you!" in carl.say("assess")
    assert "Nothing is waiting for you right now" in carl.say("home")
    assert "culturebot " not in done + home + story + shown  # no command line for an employee
