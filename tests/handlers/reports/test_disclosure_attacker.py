"""The attacker property test: random organisations and answers; everything every role can
see, at every moment; the linear system it gives is solved, and nothing under the minimum
(no person, no difference between two people, no small group) may be determined.

Organisations: depth up to 5, teams of 1 to 12, departments crossing the hierarchy. Answers:
several rounds (org-wide and a manager's ad-hoc ones) over several weeks and themes, some
closing mid-week (a round the gate shows whole is then a period of its own). The
attacker knows the org and who answered (the worst case), so each shown figure is the sum of
the answers of known people: one equation. A set of people is *determined* when its
indicator vector lies in the span of the equations of its (week, theme).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from itertools import combinations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, update
from sqlmodel import col, select

from bot.core.config import Settings
from handlers.people import org
from handlers.reports import disclosure, publish
from handlers.reports import pulse_reports as reports
from handlers.reports.disclosure import week_of
from storage.disclosure_models import DisclosureCell, DisclosurePeriod
from storage.models import Person, PulseAnswer, PulsePrompt, PulseRound
from storage.tables import metadata
from tests.attack import determined_vectors

# one question of each theme, and eNPS (0-10): a measure of its own whose eNPS and bands
# (each a sum over the group's people, divided by its size) stand on the same cells
THEMES = ("cf01", "lc01", "xd01", "enps")
THEME_OF = {"cf01": "customer_focus", "lc01": "leadership", "xd01": "connectedness"}
THEME_OF["enps"] = "enps"
MONDAY = date(2027, 3, 1)


@st.composite
def organisations(draw: st.DrawFn) -> list[tuple[str, str | None, str]]:
    """(email, manager email, department) rows: a tree of depth up to 5, teams of 1-12."""
    departments = [f"D{i}" for i in range(draw(st.integers(2, 4)))]
    rows = [("p0@x.io", None, draw(st.sampled_from(departments)))]
    frontier = [("p0@x.io", 1)]
    while frontier and len(rows) < 45:
        manager, depth = frontier.pop(0)
        for _ in range(draw(st.integers(1, 12))):
            if len(rows) >= 45:
                break
            email = f"p{len(rows)}@x.io"
            rows.append((email, manager, draw(st.sampled_from(departments))))
            if depth < 5 and draw(st.integers(0, 3)) == 0:
                frontier.append((email, depth + 1))
    return rows


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[tuple[str, str | None, str]], list[dict]]:
    """An org and its rounds: each round a week, a question, an audience root, who answered
    (and with a comment)."""
    people = draw(organisations())
    managers = sorted({m for _, m, _ in people if m})
    rounds = []
    for week in range(draw(st.integers(1, 3))):
        for _ in range(draw(st.integers(1, 3))):
            root = draw(st.sampled_from([None, *managers]))  # None: org-wide
            share = draw(st.sampled_from([0.5, 0.8, 1.0]))
            rounds.append(
                {
                    "week": week,
                    "question": draw(st.sampled_from(THEMES)),
                    "root": root,
                    "answers": draw(
                        st.lists(st.floats(0, 1), min_size=len(people), max_size=len(people))
                    ),
                    "share": share,
                    # closes mid-week: weighed alone at close (shown_alone), as the tick does
                    "alone": draw(st.booleans()),
                }
            )
    return people, rounds


def _wipe(database) -> None:  # type: ignore[no-untyped-def]
    with database.engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(delete(table))


def _seed(database, people, rounds):  # type: ignore[no-untyped-def]
    """The org, and the rounds as they are once closed: prompts with their atoms, answers.
    Returns the people by email, and who commented per (week, theme) with their atom."""
    commenters: dict[tuple[str, str], dict[str, tuple[str, str]]] = defaultdict(dict)
    csv = "email,name,manager_email,department,role,timezone\n" + "".join(
        f"{e},{e.split('@')[0].upper()},{m or ''},{d},employee,UTC\n" for e, m, d in people
    )
    with database.session() as session:
        org.import_text(session, csv)
    with database.session() as session:
        by_email = {p.email: p for p in session.exec(select(Person))}
        by_id = {p.id: p for p in by_email.values()}
        for n, spec in enumerate(rounds):
            day = MONDAY + timedelta(weeks=spec["week"], days=n % 4)
            opened = datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
            round_ = PulseRound(
                question_id=spec["question"],
                created_at=opened,
                closes_at=opened + timedelta(hours=72),
                period=week_of(day),
                closed=True,
            )
            session.add(round_)
            session.flush()
            root = by_email.get(spec["root"]) if spec["root"] else None
            wrote: dict[str, tuple[str, str]] = {}
            for i, (email, _, _) in enumerate(people):
                person = by_email[email]
                if root is not None and not (
                    person.path.startswith(root.path) and person.id != root.id
                ):
                    continue
                boss = by_id.get(person.manager_id)
                team_path = boss.path if boss else "/"
                roll = spec["answers"][i]
                answered = roll < spec["share"]
                session.add(
                    PulsePrompt(
                        round_id=round_.id,  # type: ignore[arg-type]
                        person_id=person.id,  # type: ignore[arg-type]
                        status="answered" if answered else "expired",
                        send_at=opened,
                        remind_at=opened,
                        closes_at=round_.closes_at,
                        team_path=team_path,
                        department=person.department,
                        closed=True,
                    )
                )
                if answered and roll < spec["share"] / 2:
                    wrote[email] = (team_path, person.department)
                if answered:
                    session.add(
                        PulseAnswer(
                            round_id=round_.id,  # type: ignore[arg-type]
                            period=round_.period,  # type: ignore[arg-type]
                            question_id=spec["question"],
                            theme=THEME_OF[spec["question"]],
                            team_path=team_path,
                            department=person.department,
                            score=(
                                int(roll * 100) % 11
                                if spec["question"] == "enps"
                                else 1 + int(roll * 10) % 5
                            ),
                            comment=f"words {i}-{n}" if roll < spec["share"] / 2 else None,
                        )
                    )
            session.flush()
            if spec.get("alone"):  # a period of its own when the gate shows the whole round
                _own_period(session, round_)
            for email, atom in wrote.items():
                key = (round_.period, THEME_OF[spec["question"]])
                commenters[key].setdefault(email, atom)  # type: ignore[index]
        return by_email, commenters


def _own_period(session, round_) -> None:  # type: ignore[no-untyped-def]
    """What close_round does for a round whose answers this test wrote itself: the period of
    its own, when the gate shows the whole round."""
    name = disclosure.shown_alone(session, round_, 5)
    if name is not None:
        session.execute(
            update(PulseAnswer).where(col(PulseAnswer.round_id) == round_.id).values(period=name)
        )
        round_.period = name
        session.add(round_)


def _members(cell, placed: dict[str, tuple[str, str]]) -> frozenset[str]:  # type: ignore[no-untyped-def]
    """The people a cell stands for, among ``placed`` (email -> (team path, department))."""

    def inside(team_path: str, department: str) -> bool:
        if cell.kind == "org":
            return True
        if cell.kind == "department":
            return department == cell.key
        if cell.kind == "team":
            return team_path == cell.key
        return team_path.startswith(cell.key)

    return frozenset(e for e, (tp, d) in placed.items() if inside(tp, d))


def _check_system(cells: list, placed: dict[str, tuple[str, str]], k: int, what: str) -> None:  # type: ignore[type-arg]
    people = sorted(placed)
    shown = {_members(c, placed) for c in cells}
    for members in shown:
        assert len(members) == 0 or len(members) >= k, (what, sorted(members))
    equations = [m for m in shown if m]
    targets: list[dict[str, float]] = [{p: 1.0} for p in people]
    targets += [{a: 1.0, b: -1.0} for a, b in combinations(people, 2)]
    small: set[frozenset[str]] = set()
    atoms: dict[tuple[str, str], set[str]] = defaultdict(set)
    for email, atom in placed.items():
        atoms[atom].add(email)
    for group in atoms.values():
        small.add(frozenset(group))
    teams = {tp for tp, _ in placed.values()}
    departments = {d for _, d in placed.values()}
    for team in teams:
        for department in departments:
            small.add(
                frozenset(
                    e for e, (tp, d) in placed.items() if tp.startswith(team) and d == department
                )
            )
            small.add(
                frozenset(e for e, (tp, d) in placed.items() if tp == team and d == department)
            )
        small.add(frozenset(e for e, (tp, _) in placed.items() if tp.startswith(team)))
        small.add(frozenset(e for e, (tp, _) in placed.items() if tp == team))
    small_groups = [g for g in small if 0 < len(g) < k]
    targets += [{p: 1.0 for p in g} for g in small_groups]
    found = determined_vectors(equations, targets, people)
    leaks = [t for t, hit in zip(targets, found, strict=True) if hit]
    assert not leaks, (what, leaks[:3])


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=histories())
def test_no_role_can_work_out_a_small_group_from_everything_it_is_shown(database, history) -> None:  # type: ignore[no-untyped-def]
    people, rounds = history
    _wipe(database)
    by_email, commenters = _seed(database, people, rounds)
    config = Settings(database_url=database.url, _env_file=None)  # type: ignore[call-arg]
    k, k_comments = config.min_group_size, config.min_comment_group_size

    # publish week by week, looking at everything after each publication (snapshots)
    seen: dict[tuple[str, str, str, str], object] = {}
    viewers = [None, *by_email.values()]
    weeks = sorted({week_of(MONDAY + timedelta(weeks=r["week"])) for r in rounds})
    for n, _ in enumerate(weeks):
        now = datetime(2027, 3, 10, tzinfo=UTC) + timedelta(weeks=n)
        with database.session() as session:
            publish.publish_due(session, now, config)
        with database.session() as session:
            for viewer in viewers:
                for cell in disclosure.visible_cells(session, viewer):
                    key = (cell.period, cell.measure, cell.kind, cell.key)
                    assert seen.setdefault(key, cell) == cell  # a published cell never changes
                    if cell.measure == "enps":  # its figure and bands only where shown
                        assert (disclosure.enps_bands(cell) is not None) == cell.shown
                        assert (cell.mean is not None) == cell.shown
                # the report (every format reads this) shows nothing the cells do not
                report = reports.build(session, min_group_size=k, viewer=viewer, full=True)
                for row in report.rows:
                    if not row.withheld:
                        published = seen[(row.period, row.theme, row.kind, row.key)]
                        assert published.shown and published.mean == row.mean  # type: ignore[attr-defined]
                        # a row of the same people goes by other names: each is a group whose
                        # own cell is shown, with that figure, in every week of the row
                        for also in row.also:
                            for week, mean in zip(row.weeks, row.series, strict=True):
                                other = seen.get((week, row.theme, also.kind, also.key))
                                mine = seen[(week, row.theme, row.kind, row.key)]
                                assert other is not None and other.shown == mine.shown  # type: ignore[attr-defined]
                                assert other.mean == (mean if mine.shown else None)  # type: ignore[attr-defined]
                    if row.theme == "enps":
                        assert (row.promoters is None) == row.withheld

    # the union of what every role saw: one system per (week, theme)
    with database.session() as session:
        asked = session.exec(
            select(
                PulseRound.period,
                PulseRound.question_id,
                PulsePrompt.person_id,
                PulsePrompt.team_path,
                PulsePrompt.department,
            )
            .join(PulseRound, PulseRound.id == PulsePrompt.round_id)
            .where(PulsePrompt.status == "answered")
        ).all()
        assert session.exec(select(DisclosurePeriod)).all()
        assert session.exec(select(DisclosureCell)).first() is not None
    emails = {p.id: e for e, p in by_email.items()}
    placed: dict[tuple[str, str], dict[str, tuple[str, str]]] = defaultdict(dict)
    for period, question, person_id, team_path, department in asked:
        placed[(period, THEME_OF[question])].setdefault(emails[person_id], (team_path, department))
    for (period, theme), who in placed.items():
        cells = [c for key, c in seen.items() if key[:2] == (period, theme) and c.shown]  # type: ignore[attr-defined]
        _check_system(cells, who, k, f"{period} {theme}")
    # comments: the same, with the commenters and the comment minimum
    for (period, theme), who in commenters.items():
        cells = [
            c
            for key, c in seen.items()
            if key[:2] == (period, theme) and c.shown and c.comments_shown  # type: ignore[attr-defined]
        ]
        _check_system(cells, who, k_comments, f"comments {period} {theme}")
