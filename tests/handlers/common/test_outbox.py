"""Every message is written in its reader's language: what the router answers in the
language of whoever acted, and what the outbox queues in the language of its recipient
(handlers/common/outbox.py), each person's from their org row, whoever caused it."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.support import add_schedule, import_org, tick_until

GERMAN = {
    "pulse": {
        "question_intro": "Kurzer Check-in ({theme}). Ihre Antwort ist anonym.",
        "reminder": "Eine freundliche Erinnerung: Ihr Check-in ist noch bis {closes} offen.",
    },
    "common": {"unknown_command": 'Entschuldigung, "{command}" kenne ich nicht.'},
}
ORG = (
    "email,name,manager_email,department,role,timezone,locale\n"
    "lead@x.io,Lea Lead,,Ops,leader,Europe/Berlin,\n"
    "de@x.io,Dora Deutsch,lead@x.io,Ops,employee,Europe/Berlin,de\n"
    "en@x.io,Ed English,lead@x.io,Ops,employee,Europe/Berlin,\n"
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def org(runtime, languages):  # type: ignore[no-untyped-def]
    languages(de=GERMAN)
    import_org(runtime, ORG)
    runtime.clock.set(utc(2027, 3, 7))
    return runtime


def test_the_check_in_and_its_reminder_reach_each_person_in_their_language(org, chat) -> None:
    add_schedule(org, weekday=0, start=date(2027, 3, 8))  # Monday 09:00 in Berlin
    tick_until(org, utc(2027, 3, 8, 9))
    dora, ed = chat("de@x.io"), chat("en@x.io")
    asked = dora.inbox()
    assert "Kurzer Check-in (" in asked and "Ihre Antwort ist anonym." in asked
    assert "Quick customer-focus check-in" not in asked
    assert "Quick customer-focus check-in (" in ed.inbox()  # the same round, in English
    tick_until(org, utc(2027, 3, 9, 9))  # 24 hours on: the reminder
    reminded = dora.inbox()
    assert "Eine freundliche Erinnerung: Ihr Check-in ist noch bis " in reminded
    assert "A gentle reminder" in ed.inbox()


def test_the_router_answers_in_the_language_of_whoever_typed(org, chat) -> None:
    assert 'Entschuldigung, "frobnicate" kenne ich nicht.' in chat("de@x.io").say("frobnicate")
    assert 'Sorry, I don\'t know "frobnicate"' in chat("en@x.io").say("frobnicate")
