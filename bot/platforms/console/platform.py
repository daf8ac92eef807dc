"""The console platform: culturebot in a terminal, for local use, demos and tests.

It goes through exactly the same router, handlers and outbox as Slack and Teams: messages for
the person at the keyboard are claimed from the outbox and printed; questions and buttons are
answered by number; forms are filled in field by field; anything else typed is a command.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TextIO

from bot.core.chat import Buttons, Form, Incoming, Message, Question, Response, Text
from bot.core.parsing import looks_numeric, parse_int
from bot.core.router import Router
from bot.core.runtime import Runtime
from bot.delivery.worker import Address, deliver_due
from storage.people import by_email

Reader = Callable[[str], str]


def render(message: Message) -> list[str]:
    """A message as plain lines; choices and buttons are numbered from 1."""
    lines: list[str] = []
    for part in message.parts:
        if isinstance(part, Text):
            prefix = {"heading": "## ", "quote": "  > ", "muted": "  "}.get(part.style, "")
            lines.extend(prefix + line for line in part.text.splitlines() or [""])
        elif isinstance(part, Question):
            lines.append(f"  {part.prompt}")
            labels = []
            for i, choice in enumerate(part.choices, 1):
                end = (
                    part.low_label if i == 1 else part.high_label if i == len(part.choices) else ""
                )
                labels.append(
                    f"{choice.label} {end}".strip()
                    if choice.label == str(i)
                    else f"{i}) {choice.label}"
                )
            lines.append("  " + " | ".join(labels))
            lines.append(f"  (type a number 1-{len(part.choices)} to answer)")
        elif isinstance(part, Buttons):
            lines.append(
                "  " + " | ".join(f"[{i}] {b.label}" for i, b in enumerate(part.buttons, 1))
            )
        elif isinstance(part, Form):
            lines.append(f"  [1] {part.title}")
    if not lines:
        lines.append(message.summary)
    return lines


def interactive_part(message: Message) -> Question | Buttons | Form | None:
    for part in message.parts:
        if isinstance(part, Question | Buttons | Form):
            return part
    return None


@dataclass
class Pending:
    ref: str
    part: Question | Buttons | Form


class ConsolePlatform:
    """Prints messages for one person; the rest wait in the outbox for their own session."""

    name = "console"
    # printing is instant and one claim's sends all finish before the recorder first runs:
    # waiting for more outcomes to share the transaction (RECORD_LINGER) would only delay
    # every refresh of the session (the demo's scripted readers wait it hundreds of times)
    record_linger = 0.0

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.inbox: list[Pending] = []
        self._refs = itertools.count(1)

    async def send(self, address: Address, message: Message) -> str:
        ref = f"console:{next(self._refs)}"
        self.show(message, ref=ref)
        return ref

    def show(self, message: Message, *, ref: str = "") -> None:
        print("\n".join(render(message)), file=self.out)
        part = interactive_part(message)
        if part is not None:
            self.inbox.append(Pending(ref=ref, part=part))


class ConsoleChat:
    """One person's terminal session: show what is waiting, read a line, act, repeat."""

    def __init__(
        self, runtime: Runtime, router: Router, email: str, out: TextIO, read: Reader
    ) -> None:
        self.runtime = runtime
        self.router = router
        self.email = email.strip().lower()
        self.read = read
        self.platform = ConsolePlatform(out)
        self.out = out

    def _person_id(self) -> int | None:
        with self.runtime.db.session() as session:
            person = by_email(session, self.email)
            return person.id if person else None

    async def refresh(self) -> None:
        """Print every message waiting for this person."""
        person_id = self._person_id()
        if person_id is None:
            return
        while (await deliver_due(self.runtime, self.platform, person_id=person_id)).sent:
            pass

    async def run(self) -> None:
        """The loop; ends at end of input or on ``quit``."""
        await self.refresh()
        while True:
            try:
                line = self.read("> ").strip()
            except EOFError:
                return
            if line.lower() in ("quit", "exit"):
                return
            if line:
                await self.say(line)
            await self.refresh()

    async def say(self, line: str) -> None:
        """Act on one typed line: a number answers the oldest open question, else a command."""
        if looks_numeric(line) and self.platform.inbox:
            pending = self.platform.inbox[0]
            number = parse_int(line, 1, _options(pending.part))
            if number is None:
                print("  Please type one of the numbers shown.", file=self.out)
                return
            incoming = self._answer(pending, number)
            if incoming is None:
                return
            self.platform.inbox.pop(0)
        else:
            incoming = Incoming(platform="console", user_id=self.email, kind="message", text=line)
        self.show_response(self.router.handle(self.runtime, incoming))

    def _answer(self, pending: Pending, number: int) -> Incoming | None:
        """The incoming for option ``number`` of a message; None if a form was abandoned."""
        part = pending.part
        incoming = partial(
            Incoming, platform="console", user_id=self.email, message_ref=pending.ref
        )
        if isinstance(part, Question):
            fields: dict[str, str] = {}
            if part.comment_label:
                comment = self._read_optional(f"{part.comment_label} (Enter to skip): ")
                if comment:
                    fields["comment"] = comment
            return incoming(
                kind="action",
                name=part.action,
                ref=part.ref,
                value=part.choices[number - 1].value,
                fields=fields,
            )
        if isinstance(part, Buttons):
            button = part.buttons[number - 1]
            return incoming(kind="action", name=button.action, value=button.value)
        return self._fill(part)

    def _read_optional(self, prompt: str) -> str:
        try:
            return self.read(prompt).strip()
        except EOFError:
            return ""

    def _fill(self, form: Form) -> Incoming | None:
        """Ask for each field in turn; end of input abandons the form and sends nothing."""
        print(f"## {form.title}", file=self.out)
        fields: dict[str, str] = {}
        for spec in form.fields:
            if spec.options:
                print(
                    "  " + " | ".join(f"{i}) {o.label}" for i, o in enumerate(spec.options, 1)),
                    file=self.out,
                )
            kept = [o.label for o in spec.options if o.value == spec.initial] or [spec.initial]
            hint = f" [{kept[0]}; Enter keeps it]" if spec.initial else ""
            while True:
                try:
                    value = self.read(f"{spec.label}{hint}: ").strip()
                except EOFError:
                    print("  Cancelled: nothing was sent.", file=self.out)
                    return None
                picked = parse_int(value, 1, len(spec.options)) if spec.options else None
                if picked is not None:
                    value = spec.options[picked - 1].value
                value = value or spec.initial
                if value or not spec.required:
                    break
                print("  This field is required.", file=self.out)
            fields[spec.name] = value
        return Incoming(
            platform="console",
            user_id=self.email,
            kind="action",
            name=form.action,
            ref=form.ref,
            fields=fields,
        )

    def show_response(self, response: Response) -> None:
        for reply in response.replies:
            self.platform.show(reply)
        if response.update is not None:
            self.platform.show(response.update)
        if response.form is not None:
            filled = self._fill(response.form)
            if filled is not None:
                self.show_response(self.router.handle(self.runtime, filled))


def _options(part: Question | Buttons | Form) -> int:
    """How many numbered options a part offers (a form is one: "fill it in")."""
    if isinstance(part, Question):
        return len(part.choices)
    if isinstance(part, Buttons):
        return len(part.buttons)
    return 1
