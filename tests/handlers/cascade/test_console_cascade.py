"""Cascades end to end through the console platform and the injected clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from bot.app import run_due
from bot.core.chat import Incoming
from handlers.cascade import report as cascade_report
from storage.cascade_models import Cascade
from tests.handlers.cascade.helpers import (
    AUDIENCE,
    NOTE,
    broadcast,
    cascade_messages_per_person,
    email,
    links,
    org,
    receipts,
)
from tests.support import import_org


@pytest.fixture
def people(runtime, chat):  # type: ignore[no-untyped-def]
    """The helpers' org imported, a console session per person, the clock at Monday 09:00."""
    import_org(runtime, org())
    runtime.clock.advance(timedelta(hours=9))
    sessions: dict[str, object] = {}

    def session(name: str):  # type: ignore[no-untyped-def]
        if name not in sessions:
            sessions[name] = chat(email(name))
        return sessions[name]

    return session


def relay(person, note: str = NOTE) -> str:  # type: ignore[no-untyped-def]
    shown = person.inbox()
    assert "[1] Relay to my team" in shown
    return person.say("1", note)


def test_everyone_relays_and_all_are_reached_by_personal_relay(runtime, people) -> None:
    sent = broadcast(people("vp"))
    assert 'Sent "Customers first" to your 2 direct reports' in sent
    assert "all 8 people in your team" in sent

    assert "Relayed to your 2 direct reports" in relay(people("m1"))
    assert "Relayed to your 2 direct reports" in relay(people("m2"))
    assert "Relayed to your 2 direct reports" in relay(people("t1"))

    shown = people("c1").inbox()
    assert "## Customers first" in shown
    assert "From Vera Vp" in shown
    assert "Tia T1 relayed this to you with a personal note:" in shown
    assert f"  > {NOTE}" in shown
    assert "What this means for our customers: Fewer surprises for customers" in shown
    assert "[1] Acknowledge | [2] Ask a question" in shown
    assert "Relay to my team" not in shown
    assert "Thanks for acknowledging" in people("c1").say("1")

    reached = receipts(runtime)
    assert set(reached) == AUDIENCE
    assert {r.how for r in reached.values()} == {"relay"}
    assert {name: r.level for name, r in reached.items() if name in ("m1", "t1", "c2")} == {
        "m1": 1,
        "t1": 2,
        "c2": 3,
    }
    with runtime.db.session() as session:
        report = cascade_report.build(session, reached["m1"].cascade_id, 5)
    assert (report.audience, report.reached, report.via_relay, report.via_escalation) == (
        8,
        8,
        8,
        0,
    )
    assert report.reached_share == 1.0 and report.depth == 3
    assert report.acknowledged == "fewer than 5 so far"  # c1 (relays are reported apart)
    assert report.broken_links == [] and report.waiting == []

    in_chat = people("vp").say("cascade report")
    assert "Reached 8 of 8 (100%): 8 by personal relay, 0 by escalation" in in_chat
    assert "Broken links: 0" in in_chat


