"""The delivery worker: claim due outbox rows, send them through a platform, record each outcome.

Rows are claimed in short transactions (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several
workers share the load) for ``CLAIM_SECONDS``, a claim its worker renews every
``RENEW_SECONDS`` while the send is in flight; so a dead worker's rows are taken over within
``CLAIM_SECONDS`` (plus one poll). Each outcome is written as soon as the platform answers,
by a recorder that retries while the database is briefly away. A "sending" row whose claim ran
out is *in doubt* (its worker may have sent it): the next worker tells the platform
(``Address.in_doubt``), and Slack looks for the row's key in the DM before sending again.
With limits shared by several instances (PostgreSQL), the claims also keep each person's
spacing (a Slack DM channel's one message a second, a Teams conversation's rate) between
them: see ``claim``.

``DeliveryWorker`` runs continuously inside ``culturebot run``: it claims as soon as a send
slot is free and rows are due (woken at once by the commit that queued them), and stops
gracefully: sends in flight finish within the shutdown time, every claim is released.
``deliver_due`` is one pass of the same claim, send and record, for tests and the console.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
import zlib
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple, Protocol, TypeVar

from sqlalchemy import (
    Connection,
    Integer,
    bindparam,
    delete,
    literal_column,
    not_,
    text,
    update,
)
from sqlalchemy import select as sa_select
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.sql import Select
from sqlmodel import Session, col, select

from bot.core.chat import Message
from bot.core.runtime import Runtime
from bot.delivery.ratelimit import Reserve
from storage import outbox, rate_budget
from storage.models import Identity, Outbox
from storage.types import table_of

log = logging.getLogger(__name__)

CLAIM_SECONDS = 30.0  # a claim not renewed for this long is taken over by another worker
RENEW_SECONDS = 10.0  # how often a worker renews the claims of its sends in flight
RECORD_LINGER = 0.05  # seconds an outcome may wait for others to share its transaction
IDLE_POLL = 2.0  # the longest wait between claims while nothing is due (unless woken)
MAX_HOLD = 100  # at most this many rows claimed by one worker at a time
DUE = ("pending", "sending")
DB_DOWN = (OperationalError, DBAPIError)


@dataclass(frozen=True)
class Address:
    """Where a person is on one platform, and which outbox row the message is: ``key`` is its
    idempotency key; ``in_doubt`` says a worker died between sending it and recording the
    outcome, so a platform that can look (Slack) checks whether it went before sending."""

    person_id: int
    external_id: str
    conversation_ref: str | None = None
    key: str = ""
    in_doubt: bool = False
    channel: str | None = None  # post in this conversation, not the person's DM


class DeliveryError(Exception):
    """A send that failed. ``retry_after`` (seconds) when the platform said when to retry;
    ``unreachable`` when the person cannot be reached there (blocked, never installed);
    ``permanent`` when retrying cannot help; ``in_doubt`` when the message may have gone (the
    request was written but its answer never came), so the row is retried in doubt: a
    platform that can look (Slack) checks before sending it again."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        unreachable: bool = False,
        permanent: bool = False,
        in_doubt: bool = False,
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.unreachable = unreachable
        self.permanent = permanent
        self.in_doubt = in_doubt


class Platform(Protocol):
    """What the delivery worker needs of a chat platform."""

    name: str

    async def send(self, address: Address, message: Message) -> str:
        """Send and return the platform's reference for the message (to update it later)."""
        ...


@dataclass
class DeliveryStats:
    sent: int = 0
    retried: int = 0
    dead: int = 0
    unreachable: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: DeliveryStats) -> None:
        self.sent += other.sent
        self.retried += other.retried
        self.dead += other.dead
        self.unreachable += other.unreachable
        self.errors.extend(other.errors)


