"""The chain report: how far a cascade reached, how (personal relay or escalation), how fast
per level, which links broke, what people asked, and how delivery went on each platform.

Set-based on purpose: a handful of grouped queries whatever the size of the organisation
(receipts are grouped by level and reach time, which take few distinct values because people
are reached in batches), so the report stays fast for tens of thousands of people.

Delivery tracking joins each receipt to the outbox row that carried it through the receipt's
``outbox_key`` (the row's unique idempotency key), so it counts exactly the cascade message
itself, one per person, without adding a column to the shared outbox table.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from bot.core.clock import format_local
from bot.core.localized import number, percent
from handlers.reports import live_counts
from handlers.reports.periods import Period
from prompts import text
from storage.cascade_models import Cascade, CascadeLink, CascadeQuestion, CascadeReceipt
from storage.models import Outbox, Person
from storage.types import row_id

DELIVERY_STATES = {"sent": "sent", "dead": "failed", "unreachable": "unreachable"}


@dataclass
class LevelStats:
    level: int
    reached: int
    via_relay: int
    via_escalation: int
    median_hours: float | None
    p90_hours: float | None


@dataclass
class LinkRow:
    manager: str
    email: str
    level: int
    status: str
    since: datetime
    due_at: datetime
    acted_at: datetime | None
    nudged: bool

    @property
    def in_state_since(self) -> datetime:
        """When the link came to its state: an escalated or passed link when that happened
        (``since`` is when the message reached the manager), a waiting one when it arrived."""
        return self.acted_at if self.status != "pending" and self.acted_at else self.since


@dataclass
class QuestionRow:
    answered: bool
    text: str


@dataclass
class CascadeReport:
    id: int
    title: str
    sender: str
    sender_email: str
    created_at: datetime
    status: str
    window_days: int
    audience: int
    reached: int
    via_relay: int
    via_escalation: int
    # a live count of everyone reached, in the gate's words ("10 or more"): never per level
    # or per person (handlers/reports/live_counts.py)
    acknowledged: str
    depth: int
    levels: list[LevelStats] = field(default_factory=list)
    broken_links: list[LinkRow] = field(default_factory=list)
    waiting: list[LinkRow] = field(default_factory=list)
    # one list for everyone reached, only once at least the comment minimum were reached;
    # no manager, no time, in an order unrelated to asking (comments are sets: see _questions)
    questions: list[QuestionRow] = field(default_factory=list)
    questions_withheld_below: int | None = None  # set: fewer people reached than this
    delivery: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def reached_share(self) -> float:
        return self.reached / self.audience if self.audience else 0.0

    @property
    def via_relay_share(self) -> float:
        return self.via_relay / self.reached if self.reached else 0.0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["reached_share"] = round(self.reached_share, 4)
        data["via_relay_share"] = round(self.via_relay_share, 4)
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, default=_iso)


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def nearest_rank(weighted: list[tuple[float, int]], q: float) -> float | None:
    """The q-quantile (nearest rank) of values given with their counts, sorted by value."""
    total = sum(n for _, n in weighted)
    if not total:
        return None
    rank, seen = max(1, math.ceil(q * total)), 0
    for value, n in weighted:
        seen += n
        if seen >= rank:
            return round(value, 2)
    return round(weighted[-1][0], 2)


def _in_audience(sender: Person) -> list[Any]:
    return [
        col(Person.active).is_(True),
        col(Person.path).startswith(sender.path),
        Person.id != sender.id,
    ]


def build(session: Session, cascade_id: int, min_size: int, min_texts: int = 10) -> CascadeReport:
    """The report for one cascade (the caller checks who may see it); ``min_size`` is the
    minimum group size its live acknowledgement count keeps to, ``min_texts`` the people it
    must have reached before questions are listed (``min_comment_group_size``)."""
    cascade = session.get(Cascade, cascade_id)
    if cascade is None:
        raise KeyError(cascade_id)
    sender = session.get(Person, cascade.sender_id)
    assert sender is not None
    audience = session.exec(
        select(func.count()).select_from(Person).where(*_in_audience(sender))
    ).one()
    groups = session.exec(
        select(
            CascadeReceipt.level,
            CascadeReceipt.reached_at,
            CascadeReceipt.how,
            func.count(),
        )
        .join(Person, col(Person.id) == col(CascadeReceipt.person_id))
        .where(CascadeReceipt.cascade_id == cascade_id, *_in_audience(sender))
        .group_by(
            col(CascadeReceipt.level), col(CascadeReceipt.reached_at), col(CascadeReceipt.how)
        )
    ).all()
    per_level: dict[int, list[tuple[float, int]]] = defaultdict(list)
    totals: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for level, reached_at, how, count in groups:
        hours = (reached_at - cascade.created_at).total_seconds() / 3600
        per_level[level].append((hours, count))
        totals[level][how] += count
    levels = []
    for level in sorted(per_level):
        times = sorted(per_level[level])
        t = totals[level]
        levels.append(
            LevelStats(
                level=level,
                reached=t["relay"] + t["escalation"],
                via_relay=t["relay"],
                via_escalation=t["escalation"],
                median_hours=nearest_rank(times, 0.5),
                p90_hours=nearest_rank(times, 0.9),
            )
        )
    broken, waiting = _links(session, cascade_id)
    reached = sum(s.reached for s in levels)
    return CascadeReport(
        id=cascade_id,
        title=cascade.title,
        sender=sender.name,
        sender_email=sender.email,
        created_at=cascade.created_at,
        status=cascade.status,
        window_days=cascade.window_days,
        audience=audience,
        reached=reached,
        via_relay=sum(s.via_relay for s in levels),
        via_escalation=sum(s.via_escalation for s in levels),
        acknowledged=acknowledged(session, cascade_id, min_size),
        depth=max((s.level for s in levels), default=0),
        levels=levels,
        broken_links=broken,
        waiting=waiting,
        questions=_questions(session, cascade_id) if reached >= min_texts else [],
        questions_withheld_below=None if reached >= min_texts else min_texts,
        delivery=_delivery(session, cascade_id),
    )


SENT = ("running", "closed")  # scheduled and cancelled ones never went out


def sent_in(
    session: Session,
    period: Period,
    min_size: int,
    *,
    sender_id: int | None = None,
    min_texts: int = 10,
) -> list[CascadeReport]:
    """The report of every cascade sent within ``period`` (by ``sender_id`` when given),
    newest first: what ``cascade report --weeks 4`` lists."""
    query = select(Cascade.id).where(col(Cascade.status).in_(SENT))
    if period.start():
        query = query.where(col(Cascade.created_at) >= period.start())
    if period.end():
        query = query.where(col(Cascade.created_at) < period.end())
    if sender_id is not None:
        query = query.where(Cascade.sender_id == sender_id)
    ids = session.exec(query.order_by(col(Cascade.created_at).desc(), col(Cascade.id).desc()))
    return [build(session, row_id(cascade_id), min_size, min_texts) for cascade_id in ids.all()]


def acknowledged(session: Session, cascade_id: int, min_size: int) -> str:
    """How many of everyone reached acknowledged, through the gate's live-count rule, never
    below the floor held when someone reached was erased (handlers/live_counts.py)."""
    cascade = session.get(Cascade, cascade_id)
    done, reached = acknowledgements(session, cascade_id)
    return live_counts.progress(done, reached, min_size, cascade.live_floor if cascade else None)


def acknowledgements(session: Session, cascade_id: int) -> tuple[int, int]:
    """(acknowledged, in the group) over everyone the cascade reached who holds no link of it.

    Every receipt counts, whatever became of the person since, so the figure only grows.
    The managers who carry it (those with a link: the report names each, relayed, passed or
    escalated) are left out of the count and of the group alike. Counting their relays would
    tell a reader that the rest had not acknowledged ("fewer than 5", with four relays
    known); keeping them in the group the count is capped by would let the rest's count reach
    all of them ("5 or more" of a manager and the five below, with the relay named, says every
    one of the five acknowledged). Whether someone holds a link is settled when the cascade
    reaches them, so the group too only grows."""
    carries = (
        select(CascadeLink.id)
        .where(
            CascadeLink.cascade_id == cascade_id,
            col(CascadeLink.manager_id) == col(CascadeReceipt.person_id),
        )
        .exists()
    )
    acked = func.count(case((and_(col(CascadeReceipt.acknowledged_at).is_not(None), ~carries), 1)))
    group, done = session.exec(
        select(func.count(case((~carries, 1))), acked).where(
            CascadeReceipt.cascade_id == cascade_id
        )
    ).one()
    return done, group


def list_text(reports: list[CascadeReport], period: Period, tz: str) -> str:
    """Cascades sent in a period, one line each, times on the reader's clock; an empty
    period says so."""
    words = period.words() or text("cascade.all_time")
    if not reports:
        return text("cascade.list_none", period=words)
    lines = [text("cascade.list_heading", period=words, count=len(reports))]
    for r in reports:
        lines.append(
            text(
                "cascade.list_line",
                id=r.id,
                title=r.title,
                when=format_local(r.created_at, tz),
                reached=r.reached,
                audience=r.audience,
                share=percent(r.reached_share),
                relay=r.via_relay,
                acknowledged=r.acknowledged,
                depth=r.depth,
            )
        )
    return "\n".join(lines)


def _links(session: Session, cascade_id: int) -> tuple[list[LinkRow], list[LinkRow]]:
    """Broken links (escalated, or passed on by a leaver) and links still waiting to relay."""
    rows = session.execute(
        sa_select(
            col(Person.name),
            col(Person.email),
            col(CascadeLink.level),
            col(CascadeLink.status),
            col(CascadeLink.since),
            col(CascadeLink.due_at),
            col(CascadeLink.acted_at),
            col(CascadeLink.nudged),
        )
        .join(Person, col(Person.id) == col(CascadeLink.manager_id))
        .where(
            col(CascadeLink.cascade_id) == cascade_id,
            col(CascadeLink.status).in_(("pending", "escalated", "passed")),
        )
        .order_by(col(CascadeLink.level), col(CascadeLink.since), col(Person.name))
    ).all()
    broken: list[LinkRow] = []
    waiting: list[LinkRow] = []
    for values in rows:
        row = LinkRow(*values)
        (waiting if row.status == "pending" else broken).append(row)
    return broken, waiting


def _questions(session: Session, cascade_id: int) -> list[QuestionRow]:
    """What people asked, answered or not. A question goes to the asker's own manager, who
    knows them; the sender reads all of a cascade's questions as one list (the caller lists
    them only once the comment minimum was reached), so whoever asked is one of everyone
    reached: no manager (a team of one would name them), no time, sorted by a hash of the
    text. A question is listed for its own cascade only (lists are not a group and its
    sub-groups), so two cascades' lists cannot be intersected or subtracted."""
    rows = sorted(
        session.exec(
            select(CascadeQuestion.text, CascadeQuestion.answered_at).where(
                CascadeQuestion.cascade_id == cascade_id
            )
        ).all(),
        key=lambda r: hashlib.sha256(r[0].encode()).hexdigest(),
    )
    return [QuestionRow(answered=answered_at is not None, text=t) for t, answered_at in rows]


