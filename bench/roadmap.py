"""`python -m bench roadmap --people 10000 --weeks 52 [--db URL]`

A year of history (``bench.history``: the organisation, 52 weeks of pulses, published through
the disclosure gate), then one baseline assessment of everyone, answered by ``answer_share``
of them (15 statements each, a comment from some), closed and published through the gate as
the tick does it, and a dozen objectives with actions across the organisation.

Timed (median of ``--repeat`` runs, warm): the baseline view (``handlers.roadmap.baseline.view``) and
the objectives view (``handlers.roadmap.objectives.visible``) for the top leader, a department head,
a manager and an employee. Goal: each under 300 ms on SQLite and PostgreSQL. Also timed once:
closing the assessment (moving the answers, publishing its cells).

Prints one JSON object on the last line.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert
from sqlmodel import Session, col, select

import prompts
from bench.history import HistorySpec, publish_history, seed
from bot.core.config import Settings
from handlers.roadmap import assessment, baseline, objectives
from storage import people
from storage.db import open_database
from storage.models import Person
from storage.roadmap import Assessment, AssessmentInvite

GOAL_MS = 300.0


def seed_assessment(
    session: Session, answer_share: float, rng: random.Random, end: Any = None
) -> int:
    """One assessment of everyone below the top leader, answered by ``answer_share`` of them,
    still open (the bench closes it as the tick would)."""
    top = session.exec(select(Person).where(col(Person.manager_id).is_(None))).first()
    assert top is not None
    end = end or HistorySpec().end
    row = Assessment(
        scope_id=top.id,  # type: ignore[arg-type]
        launched_by_id=top.id,  # type: ignore[arg-type]
        created_at=end - timedelta(days=14),
        remind_at=end - timedelta(days=7),
        closes_at=end - timedelta(hours=1),
    )
    session.add(row)
    session.flush()
    everyone = session.exec(
        select(Person.id, Person.manager_id, Person.department).where(Person.id != top.id)
    ).all()
    paths = dict(session.exec(select(Person.id, Person.path)).all())
    statements = prompts.assessment().statements
    dimensions = list(prompts.assessment().dimensions)
    invites: list[dict[str, Any]] = []
    for person_id, manager_id, department in everyone:
        done = rng.random() < answer_share
        draft = None
        if done:
            mood = rng.gauss(3.4, 0.6)
            answers = {s.id: str(min(5, max(1, round(rng.gauss(mood, 0.9))))) for s in statements}
            if rng.random() < 0.15:
                answers[f"{assessment.COMMENT_PREFIX}{rng.choice(dimensions)}"] = (
                    "Customers would notice if our departments talked more."
                )
            draft = json.dumps(answers)
        invites.append(
            {
                "assessment_id": row.id,
                "person_id": person_id,
                "status": "submitted" if done else "sent",
                "draft": draft,
                "reminded": not done,
                "team_path": paths.get(manager_id, "/") if done else None,
                "department": department if done else None,
            }
        )
    for start in range(0, len(invites), 5000):
        session.execute(insert(AssessmentInvite), invites[start : start + 5000])
    return row.id  # type: ignore[return-value]


def seed_objectives(session: Session, now: Any, rng: random.Random) -> int:
    """A dozen objectives: one by the top leader, the rest by department heads and managers,
    each with two or three actions owned by people in their subtree."""
    top = session.exec(select(Person).where(col(Person.manager_id).is_(None))).one()
    managers = session.exec(
        select(Person)
        .where(
            col(Person.id).in_(
                select(Person.manager_id).where(col(Person.manager_id).is_not(None)).distinct()
            )
        )
        .order_by(col(Person.id))
        .limit(400)
    ).all()
    setters = [top, *rng.sample([m for m in managers if m.id != top.id], 11)]
    dimensions = list(prompts.assessment().dimensions)
    for n, setter in enumerate(setters):
        below = people.direct_reports(session, setter)
        owner = rng.choice(below)
        actions = [f"Action {k} for objective {n} => {rng.choice(below).email}" for k in range(3)]
        objectives.add(
            session,
            setter,
            now,
            title=f"Bench objective {n}",
            dimension=dimensions[n % len(dimensions)],
            target="4.2",
            due=(now + timedelta(days=120)).date(),
            owner=owner.email,
            start="3.2",
            actions=actions[: 2 + n % 2],
        )
    return len(setters)


def _viewers(session: Session) -> dict[str, Person]:
    top = session.exec(select(Person).where(col(Person.manager_id).is_(None))).one()
    head = session.exec(select(Person).where(Person.manager_id == top.id)).first()
    manager_ids = select(Person.manager_id).where(col(Person.manager_id).is_not(None))
    deep_manager = session.exec(
        select(Person)
        .where(col(Person.id).in_(manager_ids), Person.id != top.id)
        .order_by(func.length(Person.path).desc())
    ).first()
    employee = session.exec(
        select(Person).where(col(Person.id).not_in(manager_ids)).order_by(col(Person.id).desc())
    ).first()
    assert head and deep_manager and employee
    return {"leader": top, "department_head": head, "manager": deep_manager, "employee": employee}


def _median_ms(fn: Any, repeat: int) -> float:
    fn()  # warm
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        times.append((time.perf_counter() - began) * 1000)
    return round(statistics.median(times), 1)


def run(url: str, people_count: int, weeks: int, repeat: int) -> dict[str, Any]:
    db = open_database(url)
    spec = HistorySpec(people=people_count, weeks=weeks)
    began = time.perf_counter()
    seed(db.engine, spec)
    publish_history(db.engine, spec.end)
    seeded_s = time.perf_counter() - began
    settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
    rng = random.Random(11)
    now = spec.end
    with Session(db.engine, expire_on_commit=False) as session:
        seed_assessment(session, 0.7, rng)
        session.commit()
    began = time.perf_counter()
    with Session(db.engine, expire_on_commit=False) as session:
        closed = assessment.close_due(session, now, settings)
        session.commit()
    close_ms = (time.perf_counter() - began) * 1000
    assert closed == 1
    with Session(db.engine, expire_on_commit=False) as session:
        seed_objectives(session, now, rng)
        session.commit()
    result: dict[str, Any] = {
        "database": "postgresql" if url.startswith("postgres") else "sqlite",
        "people": people_count,
        "weeks": weeks,
        "seed_s": round(seeded_s, 1),
        "close_and_publish_assessment_ms": round(close_ms, 1),
    }
    with Session(db.engine, expire_on_commit=False) as session:
        viewers = _viewers(session)
        for role, viewer in viewers.items():
            result[f"baseline_{role}_ms"] = _median_ms(
                lambda v=viewer: baseline.view(session, v, now, settings), repeat
            )
            result[f"objectives_{role}_ms"] = _median_ms(
                lambda v=viewer: objectives.visible(session, v, now), repeat
            )
        view = baseline.view(session, viewers["leader"], now, settings)
        result["baseline_figures_leader"] = len(view.figures) if view else 0
        result["objectives_leader"] = len(objectives.visible(session, viewers["leader"], now))
        result["baseline_full_leader_ms"] = _median_ms(
            lambda: baseline.view(session, viewers["leader"], now, settings, full=True), 1
        )
    timed = [
        v
        for k, v in result.items()
        if k.endswith("_ms") and k.startswith(("baseline_", "objectives_")) and "full" not in k
    ]
    result["slowest_view_ms"] = max(timed)
    result["goal_ms"] = GOAL_MS
    result["met"] = max(timed) < GOAL_MS
    db.dispose()
    return result


def measure(url: str, end: str, repeat: int = 5) -> dict[str, Any]:
    """On a database seeded and published by ``bench reports``: the assessment (closed and
    published as the tick does it), a dozen objectives, and the two views timed per viewer."""
    from datetime import datetime

    db = open_database(url)
    now = datetime.fromisoformat(end)
    settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
    rng = random.Random(11)
    with Session(db.engine, expire_on_commit=False) as session:
        seed_assessment(session, 0.7, rng, now)
        session.commit()
    began = time.perf_counter()
    with Session(db.engine, expire_on_commit=False) as session:
        assert assessment.close_due(session, now, settings) == 1
        session.commit()
    out: dict[str, Any] = {
        "close_and_publish_assessment_ms": round((time.perf_counter() - began) * 1000, 1)
    }
    with Session(db.engine, expire_on_commit=False) as session:
        seed_objectives(session, now, rng)
        session.commit()
    with Session(db.engine, expire_on_commit=False) as session:
        viewers = _viewers(session)
        for role, viewer in viewers.items():
            out[f"baseline_{role}_ms"] = _median_ms(
                lambda v=viewer: baseline.view(session, v, now, settings), repeat
            )
            out[f"objectives_{role}_ms"] = _median_ms(
                lambda v=viewer: objectives.visible(session, v, now), repeat
            )
        view = baseline.view(session, viewers["leader"], now, settings)
        out["baseline_figures_leader"] = len(view.figures) if view else 0
        out["objectives_leader"] = len(objectives.visible(session, viewers["leader"], now))
    timed = [
        v
        for k, v in out.items()
        if k.startswith(("baseline_", "objectives_")) and k.endswith("_ms")
    ]
    out["slowest_roadmap_view_ms"] = max(timed)
    db.dispose()
    return out


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench roadmap")
    parser.add_argument("--people", type=int, default=10000)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--db", default="", help="database URL (default: a fresh SQLite file)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'roadmap.db'}"
        result = run(url, args.people, args.weeks, args.repeat)
    print(json.dumps(result))
