"""The demo's results story: each published week reaches the managers whose team passed the
gate, and one of them plans an action from the message and shares both with her team."""

from __future__ import annotations

import sqlite3

from tests.conftest import PlayedDemo


def test_a_demo_week_ends_with_managers_getting_results_and_one_sharing(
    played_demo: PlayedDemo,
) -> None:
    out = played_demo.output
    assert "a week's results are published:" in out
    assert "Bea Hughes reads the results message for her team:" in out
    assert "Furthest below the organisation:" in out or "Lowest theme:" in out
    assert 'Bea Hughes presses "Plan an action": Objective 2 set: Lift ' in out
    assert 'Bea Hughes presses "Share with my team": Shared with your team: 12 people' in out
    with sqlite3.connect(played_demo.db) as db:
        shared = db.execute("SELECT count(*) FROM outbox WHERE kind = 'results.share'").fetchone()
        planned = db.execute(
            "SELECT count(*) FROM results_message WHERE objective_id IS NOT NULL"
            " AND shared_at IS NOT NULL"
        ).fetchone()
        told = db.execute("SELECT count(DISTINCT person_id) FROM results_message").fetchone()
    assert shared == (12,) and planned == (1,)
    assert told[0] >= 4  # every manager whose team showed a figure, once per week
