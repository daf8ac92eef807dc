"""Comment lists are sets (issue 19, finding 1): a manager who reads two lists can intersect
and subtract them. The attacker reads every list a viewer is shown, as printed by
``culturebot comments`` (and ``culturebot assess comments``), and works out for every comment
the people who could have written it; none may be fewer than the comment minimum (10)."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, update
from sqlmodel import col, select
from typer.testing import CliRunner

from bot.app import run_due
from bot.core.config import Settings
from handlers.reports import disclosure, publish
from handlers.roadmap import baseline
from storage.disclosure_models import DisclosureCell
from storage.job_marks import JobMark
from storage.models import Person
from storage.roadmap import Assessment, AssessmentAnswer, AssessmentComment, AssessmentInvite
from tests.attack import candidate_authors, comment_groups, comment_lists, report_json
from tests.handlers.cascade.helpers import NOTE, broadcast
from tests.handlers.reports.test_disclosure_attacker import THEMES, _seed, _wipe
from tests.handlers.roadmap.helpers import form_answers
from tests.support import click_score, comment, import_org, org_csv

K = 10  # min_comment_group_size

# (email, name, manager email, department)
Row = tuple[str, str, str | None, str]


def _people(manager: str, departments: list[str]) -> list[Row]:
    return [
        (f"{manager}{i}@x.io", f"{manager.title()}{i}", f"{manager}@x.io", department)
        for i, department in enumerate(departments, 1)
    ]


# Finding 1, first example: the team of Max has 10 Sales people and one Support person;
# Support has 11 commenters, the other ten spread over two teams mixed with Sales, so no sum
# of the lists singles anyone out, but Max's list and Support's share exactly one comment.
ONE_IN_COMMON: list[Row] = [
    ("cea@x.io", "Cea", None, "Exec"),
    ("max@x.io", "Max", "cea@x.io", "Exec"),
    ("nia@x.io", "Nia", "cea@x.io", "Exec"),
    ("oli@x.io", "Oli", "cea@x.io", "Exec"),
    *_people("max", ["Sales"] * 10 + ["Support"]),
    *_people("nia", ["Support"] * 5 + ["Sales"] * 5),
    *_people("oli", ["Support"] * 5 + ["Sales"] * 5),
]
# The second: everyone below Ada (19: 9 Sales, 5 Ops, 5 HR) and Sales (19) share 9 comments.
NINE_IN_COMMON: list[Row] = [
    ("cea@x.io", "Cea", None, "Exec"),
    ("ada@x.io", "Ada", "cea@x.io", "Exec"),
    ("ben@x.io", "Ben", "cea@x.io", "Exec"),
    *_people("ada", ["Sales"] * 9 + ["Ops"] * 5 + ["HR"] * 5),
    *_people("ben", ["Sales"] * 10 + ["Ops"] * 5 + ["HR"] * 5),
]


def _import(runtime, rows: list[Row]) -> list[str]:  # type: ignore[no-untyped-def]
    """The org; returns the people who will comment (everyone who is not a manager)."""
    import_org(
        runtime,
        org_csv(
            *(
                f"{e},{n},{b or ''},{d},{'leader' if not b else 'employee'},UTC"
                for e, n, b, d in rows
            )
        ),
    )
    managers = {b for _, _, b, _ in rows if b}
    return [e for e, _, _, _ in rows if e not in managers]


def _cli(runtime, *args: str) -> str:  # type: ignore[no-untyped-def]
    from bot.cli.main import app

    result = CliRunner().invoke(app, list(args), env={"CULTUREBOT_DATABASE_URL": runtime.db.url})
    assert result.exit_code == 0, result.output
    return result.output


def _attack(
    lists: dict[str, frozenset[str]], rows: list[Row], written: dict[str, str]
) -> dict[str, frozenset[str]]:
    """Every comment's candidate authors from ``lists``; each holds the real author (the
    lists are whole: what a reader sees is all there is)."""
    groups = comment_groups(rows)
    members = {label: frozenset(groups[label] & set(written.values())) for label in lists}
    candidates = candidate_authors(lists, members)
    for text, who in candidates.items():
        assert written[text] in who, (text, sorted(who))
    return candidates


def _pulse_week(runtime, chat, router, rows: list[Row]) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Everyone below Cea answers one check-in with a comment; the week closes."""
    people = _import(runtime, rows)
    chat("cea@x.io").say("checkin")
    written = {}
    for i, email in enumerate(people):
        text = f"remark number {i} about customers"
        comment(runtime, router, email, text)
        written[text] = email
    runtime.clock.advance(timedelta(days=10))
    run_due(runtime)
    return written


