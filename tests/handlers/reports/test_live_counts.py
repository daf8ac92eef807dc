"""Live counts can be polled: a viewer who reads a check-in's, an assessment's or a cascade's
progress after every single answer must learn nothing about one person.

The attacker knows the organisation, who was asked, and the rule (handlers/reports/live_counts.py):
each figure it reads is an interval for the count, and the count never goes down. A person
is given away when, at some poll, every count that fits all polls has them answered (the
interval's low end is everyone) or has them not answered (its high end is 0). Finding 6 of
issue 19 (a manager of one reads "0 of 1", then "1 of 1") is reproduced as stated.
"""

from __future__ import annotations

import json
import re
import shutil
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

import prompts
from bot.app import build_router, run_due
from bot.core.chat import Incoming
from bot.core.clock import FakeClock
from bot.core.config import Settings
from bot.core.router import Router
from bot.core.runtime import Runtime
from handlers.dashboard import views
from handlers.dashboard.scope import Viewer
from handlers.reports import live_counts
from storage.db import Database
from storage.models import Outbox, Person, PulseRound
from storage.roadmap import Assessment, AssessmentInvite
from storage.stories import Story
from storage.tables import metadata
from tests.handlers.cascade.helpers import broadcast
from tests.support import Chat, click_score, import_org, org_csv

K = 5
START = datetime(2027, 3, 1, 9, tzinfo=UTC)
CHECKIN = re.compile(r"Answered so far: (.+?) \(counted")
ASSESS = re.compile(r"Finished so far, across everyone it asked: (.+?) \(counted")
RUNNING = re.compile(r"Finished so far: (.+?)\.$", re.M)
ACKED = re.compile(r"[Aa]cknowledged by (.+?)\.")


def interval(words: str, asked: int) -> tuple[int, int]:
    """What the words say about the count, to someone who knows the rule and the group."""
    fits = [n for n in range(asked + 1) if live_counts.progress(n, asked, K) == words]
    assert fits, f"not a live count the gate would show: {words!r}"
    return min(fits), max(fits)


def assert_nobody_given_away(polls: list[str], asked: int, what: str) -> None:
    """Every poll of one group, in order: no moment at which one person is known to have
    answered or known not to have; a group under K never changes at all."""
    spans = [interval(words, asked) for words in polls]
    low, high = [], []
    for lo, _ in spans:  # the count never goes down: a later poll bounds the earlier ones
        low.append(max(lo, low[-1]) if low else lo)
    for _, hi in reversed(spans):
        high.insert(0, min(hi, high[0]) if high else hi)
    for moment, (lo, hi) in enumerate(zip(low, high, strict=True)):
        assert lo <= hi, (what, moment, polls)
        assert lo < asked, f"{what}: everyone is known to have answered at poll {moment}"
        # nor, to one of the group who knows they have not answered, everyone else
        assert lo < asked - 1 or asked < K, f"{what}: everyone else answered at poll {moment}"
        assert hi > 0, f"{what}: nobody is known to have answered at poll {moment}"
    if asked < K:
        assert len(set(polls)) == 1, f"{what}: a group of {asked} showed progress: {polls}"


def fresh_runtime(template: Path, folder: Path) -> Runtime:
    path = folder / f"{uuid.uuid4().hex}.db"
    shutil.copy(template, path)
    db = Database(f"sqlite:///{path}")
    return Runtime(
        db=db,
        clock=FakeClock(START),
        settings=Settings(database_url=db.url, _env_file=None),  # type: ignore[call-arg]
    )


def submit_assessment(runtime: Runtime, router: Router, email: str) -> None:
    with runtime.db.session() as session:
        invite = session.exec(
            select(AssessmentInvite)
            .join(Person, Person.id == AssessmentInvite.person_id)  # type: ignore[arg-type]
            .where(Person.email == email)
        ).one()
    scores = {s.id: "3" for s in prompts.assessment().statements}
    reply = router.handle(
        runtime,
        Incoming(
            platform="console",
            user_id=email,
            kind="action",
            name="assess.submit",
            ref=str(invite.id),
            fields=scores,
        ),
    )
    assert "Thank you" in reply.replies[0].summary


