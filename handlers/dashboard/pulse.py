"""The dashboard's pulse views: the overview and the theme x group heat map.

Every figure about answers comes from the disclosure gate; until the gate has published a
closed period there is nothing to show, and the views say so.
"""

from __future__ import annotations

from typing import Any

from handlers.dashboard.model import Section, Table, View
from handlers.dashboard.scope import Scope, Viewer

WAITING = (
    "Pulse results appear here once the first closed week has been published by the "
    "disclosure gate."
)


def _waiting(name: str, title: str, scope: Scope) -> View:
    view = View(name, title, scope.key, scope.label)
    view.sections.append(Section(id="pulse", title="Pulse", table=Table((), (), ()), note=WAITING))
    return view


def overview(session: Any, viewer: Viewer, scope: Scope, settings: Any) -> View:
    return _waiting("overview", "Overview", scope)


def groups(session: Any, viewer: Viewer, scope: Scope, settings: Any) -> View:
    return _waiting("groups", "Teams side by side", scope)
