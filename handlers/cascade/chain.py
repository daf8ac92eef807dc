"""The chain engine: reach people, open links for managers, relay, nudge, escalate, and keep
up with joiners and leavers while a cascade runs.

Two rules keep the chain honest whatever people or the org file do:
- nobody twice: a receipt is unique per (cascade, person) and inserted with ON CONFLICT DO
  NOTHING, and the message's outbox key ``cascade:{id}:to:{person}`` is unique too;
- nobody outside: every target is checked against the sender's subtree (path prefix) at the
  moment it is reached, so a manager moved elsewhere mid-cascade cannot carry it outside.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import ColumnElement, and_, delete, exists, func, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from bot.core.clock import local_instant
from bot.core.runtime import Runtime
from handlers.cascade.messages import cascade_message, notice, relay_request
from handlers.common.outbox import Render, send_later
from handlers.people.relay_windows import relay_deadlines
from handlers.people.workdays import calendar_for
from storage.cascade_models import Cascade, CascadeLink, CascadeReceipt
from storage.models import Person
from storage.sql import insert_ignore
from storage.types import row_id

WATCH = timedelta(days=30)
DRAFTS = timedelta(
    days=7
)  # a previewed cascade nobody sent is forgotten after this  # joiners still receive a cascade this long after it was sent
CHUNK = 500


def message_key(cascade_id: int, person_id: int) -> str:
    """The outbox key of the cascade message to one person (also kept on the receipt)."""
    return f"cascade:{cascade_id}:to:{person_id}"


def active_reports(session: Session, manager_id: int) -> list[Person]:
    return list(
        session.exec(
            select(Person)
            .where(Person.manager_id == manager_id, col(Person.active).is_(True))
            .order_by(col(Person.id))
        )
    )


def managers_among(session: Session, ids: Sequence[int]) -> set[int]:
    """Which of ``ids`` have at least one active direct report (one query per chunk)."""
    found: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        found.update(
            row_id(manager_id)  # the filter leaves no NULL
            for manager_id in session.exec(
                select(Person.manager_id)
                .distinct()
                .where(col(Person.manager_id).in_(chunk), col(Person.active).is_(True))
            ).all()
        )
    return found


def _to_nudge(now: datetime) -> list[ColumnElement[bool]]:
    """A pending link (joined with its manager) whose nudge is due at its nudge_at."""
    return [col(CascadeLink.nudged).is_(False), col(CascadeLink.due_at) > now]


def _to_escalate() -> list[ColumnElement[bool]]:
    """A pending link (joined with its manager) escalated at its due_at."""
    return [col(Person.active).is_(True)]


def closes_at(cascade: Cascade) -> datetime:
    """When a running cascade with no pending link is closed (joiners are reached till then)."""
    return cascade.created_at + WATCH


def _draft_expiry(now: datetime) -> ColumnElement[bool]:
    """A previewed cascade nobody sent or discarded, forgotten ``DRAFTS`` after its preview."""
    return and_(col(Cascade.status) == "draft", col(Cascade.created_at) < now - DRAFTS)


@dataclass
class Chain:
    """One cascade being carried, inside one transaction."""

    session: Session
    runtime: Runtime
    cascade: Cascade
    sender: Person
    now: datetime

    @classmethod
    def of(cls, session: Session, runtime: Runtime, cascade: Cascade) -> Chain:
        sender = session.get(Person, cascade.sender_id)
        assert sender is not None
        return cls(session, runtime, cascade, sender, runtime.clock.now())

    @property
    def id(self) -> int:
        assert self.cascade.id is not None
        return self.cascade.id

    def in_audience(self, person: Person) -> bool:
        return (
            person.active
            and person.id != self.sender.id
            and person.path.startswith(self.sender.path)
        )

    def _send(self, person: Person, message_key_: str, render: Render, kind: str) -> None:
        """Queue ``render()`` for ``person``, written in their language."""
        send_later(
            self.session,
            self.runtime,
            person,
            render,
            key=message_key_,
            kind=kind,
        )

    # --- reaching people --------------------------------------------------------------

    def open_link(self, manager: Person, level: int) -> CascadeLink:
        """The manager's link, created pending (their relay window starts now) if new."""
        calendar = calendar_for(manager, self.runtime.settings.work_week)
        nudge_at, due_at = relay_deadlines(self.now, self.cascade.window_days, calendar)
        insert_ignore(
            self.session,
            CascadeLink,
            {
                "cascade_id": self.id,
                "manager_id": manager.id,
                "level": level,
                "status": "pending",
                "since": self.now,
                "nudge_at": nudge_at,
                "due_at": due_at,
                "nudged": False,
            },
        )
        link = self.link_of(row_id(manager.id))
        assert link is not None  # inserted just now, or there before
        return link

    def link_of(self, manager_id: int) -> CascadeLink | None:
        return self.session.exec(
            select(CascadeLink).where(
                CascadeLink.cascade_id == self.id, CascadeLink.manager_id == manager_id
            )
        ).first()

    def reach(
        self, targets: Sequence[Person], *, how: str, via: Person, via_link: CascadeLink
    ) -> int:
        """Give the cascade to each target not reached before; returns how many were new."""
        targets = [p for p in targets if self.in_audience(p)]
        if not targets:
            return 0
        managers = managers_among(self.session, [row_id(p.id) for p in targets])
        level = via_link.level + 1
        note = via_link.note if how == "relay" else None
        reached = 0
        for person in targets:
            key = message_key(row_id(self.id), row_id(person.id))
            new = insert_ignore(
                self.session,
                CascadeReceipt,
                {
                    "cascade_id": self.id,
                    "person_id": person.id,
                    "how": how,
                    "via_id": via.id,
                    "level": level,
                    "reached_at": self.now,
                    "outbox_key": key,
                },
            )
            if not new:
                continue
            link = self.open_link(person, level) if person.id in managers else None
            message = partial(
                cascade_message,
                self.cascade,
                self.sender,
                person,
                how=how,
                via=via,
                note=note,
                link=link,
            )
            self._send(person, key, message, "cascade.message")
            reached += 1
        return reached

    # --- what managers do, and what happens when they don't ----------------------------

    def _close_link(self, link: CascadeLink, status: str, **values: object) -> bool:
        """Move a pending link on, once: a conditional UPDATE, so racing clicks/ticks lose."""
        done = self.session.exec(
            update(CascadeLink)
            .where(col(CascadeLink.id) == link.id, col(CascadeLink.status) == "pending")
            .values(status=status, acted_at=self.now, **values)
        ).rowcount
        if done:
            self.session.refresh(link)
        return bool(done)

    def relay(self, link: CascadeLink, manager: Person, note: str) -> int | None:
        """The manager's personal relay; None when the link was no longer pending."""
        if not self._close_link(link, "relayed", note=note):
            return None
        self.session.exec(
            update(CascadeReceipt)
            .where(
                col(CascadeReceipt.cascade_id) == self.id,
                col(CascadeReceipt.person_id) == manager.id,
                col(CascadeReceipt.acknowledged_at).is_(None),
            )
            .values(acknowledged_at=self.now)  # relaying it is the strongest acknowledgement
        )
        return self.reach(
            active_reports(self.session, row_id(manager.id)),
            how="relay",
            via=manager,
            via_link=link,
        )

    def escalate(self, link: CascadeLink) -> int:
        """The window ended: the stalled manager's reports get it directly; both the manager
        and the manager's own manager are told. Links below start their windows now."""
        if not self._close_link(link, "escalated"):
            return 0
        manager = self.session.get(Person, link.manager_id)
        assert manager is not None
        count = self.reach(
            active_reports(self.session, row_id(manager.id)),
            how="escalation",
            via=manager,
            via_link=link,
        )
        if count == 0:  # nobody was waiting below them (their team moved or left)
            return 0
        boss = self.session.get(Person, manager.manager_id) if manager.manager_id else None
        if boss is None or not boss.active:
            boss = self.sender
        values = {
            "manager": manager.name,
            "title": self.cascade.title,
            "days": self.cascade.window_days,
            "count": count,
        }
        self._send(
            boss,
            f"cascade:{self.id}:escalated:{link.id}",
            partial(notice, "escalated_to_boss", **values),
            "cascade.escalation",
        )
        self._send(
            manager,
            f"cascade:{self.id}:escalated-you:{link.id}",
            partial(notice, "escalated_to_you", **values),
            "cascade.escalation",
        )
        return count

    def pass_on(self, link: CascadeLink, leaver: Person) -> None:
        """A pending manager left: their link passes to whoever reached them (their manager
        then), who is told; their former team is reached through its new manager's link."""
        receipt = self.session.exec(
            select(CascadeReceipt).where(
                CascadeReceipt.cascade_id == self.id, CascadeReceipt.person_id == leaver.id
            )
        ).first()
        heir = self.session.get(Person, receipt.via_id) if receipt else None
        if heir is None or not heir.active:
            heir = self.sender
        if self._close_link(link, "passed", passed_to_id=heir.id):
            self._send(
                heir,
                f"cascade:{self.id}:passed:{link.id}",
                partial(notice, "link_passed", manager=leaver.name, title=self.cascade.title),
                "cascade.passed",
            )

    # --- the watch, run on each scheduler tick -------------------------------------------

    def watch(self) -> dict[str, int]:
        """Everything due for this cascade now, in an order where each step sees the last."""
        counts = {
            "passed": self._pass_leavers(),
            "joined": self._reach_joiners(),
            "new_links": self._open_new_links(),
            "nudged": self._nudge(),
            "escalated": self._escalate_due(),
        }
        pending = self.session.exec(
            select(CascadeLink.id).where(
                CascadeLink.cascade_id == self.id, CascadeLink.status == "pending"
            )
        ).first()
        if pending is None and self.now >= closes_at(self.cascade):
            self.cascade.status = "closed"
            self.session.add(self.cascade)
        return counts

    def _pending_links(self, *where) -> list[tuple[CascadeLink, Person]]:
        return list(
            self.session.exec(
                select(CascadeLink, Person)
                .join(Person, col(Person.id) == col(CascadeLink.manager_id))
                .where(CascadeLink.cascade_id == self.id, CascadeLink.status == "pending", *where)
                .order_by(col(CascadeLink.id))
            ).all()
        )

    def _pass_leavers(self) -> int:
        leavers = self._pending_links(col(Person.active).is_(False))
        for link, leaver in leavers:
            self.pass_on(link, leaver)
        return len(leavers)

    def _reach_joiners(self) -> int:
        """Active people in the subtree, not reached, whose manager has already relayed (or
        was escalated): a new joiner, or someone moved under that manager."""
        rows = self.session.exec(
            select(Person, CascadeLink)
            .join(
                CascadeLink,
                and_(
                    col(CascadeLink.manager_id) == col(Person.manager_id),
                    col(CascadeLink.cascade_id) == self.id,
                    col(CascadeLink.status).in_(("relayed", "escalated")),
                ),
            )
            .outerjoin(
                CascadeReceipt,
                and_(
                    col(CascadeReceipt.cascade_id) == self.id,
                    col(CascadeReceipt.person_id) == col(Person.id),
                ),
            )
            .where(
                col(CascadeReceipt.id).is_(None),
                col(Person.active).is_(True),
                col(Person.path).startswith(self.sender.path),
                Person.id != self.sender.id,
            )
            .order_by(col(Person.id))
        ).all()
        by_link: dict[int, list[Person]] = defaultdict(list)
        links: dict[int, CascadeLink] = {}
        for person, link in rows:
            by_link[row_id(link.id)].append(person)
            links[row_id(link.id)] = link
        reached = 0
        for link_id, joiners in by_link.items():
            link = links[link_id]
            manager = self.session.get(Person, link.manager_id)
            assert manager is not None  # link.manager_id is a foreign key to person
            how = "relay" if link.status == "relayed" else "escalation"
            reached += self.reach(joiners, how=how, via=manager, via_link=link)
        return reached

    def _open_new_links(self) -> int:
        """Someone reached without a team who now has one: they become a link, asked to relay."""
        child = aliased(Person)
        rows = self.session.exec(
            select(Person, CascadeReceipt)
            .join(CascadeReceipt, col(CascadeReceipt.person_id) == col(Person.id))
            .where(
                CascadeReceipt.cascade_id == self.id,
                col(Person.active).is_(True),
                exists().where(col(child.manager_id) == Person.id, col(child.active).is_(True)),
                ~exists().where(
                    col(CascadeLink.cascade_id) == self.id,
                    col(CascadeLink.manager_id) == col(Person.id),
                ),
            )
        ).all()
        for person, receipt in rows:
            link = self.open_link(person, receipt.level)
            self._send(
                person,
                f"cascade:{self.id}:new-team:{person.id}",
                partial(relay_request, self.cascade, self.sender, person, link, "new_team"),
                "cascade.relay_request",
            )
        return len(rows)

    def _nudge(self) -> int:
        due = self._pending_links(*_to_nudge(self.now), col(CascadeLink.nudge_at) <= self.now)
        for link, manager in due:
            self._send(
                manager,
                f"cascade:{self.id}:nudge:{manager.id}",
                partial(relay_request, self.cascade, self.sender, manager, link, "nudge"),
                "cascade.nudge",
            )
            link.nudged = True
            self.session.add(link)
        return len(due)

    def _escalate_due(self) -> int:
        due = self._pending_links(*_to_escalate(), col(CascadeLink.due_at) <= self.now)
        for link, _manager in due:
            self.escalate(link)
        return len(due)


