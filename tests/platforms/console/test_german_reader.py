"""On the console, a person whose org row says ``de`` reads the check-in, its reminder, the
digest, the assessment and her dashboard link in German with German dates, and her German
manager the cascade's relay prompt, while their English colleagues read English (issue 24)."""

from __future__ import annotations

from tests.german_reader import (
    MONDAY_9,
    STORY,
    cascade,
    de,
    de_time,
    digest,
    english_in,
    german_questions,
    launch_assessment,
    org_csv,
    prompt_closes,
    remind,
)
from tests.handlers.roadmap.helpers import form_answers
from tests.support import import_org


def test_a_german_reader_on_the_console(runtime, chat, clock) -> None:  # type: ignore[no-untyped-def]
    import_org(runtime, org_csv())
    clock.set(MONDAY_9)
    ann, dirk, sam = chat("ann@x.io"), chat("dirk@x.io"), chat("s2@x.io")
    assert "Check-in started: 6 people" in chat("mia@x.io").say("checkin")  # Mia: English

    question = ann.inbox()
    assert de("pulse.started_by", name="Mia Manager") in question
    assert "Mia Manager hat diesen Check-in für das Team gestartet." in question
    assert any(asked in question for asked in german_questions())
    assert "5 Stimme voll und ganz zu" in question
    assert "(geben Sie zum Antworten eine Zahl von 1 bis 5 ein)" in question
    assert "Mia Manager started this check-in for the team." in sam.inbox()

    closes = prompt_closes(runtime, "ann")
    remind(runtime)
    reminder = ann.inbox()
    assert de("pulse.reminder", closes=de_time(closes)) in reminder
    assert "noch bis Do., 4. März, 09:00 offen." in reminder
    assert "A gentle reminder" in sam.inbox()

    digest(runtime)
    digested = ann.inbox()
    assert de("stories.digest_heading") in digested
    byline = de("stories.digest_byline_named", number=1, department="Support", author="Ulla U1")
    assert byline in digested and STORY in digested
    assert de("stories.helps_button", number=1) in digested

    due = cascade(runtime)
    relay = dirk.inbox()
    assert de("cascade.relay_hint", due=de_time(due)) in relay
    assert "Bitte geben Sie dies bis Mo., 8. März, 10:00 (Ihre Ortszeit)" in relay
    assert de("cascade.customer_line", line="Fewer surprises") in relay
    assert de("cascade.relay_button") in relay

    closes = launch_assessment(runtime)
    invited = ann.inbox()
    invitation = de("assess.invite", leader="Lea Leader", count=15, min=5, closes=de_time(closes))
    assert invitation in invited and de("assess.answer_button") in invited
    answered = ann.say("1", *form_answers(4))
    assert de("assess.form_title") in answered and "15 von 15" in answered
    assert de("assess.thanks", closes=de_time(closes)) in answered

    link = ann.say("dashboard")
    assert link.startswith("Ihr persönlicher Dashboard-Link (nur Sie sehen ihn): http")

    said = question + reminder + digested + relay + invited + answered + link
    assert english_in(said) == []
