"""What every `culturebot` command shares: its consoles, its error exit, its runtime.

Kept light (typer only at the top, rich when something is printed): every command imports
this module, and `culturebot --help` must start fast. A database that is locked, unreachable,
read-only, full, damaged or not a database, and a server port already in use, end any command
with one ``error:`` line naming the cause and exit code 2, never a traceback.
"""

from __future__ import annotations

import atexit
import errno
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer
from typer.core import TyperGroup

from bot.core.parsing import ID_MAX, WEEKS_MAX, parse_date, parse_int, parse_time

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table
    from sqlmodel import Session

    from bot.core.runtime import Runtime
    from handlers.reports.periods import Period
    from storage.models import Person


class _LazyConsole:
    """A rich Console made when first used: importing rich.console is about an eighth of
    `culturebot --version`, and `tick` prints nothing through it. Every attribute is the
    Console's own."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Console | None = None

    def _made(self) -> Console:
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return self._console

    def __getattr__(self, name: str) -> Any:  # only for names this class does not have
        if name.startswith("__") or name in ("_options", "_console"):
            raise AttributeError(name)
        return getattr(self._made(), name)

    # Python looks these up on the class, not through __getattr__ (rich's Live uses them)
    def __enter__(self) -> Console:
        return self._made().__enter__()

    def __exit__(self, *exc: Any) -> None:
        self._made().__exit__(*exc)


console = cast("Console", _LazyConsole())
errors = cast("Console", _LazyConsole(stderr=True))
_opened: list[Runtime] = []


def fail(message: str) -> typer.Exit:
    """Print ``message`` as an error (never wrapped mid-phrase, never read as markup: it may
    quote a user's text); raise the result to exit 2."""
    from rich.markup import escape

    errors.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code=2)


def person_named(session: Session, email: str | None, *, option: str = "") -> Person | None:
    """The person an ``--as EMAIL`` (or similar) option names, None when it was not given; an
    unknown email ends the command with one error line, prefixed with ``option``."""
    if not email:
        return None
    from storage import people

    person = people.by_email(session, email)
    if person is None:
        raise fail(f"{option}nobody with email {email}")
    return person


def cli_runtime(channels: tuple[str, ...] | None = None) -> Runtime:
    """The runtime for one command, from the environment as it is now; closed by close_all."""
    from bot.app import build_runtime

    runtime = build_runtime(channels=channels)
    _opened.append(runtime)
    return runtime


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector for a short command (`status`, `tick`).

    Starting one creates hundreds of thousands of long-lived objects (SQLAlchemy, pydantic,
    the tables) and each collection on the way walks them again and frees nothing: about a
    tenth of the command's time. When it ends, what it made joins the oldest generation (a
    freeze and thaw), or the collector would resume with one collection of all of it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        if enabled:
            gc.enable()


def skip_collection_at_exit() -> None:
    """When the process ends Python walks every object once more looking for garbage, which
    the OS takes back anyway: 50-100 ms after a command that loaded SQLAlchemy and the
    tables. Everything frozen at exit (atexit runs before that walk) is not walked."""
    atexit.unregister(gc.freeze)
    atexit.register(gc.freeze)


def close_all() -> None:
    """Close the databases the command opened (the root command calls it when it ends)."""
    while _opened:
        _opened.pop().db.dispose()


class CulturebotGroup(TyperGroup):
    """The root command: turns a database failure in any sub-command into one error line."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as error:
            from storage.errors import describe

            message = describe(error, _database_url()) or _listen_problem(error)
            if message is None:
                raise
            raise fail(message) from None


# why a server cannot listen on its host and port
_LISTEN = {
    errno.EADDRINUSE: "the port is already in use (another culturebot, or another program, listens on it): stop it or set CULTUREBOT_HTTP_PORT",
    errno.EACCES: "this user may not listen on that port (ports below 1024 need privileges): set CULTUREBOT_HTTP_PORT to 1024 or above",
    errno.EADDRNOTAVAIL: "that address is not one of this machine's: check CULTUREBOT_HTTP_HOST",
}


def _listen_problem(error: BaseException) -> str | None:
    """One line for a server that could not listen (asyncio says "while attempting to bind"),
    else None."""
    if not isinstance(error, OSError) or error.errno not in _LISTEN or "bind" not in str(error):
        return None
    from bot.core.config import get_settings

    settings = get_settings()
    return f"cannot listen on {settings.http_host}:{settings.http_port}: {_LISTEN[error.errno]}"


def _database_url() -> str | None:
    """The configured database, password hidden, for error lines."""
    try:
        from sqlalchemy.engine import make_url

        from bot.core.config import get_settings

        return make_url(get_settings().database_url).render_as_string(hide_password=True)
    except Exception:  # a bad URL or setting: say the error without the place
        return None


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


def print_table(table: Table, out: Console | None = None, nothing: str | None = None) -> None:
    """A table, or its title and "nothing yet" (or ``nothing``) when it has no rows."""
    from bot.core.empty import print_table as show

    show(table, out or console, *([nothing] if nothing else []))


# The period options every report takes (one spelling, one meaning: handlers/reports/periods.py).


def _weeks(value: str) -> int:
    return whole_number(1, WEEKS_MAX)(value)


Since = Annotated[
    date | None,
    typer.Option("--since", help="Only from this date (YYYY-MM-DD).", parser=calendar_date),
]
Until = Annotated[
    date | None,
    typer.Option("--until", help="Only up to this date (YYYY-MM-DD).", parser=calendar_date),
]
Weeks = Annotated[
    int | None,
    typer.Option(
        "--weeks",
        help="Only the last N weeks: this week and N before (instead of --since).",
        parser=_weeks,
    ),
]


def period(runtime: Runtime, since: date | None, until: date | None, weeks: int | None) -> Period:
    """The period the three options give, on the runtime's clock; one error line naming the
    option when they contradict."""
    from handlers.reports import periods

    try:
        return periods.make(runtime.clock.now().date(), since=since, until=until, weeks=weeks)
    except periods.PeriodError as refusal:
        raise fail(refusal.words("--")) from None
