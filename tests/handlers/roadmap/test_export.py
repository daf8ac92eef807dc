"""Export: CSV cells that a spreadsheet would run as a formula are neutralised; the same
withholding as on screen; comments only for groups the gate shows them for."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

from typer.testing import CliRunner

from bot.app import run_due
from handlers.common.formatting import safe_cell, sparkline
from handlers.roadmap.baseline import CommentGroup, comments_csv, comments_json
from tests.handlers.roadmap.helpers import ORG, form_answers
from tests.support import import_org, org_csv

EVIL = ['=HYPERLINK("http://x.io","click")', "+1+2", "-2+3", "@SUM(A1)", "\t=1+1"]


def test_formula_cells_are_neutralised_and_data_is_not() -> None:
    for text in EVIL:
        assert str(safe_cell(text)).startswith("'")
    assert safe_cell("Fine text") == "Fine text"
    assert safe_cell(-0.4) == -0.4 and safe_cell(3) == 3 and safe_cell(None) == ""


def test_sparkline_draws_withheld_weeks_as_gaps() -> None:
    assert sparkline([1.0, 2.5, 4.0, 5.0]) == "▁▄▆█"
    assert sparkline([3.0, None, 3.0]) == "▅·▅"


def _cli(runtime, *args: str) -> str:
    from bot.cli.main import app

    result = CliRunner().invoke(app, list(args), env={"CULTUREBOT_DATABASE_URL": runtime.db.url})
    assert result.exit_code == 0, result.output
    return result.output


def test_objectives_and_comments_export_neutralise_formulas(runtime, chat, clock) -> None:
    big = org_csv(
        "lea@x.io,Lea Leader,,Board,leader,UTC",
        *(f"p{i}@x.io,P{i},lea@x.io,Sales,employee,UTC" for i in range(1, 12)),
    )
    import_org(runtime, big)
    chat("lea@x.io").say("assess launch 7")
    for i in range(1, 12):
        person = chat(f"p{i}@x.io")
        person.inbox()
        person.say("1", *form_answers(4, {"leadership": EVIL[i % len(EVIL)]}))
    clock.advance(timedelta(days=7, minutes=1))
    run_due(runtime)
    rows = list(csv.reader(io.StringIO(_cli(runtime, "assess", "comments", "--format", "csv"))))
    comments = [r[3] for r in rows[1:]]
    assert len(comments) == 11  # eleven commenters: at least the comment minimum of 10
    assert all(c.startswith("'") for c in comments)
    as_json = json.loads(_cli(runtime, "assess", "comments", "--format", "json"))
    assert EVIL[0] in as_json[0]["comments"]  # JSON keeps the text as written

    _cli(
        runtime,
        "objective",
        "add",
        "--by",
        "lea@x.io",
        "--title",
        "=cmd|' /C calc'!A0",
        "--dimension",
        "leadership",
        "--target",
        "4.5",
        "--due",
        "2027-12-31",
        "--owner",
        "p1@x.io",
        "--action",
        "@evil => p2@x.io",
    )
    rows = list(csv.reader(io.StringIO(_cli(runtime, "objective", "list", "--format", "csv"))))
    assert rows[1][1] == "'=cmd|' /C calc'!A0" and rows[1][11] == "'@evil"
    baseline_csv = _cli(runtime, "assess", "baseline", "--format", "csv")
    assert "Whole organisation" in baseline_csv and "4.0" in baseline_csv


def test_small_groups_comments_are_never_exported(runtime, chat, clock) -> None:
    import_org(runtime, ORG)
    chat("lea@x.io").say("assess launch 7")
    for email in ("s1@x.io", "s2@x.io", "s3@x.io", "s4@x.io", "s5@x.io", "s6@x.io"):
        person = chat(email)
        person.inbox()
        person.say("1", *form_answers(3, {"processes": "Our tools are slow"}))
    clock.advance(timedelta(days=7, minutes=1))
    run_due(runtime)
    assert "slow" not in _cli(runtime, "assess", "comments")  # 6 commenters < 10


def test_assessment_comments_export_gives_each_comments_detected_language() -> None:
    group = CommentGroup(1, "leadership", "Leadership", "Sales", ["Gut gemacht", "ok"], ["de", ""])
    rows = list(csv.reader(io.StringIO(comments_csv([group]))))
    assert rows == [
        ["assessment", "dimension", "group", "comment", "language"],
        ["1", "Leadership", "Sales", "Gut gemacht", "de"],
        ["1", "Leadership", "Sales", "ok", ""],
    ]
    assert json.loads(comments_json([group]))[0]["languages"] == ["de", ""]
