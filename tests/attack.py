"""The attacker's tools for the disclosure tests: read every figure a viewer is shown, and
solve the linear system those figures give.

A shown mean of a group whose respondents the attacker knows is one equation: the sum of
those people's scores. A set of people is *determined* when its indicator vector lies in the
span of the shown groups' indicator vectors (rank check): then its sum, hence its mean, can
be worked out from what is shown.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

import numpy as np
from typer.testing import CliRunner

from bot.runtime import Runtime


def report_json(runtime: Runtime, email: str | None = None) -> dict:
    """What ``culturebot report [--as EMAIL] --format json`` prints, parsed."""
    from bot.cli import app

    args = ["report", "--format", "json"] + (["--as", email] if email else [])
    result = CliRunner().invoke(app, args, env={"CULTUREBOT_DATABASE_URL": runtime.db.url})
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def shown_means(data: dict) -> list[tuple[str, str, float]]:
    """(group label, theme, mean) of every figure the report shows."""
    return [
        (row["group"], row["theme"], row["mean"])
        for row in data["rows"]
        if not row["withheld"] and row["mean"] is not None
    ]


def determined(
    equations: Sequence[Iterable[str]], target: Iterable[str], people: Sequence[str]
) -> bool:
    """Whether the sum over ``target`` follows from the sums over each of ``equations``."""
    index = {p: i for i, p in enumerate(people)}

    def vector(members: Iterable[str]) -> np.ndarray:
        v = np.zeros(len(people))
        for person in members:
            v[index[person]] = 1.0
        return v

    goal = vector(target)
    if not equations:
        return False
    matrix = np.array([vector(e) for e in equations])
    with_goal = np.vstack([matrix, goal])
    return bool(np.linalg.matrix_rank(with_goal) == np.linalg.matrix_rank(matrix))
