"""Helpers the tests share: build an org from CSV lines, drive the console as a person."""

from __future__ import annotations

import asyncio
import io
from datetime import date

from bot.platforms.console import ConsoleChat
from bot.router import Router
from bot.runtime import Runtime
from handlers import org
from storage.models import PulseSchedule


def import_org(runtime: Runtime, csv_text: str) -> org.ImportResult:
    """Import an org from CSV text (header included) into the runtime's database."""
    with runtime.db.session() as session:
        return org.import_text(session, csv_text)


def org_csv(*rows: str) -> str:
    return "email,name,manager_email,department,role,timezone\n" + "\n".join(rows) + "\n"


class Chat:
    """Drives the console platform as one person: say lines, read what they saw."""

    def __init__(self, runtime: Runtime, router: Router, email: str) -> None:
        self.out = io.StringIO()
        self._lines: list[str] = []
        self.console = ConsoleChat(runtime, router, email, self.out, self._read)

    def _read(self, _prompt: str) -> str:
        if not self._lines:
            raise EOFError
        return self._lines.pop(0)

    def inbox(self) -> str:
        """Deliver and return what is waiting for this person (and only what is new)."""
        asyncio.run(self.console.refresh())
        return self.take()

    def say(self, line: str, *answers: str) -> str:
        """Type ``line``; ``answers`` reply to follow-up prompts (comment, form fields)."""
        self._lines = list(answers)
        asyncio.run(self.console.say(line))
        return self.take()

    def take(self) -> str:
        shown = self.out.getvalue()
        self.out.seek(0)
        self.out.truncate()
        return shown


def add_schedule(runtime: Runtime, *, weekday: int, start: date, at: str = "09:00") -> None:
    """An org-wide weekly pulse: 72 h to answer, a reminder after 24 h."""
    with runtime.db.session() as session:
        session.add(
            PulseSchedule(
                name="weekly",
                audience_kind="org",
                weekday=weekday,
                local_time=at,
                start_date=start,
                answer_window_hours=72,
                reminder_after_hours=24,
            )
        )