def test_stalled_manager_is_nudged_then_escalated_and_the_chain_continues(runtime, people) -> None:
    broadcast(people("vp"))
    relay(people("m1"))
    m2 = people("m2")
    assert "Relay to my team" in m2.inbox()

    runtime.clock.advance(timedelta(hours=23))  # Tuesday 08:00: not halfway yet
    run_due(runtime)
    assert m2.inbox() == ""
    runtime.clock.advance(timedelta(hours=1))  # Tuesday 09:00: halfway through 2 working days
    run_due(runtime)
    nudge = m2.inbox()
    assert 'A reminder: your team is still waiting for "Customers first"' in nudge
    assert "Wed 03 Mar 09:00" in nudge
    run_due(runtime)
    assert m2.inbox() == "", "one nudge only"
    assert people("t1").inbox() == "" and people("b1").inbox() == ""

    runtime.clock.advance(timedelta(hours=24))  # Wednesday 09:00: the window has ended
    run_due(runtime)
    for name in ("t1", "b1"):
        shown = people(name).inbox()
        assert "From Vera Vp, via culturebot: your manager has not relayed it yet." in shown
        assert "We will call every customer" in shown
    assert 'Max Two did not relay "Customers first" within 2 working days' in people("vp").inbox()
    assert "culturebot sent it directly to your 2 direct reports" in m2.inbox()

    late = m2.say("1", NOTE)  # the nudge's relay button, after the escalation
    assert "culturebot already sent it to your team directly" in late

    assert "Relayed to your 2 direct reports" in people("t1").say("1", NOTE)
    shown = people("c1").inbox()
    assert "Tia T1 relayed this to you with a personal note:" in shown

    reached = receipts(runtime)
    assert set(reached) == AUDIENCE
    assert {n: reached[n].how for n in ("t1", "b1", "c1", "c2")} == {
        "t1": "escalation",
        "b1": "escalation",
        "c1": "relay",
        "c2": "relay",
    }
    assert links(runtime)["m2"].status == "escalated"
    assert links(runtime)["t1"].status == "relayed"
    with runtime.db.session() as session:
        report = cascade_report.build(session, reached["t1"].cascade_id, 5)
    assert (report.reached, report.via_relay, report.via_escalation) == (8, 6, 2)
    assert [(b.manager, b.status) for b in report.broken_links] == [("Max Two", "escalated")]
    by_level = {
        s.level: (s.reached, s.via_escalation, s.median_hours, s.p90_hours) for s in report.levels
    }
    assert by_level == {1: (2, 0, 0.0, 0.0), 2: (4, 2, 0.0, 48.0), 3: (2, 0, 48.0, 48.0)}
    # a1, a2 and c2 have not opened their console yet: their copies wait in the outbox
    assert report.delivery == {"console": {"sent": 5, "failed": 0, "unreachable": 0, "pending": 3}}
    # since the escalation (Wednesday), not since the message reached Max (Monday)
    assert "- Max Two: escalated since Wed 03 Mar 09:00" in people("vp").say("cascade report")
    # in German: the link's state and the times' units too (48 hours: "2,0 Tage")
    people("vp").say("language de")
    german = people("vp").say("cascade report")
    assert "- Max Two: eskaliert seit" in german and "2,0 Tage" in german
    assert "escalated" not in german and " days" not in german


def test_weekend_does_not_count_towards_the_window(runtime, people) -> None:
    runtime.clock.advance(timedelta(days=4, hours=7))  # Friday 16:00
    broadcast(people("vp"))
    assert "Wed 03 Mar" not in people("m2").inbox()
    runtime.clock.advance(timedelta(days=3))  # Monday 16:00: one working day gone
    run_due(runtime)
    assert "A reminder" in people("m2").inbox()
    assert people("b1").inbox() == ""
    runtime.clock.advance(timedelta(hours=23, minutes=59))
    run_due(runtime)
    assert people("b1").inbox() == ""
    runtime.clock.advance(timedelta(minutes=1))  # Tuesday 16:00
    run_due(runtime)
    assert "your manager has not relayed it yet" in people("b1").inbox()


def test_a_leafs_question_reaches_their_manager_and_rolls_up(runtime, people) -> None:
    broadcast(people("vp"))
    relay(people("m1"))
    a1 = people("a1")
    assert "[1] Acknowledge | [2] Ask a question" in a1.inbox()
    asked = a1.say("2", "Does this include customers on the old plan?")
    assert "Your question went to Mia One" in asked

    m1 = people("m1")
    shown = m1.inbox()
    assert 'Ann A1 asks about "Customers first":' in shown
    assert "  > Does this include customers on the old plan?" in shown
    assert people("vp").inbox() == "", "the question goes to the asker's own manager"

    # it reached 4 people: a question listed to the leader, or even counted, would be one
    # of those few's (comments are sets: see tests/handlers/reports/test_disclosure_comment_sets.py)
    report = people("vp").say("cascade report")
    assert "Questions: listed once the message has reached at least 10 people" in report
    assert "old plan" not in report and "Ann" not in report

    assert "Your answer went to Ann A1" in m1.say("1", "Yes, them too.")
    assert 'Mia One answered your question about "Customers first":' in a1.inbox()


