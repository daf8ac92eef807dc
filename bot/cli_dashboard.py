"""`culturebot dashboard`: serve the web dashboard alone, and print sign-in links."""

from __future__ import annotations

import typer

from bot.cli_common import cli_runtime, console, fail

app = typer.Typer(
    help="The web dashboard: serve it alone, or print a personal sign-in link.",
    invoke_without_command=True,
)


@app.callback()
def dashboard(
    ctx: typer.Context,
    link_for: str | None = typer.Option(
        None, "--link-for", help="Print a sign-in link for this email (as chat would)."
    ),
) -> None:
    """Serve the dashboard (CULTUREBOT_HTTP_HOST:CULTUREBOT_HTTP_PORT) without chat platforms."""
    if ctx.invoked_subcommand is not None:
        return
    import asyncio
    import logging

    from bot.config import get_settings

    runtime = cli_runtime(channels=())
    if link_for:
        console.print(sign_in_link(runtime, link_for), highlight=False, soft_wrap=True)
        return
    logging.basicConfig(level=get_settings().log_level)
    asyncio.run(_serve(runtime))


def sign_in_link(runtime, email: str) -> str:  # type: ignore[no-untyped-def]
    from handlers.dashboard import access
    from storage import people

    with runtime.db.session() as session:
        person = people.by_email(session, email)
        if person is None or not person.active:
            raise fail(f"nobody active with email {email}")
        return access.sign_in_link(session, runtime.settings, person, runtime.clock.now())


async def _serve(runtime) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    from aiohttp import web

    from bot.dashboard.web import standalone_app

    runner = web.AppRunner(standalone_app(runtime))
    await runner.setup()
    site = web.TCPSite(runner, runtime.settings.http_host, runtime.settings.http_port)
    await site.start()
    console.print(
        f"dashboard on {runtime.settings.base_url}/dashboard "
        "(type dashboard in chat, or culturebot dashboard --link-for EMAIL, for a link)",
        highlight=False,
    )
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
