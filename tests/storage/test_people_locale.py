"""The language culturebot speaks to a person: the first of five sources that names one it
has (storage.people.locale_of)."""

from __future__ import annotations

import pytest

from storage.models import Person
from storage.people import locale_of


def someone(**locales: str | None) -> Person:
    return Person(email="p@x.io", name="P", department="Sales", **locales)


ALL = {"chosen_locale": "es", "locale": "de", "slack_locale": "fr-FR", "teams_locale": "ja-JP"}


@pytest.mark.parametrize(
    ("unset", "spoken"),
    [
        ((), "es"),  # their own choice in chat comes first
        (("chosen_locale",), "de"),  # then the org file
        (("chosen_locale", "locale"), "fr"),  # then Slack's users.info, region dropped
        (("chosen_locale", "locale", "slack_locale"), "ja"),  # then their latest Teams activity
        (tuple(ALL), "de"),  # then CULTUREBOT_DEFAULT_LOCALE
    ],
)
def test_the_first_source_that_is_set_decides(languages, unset, spoken) -> None:
    languages(de={}, fr={}, es={}, ja={})
    person = someone(**{name: value for name, value in ALL.items() if name not in unset})
    assert locale_of(person, default="de") == spoken


def test_a_language_culturebot_does_not_have_passes_to_the_next_source(languages) -> None:
    languages(fr={})
    person = someone(slack_locale="pt-BR", teams_locale="fr-CA")
    assert locale_of(person, default="en") == "fr"
    assert locale_of(someone(slack_locale="pt-BR")) == "en"


def test_nobody_with_no_locale_and_no_default_hears_english(languages) -> None:
    languages(de={})
    assert locale_of(someone()) == "en"
