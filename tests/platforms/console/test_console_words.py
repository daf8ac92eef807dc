"""The words of issue 23, point 5, as a person meets them in the console: finishing the
assessment, its progress and punctuation, the idea form, a wrong choice in the story form and
the time of the assessment reminder."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

from sqlmodel import select

import prompts
from bot.app import run_due
from bot.platforms.console.platform import ConsoleChat
from storage.stories import Story
from tests.support import import_org, org_csv

ORG = org_csv(
    "lea@x.io,Lea Leader,,Ops,leader,Europe/Berlin",
    *(f"p{i}@x.io,P{i},lea@x.io,Ops,employee,Europe/Berlin" for i in range(1, 7)),
)
ALL_FOURS = ["4", "4", "4", ""] * 5  # three statements and a comment, five dimensions


class Typist:
    """A console session whose prompts are printed as a terminal shows them."""

    def __init__(self, runtime, router, email: str) -> None:  # type: ignore[no-untyped-def]
        self.out = io.StringIO()
        self.lines: list[str] = []
        self.console = ConsoleChat(runtime, router, email, self.out, self._read)

    def _read(self, prompt: str) -> str:
        self.out.write(prompt + "\n")
        if not self.lines:
            raise EOFError
        return self.lines.pop(0)

    def say(self, line: str, *answers: str) -> str:
        import asyncio

        self.lines = list(answers)
        self.out.seek(0)
        self.out.truncate()
        asyncio.run(self.console.refresh())
        asyncio.run(self.console.say(line))
        return self.out.getvalue()


def test_the_assessment_shows_progress_ends_with_thanks_and_no_doubled_punctuation(
    runtime, router, chat
) -> None:
    import_org(runtime, ORG)
    chat("lea@x.io").say("assess launch")
    p1 = Typist(runtime, router, "p1@x.io")
    shown = p1.say("1", *ALL_FOURS)
    assert "  3 of 15\n" in shown and "  15 of 15\n" in shown
    assert ".:" not in shown and "?:" not in shown
    assert "conversation. " in shown  # the statement's own full stop ends it
    assert "Thank you: your assessment is recorded" in shown

    after = chat("p1@x.io").say("assess")
    assert "no assessment open" not in after
    assert "You have finished the baseline assessment: thank you!" in after


def test_the_idea_form_does_not_ask_for_a_customer(runtime, router) -> None:
    import_org(runtime, ORG)
    shown = Typist(runtime, router, "p1@x.io").say("idea", "Monthly summaries", "Fewer calls", "1")
    assert prompts.text("stories.field_customer") not in shown
    assert "Who was the customer" not in shown


def test_a_wrong_choice_in_the_story_form_asks_again_for_it_alone(runtime, router) -> None:
    import_org(runtime, ORG)
    typed = ("We fixed it the same day", "ACME", "They renewed", "maybe", "1", "7", "1")
    shown = Typist(runtime, router, "p1@x.io").say("story", *typed)
    assert shown.count("Please type one of the numbers shown.") == 2
    assert shown.count("What happened?") == 1  # the other fields are kept, not asked again
    assert "Thanks for sharing" in shown
    with runtime.db.session() as session:
        story = session.exec(select(Story)).one()
    assert (story.what_happened, story.customer, story.what_changed, story.kind) == (
        "We fixed it the same day",
        "ACME",
        "They renewed",
        "story",
    )


def test_the_consoles_own_words_are_in_the_readers_language(runtime, router, chat) -> None:  # type: ignore[no-untyped-def]
    """An empty required field is asked again in the person's language, not in English."""
    import_org(runtime, ORG)
    chat("p1@x.io").say("language de")
    typed = ("", "Wir haben es am selben Tag behoben", "", "Sie haben verlängert", "1", "1")
    shown = Typist(runtime, router, "p1@x.io").say("story", *typed)
    with prompts.speaking("de"):
        required = prompts.text("console.required")
    assert required != prompts.text("console.required")
    assert shown.count(required) == 1 and "This field is required." not in shown


def test_a_refused_field_is_asked_again_with_the_others_kept(runtime, router) -> None:
    import_org(runtime, ORG)
    typed = ("We fixed it the same day", "", ":tada: :tada:", "1", "1", "They renewed")
    shown = Typist(runtime, router, "p1@x.io").say("story", *typed)
    assert "What did it change for the customer?" in shown and "Thanks for sharing" in shown
    assert shown.count("What happened?") == 1


def test_the_assessment_reminder_waits_for_working_hours(runtime, router, chat, clock) -> None:
    """Launched Wed 14:53 Berlin for 7 days: the middle falls on Sun 01:53 Berlin; the
    reminder waits for Monday 09:00 there."""
    import_org(runtime, ORG)
    clock.set(datetime(2027, 3, 3, 13, 53, tzinfo=UTC))
    chat("lea@x.io").say("assess launch 7")
    chat("p1@x.io").inbox()
    clock.set(datetime(2027, 3, 7, 0, 53, tzinfo=UTC))  # Sun 01:53 in Berlin
    run_due(runtime)
    assert "gentle reminder" not in chat("p1@x.io").inbox()
    clock.set(datetime(2027, 3, 8, 7, 59, tzinfo=UTC))  # Mon 08:59
    run_due(runtime)
    assert "gentle reminder" not in chat("p1@x.io").inbox()
    clock.advance(timedelta(minutes=1))  # Mon 09:00
    run_due(runtime)
    assert "gentle reminder" in chat("p1@x.io").inbox()


def test_a_check_in_started_by_a_manager_says_who_started_it(runtime, chat) -> None:
    from pathlib import Path

    import_org(runtime, (Path(__file__).parents[3] / "examples" / "people.csv").read_text())
    chat("bea.hughes@example.com").say("checkin")
    shown = chat("carl.okafor@example.com").inbox()
    assert "Bea Hughes started this check-in for the team." in shown
    home = chat("carl.okafor@example.com").say("home")
    assert "Bea Hughes started this check-in for the team." in home


def test_a_story_left_half_done_is_finished_from_home_after_a_restart(
    runtime, router, chat
) -> None:
    """A form in progress lives in the database: refused for one field, the rest is kept;
    a new session's home offers to finish it, with what was typed pre-filled."""
    import_org(runtime, ORG)
    typed = ("We fixed it the same day", "ACME", ":tada:")  # refused: no words; then quits
    shown = Typist(runtime, router, "p1@x.io").say("story", *typed, "1", "1")
    assert "Cancelled: nothing was sent." in shown

    fresh = chat("p1@x.io")
    home = fresh.say("home")
    assert 'A story you started: "We fixed it the same day"' in home and "Finish it" in home
    assert "draft-" in fresh.say("pending")
    label = re.search(r"\(([a-z]+)\) \[1\] Finish it", home)
    assert label is not None
    # Enter keeps what was typed; only the changed field is new
    done = fresh.say(f"{label.group(1)} 1", "", "", "They renewed", "", "")
    assert "Thanks for sharing" in done
    with runtime.db.session() as session:
        story = session.exec(select(Story)).one()
    assert (story.what_happened, story.customer, story.what_changed) == (
        "We fixed it the same day",
        "ACME",
        "They renewed",
    )
    assert "A story you started" not in chat("p1@x.io").say("home")