def backoff(attempt: int, *, first: float = 2.0, cap: float = 900.0) -> float:
    """Exponential backoff with jitter: up to ``first`` seconds after attempt 1, doubling
    each time up to ``cap``; the jitter (50-100%) keeps retries from moving in step."""
    return random.uniform(0.5, 1.0) * min(cap, first * 2 ** (attempt - 1))


def db_retry_wait(runtime: Runtime, failures: int) -> float:
    """Seconds to wait after ``failures`` tries in a row found the database away: a quarter of
    a second doubling, up to CULTUREBOT_DB_RETRY_MAX_SECONDS."""
    return min(runtime.settings.db_retry_max_seconds, 0.25 * 2 ** min(failures, 10))


def shares_limits(runtime: Runtime) -> bool:
    """Whether this process shares the send limits with every instance on its database
    (CULTUREBOT_SHARED_LIMITS: "on"; "auto", the default, shares on PostgreSQL, where several
    can run; SQLite is for one process)."""
    mode = runtime.settings.shared_limits
    return mode == "on" or (mode == "auto" and runtime.db.url.startswith("postgresql"))


def shared_reserve(runtime: Runtime) -> Reserve | None:
    """How a platform reserves send times on the ceiling every instance on this database
    shares (bot.delivery.ratelimit.SharedBudget); None when limits are per process."""
    if not shares_limits(runtime):
        return None

    async def reserve(name: str, count: int, gap: float, now: float, pause: float) -> float:
        return await asyncio.to_thread(
            rate_budget.reserve, runtime.db, name, count, gap, now, pause
        )

    return reserve


def person_spacing(runtime: Runtime, platform: Platform) -> float | None:
    """The least time between two sends to one person (a Slack DM channel, a Teams
    conversation) that claims keep across every instance (see ``claim``); None when limits
    are per process, where the platform's own per-person limiter keeps it."""
    spacing = float(getattr(platform, "person_spacing", 0) or 0)
    return spacing if spacing > 0 and shares_limits(runtime) else None


def new_worker_id() -> str:
    return uuid.uuid4().hex


class Claimed(NamedTuple):
    """One claimed row, as plain values (no ORM object, not even a frozen dataclass, whose
    every field is set through ``object.__setattr__``: a claim reads hundreds a second), with
    the person's identity on the platform (``external_id`` None when they have none)."""

    id: int
    person_id: int
    key: str
    payload: str
    in_doubt: bool
    external_id: str | None = None
    conversation_ref: str | None = None
    unreachable: bool = False
    channel: str | None = None


OUTBOX = table_of(Outbox)
IDENTITY = table_of(Identity)


def due_rows(platform: str, now: datetime, limit: int) -> Select:
    """The rows a claim takes: due on ``platform``, oldest due first, locked (skipping rows
    another worker is claiming). Its WHERE matches the partial index ``ix_outbox_due``: the
    states are written into the SQL as literals, because SQLite uses a partial index only when
    it can see the query's WHERE implies the index's, which a bound parameter never does (it
    scanned the whole outbox instead: 1.4 s a claim with a year of history)."""
    return _DUE.params(platform=platform, now=now, limit=limit)


# The claim's statements are built once: building one costs more than running it (a claim of
# a few rows spent most of its time in SQLAlchemy constructing and keying its statements).
_DUE = (
    sa_select(
        OUTBOX.c.id,
        OUTBOX.c.person_id,
        OUTBOX.c.idempotency_key,
        OUTBOX.c.payload,
        OUTBOX.c.status,
        OUTBOX.c.channel,
    )
    .where(
        OUTBOX.c.platform == bindparam("platform"),
        OUTBOX.c.status.in_(bindparam("due_states", DUE, literal_execute=True)),
        OUTBOX.c.next_attempt_at <= bindparam("now"),
    )
    .order_by(OUTBOX.c.next_attempt_at, OUTBOX.c.id)
    .limit(bindparam("limit", type_=Integer))
    .with_for_update(skip_locked=True)
)
_DUE_FOR_PERSON = _DUE.where(OUTBOX.c.person_id == bindparam("person_id"))
# A person's row is not claimed while another of theirs is being sent (an unexpired claim)
# nor within the spacing after the last one sent on that platform: so two instances never
# send to one DM channel or conversation at once. Each test probes a partial index by person
# (ix_outbox_claimed_person, ix_outbox_sent_person), its WHERE written as literals as in _DUE.
_BUSY, _RECENT = OUTBOX.alias("busy"), OUTBOX.alias("recent")