def test_nobody_outside_the_subtree_and_nobody_twice(runtime, people) -> None:
    broadcast(people("vp"))
    relay(people("m1"))
    relay(people("m2"))
    for _ in range(14):  # long past every window: t1 never relays, and is escalated
        runtime.clock.advance(timedelta(hours=12))
        run_due(runtime)
    assert "You have not sent any cascades yet" in people("m1").say("cascade report")
    counts = cascade_messages_per_person(runtime)
    assert set(counts) == AUDIENCE
    assert set(counts.values()) == {1}
    for outsider in ("ceo", "other", "o1"):
        assert "Customers first" not in people(outsider).inbox()
    assert receipts(runtime)["c1"].how == "escalation"


def test_leaver_and_joiner_mid_cascade(runtime, people) -> None:
    broadcast(people("vp"))
    relay(people("m1"))
    # m2 leaves before relaying; their team moves up to the vp, and n1 joins m1's team.
    changed = org(
        m2=None,
        t1="t1@x.io,Tia T1,vp@x.io,Sales,manager,UTC",
        b1="b1@x.io,Bo B1,vp@x.io,Sales,employee,UTC",
        n1="n1@x.io,Nia New,m1@x.io,Sales,employee,UTC",
    )
    import_org(runtime, changed)
    runtime.clock.advance(timedelta(hours=1))
    run_due(runtime)

    joiner = people("n1").inbox()
    assert "Mia One relayed this to you with a personal note:" in joiner
    assert "We will call every customer" in joiner
    assert 'Max Two left before relaying "Customers first"' in people("vp").inbox()
    assert "From Vera Vp" in people("b1").inbox()
    assert "Relay to my team" in people("t1").inbox()
    assert links(runtime)["m2"].status == "passed"

    assert "Relayed to your 2 direct reports" in people("t1").say("1", NOTE)
    reached = receipts(runtime)
    assert set(reached) == (AUDIENCE | {"n1"})
    assert set(cascade_messages_per_person(runtime).values()) == {1}
    with runtime.db.session() as session:
        report = cascade_report.build(session, reached["n1"].cascade_id, 5)
    assert (report.audience, report.reached) == (8, 8)  # m2 left: 8 active people remain
    assert [(b.manager, b.status) for b in report.broken_links] == [("Max Two", "passed")]


def test_only_leaders_broadcast(runtime, people) -> None:
    assert "only leaders can send a cascade" in people("m1").say("cascade")
    assert "only leaders can send a cascade" in people("a1").say("cascade")
    ceo = people("ceo")
    assert "[1] Send | [2] Don't send" in ceo.say("cascade", "Hi", "x", "", "")
    assert 'Sent "Hi" to your 2 direct reports' in ceo.say("1")


def test_bad_input_gets_a_clear_answer_and_nothing_is_sent(runtime, people, router) -> None:
    vp = people("vp")
    assert "The title is empty" in act(
        runtime, router, "vp", "cascade.send", "", title="  ", message="Body"
    )
    assert "The message is 4001 characters long; the limit is 4000" in vp.say(
        "cascade", "Title", "x" * 4001, "", ""
    )
    assert "whole number of working days from 1 to 10" in vp.say(
        "cascade", "Title", "Body", "", "soon"
    )
    assert cascade_messages_per_person(runtime) == {}

    broadcast(vp)
    link = str(links(runtime)["m1"].id)
    assert "please write at least 20" in act(
        runtime, router, "m1", "cascade.relay_note", link, note="ok"
    )
    assert "The note is empty" in act(runtime, router, "m1", "cascade.relay_note", link, note=" ")
    assert "The note is 1001 characters long" in act(
        runtime, router, "m1", "cascade.relay_note", link, note="x" * 1001
    )
    assert "Relayed to your 2 direct reports" in relay(people("m1"))
    assert 'You already relayed "Customers first"' in act(
        runtime, router, "m1", "cascade.relay", link
    )
    assert "You already relayed" in act(
        runtime, router, "m1", "cascade.relay_note", link, note=NOTE
    )
    assert set(cascade_messages_per_person(runtime).values()) == {1}