def _pulse_lists(runtime, email: str) -> dict[str, frozenset[str]]:  # type: ignore[no-untyped-def]
    lists = comment_lists(_cli(runtime, "comments", "--as", email))
    assert len(lists) == 1  # one week, one theme
    return next(iter(lists.values()))


def test_a_team_and_a_department_sharing_one_comment_do_not_name_its_author(
    runtime, chat, router
) -> None:
    written = _pulse_week(runtime, chat, router, ONE_IN_COMMON)
    for viewer in ("max@x.io", "cea@x.io"):
        lists = _pulse_lists(runtime, viewer)
        smallest = min(_attack(lists, ONE_IN_COMMON, written).items(), key=lambda c: len(c[1]))
        assert len(smallest[1]) >= K, (viewer, smallest, {k: len(v) for k, v in lists.items()})
        # every comment is still read, in the larger group
        assert set().union(*lists.values()) == set(written)


def test_everyone_below_and_sales_sharing_nine_comments_are_not_both_listed(
    runtime, chat, router
) -> None:
    written = _pulse_week(runtime, chat, router, NINE_IN_COMMON)
    for viewer in ("ada@x.io", "cea@x.io", "ada1@x.io", "ben1@x.io"):
        lists = _pulse_lists(runtime, viewer)
        smallest = min(_attack(lists, NINE_IN_COMMON, written).items(), key=lambda c: len(c[1]))
        assert len(smallest[1]) >= K, (viewer, smallest, {k: len(v) for k, v in lists.items()})
        assert set().union(*lists.values()) == set(written)


def test_comment_sentiment_is_shown_only_where_the_comment_list_is(runtime, chat, router) -> None:
    """The first example: the set rule withholds one of Max's team and Support. Were its
    sentiment shown (it has 11 commenters, enough for the old sentiment rule), a reader who
    scores the texts of the larger list could pick out the one comment whose sentiment
    matches. Sentiment appears only beside a list that is shown: chat report, CLI JSON and
    CSV, and the dashboard all read it from the gate."""
    written = _pulse_week(runtime, chat, router, ONE_IN_COMMON)
    groups = comment_groups(ONE_IN_COMMON)

    def commenters(label: str) -> frozenset[str]:
        return frozenset(groups[label]) & frozenset(written.values())

    # a list identical to one listed is listed once, under the broader label
    listed = {commenters(label) for label in _pulse_lists(runtime, "cea@x.io")}
    assert commenters("Support") not in listed or commenters("Team of Max") not in listed
    rows = report_json(runtime)["rows"]
    # a row holding the same people as others is one row, their names under "also"
    named = {row["group"] for row in rows if row["sentiment"] is not None}
    moods = named | {a["group"] for r in rows if r["sentiment"] is not None for a in r["also"]}
    assert moods and {commenters(label) for label in moods} <= listed, moods
    chat_report = chat("cea@x.io").say("report")
    for line in chat_report.splitlines():
        if "comment sentiment" in line:
            name = line.split(" - ")[0].split(" (the same people: ")[0]
            assert commenters(name) in listed, line
    table = csv.DictReader(io.StringIO(_cli(runtime, "report", "--format", "csv")))
    shown = [row for row in table if row["sentiment"]]
    assert {row["group"] for row in shown} == named
    with runtime.db.session() as session:
        cells = disclosure.visible_cells(session, None)
    assert {c.label for c in cells if c.sentiment is not None} == moods


