"""`culturebot dashboard`: serve the web dashboard alone, and print sign-in links."""

from __future__ import annotations

import logging
from datetime import datetime

import typer

from bot.cli.common import cli_runtime, console, fail

log = logging.getLogger("bot.web.dashboard")

app = typer.Typer(
    help="The web dashboard: serve it alone, or print a personal sign-in link.",
    invoke_without_command=True,
)


@app.callback()
def dashboard(
    ctx: typer.Context,
    as_: list[str] | None = typer.Option(
        None,
        "--as",
        help="Serve, and print a sign-in link for this email first (repeat it for several).",
    ),
    link_for: list[str] | None = typer.Option(
        None,
        "--link-for",
        help="Only print a sign-in link for this email, as chat would (repeat it for several).",
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

    from bot.core.clock import ShiftedClock
    from bot.core.config import get_settings
    from bot.core.logs import setup_logging

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
        for email in link_for:
            console.print(sign_in_link(runtime, email), highlight=False, soft_wrap=True)
        return
    # links made with the server's own clock: with --as-of, a link made at the real time
    # would be long expired (or not yet valid) at the clock the server runs on
    links = [(email, sign_in_link(runtime, email)) for email in as_ or []]
    setup_logging(get_settings())  # as `run`: no access log, secrets scrubbed from every line
    asyncio.run(_serve(runtime, links, as_of))


@app.command("rotate-key")
def rotate_key(
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
) -> None:
    """A new dashboard signing key: every sign-in link and session ends at once."""
    from handlers.dashboard import access
    from storage import audit

    if not yes and not typer.confirm("End every dashboard session and sign-in link now?"):
        raise typer.Exit(1)
    runtime = cli_runtime(channels=())
    now = runtime.clock.now()
    with runtime.db.session() as session:
        ended = access.rotate(session, runtime.settings, now)
        audit.record(
            session,
            "dashboard.rotate_key",
            actor=audit.cli_actor(),
            at=now,
            details={"sessions_ended": ended},
        )
    console.print(
        f"Every sign-in link and session has ended ({ended} sessions); people sign in again "
        "with a new link from chat.",
        highlight=False,
    )
    if runtime.settings.dashboard_secret:
        console.print(
            "The signing key is CULTUREBOT_DASHBOARD_SECRET: if it leaked, set a new value and "
            "restart every instance.",
            highlight=False,
        )
    else:
        console.print("A new signing key is in the database.", highlight=False)


def sign_in_link(runtime, email: str) -> str:
    from handlers.dashboard import access
    from storage import people

    with runtime.db.session() as session:
        person = people.by_email(session, email)
        if person is None or not person.active:
            raise fail(f"nobody active with email {email}")
        return access.sign_in_link(session, runtime.settings, person, runtime.clock.now())


async def _serve(runtime, links: list[tuple[str, str]], as_of: str | None = None) -> None:
    import asyncio

    from bot.web import limits
    from bot.web.dashboard import standalone_app
    from bot.web.server import stop_on_signals
    from handlers.dashboard.access import key_warnings

    for warning in key_warnings(runtime.settings):
        log.warning("dashboard: %s", warning)
    runner = await limits.serve(standalone_app(runtime), runtime.settings)
    console.print(f"dashboard on {runtime.settings.base_url}/dashboard", highlight=False)
    minutes = runtime.settings.dashboard_link_minutes
    for email, link in links:
        console.print(
            f"sign in as {email} (once, within {minutes} minutes): {link}",
            highlight=False,
            soft_wrap=True,
        )
    if not links and as_of:  # chat's links are dated at the real time: not valid at this one
        console.print(
            f"sign in with a link made at this clock: culturebot dashboard --as-of {as_of} "
            "--link-for EMAIL",
            highlight=False,
            soft_wrap=True,
        )
    elif not links:
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