def question_lines(report: CascadeReport) -> list[str]:
    """The questions part of a report, in words (chat and the command line)."""
    if report.questions_withheld_below is not None:
        return [text("cascade.report_questions_withheld", min=report.questions_withheld_below)]
    unanswered = sum(not q.answered for q in report.questions)
    lines = [text("cascade.report_questions", count=len(report.questions), unanswered=unanswered)]
    for q in report.questions:
        state = "" if q.answered else text("cascade.report_unanswered")
        lines.append(text("cascade.report_question_line", state=state, text=q.text))
    return lines


def _delivery(session: Session, cascade_id: int) -> dict[str, dict[str, int]]:
    rows = session.exec(
        select(Outbox.platform, Outbox.status, func.count())
        .select_from(CascadeReceipt)
        .join(Outbox, col(Outbox.idempotency_key) == col(CascadeReceipt.outbox_key))
        .where(CascadeReceipt.cascade_id == cascade_id)
        .group_by(col(Outbox.platform), col(Outbox.status))
    ).all()
    delivery: dict[str, dict[str, int]] = {}
    for platform, status, count in rows:
        counts = delivery.setdefault(
            platform, {"sent": 0, "failed": 0, "unreachable": 0, "pending": 0}
        )
        counts[DELIVERY_STATES.get(status, "pending")] += count
    return delivery


