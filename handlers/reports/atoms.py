"""What the disclosure gate publishes from: per (measure, team path, department), the figures
of one closed period (``Atom``), and an assessment's atoms.

A floor below ``handlers/reports/disclosure.py`` and ``handlers/roadmap/baseline.py``: publishing an
assessment (baseline) and re-checking an assessment's comment lists (the gate's
``recheck_comments``) count its commenters with this one piece of code. People are counted
from the invites, never joined to what they answered.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, case, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

import prompts
from handlers.reports.comment_sets import Moved
from storage.models import Person
from storage.roadmap import AssessmentAnswer, AssessmentComment, AssessmentInvite

AtomKey = tuple[str, str, str]  # (measure, team_path, department)
# per measure: the people who answered in more than one atom (they moved between two rounds)
Movers = dict[str, Moved]


@dataclass
class Atom:
    """What one (team path, department) contributed to one measure in one period."""

    respondents: int = 0  # distinct people who answered
    invited: int = 0  # distinct people asked
    answers: int = 0
    total: float = 0.0
    commenters: int = 0  # a lower bound on distinct people who commented
    polarity_n: int = 0
    polarity_sum: float = 0.0
    unscored: int = 0  # texts in a language with no measured scorer (not in the figures)
    # people behind ``total``/``answers`` where fewer than the respondents may be (stories:
    # authors of a scored story); None: every respondent
    mean_people: int | None = None
    scores: dict[int, int] = field(default_factory=dict)  # for the spread (assessments)


def unscored_count(language: Any, polarity: Any) -> Any:
    """SQL: how many rows have a language but no polarity (not scored)."""
    return func.count(case((and_(col(language).is_not(None), col(polarity).is_(None)), 1)))


def assessment_atoms(session: Session, assessment_id: int) -> dict[AtomKey, Atom]:
    """The figures of a closed assessment per (dimension, team path, department).

    Respondents and invited are counted from the invites (one person once per dimension, in
    the atom recorded at submission); scores and comments from the unlinked answers. A
    person submits once, so nobody is in two atoms (no movers)."""
    dimensions = list(prompts.assessment().dimensions)
    atoms: dict[AtomKey, Atom] = defaultdict(Atom)
    counts = session.execute(
        sa_select(
            col(AssessmentInvite.status),
            col(AssessmentInvite.team_path),
            col(AssessmentInvite.department),
            col(Person.manager_id),
            col(Person.department),
            func.count(),
        )
        .join(Person, col(Person.id) == col(AssessmentInvite.person_id))
        .where(col(AssessmentInvite.assessment_id) == assessment_id)
        .group_by(
            col(AssessmentInvite.status),
            col(AssessmentInvite.team_path),
            col(AssessmentInvite.department),
            col(Person.manager_id),
            col(Person.department),
        )
    ).all()
    manager_paths = dict(
        session.exec(
            select(Person.id, Person.path).where(
                col(Person.id).in_({m for *_, m, _, _ in counts if m is not None})
            )
        ).all()
    )
    for status, team_path, department, manager_id, own_department, n in counts:
        if status == "submitted":
            atom_key = (team_path or "/", department or "")
        else:  # not a respondent: counted where they sit now, for participation
            atom_key = (manager_paths.get(manager_id, "/"), own_department)
        for dimension in dimensions:
            atom = atoms[(dimension, *atom_key)]
            atom.invited += n
            atom.respondents += n if status == "submitted" else 0
    scores = session.execute(
        sa_select(
            col(AssessmentAnswer.dimension),
            col(AssessmentAnswer.team_path),
            col(AssessmentAnswer.department),
            col(AssessmentAnswer.score),
            func.count(),
        )
        .where(col(AssessmentAnswer.assessment_id) == assessment_id)
        .group_by(
            col(AssessmentAnswer.dimension),
            col(AssessmentAnswer.team_path),
            col(AssessmentAnswer.department),
            col(AssessmentAnswer.score),
        )
    ).all()
    for dimension, team_path, department, score, n in scores:
        atom = atoms[(dimension, team_path, department)]
        atom.answers += n
        atom.total += score * n
        atom.scores[score] = atom.scores.get(score, 0) + n
    comments = session.execute(
        sa_select(
            col(AssessmentComment.dimension),
            col(AssessmentComment.team_path),
            col(AssessmentComment.department),
            func.count(),
            func.count(col(AssessmentComment.polarity)),
            func.coalesce(func.sum(col(AssessmentComment.polarity)), 0.0),
            unscored_count(AssessmentComment.language, AssessmentComment.polarity),
        )
        .where(col(AssessmentComment.assessment_id) == assessment_id)
        .group_by(
            col(AssessmentComment.dimension),
            col(AssessmentComment.team_path),
            col(AssessmentComment.department),
        )
    ).all()
    for dimension, team_path, department, n, n_polarity, polarity, unscored in comments:
        atom = atoms[(dimension, team_path, department)]
        atom.unscored += unscored
        atom.commenters += n  # one comment per person and dimension: people, exactly
        atom.polarity_n += n_polarity
        atom.polarity_sum += float(polarity)
    for atom in atoms.values():
        atom.commenters = min(atom.commenters, atom.respondents)
    return dict(atoms)
