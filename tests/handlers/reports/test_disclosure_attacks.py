"""Issue 9's three attacks on the pulse reports, with its orgs and numbers (minimum group 5).

Each reproduced on the old reports; each must now give the attacker nothing under the
minimum. The attacker reads everything a viewer can get (chat report, JSON export) at every
moment, and solves the linear system the shown figures give (tests/attack.py).
"""

from __future__ import annotations

from datetime import timedelta

from bot.app import run_due
from tests.attack import determined, report_json, shown_means
from tests.handlers.pulse.test_enps import add_enps_schedule, enps_rows, open_round
from tests.support import answer, click_score, import_org, org_csv


def close_and_publish(runtime) -> None:
    """Let every round close and its week end (and two more days pass), then tick."""
    runtime.clock.advance(timedelta(days=12))
    run_due(runtime)


# --- 1. answers counted as respondents ---------------------------------------------------

ONE_REPORT = org_csv(
    "lea@x.io,Lea,,Exec,leader,UTC",
    "mo@x.io,Mo,lea@x.io,Support,manager,UTC",
    "ria@x.io,Ria,mo@x.io,Support,employee,UTC",
)


def test_a_manager_with_one_report_never_sees_their_answers_by_asking_often(runtime, chat) -> None:
    """Thirteen check-ins rotate through three themes: five are on customer focus, and Ria
    answers them 1, 1, 1, 2, 2 (mean 1.40). One person is never a group of five."""
    import_org(runtime, ONE_REPORT)
    focus = iter([1, 1, 1, 2, 2])
    for n in range(13):
        assert "Check-in started" in chat("mo@x.io").say("checkin")
        answer(chat, "ria@x.io", next(focus) if n % 3 == 0 else 3)
        # Monday, Thursday, Monday...: each after the last closed, always on a working day
        runtime.clock.advance(timedelta(days=3 if n % 2 == 0 else 4))
        run_due(runtime)
    close_and_publish(runtime)

    text = chat("mo@x.io").say("report")
    assert "1.4" not in text and "mean" not in text
    for viewer in ("mo@x.io", "lea@x.io", None):
        assert shown_means(report_json(runtime, viewer)) == []


# --- 2. subtraction across group kinds ---------------------------------------------------

CROSSING = org_csv(
    "lea@x.io,Lea,,Exec,leader,UTC",
    "mo@x.io,Mo,lea@x.io,Exec,manager,UTC",
    "ann@x.io,Ann,mo@x.io,Support,manager,UTC",
    "bob@x.io,Bob,mo@x.io,Sales,manager,UTC",
    *(f"a{i}@x.io,A{i},ann@x.io,Support,employee,UTC" for i in range(1, 5)),
    *(f"b{i}@x.io,B{i},bob@x.io,Sales,employee,UTC" for i in range(1, 7)),
)
TEAM_A = [f"a{i}@x.io" for i in range(1, 5)]
TEAM_B = [f"b{i}@x.io" for i in range(1, 7)]
BELOW_MO = ["ann@x.io", "bob@x.io", *TEAM_A, *TEAM_B]
GROUPS = {  # who each label the reports use stands for (the attacker knows the org)
    "Whole organisation": BELOW_MO,
    "Everyone below Mo": BELOW_MO,
    "Everyone below Lea": BELOW_MO,
    "Team of Lea": [],
    "Exec": [],
    "Team of Mo": ["ann@x.io", "bob@x.io"],
    "Support": ["ann@x.io", *TEAM_A],
    "Sales": ["bob@x.io", *TEAM_B],
    "Team of Ann": TEAM_A,
    "Everyone below Ann": TEAM_A,
    "Team of Bob": TEAM_B,
    "Everyone below Bob": TEAM_B,
}


def equations(shown: list[tuple[str, str, float]], answered: set[str]) -> list[list[str]]:
    return [[p for p in GROUPS[label] if p in answered] for label, _theme, _mean in shown]


