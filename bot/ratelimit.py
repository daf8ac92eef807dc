"""An asyncio rate limiter for platforms that publish per-second limits.

A platform counts the requests that *arrive* in any rolling window; we only know when ours
start and finish, and the time in between (threads, network, a busy loop) varies. So a request
holds its slot from its start until one window after it *finished*: its arrival lies in
between, and the next request to reuse the slot starts (so arrives) more than a window later.
Burst-friendly token buckets, or counting start times only, draw 429s from that jitter.
Time and sleeping are injected so tests move a fake clock instead of waiting.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

Sleep = Callable[[float], Awaitable[None]]
POLL = 0.005  # how often to look again while every slot is held by a request in flight


class RateLimiter:
    """At most ``rate`` requests per second in any rolling window, as the platform sees them.

    A rate below one becomes one per 1/rate seconds; a fractional rate above one rounds down.
    """

    def __init__(
        self,
        rate: float,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.capacity = int(rate) if rate >= 1 else 1
        self.per = 1.0 if rate >= 1 else 1 / rate
        self._monotonic = monotonic
        self._sleep = sleep
        self._finished: deque[float] = deque()
        self._in_flight = 0
        self._paused_until = 0.0

    def pause(self, seconds: float) -> None:
        """Let nobody through for ``seconds`` (e.g. the platform said Retry-After)."""
        self._paused_until = max(self._paused_until, self._monotonic() + seconds)

    def wait_time(self) -> float:
        """Seconds until a slot may be free (0: one is free now)."""
        now = self._monotonic()
        while self._finished and self._finished[0] <= now - self.per:
            self._finished.popleft()
        waits = [self._paused_until - now]
        if self._in_flight + len(self._finished) >= self.capacity:
            waits.append(self._finished[0] + self.per - now if self._finished else POLL)
        return max(0.0, *waits)

    @property
    def idle(self) -> bool:
        """True when no request holds a slot (safe to forget this limiter)."""
        return self.wait_time() == 0 and not self._finished and not self._in_flight

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Wait for a free slot and hold it for the request made inside the block."""
        while (wait := self.wait_time()) > 0:
            await self._sleep(wait)
        self._in_flight += 1  # no await between the check and the take: one loop, no race
        try:
            yield
        finally:
            self._in_flight -= 1
            self._finished.append(self._monotonic())