def act(runtime, router, who: str, name: str, value: str, **fields: str) -> str:  # type: ignore[no-untyped-def]
    """Click a button or submit a form as ``who``, straight through the router."""
    incoming = Incoming(
        platform="console",
        user_id=email(who),
        kind="action",
        name=name,
        value=value,
        ref=value,
        fields=fields,
    )
    response = router.handle(runtime, incoming)
    shown = [r.summary for r in response.replies]
    if response.form is not None:
        shown.append(response.form.title)
    return " ".join(shown)


def test_acting_on_a_cascade_you_are_not_on_is_refused(runtime, people, router) -> None:
    broadcast(people("vp"))
    m1_link = links(runtime)["m1"].id
    cascade_id = links(runtime)["m1"].cascade_id

    def act_as(who: str, name: str, value: str, **fields: str) -> str:
        return act(runtime, router, who, name, value, **fields)

    refused = "That cascade is not yours to act on."
    assert act_as("m2", "cascade.relay", str(m1_link)) == refused
    assert act_as("m2", "cascade.relay_note", str(m1_link), note=NOTE) == refused
    assert act_as("o1", "cascade.ack", str(cascade_id)) == refused
    assert act_as("o1", "cascade.ask", str(cascade_id)) == refused
    assert act_as("o1", "cascade.question", str(cascade_id), question="Why?") == refused
    assert act_as("a1", "cascade.ack", str(cascade_id)) == refused, "not reached yet"
    assert act_as("m2", "cascade.relay", "nonsense") == refused
    assert "Only the leader who sent" in people("other").say(f"cascade report {cascade_id}")
    assert "There is no cascade 99" in people("vp").say("cascade report 99")
    assert links(runtime)["m1"].status == "pending"


def test_joiner_under_an_escalated_manager_and_a_leaf_who_gains_a_team(runtime, people) -> None:
    broadcast(people("vp"))
    relay(people("m1"))
    assert "Acknowledge" in people("a1").inbox()
    assert "Thanks for acknowledging" in people("a1").say("1")
    runtime.clock.advance(timedelta(days=2))  # Wednesday 09:00: m2 is escalated
    run_due(runtime)
    changed = org(
        j1="j1@x.io,Jo J1,m2@x.io,Sales,employee,UTC",  # joins the stalled manager's team
        j2="j2@x.io,Jay J2,a1@x.io,Sales,employee,UTC",  # a1 had no team when reached
    )
    import_org(runtime, changed)
    runtime.clock.advance(timedelta(hours=1))
    run_due(runtime)

    assert "your manager has not relayed it yet" in people("j1").inbox()
    gained = people("a1").inbox()
    assert 'You now lead a team, and "Customers first" from Vera Vp has not reached them' in gained
    assert people("j2").inbox() == ""
    assert "Relayed to your 1 direct reports" in people("a1").say("1", NOTE)
    assert "Ann A1 relayed this to you with a personal note:" in people("j2").inbox()
    assert set(cascade_messages_per_person(runtime).values()) == {1}


def test_control_characters_are_dropped_not_refused_by_the_database(runtime, people) -> None:
    """PostgreSQL refuses NUL in text; a stray one pasted into a message must not break a send."""
    vp = people("vp")
    vp.say("cascade", "Customers\x00 first", "We call\r\nevery customer\x07.", "", "")
    sent = vp.say("1")
    assert 'Sent "Customers first"' in sent
    with runtime.db.session() as session:
        cascade = session.exec(select(Cascade)).one()
    assert (cascade.title, cascade.body) == ("Customers first", "We call\nevery customer.")
