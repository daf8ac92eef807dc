"""Story figures cannot be subtracted down to one story (issue 19, findings 2 and 3).

The attacker reads the stories section of ``culturebot report --format json`` twice, with
windows a day apart or at two moments, and for every team and week shown in both solves
``n1 * m1 - n2 * m2``: with exact author counts one apart, that is one story's polarity.
Story figures are now published once per closed, whole week, in bands of people: the two
readings are the same, and there is nothing to solve.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from bot.cli import main as cli
from bot.core.runtime import Runtime
from bot.web.dashboard import build_view
from handlers.dashboard.scope import Viewer
from handlers.reports import publish
from handlers.stories import reports as story_reports
from storage import people
from storage.stories import Story
from tests.support import import_org, org_csv

ORG = org_csv(
    "lea@x.io,Lea Leader,,Exec,leader,UTC",
    "sam@x.io,Sam Sales,lea@x.io,Sales,manager,UTC",
    *(f"s{i}@x.io,Sal {i},sam@x.io,Sales,employee,UTC" for i in range(1, 8)),
)
HAPPY = ("The customer loved the quick fix", "They were delighted and grateful")
ANGRY = ("Terrible outage, the customer was furious", "They were angry and upset")
Reading = dict[tuple[str, str], tuple[object, object]]


@pytest.fixture
def org(runtime: Runtime) -> Runtime:
    import_org(runtime, ORG)
    return runtime


def share(chat, who: str, words: tuple[str, str], consent: str = "1") -> None:  # type: ignore[no-untyped-def]
    chat(f"{who}@x.io").say("story", words[0], "", words[1], "1", consent)


def sentiment(data: dict) -> Reading:
    """(team, week) -> (authors, mean polarity) of every figure the section shows."""
    return {
        (team["team"], week["week"]): (week["authors"], week["polarity"])
        for team in data["stories"]["sentiment"]
        for week in team["weeks"]
        if week.get("polarity") is not None
    }


def solved(readings: list[Reading]) -> list[float]:
    """Every polarity of one story the attacker can work out from two readings."""
    found = []
    for a in readings:
        for b in readings:
            for key in a.keys() & b.keys():
                (n1, m1), (n2, m2) = a[key], b[key]
                if isinstance(n1, int) and isinstance(n2, int) and n1 == n2 + 1:
                    found.append(n1 * m1 - n2 * m2)  # type: ignore[operator]
    return found


def angry_polarity(runtime: Runtime) -> float:
    with runtime.db.session() as session:
        return session.exec(select(Story.polarity).where(Story.consent == "anonymous")).one()


def test_day_windows_do_not_subtract_to_one_story(org, chat, clock) -> None:  # type: ignore[no-untyped-def]
    # a week three weeks ago (the CLI reads the system clock): an anonymous angry story on
    # Monday, five happy ones later that week
    today = datetime.now(UTC).date()
    monday = today - timedelta(weeks=3, days=today.weekday())
    clock.set(datetime.combine(monday, datetime.min.time(), UTC) + timedelta(hours=10))
    share(chat, "s1", ANGRY, consent="2")
    for day, who in zip((1, 1, 2, 3, 4), ("s2", "s3", "s4", "s5", "s6"), strict=True):
        clock.set(datetime.combine(monday + timedelta(days=day), datetime.min.time(), UTC))
        share(chat, who, HAPPY)

    def report(since: date) -> dict:
        result = CliRunner().invoke(
            cli.app,
            ["report", "--format", "json", "--since", since.isoformat()],
            env={"CULTUREBOT_DATABASE_URL": org.db.url},
        )
        assert result.exit_code == 0, result.output
        return json.loads(result.output)

    whole, less_a_day = report(monday), report(monday + timedelta(days=1))
    target = angry_polarity(org)
    readings = [sentiment(whole), sentiment(less_a_day)]
    assert not [x for x in solved(readings) if abs(x - target) < 0.05], (readings, target)
    assert readings[0] == readings[1]  # a window cut by day counts whole weeks
    assert whole["stories"]["shared"] == less_a_day["stories"]["shared"]


def test_the_live_week_does_not_give_the_newest_story_away(org, chat, clock) -> None:  # type: ignore[no-untyped-def]
    dashboards: list[object] = []

    def report() -> dict:
        """What ``culturebot report --format json`` prints at the clock's time (and what
        the dashboard's stories page shows the leader)."""
        with org.db.session() as session:
            publish.publish_due(session, clock.now(), org.settings)
        with org.db.session() as session:
            section = story_reports.build(
                session, clock.now(), min_group_size=org.settings.min_group_size
            )
            lea = Viewer.of(session, people.by_email(session, "lea@x.io"))  # type: ignore[arg-type]
            view = build_view(session, lea, "stories", {}, clock.now(), org.settings)
            dashboards.append(view.sections[0].table.rows)  # type: ignore[union-attr]
        return json.loads(story_reports.merge_json("{}", section))

    clock.set(datetime(2027, 3, 8, 9, tzinfo=UTC))  # a Monday
    for who in ("s1", "s2", "s3", "s4", "s5"):
        share(chat, who, HAPPY)
    clock.set(datetime(2027, 3, 8, 19, tzinfo=UTC))  # Monday evening
    monday = report()
    clock.set(datetime(2027, 3, 9, 10, tzinfo=UTC))  # Tuesday: one more, anonymous
    share(chat, "s6", ANGRY, consent="2")
    clock.set(datetime(2027, 3, 9, 19, tzinfo=UTC))
    tuesday = report()
    clock.set(datetime(2027, 3, 17, 9, tzinfo=UTC))  # the week closed and was published
    published = report()
    clock.set(datetime(2027, 3, 24, 9, tzinfo=UTC))
    later = report()
    readings = [sentiment(r) for r in (monday, tuesday, published, later)]
    target = angry_polarity(org)
    assert not [x for x in solved(readings) if abs(x - target) < 0.05], (readings, target)
    assert readings[0] == readings[1] == {}  # nothing about a week still open
    assert readings[2] and readings[2].items() <= readings[3].items()  # published: never moves
    assert dashboards[0] == dashboards[1] == ()
    assert dashboards[2] and set(dashboards[2]) <= set(dashboards[3])


