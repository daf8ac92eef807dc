"""What every `culturebot` command shares: its consoles, its error exit, its runtime."""

from __future__ import annotations

import typer
from rich.console import Console

from bot.app import build_runtime
from bot.runtime import Runtime

console = Console()
errors = Console(stderr=True)
_opened: list[Runtime] = []


def fail(message: str) -> typer.Exit:
    """Print ``message`` as an error (never wrapped mid-phrase); raise the result to exit 2."""
    errors.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code=2)


def cli_runtime(channels: tuple[str, ...] | None = None) -> Runtime:
    """The runtime for one command, from the environment as it is now; closed by close_all."""
    runtime = build_runtime(channels=channels)
    _opened.append(runtime)
    return runtime


def close_all() -> None:
    """Close the databases the command opened (the root command calls it when it ends)."""
    while _opened:
        _opened.pop().db.dispose()