def test_no_answer_is_recovered_by_subtracting_a_department_and_a_team(runtime, chat) -> None:
    """Mo's scope (12, mean 2.92) - Support (5, 1.40) - Team of Bob (6, 4.50) was Bob's 1."""
    import_org(runtime, CROSSING)
    chat("mo@x.io").say("checkin")
    scores = {"ann@x.io": 2, "a1@x.io": 1, "a2@x.io": 1, "a3@x.io": 1, "a4@x.io": 2}
    scores |= {"bob@x.io": 1} | {email: 4 + i % 2 for i, email in enumerate(TEAM_B)}
    for email, score in scores.items():
        answer(chat, email, score)
    close_and_publish(runtime)

    shown = [
        figure
        for viewer in ("mo@x.io", "lea@x.io", "ann@x.io", "bob@x.io", "b1@x.io", None)
        for figure in shown_means(report_json(runtime, viewer))
    ]
    system = equations(shown, set(scores))
    for person in BELOW_MO:
        assert not determined(system, [person], BELOW_MO), person
    assert not determined(system, TEAM_A, BELOW_MO)
    assert not determined(system, ["ann@x.io", "bob@x.io"], BELOW_MO)


# --- 3. subtraction over time ------------------------------------------------------------


def test_a_report_never_changes_under_the_viewer_so_nothing_is_recovered_over_time(
    runtime, chat
) -> None:
    """Mo's report read after team B answered (6, 4.50) and after team A too (10, 3.20)
    gave team A's mean: (32 - 27) / 4 = 1.25, while team A's own row said "withheld"."""
    import_org(runtime, CROSSING)
    chat("mo@x.io").say("checkin")
    answered: set[str] = set()
    system: list[list[str]] = []
    snapshots = []

    def look() -> None:
        shown = shown_means(report_json(runtime, "mo@x.io")) + shown_means(report_json(runtime))
        snapshots.append(sorted(shown))
        system.extend(equations(shown, answered))

    for i, email in enumerate(TEAM_B):
        answer(chat, email, 4 + i % 2)
        answered.add(email)
    runtime.clock.advance(timedelta(hours=1))
    run_due(runtime)
    look()
    for email, score in zip(TEAM_A, (1, 1, 1, 2), strict=True):
        answer(chat, email, score)
        answered.add(email)
    runtime.clock.advance(timedelta(hours=1))
    run_due(runtime)
    look()
    close_and_publish(runtime)
    look()
    runtime.clock.advance(timedelta(days=14))
    run_due(runtime)
    look()

    assert not determined(system, TEAM_A, BELOW_MO)
    for person in BELOW_MO:
        assert not determined(system, [person], BELOW_MO), person
    # what was shown once is shown the same ever after: nothing to subtract
    for earlier, later in zip(snapshots, snapshots[1:], strict=False):
        assert set(earlier) <= set(later)


# --- 4. eNPS: the same gate, the figure and its bands ------------------------------------


def test_a_team_under_five_is_withheld_and_its_enps_cannot_be_worked_out(
    runtime, router, chat, cli
) -> None:
    """Ann's team of 4 all detract (0) and Bob's 6 all promote (10): Mo's scope minus Support
    minus Team of Bob would give Ann's team away, and so would the bands (each band's share
    is, like the eNPS, a sum over the group's people divided by its size). The attacker reads
    every eNPS figure and band any viewer is shown and solves the linear system."""
    import_org(runtime, CROSSING)
    add_enps_schedule(cli)
    open_round(runtime)
    scores = {email: 0 for email in TEAM_A} | {email: 10 for email in TEAM_B}
    scores |= {"ann@x.io": 8, "bob@x.io": 7}
    for email, score in scores.items():
        click_score(runtime, router, email, score)
    close_and_publish(runtime)

    seen: list[str] = []
    for viewer in ("mo@x.io", "lea@x.io", "ann@x.io", "bob@x.io", "a1@x.io", "b1@x.io", None):
        rows = enps_rows(report_json(runtime, viewer))
        for group, row in rows.items():
            if row["withheld"]:
                assert row["mean"] is None and row["promoters"] is None, row
            else:
                assert row["mean"] is not None and row["promoters"] is not None, row
                seen.append(group)
    assert seen, "some eNPS figure is shown"
    assert "Team of Ann" not in seen and "Support" not in seen
    system = [[p for p in GROUPS[group] if p in scores] for group in seen]
    assert not determined(system, TEAM_A, BELOW_MO)
    for person in BELOW_MO:
        assert not determined(system, [person], BELOW_MO), person
    text = chat("ann@x.io").say("report")
    assert "-100" not in text and "detractors 100%" not in text
