"""`culturebot demo`: the sample org through four simulated weeks on a fast clock.

Everything goes through the real path: the scheduler's tick opens rounds in each person's
local time, the outbox delivers to the console platform, and scripted people answer by typing
numbers into a console session, exactly as a person would.
"""

from __future__ import annotations

import asyncio
import io
import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from rich.console import Console
from sqlmodel import col, select

from bot.app import build_router, run_due
from bot.chat import Question
from bot.clock import FakeClock
from bot.config import Settings
from bot.platforms.console import ConsoleChat
from bot.runtime import Runtime
from handlers import org, reports
from storage.db import open_database
from storage.models import Outbox, Person, PulseSchedule

SAMPLE_ORG = Path(__file__).resolve().parents[1] / "examples" / "people.csv"
START = datetime(2027, 3, 7, 12, 0, tzinfo=UTC)  # a Sunday; the US changes to DST a week later
COMMENTS = {
    5: [
        "Customers loved the new onboarding call, great teamwork!",
        "Support helped us close a tricky case fast.",
    ],
    4: ["Good week, we heard a lot from customers.", "Helpful data from Sales this week."],
    3: ["Hard to tell what the leadership message means for us.", "Okay week, nothing special."],
    2: [
        "Not happy with the release, customers complained.",
        "Hand-offs with other teams were slow.",
    ],
    1: [
        "Nobody told us why customers are leaving. Frustrating.",
        "Terrible week for our customers.",
    ],
}


class Persona:
    """How one simulated person answers: some never do, some wait for the reminder."""

    def __init__(self, rng: random.Random, department: str) -> None:
        self.silent = rng.random() < 0.15
        self.delay_hours = rng.choice([0, 1, 3, 8, 30])
        self.mood = {"Support": 4.2, "Sales": 3.6, "Engineering": 3.3, "Product": 3.8}.get(
            department, 3.5
        )
        self.rng = rng

    def lines(self) -> tuple[str, str]:
        """What this person types: a score, then a comment (empty to skip it)."""
        score = min(5, max(1, round(self.rng.gauss(self.mood, 0.9))))
        comment = self.rng.choice(COMMENTS[score]) if self.rng.random() < 0.5 else ""
        return str(score), comment


def run_demo(path: Path, weeks: int, console: Console) -> None:
    path = path.resolve()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    settings = Settings(database_url=f"sqlite:///{path}")
    clock = FakeClock(START)
    runtime = Runtime(db=open_database(settings.database_url), clock=clock, settings=settings)
    router = build_router()
    with runtime.db.session() as session:
        result = org.import_text(session, SAMPLE_ORG.read_text(encoding="utf-8"))
        session.add(
            PulseSchedule(
                name="Weekly customer pulse",
                audience_kind="org",
                weekday=0,
                local_time="09:00",
                start_date=date(2027, 3, 8),
                answer_window_hours=72,
                reminder_after_hours=24,
            )
        )
        everyone = list(session.exec(select(Person).order_by(col(Person.id))))
    console.print(
        f"Imported the sample organisation: {result.created} people in "
        f"{len({p.department for p in everyone})} departments."
    )
    rng = random.Random(42)
    personas = {p.email: Persona(rng, p.department) for p in everyone}
    adhoc_by = next(p for p in everyone if p.department == "Engineering" and p.role != "employee")
    waiting: dict[str, datetime] = {}
    transcript_shown = False
    hours = weeks * 7 * 24
    for hour in range(hours):
        now = clock.advance(timedelta(hours=1))
        run_due(runtime)
        if hour == 24 * 9:
            console.print(f"\n{adhoc_by.name} (manager, Engineering) starts an ad-hoc check-in:")
            out = io.StringIO()
            chat = ConsoleChat(runtime, router, adhoc_by.email, out, _script([]))
            asyncio.run(chat.say("checkin"))
            console.print(out.getvalue().rstrip(), highlight=False, markup=False)
        for email in _with_messages(runtime):
            persona = personas[email]
            waiting.setdefault(email, now)
            if persona.silent or now - waiting[email] < timedelta(hours=persona.delay_hours):
                continue
            out = io.StringIO()
            chat = ConsoleChat(runtime, router, email, out, _script([]))
            asyncio.run(_answer_all(chat, persona))
            del waiting[email]
            if not transcript_shown:
                console.print(f"\nWhat {email} saw and typed in the console:")
                console.print(out.getvalue().rstrip(), highlight=False, markup=False)
                transcript_shown = True
    with runtime.db.session() as session:
        report = reports.build(session, min_group_size=settings.min_group_size)
    from bot.cli import print_report

    console.print(f"\nSimulated {weeks} weeks ({hours} hourly ticks).")
    print_report(report)
    console.print(
        f"\nThe demo database is {path}\nLook around as anyone in the sample org, e.g.:\n"
        f"  CULTUREBOT_DATABASE_URL=sqlite:///{path} culturebot chat --as {adhoc_by.email}",
        highlight=False,
        soft_wrap=True,
    )


def _script(lines: list[str]) -> Callable[[str], str]:
    """A reader that types ``lines`` and then reaches the end of input."""
    queue = list(lines)

    def read(_prompt: str) -> str:
        if not queue:
            raise EOFError
        return queue.pop(0)

    return read


async def _answer_all(chat: ConsoleChat, persona: Persona) -> None:
    """Show what is waiting, then answer each open question with this persona's lines."""
    await chat.refresh()
    while chat.platform.inbox:
        if not isinstance(chat.platform.inbox[0].part, Question):
            chat.platform.inbox.pop(0)  # e.g. a story invitation or digest: not answered here
            continue
        score, comment = persona.lines()
        chat.read = _script([comment])
        await chat.say(score)


def _with_messages(runtime: Runtime) -> list[str]:
    with runtime.db.session() as session:
        return list(
            session.exec(
                select(Person.email)
                .distinct()
                .join(Outbox, col(Outbox.person_id) == col(Person.id))
                .where(Outbox.status == "pending", Outbox.platform == "console")
            )
        )
