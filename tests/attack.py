"""The attacker's tools for the disclosure tests: read every figure a viewer is shown, and
solve the linear system those figures give; read every comment list a viewer is shown, and
intersect and subtract them (lists of texts are sets).

A shown mean of a group whose respondents the attacker knows is one equation: the sum of
those people's scores. A set of people is *determined* when its indicator vector lies in the
span of the shown groups' indicator vectors (rank check): then its sum, hence its mean, can
be worked out from what is shown.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence

import numpy as np
from typer.testing import CliRunner

from bot.core.runtime import Runtime


def report_json(runtime: Runtime, email: str | None = None) -> dict:
    """What ``culturebot report [--as EMAIL] --format json`` prints, parsed."""
    from bot.cli.main import app

    args = ["report", "--format", "json"] + (["--as", email] if email else [])
    result = CliRunner().invoke(app, args, env={"CULTUREBOT_DATABASE_URL": runtime.db.url})
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def shown_means(data: dict) -> list[tuple[str, str, float]]:
    """(group label, theme, mean) of every figure the report shows, under each name it goes by
    (rows of the same people are one row, with the other names in ``also``: each is a figure
    the reader is shown, and an equation over that group's people)."""
    return [
        (name, row["theme"], row["mean"])
        for row in data["rows"]
        if not row["withheld"] and row["mean"] is not None
        for name in (row["group"], *(also["group"] for also in row.get("also", ())))
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


def determined_vectors(
    equations: Sequence[Iterable[str]], targets: Sequence[dict[str, float]], people: Sequence[str]
) -> list[bool]:
    """For each target (a vector over people), whether the equations determine it."""
    if not equations or not people:
        return [False] * len(targets)
    index = {p: i for i, p in enumerate(people)}
    matrix = np.zeros((len(equations), len(people)))
    for row, members in enumerate(equations):
        for person in members:
            matrix[row, index[person]] = 1.0
    _, singular, vt = np.linalg.svd(matrix, full_matrices=False)
    basis = vt[singular > 1e-9]
    goals = np.zeros((len(targets), len(people)))
    for row, target in enumerate(targets):
        for person, weight in target.items():
            goals[row, index[person]] = weight
    residual = goals - (goals @ basis.T) @ basis
    return list(np.linalg.norm(residual, axis=1) < 1e-6)


# --- comments: lists of texts are sets -----------------------------------------------------

HEADING = re.compile(
    r"^(?P<label>.+) - (?P<theme>.+?), (?P<period>(?:week|check-in) of [^(]+?) "
    r"\(\d+ comments, in no particular order\):$"
)


def comment_lists(output: str) -> dict[tuple[str, str], dict[str, frozenset[str]]]:
    """What ``culturebot comments`` (or chat ``comments``) printed: per (week, theme), the
    texts listed under each group label."""
    lists: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    texts: set[str] | None = None
    for line in output.splitlines():
        heading = HEADING.match(line)
        if heading:
            texts = lists[(heading["period"], heading["theme"])][heading["label"]]
        elif line.startswith("- ") and texts is not None:
            texts.add(line[2:])
    return {key: {label: frozenset(t) for label, t in by.items()} for key, by in lists.items()}


def candidate_authors(
    lists: dict[str, frozenset[str]], members: dict[str, frozenset[str]]
) -> dict[str, frozenset[str]]:
    """For every comment in ``lists`` (group label -> texts) of one week and theme: who
    could have written it, from the lists alone. ``members``: the people of each group who
    commented (the attacker knows the organisation and, at worst, who commented). The people
    of every list that holds the comment, minus the people of every list that does not."""
    found: dict[str, frozenset[str]] = {}
    for text in {t for texts in lists.values() for t in texts}:
        holding = [members[label] for label, texts in lists.items() if text in texts]
        others = [members[label] for label, texts in lists.items() if text not in texts]
        found[text] = frozenset.intersection(*holding).difference(*others)
    return found


def comment_groups(rows: Iterable[tuple[str, str, str | None, str]]) -> dict[str, set[str]]:
    """Every group label the gate can list comments under, and its people, from the org
    (email, name, manager email, department) as the attacker knows it."""
    import prompts

    by_email = {email: (name, boss, department) for email, name, boss, department in rows}

    def above(email: str) -> list[str]:
        chain, boss = [], by_email[email][1]
        while boss:
            chain.append(boss)
            boss = by_email[boss][1]
        return chain

    groups: dict[str, set[str]] = defaultdict(set)
    for email, (_, boss, department) in by_email.items():
        groups[prompts.text("disclosure.org")].add(email)
        groups[department].add(email)
        if not boss:
            groups[prompts.text("disclosure.top")].add(email)
        else:
            groups[prompts.text("disclosure.team", name=by_email[boss][0])].add(email)
        for manager in above(email):
            groups[prompts.text("disclosure.subtree", name=by_email[manager][0])].add(email)
    return groups
