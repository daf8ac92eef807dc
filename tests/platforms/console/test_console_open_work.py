"""Open work lives in the database: after a restart (a new console session) every open item
is reached from home, pending, answer and relay (issue 23, point 2)."""

from __future__ import annotations

from pathlib import Path

from handlers.cascade import actions as cascade
from storage import people
from tests.support import add_churn_objective, import_org

ORG = (Path(__file__).parents[3] / "examples" / "people.csv").read_text()
BEA = "bea.hughes@example.com"
NOTE = "Team, this is why the customer review moves to Mondays."


def _cascade_from_ava(runtime, title: str = "Q3: customers first") -> None:  # type: ignore[no-untyped-def]
    with runtime.db.session() as session:
        ava = people.by_email(session, "ava.adams@example.com")
        assert ava is not None
        cascade.send(session, runtime, ava, title=title, body="We put customers first.")


def test_a_manager_relays_from_a_new_session(runtime, chat) -> None:
    import_org(runtime, ORG)
    _cascade_from_ava(runtime)
    assert "[1] Relay to my team" in chat(BEA).inbox()  # seen, then the session ends

    bea = chat(BEA)  # a new session: nothing in its memory
    assert bea.inbox() == ""
    home = bea.say("home")
    assert 'Relay "Q3: customers first" to your team' in home
    assert "[1] Relay to my team" in home and "Nothing is waiting" not in home
    assert "relay-" in bea.say("pending")
    assert "only leaders" not in bea.say("cascade")  # a manager's cascade is the relay form

    relayed = bea.say("relay", NOTE)
    assert "only leaders" not in relayed and "Relayed" in relayed
    assert "Nothing is waiting for you" in chat(BEA).say("home")
    assert "no leadership message to relay" in chat(BEA).say("relay")


def test_relay_with_a_typed_note_and_a_label_when_several_are_owed(runtime, chat) -> None:
    import_org(runtime, ORG)
    _cascade_from_ava(runtime, "First")
    _cascade_from_ava(runtime, "Second")
    bea = chat(BEA)
    asked = bea.say("relay")
    assert "2 of these are open" in asked and "relay-" in asked
    label = next(w.rstrip(":") for w in asked.split() if w.startswith("relay-"))
    assert "Relayed" in bea.say(f"relay {label} {NOTE}")
    assert "Relayed" in bea.say(f"relay {NOTE}")  # the one left
    assert "Nothing is waiting" in bea.say("pending")


def test_answer_a_check_in_by_command_from_a_new_session(runtime, chat) -> None:
    import_org(runtime, ORG)
    chat(BEA).say("checkin")
    carl = "carl.okafor@example.com"
    assert "type a number 1-5" in chat(carl).inbox()
    fresh = chat(carl)
    assert "checkin-" in fresh.say("pending")
    assert "answer and a number" in fresh.say("answer")  # what it expects, with an example
    assert "Please pick a number from 1 to 5" in fresh.say("answer 9")  # the question's scale
    assert "Thanks, recorded, with your comment" in fresh.say("answer 4 Fast replies help")
    assert "no open check-in" in fresh.say("answer 4")
    assert "Nothing is waiting" in fresh.say("home")


def test_help_names_home_and_managers_see_relay(runtime, chat) -> None:
    import_org(runtime, ORG)
    assert "home - what is waiting for you" in chat("carl.okafor@example.com").say("help")
    manager = chat(BEA).say("help")
    assert "home - " in manager and "relay - " in manager


def test_home_offers_the_assessment_in_progress_with_its_progress(runtime, chat) -> None:
    import_org(runtime, ORG)
    chat("ava.adams@example.com").say("assess launch")
    carl = chat("carl.okafor@example.com")
    carl.inbox()
    carl.say("1", "4", "4", "3", *[""] * 17)  # three statements answered, the rest left open
    home = chat("carl.okafor@example.com").say("home")
    assert "Baseline assessment: 3 of 15 answered" in home and "[1] Answer the assessment" in home
    assert "assessment-" in chat("carl.okafor@example.com").say("pending")


def test_an_action_to_update_is_open_work_until_it_is_done(runtime, chat) -> None:

    import_org(runtime, ORG)
    set_ = add_churn_objective(chat(BEA))
    assert "Objective 1 set" in set_
    carl = chat("carl.okafor@example.com")
    home = carl.say("home")
    assert 'Action 1 "Call the ten biggest churned accounts": planned' in home
    assert "action-1" in carl.say("pending")
    carl.say("action 1 done")
    assert "Call the ten biggest" not in carl.say("home")