def _none_of_theirs(alias: Any, *where: Any) -> Any:
    """NOT EXISTS a row of the claimed row's person (and platform) in ``alias`` matching
    ``where``. ``OFFSET 0`` keeps PostgreSQL from turning it into an anti-join, which read
    every sent row in history once per claim (120 ms with a year of it); kept a subquery,
    it is one index probe by person for each row the claim looks at."""
    return ~(
        sa_select(literal_column("1"))
        .select_from(alias)
        .where(alias.c.person_id == OUTBOX.c.person_id, alias.c.platform == OUTBOX.c.platform)
        .where(*where)
        .offset(literal_column("0"))
        .exists()
    )


_DUE_SPACED = _DUE.where(
    _none_of_theirs(
        _BUSY,
        _BUSY.c.claimed_by.is_not(None),  # "sending", claimed by a worker (or in doubt)
        _BUSY.c.next_attempt_at > bindparam("now"),  # and not in doubt
    ),
    _none_of_theirs(
        _RECENT,
        _RECENT.c.status == literal_column("'sent'"),
        _RECENT.c.sent_at > bindparam("since", type_=OUTBOX.c.sent_at.type),
    ),
)
_IDENTITIES = sa_select(
    IDENTITY.c.person_id,
    IDENTITY.c.external_id,
    IDENTITY.c.conversation_ref,
    IDENTITY.c.unreachable,
).where(
    IDENTITY.c.platform == bindparam("platform"),
    IDENTITY.c.person_id.in_(bindparam("people", expanding=True)),
)
_CLAIM = (
    update(OUTBOX)
    .where(OUTBOX.c.id.in_(bindparam("ids", expanding=True)))
    .values(
        status="sending",
        claimed_by=bindparam("worker", type_=OUTBOX.c.claimed_by.type),
        next_attempt_at=bindparam("until", type_=OUTBOX.c.next_attempt_at.type),
    )
)


def claim(
    runtime: Runtime,
    platform: str,
    worker: str,
    limit: int,
    person_id: int | None = None,
    claim_seconds: float = CLAIM_SECONDS,
    spacing: float | None = None,
) -> list[Claimed]:
    """Claim up to ``limit`` due rows for ``worker``. Reads only the partial index of rows
    still to send (``ix_outbox_due``), oldest due first; three statements whatever the count.

    With ``spacing`` (limits shared by several instances, see ``person_spacing``) it claims at
    most one row per person, none of a person with a row being sent or sent less than
    ``spacing`` seconds ago. On PostgreSQL the claims on one platform take turns (a lock held
    for the claim's transaction): two at once could otherwise each lock a different row of one
    person and both find nobody sending to them."""
    now = runtime.clock.now()
    with runtime.db.engine.begin() as conn:
        due = {"platform": platform, "now": now, "limit": limit}
        if person_id is not None:
            rows = conn.execute(_DUE_FOR_PERSON, {**due, "person_id": person_id}).all()
        elif spacing is None:
            rows = conn.execute(_DUE, due).all()
        else:
            if conn.dialect.name == "postgresql":
                conn.execute(_TAKE_TURNS, {"key": _turn_key(platform)})
            since = now - timedelta(seconds=spacing)
            rows = _first_per_person(conn.execute(_DUE_SPACED, {**due, "since": since}).all())
        if not rows:
            return []
        people = sorted({row.person_id for row in rows})
        identities = {
            person: (external_id, conversation_ref, bool(unreachable))
            for person, external_id, conversation_ref, unreachable in conn.execute(
                _IDENTITIES, {"platform": platform, "people": people}
            ).all()
        }
        until = now + timedelta(seconds=claim_seconds)
        conn.execute(_CLAIM, {"ids": [row.id for row in rows], "worker": worker, "until": until})
    return [
        Claimed(
            row.id,
            row.person_id,
            row.idempotency_key,
            row.payload,
            row.status == "sending",
            *identities.get(row.person_id, (None, None, False)),
            channel=row.channel,
        )
        for row in rows
    ]