def acknowledge(runtime: Runtime, router: Router, email: str, cascade_id: int) -> None:
    ack = Incoming(
        platform="console", user_id=email, kind="action", name="cascade.ack", ref=str(cascade_id)
    )
    assert "Thanks for acknowledging" in router.handle(runtime, ack).replies[0].summary


def dashboard_summary(runtime: Runtime, email: str) -> str:
    """The dashboard's chain view of cascade 1, as its sender sees it: the reach summary."""
    with runtime.db.session() as session:
        person = session.exec(select(Person).where(Person.email == email)).one()
        view = views.cascades(session, Viewer.of(session, person), 1, K)
    return next(section.summary for section in view.sections if section.id == "reach")


def live(pattern: re.Pattern[str], said: str) -> str:
    found = pattern.search(said)
    assert found, f"no live count in {said!r}"
    return found.group(1)


# --- finding 6, as stated ------------------------------------------------------------------


def test_a_manager_of_one_polls_checkin_and_assess_status_and_learns_nothing(
    runtime: Runtime, router: Router, chat
) -> None:  # type: ignore[no-untyped-def]
    import_org(
        runtime,
        org_csv("mo@x.io,Mo,,Ops,leader,UTC", "rae@x.io,Rae,mo@x.io,Ops,employee,UTC"),
    )
    mo = chat("mo@x.io")
    assert "Check-in started: 1 people" in mo.say("checkin")
    assert "assessment" in mo.say("assess launch 10").lower()
    before = (mo.say("checkin"), mo.say("assess status"), mo.say("assess launch 10"))

    click_score(runtime, router, "rae@x.io", 2)
    submit_assessment(runtime, router, "rae@x.io")
    after = (mo.say("checkin"), mo.say("assess status"), mo.say("assess launch 10"))

    assert before == after  # nothing moved: Rae's answers cannot be seen coming in
    for said in after:
        assert "fewer than 5 so far" in said
        assert "0 of 1" not in said and "1 of 1" not in said and "100%" not in said

    runtime.clock.advance(timedelta(days=11))  # type: ignore[attr-defined]
    run_due(runtime)
    closed = mo.say("assess status")  # participation only from the gate's figures
    assert "closed on" in closed and "Type baseline" in closed and "%" not in closed


def test_a_cascade_sender_polls_acknowledgements_of_a_small_team(
    runtime: Runtime, router: Router, chat
) -> None:  # type: ignore[no-untyped-def]
    import_org(
        runtime,
        org_csv(
            "vp@x.io,Vera,,Sales,leader,UTC",
            *(f"r{i}@x.io,R{i},vp@x.io,Sales,employee,UTC" for i in range(3)),
        ),
    )
    vp = chat("vp@x.io")
    assert "Sent" in broadcast(vp)
    polls = [vp.say("cascade report")]
    for i in range(3):
        acknowledge(runtime, router, f"r{i}@x.io", 1)
        polls.append(vp.say("cascade report"))
    assert len({live(ACKED, said) for said in polls}) == 1
    assert "acknowledged by fewer than 5 so far" in polls[-1]
    assert "Acknowledged by fewer than 5 so far." in dashboard_summary(runtime, "vp@x.io")


def test_relays_are_not_counted_again_as_acknowledgements(
    runtime: Runtime, router: Router, chat
) -> None:  # type: ignore[no-untyped-def]
    """The report names every manager who relayed. Were relays counted, "fewer than 5" after
    four named relays would say that nobody else acknowledged; so only other acks count."""
    import_org(
        runtime,
        org_csv(
            "vp@x.io,Vera,,Sales,leader,UTC",
            *(f"m{i}@x.io,M{i},vp@x.io,Sales,manager,UTC" for i in range(7)),
            *(f"e{i}@x.io,E{i},m{i}@x.io,Sales,employee,UTC" for i in range(7)),
        ),
    )
    vp = chat("vp@x.io")
    assert "Sent" in broadcast(vp)
    polls = [live(ACKED, vp.say("cascade report"))]
    for i in range(7):
        manager = chat(f"m{i}@x.io")
        assert "[1] Relay to my team" in manager.inbox()
        assert "Relayed" in manager.say("1", "This matters for every customer call this quarter.")
        polls.append(live(ACKED, vp.say("cascade report")))
    assert set(polls) == {"fewer than 5 so far"}  # seven relays, and no figure moved
    for i in range(5):
        acknowledge(runtime, router, f"e{i}@x.io", 1)
    assert live(ACKED, vp.say("cascade report")) == "5 or more"