def start(
    session: Session,
    runtime: Runtime,
    sender: Person,
    *,
    title: str,
    body: str,
    customer_line: str | None,
    window_days: int,
    send_at: datetime | None = None,
    local_time: str | None = None,
) -> tuple[Cascade, int]:
    """Create the cascade and reach the sender's direct reports (inputs already checked).

    With ``send_at`` and/or ``local_time`` it is only scheduled: nothing is sent now, the
    sender's link waits as ``scheduled`` and the tick releases it (``release``)."""
    now = runtime.clock.now()
    scheduled = send_at is not None or local_time is not None
    cascade = Cascade(
        sender_id=row_id(sender.id),
        title=title,
        body=body,
        customer_line=customer_line,
        window_days=window_days,
        created_at=now,
        status="scheduled" if scheduled else "running",
        send_at=(send_at or now) if scheduled else None,
        local_time=local_time,
    )
    session.add(cascade)
    session.flush()
    root = CascadeLink(
        cascade_id=row_id(cascade.id),
        manager_id=row_id(sender.id),
        level=0,
        status="scheduled" if scheduled else "relayed",
        since=now,
        nudge_at=now,
        due_at=now,
        acted_at=None if scheduled else now,
    )
    session.add(root)
    session.flush()
    if scheduled:
        return cascade, 0
    return cascade, _reach_direct_reports(session, runtime, cascade, sender, root, now)