_TAKE_TURNS = text("SELECT pg_advisory_xact_lock(:key)")


def _turn_key(platform: str) -> int:
    """The advisory lock the claims on ``platform`` take turns on (the same in every process)."""
    return zlib.crc32(f"culturebot.claim.{platform}".encode())


class _OfPerson(Protocol):
    person_id: int


_Due = TypeVar("_Due", bound=_OfPerson)


def _first_per_person(rows: Sequence[_Due]) -> list[_Due]:
    """The first (oldest due) row of each person; the others wait for their spacing."""
    seen: set[int] = set()
    first: list[_Due] = []
    for row in rows:
        if row.person_id not in seen:
            seen.add(row.person_id)
            first.append(row)
    return first


def renew(runtime: Runtime, worker: str, claim_seconds: float = CLAIM_SECONDS) -> int:
    """Extend every claim ``worker`` holds; the number of rows renewed."""
    until = runtime.clock.now() + timedelta(seconds=claim_seconds)
    with runtime.db.session() as session:
        done = session.connection().execute(
            update(Outbox)
            .where(col(Outbox.status) == "sending", col(Outbox.claimed_by) == worker)
            .values(next_attempt_at=until)
        )
        return int(done.rowcount or 0)


def release(runtime: Runtime, worker: str, ids: list[int], *, in_doubt: bool) -> int:
    """Give rows ``worker`` claimed back at once: not started (``in_doubt`` False) they are
    plain pending again; cut off mid-send they stay "sending", to be checked before resending."""
    if not ids:
        return 0
    with runtime.db.session() as session:
        done = session.connection().execute(
            update(Outbox)
            .where(
                col(Outbox.id).in_(ids),
                col(Outbox.status) == "sending",
                col(Outbox.claimed_by) == worker,
            )
            .values(
                status="sending" if in_doubt else "pending",
                claimed_by=None,
                next_attempt_at=runtime.clock.now(),
            )
        )
        return int(done.rowcount or 0)


Outcome = tuple[int, str | None, Exception | None]


_SENT = (
    update(OUTBOX)
    .where(
        OUTBOX.c.id == bindparam("row_id"),
        OUTBOX.c.status == "sending",
        OUTBOX.c.claimed_by == bindparam("worker"),
    )
    .values(
        status="sent",
        sent_at=bindparam("now", type_=OUTBOX.c.sent_at.type),
        platform_ref=bindparam("ref", type_=OUTBOX.c.platform_ref.type),
        last_error=None,
        claimed_by=None,
        attempts=OUTBOX.c.attempts + 1,
    )
)


def _mark_sent(conn: Connection, sent: Sequence[Mapping[str, object]]) -> int:
    """Mark rows sent in one executemany; how many were still ours to mark."""
    if not sent:
        return 0
    done = conn.execute(_SENT, sent)
    return int(done.rowcount or 0) if done.rowcount not in (None, -1) else len(sent)