def test_a_relay_is_not_counted_in_the_group_either(runtime: Runtime, router: Router, chat) -> None:  # type: ignore[no-untyped-def]
    """A relay is not counted as an acknowledgement, so the manager who relayed is not one of
    the group the count is capped by either. Vera reaches Mo, who relays to his five; were
    Mo in the group (six), "5 or more" after the five acknowledged would say that every one
    of the five did (Mo's relay is named), and the step, which of them was last."""
    import_org(
        runtime,
        org_csv(
            "vp@x.io,Vera,,Sales,leader,UTC",
            "mo@x.io,Mo,vp@x.io,Sales,manager,UTC",
            *(f"e{i}@x.io,E{i},mo@x.io,Sales,employee,UTC" for i in range(5)),
        ),
    )
    vp = chat("vp@x.io")
    assert "Sent" in broadcast(vp)
    mo = chat("mo@x.io")
    assert "[1] Relay to my team" in mo.inbox()
    assert "Relayed" in mo.say("1", "This matters for every customer call.")
    polls = [live(ACKED, vp.say("cascade report"))]
    for i in range(5):
        acknowledge(runtime, router, f"e{i}@x.io", 1)
        polls.append(live(ACKED, vp.say("cascade report")))
        assert live(ACKED, dashboard_summary(runtime, "vp@x.io")) == polls[-1]
    assert_nobody_given_away(polls, 5, "acknowledgements below a relay")


def test_a_poller_in_the_group_learns_nothing_about_the_others(
    runtime: Runtime, router: Router, chat
) -> None:  # type: ignore[no-untyped-def]
    """A manager below the leader is asked the assessment too, and polls ``assess status``:
    they know their own answer. Mo has not finished; were the count capped at one less than
    the six asked, "5 or more" would tell him that every one of his five had finished."""
    import_org(
        runtime,
        org_csv(
            "lea@x.io,Lea,,Ops,leader,UTC",
            "mo@x.io,Mo,lea@x.io,Ops,manager,UTC",
            *(f"e{i}@x.io,E{i},mo@x.io,Ops,employee,UTC" for i in range(5)),
        ),
    )
    assert "assessment" in chat("lea@x.io").say("assess launch 10").lower()
    mo = chat("mo@x.io")
    polls = [live(ASSESS, mo.say("assess status"))]
    for i in range(5):
        submit_assessment(runtime, router, f"e{i}@x.io")
        polls.append(live(ASSESS, mo.say("assess status")))
    # what Mo knows: the count is that of his five (he has not finished himself)
    assert_nobody_given_away(polls, 5, "assess status, read by someone asked")


# --- the poller, under hypothesis ------------------------------------------------------------


@st.composite
def organisations(draw: st.DrawFn) -> list[tuple[str, str]]:
    """(email, manager email) rows below the leader l0: a tree of 1 to 14 people."""
    rows: list[tuple[str, str]] = []
    managers = ["l0@x.io"]
    for i in range(draw(st.integers(1, 14))):
        email = f"p{i}@x.io"
        rows.append((email, draw(st.sampled_from(managers))))
        if draw(st.booleans()):
            managers.append(email)
    return rows


