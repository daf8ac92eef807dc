"""A typed number answers the prompt shown last; where several were shown, the console asks
which one is meant (issue 23, point 1: Bea's Relay went to the assessment, Carl's "Share a
customer story" recorded a check-in score)."""

from __future__ import annotations

import re
from pathlib import Path

from handlers.cascade import actions as cascade
from storage import people
from tests.support import import_org

ORG = (Path(__file__).parents[3] / "examples" / "people.csv").read_text()


def _cascade_from_ava(runtime) -> None:  # type: ignore[no-untyped-def]
    with runtime.db.session() as session:
        ava = people.by_email(session, "ava.adams@example.com")
        assert ava is not None
        cascade.send(
            session, runtime, ava, title="Q3: customers first", body="We put customers first."
        )


def test_a_number_answers_the_relay_shown_last_not_the_older_assessment(runtime, chat) -> None:
    import_org(runtime, ORG)
    assert "launched" in chat("ava.adams@example.com").say("assess launch")
    bea = chat("bea.hughes@example.com")
    assert "[1] Answer the assessment" in bea.inbox()
    _cascade_from_ava(runtime)
    assert "[1] Relay to my team" in bea.inbox()

    shown = bea.say("1", "Team, this matters for the roadmap we set in March.")
    assert "Relay" in shown and "assessment" not in shown.lower()
    assert "people in your team" in shown or "relayed" in shown.lower()


def test_a_number_is_not_guessed_when_several_prompts_were_shown(runtime, chat) -> None:
    import_org(runtime, ORG)
    chat("bea.hughes@example.com").say("checkin")
    carl = chat("carl.okafor@example.com")
    assert "type a number 1-5" in carl.inbox()
    home = carl.say("home")
    share = re.search(r"\(([a-z]+)\) \[1\] Share a customer story", home)
    question = re.search(r"\(([a-z]+)\) \w", home)
    assert share is not None and question is not None  # each its own label
    assert question.group(1) != share.group(1)

    asked = carl.say("1")
    assert "Which one did you mean?" in asked and "Thanks, recorded" not in asked
    last = re.findall(r"\(([a-z]+)\) ", home)[-1]  # home's last prompt: the language buttons
    assert f'"{last} 1"' in asked  # the example names a prompt that was shown

    form = carl.say(f"{share.group(1)} 1", "We fixed the login page the same day.", "")
    assert "## Share a customer moment" in form
    assert "Thanks, recorded" not in form
