"""APScheduler runs a small tick and housekeeping; delivery workers run beside it.

There is no job per person: the tick asks the handlers what is due now, so a restart loses
nothing and there is nothing to re-sync. With several instances on one PostgreSQL database,
only the holder of the scheduler lease ticks; every instance delivers. The lease is short
(``LEASE``) and renewed every ``LEASE_RENEW`` seconds by a job of its own, so a holder that dies
is replaced within a minute; a clean stop gives it up at once. Each platform has a
``DeliveryWorker`` that sends continuously; the tick wakes them as soon as it queued something.
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

from bot import metrics
from bot.app import run_due, tick_report
from bot.delivery import DeliveryWorker, Platform, deliver_due, prune_sent
from bot.runtime import Runtime
from handlers import retention
from storage.errors import describe
from storage.lease import give_up, try_acquire
from storage.models import ProcessedEvent

EVENT_MEMORY = timedelta(days=7)
LEASE = timedelta(seconds=30)  # a holder that stops renewing loses the lease after this
LEASE_RENEW = 10.0  # seconds between renewals (and between takeover attempts by the others)

log = logging.getLogger(__name__)


class Scheduler:
    def __init__(
        self, runtime: Runtime, platforms: list[Platform], *, deliver: bool = True
    ) -> None:
        self.runtime = runtime
        self.platforms = platforms
        self.holder = f"{socket.gethostname()}:{os.getpid()}"
        self._scheduler = AsyncIOScheduler(timezone="UTC")
        self.workers: list[DeliveryWorker] = []
        self._deliver = deliver
        self.holds_lease = False

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
            self.renew_lease, "interval", seconds=LEASE_RENEW, max_instances=1, coalesce=True
        )
        self._scheduler.add_job(
            self.housekeeping, "interval", hours=1, max_instances=1, coalesce=True
        )
        self._scheduler.add_job(self.nightly, "cron", hour=3, max_instances=1, coalesce=True)
        if self._deliver:
            self.workers = [DeliveryWorker(self.runtime, platform) for platform in self.platforms]
            for worker in self.workers:
                worker.start()
        self._scheduler.start()

    def shutdown(self) -> None:
        """Stop ticking (no new work); the workers stop with ``stop``."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    async def stop(self, grace: float) -> None:
        """Stop ticking, let the workers finish their sends within ``grace`` seconds and give
        back their claims, and give up the lease so another instance ticks at once."""
        self.shutdown()
        await asyncio.gather(*(worker.stop(grace) for worker in self.workers))
        if self.holds_lease:
            try:
                await asyncio.to_thread(self._give_up_lease)
            except Exception:
                log.warning("could not give up the scheduler lease; it expires on its own")

    def _holds_lease(self) -> bool:
        with self.runtime.db.session() as session:
            self.holds_lease = try_acquire(
                session, "scheduler", self.holder, self.runtime.clock.now(), LEASE
            )
        metrics.LEASE_HELD.labels(holder=self.holder).set(int(self.holds_lease))
        return self.holds_lease

    def _give_up_lease(self) -> None:
        with self.runtime.db.session() as session:
            give_up(session, "scheduler", self.holder)
        self.holds_lease = False
        metrics.LEASE_HELD.labels(holder=self.holder).set(0)

    async def renew_lease(self) -> None:
        try:
            held = self.holds_lease
            if await asyncio.to_thread(self._holds_lease) and not held:
                log.info("scheduler lease taken by %s", self.holder)
        except Exception as error:
            why = describe(error) or type(error).__name__
            log.warning(
                "could not renew the scheduler lease (%s); retrying in %.0f s", why, LEASE_RENEW
            )
        except asyncio.CancelledError:  # stopping: ``stop`` gives the lease up
            log.debug("scheduler lease: stopping while renewing it")

    async def tick(self) -> None:
        try:
            if await asyncio.to_thread(self._holds_lease):
                with metrics.TICK_SECONDS.time():
                    done = await asyncio.to_thread(run_due, self.runtime)
                log.debug("tick: %s", tick_report(done))
                for worker in self.workers:
                    worker.wake()
        except Exception as error:
            metrics.TICK_FAILURES.inc()
            failed(error, "scheduler tick failed; the next tick retries")
        except asyncio.CancelledError:
            # the process is stopping: the tick's thread finishes its transaction before the
            # process exits; a traceback from APScheduler would tell of no fault
            log.debug("scheduler tick: stopping while it ran")

    async def housekeeping(self) -> None:
        """Forget platform event ids old enough that no platform retries them any more."""
        try:
            await asyncio.to_thread(forget_processed_events, self.runtime)
        except Exception as error:
            failed(error, "housekeeping failed; it runs again in an hour")

    async def nightly(self) -> None:
        """Prune sent messages older than CULTUREBOT_OUTBOX_KEEP_DAYS; delete comments and
        story texts older than CULTUREBOT_RETENTION_MONTHS."""
        try:
            pruned = await asyncio.to_thread(prune_sent, self.runtime)
            log.info("outbox: pruned %s sent message(s)", pruned)
        except Exception as error:
            failed(error, "pruning the outbox failed; it runs again tomorrow")
        try:
            purged = await asyncio.to_thread(retention.nightly, self.runtime)
            log.info("retention: %s", purged.as_dict())
        except Exception as error:
            failed(error, "the retention purge failed; it runs again tomorrow")

    async def deliver(self) -> None:
        """Send everything due now once, platform by platform (tests; ``run`` uses workers)."""
        for platform in self.platforms:
            try:
                while (
                    await deliver_due(
                        self.runtime, platform, concurrency=getattr(platform, "concurrency", 1)
                    )
                ).sent:
                    pass
            except Exception as error:
                failed(error, f"delivery through {platform.name} failed; the next round retries")


def failed(error: Exception, what: str) -> None:
    """Log a job's failure: one line when the database is down (it repeats every tick until
    it is back, and the cause is all an operator needs), a traceback for anything else."""
    line = describe(error)
    if line is None:
        log.error(what, exc_info=error)
    else:
        log.warning("%s: %s", what, line)


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
