"""`culturebot run`: the scheduler, the delivery worker and the configured platforms together."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import sys
import time
from collections.abc import Callable

from aiohttp import web

from bot.core.router import Router
from bot.core.runtime import Runtime
from bot.delivery.worker import Platform
from bot.scheduler import Scheduler
from bot.web import dashboard, limits
from bot.web.health import HEALTH, Health
from bot.web.health import install as install_health
from handlers.dashboard.access import key_warnings

log = logging.getLogger(__name__)


def settle_process() -> None:
    """Tune the interpreter for a long-running server, once start-up is done.

    The event loop answers acks and sends; the handler and database threads are CPU-bound
    (SQLAlchemy). After each socket call the loop waits for the GIL up to the switch interval:
    5 ms by default, which under load is most of an ack's time. Half a millisecond keeps the
    loop responsive.

    What start-up built (modules, settings, the app) is left out of every later garbage
    collection: a full collection walks every tracked object, and with ~150,000 of them from
    start-up it took ~50 ms, five times in a 2,000-person round (a fifth of the delivery
    worker's CPU). Frozen, they are never walked again; start-up's garbage goes first. Young
    collections come every 5,000 new objects rather than 700: a send's objects (its message,
    blocks, request and task) live across a few hundred, so at 700 a round paid three times
    the young collections of a plain slack_sdk loop."""
    sys.setswitchinterval(0.0005)
    gc.collect()
    gc.freeze()
    gc.set_threshold(5000, *gc.get_threshold()[1:])


def build_web_app(runtime: Runtime, router: Router) -> tuple[web.Application, list[Platform]]:
    """The aiohttp app with each configured platform's routes, and those platforms."""
    web_app = limits.application(runtime.settings)
    health = Health(runtime)
    install_health(web_app, health)  # /healthz, /readyz, /metrics and request ids

    dashboard.mount(web_app, runtime)
    platforms: list[Platform] = []
    from bot.platforms.slack import app as slack

    slack_bot = slack.install(runtime, router, web_app)
    if slack_bot is not None:
        platforms.append(slack_bot.platform)
        health.platforms["slack"] = slack_bot.connected
    if runtime.settings.teams_app_id or runtime.settings.teams_emulator:
        from bot.platforms.teams import adapter as teams

        platforms.append(teams.mount(web_app, runtime, router))
        health.platforms["teams"] = lambda: True  # answers over HTTP: up when the server is
    return web_app, platforms


def stop_on_signals(stop: asyncio.Event) -> None:
    """SIGTERM (systemd, Docker, Kubernetes) and SIGINT (Ctrl-C) set ``stop``: a graceful stop."""
    loop = asyncio.get_running_loop()

    def handle(name: str) -> None:
        if stop.is_set():
            log.warning("%s again: already stopping", name)
            return
        log.info("%s: stopping gracefully", name)
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, handle, sig.name)


async def serve(
    runtime: Runtime,
    router: Router,
    *,
    run_due: Callable[[Runtime], dict[str, object]],
    report: Callable[[dict[str, object]], dict[str, object]],
    stop: asyncio.Event | None = None,
) -> None:
    """Run until ``stop`` is set (by SIGTERM or SIGINT when none is given), then stop
    gracefully: no new ticks or claims, sends in flight finish within
    CULTUREBOT_SHUTDOWN_SECONDS, every claim and the scheduler lease are given back, the
    platforms close (Socket Mode disconnects) and the HTTP server shuts."""
    if stop is None:
        stop = asyncio.Event()
        stop_on_signals(stop)
    web_app, platforms = build_web_app(runtime, router)
    for warning in key_warnings(runtime.settings):
        log.warning("dashboard: %s", warning)
    if not platforms:
        log.warning("no chat platform configured: messages wait for `culturebot chat --as EMAIL`")
    scheduler = Scheduler(runtime, platforms, run_due=run_due, report=report)
    web_app[HEALTH].holder = lambda: scheduler.holder
    # listening first: on a port in use it fails at once (the CLI says so in one line),
    # before anything ticked or sent
    runner = await limits.serve(web_app, runtime.settings)
    scheduler.start()
    settle_process()
    log.info(
        "culturebot listening on http://%s:%s",
        runtime.settings.http_host,
        runtime.settings.http_port,
    )
    try:
        await stop.wait()
    finally:
        grace = runtime.settings.shutdown_seconds
        started = time.monotonic()
        await scheduler.stop(grace)
        await runner.cleanup()  # stops HTTP, closes the platforms (Socket Mode disconnects)
        log.info("culturebot stopped in %.1f s", time.monotonic() - started)
