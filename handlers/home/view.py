"""The personal home view: what is waiting for this person (Slack's App Home tab, `home` in chat).

The view is a list of sections, each a function of the handler context returning neutral parts.
Here: the open work (check-ins, relays, the assessment, actions), the person's own recent stories (with a button to share one),
the latest leadership messages that reached them, acknowledged or not, and their language. A capability adds a
section with ``section(fn)``; every platform shows the result without change.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import col, select

import prompts
from bot.core.chat import Button, Buttons, Incoming, Message, Part, Response, Text, chat_time
from bot.core.router import Router
from bot.core.runtime import Context
from handlers.home import pending
from handlers.people import language
from storage.cascade_models import Cascade, CascadeReceipt
from storage.stories import Story

Section = Callable[[Context], list[Part]]
SECTIONS: list[Section] = []
RECENT_STORIES = 3
RECENT_CASCADES = 3


def section(fn: Section) -> Section:
    """Add a section to the home view (once, in registration order)."""
    if fn not in SECTIONS:
        SECTIONS.append(fn)
    return fn


@section
def open_work(ctx: Context) -> list[Part]:
    """Everything waiting for this person (handlers/home/pending.py), each with its button:
    open check-ins, relays they owe, the assessment in progress, actions to move on."""
    items = pending.open_items(ctx.session, ctx.person, ctx.now)
    checkins = [item for item in items if item.kind == "checkin"]
    others = [item for item in items if item.kind != "checkin"]
    parts: list[Part] = []
    if checkins:
        parts.append(Text(text=prompts.text("home.open_checkins"), style="heading"))
        parts.extend(part for item in checkins for part in item.parts)
    if others:
        parts.append(Text(text=prompts.text("home.waiting"), style="heading"))
        for item in others:
            parts.extend(item.parts or (Text(text=item.line),))
    return parts


@section
def recent_stories(ctx: Context) -> list[Part]:
    """The person's own last few stories and ideas, and a button to share another."""
    mine = ctx.session.exec(
        select(Story)
        .where(Story.author_id == ctx.person.id)
        .order_by(col(Story.created_at).desc())
        .limit(RECENT_STORIES)
    ).all()
    share = Buttons(
        buttons=(
            Button(
                label=prompts.text("home.share_story"),
                action="stories.start",
                value="story",
                style="primary",
            ),
        )
    )
    if not mine:
        return [share]
    lines = [
        prompts.text(
            "home.story_line",
            when=chat_time(story.created_at, ctx.person.timezone),
            kind=prompts.text(f"stories.kind_{story.kind}"),  # "A story" / "An idea", in words
            text=_short(story.what_happened),
        )
        for story in mine
    ]
    return [
        Text(text=prompts.text("home.recent_stories"), style="heading"),
        Text(text="\n".join(lines)),
        share,
    ]


@section
def leadership_messages(ctx: Context) -> list[Part]:
    """The last few cascades that reached this person, and whether they acknowledged them."""
    rows = ctx.session.exec(
        select(CascadeReceipt, Cascade)
        .join(Cascade, col(Cascade.id) == col(CascadeReceipt.cascade_id))
        .where(CascadeReceipt.person_id == ctx.person.id)
        .order_by(col(CascadeReceipt.reached_at).desc())
        .limit(RECENT_CASCADES)
    ).all()
    if not rows:
        return []
    lines = [
        prompts.text(
            "home.leadership_line",
            when=chat_time(receipt.reached_at, ctx.person.timezone),
            title=_short(cascade.title),
            state=prompts.text(
                "home.acknowledged" if receipt.acknowledged_at else "home.not_acknowledged"
            ),
        )
        for receipt, cascade in rows
    ]
    return [
        Text(text=prompts.text("home.leadership"), style="heading"),
        Text(text="\n".join(lines)),
    ]


section(language.home_parts)  # which language culturebot speaks, and a button for each other


def _short(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def show_home(ctx: Context, incoming: Incoming) -> Response:
    parts: list[Part] = [Text(text=prompts.text("home.title"), style="heading")]
    for build in SECTIONS:
        parts.extend(build(ctx))
    if not pending.open_items(ctx.session, ctx.person, ctx.now):
        parts.insert(1, Text(text=prompts.text("home.nothing_open")))
    return Response(replies=[Message(summary=prompts.text("home.title"), parts=tuple(parts))])


def register(router: Router) -> None:
    router.command("home")(show_home)
