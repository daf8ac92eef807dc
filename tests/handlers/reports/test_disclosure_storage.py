"""What the database itself tells: an answer cannot be joined to its person through a shared
transaction (PostgreSQL's xmin), through ids in answering order, or through a date."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import inspect, text

from bot.app import run_due
from tests.support import comment, import_org, org_csv

TEAM = org_csv(
    "cea@x.io,Cea,,Support,leader,UTC",
    *(f"p{i}@x.io,P{i},cea@x.io,Support,employee,UTC" for i in range(10)),
)


def answer_in_order(runtime, chat, router) -> None:  # type: ignore[no-untyped-def]
    """Ten people answer one after another, each comment saying who they were."""
    import_org(runtime, TEAM)
    chat("cea@x.io").say("checkin")
    for i in range(10):
        runtime.clock.advance(timedelta(minutes=7))
        comment(runtime, router, f"p{i}@x.io", f"answer {i}")


def test_answers_are_stored_at_close_in_an_order_unrelated_to_answering(
    runtime, chat, router
) -> None:
    answer_in_order(runtime, chat, router)
    with runtime.db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM pulse_answer")).scalar() == 0
    runtime.clock.advance(timedelta(hours=73))
    run_due(runtime)
    with runtime.db.engine.connect() as conn:
        by_id = conn.execute(text("SELECT comment FROM pulse_answer ORDER BY id")).scalars().all()
        pending = conn.execute(text("SELECT count(*) FROM pulse_answer_pending")).scalar()
    assert pending == 0
    assert sorted(by_id) == [f"answer {i}" for i in range(10)]
    # shuffled: the chance that ten answers keep their order by accident is 1 in 3.6 million
    assert by_id != [f"answer {i}" for i in range(10)]
    columns = {c["name"] for c in inspect(runtime.db.engine).get_columns("pulse_answer")}
    assert not {c for c in columns if "date" in c or c.endswith("_on") or c.endswith("_at")}


def test_postgres_xmin_joins_an_answer_to_every_prompt_of_its_round_or_none(
    runtime, chat, router, database
) -> None:
    if database.engine.dialect.name != "postgresql":
        pytest.skip("xmin is PostgreSQL's")
    answer_in_order(runtime, chat, router)
    runtime.clock.advance(timedelta(hours=73))
    run_due(runtime)
    join = text(
        "SELECT a.comment, count(p.id) FROM pulse_answer a"
        " LEFT JOIN pulse_prompt p ON p.xmin = a.xmin GROUP BY a.comment"
    )
    with runtime.db.engine.connect() as conn:
        matches = dict(conn.execute(join).all())
        prompts = conn.execute(text("SELECT count(*) FROM pulse_prompt")).scalar()
    assert len(matches) == 10
    # every answer shares its transaction with all ten prompts of the round at once
    assert set(matches.values()) == {prompts} and prompts == 10


def test_existing_answers_are_kept_by_the_upgrade_without_their_date(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from storage.db import Database
    from tests.storage import old_chain

    db = Database(f"sqlite:///{tmp_path / 'old.db'}")
    old_chain.upgrade(db.engine, "0005_merge_audit_country")  # a release of then
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO person (id, email, name, manager_id, department, role, timezone,"
                " timezone_source, active, path) VALUES"
                " (1, 'a@x.io', 'A', NULL, 'Ops', 'leader', 'UTC', 'org', 1, '/1/'),"
                " (2, 'b@x.io', 'B', 1, 'Ops', 'employee', 'UTC', 'org', 1, '/1/2/')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO pulse_round (id, local_date, question_id, created_at, closes_at)"
                " VALUES (1, '2025-03-05', 'cf01', '2025-03-05 09:00:00', '2025-03-08 09:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO pulse_prompt (id, round_id, person_id, status, send_at, remind_at,"
                " closes_at, reminded) VALUES (1, 1, 2, 'answered', '2025-03-05 09:00:00',"
                " '2025-03-06 09:00:00', '2025-03-08 09:00:00', 0)"
            )
        )
        for n in range(3):
            conn.execute(
                text(
                    "INSERT INTO pulse_answer (round_id, question_id, theme, team_path,"
                    " department, score, comment, answered_on) VALUES (1, 'cf01',"
                    f" 'customer_focus', '/1/', 'Ops', {n + 1}, 'old {n}', '2025-03-0{n + 5}')"
                )
            )
    old_chain.upgrade(db.engine)  # the last release before the squash, then this code
    db.upgrade()
    with db.engine.connect() as conn:
        kept = conn.execute(text("SELECT period, score, comment FROM pulse_answer")).all()
        round_ = conn.execute(text("SELECT period, closed FROM pulse_round")).one()
        prompt = conn.execute(text("SELECT team_path, department, closed FROM pulse_prompt")).one()
    assert sorted(kept) == [("2025-W10", n + 1, f"old {n}") for n in range(3)]
    assert (round_[0], bool(round_[1])) == ("2025-W10", True)
    assert (prompt[0], prompt[1], bool(prompt[2])) == ("/1/", "Ops", True)
    columns = {c["name"] for c in inspect(db.engine).get_columns("pulse_answer")}
    assert "answered_on" not in columns
    db.dispose()
