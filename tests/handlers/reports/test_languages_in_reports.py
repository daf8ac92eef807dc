"""Comments and stories in a language with no measured scorer stay out of sentiment figures,
reports say how many were not scored, and English figures are what they were."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.app import run_due
from handlers.common.sentiment import score
from handlers.reports import publish
from handlers.stories import reports as story_reports
from tests.attack import report_json
from tests.handlers.reports.test_disclosure_comments import team
from tests.support import comment, import_org, org_csv

ENGLISH = [
    "The customer call went really well, great teamwork",
    "Too many meetings this week, I could not help customers",
    "Support tickets were answered quickly, nice work",
    "I am frustrated that the release slipped again",
    "Happy with how we handled the complaint",
    "The new process is confusing and slow",
    "Customers liked the quick replies",
    "We finally fixed the billing bug, good job",
]
FRENCH = [
    "Le client était ravi de notre réponse rapide, merci à toute l'équipe.",
    "Trop de réunions cette semaine, je n'ai pas pu aider les clients.",
]


def test_french_comments_are_counted_not_scored_and_english_keep_their_mean(
    runtime, chat, router
) -> None:  # type: ignore[no-untyped-def]
    import_org(runtime, org_csv("cea@x.io,Cea,,Support,leader,UTC", *team(12, "cea")))
    chat("cea@x.io").say("checkin")
    for i, text in enumerate(ENGLISH + FRENCH, start=1):
        comment(runtime, router, f"cea{i}@x.io", text)
    runtime.clock.advance(timedelta(days=10))
    run_due(runtime)

    rows = [r for r in report_json(runtime)["rows"] if not r["withheld"]]
    assert rows and all(r["unscored"] == 2 for r in rows), rows
    english = [score(t).polarity for t in ENGLISH]
    assert {r["sentiment"] for r in rows} == {round(sum(english) / len(english), 1)}
    said = chat("cea@x.io").say("report")
    assert "2 not scored (a language with no measured sentiment scorer)" in said
    # the comments themselves are still listed, French included
    listed = chat("cea@x.io").say("comments")
    assert all(text in listed for text in FRENCH)


ORG = org_csv(
    "lea@x.io,Lea Leader,,Exec,leader,UTC",
    "sam@x.io,Sam Sales,lea@x.io,Sales,manager,UTC",
    *(f"s{i}@x.io,Sal {i},sam@x.io,Sales,employee,UTC" for i in range(1, 8)),
)
GERMAN = (
    "Der Kunde hat sich über die schnelle Antwort sehr gefreut",
    "Wir antworten jetzt noch am selben Tag auf jede Anfrage",
)
HAPPY = ("The customer loved the quick fix", "They were delighted and grateful")


def _stories(runtime, clock, authors: dict[str, tuple[str, str]]) -> dict:  # type: ignore[no-untyped-def]
    """Each author shares one story in the week of 1 March 2027; the week is published."""
    from tests.handlers.reports.test_story_figures_attacks import share

    clock.set(datetime(2027, 3, 1, 9, tzinfo=UTC))
    for who, words in authors.items():
        share(runtime.chat, who, words)
    clock.set(datetime(2027, 3, 17, 9, tzinfo=UTC))
    with runtime.db.session() as session:
        publish.publish_due(session, clock.now(), runtime.settings)
    with runtime.db.session() as session:
        section = story_reports.build(
            session, clock.now(), min_group_size=runtime.settings.min_group_size
        )
    return json.loads(story_reports.merge_json("{}", section))["stories"]


def test_a_german_story_is_not_scored_and_the_report_counts_it(runtime, chat, clock) -> None:  # type: ignore[no-untyped-def]
    import_org(runtime, ORG)
    runtime.chat = chat
    authors = {f"s{i}": HAPPY for i in range(1, 6)} | {"s6": GERMAN}
    data = _stories(runtime, clock, authors)
    assert data["unscored"] == 1
    [week] = [w for t in data["sentiment"] for w in t["weeks"]]
    happy = score(f"{HAPPY[0]}\n{HAPPY[1]}").polarity
    assert week["polarity"] == round(happy, 1)  # the five English stories only


def test_a_mean_left_to_one_scored_story_is_not_shown(runtime, chat, clock) -> None:  # type: ignore[no-untyped-def]
    """Attacker: a team of five shared stories, four in German. Sentiment counted only the
    English one, so the team's "mean polarity" would be that one person's story's score. The
    mean is a figure of the people behind it: fewer than five, it is withheld (the cell's
    count of people who shared is still shown)."""
    import_org(runtime, ORG)
    runtime.chat = chat
    authors = {f"s{i}": GERMAN for i in range(1, 5)} | {"s5": HAPPY}
    data = _stories(runtime, clock, authors)
    weeks = [w for t in data["sentiment"] for w in t["weeks"]]
    assert weeks and all(w["polarity"] is None for w in weeks)
    assert all(row["mood"] is None for row in data["shared"])
    assert data["unscored"] == 4
