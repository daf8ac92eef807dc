"""An organisation for the assessment and objective tests, and answers to type."""

from __future__ import annotations

import prompts
from tests.support import org_csv

# a leader, two managers, six people in each team (Support and Engineering)
ORG = org_csv(
    "lea@x.io,Lea Leader,,Board,leader,Europe/Berlin",
    "sam@x.io,Sam Support,lea@x.io,Support,manager,Europe/Berlin",
    "eve@x.io,Eve Eng,lea@x.io,Engineering,manager,America/New_York",
    *(f"s{i}@x.io,S{i},sam@x.io,Support,employee,Europe/Berlin" for i in range(1, 7)),
    *(f"e{i}@x.io,E{i},eve@x.io,Engineering,employee,UTC" for i in range(1, 7)),
)
SUPPORT = [f"s{i}@x.io" for i in range(1, 7)]
ENGINEERING = [f"e{i}@x.io" for i in range(1, 7)]


def form_answers(scores: dict[str, int] | int, comments: dict[str, str] | None = None) -> list[str]:
    """What a person types into the console form, field by field: a score per statement
    ("" to leave it open), then the dimension's comment."""
    bank = prompts.assessment()
    comments = comments or {}
    typed: list[str] = []
    for dimension in bank.dimensions:
        for statement in bank.of(dimension):
            score = scores if isinstance(scores, int) else scores.get(statement.id)
            typed.append("" if score is None else str(score))
        typed.append(comments.get(dimension, ""))
    return typed
