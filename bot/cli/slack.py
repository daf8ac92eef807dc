"""`culturebot slack ...`: directory sync and the app manifest."""

from __future__ import annotations

from enum import StrEnum

import typer

from bot.cli.common import cli_runtime, console, fail

slack_app = typer.Typer(help="Slack: directory sync and the app manifest.", no_args_is_help=True)


class Mode(StrEnum):
    socket = "socket"
    http = "http"


@slack_app.command("sync")
def sync() -> None:
    """Link Slack users to people by email, fill time zones the org file left empty."""
    import asyncio

    from rich.progress import Progress, SpinnerColumn, TextColumn

    import prompts
    from bot.platforms.slack.directory import sync as run_sync

    runtime = cli_runtime()
    if not runtime.settings.slack_bot_token:
        raise fail("SLACK_BOT_TOKEN is not set")
    if console.is_terminal:
        columns = (SpinnerColumn(), TextColumn("{task.description}: {task.completed} users"))
        with Progress(*columns, console=console, transient=True) as progress:
            reading = progress.add_task("reading Slack's user list", total=None)
            linking = progress.add_task("linking by email", total=None, visible=False)

            def fetched(count: int) -> None:
                progress.advance(reading, count)

            def applied(count: int) -> None:
                progress.update(linking, visible=True)
                progress.advance(linking, count)

            result = asyncio.run(run_sync(runtime, fetched=fetched, applied=applied))
    else:  # a log or a pipe: a line per page read, one when linking is done
        read = [0]

        def fetched(count: int) -> None:
            read[0] += count
            console.print(f"reading Slack's user list: {read[0]} users", highlight=False)

        result = asyncio.run(run_sync(runtime, fetched=fetched))
        console.print(f"linking by email: {read[0]} users", highlight=False)
    console.print(
        f"{result.slack_users} Slack users: {result.linked} linked, "
        f"{result.timezones} time zones filled in from Slack",
        highlight=False,
    )
    if result.unmatched:
        console.print(prompts.text("slack.sync_unmatched", count=len(result.unmatched)))
        for who in result.unmatched:
            console.print(f"  {who}", highlight=False, markup=False)
    if result.without_slack:
        console.print(f"{len(result.without_slack)} people have no Slack account:")
        for email in result.without_slack:
            console.print(f"  {email}", highlight=False, markup=False)


@slack_app.command("manifest")
def manifest(
    mode: Mode = typer.Option(Mode.socket, help="socket (no public URL) or http."),
    url: str | None = typer.Option(None, help="HTTP mode: the bot's public https:// base URL."),
    name: str = typer.Option("culturebot", help="The app's name in Slack."),
) -> None:
    """Print the Slack app manifest (YAML) to paste at api.slack.com/apps."""
    from bot.platforms.slack.manifest import manifest_yaml

    try:
        print(manifest_yaml(mode=mode.value, url=url, name=name), end="")
    except ValueError as error:
        raise fail(str(error)) from None
