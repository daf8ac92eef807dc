"""`culturebot teams ...`: what a Teams admin needs, starting with the app package."""

from __future__ import annotations

from pathlib import Path

import typer

from bot.cli.common import console, fail

app = typer.Typer(help="Microsoft Teams.", no_args_is_help=True)
PLACEHOLDER = "https://www.example.com/culturebot"


@app.command("package")
def package(
    out: Path = typer.Option(Path("culturebot-teams.zip"), "--out", dir_okay=False),
    app_id: str | None = typer.Option(None, help="The Teams app id (default: the bot id)."),
    developer: str = typer.Option("culturebot", help="Your organisation, as Teams shows it."),
    website_url: str = typer.Option(PLACEHOLDER, help="https:// page about the bot."),
    privacy_url: str = typer.Option(PLACEHOLDER, help="https:// privacy statement."),
    terms_url: str = typer.Option(PLACEHOLDER, help="https:// terms of use."),
) -> None:
    """Write the Teams app package (manifest + icons) to upload in Teams or its admin center."""
    from bot.core.config import get_settings
    from bot.platforms.teams import package as teams_package

    bot_id = get_settings().teams_app_id
    if not bot_id:
        raise fail("set MicrosoftAppId (the Azure bot's app id) first")
    try:
        data = teams_package.manifest(
            bot_id=bot_id,
            app_id=app_id or bot_id,
            developer=developer,
            website_url=website_url,
            privacy_url=privacy_url,
            terms_url=terms_url,
        )
    except ValueError as error:
        raise fail(str(error)) from None
    out.write_bytes(teams_package.package(data))
    console.print(f"wrote {out} (manifest {teams_package.MANIFEST_VERSION}, bot {bot_id})")
    if PLACEHOLDER in (website_url, privacy_url, terms_url):
        console.print(
            "note: the developer URLs are placeholders; pass --website-url, --privacy-url and "
            "--terms-url with your own pages before publishing to your organisation."
        )