def _hours(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{number(value)} h" if value < 48 else f"{number(value / 24)} days"


def as_text(report: CascadeReport, tz: str) -> str:
    """The report as chat lines, times on the reader's clock."""
    lines = [
        text(
            "cascade.report_title",
            id=report.id,
            title=report.title,
            leader=report.sender,
            when=format_local(report.created_at, tz),
        ),
        text(
            "cascade.report_reach",
            reached=report.reached,
            audience=report.audience,
            share=percent(report.reached_share),
            relay=report.via_relay,
            escalation=report.via_escalation,
            acknowledged=report.acknowledged,
        ),
    ]
    for s in report.levels:
        lines.append(
            text(
                "cascade.report_level",
                level=s.level,
                reached=s.reached,
                median=_hours(s.median_hours),
                p90=_hours(s.p90_hours),
            )
        )
    lines.append(text("cascade.report_broken", count=len(report.broken_links)))
    for link in report.broken_links:
        lines.append(
            text(
                "cascade.report_broken_line",
                manager=link.manager,
                status=link.status,
                since=format_local(link.in_state_since, tz),
            )
        )
    if report.waiting:
        lines.append(text("cascade.report_waiting", count=len(report.waiting)))
        for link in report.waiting:
            lines.append(
                text(
                    "cascade.report_waiting_line",
                    manager=link.manager,
                    due=format_local(link.due_at, tz),
                )
            )
    lines.extend(question_lines(report))
    for platform, counts in sorted(report.delivery.items()):
        lines.append(text("cascade.report_delivery", platform=platform, **counts))
    return "\n".join(lines)


def chain_tree(session: Session, cascade_id: int) -> dict[str, Any]:
    """The chain as nested dicts for the dashboard: the sender at the root, each person under
    whoever reached them (or, not reached yet, under their manager), with how and when."""
    cascade = session.get(Cascade, cascade_id)
    if cascade is None:
        raise KeyError(cascade_id)
    sender = session.get(Person, cascade.sender_id)
    assert sender is not None
    links = {
        link.manager_id: link
        for link in session.exec(select(CascadeLink).where(CascadeLink.cascade_id == cascade_id))
    }

    def node(person_id: int, name: str, **extra: Any) -> dict[str, Any]:
        link = links.get(person_id)
        return {
            "person_id": person_id,
            "name": name,
            **extra,
            "link": None
            if link is None
            else {
                "status": link.status,
                "since": link.since.isoformat(),
                "due_at": link.due_at.isoformat(),
                "nudged": link.nudged,
                "acted_at": link.acted_at.isoformat() if link.acted_at else None,
            },
            "children": [],
        }

    root = node(row_id(sender.id), sender.name, state="sender")
    nodes: dict[int, dict[str, Any]] = {row_id(sender.id): root}
    parents: dict[int, int | None] = {}
    reached = session.execute(
        sa_select(
            col(CascadeReceipt.person_id),
            col(Person.name),
            col(CascadeReceipt.via_id),
            col(CascadeReceipt.how),
            col(CascadeReceipt.level),
            col(CascadeReceipt.reached_at),
        )
        .join(Person, col(Person.id) == col(CascadeReceipt.person_id))
        .where(col(CascadeReceipt.cascade_id) == cascade_id)
        .order_by(col(CascadeReceipt.level), col(CascadeReceipt.id))
    ).all()
    for person_id, name, via_id, how, level, reached_at in reached:
        nodes[person_id] = node(
            person_id,
            name,
            state="reached",
            how=how,
            level=level,
            reached_at=reached_at.isoformat(),
        )
        parents[person_id] = via_id
    missing = session.exec(
        select(Person.id, Person.name, Person.manager_id)
        .outerjoin(
            CascadeReceipt,
            and_(
                col(CascadeReceipt.cascade_id) == cascade_id,
                col(CascadeReceipt.person_id) == col(Person.id),
            ),
        )
        .where(col(CascadeReceipt.id).is_(None), *_in_audience(sender))
        .order_by(col(Person.id))
    ).all()
    for person_id, name, manager_id in missing:
        nodes[row_id(person_id)] = node(row_id(person_id), name, state="waiting")
        parents[row_id(person_id)] = manager_id
    for person_id, parent_id in parents.items():
        parent = root if parent_id is None else nodes.get(parent_id, root)
        parent["children"].append(nodes[person_id])
    return root
