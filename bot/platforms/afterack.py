"""The work a platform does after it has acked an event: bounded, so the ack never waits.

Slack wants its ack within 3 seconds and retries (or gives up on the app) when it does not get
it; Teams gives 15 seconds. The work after the ack (a database transaction, a reply) is what
can pile up under a burst. Each platform has its own queue (Slack's listeners, Teams' turns;
see ``bot.platforms.teams.adapter.shapes_reply`` for what Teams must run before its answer). ``AfterAck`` holds that work: at most ``workers`` pieces run at once, at most ``limit``
are accepted (running or waiting). Past the limit a piece is shed: it never starts, a warning
says so (at most once every ``WARN_EVERY`` seconds, with the count since the last one), and
``culturebot_inbound_shed_total`` counts it. The ack has already gone by then, so the platform
does not retry; the person's click or message is lost, which is better than every ack stalling
behind a backlog that only grows.

Each piece runs as its own task created in the caller's context, so it keeps the request id
of the request that brought it (see ``bot.core.logs``).

The acks and the work share one event loop (and, in Python, one GIL with the handler threads).
So a piece also waits to start while the loop is late, by more than ``max_lag`` seconds, on a
timer it keeps while there is work: when the process is short of CPU, the acks go first and
the work waits (and, past the limit, is shed) instead of the other way round.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from bot.core import metrics

log = logging.getLogger(__name__)

WARN_EVERY = 10.0  # seconds between two "queue full" warnings
MAX_LAG = 0.02  # seconds the loop may run late before new work waits for it to catch up
LAG_PROBE = 0.01  # how often the loop's lateness is measured while there is work


class AfterAck:
    def __init__(
        self,
        platform: str,
        *,
        limit: int,
        workers: int,
        monotonic: Callable[[], float] = time.monotonic,
        max_lag: float = MAX_LAG,
    ) -> None:
        if limit < 1 or workers < 1:
            raise ValueError("limit and workers must be at least 1")
        self.platform = platform
        self.limit = limit
        self.workers = workers
        self._gate: asyncio.Semaphore | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._monotonic = monotonic
        self._last_warning = float("-inf")
        self._shed_since_warning = 0
        self.shed = 0
        self._depth = metrics.INBOUND_QUEUE.labels(platform=platform)
        self._shed_counter = metrics.INBOUND_SHED.labels(platform=platform)
        self.max_lag = max_lag
        self.lag = 0.0  # how late the loop ran on the last probe, in seconds
        self._probe: asyncio.Task[None] | None = None

    @property
    def depth(self) -> int:
        """Pieces accepted and not finished (running or waiting for a worker)."""
        return len(self._tasks)

    def submit(self, work: Coroutine[Any, Any, Any], what: str) -> bool:
        """Run ``work`` when a worker is free; False (and ``work`` closed, never run) when
        ``limit`` pieces are already waiting or running. ``what`` names the kind of work in
        the warning (never a person's text)."""
        if len(self._tasks) >= self.limit:
            work.close()
            self._note_shed(what)
            return False
        loop = asyncio.get_running_loop()
        task = loop.create_task(self._run(work))
        self._tasks.add(task)
        if self._probe is None or self._probe.done():
            self._probe = loop.create_task(self._measure_lag())
        self._depth.set(len(self._tasks))
        task.add_done_callback(self._done)
        return True

    async def _run(self, work: Coroutine[Any, Any, Any]) -> None:
        if self._gate is None:
            self._gate = asyncio.Semaphore(self.workers)
        async with self._gate:
            while self.lag > self.max_lag:  # the acks first
                await asyncio.sleep(self.max_lag)
            try:
                await work
            except Exception:
                log.exception("%s: the work after an ack failed", self.platform)

    async def _measure_lag(self) -> None:
        """While there is work: how late a short timer fires is how late an ack would start."""
        loop = asyncio.get_running_loop()
        while self._tasks:
            due = loop.time() + LAG_PROBE
            await asyncio.sleep(LAG_PROBE)
            self.lag = max(0.0, loop.time() - due)
        self.lag = 0.0

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        self._depth.set(len(self._tasks))

    def _note_shed(self, what: str) -> None:
        self.shed += 1
        self._shed_since_warning += 1
        self._shed_counter.inc()
        now = self._monotonic()
        if now - self._last_warning >= WARN_EVERY:
            log.warning(
                "%s: after-ack queue full (%s waiting or running, limit %s): dropped %s piece(s) "
                "of work since the last warning, latest a %s; acks still go out "
                "(raise CULTUREBOT_INBOUND_QUEUE_LIMIT or add instances)",
                self.platform,
                len(self._tasks),
                self.limit,
                self._shed_since_warning,
                what,
            )
            self._last_warning = now
            self._shed_since_warning = 0

    async def idle(self) -> None:
        """Wait until every accepted piece has finished (and the lag probe with them)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        if self._probe is not None:
            await self._probe