def _reach_direct_reports(
    session: Session,
    runtime: Runtime,
    cascade: Cascade,
    sender: Person,
    root: CascadeLink,
    now: datetime,
) -> int:
    chain = Chain(session, runtime, cascade, sender, now)
    return chain.reach(
        active_reports(session, row_id(sender.id)),
        how="relay",
        via=sender,
        via_link=root,
    )


def draft(
    session: Session,
    runtime: Runtime,
    sender: Person,
    *,
    title: str,
    body: str,
    customer_line: str | None,
    window_days: int,
    send_at: datetime | None = None,
    local_time: str | None = None,
) -> Cascade:
    """A cascade the sender is previewing: nothing is sent until ``launch`` (which, with
    ``send_at`` and/or ``local_time``, schedules it as ``start`` does)."""
    now = runtime.clock.now()
    scheduled = send_at is not None or local_time is not None
    cascade = Cascade(
        sender_id=row_id(sender.id),
        title=title,
        body=body,
        customer_line=customer_line,
        window_days=window_days,
        created_at=now,
        status="draft",
        send_at=(send_at or now) if scheduled else None,
        local_time=local_time,
    )
    session.add(cascade)
    session.flush()
    return cascade


def launch(session: Session, runtime: Runtime, cascade: Cascade, sender: Person) -> int | None:
    """Send a draft now, or schedule it when it carries a send time (the tick releases it,
    see ``release``); once: a second click finds it no longer a draft and gets None."""
    now = runtime.clock.now()
    scheduled = cascade.send_at is not None or cascade.local_time is not None
    claimed = session.exec(
        update(Cascade)
        .where(col(Cascade.id) == cascade.id, col(Cascade.status) == "draft")
        .values(status="scheduled" if scheduled else "running", created_at=now)
    ).rowcount
    if not claimed:
        return None
    session.refresh(cascade)
    root = CascadeLink(
        cascade_id=row_id(cascade.id),
        manager_id=row_id(sender.id),
        level=0,
        status="scheduled" if scheduled else "relayed",
        since=now,
        nudge_at=now,
        due_at=now,
        acted_at=None if scheduled else now,
    )
    session.add(root)
    session.flush()
    if scheduled:
        return 0
    return _reach_direct_reports(session, runtime, cascade, sender, root, now)


