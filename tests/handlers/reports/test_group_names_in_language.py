"""The groups a report names ("Whole organisation", "Team of Max") are said in each reader's
language: the gate stores one label per published cell, in English whoever's request
published it, and the words are built when the cell is read (handlers/reports/disclosure.py)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select, update

import prompts
from bot.app import run_due
from handlers.reports import disclosure
from storage.disclosure_models import DisclosureCell
from tests.handlers.reports.test_disclosure_comments import team
from tests.support import click_score, import_org, org_csv

ORG = org_csv(
    "cea@x.io,Cea,,Exec,leader,UTC",
    "max@x.io,Max,cea@x.io,Support,manager,UTC",
    *team(10, "max"),
)


def _published_in_german(runtime, chat, router) -> None:  # type: ignore[no-untyped-def]
    """A week of Max's team's answers, published while German is being spoken (as when a
    German reader's request is what publishes it)."""
    import_org(runtime, ORG)
    chat("max@x.io").say("checkin")
    for i in range(1, 11):
        assert click_score(runtime, router, f"max{i}@x.io", 4)
    runtime.clock.advance(timedelta(days=10))
    with prompts.speaking("de"):
        run_due(runtime)


def test_a_reports_groups_are_named_in_each_readers_language(runtime, chat, router) -> None:  # type: ignore[no-untyped-def]
    _published_in_german(runtime, chat, router)
    with runtime.db.session() as session:
        stored = {c.label for c in session.exec(select(DisclosureCell))}
    assert {"Whole organisation", "Team of Max"} <= stored  # stored in English
    assert not {"Gesamte Organisation", "Team von Max"} & stored

    leader = chat("cea@x.io")
    english = leader.say("report")
    assert "Whole organisation" in english and "Everyone below Max" in english
    leader.say("language de")
    german = leader.say("report")
    assert "Gesamte Organisation" in german and "Alle unter Max" in german
    assert "Whole organisation" not in german and "Everyone below" not in german


def test_a_label_stored_in_another_language_is_read_in_the_readers(runtime, chat, router) -> None:  # type: ignore[no-untyped-def]
    """Labels stored before the gate kept them in English are in the language of whoever's
    request published them: read, they are said in the reader's language all the same."""
    _published_in_german(runtime, chat, router)
    with runtime.db.session() as session:
        for english, german in (
            ("Team of Max", "Team von Max"),
            ("Whole organisation", "Gesamte Organisation"),
        ):
            session.exec(
                update(DisclosureCell).where(DisclosureCell.label == english).values(label=german)  # type: ignore[call-overload]
            )
    with runtime.db.session() as session:
        in_english = {c.label for c in disclosure.visible_cells(session, None)}
        with prompts.speaking("fr"):
            in_french = {c.label for c in disclosure.visible_cells(session, None)}
    assert {"Whole organisation", "Team of Max"} <= in_english
    assert not {"Team von Max", "Gesamte Organisation"} & in_english
    assert prompts.text("disclosure.team", name="Max") in in_english
    with prompts.speaking("fr"):
        assert {prompts.text("disclosure.team", name="Max"), prompts.text("disclosure.org")} <= (
            in_french
        )
