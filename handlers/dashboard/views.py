"""The dashboard's views that are not about pulse answers: stories and ideas, cascades,
delivery health. (The pulse views, which read only the disclosure gate, are in ``pulse``.)

Each function takes a session, the viewer, the scope they picked and the time, and returns a
``View``; none of them formats HTML.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

import prompts
from bot.core import language
from bot.core.clock import format_local
from bot.core.config import Settings
from bot.core.localized import percent
from handlers.cascade import report as cascade_report
from handlers.common.formatting import day_words, week_start_words, week_words
from handlers.dashboard.model import (
    BarChart,
    HeatMap,
    LineChart,
    Reference,
    Section,
    Series,
    Table,
    TreeChart,
    TreeNode,
    View,
)
from handlers.dashboard.scope import ORG, NotAllowed, Scope, Viewer
from handlers.reports import anonymity
from handlers.stories import reports as story_reports
from storage import outbox_report
from storage.cascade_models import Cascade, CascadeLink, CascadeReceipt
from storage.models import Person
from storage.stories import Story
from storage.types import row_id

LATEST_STORIES = 12


def _s(key: str, **values: object) -> str:
    """The stories view's words (prompts/dashboard.yaml ``dashboard_stories``)."""
    return prompts.text(f"dashboard_stories.{key}", **values)


def _c(key: str, **values: object) -> str:
    """The leadership messages view's words (``dashboard_cascades``)."""
    return prompts.text(f"dashboard_cascades.{key}", **values)


def _d(key: str, **values: object) -> str:
    """The delivery health view's words (``dashboard_delivery``)."""
    return prompts.text(f"dashboard_delivery.{key}", **values)


TREE_LABELS = 60  # managers named on the cascade tree; a bigger chain is drawn unlabelled


# --- stories ---------------------------------------------------------------------------------


def stories(
    session: Session, viewer: Viewer, scope: Scope, settings: Settings, now: datetime
) -> View:
    view = View("stories", _s("title"), scope.key, scope.label)
    roles = list(viewer.roles)
    if scope is ORG:  # the organisation and its departments
        cells = story_reports.story_cells(
            session, viewer.person, now, roles=roles, kinds=("org", "department")
        )
    else:
        cells = story_reports.story_cells(
            session, viewer.person, now, roles=roles, groups=[scope.cell]
        )
    shared = story_reports.shared_weeks(cells)
    weeks = sorted({row.week for row in shared})
    groups = list(dict.fromkeys(row.group for row in shared))
    by = {(r.group, r.week): r for r in shared}
    view.sections.append(
        Section(
            id="shared",
            title=_s("shared_title"),
            summary=_s("shared_summary", weeks=len(weeks), groups=len(groups)),
            note=_s("shared_note", min=settings.min_group_size)
            + (
                " " + prompts.text("stories_report.unscored", count=unscored)
                if (unscored := story_reports.unscored_stories(cells))
                else ""
            ),
            chart=LineChart(
                x_labels=tuple(week_start_words(w) for w in weeks),
                series=tuple(
                    Series(
                        g,
                        tuple(by[(g, w)].mood if (g, w) in by else None for w in weeks),
                    )
                    for g in groups
                ),
                x_title=prompts.text("dashboard.week_beginning"),
                y_title=_s("mood_y"),
                y_range=(-1.0, 1.0),
                references=(Reference(prompts.text("dashboard.neutral"), 0.0),),
            )
            if any(r.mood is not None for r in shared)
            else None,
            table=Table(
                ("group", "week", "stories", "ideas", "mood"),
                (_s("h_group"), _s("h_week"), _s("h_stories"), _s("h_ideas"), _s("h_mood")),
                tuple((r.group, week_words(r.week), r.stories, r.ideas, r.mood) for r in shared),
            ),
        )
    )
    view.sections.append(_connectedness(session, settings.min_group_size))
    view.sections.append(_latest_stories(session, viewer, scope, settings.min_group_size))
    return view