def arrival(cascade: Cascade, person: Person, work_week: str) -> datetime:
    """When a scheduled cascade reaches one of the sender's direct reports: ``send_at``, or
    with ``local_time`` that time of their own day, on their first working day from the local
    date of ``send_at`` on whose ``local_time`` is not before ``send_at``."""
    assert cascade.send_at is not None
    if cascade.local_time is None:
        return cascade.send_at
    calendar = calendar_for(person, work_week)
    day = calendar.local_day(cascade.send_at)
    for _ in range(400):
        day = calendar.next_working_day(day)
        when = local_instant(day, cascade.local_time, person.timezone)
        if when >= cascade.send_at:
            return when.astimezone(cascade.send_at.tzinfo)
        day += timedelta(days=1)
    return cascade.send_at


def release(session: Session, runtime: Runtime, cascade: Cascade) -> int:
    """Reach each of the sender's direct reports whose arrival time has come; once all have,
    the sender's link counts as relayed (joiners are then reached as usual)."""
    chain = Chain.of(session, runtime, cascade)
    root = chain.link_of(row_id(chain.sender.id))
    if root is None or root.status != "scheduled":
        return 0
    work_week = runtime.settings.work_week
    due, waiting = [], 0
    for person in active_reports(session, row_id(chain.sender.id)):
        if arrival(cascade, person, work_week) <= chain.now:
            due.append(person)
        else:
            waiting += 1
    reached = chain.reach(due, how="relay", via=chain.sender, via_link=root) if due else 0
    if due and cascade.status == "scheduled":
        cascade.status = "running"
        cascade.created_at = chain.now
        session.add(cascade)
    if not waiting:
        root.status, root.acted_at = "relayed", chain.now
        session.add(root)
        if cascade.status == "scheduled":  # nobody left to send to: it went nowhere
            cascade.status = "running"
            session.add(cascade)
    return reached


