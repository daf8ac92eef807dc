"""No text a person reads holds an ISO timestamp or a piece of Python (issue 23, point 4/5).

Two sources: every sentence in ``prompts/`` rendered with sample values, and what the demo
printed plus what its people read in chat afterwards (reports, baseline, objectives, the
cascade and story reports, home), through the real ``culturebot chat`` path.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

from typer.testing import CliRunner

import prompts
from bot.cli.main import app
from tests.conftest import PlayedDemo

# a date and time as a machine writes it ("2027-03-15T08:00:00+00:00", "08:00:00+00:00")
ISO_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}|\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}")
# in what a report presents, a bare date or ISO week too ("2027-03-15", "2027-W11"): a person
# reads "Mon 15 Mar 2027" and "week of 15 Mar 2027"
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}|\d{4}-W\d{2}")
# what a person is told to type is not what they read: an instruction may show a typed date
INSTRUCTION = re.compile(r"\btype\b|for example|e\.g\.", re.IGNORECASE)
PYTHON_REPR = re.compile(r"object at 0x|<[A-Za-z_.]+ object|datetime\.|\bNone\b|\{'")

# who reads what after the demo: the top leader, a leader, a manager and an employee
READERS = {
    "ava.adams@example.com": (
        "report",
        "report details",
        "report all",
        "baseline",
        "baseline details",
        "objectives",
        "cascade report",
        "story report",
        "home",
    ),
    "ben.hughes@example.com": ("report", "baseline", "objectives", "home"),
    "bea.hughes@example.com": ("report", "report details", "baseline", "objectives", "home"),
    "carl.okafor@example.com": ("report", "report details", "baseline", "objectives", "home"),
}


def problems(text: str, *, days: bool = True) -> list[str]:
    """Every line of ``text`` with an ISO timestamp or a Python repr in it, and with
    ``days`` an ISO date or week outside an instruction (a command line the demo prints for
    its operator to copy is not read as text)."""
    found = []
    for line in text.splitlines():
        if re.search(r"\bculturebot [a-z]+ --", line):
            continue
        machine = ISO_TIMESTAMP.search(line) or PYTHON_REPR.search(line)
        if machine or (days and ISO_DAY.search(line) and not INSTRUCTION.search(line)):
            found.append(line)
    return found


def _sample(name: str) -> object:
    return 3 if name in ("count", "id", "min", "asked", "weeks") else f"<{name}>"


def test_every_prompt_renders_without_a_timestamp_or_python() -> None:
    found = []
    for section, sentences in prompts._messages().items():
        for key, sentence in sentences.items():
            names = {f for _, f, _, _ in string.Formatter().parse(sentence) if f}
            values = {n.split(".")[0].split("[")[0]: _sample(n) for n in names}
            try:
                rendered = prompts.text(f"{section}.{key}", **values)
            except (ValueError, KeyError, IndexError, AttributeError):
                rendered = sentence  # a format spec on a number: the template itself is read
            found += [f"{section}.{key}: {line}" for line in problems(rendered, days=False)]
    assert not found, "\n".join(found)


def _chat(db: Path, email: str, lines: tuple[str, ...]) -> str:
    env = {"CULTUREBOT_DATABASE_URL": f"sqlite:///{db}"}
    result = CliRunner().invoke(
        app, ["chat", "--as", email], input="\n".join([*lines, "quit"]) + "\n", env=env
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_the_demo_and_what_its_people_read_hold_no_timestamp_or_python(
    played_demo: PlayedDemo, tmp_path: Path
) -> None:
    found = [f"demo: {line}" for line in problems(played_demo.output)]
    db = played_demo.copy(tmp_path)
    for email, lines in READERS.items():
        found += [f"{email}: {line}" for line in problems(_chat(db, email, lines))]
    assert not found, "\n".join(found)


# words of the code, not of the reader: a table cell, a subtree, a statistic's name, a range
# written as a programmer writes it (issue 23, point 5: the words)
JARGON = re.compile(
    r"\bcells?\b|\bsubtree\b|\bperiod key\b|\bmedian\b|\bdepth\b|\byour scope\b|\d\.\.-?\d",
    re.IGNORECASE,
)
# punctuation slips: a doubled period (not an ellipsis), a period before a colon, a space
# before a period or comma, a full stop glued to the next sentence
# a key to press: a Slack or Teams form has no Enter for a field, so say "leave it empty"
KEYBOARD = re.compile(r"\bEnter for\b")
SLIPS = re.compile(r"(?<!\.)\.\.(?!\.)|\.:|\s[.,]|[a-z]\.[A-Z]")


def test_every_prompt_a_non_admin_reads_speaks_their_language() -> None:
    found = []
    for section, sentences in prompts._messages().items():
        if section in prompts.FOR_ADMINS:
            continue
        for key, sentence in sentences.items():
            if f"{section}.{key}" in prompts.FOR_ADMINS:
                continue
            words = re.sub(r"\{[^}]*\}", "X", sentence)  # a placeholder is not a word
            if JARGON.search(words) or SLIPS.search(words) or KEYBOARD.search(words):
                found.append(f"{section}.{key}: {sentence}")
    assert not found, "\n".join(found)


def test_the_dashboard_names_groups_and_ranges_in_words() -> None:
    from handlers.dashboard import pulse

    headers = " ".join(pulse.cell_headers())
    assert not JARGON.search(headers), headers
    assert not re.search(r"\bmean\b|\bband\b", headers, re.IGNORECASE), (
        headers
    )  # a VP reads "average"
    assert set(pulse.GROUP_KINDS) >= {"org", "top", "subtree", "team", "department"}
    kinds = [pulse._kind_words(kind) for kind in pulse.GROUP_KINDS]
    assert not any(JARGON.search(words) for words in kinds), kinds


def test_a_command_s_usage_is_one_short_line_per_command() -> None:
    """A usage answer lists each command on its own line, short enough to read in chat,
    instead of one sentence of several hundred characters (issue 23, words)."""
    for key in (
        "cascade.usage",
        "cascade.schedule_usage",
        "pulse.schedule_usage",
        "objective.chat_usage",
        "objective.edit_usage",
    ):
        lines = prompts.text(key, what="target").splitlines()
        assert len(lines) >= 3, key
        assert max(len(line) for line in lines) <= 160, (key, max(lines, key=len))