# --- connectedness: "this helps my team" clicks between departments ---------------------------

K = 5
CLICKERS = org_csv(
    "lea@x.io,Lea Leader,,Exec,leader,UTC",
    "lou@x.io,Lou Legal,lea@x.io,Legal,employee,UTC",
    "sam@x.io,Sam Sales,lea@x.io,Sales,manager,UTC",
    *(f"s{i}@x.io,Sal {i},sam@x.io,Sales,employee,UTC" for i in range(1, 6)),
    "pia@x.io,Pia Support,lea@x.io,Support,manager,UTC",
    *(f"p{i}@x.io,Pat {i},pia@x.io,Support,employee,UTC" for i in range(1, 7)),
)


def test_connectedness_shows_no_click_as_it_happens_and_no_department_of_one(
    runtime, chat, clock, router
) -> None:  # type: ignore[no-untyped-def]
    """Connectedness was counted live over the last four weeks: the leader who read the
    matrix before and after Lou (Legal's only person) clicked "this helps my team" on a
    Sales story saw Legal -> Sales go from 0 to 1, and a window cut by day did the same.
    Now it is published once per closed four-week block, in bands of people, and a pair of
    fewer than 5 people is never shown."""
    from bot.core.chat import Incoming
    from handlers.reports.periods import Period

    import_org(runtime, CLICKERS)
    clock.set(datetime(2027, 3, 1, 9, tzinfo=UTC))  # a Monday; the block runs to 21 March
    share(chat, "s1", HAPPY)
    with runtime.db.session() as session:
        [story] = session.exec(select(Story)).all()

    def read(since: date | None = None) -> tuple[object, object]:
        """The matrix the dashboard shows the leader, and the report's connectedness."""
        with runtime.db.session() as session:
            publish.publish_due(session, clock.now(), runtime.settings)
        with runtime.db.session() as session:
            lea = Viewer.of(session, people.by_email(session, "lea@x.io"))  # type: ignore[arg-type]
            view = build_view(session, lea, "stories", {}, clock.now(), runtime.settings)
            [matrix] = [s for s in view.sections if s.id == "connectedness"]
            period = Period(since=since) if since else None
            section = story_reports.build(
                session, clock.now(), min_group_size=K, period=period
            ).to_dict()["connectedness"]
        figures = {k: v for k, v in section.items() if k not in ("span", "since", "until")}
        return tuple(matrix.table.rows), figures  # type: ignore[union-attr]

    polls = [read()]
    for who in ("lou", "p1", "p2", "p3", "p4", "p5"):  # Lou first, then five of Support
        clock.advance(timedelta(hours=5))
        said = router.handle(
            runtime,
            Incoming(
                platform="console",
                user_id=f"{who}@x.io",
                kind="action",
                name="stories.helps",
                value=str(story.id),
            ),
        )
        assert "helps your team" in said.replies[0].parts[0].text
        polls.append(read())
    assert all(poll == polls[0] for poll in polls), "a click moved a figure while it happened"
    windows = [read(since=date(2027, 3, day)) for day in range(1, 4)]
    assert all(w[1] == windows[0][1] for w in windows), "day windows differ by one day's clicks"

    clock.set(datetime(2027, 3, 24, 9, tzinfo=UTC))  # the block closed two days ago
    rows, figures = read()
    people_of = {(r[0], r[1]): r[2] for r in rows}  # type: ignore[index]
    assert people_of[("Support", "Sales")] == "5-9"  # five people: a connection, in a band
    assert people_of[("Legal", "Sales")] in ("", None, 0)  # Lou alone: never shown
    shown = [band for band in people_of.values() if band]
    assert all(int(str(band).split("-")[0].rstrip("+")) >= K for band in shown), people_of
    assert figures["pairs_connected"] == 1  # type: ignore[index]
    clock.set(datetime(2027, 4, 30, 9, tzinfo=UTC))
    assert read(since=date(2027, 3, 1))[1] == figures  # published once, never moves