# A person moves mid-week: in Max's team at Monday's check-in, in Nia's at Ada's. Max's five
# commenters (the mover among them) and Nia's four (and one who answers without a comment)
# make 9 people, but each team counts the mover: 5 + 5 = 10.
MOVES: list[Row] = [
    ("cea@x.io", "Cea", None, "Exec"),
    ("ada@x.io", "Ada", "cea@x.io", "Exec"),
    ("max@x.io", "Max", "ada@x.io", "Exec"),
    ("nia@x.io", "Nia", "ada@x.io", "Exec"),
    *_people("max", ["Sales"] * 5),
    *_people("nia", ["Sales"] * 5),
]


@pytest.mark.parametrize("extra", [0, 1], ids=["nine-people", "ten-people"])
def test_a_person_who_moves_mid_week_is_counted_once(
    runtime, chat, router, monkeypatch, extra: int
) -> None:
    """Comment groups count people, not (person, team) pairs: with 9 real commenters below
    Ada no list holds their comments; with one more (10) they are listed. Figures need 12
    people here, so neither check-in is shown alone (a round the gate shows whole is a period
    of its own): both count in their week, which holds the mover in two teams."""
    monkeypatch.setattr(runtime.settings, "min_group_size", 12)
    rows = MOVES + _people("max", ["Sales"] * 6)[5:] * extra
    _import(runtime, rows)
    written: dict[str, str] = {}

    def say(email: str, text: str | None) -> None:
        if text is None:
            assert "Thanks" in click_score(runtime, router, email, 3)
            return
        comment(runtime, router, email, text)
        written[text] = email

    assert "asked" in chat("cea@x.io").say("checkin").lower()
    for i in range(1, 6 + extra):
        say(f"max{i}@x.io", f"monday remark {i} from Max's team")
    for i in range(1, 5):
        say(f"nia{i}@x.io", f"monday remark {i} from Nia's team")
    say("nia5@x.io", None)
    moved = [
        (e, n, "nia@x.io" if e == "max1@x.io" else b, d) for e, n, b, d in rows
    ]  # max1 joins Nia's team
    _import(runtime, moved)
    runtime.clock.advance(timedelta(days=3, hours=1))  # Thursday: Cea's check-in closed
    run_due(runtime)
    assert "asked" in chat("ada@x.io").say("checkin").lower()  # the same first question
    for i in range(1, 5):
        say(f"nia{i}@x.io", f"afternoon remark {i} from Nia's team")
    say("max1@x.io", "afternoon remark from the newcomer")
    say("max@x.io", None)
    say("nia@x.io", None)  # the week holds 12 (13) people, each check-in fewer
    runtime.clock.advance(timedelta(days=10))
    run_due(runtime)
    for viewer in ("cea@x.io", "ada@x.io", "nia@x.io"):
        lists = comment_lists(_cli(runtime, "comments", "--as", viewer))
        lists = next(iter(lists.values()), {})
        for text, who in _attack(lists, moved, written).items():
            assert len(who) >= K, (viewer, text, sorted(who))
        if extra:  # ten people: their comments are read
            assert set().union(*lists.values()) == set(written), viewer
        else:
            assert not lists, (viewer, lists)


