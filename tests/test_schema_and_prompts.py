"""The migrations build exactly the tables the models describe; every prompt file loads."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import prompts
from storage.tables import metadata


def test_migrations_match_the_models(database) -> None:
    with database.engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": False}), metadata
        )
    assert diff == [], "a model changed without a migration: " + repr(diff)


def test_every_prompt_file_loads_and_the_bank_is_complete() -> None:
    prompts.validate_all()
    bank = prompts.questions()
    assert len(bank.questions) >= 24
    themes = {q.theme for q in bank.questions}
    assert themes == {"customer_focus", "leadership", "connectedness"}
    rotation = [q.theme for q in bank.rotation()]
    assert all(a != b for a, b in zip(rotation, rotation[1:], strict=False))
    for path in Path(prompts.__file__).parent.glob("*.yaml"):
        assert yaml.safe_load(path.read_text()), path


def test_a_broken_question_bank_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown themes"):
        prompts.QuestionBank.model_validate(
            {
                "scale": {"low": "a", "high": "b"},
                "themes": {"x": "X"},
                "questions": [{"id": "1", "theme": "y", "text": "t"}],
            }
        )


def test_every_template_placeholder_is_documented_by_use() -> None:
    """A template with a typo'd placeholder would crash in front of a user; format them all."""
    import string

    for section, entries in prompts._messages().items():
        for key, template in entries.items():
            names = {f for _, f, _, _ in string.Formatter().parse(template) if f}
            prompts.text(f"{section}.{key}", **dict.fromkeys(names, "x"))


def test_migrations_have_a_single_head() -> None:
    """Parallel branches each add a revision; main merges them so `alembic` sees one head."""
    from alembic.script import ScriptDirectory

    from storage.db import alembic_config

    heads = ScriptDirectory.from_config(alembic_config(None)).get_heads()  # type: ignore[arg-type]
    assert len(heads) == 1, f"merge these migration heads: {heads}"