def record(runtime: Runtime, worker: str, outcomes: list[Outcome]) -> DeliveryStats:
    """Write outcomes of ``worker``'s sends in one transaction. A row another worker took over
    meanwhile (our claim ran out) is left to it."""
    stats = DeliveryStats()
    now = runtime.clock.now()
    max_attempts = runtime.settings.max_delivery_attempts
    sent = [
        {"row_id": row_id, "ref": ref, "now": now, "worker": worker}
        for row_id, ref, error in outcomes
        if error is None
    ]
    failed = [outcome for outcome in outcomes if outcome[2] is not None]
    if not failed:  # the common case: one executemany on a plain connection, no ORM session
        with runtime.db.engine.begin() as conn:
            stats.sent += _mark_sent(conn, sent)
        return stats
    with runtime.db.session() as session:
        if sent:
            stats.sent += _mark_sent(session.connection(), sent)
        ids = [row_id for row_id, _ref, _error in failed]
        fresh = (
            {r.id: r for r in session.exec(select(Outbox).where(col(Outbox.id).in_(ids)))}
            if ids
            else {}
        )
        for row_id, _ref, error in failed:
            row = fresh.get(row_id)
            if row is None or row.status != "sending" or row.claimed_by != worker:
                continue
            row.attempts += 1
            row.claimed_by = None
            if isinstance(error, DeliveryError) and error.unreachable:
                row.status, row.last_error = "unreachable", str(error)
                _mark_unreachable(session, row, str(error))
                stats.unreachable += 1
            elif (
                isinstance(error, DeliveryError) and error.permanent
            ) or row.attempts >= max_attempts:
                row.status, row.last_error = "dead", f"{type(error).__name__}: {error}"
                stats.dead += 1
                stats.errors.append(row.last_error)
                log.warning("outbox %s dead after %s attempts: %s", row.id, row.attempts, error)
            else:
                delay = (
                    error.retry_after
                    if isinstance(error, DeliveryError) and error.retry_after
                    else backoff(row.attempts)
                )
                # "sending" without a claim: due again, in doubt (see Claimed.in_doubt)
                doubt = isinstance(error, DeliveryError) and error.in_doubt
                row.status = "sending" if doubt else "pending"
                row.last_error = f"{type(error).__name__}: {error}"
                row.next_attempt_at = now + timedelta(seconds=delay)
                stats.retried += 1
            session.add(row)
    return stats


class Recorder:
    """Writes outcomes as they come, a few per transaction, and keeps them (retrying with
    backoff) while the database is away; ``blocked`` while some are waiting for it.

    ``linger``: how long the first outcome waits for others to share its transaction. An
    outcome not yet written when the process dies is sent again (unless the platform can
    check, as Slack does), so a platform that cannot check asks for 0: outcomes then share a
    transaction only when they arrive while the previous one is being written."""

    def __init__(
        self, runtime: Runtime, worker: str, platform: str, linger: float = RECORD_LINGER
    ) -> None:
        self.runtime = runtime
        self.worker = worker
        self.platform = platform
        self.linger = linger
        self.stats = DeliveryStats()
        self._queue: list[Outcome] = []
        self._more = asyncio.Event()
        self._empty = asyncio.Event()
        self._empty.set()
        self.failing = False

    def put(self, outcome: Outcome) -> None:
        self._queue.append(outcome)
        self._empty.clear()
        self._more.set()

    @property
    def blocked(self) -> bool:
        return self.failing and bool(self._queue)

    async def drained(self) -> None:
        await self._empty.wait()

    async def run(self) -> None:
        failures = 0
        while True:
            await self._more.wait()
            await asyncio.sleep(self.linger)  # a few outcomes per transaction, not one each
            self._more.clear()
            while self._queue:
                batch = list(self._queue)
                try:
                    stats = await asyncio.to_thread(record, self.runtime, self.worker, batch)
                except DB_DOWN as error:
                    failures += 1
                    if not self.failing:
                        log.warning(
                            "delivery: cannot record %s outcome(s), database unreachable (%s); "
                            "retrying",
                            len(batch),
                            type(error).__name__,
                        )
                    self.failing = True
                    await asyncio.sleep(db_retry_wait(self.runtime, failures))
                    continue
                if self.failing:
                    log.warning("delivery: database back; outcomes recorded")
                self.failing, failures = False, 0
                del self._queue[: len(batch)]
                self.stats.add(stats)
                _count(self.platform, stats)
            self._empty.set()