def test_cascade_questions_are_one_list_without_the_manager_they_went_to(runtime, chat) -> None:
    """Questions go to the asker's own manager; the sender's chain report lists them as one
    list for everyone reached (no manager, no time, no order), and only once 10 were
    reached: "to Max" would name the one Support person of Max's team."""
    _import(runtime, ONE_IN_COMMON)
    cea = chat("cea@x.io")
    assert "[1] Send" in broadcast(cea)
    for manager in ("max", "nia", "oli"):
        person = chat(f"{manager}@x.io")
        assert "[1] Relay to my team" in person.inbox()
        person.say("1", NOTE)
    asker = chat("max11@x.io")
    assert "Ask a question" in asker.inbox()
    assert "Your question went to Max" in asker.say("2", "Does Support take the calls too?")
    report = cea.say("cascade report")
    assert "Questions: 1 (1 unanswered)" in report
    assert "- (unanswered) Does Support take the calls too?" in report
    assert "to Max" not in report and "Max11" not in report
    shown = _cli(runtime, "cascade", "report", "1", "--format", "json")
    (question,) = json.loads(shown)["questions"]
    assert set(question) == {"answered", "text"}  # no manager, no time


def test_weeks_published_by_the_old_gate_are_checked_again_once(runtime, chat, router) -> None:
    """A database where the old (linear) gate published the first example: Max's team and
    Support both listed. The next tick withholds what the set rule would not show."""
    written = _pulse_week(runtime, chat, router, ONE_IN_COMMON)
    with runtime.db.session() as session:  # as the old gate left it
        session.execute(
            update(DisclosureCell)
            .where(col(DisclosureCell.kind) == "department", col(DisclosureCell.shown))
            .values(comments_shown=True)
        )
        session.execute(delete(JobMark).where(col(JobMark.name) == disclosure.COMMENT_SETS_MARK))

    def lists() -> dict[str, frozenset[str]]:
        with runtime.db.session() as session:
            max_ = session.exec(select(Person).where(Person.email == "max@x.io")).one()
            return {g.label: frozenset(g.comments) for g in disclosure.comments(session, max_)}

    before = _attack(lists(), ONE_IN_COMMON, written)
    assert min(len(who) for who in before.values()) == 1  # max11 wrote it
    run_due(runtime)
    after = _attack(lists(), ONE_IN_COMMON, written)
    assert min(len(who) for who in after.values()) >= K
    assert set(after) == set(written)  # still every comment, in the larger group


def test_assessment_comment_lists_are_sets_too(runtime, chat, clock) -> None:
    """The first example again, with the assessment's comments (``assess comments``)."""
    people = _import(runtime, ONE_IN_COMMON)
    chat("cea@x.io").say("assess launch 7")
    written = {}
    for i, email in enumerate(people):
        text = f"assessment remark {i}"
        person = chat(email)
        person.inbox()
        person.say("1", *form_answers(4, {"leadership": text}))
        written[text] = email
    clock.advance(timedelta(days=7, minutes=1))
    run_due(runtime)

    def smallest(viewer: str) -> int:
        groups = json.loads(_cli(runtime, "assess", "comments", "--as", viewer, "--format", "json"))
        lists = {g["group"]: frozenset(g["comments"]) for g in groups}
        assert set().union(*lists.values()) == set(written)
        return min(len(who) for who in _attack(lists, ONE_IN_COMMON, written).values())

    assert smallest("max@x.io") >= K and smallest("cea@x.io") >= K
    # as the old (linear) gate published it: Support listed too; the next tick checks again
    with runtime.db.session() as session:
        session.execute(
            update(DisclosureCell)
            .where(col(DisclosureCell.kind) == "department", col(DisclosureCell.shown))
            .values(comments_shown=True)
        )
        session.execute(delete(JobMark).where(col(JobMark.name) == disclosure.COMMENT_SETS_MARK))
    assert smallest("max@x.io") == 1
    run_due(runtime)
    assert smallest("max@x.io") >= K and smallest("cea@x.io") >= K


