"""The catalogs of every language, key by key: loading, flattening and comparing with English.

English is prompts/*.yaml; another language is prompts/locales/<code>/ with the same file names,
sections and keys. A word file maps sections to {key: text}, where a text may instead be its
plural forms ({one: ..., other: ...}, CLDR's categories; ``other`` is required). The two
question banks are translated text by text, their ids, themes and dimensions staying English's:

    questions.yaml   scale: {low, high}; themes: {theme: name}; enps: {name, text, low, high};
                     questions: {question id: text}
    assessment.yaml  scale: {low, high}; dimensions: {dimension: {name, about}};
                     statements: {statement id: text}

Everything is flattened to "file: dotted.key" -> text, so the check (``compare``), the start-up
refusal and the test compare every language with English the same way.
"""

from __future__ import annotations

import copy
import string
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).parent
ENGLISH = "en"  # the source language: prompts/*.yaml; every other is prompts/locales/<code>/
LOCALES_DIR = HERE / "locales"
BANKS = ("questions.yaml", "assessment.yaml")  # not word files
PLURAL_FORMS = ("zero", "one", "two", "few", "many", "other")  # CLDR's plural categories


def folder(locale: str, root: Path | None = None) -> Path:
    """Where a language's files are (``root`` is prompts/locales/, or a test's own folder)."""
    return HERE if locale == ENGLISH else (root or LOCALES_DIR) / locale


def load_yaml(name: str, where: Path = HERE) -> Any:
    """One YAML file's data, read once while the file is unchanged (start-up compares every
    language with English: English would otherwise be read once per language). Callers never
    change what it returns."""
    path = where / name
    stat = path.stat()
    return _read(path, stat.st_mtime_ns, stat.st_size)


@cache
def _read(path: Path, mtime_ns: int, size: int) -> Any:
    with path.open(encoding="utf-8") as fh:
        # libyaml's C loader when PyYAML has it: about ten times faster (every command loads
        # these files at start-up)
        return yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506


@cache
def placeholders(template: str) -> frozenset[str]:
    """The names a text fills in ("{count}" -> "count"); ValueError on a broken template
    (an unmatched brace) or a positional one ("{}", "{0}"), which ``text`` could never fill."""
    names = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    positional = [n for n in names if n == "" or n.split(".")[0].split("[")[0].isdigit()]
    if positional:
        raise ValueError(f"positional placeholder in {template!r}: use a name")
    return frozenset(n.split(".")[0].split("[")[0] for n in names)


def _words(name: str, data: Any) -> dict[str, str]:
    """A word file as {"section.key": text}, plural forms as "section.key.form"."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValueError(f"{name} must map sections to {{key: text}}")
    flat: dict[str, str] = {}
    for section, entries in data.items():
        if not isinstance(entries, dict):
            raise ValueError(f"{name}: section {section} must map keys to texts")
        for key, value in entries.items():
            if isinstance(value, str):
                flat[f"{section}.{key}"] = value
            elif isinstance(value, dict) and _plural_forms(value):
                flat.update({f"{section}.{key}.{form}": words for form, words in value.items()})
            else:
                raise ValueError(
                    f"{name}: {section}.{key} must be a text, or its plural forms "
                    f"({', '.join(PLURAL_FORMS)}) with at least 'other'"
                )
    return flat


def _plural_forms(value: dict[Any, Any]) -> bool:
    return (
        "other" in value
        and set(value) <= set(PLURAL_FORMS)
        and all(isinstance(v, str) for v in value.values())
    )


def _texts(name: str, where: str, value: Any) -> dict[str, str]:
    """``value`` as {"where.key": text}: a mapping of texts (a list of {id, text} in English's
    banks), each text a string."""
    if value is None:
        return {}
    if isinstance(value, list):
        value = {str(item.get("id")): item.get("text") for item in value if isinstance(item, dict)}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ValueError(f"{name}: {where} must map each id to a text")
    return {f"{where}.{key}": text for key, text in value.items()}


def _bank(name: str, data: Any) -> dict[str, str]:
    """A question bank's texts as {"dotted.key": text}: English's full bank or a translation."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValueError(f"{name} must be a mapping")
    flat = _texts(name, "scale", data.get("scale"))
    if name == "questions.yaml":
        flat |= _texts(name, "themes", data.get("themes"))
        flat |= _texts(name, "enps", data.get("enps"))
        flat |= _texts(name, "questions", data.get("questions"))
        unknown = set(data) - {"scale", "themes", "enps", "questions", "dimensions"}
    else:
        for dimension, about in (data.get("dimensions") or {}).items():
            flat |= _texts(name, f"dimensions.{dimension}", about)
        flat |= _texts(name, "statements", data.get("statements"))
        unknown = set(data) - {"scale", "dimensions", "statements"}
    if unknown:
        raise ValueError(f"{name}: unknown parts {sorted(unknown)}")
    return flat


def flat(name: str, data: Any) -> dict[str, str]:
    """One file's texts by dotted key."""
    return _bank(name, data) if name in BANKS else _words(name, data)


def overlay(data: Any, texts: dict[str, str]) -> Any:
    """English's bank ``data`` with each of a translation's ``texts`` put in its place (a list
    item found by its id: "questions.cf01" is the text of the question cf01). A key English
    lacks is left out (the check lists it); ids, themes and dimensions stay English's."""
    out = copy.deepcopy(data)
    for key, words in texts.items():
        *path, last = key.split(".")
        node = out
        for step in path:
            node = _step(node, step)
            if node is None:
                break
        if isinstance(node, list):
            node, last = _step(node, last), "text"
        if isinstance(node, dict) and isinstance(node.get(last), str):
            node[last] = words
    return out