def _count(platform: str, stats: DeliveryStats) -> None:
    from bot.core import metrics

    metrics.count_send(platform, "sent", stats.sent)
    metrics.count_send(platform, "retry", stats.retried)
    metrics.count_send(platform, "dead", stats.dead)
    metrics.count_send(platform, "unreachable", stats.unreachable)


def _linger(platform: Platform) -> float:
    """The platform's ``record_linger`` (see Recorder), if it sets one."""
    return float(getattr(platform, "record_linger", RECORD_LINGER))


def _address(item: Claimed) -> Address:
    return Address(
        person_id=item.person_id,
        external_id=item.external_id or "",
        conversation_ref=item.conversation_ref,
        key=item.key,
        in_doubt=item.in_doubt,
        channel=item.channel,
    )


async def _send(platform: Platform, item: Claimed) -> Outcome:
    if platform.name != "console" and (item.external_id is None or item.unreachable):
        return item.id, None, DeliveryError("no reachable identity", unreachable=True)
    try:
        return item.id, await platform.send(_address(item), Message.from_json(item.payload)), None
    except Exception as error:  # recorded on the row, never lost
        return item.id, None, error


async def deliver_due(
    runtime: Runtime,
    platform: Platform,
    *,
    limit: int = 200,
    person_id: int | None = None,
    concurrency: int = 1,
) -> DeliveryStats:
    """Send what is due on ``platform`` (optionally only one person's): one claim of up to
    ``limit`` rows, each outcome recorded as soon as it is known."""
    worker = new_worker_id()
    claimed = await asyncio.to_thread(claim, runtime, platform.name, worker, limit, person_id)
    if not claimed:
        return DeliveryStats()
    recorder = Recorder(runtime, worker, platform.name, _linger(platform))
    writing = asyncio.create_task(recorder.run())
    gate = asyncio.Semaphore(concurrency)

    async def one(item: Claimed) -> None:
        async with gate:
            recorder.put(await _send(platform, item))

    try:
        await asyncio.gather(*(one(item) for item in claimed))
        await recorder.drained()
    finally:
        writing.cancel()
    return recorder.stats