def test_an_assessment_is_checked_again_with_the_counts_it_is_published_with(
    runtime, chat, clock
) -> None:
    """Re-checking an assessment's lists counts its commenters with the code that publishes
    it (``handlers.reports.atoms.assessment_atoms``: people from the invites still on record). Max's
    team (10 commenters) was listed; then one of them is erased. The re-check now finds 9
    people behind the list, as a fresh publication would, and withholds it: no comment is
    narrowed to fewer than 10 people the organisation still holds."""
    rows: list[Row] = [
        ("cea@x.io", "Cea", None, "Exec"),
        ("max@x.io", "Max", "cea@x.io", "Exec"),
        ("nia@x.io", "Nia", "cea@x.io", "Exec"),
        *_people("max", ["Sales"] * 10),
        *_people("nia", ["Support"] * 10),
    ]
    people = _import(runtime, rows)
    chat("cea@x.io").say("assess launch 7")
    written = {}
    for i, email in enumerate(people):
        text = f"assessment remark {i}"
        person = chat(email)
        person.inbox()
        person.say("1", *form_answers(4, {"leadership": text}))
        written[text] = email
    clock.advance(timedelta(days=7, minutes=1))
    run_due(runtime)

    def smallest() -> int:
        groups = json.loads(
            _cli(runtime, "assess", "comments", "--as", "cea@x.io", "--format", "json")
        )
        lists = {g["group"]: frozenset(g["comments"]) for g in groups}
        still = {e for e, _, _, _ in rows if e != "max1@x.io"}
        members = {
            label: frozenset(comment_groups(rows)[label] & still & set(written.values()))
            for label in lists
        }
        return min(len(who) for who in candidate_authors(lists, members).values())

    _cli(runtime, "person", "erase", "max1@x.io", "--yes")
    with runtime.db.session() as session:  # a database the set rule has not checked yet
        session.execute(delete(JobMark).where(col(JobMark.name) == disclosure.COMMENT_SETS_MARK))
    assert smallest() == 9  # Max's team's list (or Sales, the same list)
    run_due(runtime)
    assert smallest() >= K


@st.composite
def commented_histories(draw: st.DrawFn) -> tuple[list[tuple[str, str | None, str]], list, list]:
    """A random organisation (up to 150 people, depth up to 4, teams of 1-15, departments
    crossing the hierarchy) and a week or two of rounds in which many people comment."""
    departments = [f"D{i}" for i in range(draw(st.integers(1, 4)))]
    people = [("p0@x.io", None, draw(st.sampled_from(departments)))]
    frontier = [("p0@x.io", 1)]
    size = draw(st.integers(12, 150))
    while frontier and len(people) < size:
        manager, depth = frontier.pop(0)
        for _ in range(draw(st.integers(1, 15))):
            if len(people) >= size:
                break
            email = f"p{len(people)}@x.io"
            people.append((email, manager, draw(st.sampled_from(departments))))
            if depth < 4 and draw(st.integers(0, 2)) == 0:
                frontier.append((email, depth + 1))
    managers = sorted({m for _, m, _ in people if m})
    rolls = st.sampled_from([0.1, 0.3, 0.7])  # under 0.5: answered with a comment
    rounds = [
        {
            "week": draw(st.integers(0, 1)),
            "question": draw(st.sampled_from(THEMES[:2])),
            "root": draw(st.sampled_from([None, None, *managers])),
            "answers": draw(st.lists(rolls, min_size=len(people), max_size=len(people))),
            "share": 1.0,
        }
        for _ in range(draw(st.integers(1, 3)))
    ]
    # and an assessment of everyone: the same rolls decide who comments on leadership
    assessment = draw(st.lists(rolls, min_size=len(people), max_size=len(people)))
    return people, rounds, assessment


