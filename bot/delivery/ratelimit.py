"""The one rate limiter: Slack and Teams sends, the bot's own replies, and the ceiling that
several instances on one database share.

A platform counts the requests that *arrive* in any rolling window; we only know when ours
start and finish, and the time in between (threads, network, a busy loop) varies. So a request
holds its slot from its start until one window after it *finished*: its arrival lies in
between, and the next request to reuse the slot starts (so arrives) more than a window later.
Requests also start evenly spaced a little under the limit (``headroom``, 0.95 by default), so
a platform that counts with a token bucket and a small burst (Slack) sees an even stream, never
a burst, and it is our limiter, not the platform's 429s, that paces us. Burst-friendly token
buckets, or counting start times only, draw 429s from arrival jitter.

``SharedBudget`` adds the ceiling several instances share: each instance reserves short runs of
send times from one database row (``storage.rate_budget``), so the sum of all instances' sends
never passes the ceiling, however many there are. Time and sleeping are injected so tests move
a fake clock instead of waiting.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from typing import Any, Protocol

log = logging.getLogger(__name__)
Sleep = Callable[[float], Awaitable[None]]
POLL = 0.005  # how often to look again while every slot is held by a request in flight
# A reserved send time may be used this late (a busy loop, a slow wake-up) before it is
# dropped; at a high ceiling two gaps are microseconds, shorter than any wake-up.
LATE_FLOOR = 0.05
RESERVE_TIMEOUT = 2.0  # a shared reservation slower than this falls back to pacing alone


class Limiter(Protocol):
    """What a sender needs of a limiter: ``acquire`` waits for a slot and takes it, ``release``
    gives it back when the request finished (``slot()`` does both around a block)."""

    async def acquire(self) -> None: ...

    def release(self) -> None: ...

    def slot(self) -> Slot: ...

    def pause(self, seconds: float) -> None: ...


class Slot:
    """A limiter's slot for one request: ``async with`` waits for it, takes it, and gives it
    back when the request finished. A plain object rather than a generator context manager: a
    fan-out takes two for every message, and this costs a third as much."""

    __slots__ = ("_limiter",)

    def __init__(self, limiter: Limiter) -> None:
        self._limiter = limiter

    async def __aenter__(self) -> None:
        await self._limiter.acquire()

    async def __aexit__(self, *_exc: object) -> None:
        self._limiter.release()


class RateLimiter:
    """At most ``rate`` requests per second in any rolling window, as the platform sees them,
    and starts at least ``1 / (rate * headroom)`` apart (``spacing``): an even stream a little
    under the limit, which the window only enforces when requests bunch up.

    The window holds ``capacity`` requests (the whole part of the rate, at least one) for
    ``capacity / rate`` seconds, so a fractional rate, above one or below, is kept exactly:
    1.5 a second is one per 2/3 s, 0.25 a second one per 4 s.
    """

    def __init__(
        self,
        rate: float,
        *,
        headroom: float = 1.0,
        spacing: bool = True,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if rate <= 0 or not 0 < headroom <= 1:
            raise ValueError("rate must be positive, headroom in (0, 1]")
        self.rate = rate
        self.capacity = max(1, int(rate))
        self.per = self.capacity / rate
        self.gap = 1.0 / (rate * headroom) if spacing else 0.0
        self._monotonic = monotonic
        self._sleep = sleep
        self._finished: deque[float] = deque()
        self._in_flight = 0
        self._paused_until = 0.0
        self._next_start = 0.0

    def pause(self, seconds: float) -> None:
        """Let nobody through for ``seconds`` (e.g. the platform said Retry-After)."""
        self._paused_until = max(self._paused_until, self._monotonic() + seconds)

    def wait_time(self) -> float:
        """Seconds until a slot may be free (0: one is free now)."""
        now = self._monotonic()
        finished = self._finished
        while finished and finished[0] <= now - self.per:
            finished.popleft()
        wait = max(self._paused_until, self._next_start) - now
        if self._in_flight + len(finished) >= self.capacity:
            wait = max(wait, finished[0] + self.per - now if finished else POLL)
        return wait if wait > 0 else 0.0

    @property
    def idle(self) -> bool:
        """True when no request holds a slot (safe to forget this limiter)."""
        return self.wait_time() == 0 and not self._finished and not self._in_flight

    def slot(self) -> Slot:
        """Wait for a free slot and hold it for the request made inside the block."""
        return Slot(self)

    async def acquire(self) -> None:
        """Wait for a free slot and take it; ``release`` once the request finished."""
        while (wait := self.wait_time()) > 0:
            await self._sleep(wait)
        self._in_flight += 1  # no await between the check and the take: one loop, no race
        # the next start is one gap after this one was *due*, so a wake-up a little late (a
        # busy loop) does not slow the stream; never more than half a gap is made up, so a
        # stall is not followed by a burst
        now = self._monotonic()
        due = self._next_start if now - self._next_start <= self.gap / 2 else now
        self._next_start = due + self.gap

    def release(self) -> None:
        self._in_flight -= 1
        self._finished.append(self._monotonic())


async def take_slots(
    held: AsyncExitStack,
    slots: Iterable[AbstractAsyncContextManager[Any]],
    timeout: float | None = None,
) -> None:
    """Take ``slots`` in order, each held until ``held`` closes; TimeoutError when they are not
    all free within ``timeout`` seconds (None: as long as it takes). A reply the platform only
    takes for so long (a Slack trigger_id, an answer Teams waits for) gives up instead."""
    async with asyncio.timeout(timeout):
        for slot in slots:
            await held.enter_async_context(slot)


# reserve(name, count, gap, now, pause) -> the first reserved send time (epoch seconds)
Reserve = Callable[[str, int, float, float, float], Awaitable[float]]


class SharedBudget:
    """A ceiling shared by every instance that reserves from the same ``name``.

    Send times are handed out ``1 / (rate * headroom)`` apart on one timeline kept in the
    database: an
    instance reserves a short run of them (about ``ahead`` seconds' worth) in one statement,
    the next run while it uses this one, and starts one request at each. A time already missed
    by more than ``late`` (two gaps, at least ``LATE_FLOOR``) when a sender takes it is dropped,
    so a stalled instance does not bunch its sends into another's. A pause (Retry-After) moves
    the shared timeline for everyone. Requests also take a slot of a local ``RateLimiter`` at
    the same rate, so the platform's rolling window holds within this instance too.

    No livelock, by construction: a sender takes one time (reserving more when none is left,
    and a run just reserved is used as it comes, late or not), waits for it and goes. It never
    gives a time back to try again, so every ``acquire`` ends after at most one reservation,
    whatever the ceiling and however late the loop wakes.
    """

    def __init__(
        self,
        name: str,
        rate: float,
        reserve: Reserve,
        *,
        headroom: float = 1.0,
        ahead: float = 0.2,
        wall: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.name = name
        self.gap = 1.0 / (rate * headroom)
        self.batch = max(1, round(rate * headroom * ahead))
        self._reserve = reserve
        self._wall = wall
        self._sleep = sleep
        self._times: deque[float] = deque()
        self._lock = asyncio.Lock()
        self._pause = 0.0
        self._reserving: asyncio.Future[None] | None = None
        self._waiting = 0  # senders waiting for a time
        self._alone = False  # the database did not answer: our own timeline meanwhile
        self._alone_next = 0.0
        # a time may be used this late (a busy loop); later it is dropped, so a stalled
        # instance never bunches its sends into another's
        self.late = max(2 * self.gap, LATE_FLOOR)
        # the timeline spaces the starts; the local window holds within this instance
        self.local = RateLimiter(rate, spacing=False, monotonic=monotonic, sleep=sleep)

    def pause(self, seconds: float) -> None:
        self._pause = max(self._pause, seconds)
        self.local.pause(seconds)
        self._times.clear()

    async def _reserve_more(self) -> None:
        """Reserve as many times as there are senders waiting (at most a run's worth), so an
        instance with little to send does not hold times the others could use."""
        pause, self._pause = self._pause, 0.0
        count = max(1, min(self.batch, self._waiting - len(self._times)))
        now = self._wall()
        try:
            start = await asyncio.wait_for(
                self._reserve(self.name, count, self.gap, now, pause), RESERVE_TIMEOUT
            )
            if self._alone:
                log.info("shared rate limit %s: reserving through the database again", self.name)
            self._alone = False
        except Exception as error:  # the database is slow or away: pace on our own meanwhile
            if not self._alone:
                log.warning(
                    "shared rate limit %s: cannot reserve send times (%s); pacing this "
                    "instance alone until the database answers",
                    self.name,
                    type(error).__name__,
                )
            self._alone = True
            start = max(now + pause, self._alone_next)
            self._alone_next = start + count * self.gap
        self._times.extend(start + i * self.gap for i in range(count))

    async def _next_time(self) -> float:
        async with self._lock:
            now = self._wall()
            while self._times and self._times[0] < now - self.late:
                self._times.popleft()  # missed: never used late
            if not self._times:
                if self._reserving is not None:
                    await asyncio.shield(self._reserving)
                if not self._times:
                    await self._reserve_more()
            at = self._times.popleft()
            if (
                self._reserving is None
                and len(self._times) < self.batch // 2
                and self._waiting > len(self._times) + 1
            ):
                # the next run is reserved while this one is used, not when it runs out
                self._reserving = asyncio.ensure_future(self._reserve_more())
                self._reserving.add_done_callback(self._reserved)
            return at

    def _reserved(self, task: asyncio.Future[None]) -> None:
        self._reserving = None
        if not task.cancelled() and task.exception() is not None:
            log.warning("shared rate limit: reserving send times failed: %s", task.exception())

    def slot(self) -> Slot:
        return Slot(self)

    async def acquire(self) -> None:
        self._waiting += 1
        try:
            at = await self._next_time()
        finally:
            self._waiting -= 1
        wait = at - self._wall()
        if wait > 0:
            await self._sleep(wait)  # then go, however late the wake-up (see the class doc)
        await self.local.acquire()

    def release(self) -> None:
        self.local.release()


class PerKey:
    """One ``RateLimiter`` per key (a Slack channel, a Teams conversation), idle ones forgotten."""

    def __init__(
        self,
        rate: float,
        *,
        headroom: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.rate = rate
        self.headroom = headroom
        self._monotonic = monotonic
        self._sleep = sleep
        self._limiters: dict[str, RateLimiter] = {}

    def __call__(self, key: str) -> RateLimiter:
        limiter = self._limiters.get(key)
        if limiter is None:
            if len(self._limiters) > 10_000:
                self._limiters = {k: v for k, v in self._limiters.items() if not v.idle}
            limiter = RateLimiter(
                self.rate, headroom=self.headroom, monotonic=self._monotonic, sleep=self._sleep
            )
            self._limiters[key] = limiter
        return limiter