@given(
    people=organisations(),
    data=st.data(),
)
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_a_poller_learns_nothing_about_one_person(
    sqlite_template: Path, tmp_path: Path, people: list[tuple[str, str]], data: st.DataObject
) -> None:
    runtime = fresh_runtime(sqlite_template, tmp_path)
    router = ROUTER
    try:
        import_org(
            runtime,
            org_csv(
                "l0@x.io,L0,,Ops,leader,UTC",
                *(f"{e},{e[:3].upper()},{m},Ops,employee,UTC" for e, m in people),
            ),
        )
        leader = Chat(runtime, router, "l0@x.io")
        leader.say("checkin")
        leader.say("assess launch 10")
        managers = sorted({m for _, m in people})
        everyone = [e for e, _ in people]
        acts = [("pulse", e) for e in everyone] + [("assess", e) for e in everyone]
        order = data.draw(st.permutations(acts))
        order = order[: data.draw(st.integers(0, len(order)))]

        checkin_polls: list[str] = []
        assess_polls: list[str] = []

        def poll() -> None:
            checkin_polls.append(live(CHECKIN, Chat(runtime, router, "l0@x.io").say("checkin")))
            seen = {live(ASSESS, Chat(runtime, router, m).say("assess status")) for m in managers}
            seen.add(live(RUNNING, Chat(runtime, router, "l0@x.io").say("assess launch 10")))
            assert len(seen) == 1, f"managers see different counts of one assessment: {seen}"
            assess_polls.append(seen.pop())

        poll()
        for kind, email in order:
            runtime.clock.advance(timedelta(minutes=3))  # type: ignore[attr-defined]
            if kind == "pulse":
                click_score(runtime, router, email, 3)
            else:
                submit_assessment(runtime, router, email)
            poll()
        assert_nobody_given_away(checkin_polls, len(everyone), "checkin")
        assert_nobody_given_away(assess_polls, len(everyone), "assess status")
    finally:
        runtime.db.dispose()


@given(size=st.integers(1, 12), data=st.data())
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_a_cascade_sender_polling_acknowledgements_learns_nothing_about_one_person(
    sqlite_template: Path, tmp_path: Path, size: int, data: st.DataObject
) -> None:
    runtime = fresh_runtime(sqlite_template, tmp_path)
    try:
        team = [f"r{i}@x.io" for i in range(size)]
        import_org(
            runtime,
            org_csv(
                "vp@x.io,Vera,,Sales,leader,UTC",
                *(f"{e},{e[:2].upper()},vp@x.io,Sales,employee,UTC" for e in team),
            ),
        )
        vp = Chat(runtime, ROUTER, "vp@x.io")
        assert "Sent" in broadcast(vp)
        order = data.draw(st.permutations(team))
        order = order[: data.draw(st.integers(0, size))]

        def poll() -> str:
            said = live(ACKED, vp.say("cascade report"))
            assert live(ACKED, dashboard_summary(runtime, "vp@x.io")) == said
            return said

        polls = [poll()]
        for email in order:
            acknowledge(runtime, ROUTER, email, 1)
            polls.append(poll())
        assert_nobody_given_away(polls, size, "cascade acknowledgements")
    finally:
        runtime.db.dispose()


@given(people=organisations(), data=st.data())
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_a_cascade_sender_polling_a_relayed_chain_learns_nothing_about_one_person(
    sqlite_template: Path, tmp_path: Path, people: list[tuple[str, str]], data: st.DataObject
) -> None:
    """A chain of managers who relay, and acknowledgements (the managers' too) in any order:
    the count is over the people who carry nothing, and gives none of them away."""
    runtime = fresh_runtime(sqlite_template, tmp_path)
    try:
        import_org(
            runtime,
            org_csv(
                "vp@x.io,Vera,,Sales,leader,UTC",
                *(
                    f"{e},{e[:3].upper()},{m.replace('l0@', 'vp@')},Sales,employee,UTC"
                    for e, m in people
                ),
            ),
        )
        vp = Chat(runtime, ROUTER, "vp@x.io")
        assert "Sent" in broadcast(vp)
        carriers = {m for _, m in people if m != "l0@x.io"}
        for email, _ in people:  # top-down: each manager relays once it reached them
            if email in carriers:
                assert "Relayed" in Chat(runtime, ROUTER, email).say(
                    "relay This matters for every customer call."
                )
        everyone = [e for e, _ in people]
        order = data.draw(st.permutations(everyone))
        order = order[: data.draw(st.integers(0, len(order)))]
        polls = [live(ACKED, vp.say("cascade report"))]
        for email in order:
            if email not in carriers:  # a manager who relayed has acknowledged already
                acknowledge(runtime, ROUTER, email, 1)
            polls.append(live(ACKED, vp.say("cascade report")))
        left = len(everyone) - len(carriers)
        assert_nobody_given_away(polls, left, "acknowledgements of a relayed chain")
    finally:
        runtime.db.dispose()


