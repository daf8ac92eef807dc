"""Results reach people without anyone asking: when a week is published, each manager with a
shown figure for their team gets one message in their working hours; they can share it with
their team (once) and plan an action from it. Everything is a figure the gate published."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

import prompts
from bot.app import run_due
from bot.core.chat import Incoming, Message, Response
from bot.core.router import Router
from bot.core.runtime import Runtime
from handlers.reports import disclosure
from handlers.reports import pulse_reports as reports
from handlers.roadmap import results
from storage import people
from storage.models import Outbox
from storage.results import ResultsMessage
from storage.roadmap import Objective
from tests.handlers.roadmap import results_helpers as h
from tests.support import Chat

W10 = "2027-W10"


@pytest.fixture
def seeded(runtime: Runtime) -> Runtime:
    h.seed(runtime)
    run_due(runtime)  # 2027-W10 is published now
    return runtime


def _messages(runtime: Runtime, kind: str = "results.message") -> dict[str, Outbox]:
    """The queued messages of ``kind`` for 2027-W10, by the email of who gets them."""
    with runtime.db.session() as session:
        rows = session.exec(select(Outbox).where(Outbox.kind == kind)).all()
        emails = {p.id: p.email for p in session.exec(select(people.Person))}
    if kind == "results.message":
        rows = [r for r in rows if W10 in r.idempotency_key]
    return {emails[r.person_id]: r for r in rows}


def _row(runtime: Runtime, email: str) -> ResultsMessage:
    with runtime.db.session() as session:
        person = people.by_email(session, email)
        assert person is not None
        return session.exec(
            select(ResultsMessage).where(
                ResultsMessage.person_id == person.id, ResultsMessage.period == W10
            )
        ).one()


def _press(
    runtime: Runtime, router: Router, email: str, action: str, value: str, **fields: str
) -> Response:
    return router.handle(
        runtime,
        Incoming(
            platform="console",
            user_id=email,
            kind="action",
            name=action,
            value=value,
            ref=fields.pop("ref", ""),
            fields=fields,
        ),
    )


def _figure_lines(message: Message) -> list[str]:
    return [p.text for p in message.parts if p.type == "text" and " people)" in p.text]


def test_each_manager_with_a_shown_team_gets_one_message_in_their_working_hours(
    seeded: Runtime, router: Router
) -> None:
    sent = _messages(seeded)
    # Tim's team of three is under the minimum: he gets nothing; Lea gets her part's figures
    assert set(sent) == {"sam@x.io", "eve@x.io", "lea@x.io"}
    # 03:00 UTC is 04:00 in Berlin and 23:00 the evening before in New York
    assert sent["sam@x.io"].next_attempt_at == datetime(2027, 3, 17, 8, 0, tzinfo=UTC)
    assert sent["lea@x.io"].next_attempt_at == datetime(2027, 3, 17, 8, 0, tzinfo=UTC)
    assert sent["eve@x.io"].next_attempt_at == datetime(2027, 3, 17, 13, 0, tzinfo=UTC)

    sam = Chat(seeded, router, "sam@x.io")
    assert "week of 8 Mar 2027" not in sam.inbox()  # night in Berlin: it waits
    seeded.clock.set(datetime(2027, 3, 17, 8, 0, tzinfo=UTC))  # type: ignore[attr-defined]
    shown = sam.inbox()
    assert "Pulse results for the week of 8 Mar 2027" in shown
    assert "Customer focus: 4.0 (5-9 people), up 1.0 since the last results" in shown
    assert "Leadership commitment: 3.0 (5-9 people), the same as the last results" in shown
    assert "Furthest below the organisation: Leadership commitment (3.0 here" in shown
    assert "Plan an action" in shown and "Share with my team" in shown
    eve = Chat(seeded, router, "eve@x.io")
    assert "week of 8 Mar 2027" not in eve.inbox()  # 04:00 in New York
    seeded.clock.set(datetime(2027, 3, 17, 13, 0, tzinfo=UTC))  # type: ignore[attr-defined]
    assert "Furthest below the organisation: Customer focus (2.0 here" in eve.inbox()


def test_a_leader_reads_their_part_not_their_small_team(seeded: Runtime) -> None:
    message = Message.from_json(_messages(seeded)["lea@x.io"].payload)
    words = "\n".join(p.text for p in message.parts if p.type == "text")
    assert "Everyone below you:" in words and "Your team:" not in words
    # her team is her three managers, under the minimum: nothing to share with them
    labels = [b.label for p in message.parts if p.type == "buttons" for b in p.buttons]
    assert labels == ["Plan an action"]


def test_one_message_per_person_and_period(seeded: Runtime) -> None:
    before = _messages(seeded)
    run_due(seeded)
    seeded.clock.advance(timedelta(days=1))  # type: ignore[attr-defined]
    run_due(seeded)
    with seeded.db.session() as session:
        assert results.tell(session, seeded, [W10, W10]) == 0  # the hook, called again
    assert _messages(seeded).keys() == before.keys()
    with seeded.db.session() as session:
        rows = session.exec(select(ResultsMessage).where(ResultsMessage.period == W10)).all()
    assert len(rows) == 3


def test_every_figure_is_one_the_manager_reads_in_report(seeded: Runtime) -> None:
    """The attacker's view: nothing under the minimum, nothing the manager's own ``report``
    does not show (the same figure and the same trend)."""
    sent = _messages(seeded)
    with seeded.db.session() as session:
        for email, row in sent.items():
            manager = people.by_email(session, email)
            assert manager is not None
            lines = _figure_lines(Message.from_json(row.payload))
            assert lines
            seen = reports.build(
                session, min_group_size=seeded.settings.min_group_size, viewer=manager, full=True
            )
            allowed = {
                results.figure_line(
                    results.Figure(r.theme, float(r.mean or 0), r.respondents, r.trend)
                )
                for r in seen.rows
                if not r.withheld and r.period == W10 and r.key == manager.path
            }
            assert set(lines) <= allowed, email
            cells = disclosure.visible_cells(session, manager)
            assert all(c.respondents not in (None, "2-4") for c in cells if c.shown)
        tim = people.by_email(session, "tim@x.io")
        assert tim is not None
        team = [c for c in disclosure.visible_cells(session, None) if c.key == tim.path]
        assert team and not any(c.shown for c in team if c.kind == "team")
    assert "tim@x.io" not in sent


def test_sharing_posts_exactly_what_the_manager_saw_once(seeded: Runtime, router: Router) -> None:
    row = _row(seeded, "sam@x.io")
    saw = _figure_lines(Message.from_json(_messages(seeded)["sam@x.io"].payload))
    reply = _press(seeded, router, "sam@x.io", "results.share", str(row.id))
    assert "Shared with your team: 6 people" in reply.replies[0].summary
    shared = _messages(seeded, "results.share")
    assert set(shared) == set(h.SUPPORT)
    for outbox in shared.values():
        message = Message.from_json(outbox.payload)
        assert _figure_lines(message) == saw
        assert "Sam Support shared your team's pulse results" in message.summary
    # in Berlin's working hours, as the message to Sam
    assert {o.next_attempt_at for o in shared.values()} == {datetime(2027, 3, 17, 8, 0, tzinfo=UTC)}

    again = _press(seeded, router, "sam@x.io", "results.share", str(row.id))
    assert "You already shared the results of the week of 8 Mar 2027" in again.replies[0].summary
    assert _messages(seeded, "results.share").keys() == shared.keys()
    assert len(_messages(seeded, "results.share")) == 6


def test_nobody_else_can_press_a_managers_buttons(seeded: Runtime, router: Router) -> None:
    row = _row(seeded, "sam@x.io")
    for action in ("results.share", "results.plan"):
        reply = _press(seeded, router, "eve@x.io", action, str(row.id))
        assert prompts.text("results.gone") in reply.replies[0].summary
    assert _press(seeded, router, "sam@x.io", "results.share", "x").replies
    assert _messages(seeded, "results.share") == {}


def test_plan_an_action_prefills_the_objective_and_the_share_says_it(
    seeded: Runtime, router: Router
) -> None:
    row = _row(seeded, "sam@x.io")
    reply = _press(seeded, router, "sam@x.io", "results.plan", str(row.id))
    assert reply.form is not None and reply.form.action == "results.planned"
    initial = {f.name: f.initial for f in reply.form.fields}
    assert initial["dimension"] == "leadership"  # the weakest theme's dimension
    assert initial["title"] == "Lift Leadership commitment in my team"
    assert (initial["from"], initial["target"]) == ("3.0", "3.3")
    fields = {**initial, "actions": "Tell the team what leadership decided => s1@x.io"}
    done = _press(seeded, router, "sam@x.io", "results.planned", "", ref=reply.form.ref, **fields)
    assert not done.refused, done.replies
    with seeded.db.session() as session:
        objective = session.exec(select(Objective)).one()
        assert objective.title == "Lift Leadership commitment in my team"
    assert _row(seeded, "sam@x.io").objective_id == objective.id

    _press(seeded, router, "sam@x.io", "results.share", str(row.id))
    s1 = Chat(seeded, router, "s1@x.io")
    seeded.clock.set(datetime(2027, 3, 17, 9, 0, tzinfo=UTC))  # type: ignore[attr-defined]
    shown = s1.inbox()
    assert "What we will do about it: Lift Leadership commitment in my team" in shown
    assert "Tell the team what leadership decided" in shown
    assert "Customer focus: 4.0 (5-9 people)" in shown


def test_a_refused_plan_keeps_what_was_typed_and_changes_nothing(
    seeded: Runtime, router: Router
) -> None:
    row = _row(seeded, "sam@x.io")
    form = _press(seeded, router, "sam@x.io", "results.plan", str(row.id)).form
    assert form is not None
    fields = {f.name: f.initial for f in form.fields} | {"target": "9"}
    refused = _press(seeded, router, "sam@x.io", "results.planned", "", ref=form.ref, **fields)
    assert refused.refused and refused.refused_field == "target"
    with seeded.db.session() as session:
        assert session.exec(select(Objective)).all() == []
    assert _row(seeded, "sam@x.io").objective_id is None
