"""`culturebot doctor`: check the installation, one line per check (bot/cli/doctor_checks.py)."""

from __future__ import annotations

import typer

from bot.cli.common import console


def doctor() -> None:
    """Check the set-up: Slack token and scopes, signing secret, Teams token, database, clock,
    dashboard key. One line per check; exits 1 when something is wrong."""
    import asyncio

    from bot.cli import doctor_checks as checks
    from bot.core.config import get_settings

    findings = asyncio.run(checks.run(get_settings()))
    for finding in findings:
        console.print(finding.line(), highlight=False, markup=False, soft_wrap=True)
    if any(finding.level == "fail" for finding in findings):
        raise typer.Exit(code=1)
