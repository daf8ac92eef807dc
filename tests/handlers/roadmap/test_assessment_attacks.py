"""The disclosure gate's attacker, on assessments: read every baseline figure every viewer
can get (chat and the JSON export), and solve the linear system they give. No person, and no
group under the minimum, may be worked out; a withheld cell says why."""

from __future__ import annotations

import json
from datetime import timedelta

from typer.testing import CliRunner

from bot.app import run_due
from tests.attack import determined
from tests.handlers.roadmap.helpers import form_answers
from tests.support import import_org, org_csv

# Sam's team: five in Support and one engineer (x1); Eve's team: four engineers.
ORG = org_csv(
    "lea@x.io,Lea Leader,,Board,leader,UTC",
    "sam@x.io,Sam Support,lea@x.io,Support,manager,UTC",
    "eve@x.io,Eve Eng,lea@x.io,Engineering,manager,UTC",
    *(f"s{i}@x.io,S{i},sam@x.io,Support,employee,UTC" for i in range(1, 6)),
    "x1@x.io,X1,sam@x.io,Engineering,employee,UTC",
    *(f"e{i}@x.io,E{i},eve@x.io,Engineering,employee,UTC" for i in range(1, 5)),
)
SAM_TEAM = {f"s{i}" for i in range(1, 6)} | {"x1"}
EVE_TEAM = {f"e{i}" for i in range(1, 5)}
MEMBERS = {
    "Whole organisation": SAM_TEAM | EVE_TEAM,
    "Everyone below Lea Leader": SAM_TEAM | EVE_TEAM,
    "Team of Sam Support": SAM_TEAM,
    "Everyone below Sam Support": SAM_TEAM,
    "Team of Eve Eng": EVE_TEAM,
    "Everyone below Eve Eng": EVE_TEAM,
    "Support": {f"s{i}" for i in range(1, 6)},
    "Engineering": EVE_TEAM | {"x1"},
    "Team of Lea Leader": set(),
}
PEOPLE = sorted(SAM_TEAM | EVE_TEAM)


def baseline_json(runtime, email: str | None, *more: str) -> dict:
    from bot.cli.main import app

    args = ["assess", "baseline", "--format", "json", *more] + (["--as", email] if email else [])
    result = CliRunner().invoke(app, args, env={"CULTUREBOT_DATABASE_URL": runtime.db.url})
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_no_person_or_small_group_is_worked_out_from_assessment_figures(
    runtime, chat, clock
) -> None:
    import_org(runtime, ORG)
    chat("lea@x.io").say("assess launch 7")
    for who in PEOPLE:
        person = chat(f"{who}@x.io")
        person.inbox()
        assert "Thank you" in person.say("1", *form_answers(2 if who.startswith("e") else 4))
    clock.advance(timedelta(days=7, minutes=1))
    run_due(runtime)

    equations: dict[str, list[set[str]]] = {}
    for viewer in ("lea@x.io", "sam@x.io", "eve@x.io", "s1@x.io", "x1@x.io", None):
        figures = [
            *baseline_json(runtime, viewer)["figures"],
            *baseline_json(runtime, viewer, "--full")["figures"],
        ]
        for figure in figures:
            if figure["mean"] is not None:
                equations.setdefault(figure["dimension"], []).append(MEMBERS[figure["group"]])
            else:
                assert figure["withheld_because"]  # says why
    assert equations, "something is shown"
    for dimension, shown in equations.items():
        for person in PEOPLE:
            assert not determined(shown, {person}, PEOPLE), (dimension, person)
        assert not determined(shown, EVE_TEAM, PEOPLE), dimension  # 4 people
        assert MEMBERS["Whole organisation"] in shown  # the figures are still useful
    said = chat("eve@x.io").say("baseline")
    assert "2.0" not in said  # Eve's four engineers' mean is never shown
