"""The words culturebot says and the questions it asks, loaded from YAML and validated once.

Keeping words out of code lets a company adapt the tone without touching Python; the schema
check at start-up (and a test) catches a broken file before a person sees a broken message.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, field_validator, model_validator

HERE = Path(__file__).parent


class Question(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str
    theme: str
    text: str


class QuestionBank(BaseModel):
    scale: dict[str, str]
    themes: dict[str, str]
    questions: list[Question]

    @field_validator("scale")
    @classmethod
    def _scale_has_ends(cls, value: dict[str, str]) -> dict[str, str]:
        if set(value) != {"low", "high"}:
            raise ValueError("scale needs exactly 'low' and 'high' labels")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> QuestionBank:
        ids = [q.id for q in self.questions]
        if len(ids) != len(set(ids)):
            raise ValueError("question ids must be unique")
        unknown = {q.theme for q in self.questions} - set(self.themes)
        if unknown:
            raise ValueError(f"questions use unknown themes: {sorted(unknown)}")
        return self

    def by_id(self, question_id: str) -> Question:
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(question_id)

    def rotation(self) -> list[Question]:
        """Questions interleaved by theme, so consecutive rounds cover every theme in turn."""
        per_theme = [[q for q in self.questions if q.theme == t] for t in self.themes]
        order: list[Question] = []
        for i in range(max(len(group) for group in per_theme)):
            order.extend(group[i] for group in per_theme if i < len(group))
        return order


def _load_yaml(name: str) -> Any:
    with (HERE / name).open(encoding="utf-8") as fh:
        # libyaml's C loader when PyYAML has it: about ten times faster (every command loads
        # these files at start-up)
        return yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506


@cache
def questions() -> QuestionBank:
    return QuestionBank.model_validate(_load_yaml("questions.yaml"))


@cache
def _messages() -> dict[str, dict[str, str]]:
    """Every word file (all YAML here but the question bank), merged by section.

    Each capability keeps its words in a file of its own (messages.yaml for the core,
    e.g. cascade.yaml for cascades); two files may not define the same section.
    """
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(HERE.glob("*.yaml")):
        if path.name == "questions.yaml":
            continue
        data = _load_yaml(path.name)
        if not isinstance(data, dict) or not all(
            isinstance(section, dict) and all(isinstance(v, str) for v in section.values())
            for section in data.values()
        ):
            raise ValueError(f"{path.name} must map sections to {{key: text}}")
        clash = set(data) & set(merged)
        if clash:
            raise ValueError(f"{path.name} redefines sections {sorted(clash)}")
        merged.update(data)
    return merged


def text(key: str, **values: object) -> str:
    """The sentence ``section.key`` with its placeholders filled in."""
    section, _, name = key.partition(".")
    return _messages()[section][name].format(**values)


def validate_all() -> None:
    """Load every prompt file, raising on the first problem; run at start-up."""
    questions()
    _messages()
