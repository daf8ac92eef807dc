"""`culturebot dashboard`: serve the web dashboard alone, and print sign-in links."""

from __future__ import annotations

from datetime import datetime

import typer

from bot.cli_common import cli_runtime, console, fail

app = typer.Typer(
    help="The web dashboard: serve it alone, or print a personal sign-in link.",
    invoke_without_command=True,
)


@app.callback()
def dashboard(
    ctx: typer.Context,
    as_: str | None = typer.Option(
        None, "--as", help="Serve, and print a sign-in link for this email first."
    ),
    link_for: str | None = typer.Option(
        None, "--link-for", help="Only print a sign-in link for this email (as chat would)."
    ),
    as_of: str | None = typer.Option(
        None,
        "--as-of",
        help="Show the data as of this time (ISO, e.g. the demo's 2027-04-04T12:00Z); time "
        "still passes from there.",
    ),
) -> None:
    """Serve the dashboard on CULTUREBOT_HTTP_HOST:CULTUREBOT_HTTP_PORT, without chat platforms."""
    if ctx.invoked_subcommand is not None:
        return
    import asyncio

    from bot.clock import ShiftedClock
    from bot.config import get_settings
    from bot.logs import setup_logging

    runtime = cli_runtime(channels=())
    if as_of:
        try:
            at = datetime.fromisoformat(as_of.replace("Z", "+00:00"))
        except ValueError:
            raise fail(f"--as-of: not an ISO time: {as_of!r}") from None
        if at.tzinfo is None:
            raise fail("--as-of needs a time zone, e.g. 2027-04-04T12:00Z")
        runtime.clock = ShiftedClock(at)
    if link_for:
        console.print(sign_in_link(runtime, link_for), highlight=False, soft_wrap=True)
        return
    link = sign_in_link(runtime, as_) if as_ else None
    setup_logging(get_settings())  # as `run`: no access log, secrets scrubbed from every line
    asyncio.run(_serve(runtime, link))


def sign_in_link(runtime, email: str) -> str:  # type: ignore[no-untyped-def]
    from handlers.dashboard import access
    from storage import people

    with runtime.db.session() as session:
        person = people.by_email(session, email)
        if person is None or not person.active:
            raise fail(f"nobody active with email {email}")
        return access.sign_in_link(session, runtime.settings, person, runtime.clock.now())


async def _serve(runtime, link: str | None) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    from bot import limits
    from bot.dashboard.web import standalone_app
    from bot.server import stop_on_signals

    runner = await limits.serve(standalone_app(runtime), runtime.settings)
    console.print(f"dashboard on {runtime.settings.base_url}/dashboard", highlight=False)
    if link:
        console.print(f"sign in (once, within 15 minutes): {link}", highlight=False, soft_wrap=True)
    else:
        console.print(
            "sign in with a link from chat (dashboard), or: culturebot dashboard --link-for EMAIL",
            highlight=False,
        )
    stop = asyncio.Event()
    stop_on_signals(stop)  # SIGTERM/SIGINT: stop gracefully, as `run` does
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
