"""Who sees which part of the organisation on the dashboard.

- an employee: the whole organisation and their own team (their manager's direct reports);
- a manager or leader: also their subtree, and every subtree and team inside it;
- an admin: everything.

A scope is named in URLs by a key: ``org``, ``team-<manager id>`` or ``subtree-<manager id>``.
Editing a URL to a key outside the viewer's scopes is refused (``NotAllowed``), never
silently narrowed, so the page says why there is nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

import prompts
from bot.core.parsing import parse_id
from storage import people
from storage.models import Person


class NotAllowed(Exception):
    """The viewer asked for something outside what they may see."""


@dataclass(frozen=True)
class Viewer:
    person: Person
    roles: tuple[str, ...]

    @classmethod
    def of(cls, session: Session, person: Person) -> Viewer:
        return cls(person=person, roles=tuple(people.roles(session, person)))

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    @property
    def is_manager(self) -> bool:
        return "manager" in self.roles or "leader" in self.roles

    @property
    def role(self) -> str:
        """The widest role (admin | leader | manager | employee)."""
        for role in ("admin", "leader", "manager"):
            if role in self.roles:
                return role
        return "employee"

    @property
    def role_words(self) -> str:
        """The widest role, as the page names it in the reader's language."""
        return prompts.text(f"dashboard.role_{self.role}")


@dataclass(frozen=True)
class Scope:
    key: str
    kind: str  # org | team | subtree
    manager: Person | None = None

    @property
    def label(self) -> str:
        """The part of the organisation in words, in the reader's language."""
        if self.manager is None:
            return prompts.text("dashboard.scope_org")
        return prompts.text(f"dashboard.scope_{self.kind}", name=self.manager.name)

    def holds_team(self, team_path: str) -> bool:
        """Whether a team (by its manager's path, as stored with answers and stories) is in it."""
        if self.manager is None:
            return True
        if self.kind == "team":
            return team_path == self.manager.path
        return team_path.startswith(self.manager.path)

    @property
    def cell(self) -> tuple[str, str]:
        """The disclosure gate's (kind, key) of this scope's cell."""
        if self.manager is None:
            return ("org", "")
        return (self.kind, self.manager.path)


ORG = Scope(key="org", kind="org")


def _team(manager: Person) -> Scope:
    return Scope(f"team-{manager.id}", "team", manager)


def _subtree(manager: Person) -> Scope:
    return Scope(f"subtree-{manager.id}", "subtree", manager)


def resolve(session: Session, viewer: Viewer, key: str | None) -> Scope:
    """The scope named by ``key`` (default: the viewer's own widest), if the viewer may see it."""
    if not key:
        return default_scope(session, viewer)
    if key == "org":
        return ORG
    kind, _, raw_id = key.partition("-")
    manager_id = parse_id(raw_id)
    if kind not in ("team", "subtree") or manager_id is None:
        raise NotAllowed(key[:40])
    manager = session.get(Person, manager_id)
    if manager is None or not may_see(viewer, kind, manager):
        raise NotAllowed(key)
    return _team(manager) if kind == "team" else _subtree(manager)


def may_see(viewer: Viewer, kind: str, manager: Person) -> bool:
    if viewer.is_admin:
        return True
    me = viewer.person
    if kind == "team" and manager.id == me.manager_id:
        return True
    return viewer.is_manager and manager.path.startswith(me.path)


def default_scope(session: Session, viewer: Viewer) -> Scope:
    """A manager starts on their subtree; everyone else on the whole organisation."""
    if viewer.is_manager and not viewer.is_admin and viewer.person.manager_id is not None:
        return _subtree(viewer.person)
    return ORG


def choices(session: Session, viewer: Viewer, current: Scope | None = None) -> list[Scope]:
    """The scopes to offer in the page's picker, widest first: the organisation, the viewer's
    own team and subtree, the scope shown now, and one level further down from it (so even a
    large organisation's picker stays short; any scope the viewer may see can be reached)."""
    me = viewer.person
    found: list[Scope] = [ORG]
    if me.manager_id is not None:
        own = session.get(Person, me.manager_id)
        if own is not None:
            found.append(_team(own))
    if viewer.is_manager and me.manager_id is not None:
        found += [_subtree(me), _team(me)]
    if current is not None and current.manager is not None:
        if current.kind == "subtree" and may_see(viewer, "team", current.manager):
            found.append(_team(current.manager))
        found.append(current)
    if current is not None and current.manager is not None:
        parent: Person | None = current.manager
    elif viewer.is_admin or (viewer.is_manager and me.manager_id is None):
        parent = None  # the whole organisation, from the top
    else:
        parent = me  # an employee has no one below: nothing is added
    for manager in managers_below(session, parent):
        if may_see(viewer, "subtree", manager):
            found.append(_subtree(manager))
    unique: dict[str, Scope] = {}
    for scope in found:
        unique.setdefault(scope.key, scope)
    return list(unique.values())


def managers_below(session: Session, manager: Person | None) -> list[Person]:
    """Active direct reports of ``manager`` (of the top, for None) who have reports."""
    has_reports = select(Person.manager_id).where(col(Person.active).is_(True))
    under = (
        col(Person.manager_id).is_(None)
        if manager is None
        else (col(Person.manager_id) == manager.id)
    )
    found = list(
        session.exec(
            select(Person)
            .where(under, col(Person.id).in_(has_reports), col(Person.active).is_(True))
            .order_by(col(Person.name))
        )
    )
    if manager is None and len(found) == 1:  # one top leader: offer the level below them
        return managers_below(session, found[0])
    return found
