"""Every language's catalog against English: the same keys with the same placeholders, a missing
key said in English, the question banks' texts in the reader's language under English's ids, and
`culturebot prompts check` / start-up refusing a text that would lose a value."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

import prompts
from prompts import catalogs
from tests.procs import run_cli

# Languages whose translation is finished: each must have every key English has. A translator
# adds the code here when done. Placeholders and extra keys are checked for every language.
COMPLETE_LOCALES = {"en", "de", "fr", "es", "ja"}


@pytest.mark.parametrize("locale", prompts.available_locales())
def test_every_shipped_language_says_every_value_english_says(locale: str) -> None:
    report = prompts.check(locale)
    assert report.broken == []
    assert report.mismatched == [], "these texts would fail or lose a value when said"
    assert report.extra == [], "these keys are never said (a typo, or removed from English)"
    if locale in COMPLETE_LOCALES:
        assert report.missing == [], f"{locale} is listed as complete but says these in English"


def test_complete_languages_are_shipped() -> None:
    assert set(prompts.available_locales()) >= COMPLETE_LOCALES >= {"en"}


@pytest.fixture
def catalogs_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """prompts/locales/ replaced by an empty folder of the test's own."""
    monkeypatch.setattr(catalogs, "LOCALES_DIR", tmp_path)
    prompts.forget()
    yield tmp_path
    monkeypatch.undo()
    prompts.forget()


def write(folder: Path, name: str, data: object) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_a_missing_key_is_said_in_english_and_a_present_one_in_the_language(
    catalogs_in: Path,
) -> None:
    write(catalogs_in / "de", "messages.yaml", {"common": {"already_handled": "Schon erledigt."}})
    with prompts.speaking("de"):
        assert prompts.text("common.already_handled") == "Schon erledigt."
        assert prompts.text("pulse.bad_score") == "Please pick a number from 1 to 5."
    assert prompts.text("common.already_handled") == "That was already handled."
    assert prompts.check("de").missing  # the rest is listed as said in English


def test_question_banks_keep_their_ids_and_themes_and_speak_the_readers_language(
    catalogs_in: Path,
) -> None:
    write(
        catalogs_in / "fr",
        "questions.yaml",
        {
            "themes": {"leadership": "Engagement de la direction"},
            "enps": {"text": "Recommanderiez-vous notre entreprise à un ami ?"},
            "questions": {"lc01": "Mon responsable montre que les clients passent en premier."},
        },
    )
    write(
        catalogs_in / "fr",
        "assessment.yaml",
        {"statements": {"al1": "Nos dirigeants parlent des clients."}},
    )
    english = prompts.questions()
    with prompts.speaking("fr"):
        french = prompts.questions()
        assert french.by_id("lc01").text.startswith("Mon responsable")
        assert french.by_id("lc01").theme == "leadership"
        assert french.by_id("cf01").text == english.by_id("cf01").text  # not translated yet
        assert [q.id for q in french.rotation()] == [q.id for q in english.rotation()]
        assert french.dimensions == english.dimensions
        assert prompts.theme_names()["leadership"] == "Engagement de la direction"
        assert prompts.enps().text.startswith("Recommanderiez")
        assert prompts.enps().low == "Not at all likely"
        assert (
            prompts.assessment().of("leadership")[0].text == "Nos dirigeants parlent des clients."
        )
    assert prompts.questions().by_id("lc01").text == english.by_id("lc01").text


def test_plural_forms_follow_each_languages_rules(catalogs_in: Path) -> None:
    write(
        catalogs_in / "fr",
        "roadmap.yaml",
        {
            "objective": {
                "nudge_overdue": {
                    "one": "{count} action en retard",
                    "other": "{count} actions en retard",
                }
            }
        },
    )
    write(
        catalogs_in / "ja",
        "roadmap.yaml",
        {"objective": {"nudge_overdue": "期限切れのアクション {count} 件"}},
    )
    assert prompts.text("objective.nudge_overdue", count=1) == "1 action overdue"
    assert prompts.text("objective.nudge_overdue", count=3) == "3 actions overdue"
    with prompts.speaking("fr"):  # French counts 0 as singular
        assert prompts.text("objective.nudge_overdue", count=0) == "0 action en retard"
        assert prompts.text("objective.nudge_overdue", count=2) == "2 actions en retard"
    with prompts.speaking("ja"):  # Japanese has one form
        assert prompts.text("objective.nudge_overdue", count=1) == "期限切れのアクション 1 件"
    assert prompts.check("ja").mismatched == prompts.check("fr").mismatched == []


def test_start_up_refuses_a_translation_that_drops_a_placeholder(catalogs_in: Path) -> None:
    write(
        catalogs_in / "de",
        "messages.yaml",
        {"common": {"text_too_long": "Der Text ist zu lang; bitte kürzen Sie ihn."}},
    )
    with pytest.raises(ValueError, match=r"de.*common\.text_too_long.*length, limit"):
        prompts.validate_all()


def test_start_up_refuses_a_translation_with_a_placeholder_english_lacks(
    catalogs_in: Path,
) -> None:
    write(catalogs_in / "es", "messages.yaml", {"pulse": {"bad_score": "Elija de 1 a {max}."}})
    with pytest.raises(ValueError, match=r"pulse\.bad_score"):
        prompts.validate_all()


def check(folder: Path, *locales: str) -> tuple[int, str]:
    options = [arg for code in locales for arg in ("--locale", code)]
    done = run_cli(["prompts", "check", "--dir", str(folder), *options], dict(os.environ))
    return done.returncode, done.stdout + done.stderr


def test_the_check_fails_on_a_missing_placeholder_and_names_the_key(tmp_path: Path) -> None:
    write(tmp_path / "fr", "messages.yaml", {"pulse": {"reminder": "Petit rappel : répondez."}})
    code, output = check(tmp_path)
    assert code == 1, output
    assert "messages.yaml: pulse.reminder: placeholders none, English has closes" in output


def test_the_check_lists_missing_keys_and_fails_on_extra_ones(tmp_path: Path) -> None:
    write(tmp_path / "es", "messages.yaml", {"pulse": {"bad_score": "Elija un número del 1 al 5."}})
    code, output = check(tmp_path, "es")
    assert code == 0, output  # missing keys only warn: they are said in English
    assert "missing      messages.yaml: pulse.thanks" in output
    assert "pulse.bad_score" not in output
    write(tmp_path / "es", "slack.yaml", {"slack": {"sumbit": "Enviar"}})
    code, output = check(tmp_path, "es")
    assert code == 1
    assert "extra        slack.yaml: slack.sumbit" in output


def test_the_check_fails_on_a_key_given_twice(tmp_path: Path) -> None:
    folder = tmp_path / "fr"
    folder.mkdir()
    (folder / "slack.yaml").write_text(
        'slack:\n  submit: "Envoyer"\n  cancel: "Annuler"\n  submit: "Valider"\n', encoding="utf-8"
    )
    code, output = check(tmp_path)
    assert code == 1
    assert "extra        slack.yaml: slack.submit (given twice)" in output


def test_the_shipped_catalogs_pass_the_check() -> None:
    done = run_cli(["prompts", "check"], dict(os.environ))
    assert done.returncode == 0, done.stdout + done.stderr
    assert all(f"{code}:" in done.stdout for code in prompts.available_locales()[1:])


def test_the_check_names_a_language_it_has_no_catalog_for(tmp_path: Path) -> None:
    (tmp_path / "de").mkdir()
    code, output = check(tmp_path, "xx")
    assert code == 2
    assert "no catalog for xx; there are: de" in output