def _connectedness(session: Session, k: int) -> Section:
    """The department x department matrix of the latest published four-week block: how many
    people of each department found another's stories helpful, in bands (whole org)."""
    figure = story_reports.connectedness(session)
    bands = {(p.reader, p.story): p.people for p in figure.pairs}
    departments = sorted({d.department for d in figure.departments})
    values = tuple(
        tuple(
            None
            if (reader, author) not in bands
            else float(bands[(reader, author)].split("-")[0].rstrip("+"))
            for author in departments
        )
        for reader in departments
    )
    notes = tuple(
        tuple(bands.get((reader, author), "") for author in departments) for reader in departments
    )  # blank: fewer than k people (or none); the diagonal: a department's own stories
    return Section(
        id="connectedness",
        title=_s("connected_title", span=figure.span),
        summary=_s("connected_summary", pairs=len(bands), min=k)
        if figure.share is None
        else _s("connected_summary_share", pairs=len(bands), min=k, share=percent(figure.share)),
        note=_s("connected_note", min=k),
        chart=HeatMap(
            rows=tuple(departments),
            columns=tuple(departments),
            values=values,
            notes=notes,
            x_title=_s("story_from_x"),
            y_title=_s("helpful_by_y"),
            scale_title=_s("helpful_scale"),
        )
        if len(departments) > 1
        else None,
        table=Table(
            ("reader_department", "story_department", "people"),
            (_s("h_helpful_by"), _s("h_story_from"), _s("h_people")),
            tuple(
                (reader, author, bands.get((reader, author), ""))
                for reader in departments
                for author in departments
                if reader != author
            ),
        ),
    )


def _latest_stories(session: Session, viewer: Viewer, scope: Scope, k: int) -> Section:
    """Stories the viewer may read: shared ones (named or anonymous) in the scope, and those
    shared "only with my manager" when the viewer is that manager. Anonymous: no name, no
    department of fewer than ``k`` people, and only in the whole organisation's scope (a
    team's list next to the organisation's would say which team it came from)."""
    me = viewer.person
    named = anonymity.named_departments(anonymity.department_sizes(session), k)
    rows = session.exec(
        select(Story, Person.name)
        .join(Person, col(Person.id) == col(Story.author_id))
        .where(
            Story.kind == "story",
            or_(
                col(Story.consent).in_(("named", "anonymous")),
                (col(Story.consent) == "manager") & (col(Story.manager_id) == me.id),
            ),
        )
        .order_by(col(Story.created_at).desc(), col(Story.id).desc())
        .limit(LATEST_STORIES * 20)
    ).all()
    shown: list[tuple[Any, ...]] = []
    for story, name in rows:
        anonymous = story.consent == "anonymous"
        if (anonymous and scope is not ORG) or not scope.holds_team(story.team_path):
            continue
        department = story.department
        if anonymous and department not in named:
            department = ""
        shown.append(
            (
                day_words(story.created_at.date()),
                department,
                name if story.consent == "named" else None,
                story.customer,
                language.tagged(story.what_happened, story.language),
                story.what_changed,
                _s("only_manager") if story.consent == "manager" else _s("everyone"),
            )
        )
        if len(shown) == LATEST_STORIES:
            break
    return Section(
        id="latest",
        title=_s("latest_title"),
        table=Table(
            (
                "shared_on",
                "department",
                "author",
                "customer",
                "what_happened",
                "what_changed",
                "shared_with",
            ),
            tuple(
                _s(key)
                for key in (
                    "h_shared_on",
                    "h_department",
                    "h_by",
                    "h_customer",
                    "h_what_happened",
                    "h_what_changed",
                    "h_shared_with",
                )
            ),
            tuple(shown),
        ),
        note=_s("latest_note", min=k),
    )


# --- cascades --------------------------------------------------------------------------------


def visible_cascades(session: Session, viewer: Viewer, limit: int = 50) -> list[Cascade]:
    """Admins: all; others: the ones they sent and the ones they carried as a manager."""
    query = select(Cascade).order_by(col(Cascade.created_at).desc(), col(Cascade.id).desc())
    if not viewer.is_admin:
        carried = select(CascadeLink.cascade_id).where(CascadeLink.manager_id == viewer.person.id)
        query = query.where(
            or_(col(Cascade.sender_id) == viewer.person.id, col(Cascade.id).in_(carried))
        )
    return list(session.exec(query.limit(limit)))