class DeliveryWorker:
    """Delivers one platform's rows continuously until ``stop``.

    It holds at most ``hold`` rows at a time (its sends in flight, or a tenth of a second at
    the platform's ceiling when that is more), so claims are short and a crash leaves few rows
    in doubt; it claims as soon as half of that is free and rows are due, woken by
    ``wake`` (a commit in this process queued something) or else every ``poll`` seconds,
    backing off to ``IDLE_POLL`` while claims keep finding nothing.
    """

    def __init__(
        self,
        runtime: Runtime,
        platform: Platform,
        *,
        concurrency: int | None = None,
        poll: float = 0.25,
        claim_seconds: float | None = None,
        renew_seconds: float | None = None,
        on_outcome: Callable[[str, Outcome], None] | None = None,
    ) -> None:
        self.runtime = runtime
        self.platform = platform
        self.concurrency = concurrency or int(getattr(platform, "concurrency", 1))
        # rows held at once: the sends in flight, or a tenth of a second at the platform's
        # ceiling when that is more (fewer, larger claims at high rates); each is a row left in
        # doubt should this process die
        rate = float(getattr(platform, "rate", 0) or 0)
        self.hold = max(self.concurrency, min(MAX_HOLD, int(rate * 0.1)))
        self.batch = max(1, self.hold // 2)  # the fewest free places worth a claim
        self.poll = poll
        # CULTUREBOT_DELIVERY_CLAIM_SECONDS (CLAIM_SECONDS by default); renewed well within it
        self.claim_seconds = claim_seconds or runtime.settings.delivery_claim_seconds
        self.renew_seconds = renew_seconds or min(RENEW_SECONDS, self.claim_seconds / 3)
        self.spacing = person_spacing(runtime, platform)
        self.worker = new_worker_id()
        self.recorder = Recorder(runtime, self.worker, platform.name, _linger(platform))
        self.on_outcome = on_outcome
        self._wake = asyncio.Event()
        self._freed = asyncio.Event()
        self._stopping = False
        self._queue: deque[Claimed] = deque()  # claimed, not started yet
        # the senders (at most ``concurrency``), each with the row it is sending (None between)
        self._senders: dict[asyncio.Task[None], int | None] = {}
        self._in_flight = 0
        self._tasks: list[asyncio.Task[None]] = []
        self._main: asyncio.Task[None] | None = None
        self._unsubscribe: Callable[[], None] = lambda: None

    def wake(self) -> None:
        """Rows may be due now: claim without waiting for the next poll."""
        self._wake.set()

    def start(self) -> None:
        loop = asyncio.get_running_loop()

        def wake_soon() -> None:  # called from the committing thread
            loop.call_soon_threadsafe(self.wake)

        self._unsubscribe = outbox.on_enqueued(wake_soon)
        self._tasks = [
            asyncio.create_task(self.recorder.run()),
            asyncio.create_task(self._renew_loop()),
        ]
        self._main = asyncio.create_task(self._run())

    async def _renew_loop(self) -> None:
        while True:
            await asyncio.sleep(self.renew_seconds)
            if not self._held():
                continue
            try:
                await asyncio.to_thread(renew, self.runtime, self.worker, self.claim_seconds)
            except DB_DOWN:
                log.warning("delivery: could not renew claims, database unreachable")

    async def _run(self) -> None:
        failures = 0
        idle = self.poll
        batch = self.batch
        while not self._stopping:
            self._start_senders()  # (also replaces a sender that died)
            held = self._held()
            free = self.hold - held
            if free < batch and held or self.recorder.blocked:
                self._freed.clear()
                await _wait_any(self._freed, self._wake, timeout=self.poll)
                continue
            self._wake.clear()
            try:
                claimed = await asyncio.to_thread(
                    claim,
                    self.runtime,
                    self.platform.name,
                    self.worker,
                    free,
                    None,
                    self.claim_seconds,
                    self.spacing,
                )
                failures = 0
            except DB_DOWN as error:
                failures += 1
                if failures == 1:
                    log.warning(
                        "delivery through %s: database unreachable (%s); retrying",
                        self.platform.name,
                        type(error).__name__,
                    )
                await asyncio.sleep(db_retry_wait(self.runtime, failures))
                continue
            except Exception:
                log.exception("delivery through %s: claim failed", self.platform.name)
                await asyncio.sleep(self.poll)
                continue
            if self._stopping:  # stop came while claiming: give the rows straight back
                ids = [item.id for item in claimed]
                await asyncio.to_thread(release, self.runtime, self.worker, ids, in_doubt=False)
                break
            self._queue.extend(claimed)
            self._start_senders()
            if claimed:
                idle = self.poll
            else:
                await _wait_any(self._wake, timeout=idle)
                # nothing due: poll less often the longer it stays so (an idle process costs
                # next to nothing); a wake (this process queued rows) claims at once
                idle = self.poll if self._wake.is_set() else min(IDLE_POLL, idle * 2)

    def _held(self) -> int:
        """Rows this worker holds: claimed and not started, or being sent."""
        return len(self._queue) + self._in_flight

    def _start_senders(self) -> None:
        for _ in range(min(len(self._queue), self.concurrency - len(self._senders))):
            self._senders[asyncio.create_task(self._send_queued())] = None

    async def _send_queued(self) -> None:
        """One sender: sends claimed rows one after another until none is left (a few
        long-lived senders cost less than a task per row waiting on a semaphore)."""
        task = asyncio.current_task()
        assert task is not None
        try:
            while self._queue:
                item = self._queue.popleft()
                self._senders[task] = item.id
                self._in_flight += 1
                try:
                    outcome = await _send(self.platform, item)
                finally:
                    self._in_flight -= 1
                self._senders[task] = None
                self.recorder.put(outcome)
                if self.on_outcome is not None:
                    self.on_outcome(self.platform.name, outcome)
                if self.hold - self._held() >= self.batch:  # worth a claim: wake the loop
                    self._freed.set()
        finally:
            del self._senders[task]
            self._freed.set()

    async def stop(self, grace: float) -> None:
        """Stop claiming; let sends in flight finish within ``grace`` seconds; write their
        outcomes; give back every claim still held (a send cut off stays in doubt)."""
        self._stopping = True
        self._unsubscribe()
        self._wake.set()
        self._freed.set()
        deadline = time.monotonic() + grace
        if self._main is not None:
            await asyncio.wait({self._main}, timeout=max(0.0, deadline - time.monotonic()))
        senders = set(self._senders)  # they send what they hold within the grace time
        if senders:
            await asyncio.wait(senders, timeout=max(0.0, deadline - time.monotonic()))
        cut = [row_id for row_id in self._senders.values() if row_id is not None]
        self._queue.clear()  # never started: pending again (_release_all below)
        for task in list(self._senders):
            task.cancel()
        try:
            async with asyncio.timeout(max(1.0, deadline - time.monotonic())):
                await self.recorder.drained()
        except TimeoutError:
            log.warning("delivery: stopping with outcomes not written; those rows stay in doubt")
        for task in self._tasks:
            task.cancel()
        if self._main is not None:
            self._main.cancel()
        try:
            released = await asyncio.to_thread(
                release, self.runtime, self.worker, cut, in_doubt=True
            )
            released += await asyncio.to_thread(_release_all, self.runtime, self.worker)
            if released:
                log.info("delivery through %s: released %s claim(s)", self.platform.name, released)
        except DB_DOWN:
            log.warning(
                "delivery: could not release claims (database unreachable); they "
                "expire within %.0f s",
                self.claim_seconds,
            )


def _release_all(runtime: Runtime, worker: str) -> int:
    """Whatever ``worker`` still holds (a send that never started): pending again."""
    with runtime.db.session() as session:
        done = session.connection().execute(
            update(Outbox)
            .where(col(Outbox.status) == "sending", col(Outbox.claimed_by) == worker)
            .values(status="pending", claimed_by=None, next_attempt_at=runtime.clock.now())
        )
        return int(done.rowcount or 0)


async def _wait_any(*events: asyncio.Event, timeout: float) -> None:
    waiters = [asyncio.create_task(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


def prune_sent(runtime: Runtime, *, chunk: int = 5000) -> int:
    """Delete sent rows older than ``outbox_keep_days`` (cascade messages are kept: cascade
    reports count them). In chunks, so no transaction holds the table for long."""
    cutoff = runtime.clock.now() - timedelta(days=runtime.settings.outbox_keep_days)
    total = 0
    while True:
        with runtime.db.session() as session:
            ids = session.exec(
                select(Outbox.id)
                .where(
                    col(Outbox.status) == "sent",
                    col(Outbox.sent_at) < cutoff,
                    not_(col(Outbox.kind).startswith("cascade")),
                )
                .limit(chunk)
            ).all()
            if not ids:
                return total
            session.connection().execute(delete(Outbox).where(col(Outbox.id).in_(ids)))
            total += len(ids)


def _mark_unreachable(session: Session, row: Outbox, reason: str) -> None:
    identity = session.exec(
        select(Identity).where(
            Identity.person_id == row.person_id, Identity.platform == row.platform
        )
    ).first()
    if identity is not None:
        identity.unreachable = True
        identity.unreachable_reason = reason[:500]
        session.add(identity)
