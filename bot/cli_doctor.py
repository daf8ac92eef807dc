"""`culturebot doctor`: check the installation, one line per check (bot/doctor.py)."""

from __future__ import annotations

import asyncio

import typer

from bot.cli_common import console


def doctor() -> None:
    """Check the set-up: Slack token and scopes, signing secret, Teams token, database, clock,
    dashboard key. One line per check; exits 1 when something is wrong."""
    from bot import doctor as checks
    from bot.config import get_settings

    findings = asyncio.run(checks.run(get_settings()))
    for finding in findings:
        console.print(finding.line(), highlight=False, markup=False, soft_wrap=True)
    if any(finding.level == "fail" for finding in findings):
        raise typer.Exit(code=1)
