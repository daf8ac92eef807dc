"""The operator's endpoints on culturebot's web server, and the request id on every request.

- ``GET /healthz``: liveness. Answers as long as the event loop runs; touches nothing else.
- ``GET /readyz``: readiness. 200 with every check when this instance should take traffic,
  503 with the failing check otherwise (see ``bot.web.status.readiness``).
- ``GET /metrics``: Prometheus text format (``bot.core.metrics``); the outbox gauges are read from
  the database at scrape time.

The database checks run on a small thread pool of their own, bounded by a timeout, so a
database that hangs can neither stall the event loop nor take the threads the handlers use.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from aiohttp import web

from bot.core import metrics
from bot.core.logs import REQUEST_ID_HEADER, new_request_id, request_id
from bot.core.runtime import Runtime
from bot.web.status import outbox_snapshot, readiness

log = logging.getLogger(__name__)

PROBE_TIMEOUT = 5.0  # seconds a readiness or metrics probe waits for the database


@dataclass
class Health:
    """What the endpoints read: the runtime, who this instance is for the scheduler lease,
    and one check per configured platform (True when it is connected)."""

    runtime: Runtime
    holder: Callable[[], str | None] = lambda: None
    platforms: dict[str, Callable[[], bool | Awaitable[bool]]] = field(default_factory=dict)
    timeout: float = PROBE_TIMEOUT
    _pool: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=2, thread_name_prefix="probe")
    )

    async def _in_thread(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        work = loop.run_in_executor(self._pool, partial(fn, *args, **kwargs))
        return await asyncio.wait_for(work, self.timeout)

    async def ready(self) -> tuple[bool, dict[str, Any]]:
        platforms: dict[str, bool] = {}
        for name, check in self.platforms.items():
            answer = check()
            platforms[name] = bool(await answer if inspect.isawaitable(answer) else answer)
        try:
            return await self._in_thread(
                readiness,
                self.runtime,
                holder=self.holder(),
                platforms=platforms,
                max_due_age=self.runtime.settings.ready_max_due_age_seconds,
            )
        except TimeoutError:
            error = f"no answer within {self.timeout:g} s"
            return False, {"database": {"ok": False, "error": error}}

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


HEALTH = web.AppKey("health", Health)


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


async def readyz(request: web.Request) -> web.Response:
    ok, checks = await request.app[HEALTH].ready()
    if not ok:
        failing = sorted(name for name, check in checks.items() if not check.get("ok"))
        log.warning("not ready: %s", ", ".join(failing))
    return web.json_response({"ready": ok, "checks": checks}, status=200 if ok else 503)


async def metrics_endpoint(request: web.Request) -> web.Response:
    health = request.app[HEALTH]
    try:
        await health._in_thread(refresh_from_database, health.runtime)
    except Exception as error:  # still serve what the process knows
        log.warning("metrics: the outbox gauges could not be read (%s)", type(error).__name__)
    return web.Response(
        body=metrics.render(), headers={"Content-Type": metrics.CONTENT_TYPE_LATEST}
    )


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def request_context(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Give the request an id that every log line it causes carries (also after the ack)."""
    rid = new_request_id(request.headers.get(REQUEST_ID_HEADER))
    token = request_id.set(rid)
    started = time.perf_counter()
    try:
        response = await handler(request)
        response.headers[REQUEST_ID_HEADER] = rid
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "%s %s -> %s in %.1f ms",
                request.method,
                request.path,
                response.status,
                (time.perf_counter() - started) * 1000,
            )
        return response
    finally:
        request_id.reset(token)


def install(web_app: web.Application, health: Health) -> None:
    """Add the three endpoints and the request-id middleware to ``web_app``."""
    web_app[HEALTH] = health
    web_app.middlewares.append(request_context)
    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/readyz", readyz)
    web_app.router.add_get("/metrics", metrics_endpoint)

    async def close(_app: web.Application) -> None:
        health.close()

    web_app.on_cleanup.append(close)


def refresh_from_database(runtime: Runtime, now: datetime | None = None) -> None:
    """Set the outbox gauges from the database (blocking: call it in a thread)."""
    snapshot = outbox_snapshot(runtime, now)
    metrics.OUTBOX_DEPTH.clear()
    for (platform, state), count in snapshot.by_state.items():
        metrics.OUTBOX_DEPTH.labels(platform=platform, state=state).set(count)
    metrics.DEAD_LETTERS.set(snapshot.dead)
    metrics.DUE_MESSAGES.set(snapshot.due)
    metrics.OLDEST_DUE_AGE.set(snapshot.oldest_due_age_seconds or 0.0)
