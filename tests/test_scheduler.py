"""The scheduler wiring: APScheduler runs the tick, delivery and housekeeping; only the lease
holder ticks; old processed-event ids are forgotten."""

from __future__ import annotations

import asyncio
import io
from datetime import date, timedelta

from sqlmodel import func, select

from bot.app import run_due, tick_report
from bot.core.chat import Incoming
from bot.platforms.console.platform import ConsolePlatform
from bot.scheduler import Scheduler, forget_processed_events
from storage.models import ProcessedEvent, PulsePrompt
from tests.support import add_schedule, import_org, org_csv

ORG = org_csv("a@x.io,Ann,,Ops,leader,UTC", "b@x.io,Ben,a@x.io,Ops,employee,UTC")


async def test_tick_and_delivery_run_through_apscheduler(runtime) -> None:
    """The tick opens the round and wakes the delivery worker, which sends at once."""
    import_org(runtime, ORG)
    add_schedule(runtime, weekday=0, start=date(2027, 3, 1), at="00:00")
    screen = io.StringIO()
    scheduler = Scheduler(runtime, [ConsolePlatform(screen)], run_due=run_due, report=tick_report)
    scheduler.start()
    try:
        jobs = {job.func.__name__ for job in scheduler._scheduler.get_jobs()}
        assert jobs == {"tick", "renew_lease", "housekeeping", "nightly"}
        await scheduler.tick()
        async with asyncio.timeout(30):  # a bounded wait for the worker, not for time to pass
            while screen.getvalue().count("type a number 1-5") < 2:
                await asyncio.sleep(0.01)
    finally:
        await scheduler.stop(5)
    assert screen.getvalue().count("type a number 1-5") == 2
    with runtime.db.session() as session:
        assert (
            session.exec(
                select(func.count()).select_from(PulsePrompt).where(PulsePrompt.status == "sent")
            ).one()
            == 2
        )


async def test_a_second_instance_does_not_tick_while_the_first_holds_the_lease(runtime) -> None:
    import_org(runtime, ORG)
    add_schedule(runtime, weekday=0, start=date(2027, 3, 1), at="00:00")
    first, second = (
        Scheduler(runtime, [], run_due=run_due, report=tick_report),
        Scheduler(runtime, [], run_due=run_due, report=tick_report),
    )
    second.holder = "other-host:1"
    assert first._holds_lease()
    await second.tick()
    with runtime.db.session() as session:
        assert session.exec(select(func.count()).select_from(PulsePrompt)).one() == 0
    await first.tick()
    with runtime.db.session() as session:
        assert session.exec(select(func.count()).select_from(PulsePrompt)).one() == 2


def test_old_event_ids_are_forgotten_recent_ones_kept(runtime, router) -> None:
    import_org(runtime, ORG)
    retry = Incoming(
        platform="console", user_id="b@x.io", kind="message", text="help", event_id="E1"
    )
    assert router.handle(runtime, retry).replies
    runtime.clock.advance(timedelta(days=1))
    assert forget_processed_events(runtime) == 0
    assert router.handle(runtime, retry).replies == []
    runtime.clock.advance(timedelta(days=7))
    assert forget_processed_events(runtime) == 1
    with runtime.db.session() as session:
        assert session.exec(select(func.count()).select_from(ProcessedEvent)).one() == 0


def test_a_lease_holder_that_dies_is_replaced_within_a_minute(runtime) -> None:
    """The lease lasts 30 s and is renewed every 10 s; a holder that stops renewing (killed)
    is replaced by the next instance that asks after that, and a graceful stop gives it up."""
    from bot.scheduler import LEASE, LEASE_RENEW

    assert LEASE.total_seconds() + LEASE_RENEW <= 60
    dead, other = (
        Scheduler(runtime, [], run_due=run_due, report=tick_report),
        Scheduler(runtime, [], run_due=run_due, report=tick_report),
    )
    other.holder = "other-host:2"
    assert dead._holds_lease()
    runtime.clock.advance(LEASE - timedelta(seconds=1))
    assert not other._holds_lease()
    runtime.clock.advance(timedelta(seconds=1))
    assert other._holds_lease()
    other._give_up_lease()
    assert dead._holds_lease()  # given up: taken at once, no waiting for the expiry
