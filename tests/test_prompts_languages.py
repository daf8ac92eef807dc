"""Which of culturebot's languages a locale code means (prompts/languages.py)."""

from __future__ import annotations

import pytest

from prompts.languages import first_spoken, language_of


@pytest.mark.parametrize(
    ("code", "language"),
    [
        ("de", "de"),
        ("de-DE", "de"),  # Slack's users.info
        ("de_AT", "de"),
        ("FR-fr", "fr"),  # Teams' activity.locale, any case
        ("en-GB", "en"),
        ("pt-BR", None),  # a language culturebot does not have
        ("", None),
        (None, None),
    ],
)
def test_a_region_code_means_the_language_culturebot_has(languages, code, language) -> None:
    languages(de={}, fr={})
    assert language_of(code) == language


def test_the_first_code_naming_a_language_wins_and_unknown_ones_are_skipped(languages) -> None:
    languages(de={}, fr={})
    assert first_spoken([None, "pt-BR", "fr-FR", "de"]) == "fr"
    assert first_spoken(["", "xx"]) is None