def cascades(session: Session, viewer: Viewer, cascade_id: int | None, min_size: int) -> View:
    """One cascade's chain as the viewer may see it: the whole chain for its sender and for
    admins, a manager's own part of it (from them down) for anyone who carried it.
    Acknowledgements are one live count of the whole chain, for the whole chain's viewers
    only (a count per part beside it could be subtracted: handlers/reports/live_counts.py)."""
    mine = visible_cascades(session, viewer)
    view = View("cascades", _c("title"), "org", "")
    view.extra["cascades"] = [
        {
            "id": c.id,
            "title": c.title,
            "sent": format_local(c.created_at, viewer.person.timezone),
        }
        for c in mine
    ]
    received = _received(session, viewer)
    if received.table.rows:
        view.sections.append(received)
    if cascade_id is None:
        if not mine:
            view.scope_label = _c("received_only") if received.table.rows else _c("none_yet")
            return view
        cascade = mine[0]
    else:
        found = next((c for c in mine if c.id == cascade_id), None)
        if found is None:
            raise NotAllowed(f"cascade {cascade_id}")
        cascade = found
    assert cascade.id is not None
    root, whole = _part(session, viewer, cascade)
    tz = viewer.person.timezone
    view.scope = f"cascade-{cascade.id}"
    view.scope_label = (
        _c("quoted", title=cascade.title)
        if whole
        else _c("quoted_part", title=cascade.title, name=root["name"])
    )
    view.extra["cascade"] = {"id": cascade.id, "title": cascade.title, "whole_chain": whole}
    nodes = list(_walk(root))
    reached = [n for n in nodes if n.get("state") == "reached"]
    links = [n for n in nodes if n.get("link")]
    by_level: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for n in reached:
        by_level[n["level"]].append(n)
    levels = sorted(by_level)
    rows = []
    for level in levels:
        members = by_level[level]
        hours = sorted(
            (datetime.fromisoformat(n["reached_at"]) - cascade.created_at).total_seconds() / 3600
            for n in members
        )
        weighted = [(h, 1) for h in hours]
        rows.append(
            (
                level,
                len(members),
                sum(n["how"] == "relay" for n in members),
                sum(n["how"] == "escalation" for n in members),
                cascade_report.nearest_rank(weighted, 0.5),
                cascade_report.nearest_rank(weighted, 0.9),
            )
        )
    waiting = sum(n.get("state") == "waiting" for n in nodes)
    acknowledged = cascade_report.acknowledged(session, cascade.id, min_size) if whole else None
    level_names = tuple(_c("level", level=lv) for lv in levels)
    view.sections.append(
        Section(
            id="tree",
            title=_c("tree_title"),
            summary=_c("tree_summary", managers=len(links), reached=len(reached), waiting=waiting),
            note=_c("tree_note"),
            chart=TreeChart(
                root=_tree_node(root), title=cascade.title, first_level=root.get("level", 0)
            )
            if links
            else None,
            table=Table(
                (
                    "manager",
                    "level",
                    "state",
                    "reached_how",
                    "since",
                    "due_at",
                    "acted_at",
                    "nudged",
                ),
                tuple(
                    _c(key)
                    for key in (
                        "h_manager",
                        "h_level",
                        "h_state",
                        "h_reached_by",
                        "h_since",
                        "h_due",
                        "h_acted",
                        "h_nudged",
                    )
                ),
                tuple(
                    (
                        n["name"],
                        n.get("level", 0),
                        _state_words(n["link"]["status"]),
                        _how_words(n.get("how", "sender")),
                        _when(n["link"]["since"], tz),
                        _when(n["link"]["due_at"], tz),
                        _when(n["link"]["acted_at"], tz),
                        n["link"]["nudged"],
                    )
                    for n in links
                ),
            ),
        )
    )
    view.sections.append(
        Section(
            id="reach",
            title=_c("reach_title"),
            summary=_c(
                "reach_summary_acknowledged" if acknowledged else "reach_summary",
                reached=len(reached),
                levels=len(levels),
                acknowledged=acknowledged,
            ),
            chart=BarChart(
                categories=level_names,
                series=(
                    Series(_c("personal_relay"), tuple(float(r[2]) for r in rows)),
                    Series(_c("escalation"), tuple(float(r[3]) for r in rows)),
                ),
                x_title=_c("level_x"),
                y_title=_c("reached_y"),
                stacked=True,
                counts=True,
            )
            if rows
            else None,
            table=Table(
                (
                    "level",
                    "reached",
                    "via_relay",
                    "via_escalation",
                    "median_hours",
                    "p90_hours",
                ),
                tuple(
                    _c(key)
                    for key in (
                        "h_level",
                        "h_reached",
                        "h_by_relay",
                        "h_by_escalation",
                        "h_half",
                        "h_ninety",
                    )
                ),
                tuple(rows),
            ),
        )
    )
    view.sections.append(
        Section(
            id="time",
            title=_c("time_title"),
            summary=_c("time_summary"),
            chart=BarChart(
                categories=level_names,
                series=(
                    Series(_c("half_reached"), tuple(r[4] for r in rows)),
                    Series(_c("ninety_reached"), tuple(r[5] for r in rows)),
                ),
                x_title=_c("level_x"),
                y_title=_c("hours_y"),
            )
            if rows
            else None,
            table=Table(
                ("level", "median_hours", "p90_hours"),
                (_c("h_level"), _c("h_half"), _c("h_ninety")),
                tuple((r[0], r[4], r[5]) for r in rows),
            ),
        )
    )
    return view


