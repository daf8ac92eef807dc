"""The assessment on the console: launch, answer statement by statement, finish later, close."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

import prompts
from bot.app import run_due
from storage.roadmap import Assessment, AssessmentAnswer, AssessmentComment, AssessmentInvite
from tests.handlers.roadmap.helpers import ENGINEERING, ORG, SUPPORT, form_answers
from tests.support import import_org


def test_leader_launches_people_answer_partial_is_finished_later(runtime, chat, clock) -> None:
    import_org(runtime, ORG)
    launched = chat("lea@x.io").say("assess launch 10")
    assert "Assessment 1 launched: 14 people below Lea Leader were asked" in launched

    first = chat("s1@x.io")
    shown = first.inbox()
    assert "about 5 minutes" in shown and "[1] Answer the assessment" in shown
    statements = prompts.assessment().statements
    half = {s.id: 4 for s in statements[:7]}
    saved = first.say("1", *form_answers(half))
    assert "Saved: 7 of 15 statements answered" in saved
    assert "## Baseline assessment" in saved  # the form, asked field by field

    # later: `assess` offers the form again, pre-filled; Enter keeps what was given
    menu = first.say("assess")
    assert "[1] Answer the assessment" in menu
    rest = {s.id: 2 for s in statements[7:]}
    typed = ["" if s.id in half else str(rest[s.id]) for s in statements]
    finished = first.say("1", *_with_comments(typed, {"leadership": "More visits, please"}))
    assert "Thank you: your assessment is recorded" in finished
    again = first.say("assess")
    assert "Answer the assessment" not in again

    for email in [*SUPPORT[1:], *ENGINEERING]:
        person = chat(email)
        person.inbox()
        assert "Thank you" in person.say("1", *form_answers(3))

    with runtime.db.session() as session:
        assert session.exec(select(AssessmentAnswer)).all() == []  # nothing before it closes
        invite = session.exec(
            select(AssessmentInvite).where(AssessmentInvite.status == "submitted")
        ).first()
        assert invite is not None and invite.draft  # kept with the person only while open

    # 12 of 14 finished: one live count of the whole assessment, for every manager in it
    # (Sam's part alone, 6 of 6, would say that each of the six finished)
    status = chat("sam@x.io").say("assess status")
    assert "Finished so far, across everyone it asked: 10 or more" in status
    assert "6 of 6" not in status and "100%" not in status
    assert "10 or more" in chat("lea@x.io").say("assess status")

    clock.advance(timedelta(days=5, minutes=1))  # the middle of the window: Sat 01:01 in Berlin
    run_due(runtime)
    sam = chat("sam@x.io")
    assert "gentle reminder" not in sam.inbox()  # not at night, nor on a weekend
    clock.advance(timedelta(days=2, hours=8))  # Mon 09:01 in Berlin
    run_due(runtime)  # the reminder, to the two managers who did not answer
    assert "gentle reminder" in sam.inbox()
    assert "gentle reminder" not in chat("s2@x.io").inbox()

    clock.advance(timedelta(days=3))
    run_due(runtime)
    with runtime.db.session() as session:
        answers = session.exec(select(AssessmentAnswer)).all()
        assert len(answers) == 12 * len(statements)
        assert all(i.draft is None for i in session.exec(select(AssessmentInvite)))
        assert session.exec(select(Assessment)).one().status == "closed"
        comments = session.exec(select(AssessmentComment)).all()
        assert [c.comment for c in comments] == ["More visits, please"]
        assert not hasattr(answers[0], "person_id")
    assert "closed on" in sam.say("1")  # the reminder's button, after the close


def _with_comments(scores: list[str], comments: dict[str, str]) -> list[str]:
    bank = prompts.assessment()
    typed, it = [], iter(scores)
    for dimension in bank.dimensions:
        typed.extend(next(it) for _ in bank.of(dimension))
        typed.append(comments.get(dimension, ""))
    return typed


def test_launch_refusals_write_nothing(runtime, chat) -> None:
    import_org(runtime, ORG)
    refused = chat("sam@x.io").say("assess launch")
    assert "only leaders can launch" in refused
    assert "assess launch: the window must be 1 to 60 days" in chat("lea@x.io").say(
        "assess launch 90"
    )
    with runtime.db.session() as session:
        assert session.exec(select(Assessment)).all() == []
    assert "Assessment 1 launched" in chat("lea@x.io").say("assess launch")
    assert "already open" in chat("lea@x.io").say("assess launch")


def test_a_double_submit_is_kept_once(runtime, chat, router) -> None:
    from bot.core.chat import Incoming

    import_org(runtime, ORG)
    chat("lea@x.io").say("assess launch")
    with runtime.db.session() as session:
        invite = session.exec(select(AssessmentInvite).where(AssessmentInvite.person_id == 4)).one()
    fields = {s.id: "5" for s in prompts.assessment().statements}
    submit = Incoming(
        platform="console",
        user_id="s1@x.io",
        kind="action",
        name="assess.submit",
        ref=str(invite.id),
        fields=fields,
    )
    assert "Thank you" in router.handle(runtime, submit).replies[0].summary
    assert "kept your first answers" in router.handle(runtime, submit).replies[0].summary
    bad = Incoming(**{**submit.__dict__, "user_id": "s2@x.io"})
    assert router.handle(runtime, bad).refused


def test_the_form_renders_radio_buttons_pre_filled_on_slack_and_teams() -> None:
    from bot.platforms.slack import blocks as slack_blocks
    from bot.platforms.teams import cards as teams_cards
    from handlers.roadmap.assessment import answer_form

    invite = AssessmentInvite(id=7, assessment_id=1, person_id=1, draft='{"al1": "4"}')
    form = answer_form(invite)
    view = slack_blocks.modal(form)
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    assert len(inputs) == 20  # 15 statements and 5 comments: one modal
    first = inputs[0]["element"]
    assert first["type"] == "radio_buttons" and first["initial_option"]["value"] == "4"
    assert inputs[1]["element"]["type"] == "radio_buttons"
    assert "initial_option" not in inputs[1]["element"]
    card = teams_cards.render(teams_cards.form_message(form))
    sets = [e for e in card["body"] if e["type"] == "Input.ChoiceSet"]
    assert len(sets) == 15 and sets[0]["style"] == "expanded" and sets[0]["value"] == "4"
    assert not any(e.get("isRequired") for e in sets)
