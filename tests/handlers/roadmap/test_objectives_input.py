"""Objectives: bad input is refused with the field named and nothing written; the states."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from bot.core.chat import UserError
from handlers.roadmap import objectives
from storage import people
from storage.roadmap import Objective, ObjectiveAction
from tests.handlers.roadmap.helpers import ORG
from tests.support import import_org


def _add(runtime, by: str = "sam@x.io", **changes):
    values = {
        "title": "Customers see their data",
        "dimension": "customer_measures",
        "target": "3.8",
        "due": "2027-06-30",
        "owner": "s1@x.io",
        "start": "3.1",
        "actions": ["Weekly customer review => s2@x.io", "Share the NPS board"],
    }
    values.update(changes)
    with runtime.db.session() as session:
        actor = people.by_email(session, by)
        return objectives.add(session, actor, runtime.clock.now(), **values)


@pytest.mark.parametrize(
    ("by", "changes", "field"),
    [
        ("s1@x.io", {}, "by"),  # not a manager
        ("sam@x.io", {"target": "5.5"}, "target"),
        ("sam@x.io", {"target": "0"}, "target"),
        ("sam@x.io", {"target": "high"}, "target"),
        ("sam@x.io", {"due": "2027-02-01"}, "due"),  # in the past
        ("sam@x.io", {"due": "soon"}, "due"),
        ("sam@x.io", {"dimension": "happiness"}, "dimension"),
        ("sam@x.io", {"owner": "e1@x.io"}, "owner"),  # another team
        ("sam@x.io", {"owner": "nobody@x.io"}, "owner"),
        ("sam@x.io", {"actions": ["Help => e2@x.io"]}, "action"),  # outside the scope
        ("sam@x.io", {"actions": [" => s1@x.io"]}, "action"),
        ("sam@x.io", {"start": "9"}, "from"),
        ("sam@x.io", {"title": ""}, "title"),
    ],
)
def test_bad_input_is_refused_with_the_field_named_and_nothing_written(
    runtime, by, changes, field
) -> None:
    import_org(runtime, ORG)
    with pytest.raises(UserError) as refused:
        _add(runtime, by, **changes)
    assert refused.value.field == field
    assert str(refused.value).startswith(f"{field}:") or field == "by"
    with runtime.db.session() as session:
        assert session.exec(select(Objective)).all() == []
        assert session.exec(select(ObjectiveAction)).all() == []


@pytest.mark.parametrize(
    ("today", "current", "state"),
    [
        (date(2027, 3, 1), None, "on track"),  # just set, no figure yet
        (date(2027, 5, 1), None, "at risk"),  # more than half the time gone, no figure
        (date(2027, 4, 1), 3.3, "on track"),  # expected ~3.3 a third of the way
        (date(2027, 4, 1), 3.1, "at risk"),
        (date(2027, 5, 1), 3.9, "reached"),
        (date(2027, 7, 1), 3.5, "missed"),
        (date(2027, 7, 1), 3.8, "reached"),
    ],
)
def test_objective_states(today, current, state) -> None:
    assert (
        objectives.state_of(3.1, 3.8, date(2027, 3, 1), date(2027, 6, 30), current, today) == state
    )


def test_a_falling_target_works_the_other_way() -> None:
    # e.g. a target to bring a figure down is not supported by the 1-5 agreement scale, but
    # the arithmetic stays symmetric
    assert (
        objectives.state_of(4.0, 3.0, date(2027, 3, 1), date(2027, 4, 1), 2.9, date(2027, 3, 2))
        == "reached"
    )


def test_objectives_are_listed_for_every_scope_people_belong_to(runtime, chat) -> None:
    import_org(runtime, ORG)
    _add(runtime)
    _add(runtime, "eve@x.io", owner="e1@x.io", actions=[], title="Engineers meet customers")
    _add(
        runtime,
        "lea@x.io",
        owner="sam@x.io",
        actions=["Top team visits => eve@x.io"],
        title="Leaders on the floor",
        dimension="leadership",
    )
    support = chat("s3@x.io").say("objectives")
    assert "Customers see their data" in support and "Leaders on the floor" in support
    assert "Engineers meet customers" not in support
    assert "Weekly customer review (S2, planned" in support
    leader = chat("lea@x.io").say("objectives")
    assert all(t in leader for t in ("Customers see", "Engineers meet", "Leaders on the floor"))


def test_update_and_close(runtime, clock) -> None:
    import_org(runtime, ORG)
    objective_id = _add(runtime).id
    with runtime.db.session() as session:
        sam = people.by_email(session, "sam@x.io")
        action_id = session.exec(select(ObjectiveAction.id)).first()
        objectives.update(
            session,
            sam,
            clock.now(),
            objective_id,
            target="4.0",
            action_status={action_id: "doing"},
        )
    with runtime.db.session() as session:
        sam = people.by_email(session, "sam@x.io")
        with pytest.raises(UserError) as refused:
            objectives.update(
                session, sam, clock.now(), objective_id, action_status={action_id: "finished"}
            )
        assert refused.value.field == "status"
        eve = people.by_email(session, "eve@x.io")
        with pytest.raises(UserError):
            objectives.update(session, eve, clock.now(), objective_id, target="4.5")
    with runtime.db.session() as session:
        objective = session.get(Objective, objective_id)
        assert objective.target == 4.0
        assert session.get(ObjectiveAction, action_id).status == "doing"
