"""Printing a rich table that may be empty: an empty table shows its title and "nothing yet"
instead of a frame with headers and no rows."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only printed here: the commands that never print skip importing rich
    from rich.console import Console
    from rich.table import Table

NOTHING_YET = "nothing yet"


def print_table(table: Table, out: Console, nothing: str = NOTHING_YET) -> None:
    """``table``, or "<title>: nothing yet" (or ``nothing``, e.g. "nothing in this period")
    when it has no rows."""
    if table.row_count:
        out.print(table)
    else:
        out.print(f"{table.title or 'this list'}: {nothing}", highlight=False)
