"""The pulse views read the disclosure gate's published cells: scoped and withheld the same
way in the page, the JSON behind it and the exports."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from storage.disclosure_models import DisclosureCell, DisclosurePeriod
from storage.models import Person
from tests.handlers.dashboard.conftest import sign_in

WEEK = "2027-W08"
SECRET_MEAN = 1.7  # the figure of a withheld cell, as the table keeps it for combining: never shown


def paths(runtime) -> dict[str, Person]:  # type: ignore[no-untyped-def]
    with runtime.db.session() as session:
        return {p.email.split("@")[0]: p for p in session.exec(select(Person))}


@pytest.fixture
def published(seeded):  # type: ignore[no-untyped-def]
    """One published week: the org and Sales shown, m1's team withheld (small), m2's subtree
    shown, m2's team withheld (complementary), Support withheld."""
    who = paths(seeded)
    cells = [
        ("org", "", "Whole organisation", True, None, 3.6),
        ("department", "Sales", "Sales", True, None, 3.4),
        ("department", "Support", "Support", False, "small", None),
        ("subtree", who["vp"].path, "Everyone below Vera Vp", True, None, 3.5),
        ("team", who["vp"].path, "Team of Vera Vp", True, None, 3.9),
        ("subtree", who["m1"].path, "Everyone below Mia One", False, "small", None),
        ("team", who["m1"].path, "Team of Mia One", False, "small", None),
        ("subtree", who["m2"].path, "Everyone below Max Two", True, None, 3.2),
        ("team", who["m2"].path, "Team of Max Two", False, "complementary", None),
    ]
    with seeded.db.session() as session:
        session.add(
            DisclosurePeriod(
                period=WEEK,
                kind="pulse",
                starts=date(2027, 2, 22),
                ends=date(2027, 2, 28),
                published_at=seeded.clock.now() - timedelta(days=1),
            )
        )
        session.flush()
        for kind, key, label, shown, reason, mean in cells:
            for theme in ("customer_focus", "leadership"):
                session.add(
                    DisclosureCell(
                        period=WEEK,
                        measure=theme,
                        kind=kind,
                        key=key,
                        label=label,
                        shown=shown,
                        reason=reason,
                        respondents="5-9" if shown else None,
                        participation=0.7 if shown else None,
                        mean=mean,
                        sentiment=None,
                        n=7 if shown else 3,
                        answers=7 if shown else 3,
                        total=(mean or SECRET_MEAN) * 7,
                    )
                )
    return who


async def everything(client, view: str, query: str, section: str) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    out = []
    for url in (
        f"/dashboard/{view}?{query}",
        f"/dashboard/{view}.json?{query}",
        f"/dashboard/export/{view}.json?{query}",
        f"/dashboard/export/{view}/{section}.csv?{query}",
    ):
        response = await client.get(url)
        out.append((response.status, await response.text()))
    return out


async def test_heat_map_marks_withheld_cells_everywhere(client, seeded, published) -> None:  # type: ignore[no-untyped-def]
    await sign_in(client, seeded, "vp")
    vp = published["vp"].id
    results = await everything(client, "groups", f"scope=subtree-{vp}", "heatmap")
    for status, body in results:
        assert status == 200
        assert "Everyone below Max Two" in body and "Team of Max Two" in body
        assert "withheld" in body
        assert str(SECRET_MEAN) not in body
    page = results[0][1]
    assert page.count("<svg") == 1 and "average score (1-5)" in page
    # the map holds the organisation and departments too, and "Teams" is also a chat app
    assert "Groups side by side" in page and "Teams side by side" not in page
    data = json.loads(results[1][1])
    rows = {(r["group"], r["theme"]): r for r in data["sections"]["heatmap"]["rows"]}
    assert rows[("Team of Max Two", "Customer focus")]["status"] == "withheld"
    assert rows[("Team of Max Two", "Customer focus")]["mean"] is None
    assert rows[("Team of Max Two", "Customer focus")]["withheld_because"] == (
        "could be worked out from other figures"
    )
    assert rows[("Everyone below Max Two", "Customer focus")]["mean"] == 3.2
    csv_text = results[3][1]
    assert (
        "Team of Mia One,a manager's team,Customer focus,withheld,fewer than 5 respondents,0,1,"
        in csv_text
    )


