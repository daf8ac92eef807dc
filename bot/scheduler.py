"""APScheduler runs a small tick and the delivery loop; the database says what is due.

There is no job per person: the tick asks the handlers what is due now, so a restart loses
nothing and there is nothing to re-sync. With several instances on one PostgreSQL database,
only the holder of the scheduler lease ticks; every instance delivers.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import delete
from sqlmodel import col

from bot.app import run_due
from bot.delivery import Platform, deliver_due
from bot.runtime import Runtime
from storage.lease import try_acquire
from storage.models import ProcessedEvent

EVENT_MEMORY = timedelta(days=7)

log = logging.getLogger(__name__)


class Scheduler:
    def __init__(
        self, runtime: Runtime, platforms: list[Platform], *, deliver_every: float = 1.0
    ) -> None:
        self.runtime = runtime
        self.platforms = platforms
        self.holder = f"{socket.gethostname()}:{os.getpid()}"
        self._scheduler = AsyncIOScheduler(timezone="UTC")
        self._deliver_every = deliver_every

    def start(self) -> None:
        tick = self.runtime.settings.tick_seconds
        self._scheduler.add_job(
            self.tick,
            "interval",
            seconds=tick,
            max_instances=1,
            coalesce=True,
            next_run_time=self.runtime.clock.now(),
        )
        self._scheduler.add_job(
            self.deliver, "interval", seconds=self._deliver_every, max_instances=1, coalesce=True
        )
        self._scheduler.add_job(
            self.housekeeping, "interval", hours=1, max_instances=1, coalesce=True
        )
        self._scheduler.start()

    def shutdown(self) -> None:
        self._scheduler.shutdown(wait=False)

    def _holds_lease(self) -> bool:
        ttl = timedelta(seconds=self.runtime.settings.tick_seconds * 3)
        with self.runtime.db.session() as session:
            return try_acquire(session, "scheduler", self.holder, self.runtime.clock.now(), ttl)

    async def tick(self) -> None:
        try:
            if await asyncio.to_thread(self._holds_lease):
                done = await asyncio.to_thread(run_due, self.runtime)
                log.debug("tick: %s", done)
        except Exception:
            log.exception("scheduler tick failed; the next tick retries")

    async def housekeeping(self) -> None:
        """Forget platform event ids old enough that no platform retries them any more."""
        try:
            await asyncio.to_thread(forget_processed_events, self.runtime)
        except Exception:
            log.exception("housekeeping failed; it runs again in an hour")

    async def deliver(self) -> None:
        for platform in self.platforms:
            try:
                await deliver_due(
                    self.runtime, platform, concurrency=getattr(platform, "concurrency", 1)
                )
            except Exception:
                log.exception("delivery through %s failed; the next round retries", platform.name)


def forget_processed_events(runtime: Runtime) -> int:
    """Delete processed-event ids older than EVENT_MEMORY (Slack retries within minutes)."""
    cutoff = runtime.clock.now() - EVENT_MEMORY
    with runtime.db.session() as session:
        gone = session.connection().execute(
            delete(ProcessedEvent)
            .where(col(ProcessedEvent.created_at) < cutoff)
            .returning(col(ProcessedEvent.id))
        )
        return len(gone.all())