ROUTER = build_router()


# --- "N colleagues found this helpful" in the digest ------------------------------------------

HELPFUL = re.compile(r"(\d+)( or more)? colleagues[^\n]* found this helpful")


def test_readers_polling_the_digest_learn_nothing_about_who_found_a_story_helpful(
    runtime: Runtime, router: Router, chat
) -> None:  # type: ignore[no-untyped-def]
    """The digest reaches each reader at 10:00 their time, one hour apart here, and said how
    many found a story helpful as it stood then: the second reader's "1 colleague" named the
    first, the only one who had it. Every reader shares their digest with the attacker, who
    knows who had it before each delivery (the time zones) and that each clicked at once."""
    zones = [f"Etc/GMT-{hours}" for hours in range(8, 0, -1)]  # UTC+8 first, then westwards
    readers = [f"r{i}@x.io" for i in range(len(zones))]
    import_org(
        runtime,
        org_csv(
            "lea@x.io,Lea,,Exec,leader,UTC",
            "ann@x.io,Ann,lea@x.io,Support,employee,UTC",
            *(
                f"{e},R{e[1]},lea@x.io,Sales,employee,{z}"
                for e, z in zip(readers, zones, strict=True)
            ),
        ),
    )
    chat("ann@x.io").say("story", "Ann rescued a customer's launch", "", "They stayed", "1", "1")
    with runtime.db.session() as session:
        [story] = session.exec(select(Story)).all()
    polls: list[tuple[int, str | None]] = []  # (people who had it before, the figure read)
    for hours, email in zip(range(8, 0, -1), readers, strict=True):
        runtime.clock.set(datetime(2027, 3, 4, 10, tzinfo=UTC) - timedelta(hours=hours))  # type: ignore[attr-defined]
        run_due(runtime)
        digest = chat(email).inbox()
        assert "Ann rescued a customer's launch" in digest
        found = HELPFUL.search(digest)
        polls.append((len(polls), found.group(0) if found else None))
        said = router.handle(
            runtime,
            Incoming(
                platform="console",
                user_id=email,
                kind="action",
                name="stories.helps",
                value=str(story.id),
            ),
        )
        assert "helps your team" in said.replies[0].parts[0].text
    for had, words in polls:
        if words is None:  # nothing said: under 5 clicks (or under 5 people it reached)
            low, high = 0, min(had, K - 1)
        else:
            count = int(HELPFUL.search(words).group(1))  # type: ignore[union-attr]
            low, high = (count, had) if "or more" in words else (count, count)
        assert had == 0 or low < had, f"everyone who had it known to have clicked: {polls}"
        assert had == 0 or high > 0, f"nobody who had it known to have clicked: {polls}"
    assert {words for had, words in polls if had < K} == {None}, polls
    assert polls[-1][1] == "5 or more colleagues found this helpful"  # 7 had it, 7 clicked


# --- erasure while a count is live ---------------------------------------------------------