async def test_a_manager_sees_their_subtree_not_a_peers(client, seeded, published) -> None:  # type: ignore[no-untyped-def]
    await sign_in(client, seeded, "m1")
    m1, m2 = published["m1"].id, published["m2"].id
    own = await everything(client, "groups", f"scope=subtree-{m1}", "heatmap")
    for i, (status, body) in enumerate(own):
        assert status == 200 and "Team of Mia One" in body and "Max Two" not in body
        assert i == 0 or "3.2" not in body  # (the page's SVG has 3.2 in coordinates)
    for status, body in await everything(client, "groups", f"scope=subtree-{m2}", "heatmap"):
        assert status == 403 and "Max Two" not in body and "<svg" not in body
    for status, body in await everything(client, "overview", f"scope=team-{m2}", "score"):
        assert status == 403 and "Max Two" not in body


async def test_an_employee_sees_the_org_and_their_team_withheld(client, seeded, published) -> None:  # type: ignore[no-untyped-def]
    await sign_in(client, seeded, "a1")
    m1 = published["m1"].id
    org = json.loads(await (await client.get("/dashboard/overview.json?scope=org")).text())
    means = {r["theme"]: r["mean"] for r in org["sections"]["score"]["rows"]}
    assert means == {"Customer focus": 3.6, "Leadership commitment": 3.6}
    team = json.loads(await (await client.get(f"/dashboard/overview.json?scope=team-{m1}")).text())
    assert {r["status"] for r in team["sections"]["score"]["rows"]} == {"withheld"}
    assert all(r["mean"] is None for r in team["sections"]["score"]["rows"])
    heat = json.loads(await (await client.get("/dashboard/groups.json?scope=org")).text())
    groups = {r["group"] for r in heat["sections"]["heatmap"]["rows"]}
    assert "Whole organisation" in groups and "Sales" in groups
    assert not any("Max Two" in g or "Vera Vp" in g for g in groups), groups
    page = await (await client.get("/dashboard/overview?scope=org")).text()
    assert page.count("<svg") >= 2 and "average score (1 = low, 5 = high)" in page


def seed_assessment_and_objective(seeded, published) -> None:  # type: ignore[no-untyped-def]
    """Assessment 1: the org's customer measures 3.1 shown, the vp's subtree withheld; the
    top leader's objective on that dimension."""
    from storage.roadmap import Objective

    vp, ceo = published["vp"], published["ceo"]
    with seeded.db.session() as session:
        session.add(
            DisclosurePeriod(
                period="assessment:1",
                kind="assessment",
                starts=date(2027, 2, 1),
                ends=date(2027, 2, 14),
                published_at=seeded.clock.now() - timedelta(days=10),
            )
        )
        session.flush()
        for kind, key, shown, mean in (("org", "", True, 3.1), ("subtree", vp.path, False, None)):
            session.add(
                DisclosureCell(
                    period="assessment:1",
                    measure="customer_measures",
                    kind=kind,
                    key=key,
                    label="x",
                    shown=shown,
                    reason=None if shown else "small",
                    respondents="10-19" if shown else None,
                    mean=mean,
                    n=12 if shown else 3,
                    answers=12 if shown else 3,
                    total=(mean or SECRET_MEAN) * 12,
                )
            )
        session.add(
            Objective(
                scope_id=ceo.id,  # type: ignore[arg-type]
                created_by_id=ceo.id,  # type: ignore[arg-type]
                owner_id=ceo.id,  # type: ignore[arg-type]
                title="Customer data for every team",
                dimension="customer_measures",
                start=3.1,
                target=3.8,
                due=date(2027, 6, 30),
                created_at=seeded.clock.now(),
            )
        )


async def test_overview_shows_baseline_targets_and_open_objectives(
    client, seeded, published
) -> None:  # type: ignore[no-untyped-def]
    seed_assessment_and_objective(seeded, published)
    vp = published["vp"]
    await sign_in(client, seeded, "vp")
    org = json.loads(await (await client.get("/dashboard/overview.json?scope=org")).text())
    (objective,) = org["sections"]["objectives"]["rows"]
    assert objective["objective"] == "Customer data for every team"
    assert objective["target"] == 3.8 and objective["for"] == "Cleo Ceo"
    page = await (await client.get("/dashboard/overview?scope=org")).text()
    assert "Customer focus: baseline 3.1 (assessment 1)" in page
    assert "Customer focus: target 3.8" in page
    assert page.count("<svg") == 3  # score, participation, objectives (no sentiment here)
    # the vp's own subtree: its assessment cell is withheld, so no baseline; no target either
    mine = await (await client.get(f"/dashboard/overview?scope=subtree-{vp.id}")).text()
    assert "baseline" not in mine and "target 3.8" not in mine


