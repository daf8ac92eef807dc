"""Answering a check-in: stored once and anonymously, late answers refused, role checks."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import inspect
from sqlmodel import func, select

from bot.app import run_due
from bot.core.chat import Incoming
from storage.models import PulseAnswer, PulsePrompt
from tests.support import import_org, org_csv

ORG = org_csv(
    "ceo@x.io,Cea,,Exec,leader,UTC",
    "m1@x.io,Mia,ceo@x.io,Sales,manager,UTC",
    "m2@x.io,Max,ceo@x.io,Support,manager,UTC",
    *(f"s{i}@x.io,S{i},m1@x.io,Sales,employee,UTC" for i in range(1, 6)),
    *(f"t{i}@x.io,T{i},m2@x.io,Support,employee,UTC" for i in range(1, 4)),
)


def answers(runtime) -> list[PulseAnswer]:
    """The answers stored for good: those of closed rounds."""
    with runtime.db.session() as session:
        return list(session.exec(select(PulseAnswer)))


def close_rounds(runtime) -> None:
    runtime.clock.advance(timedelta(hours=73))
    run_due(runtime)


def prompt_id(runtime, email: str) -> int:
    with runtime.db.session() as session:
        from storage.people import by_email

        person = by_email(session, email)
        return session.exec(select(PulsePrompt.id).where(PulsePrompt.person_id == person.id)).one()


def test_answer_is_stored_once_without_the_person(runtime, chat) -> None:
    import_org(runtime, ORG)
    chat("m1@x.io").say("checkin")
    s1 = chat("s1@x.io")
    s1.inbox()
    thanks = s1.say("2", "Not happy with the release")
    assert "Thanks, recorded, with your comment" in thanks and "2" not in thanks
    assert answers(runtime) == []  # pending until the round closes
    close_rounds(runtime)
    stored = answers(runtime)
    assert len(stored) == 1
    answer = stored[0]
    assert (answer.score, answer.department, answer.comment) == (
        2,
        "Sales",
        "Not happy with the release",
    )
    assert answer.polarity is not None
    assert answer.period == "2027-W09"
    columns = {c["name"] for c in inspect(runtime.db.engine).get_columns("pulse_answer")}
    assert not {"person_id", "email", "prompt_id", "answered_on", "created_at"} & columns


def test_double_click_and_platform_retry_keep_one_answer(runtime, router) -> None:
    import_org(runtime, ORG)
    router.handle(
        runtime, Incoming(platform="console", user_id="m1@x.io", kind="command", name="checkin")
    )
    ref = str(prompt_id(runtime, "s2@x.io"))
    click = Incoming(
        platform="console",
        user_id="s2@x.io",
        kind="action",
        name="pulse.answer",
        ref=ref,
        value="4",
        event_id="evt-1",
    )
    first = router.handle(runtime, click)
    assert first.update is not None and "Thanks, recorded" in first.update.summary
    retry = router.handle(runtime, click)  # the platform delivers the same event again
    assert retry.replies == [] and retry.update is None
    second_click = Incoming(**{**click.__dict__, "event_id": "evt-2", "value": "1"})
    again = router.handle(runtime, second_click)
    assert "already answered" in again.replies[0].summary
    close_rounds(runtime)
    assert [a.score for a in answers(runtime)] == [4]


def test_late_answers_are_politely_refused(runtime, chat) -> None:
    import_org(runtime, ORG)
    chat("m1@x.io").say("checkin")
    late = chat("s3@x.io")
    late.inbox()
    runtime.clock.advance(timedelta(hours=73))
    assert "closed on" in late.say("5")
    run_due(runtime)
    assert answers(runtime) == []


def test_someone_elses_prompt_cannot_be_answered(runtime, router) -> None:
    import_org(runtime, ORG)
    router.handle(
        runtime, Incoming(platform="console", user_id="m1@x.io", kind="command", name="checkin")
    )
    ref = str(prompt_id(runtime, "s1@x.io"))
    stolen = Incoming(
        platform="console",
        user_id="s2@x.io",
        kind="action",
        name="pulse.answer",
        ref=ref,
        value="1",
    )
    assert "not yours" in router.handle(runtime, stolen).replies[0].summary
    bad = Incoming(
        platform="console",
        user_id="s1@x.io",
        kind="action",
        name="pulse.answer",
        ref=ref,
        value="9",
    )
    assert "1 to 5" in router.handle(runtime, bad).replies[0].summary
    assert answers(runtime) == []


def test_only_managers_check_in_and_only_within_their_subtree(runtime, chat) -> None:
    import_org(runtime, ORG)
    assert "only managers can start a check-in" in chat("s1@x.io").say("checkin")
    assert "only start a check-in for your own team" in chat("m1@x.io").say("checkin t1@x.io")
    assert "only start a check-in for your own team" in chat("m1@x.io").say("checkin m2@x.io")
    assert "3 people in your team were asked" in chat("ceo@x.io").say("checkin m2@x.io")
    with runtime.db.session() as session:
        asked = session.exec(select(func.count()).select_from(PulsePrompt)).one()
    assert asked == 3
    assert "already running" in chat("ceo@x.io").say("checkin")


def test_report_withholds_a_team_of_three_and_what_would_give_it_away(runtime, chat) -> None:
    """Sales (5) and Product (6) answer; Support (3) is too small. Everyone below Cea minus
    Product and Sales would be Support: Sales (the smaller) is withheld too. Nothing is
    reported before the week is over."""
    product = [f"p{i}@x.io,P{i},m3@x.io,Product,employee,UTC" for i in range(1, 7)]
    import_org(
        runtime,
        ORG.rstrip("\n")
        + "\nm3@x.io,Pat,ceo@x.io,Product,manager,UTC\n"
        + "\n".join(product)
        + "\n",
    )
    chat("ceo@x.io").say("checkin")
    members = [f"s{i}@x.io" for i in range(1, 6)] + [f"t{i}@x.io" for i in range(1, 4)]
    for email in members + [f"p{i}@x.io" for i in range(1, 7)]:
        person = chat(email)
        person.inbox()
        person.say("4" if email.startswith("p") else "2")
    assert "No results yet" in chat("ceo@x.io").say("report")
    runtime.clock.advance(timedelta(days=10))
    run_due(runtime)
    report = chat("ceo@x.io").say("report")
    # the check-in went to everyone below Cea: the organisation's row is that row, and says
    # how much of the organisation was asked (Cea herself was not)
    assert (
        "Everyone below Cea (the same people: Whole organisation (asked: 17 of 18)) - "
        "Customer focus: mean 2.9 (10-19 people, 80% participation" in report
    )
    assert "Everyone below Pat - Customer focus: mean 4.0 (5-9 people" in report
    # withheld figures: one line that counts them, the details on request
    assert "withheld" not in report
    assert re.search(r"\n\d+ figures of smaller groups are not shown, to protect anonymity", report)
    details = chat("ceo@x.io").say("report details")
    assert "- Everyone below Max - Customer focus: withheld (fewer than 5 respondents)" in details
    assert "- Everyone below Mia - Customer focus: withheld (it would give a smaller" in details
    assert "- Support - Customer focus: withheld (fewer than 5 respondents)" in details
    assert "- Sales - Customer focus: withheld (it would give a smaller group away)" in details
    assert "mean" not in details
    # an employee sees the organisation, departments and their own team
    employee_view = chat("s1@x.io").say("report")
    assert "Pat" not in employee_view and "Whole organisation" in employee_view
    assert re.search(r"\n\d figures of smaller groups are not shown", employee_view)
    employee_details = chat("s1@x.io").say("report details")
    assert "- Team of Mia - Customer focus: withheld" in employee_details
    assert "- Support - Customer focus: withheld" in employee_details


def test_unknown_people_and_oversized_text_get_a_polite_answer(runtime, router) -> None:
    import_org(runtime, ORG)
    stranger = router.handle(
        runtime, Incoming(platform="console", user_id="who@x.io", kind="message", text="help")
    )
    assert "don't know you yet" in stranger.replies[0].summary
    huge = router.handle(
        runtime, Incoming(platform="console", user_id="s1@x.io", kind="message", text="x" * 6000)
    )
    assert "6000 characters long" in huge.replies[0].summary
    unknown = router.handle(
        runtime, Incoming(platform="console", user_id="s1@x.io", kind="message", text="dance")
    )
    assert 'don\'t know "dance"' in unknown.replies[0].summary


def test_help_depends_on_the_role(chat, runtime) -> None:
    import_org(runtime, ORG)
    assert "checkin" not in chat("s1@x.io").say("help")
    assert "checkin - start a check-in" in chat("m1@x.io").say("help")


def test_a_comment_with_control_characters_is_kept_as_plain_text(runtime, chat) -> None:
    import_org(runtime, ORG)
    chat("m1@x.io").say("checkin")
    s1 = chat("s1@x.io")
    s1.inbox()
    assert "with your comment" in s1.say("4", "Great\x00 call\r\nwith the customer\x1b")
    close_rounds(runtime)
    assert [a.comment for a in answers(runtime)] == ["Great call\nwith the customer"]
