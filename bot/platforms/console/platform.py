"""The console platform: culturebot in a terminal, for local use, demos and tests.

It goes through exactly the same router, handlers and outbox as Slack and Teams: messages for
the person at the keyboard are claimed from the outbox and printed; questions and buttons are
answered by number; forms are filled in field by field; anything else typed is a command.

A typed number answers what was shown last (the latest reply, or the latest messages that
arrived). When that showed several numbered prompts, each carries its own label (a, b, ...) and a bare
number is not guessed: the console asks which one is meant ("b 1" answers prompt b).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import TextIO

import prompts
from bot.core.chat import (
    REPLY_FIELD,
    TICKED,
    Buttons,
    Form,
    FormField,
    Incoming,
    Message,
    Question,
    Response,
    Text,
    words_only,
)
from bot.core.parsing import looks_numeric, parse_int
from bot.core.router import Router
from bot.core.runtime import Runtime
from bot.delivery.worker import Address, deliver_due
from storage.people import by_email

Reader = Callable[[str], str]


def render(message: Message, labels: dict[int, str] | None = None) -> list[str]:
    """A message as plain lines; choices and buttons are numbered from 1. ``labels`` (the
    index of an interactive part -> its label) marks each of several prompts with its own."""
    lines: list[str] = []
    for index, part in enumerate(message.parts):
        mark = f"({labels[index]}) " if labels and index in labels else ""
        if isinstance(part, Text):
            prefix = {"heading": "## ", "quote": "  > ", "muted": "  "}.get(part.style, "")
            lines.extend(prefix + line for line in part.text.splitlines() or [""])
        elif isinstance(part, Question):
            lines.append(f"  {mark}{part.prompt}")
            names = []
            scale = _scale(part)
            for i, choice in enumerate(part.choices, 1):
                end = (
                    part.low_label if i == 1 else part.high_label if i == len(part.choices) else ""
                )
                names.append(
                    f"{choice.label} {end}".strip()
                    if choice.label == str(i) or scale
                    else f"{i}) {choice.label}"
                )
            lines.append("  " + " | ".join(names))
            low, high = _numbers(part)
            if low == 0:  # a 0-10 scale: the number typed is the answer, 0 included
                lines.append("  " + prompts.text("console.type_scale", low=low, high=high))
            else:
                lines.append("  " + prompts.text("console.type_number", high=len(part.choices)))
        elif isinstance(part, Buttons):
            lines.append("  " + mark + buttons_line(part))
        elif isinstance(part, Form):
            lines.append(f"  {mark}[1] {part.title}")
    if not lines:
        lines.append(message.summary)
    return lines


def buttons_line(part: Buttons) -> str:
    return " | ".join(f"[{i}] {b.label}" for i, b in enumerate(part.buttons, 1))


Interactive = Question | Buttons | Form


def interactive_parts(message: Message) -> list[tuple[int, Interactive]]:
    """Every part of a message that is answered by a number, with its index."""
    return [(i, p) for i, p in enumerate(message.parts) if isinstance(p, Question | Buttons | Form)]


def interactive_part(message: Message) -> Interactive | None:
    parts = interactive_parts(message)
    return parts[0][1] if parts else None


def describe(part: Interactive) -> str:
    """One line that tells an open prompt apart from the others."""
    if isinstance(part, Question):
        low, high = _numbers(part)
        return f"{part.prompt} ({low}-{high})"
    if isinstance(part, Buttons):
        return buttons_line(part)
    return f"[1] {part.title}"


@dataclass
class Pending:
    ref: str
    part: Interactive
    label: str = ""
    batch: int = 0


def _label(n: int) -> str:
    """a, b, ..., z, aa, ab, ...: short enough to type before a number."""
    letters = ""
    while True:
        n, rest = divmod(n, 26)
        letters = chr(ord("a") + rest) + letters
        if n == 0:
            return letters
        n -= 1


LONG_FORM = 5  # a form with this many choices shows "3 of 15" before each
LABELLED = re.compile(r"^([a-z]{1,3})\s*[.):]?\s+(\S+)$")
YES = ("y", "yes")  # a yes to a (y/N) question


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
        self._labels = itertools.count(0)
        self.batch = 0  # grows with each typed line and each delivery: the latest is "last"
        self.locale = prompts.current_locale()  # of the message shown last: the session's own

    async def send(self, address: Address, message: Message) -> str:
        ref = f"console:{next(self._refs)}"
        self.show(message, ref=ref)
        return ref

    def show(self, message: Message, *, ref: str = "") -> None:
        message = words_only(message)  # times in the reader's words, language and zone
        parts = interactive_parts(message)
        pending = [
            Pending(ref=ref, part=part, label=_label(next(self._labels)), batch=self.batch)
            for _, part in parts
        ]
        labels = {index: p.label for (index, _), p in zip(parts, pending, strict=True)}
        self.locale = message.locale
        with prompts.speaking(message.locale):
            lines = render(message, labels if len(parts) > 1 else None)
        print("\n".join(lines), file=self.out)
        self.inbox.extend(pending)

    def last_shown(self) -> list[Pending]:
        """The open prompts shown last: those of the latest reply or delivery."""
        if not self.inbox:
            return []
        latest = self.inbox[-1].batch
        return [p for p in self.inbox if p.batch == latest]

    def labelled(self, label: str) -> Pending | None:
        return next((p for p in self.inbox if p.label == label), None)


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
        self.platform.batch += 1  # what arrives now is shown after any reply before it
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
        """Act on one typed line: a number answers the prompt shown last ("b 3" answers the
        prompt labelled b), anything else is a command. The session's own questions (which
        one? which number?) are in the language of what it showed last."""
        with prompts.speaking(self.platform.locale):
            await self._say(line)

    async def _say(self, line: str) -> None:
        try:
            pending, typed = self._target(line)
            if pending is None and typed:
                return  # explained (which one? which number?) and nothing sent
            if pending is not None:
                number = parse_int(typed, *_numbers(pending.part))
                if number is None:
                    print("  " + prompts.text("console.which_number"), file=self.out)
                    return
                incoming = self._answer(pending, number)
                if incoming is None:
                    return
                self.platform.inbox.remove(pending)
            else:
                incoming = Incoming(
                    platform="console", user_id=self.email, kind="message", text=line
                )
        finally:
            self.platform.batch += 1
        self.show_response(self.router.handle(self.runtime, incoming))

    def _target(self, line: str) -> tuple[Pending | None, str]:
        """The open prompt a typed line answers and the number typed for it; (None, "") for a
        command; (None, number) when the console explained instead of guessing."""
        labelled = LABELLED.match(line.strip().lower())
        if labelled and looks_numeric(labelled.group(2)):
            pending = self.platform.labelled(labelled.group(1))
            if pending is not None:
                return pending, labelled.group(2)
        if not looks_numeric(line) or not self.platform.inbox:
            return None, ""
        shown = self.platform.last_shown()
        fits = [p for p in shown if parse_int(line, *_numbers(p.part)) is not None]
        if len(fits) == 1 or len({p.part for p in shown}) == 1:
            return (fits or shown)[-1], line  # "4" only answers the 1-5 one; or all the same
        print("  " + prompts.text("console.which_one"), file=self.out)
        for pending in shown:
            print(f"  ({pending.label}) {describe(pending.part)}", file=self.out)
        example = f"{shown[-1].label} {line.strip()}"
        print("  " + prompts.text("console.which_example", example=example), file=self.out)
        return None, line

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
                if comment and part.reply_label:
                    tick = self._read_optional(prompts.text("conversations.tick_question") + " ")
                    if tick.lower() in YES:
                        fields[REPLY_FIELD] = TICKED
            scale = _scale(part)
            return incoming(
                kind="action",
                name=part.action,
                ref=part.ref,
                value=str(number) if scale else part.choices[number - 1].value,
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
        form = words_only(form)
        print(f"## {form.title}", file=self.out)
        fields: dict[str, str] = {}
        for spec in form.fields:
            value = self._ask(spec, _progress(form, spec))
            if value is None:
                print("  " + prompts.text("console.cancelled"), file=self.out)
                return None
            fields[spec.name] = value
        return Incoming(
            platform="console",
            user_id=self.email,
            kind="action",
            name=form.action,
            ref=form.ref,
            fields=fields,
        )

    def _ask(self, spec: FormField, progress: str = "") -> str | None:
        """One field, asked until it is answered well: an option by its number (or its
        name), a required field not empty. None at end of input."""
        if progress:
            print(f"  {progress}", file=self.out)
        if spec.options:
            print(
                "  " + " | ".join(f"{i}) {o.label}" for i, o in enumerate(spec.options, 1)),
                file=self.out,
            )
        kept = [o.label for o in spec.options if o.value == spec.initial] or [spec.initial]
        hint = f" [{kept[0]}; Enter keeps it]" if spec.initial else ""
        colon = "" if spec.label.rstrip().endswith((".", "?", "!", ":")) else ":"
        while True:
            try:
                value = self.read(f"{spec.label}{colon}{hint} ").strip()
            except EOFError:
                return None
            if spec.options and value:
                picked = _option(spec, value)
                if picked is None:
                    print("  " + prompts.text("console.which_number"), file=self.out)
                    continue
                value = picked
            value = value or spec.initial
            if value or not spec.required:
                return value
            print("  This field is required.", file=self.out)

    def show_response(self, response: Response) -> None:
        for reply in response.replies:
            self.platform.show(reply)
        if response.update is not None:
            self.platform.show(response.update)
        if response.form is not None:
            filled = self._fill(response.form)
            if filled is not None:
                self._submit(response.form, filled)

    def _submit(self, form: Form, filled: Incoming) -> None:
        """Send a filled form; when it is refused for one field, ask for that field again
        and send it with the others kept (as a Slack modal keeps what was typed)."""
        while True:
            response = self.router.handle(self.runtime, filled)
            spec = next((f for f in form.fields if f.name == response.refused_field), None)
            if not response.refused or spec is None or response.form is not None:
                self.show_response(response)
                return
            for reply in response.replies:
                self.platform.show(reply)
            value = self._ask(spec)
            if value is None:
                print("  " + prompts.text("console.cancelled"), file=self.out)
                return
            filled = replace(filled, fields={**filled.fields, spec.name: value})


def _option(spec: FormField, typed: str) -> str | None:
    """The value of the option typed by its number, its label or its value; None if none."""
    number = parse_int(typed, 1, len(spec.options)) if looks_numeric(typed) else None
    if number is not None:
        return spec.options[number - 1].value
    for option in spec.options:
        if typed.lower() in (option.label.lower(), option.value.lower()):
            return option.value
    return None


def _progress(form: Form, spec: FormField) -> str:
    """ "3 of 15" before each choice of a long form (the assessment's statements)."""
    choices = [f for f in form.fields if f.options]
    if len(choices) < LONG_FORM or spec not in choices:
        return ""
    return prompts.text("console.progress", at=choices.index(spec) + 1, of=len(choices))


def _scale(part: Question) -> range | None:
    """The numbers of a question whose choices are a run of whole numbers labelled as
    themselves (1-5, or eNPS's 0-10): typing one answers with that very number. None when
    the choices are numbered from 1 instead."""
    labels = [c.label for c in part.choices]
    if not labels or not all(c.label == c.value and c.label.isdigit() for c in part.choices):
        return None
    scale = range(int(labels[0]), int(labels[0]) + len(labels))
    return scale if labels == [str(n) for n in scale] else None


def _numbers(part: Interactive) -> tuple[int, int]:
    """The lowest and highest number a part takes: a scale's own ends, else 1 to its count."""
    if isinstance(part, Question) and (scale := _scale(part)) is not None:
        return scale[0], scale[-1]
    return 1, _options(part)


def _options(part: Interactive) -> int:
    """How many numbered options a part offers (a form is one: "fill it in")."""
    if isinstance(part, Question):
        return len(part.choices)
    if isinstance(part, Buttons):
        return len(part.buttons)
    return 1
