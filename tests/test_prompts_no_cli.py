"""No message to a non-admin names a command-line command: people do their work in chat.

Every string in prompts/*.yaml is said in chat unless prompts.FOR_ADMINS marks it as the
command line's own; and what a played session shows each role (help, reports, comments,
objectives, the roadmap, cascades) names none either."""

from __future__ import annotations

import re
from pathlib import Path

import typer.main

import prompts
from bot.app import build_router
from bot.cli.main import app
from bot.core.clock import FakeClock
from bot.core.config import Settings
from bot.core.runtime import Runtime
from storage.db import open_database
from tests.conftest import PlayedDemo
from tests.support import Chat, import_org

PEOPLE = Path(__file__).parent.parent / "examples" / "people.csv"


def cli_commands() -> dict[str, set[str]]:
    """What `culturebot` takes as its first word, each with the words its group takes next."""
    group = typer.main.get_command(app)
    return {
        name: set(getattr(command, "commands", {}))
        for name, command in group.commands.items()  # type: ignore[attr-defined]
    }


def names_a_command(words: str) -> list[str]:
    """Each command line in ``words``: `culturebot <command>` followed by an option or one of
    its group's subcommands, or quoted as code. The bot's own name ("culturebot dashboard",
    "culturebot sent it") is fine."""
    known = cli_commands()
    found = []
    for match in re.finditer(r"(`?)culturebot\s+([a-z][a-z-]*)((?:\s+[a-z-]+)?)", words):
        quoted, command, after = match.group(1), match.group(2), match.group(3).strip()
        if command not in known:
            continue
        if quoted or after.startswith("--") or after in known[command]:
            found.append(" ".join(match.group(0).strip("`").split()))
    return found


def test_the_scan_sees_a_command_line_command() -> None:
    assert names_a_command("type culturebot objective add --by you") == ["culturebot objective add"]
    assert names_a_command("ask: culturebot comments --as me") == ["culturebot comments --as"]
    assert names_a_command("paste `culturebot slack manifest`") == ["culturebot slack manifest"]
    assert names_a_command("culturebot dashboard; culturebot sent it; culturebot builds") == []


def test_no_prompt_for_non_admins_names_a_cli_command() -> None:
    said = prompts._messages()
    offending = {
        f"{section}.{key}": names_a_command(words)
        for section, keys in said.items()
        if section not in prompts.FOR_ADMINS
        for key, words in keys.items()
        if f"{section}.{key}" not in prompts.FOR_ADMINS and names_a_command(words)
    }
    assert offending == {}
    marked = {m for m in prompts.FOR_ADMINS if "." in m}
    assert all(
        m.partition(".")[0] in said and m.partition(".")[2] in said[m.partition(".")[0]]
        for m in marked
    )  # a marked key that no longer exists is a stale mark


def test_a_played_session_names_no_cli_command_to_any_role(runtime, chat) -> None:
    import_org(runtime, PEOPLE.read_text())
    typed = {
        "ava.adams@example.com": [
            "help",
            "report",
            "comments",
            "cascade",
            "cascade report",
            "objectives",
            "baseline",
            "assess status",
            "home",
        ],
        "bea.hughes@example.com": [
            "help",
            "checkin",
            "report",
            "comments",
            "objectives",
            "objective",
            "action",
            "ideas",
            "assess",
            "home",
        ],
        "carl.okafor@example.com": [
            "help",
            "report",
            "comments",
            "objectives",
            "baseline",
            "assess",
            "home",
            "dashboard",
        ],
    }
    shown = {
        (email, line): chat(email).say(line) for email, lines in typed.items() for line in lines
    }
    assert {
        key: names_a_command(words) for key, words in shown.items() if names_a_command(words)
    } == {}


def test_the_played_demo_names_no_cli_command_in_chat(played_demo: PlayedDemo, tmp_path) -> None:
    """After the demo's four weeks (reports long enough to be cut, comments, a cascade, the
    assessment), what each role reads in chat names no command line either."""
    settings = Settings(
        database_url=f"sqlite:///{played_demo.copy(tmp_path)}",
        _env_file=None,  # type: ignore[call-arg]
    )
    runtime = Runtime(
        db=open_database(settings.database_url),
        clock=FakeClock(played_demo.ended),
        settings=settings,
    )
    router = build_router()
    typed = ["help", "home", "report", "comments", "comments page 2", "objectives", "baseline"]
    roles = {
        "ava.adams@example.com": [*typed, "cascade report", "assess status", "ideas"],
        "bea.hughes@example.com": [*typed, "checkin schedule", "ideas", "assess status"],
        "omar.ueda@example.com": typed,
        "carl.okafor@example.com": typed,
    }
    try:
        shown = {}
        for email, lines in roles.items():
            person = Chat(runtime, router, email)
            shown[(email, "inbox")] = person.inbox()
            shown.update({(email, line): person.say(line) for line in lines})
    finally:
        runtime.db.dispose()
    # a report cut short ends with "... and N more rows" (the demo's reports fit in chat now
    # that withheld figures are one line): that line names no command line either
    assert not names_a_command(prompts.text("disclosure.more", count=3, email="ava@example.com"))
    named = {key: names_a_command(words) for key, words in shown.items()}
    assert {key: found for key, found in named.items() if found} == {}
