"""An asyncio sliding-window rate limiter, for platforms that publish per-second limits.

A platform counts requests per rolling window, so a token bucket that lets a burst through at
a window's edge can still draw 429s; a log of the last ``rate`` start times cannot. Time and
sleeping are injected so tests move a fake clock instead of waiting.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable

Sleep = Callable[[float], Awaitable[None]]


class RateLimiter:
    """At most ``rate`` acquisitions in any window of ``per`` seconds (plus a pause on demand)."""

    def __init__(
        self,
        rate: float,
        per: float = 1.0,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if rate <= 0 or per <= 0:
            raise ValueError("rate and per must be positive")
        # A fractional rate (0.5/s) becomes one per 2 s.
        self.capacity = max(1, int(rate * per)) if rate * per >= 1 else 1
        self.per = per if rate * per >= 1 else 1 / rate
        self._monotonic = monotonic
        self._sleep = sleep
        self._starts: deque[float] = deque()
        self._paused_until = 0.0

    def pause(self, seconds: float) -> None:
        """Let nobody through for ``seconds`` (e.g. the platform said Retry-After)."""
        self._paused_until = max(self._paused_until, self._monotonic() + seconds)

    def wait_time(self) -> float:
        """Seconds until the next acquisition would be allowed (0: now)."""
        now = self._monotonic()
        while self._starts and self._starts[0] <= now - self.per:
            self._starts.popleft()
        waits = [self._paused_until - now]
        if len(self._starts) >= self.capacity:
            waits.append(self._starts[0] + self.per - now)
        return max(0.0, *waits)

    @property
    def idle(self) -> bool:
        """True when nothing was let through within the last window (safe to forget)."""
        return self.wait_time() == 0 and not self._starts

    async def acquire(self) -> None:
        """Wait for a free slot, then take it. Fair enough for one asyncio loop: the check
        and the take happen with no await in between."""
        while True:
            wait = self.wait_time()
            if wait <= 0:
                self._starts.append(self._monotonic())
                return
            await self._sleep(wait)