def test_erasing_someone_who_answered_does_not_step_a_live_count_down(
    runtime: Runtime, router: Router, chat, cli
) -> None:  # type: ignore[no-untyped-def]
    """Erasure deletes the person's prompt, invite and receipt. Had the figures been counted
    again without them, "5 or more" would fall to "fewer than 5" and tell the poller that
    the erased person had answered. Afterwards no row names them."""
    team = [f"r{i}@x.io" for i in range(7)]
    import_org(
        runtime,
        org_csv(
            "vp@x.io,Vera,,Sales,leader,UTC",
            *(f"{e},Rowan{e[1]},vp@x.io,Sales,employee,UTC" for e in team),
        ),
    )
    vp = chat("vp@x.io")
    assert "Check-in started: 7 people" in vp.say("checkin")
    assert "assessment" in vp.say("assess launch 10").lower()
    assert "Sent" in broadcast(vp)
    for email in team[:5]:
        click_score(runtime, router, email, 4)
        submit_assessment(runtime, router, email)
        acknowledge(runtime, router, email, 1)

    def poll() -> tuple[str, str, str, str]:
        return (
            live(CHECKIN, vp.say("checkin")),
            live(ASSESS, vp.say("assess status")),
            live(ACKED, vp.say("cascade report")),
            live(ACKED, dashboard_summary(runtime, "vp@x.io")),
        )

    assert poll() == ("5 or more",) * 4
    erased = cli("person", "erase", "r0@x.io", "--yes")
    assert erased.exit_code == 0, erased.output
    assert poll() == ("5 or more",) * 4  # no step down: nothing tells that r0 had answered

    for email in team[5:]:  # the people left answer: the figures go on from there
        click_score(runtime, router, email, 4)
        submit_assessment(runtime, router, email)
        acknowledge(runtime, router, email, 1)
        assert poll() == ("5 or more",) * 4

    with runtime.db.session() as session:
        for table in metadata.sorted_tables:
            for row in session.execute(table.select()).all():
                said = " ".join(str(value) for value in row)
                assert "r0@x.io" not in said and "Rowan0" not in said, (table.name, row)
        assert session.exec(select(Person).where(Person.email == "r0@x.io")).first() is None

    runtime.clock.advance(timedelta(days=11))  # type: ignore[attr-defined]
    run_due(runtime)  # both close: what was held for their live counts goes with them
    with runtime.db.session() as session:
        assert session.exec(select(PulseRound.live_floor)).all() == [None]
        assert session.exec(select(Assessment.live_floor)).all() == [None]


def test_operators_never_see_who_was_reminded(runtime: Runtime, router: Router, chat, cli) -> None:  # type: ignore[no-untyped-def]
    """A reminder goes only to someone who had not answered: `outbox list` and `status` list
    messages with their person, so beside a reminder they would name who had not answered."""
    team = [f"r{i}@x.io" for i in range(6)]
    import_org(
        runtime,
        org_csv(
            "vp@x.io,Vera,,Sales,leader,UTC",
            *(f"{e},R{e[1]},vp@x.io,Sales,employee,UTC" for e in team),
        ),
    )
    assert "Check-in started: 6 people" in chat("vp@x.io").say("checkin")
    for email in team[:2]:
        click_score(runtime, router, email, 4)
    runtime.clock.advance(timedelta(hours=runtime.settings.reminder_after_hours, minutes=1))  # type: ignore[attr-defined]
    run_due(runtime)
    with runtime.db.session() as session:
        reminders = session.exec(select(Outbox).where(Outbox.kind == "pulse.reminder")).all()
        assert len(reminders) == 4  # the four who had not answered
        reminders[0].status = "dead"  # one given up on: an operator must see it, not whom
        session.add(reminders[0])
    listed = cli("outbox", "list", "--limit", "100").output + cli("outbox", "list", "--dead").output
    rows = json.loads(cli("outbox", "list", "--format", "json", "--limit", "100").output)
    dead = json.loads(cli("status", "--format", "json").output)["dead_letters"]
    assert [row["kind"] for row in dead] == ["pulse.reminder"]
    for email in team:
        assert all("reminder" not in line for line in listed.splitlines() if email in line)
        assert not [r for r in rows if r["person"] == email and "reminder" in r["kind"]]
        assert not [r for r in dead if r["email"] == email]
    assert sum("reminder" in r["kind"] for r in rows) == 1  # only the one given up on
