"""README and docs/ stay true: every relative link resolves, every setting is documented, and
README's fenced `culturebot` commands run, in order, as a newcomer would type them."""

from __future__ import annotations

import os
import re
import shlex
import shutil
from pathlib import Path

import pytest
from pydantic import AliasChoices
from pydantic_settings import BaseSettings
from typer.testing import CliRunner

from bot.cli import app
from bot.config import Settings
from handlers.stories import StoriesSettings

ROOT = Path(__file__).resolve().parent
while not (ROOT / "README.md").is_file():
    ROOT = ROOT.parent
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]

# README commands a test cannot run offline, each with the reason (matched by prefix).
SKIPPED = {
    "culturebot run": "starts the web server and the platforms, and runs until stopped",
    "culturebot demo": "the demo command itself; tests/test_demo_and_cli.py runs the demo",
    "culturebot slack sync": "needs SLACK_BOT_TOKEN and reaches Slack",
    "culturebot dashboard --port": "serves the dashboard until stopped",
}
# What the reader types into an interactive command, or is told to write before it.
STDIN = {"culturebot chat": "help\nreport\nquit\n"}
FILES = {"msg.md": "# Our customers this quarter\nWe ask customers first, then decide.\n"}

FENCE = re.compile(r"^\s*```")
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def _prose(text: str) -> str:
    """The text outside fenced code blocks and inline code (links there are not links)."""
    kept, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            kept.append(re.sub(r"`[^`]*`", "", line))
    return "\n".join(kept)


def _anchors(page: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    seen: dict[str, int] = {}
    anchors, fenced = set(), False
    for line in page.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            fenced = not fenced
        heading = None if fenced else re.match(r"#{1,6}\s+(.*)", line)
        if not heading:
            continue
        slug = re.sub(r"[^\w\- ]", "", heading[1].strip().lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def test_every_relative_link_and_anchor_resolves() -> None:
    broken = []
    checked = 0
    for page in PAGES:
        for target in LINK.findall(_prose(page.read_text(encoding="utf-8"))):
            if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto:: not ours to check
                continue
            path, _, anchor = target.partition("#")
            file = (page.parent / path).resolve() if path else page
            checked += 1
            if not file.is_file():
                broken.append(f"{page.relative_to(ROOT)}: {target} (no such file)")
            elif anchor and anchor not in _anchors(file):
                broken.append(f"{page.relative_to(ROOT)}: {target} (no such heading)")
    assert checked > 30, checked
    assert broken == [], "\n".join(broken)


def _env_names(model: type[BaseSettings]) -> dict[str, list[str]]:
    """Each setting's environment names, from the settings class itself."""
    prefix = model.model_config.get("env_prefix", "")
    names = {}
    for field, info in model.model_fields.items():
        alias = info.validation_alias
        if isinstance(alias, AliasChoices):
            names[field] = [str(choice) for choice in alias.choices]
        else:
            names[field] = [f"{prefix}{field}".upper()]
    return names


def test_configuration_lists_every_variable_with_its_default() -> None:
    """docs/configuration.md has a row for every variable, naming its default."""
    rows = {}
    for line in (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) >= 3:
            for name in re.findall(r"`([A-Za-z_]+)`", cells[0]):
                rows.setdefault(name, cells[1])
    wrong = []
    for model in (Settings, StoriesSettings):
        for field, names in _env_names(model).items():
            missing = [name for name in names if name not in rows]
            if missing:
                wrong.append(f"{', '.join(missing)}: not listed")
                continue
            default = model.model_fields[field].default
            written = re.findall(r"`([^`]*)`", rows[names[0]])
            if default in (None, ""):
                ok = rows[names[0]] != ""
            elif isinstance(default, bool):
                ok = str(default).lower() in written
            elif isinstance(default, (int, float)):
                ok = any(_number(value) == default for value in written)
            else:
                ok = str(default) in written
            if not ok:
                wrong.append(f"{names[0]}: default {default!r}, the page says {rows[names[0]]!r}")
    assert wrong == [], "\n".join(wrong)


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _readme_commands() -> list[str]:
    """Every line of README's fenced shell blocks that starts with `culturebot`."""
    commands, fenced = [], False
    for line in README.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            fenced = not fenced
        elif fenced and line.strip().startswith("culturebot "):
            commands.append(line.strip())
    return commands


def test_readme_commands_run_offline_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A newcomer types README's commands in a fresh folder with the example organisation:
    each exits 0 (the default SQLite file, no platform configured, nothing leaves the machine)."""
    commands = _readme_commands()
    assert len(commands) >= 15, commands
    (tmp_path / "examples").mkdir()
    shutil.copy(ROOT / "examples" / "people.csv", tmp_path / "examples" / "people.csv")
    for name, text in FILES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    for key in list(os.environ):
        if key.startswith(("CULTUREBOT_", "SLACK_", "Microsoft")):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    ran = []
    for command in commands:
        if any(command.startswith(prefix) for prefix in SKIPPED):
            continue
        stdin = next((text for prefix, text in STDIN.items() if command.startswith(prefix)), "")
        args = shlex.split(command, comments=True)[1:]
        result = CliRunner().invoke(app, args, input=stdin)
        assert result.exit_code == 0, f"{command}\n{result.output}\n{result.exception!r}"
        ran.append(command)
    assert (tmp_path / "culturebot.db").is_file()  # README: the SQLite file in this folder
    assert "culturebot org import examples/people.csv" in ran and len(ran) >= 15, ran