def _part(session: Session, viewer: Viewer, cascade: Cascade) -> tuple[dict[str, Any], bool]:
    """The part of ``cascade``'s chain the viewer may see (the whole chain for its sender and
    admins, from themselves down for a manager who carried it) and whether it is the whole."""
    assert cascade.id is not None
    tree = cascade_report.chain_tree(session, cascade.id)
    whole = viewer.is_admin or cascade.sender_id == viewer.person.id
    root = tree if whole else _find(tree, row_id(viewer.person.id))
    if root is None:
        raise NotAllowed(f"cascade {cascade.id}")
    return root, whole


@dataclass(frozen=True)
class Reach:
    """The latest leadership message the viewer sent or carried: people reached so far in
    the part of its chain they may see, of everyone that part is meant to reach."""

    title: str
    sent: datetime
    reached: int
    meant: int
    whole_chain: bool


def latest_reach(session: Session, viewer: Viewer) -> Reach | None:
    """The cascades view's reach of the latest message, counted rather than drawn: those
    reached in the viewer's part of the chain (the whole chain for its sender and admins,
    from themselves down for a manager who carried it), and those it still waits for."""
    mine = visible_cascades(session, viewer, limit=1)
    if not mine:
        return None
    cascade = mine[0]
    whole = viewer.is_admin or cascade.sender_id == viewer.person.id
    top = session.get(Person, cascade.sender_id) if whole else viewer.person
    assert top is not None and cascade.id is not None
    below = col(Person.path).startswith(top.path)
    reached_query = (
        select(func.count())
        .select_from(CascadeReceipt)
        .where(CascadeReceipt.cascade_id == cascade.id)
    )
    if not whole:  # the manager and everyone below them
        reached_query = reached_query.join(
            Person, col(Person.id) == col(CascadeReceipt.person_id)
        ).where(below)
    reached = session.exec(reached_query).one()
    waiting = session.exec(
        select(func.count())
        .select_from(Person)
        .outerjoin(
            CascadeReceipt,
            (col(CascadeReceipt.cascade_id) == cascade.id)
            & (col(CascadeReceipt.person_id) == col(Person.id)),
        )
        .where(
            col(CascadeReceipt.id).is_(None),
            col(Person.active).is_(True),
            below,
            *([Person.id != top.id] if whole else []),
        )
    ).one()
    return Reach(cascade.title, cascade.created_at, reached, reached + waiting, whole)


def _received(session: Session, viewer: Viewer) -> Section:
    """The leadership messages that reached the viewer, newest first: what each said, who
    passed it on (with their own words) and when, in the viewer's time zone."""
    me = viewer.person
    Sender = aliased(Person)
    Via = aliased(Person)
    rows = session.exec(
        select(CascadeReceipt, Cascade, Sender.name, Via.name)
        .join(Cascade, col(Cascade.id) == col(CascadeReceipt.cascade_id))
        .join(Sender, col(Sender.id) == col(Cascade.sender_id))
        .join(Via, col(Via.id) == col(CascadeReceipt.via_id))
        .where(CascadeReceipt.person_id == me.id)
        .order_by(col(CascadeReceipt.reached_at).desc(), col(CascadeReceipt.id).desc())
        .limit(50)
    ).all()
    notes = {
        (link.cascade_id, link.manager_id): link.note
        for link in session.exec(
            select(CascadeLink).where(
                col(CascadeLink.cascade_id).in_({r.cascade_id for r, *_ in rows}),
                col(CascadeLink.note).is_not(None),
            )
        )
    }
    table = tuple(
        (
            format_local(receipt.reached_at, me.timezone),
            cascade.title,
            sender,
            cascade.body,
            via if receipt.how == "relay" else _c("direct"),
            notes.get((receipt.cascade_id, receipt.via_id)) if receipt.how == "relay" else None,
            _c("yes") if receipt.acknowledged_at is not None else _c("not_yet"),
        )
        for receipt, cascade, sender, via in rows
    )
    return Section(
        id="received",
        title=_c("received_title"),
        summary=_c("received_summary", count=len(table)),
        table=Table(
            ("received", "title", "from", "message", "passed_on_by", "their_words", "acknowledged"),
            tuple(
                _c(key)
                for key in (
                    "h_received",
                    "h_message",
                    "h_from",
                    "h_says",
                    "h_passed_on_by",
                    "h_their_words",
                    "h_acknowledged",
                )
            ),
            table,
        ),
    )