def add_org_week_before(
    seeded, means: dict[str, float], participation: float, n: int, **coverage: object
) -> None:  # type: ignore[no-untyped-def]
    """The week before ``WEEK`` (15-21 Feb 2027), the whole organisation's shown figures."""
    with seeded.db.session() as session:
        session.add(
            DisclosurePeriod(
                period="2027-W07",
                kind="pulse",
                starts=date(2027, 2, 15),
                ends=date(2027, 2, 21),
                published_at=seeded.clock.now() - timedelta(days=8),
            )
        )
        session.flush()
        for theme, mean in means.items():
            session.add(
                DisclosureCell(
                    period="2027-W07",
                    measure=theme,
                    kind="org",
                    key="",
                    label="Whole organisation",
                    shown=True,
                    respondents="5-9" if n < 10 else "10-19",
                    participation=participation,
                    mean=mean,
                    n=n,
                    answers=n,
                    total=mean * n,
                    **coverage,
                )
            )


async def test_the_overview_opens_with_headline_figures(client, seeded, published) -> None:  # type: ignore[no-untyped-def]
    """Participation, each theme's score with its change, the weakest theme and the latest
    leadership message's reach come first; each is a figure the gate shows, none withheld."""
    who = published
    # an earlier week: the org's scores a week before
    add_org_week_before(seeded, {"customer_focus": 3.2, "leadership": 3.9}, 0.5, 7)
    await sign_in(client, seeded, "vp")
    page = await (await client.get("/dashboard/overview?scope=org")).text()
    assert page.index("At a glance") < page.index("Score per theme by week")
    data = json.loads(await (await client.get("/dashboard/overview.json?scope=org")).text())
    rows = {r["figure"]: r for r in data["sections"]["headline"]["rows"]}
    assert rows["Participation"]["value"] == "70%"
    assert rows["Participation"]["change"] == "+20 points since the week of 15 Feb 2027"
    assert rows["Customer focus"]["value"] == "3.6"
    assert rows["Customer focus"]["change"] == "+0.4 since the week of 15 Feb 2027"
    assert rows["Leadership commitment"]["change"] == "-0.3 since the week of 15 Feb 2027"
    assert rows["Weakest theme"]["value"] == "Customer focus"
    reach = rows["Latest leadership message"]
    assert reach["value"].endswith("reached") and "Customers first" in reach["detail"]
    chain = json.loads(await (await client.get("/dashboard/cascades.json")).text())
    reached = sum(r["reached"] for r in chain["sections"]["reach"]["rows"])
    waiting = sum(r["state"] != "relayed" for r in chain["sections"]["tree"]["rows"])
    assert f"{reached} of " in reach["detail"] and waiting  # the chain view's own count
    client.session.cookie_jar.clear()
    await sign_in(client, seeded, "m1")  # who carried it: their own part of the chain
    data = json.loads(await (await client.get("/dashboard/overview.json?scope=org")).text())
    rows = {r["figure"]: r for r in data["sections"]["headline"]["rows"]}
    chain = json.loads(await (await client.get("/dashboard/cascades.json")).text())
    reached = sum(r["reached"] for r in chain["sections"]["reach"]["rows"])
    detail = rows["Latest leadership message"]["detail"]
    assert f"{reached} of {reached} people in your part of the chain" in detail
    client.session.cookie_jar.clear()
    await sign_in(client, seeded, "vp")
    assert "\u25b2" in page and "\u25bc" in page  # up and down, not by colour alone

    team = json.loads(
        await (await client.get(f"/dashboard/overview.json?scope=team-{who['m1'].id}")).text()
    )  # every cell of Mia's team is withheld: no score, no weakest theme, no participation
    figures = {r["figure"] for r in team["sections"]["headline"]["rows"]}
    assert figures == {"Latest leadership message"}
    assert str(SECRET_MEAN) not in json.dumps(team)


async def test_groups_with_every_figure_withheld_are_summed_up_not_mapped(
    client, seeded, published
) -> None:  # type: ignore[no-untyped-def]
    """Mia's subtree and team, and Max's team, have no figure at all: one sentence says so
    and the map shows only groups with a figure; the table still lists each, withheld."""
    await sign_in(client, seeded, "vp")
    vp = published["vp"].id
    page = await (await client.get(f"/dashboard/groups?scope=subtree-{vp}")).text()
    assert "3 smaller groups are not on the map, to protect anonymity" in page
    chart = page[page.index("<svg") : page.index("</svg>")]
    assert ">Everyone below Max Two</text>" in chart
    for hidden in ("Team of Mia One", "Everyone below Mia One", "Team of Max Two"):
        assert f">{hidden}</text>" not in chart
        assert f"<th scope=row>{hidden}</th>" in page  # in the table, as withheld


