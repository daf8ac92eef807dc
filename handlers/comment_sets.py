"""Comment lists are sets: which cells' comments the gate may list (handlers/disclosure.py).

A figure is a sum, so the linear check guards it. A list of comments is a set of texts: a
reader who sees two lists can intersect them (the comments in both) and subtract them (the
comments in one only), and learn who wrote a comment from the groups alone. So for comments
the gate asks, for every comment someone can read: who could have written it, given every
list of its (period, measure) that anyone may see (the whole publication, as for figures)?
Those are the commenters of the atoms whose comments appear in exactly the same shown lists:
the comment's *class*. Every class must hold 0 or at least k commenters.

The groups of one (period, measure) are a hierarchy (org, subtrees, teams: nested) crossed by
departments (disjoint), so an atom's class is a pair: the deepest shown group on its chain
(which fixes every shown group above it) and its department if that is shown. Checking is
one pass over the atoms. Where a class is small, a list that sets it apart is withheld
whole, so its comments are listed only in the larger group (or, at the end, not at all);
lists are never cut, so what a reader sees is all there is.
Withholding a list only merges classes, so every subset of the publication (one viewer's
view) is safe too, and the decision is taken once, when the period is published.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from handlers.disclosure import Lattice

Node = tuple[str, str]  # (kind, key), as in handlers/disclosure.py
Class = tuple[Node | None, Node | None]  # (deepest shown group, shown department)


Moved = Counter[frozenset[tuple[str, str]]]  # atoms one person answered in: how many people


def suppress_sets(
    lattice: Lattice,
    weight: dict[tuple[str, str], int],
    reason: dict[Node, str | None],
    k: int,
    movers: Moved | None = None,
) -> None:
    """Withhold more cells in ``reason`` (None: shown) until every class of commenters is
    0 or at least ``k``. ``weight``: commenters per atom (a lower bound on people in each);
    ``movers``: people who answered in several atoms (each may be counted in every one), so
    a class counts them once (see ``_classes``).

    Two ways to settle a conflict are tried: withhold the smaller list, or withhold the
    department. Where departments cross the hierarchy, the first keeps departments and
    loses most subtrees, the second the reverse (at 10,000 people, 17 departments and 15
    subtrees against 0 and 211); the one that lists comments in more groups (the sum of
    the shown lists' commenters) is published."""
    size = {node: sum(weight[a] for a in atoms) for node, atoms in lattice.members.items()}
    trials = []
    for departments_first in (False, True):
        trial = dict(reason)
        _settle(lattice, weight, trial, size, k, departments_first, movers or Counter())
        trials.append(trial)
    reason.update(max(trials, key=lambda r: sum(size[n] for n, why in r.items() if why is None)))


def _settle(
    lattice: Lattice,
    weight: dict[tuple[str, str], int],
    reason: dict[Node, str | None],
    size: dict[Node, int],
    k: int,
    departments_first: bool,
    movers: Moved,
) -> None:
    while True:
        classes, up = _classes(lattice, weight, reason, movers)
        small = sorted((c for c, w in classes.items() if w < k), key=lambda c: (classes[c], str(c)))
        if not small:
            return
        below: dict[Class, list[tuple[Node, int]]] = defaultdict(list)
        departments: dict[Node | None, list[tuple[Node, int]]] = defaultdict(list)
        for (region, department), n in classes.items():
            if region is not None:
                below[(up[region], department)].append((region, n))
            if department is not None:
                departments[region].append((department, n))
        # fix several classes a pass; a class a withholding merged into waits for the next
        stale_regions: set[Node | None] = set()
        stale_departments: set[Node | None] = set()
        for region, department in small:
            if region in stale_regions or department in stale_departments:
                continue
            neighbours = below[(region, department)]
            if department is None:
                neighbours = neighbours + departments[region]
            if departments_first and department is not None:
                victim = department
            elif departments_first and department is None and departments[region]:
                victim = min((d for d, _ in departments[region]), key=lambda d: (size[d], d))
            else:
                victim = _victim((region, department), classes, up, neighbours, size, k)
            reason[victim] = "complementary"
            if victim[0] == "department":
                stale_departments |= {victim, None}
            else:
                stale_regions |= {victim, up[victim]}


def _classes(
    lattice: Lattice,
    weight: dict[tuple[str, str], int],
    reason: dict[Node, str | None],
    movers: Moved,
) -> tuple[dict[Class, int], dict[Node, Node | None]]:
    """Commenters per readable class (a lower bound on distinct people), and each shown
    group's nearest shown group above.

    Each atom's weight bounds its own commenters, but a person who moved between two rounds
    may be counted in both their atoms: a class holding j of a mover's atoms has counted
    them at most j times, so j - 1 come off its sum. Each atom's weight alone is a bound
    too, so a class with comments never counts fewer than its largest atom."""
    of: dict[tuple[str, str], Class] = {}
    total: dict[Class, int] = defaultdict(int)
    largest: dict[Class, int] = defaultdict(int)
    for atom in lattice.atoms:
        w = weight[atom]
        if not w:
            continue
        region = next((n for n in lattice.chain[atom] if reason[n] is None), None)
        department: Node | None = ("department", atom[1])
        if reason[department] is not None:
            department = None
        if region is not None or department is not None:  # else nobody reads these
            of[atom] = (region, department)
            total[(region, department)] += w
            largest[(region, department)] = max(largest[(region, department)], w)
    for atoms, people in movers.items():
        counted = Counter(of[a] for a in atoms if a in of)
        for c, j in counted.items():
            total[c] -= people * (j - 1)
    classes = {c: max(n, largest[c]) for c, n in total.items()}
    up: dict[Node, Node | None] = {}
    for region, _ in classes:
        if region is not None and region not in up:
            above = lattice.parent.get(region)
            while above is not None and reason[above] is not None:
                above = lattice.parent.get(above)
            up[region] = above
    return classes, up


def _victim(
    small: Class,
    classes: dict[Class, int],
    up: dict[Node, Node | None],
    neighbours: list[tuple[Node, int]],
    size: dict[Node, int],
    k: int,
) -> Node:
    """The list to withhold for a small class: among those whose withholding merges it with
    a neighbour (or hides it), one that makes it big enough, the smallest first.
    ``neighbours``: (list, its commenters) of the classes that withholding that list merges
    into this one (a shown group just below; with no shown department, a department)."""
    region, department = small
    w = classes[small]
    options: list[tuple[Node, bool]] = []  # (list, whether the merged class is safe)
    if region is not None:  # its people join the nearest shown group above
        merged = (up[region], department)
        options.append((region, merged == (None, None) or classes.get(merged, 0) + w >= k))
    if department is not None:  # its people join the class with no shown department
        merged = (region, None)
        options.append((department, region is None or classes.get(merged, 0) + w >= k))
    options += [(node, n + w >= k) for node, n in neighbours]
    return min(options, key=lambda o: (not o[1], size[o[0]], o[0]))[0]
