"""Wiring: the router with every capability registered, and the runtime for a database."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import prompts
from bot.core.clock import Clock, SystemClock
from bot.core.config import Settings, get_settings
from bot.core.runtime import Runtime
from storage import quiet
from storage.db import open_database

if TYPE_CHECKING:
    from sqlmodel import Session

    from bot.core.router import Router
    from storage import tick_state

log = logging.getLogger(__name__)


def build_router() -> Router:
    """Every capability registers its commands and actions here, in one place."""
    # imported here, not at the top: commands that need no handler start faster without them
    from bot.core.router import Router
    from handlers.cascade import actions as cascade
    from handlers.dashboard import link as dashboard
    from handlers.home import basics, pending
    from handlers.home import view as home_view
    from handlers.people import language, leave
    from handlers.pulse import conversations
    from handlers.pulse import rounds as pulse
    from handlers.pulse import team as pulse_team
    from handlers.roadmap import assessment, baseline, objectives, results
    from handlers.stories import capture as stories
    from storage import events, people

    router = Router(people.by_identity, events.first_time, events.forget, people.locale_of)
    basics.register(router)
    pulse.register(router)
    pulse_team.register(router)
    conversations.register(router)
    stories.register(router)
    cascade.register(router)
    leave.register(router)
    language.register(router)
    home_view.register(router)
    pending.register(router)
    dashboard.register(router)
    assessment.register(router)
    objectives.register(router)
    baseline.register(router)
    results.register(router)
    return router


def due_jobs() -> dict[str, Callable[[Runtime], object]]:
    """Functions the scheduler tick runs, in order, each taking the Runtime (capabilities add
    theirs); the names are the keys of the tick's report (``culturebot tick`` prints them)."""
    from handlers.cascade import actions as cascade
    from handlers.pulse import rounds as pulse
    from handlers.roadmap import assessment, objectives, results
    from handlers.stories import capture as stories

    return {
        "pulse": pulse.tick,
        "stories": stories.tick,
        "cascade": cascade.tick,
        "assessment": assessment.tick,
        "disclosure": results.tick,  # publishing, then each manager's results message
        "objectives": objectives.tick,
    }


def next_dues() -> dict[str, Callable[[Session, Runtime, datetime], datetime | None]]:
    """Each job of ``due_jobs``' ``next_due``: the earliest moment from ``now`` on when it could
    have work, the database staying as it is (None: not before something is written); a job
    that cannot tell says ``now``. A test checks every job has one."""
    from handlers.cascade import actions as cascade
    from handlers.pulse import rounds as pulse
    from handlers.roadmap import assessment, objectives, results
    from handlers.stories import capture as stories

    return {
        "pulse": pulse.next_due,
        "stories": stories.next_due,
        "cascade": cascade.next_due,
        "assessment": assessment.next_due,
        "disclosure": results.next_due,
        "objectives": objectives.next_due,
    }


def quiet_until(session: Session, runtime: Runtime, now: datetime) -> datetime:
    """Before when no job can have work while the database stays as it is (at most a day on:
    a full tick at least daily)."""
    times = [due(session, runtime, now) for due in next_dues().values()]
    return min(t for t in [*times, now + MAX_QUIET] if t is not None)


MAX_QUIET = timedelta(days=1)


def run_due(runtime: Runtime) -> dict[str, object]:
    """One scheduler tick: everything that is due now, in order (each job's transactions
    on one connection: see Database.one_connection). When it changed nothing, it records
    until when nothing is due, for ``culturebot tick`` to answer without the ORM until then
    (storage.quiet; the race with other writers is in storage.tick_state)."""
    # here, not at the top: its tables need SQLModel, which `status` does without
    from storage import tick_state

    with runtime.db.one_connection():
        began = runtime.clock.now()
        with runtime.db.session() as session:
            begun = tick_state.begin(session)
        done = {name: job(runtime) for name, job in due_jobs().items()}
        try:
            record_quiet(runtime, begun, began, done)
        except Exception:  # never stops the tick: the next one is a full one, as it was
            log.exception("the tick's quiet time was not recorded")
        return done


def record_quiet(
    runtime: Runtime, begun: tick_state.Begun, began: datetime, done: dict[str, object]
) -> None:
    """Record until when nothing is due, when this tick changed nothing (a tick that wrote
    keeps no record, so the quiet time is worked out only on a tick that found nothing).
    It is worked out from ``began``, before the jobs read the clock: what fell due while they
    ran is not past for it, so it ends the quiet time at once. A quiet time still standing
    (nothing written since, same code and settings) is kept as it is: the scheduler's idle
    ticks each minute do not work it out again."""
    from storage import tick_state  # see run_due

    basis = quiet.basis()
    with runtime.db.session() as session:
        if tick_state.changed(session):
            return
        if (
            begun.quiet_until is not None
            and begun.quiet_until > began.timestamp()
            and begun.basis == basis
        ):
            until = datetime.fromtimestamp(begun.quiet_until, UTC)
        else:
            until = quiet_until(session, runtime, began)
    with runtime.db.session() as session:
        tick_state.record(session, begun.generation, until, basis, report_json(done))


def report_json(done: dict[str, object]) -> str:
    """The line ``culturebot tick`` prints: the tick's report as JSON."""
    return json.dumps(tick_report(done), default=str, sort_keys=True)


# (job, key) of tick counts that count people who had not answered by then: reminders go to
# those who had not answered yet, and prompts expire for those who never did
NOT_ANSWERED = {("pulse", "reminded"), ("pulse", "expired"), ("assessment", "reminded")}


def tick_report(done: dict[str, object]) -> dict[str, object]:
    """What a tick did, as operators see it (``culturebot tick``, the scheduler's log).

    A count of people who had not answered, read after every tick, would tell an operator how
    many of a group had answered by each moment, and "0 reminders" that all had: those are
    said in words that hold no count. The rest counts rounds, messages and work done."""
    import prompts

    words = prompts.text("disclosure.tick_not_counted")
    return {
        job: (
            {key: words if (job, key) in NOT_ANSWERED else n for key, n in counts.items()}
            if isinstance(counts, dict)
            else counts
        )
        for job, counts in done.items()
    }


def channels_for(settings: Settings) -> tuple[str, ...]:
    """The platforms configured to deliver, in preference order."""
    enabled = []
    if settings.slack_bot_token:
        enabled.append("slack")
    if settings.teams_app_id or settings.teams_emulator:
        enabled.append("teams")
    return tuple(enabled)


def build_runtime(
    settings: Settings | None = None,
    clock: Clock | None = None,
    channels: tuple[str, ...] | None = None,
) -> Runtime:
    """Validate the prompt files, open (and upgrade) the database, and bundle what handlers need."""
    settings = settings or get_settings()
    prompts.validate_all()
    db = open_database(settings.database_url, busy_timeout=settings.db_busy_timeout)
    return Runtime(
        db=db,
        clock=clock or SystemClock(),
        settings=settings,
        channels=channels_for(settings) if channels is None else channels,
    )
