"""Which group an anonymous story or idea may carry: never one of fewer than ``min_group_size``
people, so that a byline, a heading or who was told cannot single its author out.

- **Stories** carry their department only when it has at least the minimum of active people,
  and so do the departments left unnamed, together (``named_departments``); otherwise no
  group at all ("shared anonymously"). The digest, the "helps my team" button and the
  dashboard follow the same names.
- **Ideas** go to a manager, and a manager knows who reports to them: telling the author's
  own manager of a team of two says who had it. So an anonymous idea goes to the manager of
  the author's *anonymity group*: the organisation is cut, bottom-up along the management
  chain, into groups of at least the minimum (the same laminar regions the disclosure gate
  uses for figures). A manager whose people, together with the groups below them too small
  to stand alone, number at least the minimum, holds a group; smaller ones are merged into
  the group above, and at the top the smallest groups below are merged up until the top's
  group is big enough. Every group is a set of at least the minimum, and the groups never
  overlap, so lists of ideas (each viewer's ``ideas`` holds whole groups) cannot be
  intersected or subtracted down to fewer people.

  Ideas shared before this rule went to the author's own manager, who may hold fewer than the
  minimum. ``regroup_old_ideas`` moves them, once per database, to the manager who holds the
  author's group that day (``ideas`` lists an idea to that manager and those above, and only
  they may set its status). Once, and not at every read: a list that followed today's org
  chart would move an idea from one manager's list to another's when its author changes
  teams, and so name the one person who moved.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage import job_marks
from storage.models import Person
from storage.stories import Story
from storage.types import row_id

REGROUPED_MARK = "anonymous_ideas_regrouped"


def department_sizes(session: Session) -> dict[str, int]:
    """Active people per department."""
    rows = session.exec(
        select(Person.department, func.count())
        .where(col(Person.active).is_(True))
        .group_by(col(Person.department))
    ).all()
    return {department: n for department, n in rows}


def named_departments(sizes: dict[str, int], k: int) -> set[str]:
    """The departments an anonymous story may name. Each has at least ``k`` people, and so
    do the departments left unnamed, together: "no department" says "one of the small
    ones", so when those hold fewer than ``k`` the smallest named ones join them."""
    named = {d for d, n in sizes.items() if n >= k}
    rest = sum(n for d, n in sizes.items() if d not in named)
    while 0 < rest < k and named:
        smallest = min(named, key=lambda d: (sizes[d], d))
        named.remove(smallest)
        rest += sizes[smallest]
    return named


def groups(links: dict[int, int | None], k: int) -> dict[int, int | None]:
    """Every person's anonymity group, by the id of the manager who holds it (None: their
    part of the organisation has fewer than ``k`` people, so no manager may be told).

    ``links`` maps each active person to their active manager (None at the top)."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for person, manager in links.items():
        children[manager].append(person)
    pool: dict[int, list[int]] = {}  # a manager's people not yet in a group below them
    held: dict[int, bool] = {}  # whether a manager holds a group of their own
    for manager in _deepest_first(children):
        people = list(children[manager])
        for report in children[manager]:
            if report in pool and not held[report]:
                people += pool[report]
        pool[manager] = people
        held[manager] = len(people) >= k
        if not held[manager] and links.get(manager) is None:  # a top: merge groups up
            below = _held_below(manager, children, held)
            while len(pool[manager]) < k and below:
                smallest = min(below, key=lambda m: (len(pool[m]), m))
                below.remove(smallest)
                held[smallest] = False
                pool[manager] += pool[smallest]
                below += _held_below(smallest, children, held)
            held[manager] = len(pool[manager]) >= k
    found: dict[int, int | None] = {person: None for person in links}
    for manager, people in pool.items():
        if held[manager]:
            for person in people:
                found[person] = manager
    return found


def _deepest_first(children: dict[int | None, list[int]]) -> list[int]:
    """Managers (people with reports), every one after all the managers below them."""
    order: list[int] = []
    stack: list[tuple[int, bool]] = [(top, False) for top in children.get(None, [])]
    while stack:
        person, done = stack.pop()
        if done:
            order.append(person)
            continue
        if children.get(person):
            stack.append((person, True))
            stack.extend((report, False) for report in children[person])
    return order


def _held_below(
    manager: int, children: dict[int | None, list[int]], held: dict[int, bool]
) -> list[int]:
    """The nearest managers below ``manager`` who hold a group."""
    found, stack = [], list(children.get(manager, []))
    while stack:
        person = stack.pop()
        if held.get(person):
            found.append(person)
        else:
            stack.extend(children.get(person, []))
    return found


def _active_links(session: Session) -> dict[int, int | None]:
    """Each active person's active manager (None at the top): what ``groups`` cuts."""
    rows = session.exec(
        select(Person.id, Person.manager_id).where(col(Person.active).is_(True))
    ).all()
    active = {person for person, _ in rows}
    return {row_id(person): (m if m in active else None) for person, m in rows}


def idea_recipient(session: Session, author: Person, k: int) -> Person | None:
    """The manager who may be told of ``author``'s anonymous idea (see the module's doc)."""
    manager = groups(_active_links(session), k).get(row_id(author.id))
    return session.get(Person, manager) if manager is not None else None


def regroup_old_ideas(session: Session, k: int, now: datetime) -> int:
    """Once per database: every anonymous idea whose manager holds no group today goes to
    the manager who holds its author's group (an author no longer active: the nearest
    manager holding a group above the one it went to; none: nobody). Returns those moved."""
    if job_marks.read(session, REGROUPED_MARK) is not None:
        return 0
    job_marks.write(session, REGROUPED_MARK, now)
    found = groups(_active_links(session), k)
    holders = {m for m in found.values() if m is not None}
    managers = dict(session.exec(select(Person.id, Person.manager_id)).all())
    moved = 0
    for idea in session.exec(
        select(Story).where(Story.kind == "idea", Story.consent == "anonymous")
    ).all():
        if idea.manager_id is None or idea.manager_id in holders:
            continue
        holder = found.get(idea.author_id) if idea.author_id is not None else None
        if holder is None and idea.author_id not in found:  # the author left: walk up
            above, seen = managers.get(idea.manager_id), set()
            while above is not None and above not in holders and above not in seen:
                seen.add(above)
                above = managers.get(above)
            holder = above
        idea.manager_id = holder
        session.add(idea)
        moved += 1
    return moved
