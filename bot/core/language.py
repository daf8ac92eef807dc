"""Which language a free text (a comment, a story) is written in.

Sentiment is scored only in languages whose scorer was measured (handlers/common/sentiment.py),
so every comment and story is tagged with its language when it is stored. The detector is
lingua (``lingua-language-detector``), restricted to the languages below and built in its
high-accuracy mode, on the first text it is asked about: importing this module costs nothing,
and a process that scores no text (``culturebot tick`` with nothing to score, ``--version``)
never loads lingua. The first call loads the n-gram models: about 1.5-3 s of CPU and about
200 MiB of memory (docs/benchmarks.md, "Language of comments"); later calls take a few
milliseconds. Low-accuracy mode is far lighter (15 MiB) but called 7.6% of the English
tweets of the VADER ground truth something else, against 1.1% in high-accuracy mode.

Short and ambiguous texts ("ok", "Danke!", "lol") are where detectors guess. A text counts as
another language only when lingua is sure enough (``MIN_CONFIDENCE``, and ``SHORT_CONFIDENCE``
for texts of fewer than ``SHORT_WORDS`` words); otherwise it is ``UNDETERMINED``, which the
scorer treats as it treated every text before (English). On the English ground truth this
keeps all but 0.1% of texts English (the figures are in docs/benchmarks.md).

Only the text decides: never who wrote it or the language they chose for culturebot. That is
what makes a language tag on a listed comment safe to show (the tag says nothing the text does
not say itself; handlers/reports/comment_sets.py).
"""

from __future__ import annotations

import re
import threading
from functools import cache
from typing import TYPE_CHECKING

import prompts

if TYPE_CHECKING:  # loaded on first use: the models take seconds and hundreds of MiB
    from lingua import LanguageDetector

# ISO 639-1 codes lingua chooses among: the languages culturebot speaks, and the common
# neighbours a comment could be in (so Dutch is not forced into German or English).
LANGUAGES: tuple[str, ...] = ("en", "de", "fr", "es", "it", "pt", "nl", "ja", "zh", "ko")
ENGLISH = "en"
UNDETERMINED = "und"  # ISO 639-2's code for "undetermined": too short or too mixed to tell
MIN_CONFIDENCE = 0.5
SHORT_WORDS = 3
SHORT_CONFIDENCE = 0.9

_WORD = re.compile(r"\w+")
_lock = threading.Lock()


@cache
def _detector() -> LanguageDetector:
    """The one shared detector (lingua's detector is safe to share between threads)."""
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = [getattr(IsoCode639_1, code.upper()) for code in LANGUAGES]
    return LanguageDetectorBuilder.from_iso_codes_639_1(*codes).build()


def _loaded() -> LanguageDetector:
    with _lock:  # two first texts at once load the models once
        return _detector()


def detect(text: str) -> str | None:
    """The language of ``text`` as an ISO 639-1 code from ``LANGUAGES``, ``UNDETERMINED``
    when lingua is not sure enough, or None for a text with no words (nothing to tell)."""
    words = len(_WORD.findall(text))
    if not words:
        return None
    found = _loaded().compute_language_confidence_values(text)
    if not found:
        return UNDETERMINED
    best = found[0]
    code = best.language.iso_code_639_1.name.lower()
    if code == ENGLISH:
        return ENGLISH
    needed = SHORT_CONFIDENCE if words < SHORT_WORDS else MIN_CONFIDENCE
    return code if best.value >= needed else UNDETERMINED


def tagged(text: str, code: str | None) -> str:
    """``text`` as a listing shows it to the current reader: tagged with its language ("[de]
    ...") where that was detected (``detect``: the text's own, never its author's) and is not
    the language the reader reads now; as it is otherwise (undetermined, no words, or theirs).
    The tag adds nothing the text does not say itself, so it never changes what a list shows."""
    if not code or code == UNDETERMINED:
        return text
    reading = prompts.current_locale().replace("_", "-").partition("-")[0].lower()
    if code == reading:
        return text
    return prompts.text("language.tagged", code=code, text=text)
