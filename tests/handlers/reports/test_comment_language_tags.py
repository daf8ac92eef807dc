"""Comments are listed in their own language, tagged with it where that is not the reader's
("[de] ..."): the tag comes from the text alone (its detected language), never from who wrote
it, and it never changes which comments a list shows (comment lists are sets:
handlers/reports/comment_sets.py)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from bot.app import run_due
from tests.handlers.reports.test_disclosure_comments import team
from tests.support import click_score, import_org, org_csv

ENGLISH = (
    "The customer call went really well, great teamwork",
    "Too many meetings this week, I could not help customers",
    "Support tickets were answered quickly, nice work",
    "I am frustrated that the release slipped again",
    "Happy with how we handled the complaint",
    "The new process is confusing and slow",
    "Customers liked the quick replies",
    "We finally fixed the billing bug, good job",
    "Our onboarding guide helped the new customer a lot",
)
GERMAN = (
    "Der Kunde hat sich über die schnelle Antwort sehr gefreut",
    "Wir antworten jetzt noch am selben Tag auf jede Anfrage",
)
FRENCH = ("Le client était ravi de notre réponse rapide, merci à toute l'équipe.",)
TEXTS = (*GERMAN, *FRENCH, *ENGLISH)  # cea1 writes the first, cea2 the second, ...
WRITTEN = frozenset(TEXTS)
# who speaks German with culturebot: the German comments' authors and one who writes English
# (cea4), or, in the other world, everyone else
AS_WRITTEN = frozenset({"cea1@x.io", "cea2@x.io", "cea4@x.io"})
SWAPPED = frozenset(f"cea{i}@x.io" for i in range(1, 13)) - AS_WRITTEN
TAG = re.compile(r"^\[(?P<code>[a-z]{2})\] ")


def _week(runtime, chat, router, german: frozenset[str]) -> None:  # type: ignore[no-untyped-def]
    """One published week with a comment from each of the 12 people of Cea's team;
    ``german`` speak German with culturebot while they write."""
    import_org(runtime, org_csv("cea@x.io,Cea,,Support,leader,UTC", *team(12, "cea")))
    for email in german:
        chat(email).say("language de")
    chat("cea@x.io").say("checkin")
    for i, text in enumerate(TEXTS, start=1):
        assert click_score(runtime, router, f"cea{i}@x.io", 4, text)
    runtime.clock.advance(timedelta(days=10))
    run_due(runtime)


def _listed(said: str) -> list[str]:
    """The comment lines of a ``comments`` reply, without their dash."""
    return [line[2:] for line in said.splitlines() if line.startswith("- ")]


def _untagged(lines: list[str]) -> frozenset[str]:
    return frozenset(TAG.sub("", line) for line in lines)


@pytest.mark.parametrize("german", [AS_WRITTEN, SWAPPED], ids=["as-written", "swapped"])
def test_a_comment_is_tagged_by_its_own_language_whoever_wrote_it(
    runtime, chat, router, german
) -> None:  # type: ignore[no-untyped-def]
    """Both worlds list exactly the same lines: the authors' languages leave no trace, so a
    German speaker writing English is not told apart (cea4's English comment carries no tag)."""
    _week(runtime, chat, router, german)
    lines = _listed(chat("cea@x.io").say("comments"))
    assert len(lines) == len(TEXTS)
    expected = {f"[de] {t}" for t in GERMAN} | {f"[fr] {t}" for t in FRENCH} | set(ENGLISH)
    assert set(lines) == expected


def test_the_tag_follows_the_reader_and_never_changes_what_is_listed(runtime, chat, router) -> None:  # type: ignore[no-untyped-def]
    _week(runtime, chat, router, AS_WRITTEN)
    leader = chat("cea@x.io")
    in_english = _listed(leader.say("comments"))
    leader.say("language de")
    in_german = _listed(leader.say("comments"))
    # a German reader: German comments as they are, English and French tagged
    assert set(in_german) == set(GERMAN) | {f"[en] {t}" for t in ENGLISH} | {
        f"[fr] {t}" for t in FRENCH
    }
    # the same comments in the same order, whatever the reader's language
    assert [TAG.sub("", line) for line in in_english] == [TAG.sub("", line) for line in in_german]
    assert _untagged(in_english) == WRITTEN
    # an employee of the team reads the same set
    assert _untagged(_listed(chat("cea5@x.io").say("comments"))) == WRITTEN