async def test_every_page_writes_weeks_dates_and_times_in_words(client, seeded, published) -> None:  # type: ignore[no-untyped-def]
    """What a reader sees on each page (tables, charts, lists) holds no ISO week, date or
    timestamp: "week of 22 Feb 2027", "Wed 30 Jun 2027", "Mon 15 Mar 09:00"."""
    from tests.test_user_facing_text import ISO_DAY, ISO_TIMESTAMP

    await sign_in(client, seeded, "vp")
    for view in ("overview", "groups", "stories", "cascades"):
        page = await (await client.get(f"/dashboard/{view}?scope=org")).text()
        words = re.sub(r"<[^>]+>", " ", re.sub(r'href="[^"]*"', "", page))
        found = ISO_TIMESTAMP.findall(words) + ISO_DAY.findall(words)
        assert found == [], (view, found)
    page = await (await client.get("/dashboard/overview?scope=org")).text()
    assert "week of 22 Feb 2027" in page


async def test_baseline_and_objectives_have_a_view_of_their_own(client, seeded, published) -> None:  # type: ignore[no-untyped-def]
    """Per dimension: the group's baseline, and the pulse on the themes mapped onto it;
    then every objective. A withheld baseline says why and shows no figure."""
    seed_assessment_and_objective(seeded, published)
    vp = published["vp"]
    await sign_in(client, seeded, "vp")
    page = await (await client.get("/dashboard")).text()
    assert '<a href="/dashboard/roadmap">Baseline and objectives</a>' in page
    results = await everything(client, "roadmap", "scope=org", "baseline")
    assert [status for status, _ in results] == [200, 200, 200, 200]
    data = json.loads(results[1][1])
    rows = {r["dimension"]: r for r in data["sections"]["baseline"]["rows"]}
    measures = rows["Customer measures and data"]
    assert measures["baseline"] == 3.1 and measures["baseline_from"] == "assessment 1"
    assert measures["pulse_recent"] == 3.6  # customer focus, the org's published week
    lead = rows["Leadership commitment"]  # no assessment figure, a pulse one
    assert lead["baseline"] is None and lead["pulse_recent"] == 3.6
    (objective,) = data["sections"]["objectives"]["rows"]
    assert objective["objective"] == "Customer data for every team"
    assert results[0][1].count("<svg") == 2  # the baseline chart and the objectives chart

    mine = await everything(client, "roadmap", f"scope=subtree-{vp.id}", "baseline")
    for status, body in mine:  # (a page's SVG has numbers in its coordinates)
        words = re.sub(r"<svg.*?</svg>", "", body, flags=re.S)
        assert status == 200 and str(SECRET_MEAN) not in words
    rows = {r["dimension"]: r for r in json.loads(mine[1][1])["sections"]["baseline"]["rows"]}
    withheld = rows["Customer measures and data"]
    assert withheld["baseline"] is None
    assert withheld["withheld_because"] == "fewer than 5 respondents"


async def test_a_check_in_of_part_of_the_group_is_no_change_of_the_whole_in_the_headline(
    client, seeded, published
) -> None:
    """The week before, the whole organisation was asked; the latest week only one team was
    (a manager's check-in). The headline says how much of the organisation was asked and
    shows no change against a week that asked other people (as the report does)."""
    add_org_week_before(
        seeded,
        {"customer_focus": 4.2, "leadership": 4.2},
        0.9,
        18,
        invited=20,
        population=20,
        members="everyone",
    )
    with seeded.db.session() as session:
        session.execute(
            update(DisclosureCell)
            .where(col(DisclosureCell.period) == WEEK, col(DisclosureCell.kind) == "org")
            .values(invited=6, population=20, members="one-team")
        )
    await sign_in(client, seeded, "vp")
    data = json.loads(await (await client.get("/dashboard/overview.json?scope=org")).text())
    rows = {r["figure"]: r for r in data["sections"]["headline"]["rows"]}
    assert rows["Customer focus"]["value"] == "3.6"
    assert not rows["Customer focus"]["change"]  # before: "-0.6 since the week of 15 Feb"
    assert "asked: 6 of 20" in rows["Customer focus"]["detail"]
    assert not rows["Participation"]["change"]
    assert "asked: 6 of 20" in rows["Participation"]["detail"]
