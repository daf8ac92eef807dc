"""An anonymous story or idea carries no group of fewer than 5 people (issue 19, findings 4
and 5), tested by an attacker who knows exactly what each person is shown.

Everyone in the organisation shares one anonymous story (or idea). For each viewer, a
story's *signature* is everything that viewer can see about it, apart from its text: the
digest's byline and whether the digest carries it, the dashboard's list in every scope the
viewer may pick (and the department it names), the answer to "helps my team" (and which
department's column of the connectedness matrix a click moves); for ideas,
the message to a manager, where the ``ideas`` list puts it and under which heading, and
whether setting its status is refused. The people who could have written a story, as far as
that viewer can tell, are the authors of the stories with the same signature (other than the
viewer): they must be at least 5.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import select

from bot.core.chat import Incoming
from bot.core.runtime import Runtime
from bot.web.dashboard import build_view
from handlers.dashboard.scope import NotAllowed, Viewer
from handlers.reports import anonymity
from handlers.stories.capture import StoriesSettings, tick
from storage import people
from storage.models import Person
from storage.stories import Story
from tests.support import import_org, org_csv

K = 5
# Legal is one person (Lou), in Max's team of one; Sales is Sam's team of five.
ORG = org_csv(
    "lea@x.io,Lea Leader,,Exec,leader,UTC",
    "max@x.io,Max Ops,lea@x.io,Ops,manager,UTC",
    "lou@x.io,Lou Legal,max@x.io,Legal,employee,UTC",
    "sam@x.io,Sam Sales,lea@x.io,Sales,manager,UTC",
    *(f"s{i}@x.io,Sal {i},sam@x.io,Sales,employee,UTC" for i in range(1, 6)),
)
EVERYONE = ["lea", "max", "lou", "sam", *(f"s{i}" for i in range(1, 6))]
THURSDAY_10 = datetime(2027, 3, 4, 10, 0, tzinfo=UTC)


def email(name: str) -> str:
    return f"{name}@x.io"


def marker(kind: str, name: str) -> str:
    return f"A {kind} about customer {name.upper()}Q"


def block(text: str, mark: str) -> str | None:
    """The heading above ``mark`` in a message (numbers dropped), or None when absent."""
    if mark not in text:
        return None
    before = text.split(mark)[0]
    heading = before.rsplit("## ", 1)[-1].splitlines()[0] if "## " in before else ""
    return re.sub(r"^\d+\. ", "", heading)


def candidates(signature: Callable[[str, str], object]) -> dict[tuple[str, str], set[str]]:
    """For each viewer and author: the authors (not the viewer) the viewer cannot tell apart."""
    found = {}
    for viewer in EVERYONE:
        seen = {author: signature(viewer, author) for author in EVERYONE if author != viewer}
        for author, sig in seen.items():
            found[(viewer, author)] = {a for a, s in seen.items() if s == sig}
    return found


def click(runtime: Runtime, router, name: str, action: str, value: str) -> str:  # type: ignore[no-untyped-def]
    response = router.handle(
        runtime,
        Incoming(platform="console", user_id=email(name), kind="action", name=action, value=value),
    )
    return "\n".join(part.text for message in response.replies for part in message.parts)


def story_ids(runtime: Runtime, kind: str) -> dict[str, int]:
    with runtime.db.session() as session:
        rows = session.exec(select(Story).where(Story.kind == kind)).all()
        return {
            name: next(s.id for s in rows if marker(kind, name) in s.what_happened)  # type: ignore[misc]
            for name in EVERYONE
        }


@pytest.fixture
def org(runtime: Runtime) -> Runtime:
    import_org(runtime, ORG)
    return runtime


def test_an_anonymous_story_names_no_group_of_fewer_than_five(org, chat, clock, router) -> None:  # type: ignore[no-untyped-def]
    for name in EVERYONE:
        chat(email(name)).say("story", marker("story", name), "", "It went well", "1", "2")
    clock.set(THURSDAY_10)
    tick(org, StoriesSettings(digest_size=10, _env_file=None))  # type: ignore[call-arg]
    digests = {name: chat(email(name)).inbox() for name in EVERYONE}
    dashboards: dict[str, list[tuple[str, list[tuple]]]] = {}  # type: ignore[type-arg]
    with org.db.session() as session:
        managers = [p for p in session.exec(select(Person)) if people.has_reports(session, p)]
        keys = ["org"] + [f"{kind}-{m.id}" for m in managers for kind in ("team", "subtree")]
        for name in EVERYONE:
            viewer = Viewer.of(session, people.by_email(session, email(name)))  # type: ignore[arg-type]
            dashboards[name] = []
            for key in keys:
                try:
                    view = build_view(
                        session, viewer, "stories", {"scope": key}, clock.now(), org.settings
                    )
                except NotAllowed:
                    continue
                [latest] = [s for s in view.sections if s.id == "latest"]
                dashboards[name].append((key, list(latest.table.rows)))  # type: ignore[union-attr]
    ids = story_ids(org, "story")

    def clicks() -> dict[tuple[str, str], int]:
        """The connectedness matrix the dashboard shows Sam (reader, story department)."""
        with org.db.session() as session:
            sam = Viewer.of(session, people.by_email(session, email("sam")))  # type: ignore[arg-type]
            view = build_view(session, sam, "stories", {"scope": "org"}, clock.now(), org.settings)
        [matrix] = [s for s in view.sections if s.id == "connectedness"]
        return {(r[0], r[1]): r[2] for r in matrix.table.rows}  # type: ignore[union-attr]

    helps = {
        (reader, author): click(org, router, reader, "stories.helps", str(ids[author]))
        for reader in EVERYONE
        for author in EVERYONE
        if reader != author and (reader, author) != ("s1", "lou")
    }
    before = clicks()  # then one click more: s1 (Sam's team) finds Lou's story helpful
    helps[("s1", "lou")] = click(org, router, "s1", "stories.helps", str(ids["lou"]))
    moved = {pair for pair, n in clicks().items() if n != before.get(pair, 0)}
    sizes = {"Exec": 1, "Ops": 1, "Legal": 1, "Sales": 6}
    assert all(sizes[department] >= K for _, department in moved), moved

    def signature(viewer: str, author: str) -> object:
        mark = marker("story", author)
        listed = [
            (key, [row[1:3] for row in rows if row[4] == mark]) for key, rows in dashboards[viewer]
        ]
        return (block(digests[viewer], mark), listed, helps[(viewer, author)])

    for (viewer, author), who in candidates(signature).items():
        assert len(who) >= K, (viewer, author, sorted(who), signature(viewer, author))


def test_an_anonymous_idea_goes_to_no_group_of_fewer_than_five(org, chat, router) -> None:  # type: ignore[no-untyped-def]
    for name in EVERYONE:
        chat(email(name)).say("idea", marker("idea", name), "", "Fewer surprises", "2")
    inboxes = {name: chat(email(name)).inbox() for name in EVERYONE}
    assert_ideas_give_nobody_away(org, chat, router, inboxes)


def test_ideas_shared_before_the_rule_leave_the_small_team_they_went_to(
    org, chat, router, clock
) -> None:  # type: ignore[no-untyped-def]
    """Before issue 19 an anonymous idea went to the author's own manager: Lou's to Max, who
    manages Lou alone. Such ideas now go, once, to the manager holding the author's group
    today (Lea, here), and neither Max's ``ideas`` nor a status button tells Max more."""
    with org.db.session() as session:  # as the old code stored them
        for name in EVERYONE:
            author = people.by_email(session, email(name))
            session.add(
                Story(
                    author_id=author.id,  # type: ignore[union-attr]
                    manager_id=author.manager_id,  # type: ignore[union-attr]
                    department=author.department,  # type: ignore[union-attr]
                    team_path=people.team_path(session, author),  # type: ignore[arg-type]
                    kind="idea",
                    consent="anonymous",
                    what_happened=marker("idea", name),
                    what_changed="Fewer surprises",
                    polarity=0.0,
                    subjectivity=0.0,
                    created_at=clock.now(),
                    submission_key=f"old-{name}",
                    status="new",
                )
            )
    max_sees = chat(email("max")).say("ideas")
    assert marker("idea", "lou") not in max_sees
    assert marker("idea", "lou") in chat(email("lea")).say("ideas")
    assert_ideas_give_nobody_away(org, chat, router, dict.fromkeys(EVERYONE, ""))


