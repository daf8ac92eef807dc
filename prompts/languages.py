"""Which of culturebot's languages a locale code means.

Slack says "de-DE", Teams "fr-FR", an org file or a person "de": each is the language culturebot
has a catalog for ("de"), or none (a language it does not speak yet: the next source decides).
"""

from __future__ import annotations

from collections.abc import Iterable

from prompts import available_locales


def language_of(code: str | None) -> str | None:
    """The available language ``code`` names: itself, or its language without the region
    ("de-DE" and "de_AT" -> "de"); None for an empty or unknown code."""
    tag = (code or "").strip().replace("_", "-").lower()
    if not tag:
        return None
    by_lower = {locale.lower(): locale for locale in available_locales()}
    while tag:
        if tag in by_lower:
            return by_lower[tag]
        tag = tag.rpartition("-")[0]  # "zh-hant-tw" -> "zh-hant" -> "zh"
    return None


def first_spoken(codes: Iterable[str | None]) -> str | None:
    """The first of ``codes`` that names an available language."""
    return next((found for code in codes if (found := language_of(code))), None)
