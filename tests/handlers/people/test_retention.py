"""CULTUREBOT_RETENTION_MONTHS: comments and story texts older than that are deleted each
night; scores, counts and newer texts stay."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from bot.cli.main import app
from handlers.people import retention
from handlers.reports.disclosure import week_of
from storage.models import FormDraft, PulseAnswer, PulseRound
from storage.stories import Story


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_months_before_keeps_the_day_or_takes_the_months_last() -> None:
    assert retention.months_before(utc(2027, 3, 31, 3), 1) == utc(2027, 2, 28, 3)
    assert retention.months_before(utc(2027, 3, 15), 14) == utc(2026, 1, 15)


def seed(runtime) -> None:  # type: ignore[no-untyped-def]
    with runtime.db.session() as session:
        for day, comment in ((date(2026, 1, 1), "old words"), (date(2027, 2, 1), "new words")):
            opened = utc(day.year, day.month, day.day)
            round_ = PulseRound(
                question_id="q",
                created_at=opened,
                closes_at=opened + timedelta(days=3),
                period=week_of(day),
                closed=True,
            )
            session.add(round_)
            session.flush()
            session.add(
                PulseAnswer(
                    round_id=round_.id,  # type: ignore[arg-type]
                    period=round_.period,  # type: ignore[arg-type]
                    question_id="q",
                    theme="customer_focus",
                    team_path="/1/",
                    department="Sales",
                    score=4,
                    comment=comment,
                )
            )
        from tests.support import import_org, org_csv

    import_org(runtime, org_csv("lea@x.io,Lea Leader,,Exec,leader,UTC"))
    with runtime.db.session() as session:
        for key, when in (("old", utc(2026, 1, 2)), ("new", utc(2027, 2, 1))):
            session.add(
                Story(
                    author_id=1,
                    department="Exec",
                    team_path="/",
                    kind="story",
                    consent="named",
                    what_happened=f"{key} story text",
                    customer="Umbrella",
                    what_changed=f"{key} change",
                    polarity=0.5,
                    subjectivity=0.5,
                    created_at=when,
                    submission_key=key,
                )
            )


def test_old_comments_and_story_texts_go_and_the_figures_stay(runtime) -> None:
    seed(runtime)
    with runtime.db.session() as session:  # a story half typed long ago, and one of last week
        for ref, when in (("stories.old", utc(2026, 1, 1)), ("stories.new", utc(2027, 2, 20))):
            session.add(
                FormDraft(
                    person_id=1,
                    action="stories.submit",
                    ref=ref,
                    fields='{"what_happened": "half a story"}',
                    updated_at=when,
                )
            )
    runtime.settings.retention_months = 6
    runtime.clock.set(utc(2027, 3, 1, 3))
    assert retention.nightly(runtime).as_dict() == {
        "pulse_comments": 1,
        "stories": 1,
        "assessment_comments": 0,
        "form_drafts": 1,
        "conversation_links": 0,
    }
    with runtime.db.session() as session:
        answers = session.exec(select(PulseAnswer).order_by(PulseAnswer.id)).all()
        stories = session.exec(select(Story).order_by(Story.id)).all()
    assert [(a.score, a.comment) for a in answers] == [(4, None), (4, "new words")]
    assert stories[0].what_happened.startswith("(text removed after the 6-month")
    assert stories[0].customer is None and stories[0].polarity == 0.5
    assert stories[1].what_happened == "new story text" and stories[1].customer == "Umbrella"
    with runtime.db.session() as session:
        assert [d.ref for d in session.exec(select(FormDraft))] == ["stories.new"]
    # the next night there is nothing more to do, and nothing is recorded twice
    assert not any(retention.nightly(runtime).as_dict().values())
    with runtime.db.session() as session:
        from storage import audit

        purges = audit.events(session, action="retention.purge")
    assert len(purges) == 1 and purges[0].actor == "scheduler"
    assert json.loads(purges[0].details or "{}")["pulse_comments"] == 1


def test_zero_keeps_everything(runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    seed(runtime)
    runtime.clock.set(utc(2030, 1, 1))
    assert not any(retention.nightly(runtime).as_dict().values())
    monkeypatch.setenv("CULTUREBOT_DATABASE_URL", runtime.db.url)
    shown = CliRunner().invoke(app, ["person", "retention"])
    assert shown.exit_code == 0 and "everything is kept" in shown.output
    monkeypatch.setenv("CULTUREBOT_RETENTION_MONTHS", "10")  # the CLI runs on the real clock
    shown = CliRunner().invoke(app, ["person", "retention"])
    assert shown.exit_code == 0, shown.output
    assert "older than 10 months:" in shown.output and "pulse comments" in shown.output
    with runtime.db.session() as session:  # January 2026 is older than that on any real clock
        comments = session.exec(select(PulseAnswer.comment)).all()
    assert "old words" not in comments
