"""Objectives in chat beyond the list: an action's owner moves it on (``action ID doing``),
the objective's owner or setter closes it (``objective ID close``), with the command line's
rules; everyone else is refused politely and nothing changes; every change is audited."""

from __future__ import annotations

from sqlmodel import select
from typer.testing import CliRunner

import prompts
from handlers.roadmap import objectives
from storage import people
from storage.audit import AuditEvent
from storage.roadmap import Objective, ObjectiveAction
from tests.handlers.roadmap.helpers import ORG
from tests.support import import_org


def set_objective(runtime, by: str, owner: str, actions: list[str]) -> int:  # type: ignore[no-untyped-def]
    with runtime.db.session() as session:
        actor = people.by_email(session, by)
        objective = objectives.add(
            session,
            actor,
            runtime.clock.now(),
            title="Customers see their data",
            dimension="customer_measures",
            target="3.8",
            due="2027-06-30",
            owner=owner,
            start="3.1",
            actions=actions,
        )
        return objective.id


def statuses(runtime) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with runtime.db.session() as session:
        return {a.text: a.status for a in session.exec(select(ObjectiveAction))}


def audited(runtime, action: str) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    with runtime.db.session() as session:
        rows = session.exec(select(AuditEvent).where(AuditEvent.action == action)).all()
        return [(row.actor, row.target) for row in rows]


def test_owners_move_actions_on_and_close_objectives_in_chat(runtime, chat) -> None:
    import_org(runtime, ORG)
    objective_id = set_objective(
        runtime, "sam@x.io", "s1@x.io", ["Weekly customer review => s2@x.io", "Share the NPS board"]
    )
    review, board = "Weekly customer review", "Share the NPS board"
    s2 = chat("s2@x.io")
    listed = s2.say("objectives")
    assert "action 1: Weekly customer review (S2, planned" in listed  # the number to type

    assert "Action 1 of objective #1 is now doing." in s2.say("action 1 doing")
    assert statuses(runtime) == {review: "doing", board: "planned"}
    assert audited(runtime, "objective.update") == [("s2@x.io", f"objective {objective_id}")]

    # not theirs: the other action (the objective owner's), and someone outside the actions
    assert "there is no action 2 you can move on" in s2.say("action 2 done")
    assert "there is no action 1 you can move on" in chat("s3@x.io").say("action 1 done")
    assert "there is no action 1 you can move on" in chat("e1@x.io").say("action 1 done")
    assert "status: one of planned, doing, done; not finished" in s2.say("action 1 finished")
    assert "there is no action 99 you can move on" in s2.say("action 99 done")
    assert "Type action ID planned" in s2.say("action done")
    assert statuses(runtime) == {review: "doing", board: "planned"}  # nothing changed

    # the objective's owner may move any of its actions, and close it; an action owner may not
    assert "is now done" in chat("s1@x.io").say("action 2 done")
    assert "there is no objective 1 you can change" in s2.say("objective 1 close")
    assert "objective 3 close - close one you own" in s2.say("objective close")
    closed = chat("s1@x.io").say("objective 1 close")
    assert "Objective 1 closed as missed." in closed  # no figure reached the target
    with runtime.db.session() as session:
        assert session.get(Objective, objective_id).status == "missed"
    assert audited(runtime, "objective.close") == [("s1@x.io", f"objective {objective_id}")]
    # closed: no more moves, not even by the owner
    assert "there is no action 1 you can move on" in s2.say("action 1 done")
    assert statuses(runtime) == {review: "doing", board: "done"}


def test_the_setter_drops_an_objective_in_chat(runtime, chat) -> None:
    import_org(runtime, ORG)
    set_objective(runtime, "lea@x.io", "sam@x.io", ["Top team visits => eve@x.io"])
    assert "there is no objective 1 you can change" in chat("eve@x.io").say("objective 1 drop")
    assert "Action 1 of objective #1 is now done." in chat("eve@x.io").say("action 1 done")
    assert "Objective 1 closed as dropped." in chat("lea@x.io").say("objective 1 drop")


