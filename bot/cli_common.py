"""What every `culturebot` command shares: its consoles, its error exit, its runtime."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import typer
from rich.console import Console
from rich.table import Table

from bot.app import build_runtime
from bot.parsing import ID_MAX, parse_date, parse_int, parse_time
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


def _shown(value: object) -> str:
    text = str(value)
    return repr(text if len(text) <= 20 else text[:20] + "...")


def whole_number(low: int, high: int) -> Callable[[str], int]:
    """A typer ``parser=`` for a number in ``low..high`` (ASCII digits only)."""

    def parse(value: str) -> int:
        number = parse_int(value, low, high)
        if number is None:
            raise typer.BadParameter(
                f"expected a whole number from {low} to {high}, got {_shown(value)}"
            )
        return number

    return parse


def row_id(value: str) -> int:
    """A typer ``parser=`` for the number of a row (a cascade, a schedule)."""
    return whole_number(1, ID_MAX)(value)


def calendar_date(value: str) -> date:
    """A typer ``parser=`` for YYYY-MM-DD that must exist."""
    if isinstance(value, date):
        return value
    day = parse_date(value)
    if day is None:
        raise typer.BadParameter(f"expected a real date as YYYY-MM-DD, got {_shown(value)}")
    return day


def time_of_day(value: str) -> str:
    """A typer ``parser=`` for HH:MM (00:00 to 23:59); returns "HH:MM"."""
    at = parse_time(value)
    if at is None:
        raise typer.BadParameter(
            f"expected a time of day as HH:MM (00:00 to 23:59), got {_shown(value)}"
        )
    return at


def print_table(table: Table, out: Console | None = None) -> None:
    """A table, or its title and "nothing yet" when it has no rows."""
    from bot.empty import print_table as show

    show(table, out or console)
