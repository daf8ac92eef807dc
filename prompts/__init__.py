"""The words culturebot says and the questions it asks, loaded from YAML and validated once.

Keeping words out of code lets a company adapt the tone without touching Python; the schema
check at start-up (and a test) catches a broken file before a person sees a broken message.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from prompts import catalogs
from prompts.catalogs import BANKS as BANKS
from prompts.catalogs import ENGLISH as ENGLISH
from prompts.catalogs import HERE as HERE
from prompts.catalogs import LOCALES_DIR as LOCALES_DIR

# The language words are said in right now: set around each piece of work for one reader (the
# person a handler answers, each recipient a message is written for), so `text` needs no argument.
_speaking: ContextVar[str] = ContextVar("culturebot_locale", default=ENGLISH)


def current_locale() -> str:
    """The language `text` speaks in this context."""
    return _speaking.get()


@contextmanager
def speaking(locale: str | None) -> Iterator[str]:
    """Say everything inside in ``locale`` (None or an unknown code: keep the current one)."""
    chosen = locale if locale in available_locales() else current_locale()
    token = _speaking.set(chosen)
    try:
        yield chosen
    finally:
        _speaking.reset(token)


@cache
def available_locales() -> tuple[str, ...]:
    """English, then every language with a catalog folder, by code."""
    root = catalogs.LOCALES_DIR
    found = sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    return (ENGLISH, *(code for code in found if code != ENGLISH))


class Question(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str
    theme: str
    text: str


ENPS = "enps"  # the eNPS question's id, and its theme and measure in every report
ENPS_SCALE = range(0, 11)  # answered 0-10


class EnpsQuestion(BaseModel):
    """The standard eNPS question (prompts/questions.yaml ``enps``), answered 0-10."""

    model_config = ConfigDict(frozen=True)
    name: str
    text: str
    low: str
    high: str

    def question(self) -> Question:
        return Question(id=ENPS, theme=ENPS, text=self.text)


def enps_band(score: int) -> str:
    """detractors (0-6), passives (7-8) or promoters (9-10)."""
    return "promoters" if score >= 9 else "passives" if score >= 7 else "detractors"


class _Scaled(BaseModel):
    """A bank answered on the 1-5 scale, labelled at its two ends."""

    scale: dict[str, str]

    @field_validator("scale")
    @classmethod
    def _scale_has_ends(cls, value: dict[str, str]) -> dict[str, str]:
        if set(value) != {"low", "high"}:
            raise ValueError("scale needs exactly 'low' and 'high' labels")
        return value


class QuestionBank(_Scaled):
    themes: dict[str, str]
    questions: list[Question]
    # theme -> the assessment dimension it shows against (prompts/assessment.yaml)
    dimensions: dict[str, str] = {}

    @model_validator(mode="after")
    def _consistent(self) -> QuestionBank:
        ids = [q.id for q in self.questions]
        if len(ids) != len(set(ids)):
            raise ValueError("question ids must be unique")
        if ENPS in ids or ENPS in self.themes:
            raise ValueError(f"{ENPS!r} is the eNPS question's own id and theme; use another")
        unknown = {q.theme for q in self.questions} - set(self.themes)
        if unknown:
            raise ValueError(f"questions use unknown themes: {sorted(unknown)}")
        unmapped = set(self.dimensions) - set(self.themes)
        if unmapped:
            raise ValueError(f"dimensions map unknown themes: {sorted(unmapped)}")
        wrong = set(self.dimensions.values()) - set(assessment().dimensions)
        if wrong:
            raise ValueError(
                f"dimensions map themes to unknown assessment dimensions: {sorted(wrong)}"
            )
        return self

    def by_id(self, question_id: str) -> Question:
        """A question of the bank, or the eNPS question (every bank can ask it)."""
        for question in self.questions:
            if question.id == question_id:
                return question
        if question_id == ENPS:
            return enps().question()
        raise KeyError(question_id)

    def theme_name(self, theme: str) -> str:
        if theme == ENPS:
            return enps().name
        return self.themes.get(theme, theme)

    def rotation(self) -> list[Question]:
        """Questions interleaved by theme, so consecutive rounds cover every theme in turn."""
        per_theme = [[q for q in self.questions if q.theme == t] for t in self.themes]
        order: list[Question] = []
        for i in range(max(len(group) for group in per_theme)):
            order.extend(group[i] for group in per_theme if i < len(group))
        return order


class Dimension(BaseModel):
    model_config = ConfigDict(frozen=True)
    name: str
    about: str


class Statement(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str
    dimension: str
    text: str


class AssessmentBank(_Scaled):
    """The baseline assessment: statements in dimensions, each dimension with 2+ statements."""

    dimensions: dict[str, Dimension]
    statements: list[Statement]

    @model_validator(mode="after")
    def _consistent(self) -> AssessmentBank:
        ids = [s.id for s in self.statements]
        if len(ids) != len(set(ids)):
            raise ValueError("statement ids must be unique")
        if set(ids) & set(self.dimensions):
            raise ValueError("statement ids and dimension ids must differ")
        unknown = {s.dimension for s in self.statements} - set(self.dimensions)
        if unknown:
            raise ValueError(f"statements use unknown dimensions: {sorted(unknown)}")
        for dimension in self.dimensions:
            if sum(s.dimension == dimension for s in self.statements) < 2:
                raise ValueError(f"dimension {dimension} needs at least two statements")
        if not 10 <= len(self.statements) <= 25:
            raise ValueError("the assessment should take about 5 minutes: 10 to 25 statements")
        return self

    def of(self, dimension: str) -> list[Statement]:
        return [s for s in self.statements if s.dimension == dimension]

    def name(self, dimension: str) -> str:
        return self.dimensions[dimension].name


# The words whose only readers are admins at the command line: they alone may name a
# `culturebot ...` command (a section, or one "section.key"). Everything else is said in chat
# to employees, managers and leaders, who have no command line (tests/test_prompts_no_cli.py).
FOR_ADMINS = frozenset(
    {
        "doctor",  # `culturebot doctor`
        "help.admin",
        "cascade.sent_next_cli",  # `culturebot cascade send`
        "cascade.scheduled_next_cli",
    }
)


def _load_yaml(name: str, folder: Path = HERE) -> Any:
    return catalogs.load_yaml(name, folder)


@cache
def _bank_data(name: str, locale: str) -> Any:
    """A question bank's file in ``locale``: English's, with each text the language has."""
    data = _load_yaml(name)
    folder = catalogs.folder(locale)
    if locale == ENGLISH or not (folder / name).is_file():
        return data
    texts = catalogs.flat(name, _load_yaml(name, folder))
    return catalogs.overlay(data, texts)


def questions() -> QuestionBank:
    """The shared pulse bank, its texts in the current language (ids and themes English's)."""
    return _questions(current_locale())


@cache
def _questions(locale: str) -> QuestionBank:
    return QuestionBank.model_validate(_bank_data("questions.yaml", locale))


def enps() -> EnpsQuestion:
    """The eNPS question in the current language."""
    return _enps(current_locale())


@cache
def _enps(locale: str) -> EnpsQuestion:
    return EnpsQuestion.model_validate(_bank_data("questions.yaml", locale)["enps"])


def theme_names() -> dict[str, str]:
    """Theme -> its name, for reports: the shared bank's themes, then eNPS."""
    return {**questions().themes, ENPS: enps().name}


def assessment() -> AssessmentBank:
    """The baseline assessment, its texts in the current language."""
    return _assessment(current_locale())


@cache
def _assessment(locale: str) -> AssessmentBank:
    return AssessmentBank.model_validate(_bank_data("assessment.yaml", locale))


@cache
def _messages(locale: str = ENGLISH) -> dict[str, dict[str, str]]:
    """Every word file of one language (all YAML in its folder but the two banks), merged by
    section; a text with plural forms is there once per form, as "key.one", "key.other".

    Each capability keeps its words in a file of its own (messages.yaml for the core,
    e.g. cascade.yaml for cascades); two files may not define the same section.
    """
    folder = catalogs.folder(locale)
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else ():
        if path.name in BANKS:
            continue
        data = _load_yaml(path.name, folder) or {}
        words = catalogs.flat(path.name, data)
        clash = set(data) & set(merged)
        if clash:
            raise ValueError(f"{path.name} redefines sections {sorted(clash)}")
        for key, sentence in words.items():
            section, _, name = key.partition(".")
            merged.setdefault(section, {})[name] = sentence
    return merged


@cache
def language_name(locale: str) -> str:
    """A language's name in itself ("Deutsch", "日本語"), for a menu of languages: each reader
    finds their own whatever the page speaks now."""
    name = Locale.parse(locale).get_display_name(locale) or locale
    return name[:1].upper() + name[1:]


@cache
def plural_tags(locale: str) -> frozenset[str]:
    """The plural forms a language tells apart (CLDR, through Babel): English one and other,
    Japanese other alone."""
    return frozenset(Locale.parse(locale).plural_form.tags) | {"other"}


def plural_form(count: object, locale: str | None = None) -> str:
    """Which plural form ``count`` takes in ``locale`` (the current language by default)."""
    rule = Locale.parse(locale or current_locale()).plural_form
    try:
        return str(rule(count))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "other"


def _sentence(locale: str, section: str, name: str, count: object) -> str | None:
    """``section.name`` in one language: its plain text, or the plural form ``count`` takes
    (its ``other`` where the language lacks that form); None when the language lacks it."""
    entries = _messages(locale).get(section, {})
    if name in entries:
        return entries[name]
    if f"{name}.other" not in entries:
        return None
    form = plural_form(count, locale) if count is not None else "other"
    return entries.get(f"{name}.{form}", entries[f"{name}.other"])


def text(key: str, **values: object) -> str:
    """The sentence ``section.key`` in the current language (English where its catalog lacks
    the key), with its placeholders filled in. A sentence with plural forms picks the one its
    ``count`` value takes in that language ("1 action overdue", "3 actions overdue")."""
    section, _, name = key.partition(".")
    count = values.get("count")
    words = _sentence(current_locale(), section, name, count)
    if words is None:
        words = _sentence(ENGLISH, section, name, count)
    if words is None:
        raise KeyError(key)
    return words.format(**values)


def check(locale: str, root: Path | None = None) -> catalogs.Report:
    """``locale``'s catalog against English (what `culturebot prompts check` lists); ``root``
    is a folder of language folders to read instead of prompts/locales/."""
    return catalogs.compare(locale, root, plural_tags=plural_tags(locale), thorough=True)


def forget() -> None:
    """Drop every catalog read so far, so the next word is read from the files again (a test
    that points ``catalogs.LOCALES_DIR`` at a folder of its own)."""
    for cached in (available_locales, _bank_data, _questions, _enps, _assessment, _messages):
        cached.cache_clear()


def validate_all() -> None:
    """Load every prompt file of every language, raising on the first problem; run at start-up.

    A language whose text would fail or lose a value when said (its placeholders differ from
    English's) is refused; a missing key only falls back to English.
    """
    _messages()
    for locale in available_locales():
        if locale != ENGLISH:
            report = catalogs.compare(locale)  # (plural forms a language lacks only warn)
            if report.refused:
                problems = "; ".join([*report.broken, *report.mismatched][:5])
                raise ValueError(f"prompts/locales/{locale}: {problems}")
            _messages(locale)
        with speaking(locale):
            questions()  # its theme -> dimension mapping is checked against the assessment's
            enps()