def _seed_assessment(database, people, rolls: list[float]) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A closed assessment of everyone below the top, as it is once its answers are moved:
    submitted invites with their atoms, unlinked comments; published. Returns who wrote
    each comment."""
    opened = datetime(2027, 3, 1, 9, tzinfo=UTC)
    written = {}
    with database.session() as session:
        by_email = {p.email: p for p in session.exec(select(Person))}
        by_id = {p.id: p for p in by_email.values()}
        top = by_email[people[0][0]]
        assessment = Assessment(
            scope_id=top.id,  # type: ignore[arg-type]
            launched_by_id=top.id,  # type: ignore[arg-type]
            created_at=opened,
            remind_at=opened,
            closes_at=opened + timedelta(days=7),
            status="closed",
        )
        session.add(assessment)
        session.flush()
        for i, (email, _, _) in enumerate(people[1:], 1):
            person = by_email[email]
            team_path = by_id[person.manager_id].path  # type: ignore[index]
            atom = {"team_path": team_path, "department": person.department}
            session.add(
                AssessmentInvite(
                    assessment_id=assessment.id,  # type: ignore[arg-type]
                    person_id=person.id,  # type: ignore[arg-type]
                    status="submitted",
                    **atom,
                )
            )
            session.add(
                AssessmentAnswer(
                    assessment_id=assessment.id,  # type: ignore[arg-type]
                    dimension="leadership",
                    statement_id="ld01",
                    score=1 + i % 5,
                    **atom,
                )
            )
            if rolls[i] < 0.5:
                text = f"assessment words {i}"
                written[text] = email
                session.add(
                    AssessmentComment(
                        assessment_id=assessment.id,  # type: ignore[arg-type]
                        dimension="leadership",
                        comment=text,
                        **atom,
                    )
                )
        session.flush()
        config = Settings(database_url=database.url, _env_file=None)  # type: ignore[call-arg]
        baseline.publish(session, assessment, opened + timedelta(days=8), config)
    return written


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=commented_histories())
def test_no_comment_is_narrowed_below_ten_people_from_every_list_anyone_reads(
    database, history
) -> None:  # type: ignore[no-untyped-def]
    """Every role reads its comment lists: pulse comments (``disclosure.comments``: chat
    ``comments``, ``culturebot comments``) and assessment comments (``baseline.comment_groups``:
    ``culturebot assess comments``, JSON and CSV). The union of everything read, per week and
    theme (or assessment and dimension), is intersected and subtracted; every comment's
    candidate authors number at least 10."""
    people, rounds, assessment = history
    _wipe(database)
    _, commenters = _seed(database, people, rounds)
    config = Settings(database_url=database.url, _env_file=None)  # type: ignore[call-arg]
    with database.session() as session:
        publish.publish_due(session, datetime(2027, 3, 20, tzinfo=UTC), config)
    author = {f"words {i}-{n}": e for n in range(len(rounds)) for i, (e, _, _) in enumerate(people)}
    author.update(_seed_assessment(database, people, assessment))
    # everything every role reads, per (week or assessment, theme or dimension)
    read: dict[tuple[str, str], dict[str, frozenset[str]]] = defaultdict(dict)
    with database.session() as session:
        for viewer in [None, *session.exec(select(Person))]:
            lists = [
                (g.period, g.measure, g.label, g.comments)
                for g in disclosure.comments(session, viewer)
            ]
            lists += [
                (f"assessment:{g.assessment_id}", g.dimension, g.group, g.comments)
                for g in baseline.comment_groups(session, viewer)
            ]
            for period, measure, label, texts in lists:
                seen = read[(period, measure)].setdefault(label, frozenset(texts))
                assert seen == frozenset(texts)  # one group, one list, for every reader
    groups = comment_groups([(e, e.split("@")[0].upper(), m, d) for e, m, d in people])
    for (period, measure), lists in read.items():
        wrote = {author[t] for texts in lists.values() for t in texts}
        if not period.startswith("assessment:"):  # everyone who commented, read or not
            wrote |= set(commenters[(period, measure)])
        else:
            wrote |= {e for t, e in author.items() if t.startswith("assessment")}
        members = {label: frozenset(groups[label] & wrote) for label in lists}
        for text, who in candidate_authors(lists, members).items():
            assert author[text] in who  # the lists are whole
            assert len(who) >= K, (period, measure, text, sorted(who), sorted(lists))
