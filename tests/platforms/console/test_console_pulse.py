"""The console platform end to end: a manager starts a check-in, people answer, report counts it."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.app import run_due
from handlers.reports import pulse_reports as reports
from tests.support import import_org, org_csv

TEAM = org_csv(
    "boss@x.io,Boss,,Ops,leader,Europe/Berlin",
    *(f"p{i}@x.io,P{i},boss@x.io,Ops,employee,Europe/Berlin" for i in range(1, 7)),
)


def test_person_receives_prompt_answers_and_report_counts_it(runtime, chat) -> None:
    import_org(runtime, TEAM)
    started = chat("boss@x.io").say("checkin")
    assert "6 people in your team were asked" in started

    for i in range(1, 7):
        person = chat(f"p{i}@x.io")
        shown = person.inbox()
        assert "Your answer is anonymous" in shown
        assert "type a number 1-5" in shown
        thanks = person.say("4", "Customers liked it")
        assert "Thanks, recorded, with your comment" in thanks and "4" not in thanks

    run_due(runtime)  # nothing more is due: nobody is asked twice
    assert "type a number" not in chat("p1@x.io").inbox()
    # a check-in is reported once it has closed
    assert "No results yet" in chat("boss@x.io").say("report")
    runtime.clock.advance(timedelta(days=10))
    run_due(runtime)
    with runtime.db.session() as session:
        report = reports.build(session, min_group_size=5)
    # the boss's check-in is the figure of the group asked; the organisation is the same
    # people (the boss was not asked): one row, with every name it goes by
    total = next(r for r in report.rows if "Whole organisation" in [a.group for a in r.also])
    assert (total.respondents, total.mean, total.participation) == ("5-9", 4.0, 1.0)
    assert json.loads(report.to_json())["rows"][0]["respondents"] == "5-9"
    said = chat("p1@x.io").say("report")
    assert "Whole organisation (asked: 6 of 7)) - Customer focus: mean 4.0 (5-9 people" in said


def test_console_numbers_and_forms_are_forgiving(runtime, chat, router) -> None:
    """A number out of range is explained; end of input in a form sends nothing."""
    from bot.core.chat import Form, FormField, Response

    import_org(runtime, TEAM)
    chat("boss@x.io").say("checkin")
    person = chat("p1@x.io")
    person.inbox()
    assert "Please type one of the numbers shown" in person.say("9")
    assert "Thanks, recorded" in person.say("3", "")

    form = Form(action="nowhere", title="Tell us", fields=(FormField(name="what", label="What"),))
    person.console.show_response(Response(form=form))  # the person presses Ctrl-D at the prompt
    assert "Cancelled: nothing was sent." in person.take()