def cancel(session: Session, cascade: Cascade) -> bool:
    """Cancel a scheduled cascade before anything went out; False when it already did."""
    done = session.exec(
        update(Cascade)
        .where(col(Cascade.id) == cascade.id, col(Cascade.status) == "scheduled")
        .values(status="cancelled")
    ).rowcount
    if done:
        session.refresh(cascade)
    return bool(done)


def tick(runtime: Runtime) -> dict[str, int]:
    """Watch every running cascade, each in its own transaction."""
    totals: dict[str, int] = defaultdict(int)
    # one transaction for the drafts and what to watch: most ticks find nothing else to do
    with runtime.db.session() as session:
        session.exec(delete(Cascade).where(_draft_expiry(runtime.clock.now())))
        waiting = list(
            session.exec(
                select(Cascade.id)
                .join(CascadeLink, col(CascadeLink.cascade_id) == col(Cascade.id))
                .where(
                    col(Cascade.status).in_(("scheduled", "running")),
                    CascadeLink.level == 0,
                    CascadeLink.status == "scheduled",
                    col(Cascade.send_at) <= runtime.clock.now() + timedelta(days=1),
                )
            ).all()
        )
        if not waiting:  # else read after the releases, which start cascades running
            ids = list(session.exec(select(Cascade.id).where(Cascade.status == "running")).all())
    for cascade_id in waiting:
        with runtime.db.session() as session:
            cascade = session.get(Cascade, cascade_id)
            if cascade is not None and cascade.status in ("scheduled", "running"):
                totals["released"] += release(session, runtime, cascade)
    if waiting:
        with runtime.db.session() as session:
            ids = list(session.exec(select(Cascade.id).where(Cascade.status == "running")).all())
    for cascade_id in ids:
        with runtime.db.session() as session:
            cascade = session.get(Cascade, cascade_id)
            if cascade is None or cascade.status != "running":
                continue
            for name, count in Chain.of(session, runtime, cascade).watch().items():
                totals[name] += count
    return dict(totals)


