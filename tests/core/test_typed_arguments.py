"""A typed command with a wrong or missing argument says what it expected, with an example;
never "I don't know" (the router keeps that for words that are no command at all)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import import_org

PEOPLE = Path(__file__).parent.parent.parent / "examples" / "people.csv"
AVA, BEA = "ava.adams@example.com", "bea.hughes@example.com"


@pytest.mark.parametrize(
    ("email", "typed", "expected"),
    [
        (AVA, "cascade cancel", "for example cascade cancel 12"),
        (AVA, "cascade cancel next", "for example cascade cancel 12"),
        (AVA, "cascade report latest", "for example cascade report 12"),
        (AVA, "checkin carl@example", "the email of a manager in it, for example checkin "),
        (BEA, "checkin ava.adams@example.com", "for example checkin bea.hughes@example.com"),
        (BEA, "objective 1 due", "objective 3 due 2027-06-30"),
        (BEA, "objective one close", "objective 3 target 3.8 - change one"),
        (BEA, "action 1", "for example action 7 done"),
        (BEA, "comments page", "for example comments page 2"),
        (BEA, "report yesterday", "report weeks 8"),
        (AVA, "assess launch soon", "for example assess launch 14"),
        (AVA, "assess begin", "for example assess launch 14"),
    ],
)
def test_a_wrong_argument_is_answered_with_what_was_expected(
    runtime, chat, email: str, typed: str, expected: str
) -> None:
    import_org(runtime, PEOPLE.read_text())
    said = chat(email).say(typed)
    assert expected in said
    assert "I don't know" not in said


def test_no_command_answers_a_stray_argument_with_i_dont_know(runtime, chat, router) -> None:
    """Every command there is, typed with words it does not take, by a leader and a manager:
    none answers "I don't know" (nor shows a traceback); each says what it did or expected."""
    import_org(runtime, PEOPLE.read_text())
    for email in (AVA, BEA):
        person = chat(email)
        for command in router.commands:
            said = person.say(f"{command} zzz 99")
            assert said.strip() and "I don't know" not in said, (email, command, said)
            assert "Traceback" not in said


def test_a_mistyped_command_is_told_the_one_it_looks_like(runtime, chat) -> None:
    import_org(runtime, PEOPLE.read_text())
    bea = chat(BEA)
    assert "Did you mean objective?" in bea.say("objetive add")
    assert "Did you mean checkin?" in bea.say("chekin")
    far = bea.say("xyzzy")
    assert "I don't know" in far and "Did you mean" not in far and "Type help" in far
