"""The personal home view: what is waiting for this person (Slack's App Home tab, `home` in chat).

The view is a list of sections, each a function of the handler context returning neutral parts.
The core contributes the open check-ins; later capabilities add theirs (recent stories, the
latest leadership messages) with ``section(fn)`` in their ``register``, and every platform
shows the result without change.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import col, select

import prompts
from bot.chat import Incoming, Message, Part, Response, Text
from bot.router import Router
from bot.runtime import Context
from handlers.pulse import _format_local, question_message
from storage.models import PulsePrompt, PulseRound

Section = Callable[[Context], list[Part]]
SECTIONS: list[Section] = []


def section(fn: Section) -> Section:
    """Add a section to the home view (once, in registration order)."""
    if fn not in SECTIONS:
        SECTIONS.append(fn)
    return fn


@section
def open_checkins(ctx: Context) -> list[Part]:
    """Each pulse question this person was sent and has not answered while it is still open."""
    rows = ctx.session.exec(
        select(PulsePrompt, PulseRound)
        .join(PulseRound, col(PulseRound.id) == col(PulsePrompt.round_id))
        .where(
            PulsePrompt.person_id == ctx.person.id,
            PulsePrompt.status == "sent",
            col(PulsePrompt.closes_at) > ctx.now,
        )
        .order_by(col(PulsePrompt.closes_at))
    ).all()
    if not rows:
        return []
    parts: list[Part] = [Text(text=prompts.text("home.open_checkins"), style="heading")]
    for prompt, round_ in rows:
        question = question_message(prompt, round_.question_id, ctx.person.timezone)
        closes = _format_local(prompt.closes_at, ctx.person.timezone)
        parts.extend(question.parts)
        parts.append(Text(text=prompts.text("home.closes", closes=closes), style="muted"))
    return parts


def show_home(ctx: Context, incoming: Incoming) -> Response:
    parts: list[Part] = [Text(text=prompts.text("home.title"), style="heading")]
    for build in SECTIONS:
        parts.extend(build(ctx))
    if len(parts) == 1:
        parts.append(Text(text=prompts.text("home.nothing_open")))
    return Response(replies=[Message(summary=prompts.text("home.title"), parts=tuple(parts))])


def register(router: Router) -> None:
    router.command("home")(show_home)