def next_due(session: Session, runtime: Runtime, now: datetime) -> datetime | None:
    """The earliest moment from ``now`` on when ``tick`` could have work, the database staying
    as it is (None: not before something is written). Leavers, joiners and new links change
    only with the people (a write); the rest falls due at times the database holds: a draft's
    expiry, a scheduled cascade's arrivals, a pending link's nudge and escalation, a close."""
    times: list[datetime] = []
    draft = session.exec(
        select(func.min(Cascade.created_at)).where(col(Cascade.status) == "draft")
    ).one()
    if draft is not None:
        times.append(draft + DRAFTS + timedelta(microseconds=1))
    scheduled = session.exec(
        select(Cascade)
        .join(CascadeLink, col(CascadeLink.cascade_id) == col(Cascade.id))
        .where(
            col(Cascade.status).in_(("scheduled", "running")),
            CascadeLink.level == 0,
            CascadeLink.status == "scheduled",
        )
    ).all()
    work_week = runtime.settings.work_week
    for cascade in scheduled:
        times.extend(
            at
            for person in active_reports(session, cascade.sender_id)
            if (at := arrival(cascade, person, work_week)) > now
        )
    running = col(Cascade.status) == "running"
    nudge, escalate = session.exec(
        select(
            select(func.min(CascadeLink.nudge_at))
            .join(Person, col(Person.id) == col(CascadeLink.manager_id))
            .join(Cascade, col(Cascade.id) == col(CascadeLink.cascade_id))
            .where(running, CascadeLink.status == "pending", *_to_nudge(now))
            .scalar_subquery(),
            select(func.min(CascadeLink.due_at))
            .join(Person, col(Person.id) == col(CascadeLink.manager_id))
            .join(Cascade, col(Cascade.id) == col(CascadeLink.cascade_id))
            .where(running, CascadeLink.status == "pending", *_to_escalate())
            .scalar_subquery(),
        )
    ).one()
    times.extend(t for t in (nudge, escalate) if t is not None)
    for cascade in session.exec(select(Cascade).where(running)):
        if closes_at(cascade) > now:  # else closed already, or waiting for its pending links
            times.append(closes_at(cascade))
    return max(now, min(times)) if times else None
