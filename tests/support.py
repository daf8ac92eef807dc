"""Helpers the tests share: build an org from CSV lines, drive the console as a person."""

from __future__ import annotations

import asyncio
import io
from datetime import date, datetime, timedelta

from sqlmodel import select

import prompts
from bot.app import run_due
from bot.core.chat import Incoming
from bot.core.router import Router
from bot.core.runtime import Runtime
from bot.platforms.console.platform import ConsoleChat
from handlers.people import org
from storage import people
from storage.models import PulsePrompt, PulseSchedule


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


def add_churn_objective(manager: Chat) -> str:
    """``manager`` (Bea in examples/people.csv) sets an objective in chat through the form:
    customer measures 3.0 -> 3.8 by 30 June 2027, with an action for Carl Okafor."""
    dimensions = list(prompts.assessment().dimensions)
    return manager.say(
        "objective add",
        "Every churned customer called",
        str(dimensions.index("customer_measures") + 1),
        "3.8",
        "2027-06-30",
        "",
        "3.0",
        "Call the ten biggest churned accounts => carl.okafor@example.com",
    )


def tick_until(runtime: Runtime, end: datetime, step: timedelta = timedelta(minutes=30)) -> None:
    """Advance the fake clock to ``end`` in steps, running the scheduler's tick at each one."""
    while runtime.clock.now() < end:
        runtime.clock.advance(step)  # type: ignore[attr-defined]
        run_due(runtime)


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


def click_score(
    runtime: Runtime, router: Router, email: str, score: int, comment: str | None = None
) -> str:
    """Click ``score`` on the check-in waiting for ``email`` (with ``comment`` when given), as
    a platform would; returns what the bot put in place of the question."""
    with runtime.db.session() as session:
        me = people.by_email(session, email)
        assert me is not None
        ref = session.exec(
            select(PulsePrompt.id).where(
                PulsePrompt.person_id == me.id, PulsePrompt.status == "sent"
            )
        ).one()
    click = Incoming(
        platform="console",
        user_id=email,
        kind="action",
        name="pulse.answer",
        ref=str(ref),
        value=str(score),
        fields={} if comment is None else {"comment": comment},
    )
    reply = router.handle(runtime, click)
    assert reply.update is not None
    return reply.update.summary


def answer(chat, email: str, score: int) -> None:  # type: ignore[no-untyped-def]
    """The person (``chat(email)``) reads their inbox and answers the check-in waiting there."""
    person = chat(email)
    person.inbox()
    summary = click_score(person.console.runtime, person.console.router, email, score)
    assert "Thanks, recorded" in summary


def comment(runtime: Runtime, router: Router, email: str, text: str) -> None:
    """``email`` answers 4 with the comment ``text``."""
    assert "with your comment" in click_score(runtime, router, email, 4, text)