def _state_words(status: str) -> str:
    """A link's state (relayed, escalated, pending, passed), in words."""
    known = ("sender", "relayed", "escalated", "pending", "passed")
    return _c(f"state_{status}") if status in known else status


def _how_words(how: str) -> str:
    """How a manager was reached (sender, relay, escalation, waiting), in words."""
    return _c(f"how_{how}") if how in ("sender", "relay", "escalation", "waiting") else how


def _when(iso: str | None, tz: str) -> str | None:
    """A stored time (ISO) as the viewer reads it, in their own time zone."""
    return format_local(datetime.fromisoformat(iso), tz) if iso else None


def _find(node: dict[str, Any], person_id: int) -> dict[str, Any] | None:
    if node["person_id"] == person_id:
        return node
    for child in node["children"]:
        found = _find(child, person_id)
        if found is not None:
            return found
    return None


def _walk(node: dict[str, Any]):
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current["children"]))


def _tree_node(node: dict[str, Any]) -> TreeNode:
    """Managers (people with a link) as nodes; everyone else counted on their parent."""
    children = tuple(_tree_node(c) for c in node["children"] if c.get("link") or c["children"])
    people = sum(1 for c in node["children"] if not (c.get("link") or c["children"]))
    link = node.get("link")
    state = "sender" if node.get("state") == "sender" else (link["status"] if link else "none")
    how = "" if node.get("state") == "sender" else node.get("how", "waiting")
    return TreeNode(label=node["name"], state=state, how=how, people=people, children=children)


# --- delivery health (admins) ----------------------------------------------------------------


def delivery(session: Session, viewer: Viewer, now: datetime) -> View:
    """Outbox backlog per platform and state (sent history not counted), dead letters,
    unreachable people (admins only)."""
    if not viewer.is_admin:
        raise NotAllowed("delivery")
    view = View("delivery", _d("title"), "org", prompts.text("dashboard.scope_org"))
    outbox = outbox_report.snapshot(session.connection(), now)
    platforms = sorted({p for p, _ in outbox.by_state})
    states = ("pending", "sending", "dead", "unreachable")
    by, overdue = outbox.by_state, outbox.due_by_platform
    view.sections.append(
        Section(
            id="outbox",
            title=_d("outbox_title"),
            summary=", ".join(
                _d("pending_on", platform=p, count=by.get((p, "pending"), 0)) for p in platforms
            )
            or _d("nothing_waits"),
            chart=BarChart(
                categories=tuple(platforms),
                series=tuple(
                    Series(_d(f"state_{s}"), tuple(float(by.get((p, s), 0)) for p in platforms))
                    for s in states
                ),
                x_title=_d("platform"),
                y_title=_d("messages_y"),
                stacked=True,
                counts=True,
            )
            if platforms
            else None,
            table=Table(
                ("platform", *states, "due_now"),
                tuple(
                    _d(key)
                    for key in (
                        "h_platform",
                        "h_pending",
                        "h_sending",
                        "h_dead",
                        "h_unreachable",
                        "h_due_now",
                    )
                ),
                tuple(
                    (p, *(by.get((p, s), 0) for s in states), overdue.get(p, 0)) for p in platforms
                ),
            ),
        )
    )
    dead = outbox_report.dead_letters(session.connection(), 20)
    view.sections.append(
        Section(
            id="dead",
            title=_d("dead_title"),
            table=Table(
                ("id", "status", "kind", "platform", "to", "attempts", "error"),
                tuple(
                    _d(key)
                    for key in (
                        "h_message",
                        "h_state",
                        "h_kind",
                        "h_platform",
                        "h_to",
                        "h_tries",
                        "h_error",
                    )
                ),
                tuple(
                    (
                        row["id"],
                        row["status"],
                        row["kind"],
                        row["platform"],
                        row["email"],
                        row["attempts"],
                        row["last_error"],
                    )
                    for row in dead
                ),
            ),
        )
    )
    unreachable = outbox_report.unreachable_people(session.connection())
    view.sections.append(
        Section(
            id="unreachable",
            title=_d("unreachable_title"),
            table=Table(
                ("platform", "email", "reason"),
                (_d("h_platform"), _d("h_person"), _d("h_why")),
                tuple((r["platform"], r["email"], r["reason"]) for r in unreachable),
            ),
        )
    )
    return view
