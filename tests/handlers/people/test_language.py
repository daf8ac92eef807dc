"""``language`` in chat and on ``home``: a person picks the language culturebot speaks to them
in, from the next message on; a language culturebot does not have is answered politely."""

from __future__ import annotations

import pytest

from tests.support import import_org, org_csv

FRENCH = {
    "help": {"intro": "Bonjour {name} ! Voici ce que je peux faire pour vous :"},
    "language": {"switched": "Désormais, je vous parle en {language}."},
}
GERMAN = {"help": {"intro": "Guten Tag, {name}! Das kann ich für Sie tun:"}}


@pytest.fixture
def ann(runtime, chat, languages):  # type: ignore[no-untyped-def]
    languages(de=GERMAN, fr=FRENCH)
    import_org(
        runtime,
        org_csv("lead@x.io,Lea,,Ops,leader,UTC", "ann@x.io,Ann,lead@x.io,Ops,employee,UTC"),
    )
    return chat("ann@x.io")


def test_language_fr_switches_from_the_next_message_on(ann) -> None:
    assert "Hi Ann! Here is what I can do for you:" in ann.say("help")
    assert "Désormais, je vous parle en Français." in ann.say("language fr")
    assert "Bonjour Ann ! Voici ce que je peux faire pour vous :" in ann.say("help")
    ann.say("language de-DE")  # a region code means its language
    assert "Guten Tag, Ann! Das kann ich für Sie tun:" in ann.say("help")
    assert "your organisation set for you: English" in ann.say("language auto")
    assert "Hi Ann!" in ann.say("help")


def test_language_alone_says_the_current_one_and_lists_the_rest(ann) -> None:
    shown = ann.say("language")
    assert "I speak English with you." in shown
    assert "Languages I speak: English (en), Deutsch (de), Français (fr)." in shown


def test_a_language_culturebot_does_not_have_is_answered_with_the_ones_it_has(ann) -> None:
    refused = ann.say("language pt-BR")
    assert 'Sorry, I don\'t speak "pt-BR" yet.' in refused
    assert "Languages I speak: English (en), Deutsch (de), Français (fr)." in refused
    assert "Hi Ann!" in ann.say("help")  # nothing changed


def test_home_offers_a_button_for_each_other_language(ann) -> None:
    home = ann.say("home")
    assert "I speak English with you." in home
    assert "Deutsch" in home and "Français" in home
    assert "(b) [1] Deutsch | [2] Français" in home  # the console's buttons: "b 2" presses
    assert "Désormais, je vous parle en Français." in ann.say("b 2")
    assert "Bonjour Ann !" in ann.say("help")


def test_help_names_the_language_command(ann) -> None:
    assert "language - the language I speak with you" in ann.say("help")


def test_the_consoles_own_words_follow_the_message_it_shows(runtime, chat) -> None:
    """The console's hint under a question, and its "which number?" after a wrong one, are in
    the reader's language (German by the org file), not in the server's."""
    import_org(
        runtime,
        "email,name,manager_email,department,role,timezone,locale\n"
        "lead@x.io,Lea,,Ops,leader,UTC,\n"
        + "".join(f"p{i}@x.io,P{i},lead@x.io,Ops,employee,UTC,de\n" for i in range(1, 6)),
    )
    chat("lead@x.io").say("checkin")
    reader = chat("p1@x.io")
    shown = reader.inbox()
    assert "(geben Sie zum Antworten eine Zahl von 1 bis 5 ein)" in shown
    assert "type a number" not in shown
    assert "Bitte geben Sie eine der angezeigten Zahlen ein." in reader.say("9")  # not shown
