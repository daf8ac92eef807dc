"""README and docs/ stay true: every relative link resolves, every setting is documented, and
README's fenced `culturebot` commands run, in order, as a newcomer would type them."""

from __future__ import annotations

import importlib
import os
import re
import shlex
import shutil
from pathlib import Path
from typing import Any

import pytest
import typer.main
from pydantic import AliasChoices
from pydantic_settings import BaseSettings
from typer.testing import CliRunner

import prompts
from bot.cli.main import app
from bot.core.config import Settings
from handlers.stories.capture import StoriesSettings

ROOT = Path(__file__).resolve().parent
while not (ROOT / "README.md").is_file():
    ROOT = ROOT.parent
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]

# README commands a test cannot run offline, each with the reason (matched by prefix).
SKIPPED = {
    "culturebot run": "starts the web server and the platforms, and runs until stopped",
    "culturebot demo": "the demo command itself; tests/cli/test_demo_and_cli.py runs the demo",
    "culturebot slack sync": "needs SLACK_BOT_TOKEN and reaches Slack",
    "culturebot dashboard --port": "serves the dashboard until stopped",
}
# What the reader types into an interactive command, or is told to write before it.
# The chat words README's employee tour names (forms, such as story, would wait for answers).
STDIN = {
    "culturebot chat": "help\nreport\ncomments\ndashboard\npause until 2027-08-20\nresume\nquit\n"
}
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
    unknown = prompts.text("common.unknown_command", command="").split('""')[0]
    ran = []
    for command in commands:
        if any(command.startswith(prefix) for prefix in SKIPPED):
            continue
        stdin = next((text for prefix, text in STDIN.items() if command.startswith(prefix)), "")
        args = shlex.split(command, comments=True)[1:]
        result = CliRunner().invoke(app, args, input=stdin)
        assert result.exit_code == 0, f"{command}\n{result.output}\n{result.exception!r}"
        assert unknown not in result.output, f"{command}: a chat word is not known\n{result.output}"
        ran.append(command)
    assert (tmp_path / "culturebot.db").is_file()  # README: the SQLite file in this folder
    assert "culturebot org import examples/people.csv" in ran and len(ran) >= 15, ran


def _documented_commands() -> list[tuple[str, str]]:
    """Every `culturebot ...` written in README and docs/ (code spans and fenced lines), with
    its page; alternatives written `a | b` become one command each."""
    found = []
    for page in PAGES:
        text, fenced = page.read_text(encoding="utf-8"), False
        lines = []
        for line in text.splitlines():
            if FENCE.match(line):
                fenced = not fenced
            elif fenced and line.strip().startswith("culturebot "):
                lines.append(line.split(" #")[0])
        lines += re.findall(r"`(culturebot [^`]+)`", text)
        for line in lines:
            first, *others = re.split(r" \| ", " ".join(re.sub(r"[][]", " ", line).split()))
            found.append((page.name, first))
            group = first.split()[:2]  # `culturebot pulse list | pause NAME`: siblings
            found += [(page.name, " ".join(group + other.split())) for other in others]
    return found


def _subcommands(command: Any) -> dict[str, Any]:
    """A command group's subcommands by name (none for a plain command)."""
    return getattr(command, "commands", {})


def test_every_documented_command_and_option_exists() -> None:
    """A renamed command or option fails here until README and docs/ say the new name."""
    top = typer.main.get_command(app)
    wrong = []
    for page, command in _documented_commands():
        words, node = command.split()[1:], top
        while words and words[0] in _subcommands(node):
            node = _subcommands(node)[words.pop(0)]
        if _subcommands(node) and words and not words[0].startswith("-"):
            wrong.append(f"{page}: {command} (no command {words[0]!r})")
            continue
        options = {"--help"} | {opt for param in node.params for opt in param.opts}
        options |= {opt for param in node.params for opt in param.secondary_opts}
        flags = re.findall(r"(?<![\w-])--[a-z][a-z-]*", command)
        missing = [flag for flag in flags if flag not in options]
        if missing:
            wrong.append(f"{page}: {command} (no option {', '.join(missing)})")
    assert len(_documented_commands()) > 50
    assert wrong == [], "\n".join(wrong)


def test_every_documented_benchmark_and_option_exists(capsys: pytest.CaptureFixture[str]) -> None:
    """`python -m bench NAME --flag` in README and docs/: NAME is a benchmark that takes --flag."""
    written = set()
    for page in PAGES:
        for line in re.findall(r"python -m bench ([a-z_]+)([^`\n]*)", page.read_text("utf-8")):
            written.add((page.name, line[0], line[1]))
    assert len(written) >= 5, written
    wrong = []
    for page, name, rest in sorted(written):
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError:
            wrong.append(f"{page}: python -m bench {name} (no such benchmark)")
            continue
        with pytest.raises(SystemExit):
            module.main(["--help"])
        usage = capsys.readouterr().out
        flags = re.findall(r"(?<![\w-])--[a-z][a-z-]*", rest)
        wrong += [f"{page}: bench {name} {flag}" for flag in flags if flag not in usage]
    assert wrong == [], "\n".join(wrong)


def test_every_named_file_and_test_exists() -> None:
    """A source file, test file or test named in README and docs/ exists: a moved or renamed
    one fails here until the page says where it went (privacy.md's tests hold its rules)."""
    every_test = "\n".join(path.read_text("utf-8") for path in (ROOT / "tests").rglob("*.py"))
    wrong, named = [], 0
    for page in PAGES:
        for line in page.read_text(encoding="utf-8").splitlines():
            where = every_test  # `tests/a.py::test_x`, `::test_y` on one line: both in a.py
            for span in re.findall(r"`([^`\s]+)`", line):
                file, _, test = span.partition("::")
                if re.fullmatch(r"[\w.-]+/[\w./-]+\.(py|yaml|toml|csv|md|png)", file):
                    named += 1
                    if not (ROOT / file).is_file():
                        wrong.append(f"{page.name}: {file} (no such file)")
                        continue
                    where = (ROOT / file).read_text("utf-8")
                elif re.fullmatch(r"test_\w+", file):
                    test, where = file, every_test
                elif file not in ("", "..."):
                    continue
                if test:
                    named += 1
                    if f"def {test}(" not in where:
                        wrong.append(f"{page.name}: {span} (no such test)")
    assert named > 40, named
    assert wrong == [], "\n".join(wrong)


def test_readme_stays_short_and_keeps_its_two_marked_commands() -> None:
    """README is the front door (at most 250 lines; the rest lives in docs/), and .ci/run reads
    the test command from the block after its marker."""
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 250, len(text.splitlines())
    for marker in ("<!-- demo-command -->", "<!-- test-command -->"):
        block = re.search(re.escape(marker) + r"\n```sh\n(.+)\n```\n", text)
        assert block and block[1].startswith("python3 -m venv .venv && "), marker