def assert_ideas_give_nobody_away(org, chat, router, inboxes: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    """Everyone's idea, seen by everyone: the message to a manager (``inboxes``), where the
    ``ideas`` list puts it and whether a status button is refused. At least 5 candidates."""
    lists = {name: chat(email(name)).say("ideas") for name in EVERYONE}
    ids = story_ids(org, "idea")

    def listed(text: str, mark: str) -> object:
        for section in text.split("## ")[1:]:
            heading, _, body = section.partition("\n")
            for line in body.splitlines():
                if mark in line:
                    return heading, re.sub(r"^.*\[(\w[\w ]*)\].*\((\w+)[^)]*\)$", r"\1 \2", line)
        return None

    def signature(viewer: str, author: str) -> object:
        mark = marker("idea", author)
        status = click(org, router, viewer, "stories.idea_status", f"{ids[author]}:new")
        status = "refused" if "Only the author's manager" in status else "allowed"
        return (block(inboxes[viewer], mark), listed(lists[viewer], mark), status)

    for (viewer, author), who in candidates(signature).items():
        assert len(who) >= K, (viewer, author, sorted(who), signature(viewer, author))


@st.composite
def organisations(draw: st.DrawFn) -> dict[int, int | None]:
    """A random forest of people: each one's manager is someone listed before them, or none."""
    size = draw(st.integers(1, 60))
    links: dict[int, int | None] = {}
    for person in range(size):
        top = person == 0 or draw(st.integers(0, 9)) == 0
        links[person] = None if top else draw(st.integers(0, person - 1))
    return links


@settings(max_examples=300, deadline=None)
@given(organisations(), st.integers(2, 7))
def test_anonymity_groups_are_big_disjoint_and_above_their_people(links, k) -> None:  # type: ignore[no-untyped-def]
    found = anonymity.groups(links, k)
    members: dict[int, list[int]] = {}
    for person, manager in found.items():
        if manager is not None:
            members.setdefault(manager, []).append(person)
    for manager, group in members.items():
        assert len(group) >= k  # nobody is told of an idea from fewer than k people
        for person in group:  # ... and only of ideas from below them
            boss = links[person]
            while boss is not None and boss != manager:
                boss = links[boss]
            assert boss == manager
    # people left without a group: only where their whole tree is smaller than k
    for person, manager in found.items():
        if manager is None and links[person] is not None:
            top = person
            while links[top] is not None:
                top = links[top]  # type: ignore[assignment]
            tree = [p for p in links if _top(links, p) == top and p != top]
            assert len(tree) < k


def _top(links: dict[int, int | None], person: int) -> int:
    while links[person] is not None:
        person = links[person]  # type: ignore[assignment]
    return person


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(st.text(min_size=1, max_size=3), st.integers(1, 12), max_size=8),
    st.integers(2, 7),
)
def test_named_departments_leave_no_small_group_unnamed(sizes, k) -> None:  # type: ignore[no-untyped-def]
    named = anonymity.named_departments(sizes, k)
    assert all(sizes[d] >= k for d in named)
    rest = sum(n for d, n in sizes.items() if d not in named)
    # the departments left unnamed hold nobody or at least k, unless nothing is named at all
    # (then "no department" says only "someone in the organisation")
    assert rest == 0 or rest >= k or not named
