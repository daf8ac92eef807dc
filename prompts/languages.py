"""Which of culturebot's languages a locale code means.

Slack says "de-DE", Teams "fr-FR", an org file or a person "de": each is the language culturebot
has a catalog for ("de"), or none (a language it does not speak yet: the next source decides).
"""

from __future__ import annotations

from collections.abc import Iterable

from babel import Locale, UnknownLocaleError

from prompts import available_locales


def language_of(code: str | None) -> str | None:
    """The available language ``code`` names: itself, or its language without the region
    ("de-DE" and "de_AT" -> "de"); None for an empty or unknown code."""
    tag = (code or "").strip().replace("_", "-").lower()
    if not tag:
        return None
    by_lower = {locale.replace("_", "-").lower(): locale for locale in available_locales()}
    while tag:
        if tag in by_lower:
            return by_lower[tag]
        tag = tag.rpartition("-")[0]  # "zh-hant-tw" -> "zh-hant" -> "zh"
    return None


def first_spoken(codes: Iterable[str | None]) -> str | None:
    """The first of ``codes`` that names an available language."""
    return next((found for code in codes if (found := language_of(code))), None)


def language_name(code: str) -> str:
    """A language's name in itself, as its speakers look for it ("Deutsch", "Français",
    "日本語"), from CLDR through Babel; the code itself where Babel has no name."""
    try:
        name = Locale.parse(code).get_display_name(code)
    except (ValueError, UnknownLocaleError):
        return code
    return (name[:1].upper() + name[1:]) if name else code