def test_the_command_line_records_its_changes_too(runtime, monkeypatch) -> None:
    from bot.cli.main import app

    import_org(runtime, ORG)
    monkeypatch.setenv("CULTUREBOT_DATABASE_URL", runtime.db.url)
    runner = CliRunner()
    added = runner.invoke(
        app,
        [
            "objective",
            "add",
            "--by",
            "sam@x.io",
            "--title",
            "Data for all",
            "--dimension",
            "customer_measures",
            "--target",
            "3.8",
            "--due",
            "2099-06-30",
            "--owner",
            "s1@x.io",
            "--from",
            "3.1",
            "--action",
            "Review => s2@x.io",
        ],
    )
    assert added.exit_code == 0, added.output
    moved = runner.invoke(
        app, ["objective", "update", "1", "--by", "s1@x.io", "--action-status", "1=doing"]
    )
    assert moved.exit_code == 0, moved.output
    closed = runner.invoke(app, ["objective", "close", "1", "--by", "sam@x.io", "--dropped"])
    assert closed.exit_code == 0, closed.output
    with runtime.db.session() as session:
        rows = session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()
    changes = [(r.action, r.target) for r in rows if r.action.startswith("objective.")]
    assert changes == [
        ("objective.add", "objective 1"),
        ("objective.update", "objective 1"),
        ("objective.close", "objective 1"),
    ]
    assert all(r.actor.startswith("cli:") for r in rows if r.action.startswith("objective."))


def test_a_manager_sets_and_changes_an_objective_in_chat_without_the_command_line(
    runtime, chat
) -> None:
    """`objective add` opens a form; `objective ID target|due|owner|title|action` changes it,
    through the same functions as `culturebot objective add/update`, and audited as the
    manager."""
    import_org(runtime, ORG)
    sam = chat("sam@x.io")
    dimensions = list(prompts.assessment().dimensions)
    shown = sam.say(
        "objective add",
        "Customers see their data",
        str(dimensions.index("customer_measures") + 1),
        "3.8",
        "2027-06-30",
        "s1@x.io",
        "3.1",
        "Weekly customer review => s2@x.io\nShare the NPS board",
    )
    assert "culturebot" not in shown
    assert "Objective 1 set: Customers see their data" in shown and "2 action(s)" in shown
    with runtime.db.session() as session:
        objective = session.exec(select(Objective)).one()
    assert (objective.target, objective.start, str(objective.due)) == (3.8, 3.1, "2027-06-30")
    assert statuses(runtime) == {
        "Weekly customer review": "planned",
        "Share the NPS board": "planned",
    }

    assert "Objective 1 updated." in sam.say("objective 1 target 4.0")
    assert "Objective 1 updated." in sam.say("objective 1 due 2027-09-30")
    assert "Objective 1 updated." in sam.say("objective 1 action Call churned customers => s3@x.io")
    with runtime.db.session() as session:
        objective = session.exec(select(Objective)).one()
        assert (objective.target, str(objective.due)) == (4.0, "2027-09-30")
        assert len(session.exec(select(ObjectiveAction)).all()) == 3
    assert [actor for actor, _ in audited(runtime, "objective.update")] == ["sam@x.io"] * 3
    assert audited(runtime, "objective.add") == [("sam@x.io", "objective 1")]

    # wrong or missing values: what was expected, with an example; nothing changes
    missing = sam.say("objective 1 target")
    assert "for example:\nobjective 3 target 3.8" in missing and "I don't know" not in missing
    assert "target: must be a number from 1 to 5, not 9" in sam.say("objective 1 target 9")
    assert "owner: e1@x.io is not in the part" in sam.say("objective 1 owner e1@x.io")
    # an employee has no part of their own to set objectives for
    assert "only leaders and managers set objectives" in chat("s1@x.io").say("objective add")


def test_the_objective_form_refuses_a_bad_value_and_writes_nothing(runtime, chat) -> None:
    import_org(runtime, ORG)
    refused = chat("sam@x.io").say(
        "objective add", "Faster answers", "1", "7", "2027-06-30", "", "3", ""
    )
    assert "target: must be a number from 1 to 5, not 7" in refused
    with runtime.db.session() as session:
        assert session.exec(select(Objective)).all() == []


def test_an_objective_without_a_figure_reads_as_one_sentence(runtime, chat) -> None:
    """Issue 23, point 5: "Now: no figure yet. on track." read as two broken sentences. The
    state follows the figure (or its absence) in one sentence, and the due dates are words."""
    import_org(runtime, ORG)
    set_objective(runtime, "sam@x.io", "s1@x.io", ["Weekly customer review => s2@x.io"])
    listed = chat("s2@x.io").say("objectives")
    assert "owner S1. No figure yet; on track." in listed, listed
    assert "Now: no figure yet" not in listed and ". on track" not in listed
    assert "by Wed 30 Jun 2027" in listed and "2027-06-30" not in listed