def _step(node: Any, step: str) -> Any:
    if isinstance(node, dict):
        return node.get(step)
    if isinstance(node, list):
        return next(
            (item for item in node if isinstance(item, dict) and item.get("id") == step), None
        )
    return None


def files(locale: str, root: Path | None = None) -> dict[str, dict[str, str]]:
    """Every file of one language, flattened: {file name: {dotted key: text}}."""
    where = folder(locale, root)
    if not where.is_dir():
        return {}
    return {p.name: flat(p.name, load_yaml(p.name, where)) for p in sorted(where.glob("*.yaml"))}


def family(key: str) -> str:
    """A plural form's key without its form ("pulse.asked.one" -> "pulse.asked")."""
    head, _, last = key.rpartition(".")
    return head if head.count(".") >= 1 and last in PLURAL_FORMS else key


def _families(texts: dict[str, str]) -> dict[str, dict[str, str]]:
    """{key or plural family: {form ("" for a plain text): text}}."""
    out: dict[str, dict[str, str]] = {}
    for key, words in texts.items():
        base = family(key)
        out.setdefault(base, {})["" if base == key else key.rpartition(".")[2]] = words
    return out


@dataclass
class Report:
    """How one language's catalog stands against English, by "file: key"."""

    locale: str
    missing: list[str] = field(default_factory=list)  # falls back to English
    extra: list[str] = field(default_factory=list)  # never said: a typo or a removed key
    mismatched: list[str] = field(default_factory=list)  # placeholders differ: would crash
    broken: list[str] = field(default_factory=list)  # a file that does not load, or bad form

    @property
    def refused(self) -> bool:
        """Start-up refuses this catalog (a text would fail or lose a value when said)."""
        return bool(self.mismatched or self.broken)

    @property
    def failed(self) -> bool:
        """`culturebot prompts check` fails on it (missing keys only warn)."""
        return self.refused or bool(self.extra)


def _names(forms: dict[str, str]) -> frozenset[str]:
    return frozenset().union(*(placeholders(words) for words in forms.values()))


def duplicates(path: Path) -> list[str]:
    """Keys a YAML file gives twice ("pulse.reminder"): YAML keeps the last silently, so a
    translation pasted twice would lose one without a word."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open(encoding="utf-8") as fh:
        root = yaml.compose(fh, Loader=loader)  # noqa: S506
    found: list[str] = []

    def walk(node: yaml.Node, where: str) -> None:
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in node.value:
                name = f"{where}{key.value}"
                if key.value in seen:
                    found.append(name)
                seen.add(key.value)
                walk(value, f"{name}.")
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                walk(item, where)

    if root is not None:
        walk(root, "")
    return found


def _fingerprint(where: Path) -> tuple[tuple[str, int, int], ...]:
    stats = ((p.name, p.stat()) for p in sorted(where.glob("*.yaml")))
    return tuple((name, st.st_mtime_ns, st.st_size) for name, st in stats)


@cache
def _english_families(
    fingerprint: tuple[tuple[str, int, int], ...],
) -> dict[str, dict[str, dict[str, str]]]:
    """English's texts by file and family, worked out once while its files are unchanged
    (start-up compares every language with them)."""
    return {name: _families(texts) for name, texts in files(ENGLISH).items()}


def compare(
    locale: str,
    root: Path | None = None,
    plural_tags: frozenset[str] | None = None,
    *,
    thorough: bool = False,
) -> Report:
    """``locale``'s catalog against English: missing, extra and mismatched keys.

    A plural family matches a plain text or any set of forms that has ``other`` (a language
    has its own forms: Japanese one, English two); its placeholders are compared as a whole.
    ``plural_tags`` are the forms the language uses, when known (others are extra);
    ``thorough`` also lists keys a file gives twice (the check does, start-up does not: it
    reads every file a second time).
    """
    report = Report(locale)
    english = _english_families(_fingerprint(HERE))
    try:
        theirs = files(locale, root)
    except (ValueError, yaml.YAMLError) as problem:
        report.broken.append(str(problem).splitlines()[0])
        return report
    if thorough:
        for path in sorted(folder(locale, root).glob("*.yaml")):
            report.extra.extend(f"{path.name}: {key} (given twice)" for key in duplicates(path))
    for name in sorted(set(theirs) - set(english)):
        report.extra.append(f"{name}: (the whole file; English has no such file)")
    for name, ours in english.items():
        translated = _families(theirs.get(name, {}))
        for key in sorted(set(ours) - set(translated)):
            report.missing.append(f"{name}: {key}")
        for key in sorted(set(translated) - set(ours)):
            report.extra.append(f"{name}: {key}")
        for key in sorted(set(ours) & set(translated)):
            forms = translated[key]
            if "" not in forms and "other" not in forms:
                report.broken.append(f"{name}: {key}: plural forms need 'other'")
                continue
            if plural_tags is not None and "" not in forms:
                unused = sorted(set(forms) - plural_tags - {"other"})
                report.extra.extend(
                    f"{name}: {key}.{form} (not a form of {locale})" for form in unused
                )
            try:
                names = _names(forms)
            except ValueError as problem:
                report.broken.append(f"{name}: {key}: {problem}")
                continue
            if names != _names(ours[key]):
                expected = ", ".join(sorted(_names(ours[key]))) or "none"
                found = ", ".join(sorted(names)) or "none"
                report.mismatched.append(
                    f"{name}: {key}: placeholders {found}, English has {expected}"
                )
    return report
