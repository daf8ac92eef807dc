"""`culturebot run`: the scheduler, the delivery worker and the configured platforms together."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from bot.delivery import Platform
from bot.router import Router
from bot.runtime import Runtime
from bot.scheduler import Scheduler

log = logging.getLogger(__name__)


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


def build_web_app(runtime: Runtime, router: Router) -> tuple[web.Application, list[Platform]]:
    """The aiohttp app with each configured platform's routes, and those platforms."""
    web_app = web.Application(client_max_size=1024 * 1024)
    web_app.router.add_get("/healthz", healthz)
    from bot.dashboard import web as dashboard

    dashboard.mount(web_app, runtime)
    platforms: list[Platform] = []
    from bot.platforms import slack

    slack_bot = slack.install(runtime, router, web_app)
    if slack_bot is not None:
        platforms.append(slack_bot.platform)
    if runtime.settings.teams_app_id or runtime.settings.teams_emulator:
        from bot.platforms import teams

        platforms.append(teams.mount(web_app, runtime, router))
    return web_app, platforms


async def serve(runtime: Runtime, router: Router, *, stop: asyncio.Event | None = None) -> None:
    web_app, platforms = build_web_app(runtime, router)
    if not platforms:
        log.warning("no chat platform configured: messages wait for `culturebot chat --as EMAIL`")
    scheduler = Scheduler(runtime, platforms)
    scheduler.start()
    runner = web.AppRunner(web_app)
    await runner.setup()
    site = web.TCPSite(runner, runtime.settings.http_host, runtime.settings.http_port)
    await site.start()
    log.info(
        "culturebot listening on http://%s:%s",
        runtime.settings.http_host,
        runtime.settings.http_port,
    )
    try:
        await (stop or asyncio.Event()).wait()
    finally:
        scheduler.shutdown()
        await runner.cleanup()
