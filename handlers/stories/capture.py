"""Customer stories and ideas: capture, sentiment, the weekly cross-department digest with its
"this helps my team" button, ideas to the author's manager with their status reported back,
and the weekly "share a customer moment" invitation.

Platform-neutral: a ``story`` (or ``idea``) command answers with a ``Form`` (a Slack modal, a
Teams card, prompts field by field on the console); its submission arrives as the action
``stories.submit``. Everything a person wrote is kept and sent as plain text; platforms escape
it, so markup in a story is shown, never interpreted.

Bad input: empty fields, fields over 3,000 characters, and fields with only emoji, symbols or
whitespace are refused with a sentence naming the field. A double submit is kept once: each
form carries a one-time token (``ref``) that is unique per author in storage, and an identical
story from the same author within ten minutes is treated as the same submission too.

Scheduled work (``tick``): the invitation goes out with the pulse (to whoever was sent a pulse
prompt this week), at most once per person and ISO week (``CULTUREBOT_STORIES_INVITE_EVERY_WEEKS``
sets how often; 0 turns it off). The digest is fixed per department on the digest weekday
when its first member's local time comes, and delivered to each member at their local time.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from functools import lru_cache, partial
from typing import Any, cast
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import ColumnElement, func, or_, update
from sqlmodel import Session, col, select

import prompts
from bot.core import language, localized
from bot.core.chat import (
    Button,
    Buttons,
    Choice,
    Form,
    FormField,
    Incoming,
    Message,
    Response,
    Text,
    UserError,
    text_message,
)
from bot.core.chat import plain_text as clean
from bot.core.clock import local_instant
from bot.core.parsing import WEEKDAYS, parse_id, parse_time
from bot.core.router import Router
from bot.core.runtime import Context, Runtime
from handlers.common import drafts
from handlers.common.formatting import shortened
from handlers.common.outbox import Outgoing, Render, once_per_language, send_later, send_many
from handlers.common.sentiment import assess
from handlers.reports import anonymity, live_counts, periods
from handlers.stories.reports import ideas_by_department
from storage import job_marks, people
from storage.models import FormDraft, Person, PulsePrompt
from storage.sql import CHUNK, insert_ignore, insert_ignore_many
from storage.stories import (
    CONSENTS,
    IDEA_STATUSES,
    KINDS,
    Story,
    StoryDigest,
    StoryDigestItem,
    StoryDigestReceipt,
    StoryInvite,
    StoryReaction,
)
from storage.types import row_id

MAX_STORY = 3000
MAX_CUSTOMER = 200
DUPLICATE_WINDOW = timedelta(minutes=10)
SHARED = ("named", "anonymous")  # consents that may appear in a digest


class StoriesSettings(BaseSettings):
    """``CULTUREBOT_STORIES_*`` settings (environment or ``.env``)."""

    model_config = SettingsConfigDict(
        env_prefix="CULTUREBOT_STORIES_", env_file=".env", extra="ignore"
    )

    digest_weekday: str = "thu"
    digest_at: str = "10:00"
    digest_size: int = Field(3, ge=1, le=10)
    digest_window_weeks: int = Field(4, ge=1, le=26)
    digest_open_hours: int = Field(48, ge=1)
    invite_every_weeks: int = Field(1, ge=0, le=12)

    @field_validator("digest_weekday")
    @classmethod
    def _weekday(cls, value: str) -> str:
        short = value.strip().lower()[:3]
        if short not in WEEKDAYS:
            raise ValueError(f"must be one of {', '.join(WEEKDAYS)}")
        return short

    @field_validator("digest_at")
    @classmethod
    def _at(cls, value: str) -> str:
        at = parse_time(value)
        if at is None:
            raise ValueError("must be HH:MM")
        return at


@lru_cache
def get_stories_settings() -> StoriesSettings:
    return StoriesSettings()


# --- input ---------------------------------------------------------------------------------

_SHORTCODE = re.compile(r":[a-z0-9_+\-]+:", re.IGNORECASE)  # Slack/Teams emoji like :tada:


def has_words(text: str) -> bool:
    """False for text made only of emoji, emoji shortcodes, symbols, punctuation and spaces."""
    return any(ch.isalnum() for ch in _SHORTCODE.sub(" ", text))


def _field(
    fields: dict[str, str], name: str, label: str, *, required: bool, limit: int
) -> str | None:
    value = clean(fields.get(name))
    if not value:
        if required:
            raise UserError(prompts.text("stories.missing", field=label), field=name)
        return None
    if len(value) > limit:
        raise UserError(
            prompts.text("stories.too_long", field=label, length=len(value), limit=limit),
            field=name,
        )
    if not has_words(value):
        raise UserError(prompts.text("stories.only_symbols", field=label), field=name)
    return value


def _choice(fields: dict[str, str], name: str, allowed: tuple[str, ...], label: str) -> str:
    value = clean(fields.get(name)).lower()
    if value not in allowed:
        raise UserError(prompts.text("stories.bad_choice", field=label), field=name)
    return value


# --- capture -------------------------------------------------------------------------------


def story_form(
    kind: str | None = None, *, ref: str = "", kept: dict[str, str] | None = None
) -> Form:
    """The capture form; ``kind`` ("story" or "idea") leaves out the kind question. A form in
    progress comes back with its ``ref`` and what was ``kept`` of it pre-filled."""
    t = prompts.text
    idea = kind == "idea"
    fields: list[FormField] = [
        FormField(
            name="what_happened",
            label=t("stories.field_what_happened_idea" if idea else "stories.field_what_happened"),
            multiline=True,
            max_length=MAX_STORY,
            placeholder="" if idea else t("stories.placeholder_what_happened"),
        ),
        *(
            ()
            if idea  # an idea has no customer yet: "Who was the customer?" does not fit
            else (
                FormField(
                    name="customer",
                    label=t("stories.field_customer"),
                    required=False,
                    max_length=MAX_CUSTOMER,
                ),
            )
        ),
        FormField(
            name="what_changed",
            label=t("stories.field_what_changed_idea" if idea else "stories.field_what_changed"),
            multiline=True,
            max_length=MAX_STORY,
        ),
    ]
    if kind is None:
        fields.append(
            FormField(
                name="kind",
                label=t("stories.field_kind"),
                options=tuple(Choice(label=t(f"stories.kind_{k}"), value=k) for k in KINDS),
            )
        )
    fields.append(
        FormField(
            name="consent",
            label=t("stories.field_consent"),
            options=tuple(Choice(label=t(f"stories.consent_{c}"), value=c) for c in CONSENTS),
        )
    )
    return Form(
        action="stories.submit",
        ref=ref or f"{kind or 'any'}.{secrets.token_hex(8)}",
        title=t("stories.idea_form_title" if idea else "stories.form_title"),
        fields=drafts.prefilled(tuple(fields), kept or {}),
        submit_label=t("stories.submit"),
    )


def open_form(ctx: Context, incoming: Incoming) -> Response:
    """``story`` / ``/story`` (optionally ``story idea``), ``idea``, or the invitation's button."""
    word = (incoming.value or incoming.text or "").strip().lower()
    kind = "idea" if incoming.name == "idea" or word == "idea" else None
    if word == "story":
        kind = None
    return Response(form=story_form(kind))


def submit(ctx: Context, incoming: Incoming) -> Response:
    """Validate, score and keep a story or idea once; ideas (and private stories) go to the
    author's manager through the outbox. Refused for one field, the rest is kept (a form in
    progress, ``handlers.common.drafts``): only that field is asked again, now or after a
    restart."""
    return drafts.submitted(ctx, incoming, "stories.submit", lambda: _submit(ctx, incoming))


def _draft_line(draft: FormDraft, kept: dict[str, str]) -> str:
    kind = "idea" if draft.ref.startswith("idea.") else "story"
    return prompts.text(
        f"home.item_draft_{kind}", text=shortened(kept.get("what_happened", ""), 60)
    )


drafts.register_form("stories.submit", _draft_line, "stories.resume")


def resume(ctx: Context, incoming: Incoming) -> Response:
    """ "Finish it": a story or idea in progress, pre-filled with what was kept."""
    draft = drafts.mine(ctx, incoming, "stories.submit", prompts.text("stories.draft_gone"))
    hinted, _, _ = draft.ref.partition(".")
    kind = hinted if hinted in KINDS else None
    return Response(form=story_form(kind, ref=draft.ref, kept=drafts.kept(draft)))


def _submit(ctx: Context, incoming: Incoming) -> Response:
    t = prompts.text
    fields = dict(incoming.fields)
    hinted, _, _ = incoming.ref.partition(".")
    kind = hinted if hinted in KINDS else _choice(fields, "kind", KINDS, t("stories.field_kind"))
    idea = kind == "idea"
    what_happened = _field(
        fields,
        "what_happened",
        t("stories.field_what_happened_idea" if idea else "stories.field_what_happened"),
        required=True,
        limit=MAX_STORY,
    )
    customer = _field(
        fields, "customer", t("stories.field_customer"), required=False, limit=MAX_CUSTOMER
    )
    what_changed = _field(
        fields,
        "what_changed",
        t("stories.field_what_changed_idea" if idea else "stories.field_what_changed"),
        required=True,
        limit=MAX_STORY,
    )
    consent = _choice(fields, "consent", CONSENTS, t("stories.field_consent"))
    assert what_happened is not None and what_changed is not None
    me = ctx.person
    key = incoming.ref or incoming.event_id or f"at.{ctx.now.isoformat()}"
    recent = ctx.session.exec(
        select(Story.id).where(
            Story.author_id == me.id,
            Story.kind == kind,
            Story.what_happened == what_happened,
            Story.what_changed == what_changed,
            col(Story.created_at) > ctx.now - DUPLICATE_WINDOW,
        )
    ).first()
    if recent is not None:
        return Response(replies=[text_message(t("stories.duplicate"))])
    mood = assess(f"{what_happened}\n{what_changed}")
    manager = ctx.session.get(Person, me.manager_id) if me.manager_id else None
    if manager is not None and not manager.active:
        manager = None
    if idea and consent == "anonymous":  # a manager of few would know who it was
        manager = anonymity.idea_recipient(ctx.session, me, ctx.settings.min_group_size)
    inserted = insert_ignore(
        ctx.session,
        Story,
        {
            "author_id": me.id,
            "manager_id": manager.id if manager else None,
            "department": me.department,
            "team_path": people.team_path(ctx.session, me),
            "kind": kind,
            "consent": consent,
            "what_happened": what_happened,
            "customer": customer,
            "what_changed": what_changed,
            "language": mood.language,
            "polarity": mood.polarity,
            "subjectivity": mood.subjectivity,
            "created_at": ctx.now,
            "submission_key": key[:200],
            "status": "new" if idea else None,
            "status_version": 0,
        },
    )
    if not inserted:
        return Response(replies=[text_message(t("stories.duplicate"))])
    story = ctx.session.exec(
        select(Story).where(Story.author_id == me.id, Story.submission_key == key[:200])
    ).one()
    if manager is not None and (idea or consent == "manager"):
        send_later(
            ctx.session,
            ctx.runtime,
            manager,
            partial(manager_message, story, me),
            key=f"stories:{kind}:{story.id}:manager",
            kind=f"stories.{kind}",
        )
    if idea:
        if manager:
            said = t("stories.saved_idea", manager=manager.name)
        elif consent == "anonymous" and me.manager_id:
            said = t("stories.saved_idea_too_few")
        else:
            said = t("stories.saved_idea_no_manager")
    elif consent == "manager":
        said = (
            t("stories.saved_manager", manager=manager.name)
            if manager
            else t("stories.saved_private_no_manager")
        )
    else:
        said = t(f"stories.saved_{consent}")
    return Response(replies=[text_message(said)])


def _details(story: Story) -> list[Text]:
    t = prompts.text
    idea = story.kind == "idea"
    parts = [Text(text=language.tagged(story.what_happened, story.language), style="quote")]
    if story.customer:
        parts.append(Text(text=t("stories.customer_line", customer=story.customer), style="muted"))
    changed_key = "stories.changed_line_idea" if idea else "stories.changed_line"
    parts.append(Text(text=t(changed_key, changed=story.what_changed), style="muted"))
    return parts


def status_label(status: str | None) -> str:
    return prompts.text(f"stories.status_{status or 'new'}")


def manager_message(story: Story, author: Person) -> Message:
    """An idea (with status buttons) or a manager-only story, for the author's manager."""
    t = prompts.text
    heading_key = (
        "stories.idea_for_manager" if story.kind == "idea" else "stories.story_for_manager"
    )
    if story.consent == "anonymous":  # no name, no department: the group is who is told
        heading = t("stories.idea_for_manager_anonymous")
    else:
        heading = t(heading_key, author=author.name, department=story.department)
    parts: list[Text | Buttons] = [Text(text=heading, style="heading"), *_details(story)]
    if story.kind == "idea":
        parts.append(Text(text=t("stories.status_line", status=status_label(story.status))))
        parts.append(
            Buttons(
                buttons=tuple(
                    Button(
                        label=t(f"stories.status_button_{status}"),
                        action="stories.idea_status",
                        value=f"{story.id}:{status}",
                        style="primary" if status == "trying" else "default",
                    )
                    for status in IDEA_STATUSES
                    if status != "new"
                )
            )
        )
    return Message(summary=heading, parts=tuple(parts))


# --- ideas: status set by the manager, reported back to the author ---------------------------


def may_set_status(session: Session, manager: Person, story: Story, author: Person) -> bool:
    """The manager the idea went to, the author's current manager, or a leader above them.
    An anonymous idea: only the manager it went to, or a leader above them (whether a
    button is refused must not say whose team the idea came from)."""
    if manager.id == author.id:
        return False
    if story.consent == "anonymous":
        told = session.get(Person, story.manager_id) if story.manager_id else None
        return told is not None and (manager.id == told.id or people.in_subtree(told, manager))
    return manager.id in (story.manager_id, author.manager_id) or people.in_subtree(author, manager)


def set_idea_status(ctx: Context, incoming: Incoming) -> Response:
    t = prompts.text
    raw_id, _, status = incoming.value.partition(":")
    story_id = parse_id(raw_id)
    story = ctx.session.get(Story, story_id) if story_id else None
    if story is None or story.kind != "idea":
        raise UserError(t("stories.not_found"))
    if status not in IDEA_STATUSES:
        raise UserError(t("stories.not_found"))
    author = ctx.session.get(Person, story.author_id) if story.author_id else None
    if author is None:  # an anonymous idea whose author was erased: nobody to tell
        raise UserError(t("stories.not_found"))
    anonymity.regroup_old_ideas(ctx.session, ctx.settings.min_group_size, ctx.now)  # this too
    if not may_set_status(ctx.session, ctx.person, story, author):
        raise UserError(t("stories.status_not_allowed"))
    if story.status == status:
        return Response(
            replies=[
                text_message(
                    t("stories.status_unchanged", id=story.id, status=status_label(status))
                )
            ]
        )
    version = story.status_version + 1
    changed = ctx.session.exec(
        update(Story)
        .where(col(Story.id) == story.id, col(Story.status_version) == story.status_version)
        .values(
            status=status, status_by_id=ctx.person.id, status_at=ctx.now, status_version=version
        )
    ).rowcount
    if changed != 1:  # someone else set it in the meantime: show what it is now
        ctx.session.refresh(story)
        return Response(update=manager_message(story, author))
    ctx.session.refresh(story)
    send_later(
        ctx.session,
        ctx.runtime,
        author,
        lambda: text_message(
            t(
                "stories.status_to_author",
                idea=_excerpt(story.what_happened),
                status=status_label(status),
                manager=ctx.person.name,
            )
        ),
        key=f"stories:idea:{story.id}:status:{version}",
        kind="stories.idea_status",
    )
    return Response(
        replies=[text_message(t("stories.status_set", id=story.id, status=status_label(status)))],
        update=manager_message(story, author),
    )


def _excerpt(text: str, limit: int = 80) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def list_ideas(ctx: Context, incoming: Incoming) -> Response:
    """The leader's (and manager's) view: ideas in their subtree, grouped by department
    (``ideas weeks 4``, ``since``, ``until``: those shared in a period, as for the report)."""
    t = prompts.text
    if not people.has_reports(ctx.session, ctx.person):
        raise UserError(t("stories.ideas_only_managers"))
    anonymity.regroup_old_ideas(ctx.session, ctx.settings.min_group_size, ctx.now)
    chosen, rest = periods.typed(incoming.text, ctx.now.date(), "ideas")
    if rest:
        raise UserError(t("period.chat_usage", command="ideas"), field="weeks")
    grouped = ideas_by_department(ctx.session, ctx.person, chosen)
    scope = ctx.person.name
    if not grouped:
        if chosen:
            return Response(
                replies=[
                    text_message(t("stories.ideas_none_in", scope=scope, period=chosen.words()))
                ]
            )
        return Response(replies=[text_message(t("stories.ideas_none", scope=scope))])
    heading = t("stories.ideas_heading", scope=scope)
    if chosen:
        heading = f"{heading}, {chosen.words()}"
    parts: list[Text] = [Text(text=heading, style="heading")]
    for department, ideas in grouped.items():
        parts.append(Text(text=department or t("stories.ideas_anonymous"), style="heading"))
        lines = [
            t(
                "stories.ideas_line",
                id=idea.id,
                status=status_label(idea.status),
                text=language.tagged(_excerpt(idea.text), idea.language),
                author=idea.author or t("stories.anonymous"),
                date=localized.date_words(idea.created_on),
            )
            for idea in ideas
        ]
        parts.append(Text(text="\n".join(lines)))
    return Response(replies=[Message(summary=parts[0].text, parts=tuple(parts))])


# --- reactions -----------------------------------------------------------------------------


def helps_my_team(ctx: Context, incoming: Incoming) -> Response:
    """A "this helps my team" click: one per person and story, only across departments."""
    t = prompts.text
    story_id = parse_id(incoming.value)
    story = ctx.session.get(Story, story_id) if story_id else None
    if story is None or story.kind != "story" or story.consent not in SHARED:
        raise UserError(t("stories.not_found"))
    named = story.consent == "named" or story.department in anonymity.named_departments(
        anonymity.department_sizes(ctx.session), ctx.settings.min_group_size
    )
    # an anonymous story of a small department names none: neither may the refusal
    if story.author_id == ctx.person.id or (named and story.department == ctx.person.department):
        raise UserError(t("stories.helps_own"))
    added = insert_ignore(
        ctx.session,
        StoryReaction,
        {
            "story_id": story.id,
            "person_id": ctx.person.id,
            "department": ctx.person.department,
            "created_at": ctx.now,
        },
    )
    if not added:
        return Response(replies=[text_message(t("stories.helps_already"))])
    if not named:
        return Response(replies=[text_message(t("stories.helps_thanks_anonymous"))])
    return Response(replies=[text_message(t("stories.helps_thanks", department=story.department))])


# --- the weekly digest ---------------------------------------------------------------------


def _reaction_counts(session: Session, story_ids: list[int]) -> dict[int, int]:
    if not story_ids:
        return {}
    rows = session.exec(
        select(StoryReaction.story_id, func.count())
        .where(col(StoryReaction.story_id).in_(story_ids))
        .group_by(col(StoryReaction.story_id))
    ).all()
    return {story_id: count for story_id, count in rows}


def _readers(session: Session, story_ids: list[int]) -> dict[int, int]:
    """How many people each story reached so far (a digest carrying it was sent to them):
    the group its "helps my team" clicks come from, which grows as digests go out."""
    if not story_ids:
        return {}
    rows = session.exec(
        select(StoryDigestItem.story_id, func.count(func.distinct(StoryDigestReceipt.person_id)))
        .join(StoryDigestReceipt, col(StoryDigestReceipt.digest_id) == StoryDigestItem.digest_id)
        .where(col(StoryDigestItem.story_id).in_(story_ids))
        .group_by(col(StoryDigestItem.story_id))
    ).all()
    return {story_id: count for story_id, count in rows}


def best_stories(
    session: Session,
    department: str,
    now: datetime,
    *,
    size: int,
    window_weeks: int,
    small: Sequence[str] = (),
) -> list[Story]:
    """The digest's choice for ``department``: shared stories of *other* departments from the
    last ``window_weeks``, not shown to this department before, most "helps my team"
    reactions first, then the most recent. Private stories never qualify. An anonymous story
    of a department in ``small`` (too few people to be named) may go to its own department
    too: leaving it out there would name the department it came from."""
    shown = select(StoryDigestItem.story_id).join(
        StoryDigest, col(StoryDigest.id) == col(StoryDigestItem.digest_id)
    )
    shown = shown.where(StoryDigest.department == department)
    reactions = (
        select(StoryReaction.story_id, func.count().label("n"))
        .group_by(col(StoryReaction.story_id))
        .subquery()
    )
    query = (
        select(Story)
        .outerjoin(reactions, reactions.c.story_id == col(Story.id))
        .where(
            Story.kind == "story",
            col(Story.consent).in_(SHARED),
            or_(
                col(Story.department) != department,
                (col(Story.consent) == "anonymous") & col(Story.department).in_(small),
            ),
            col(Story.created_at) > now - timedelta(weeks=window_weeks),
            col(Story.created_at) <= now,
            col(Story.id).not_in(shown),
        )
        .order_by(
            func.coalesce(reactions.c.n, 0).desc(),
            col(Story.created_at).desc(),
            col(Story.id).desc(),
        )
        .limit(size)
    )
    return list(session.exec(query))


def digest_message(session: Session, digest: StoryDigest, k: int) -> Message | None:
    """The digest as it stands now, or None when empty; an anonymous story names its
    department only when that has at least ``k`` people. How many found a story helpful is
    a live count (it moves between two readers' local times), so it follows the live-count
    rule (handlers/reports/live_counts.py): one figure per story, over everyone the story reached so
    far (the first reader's click, read by the second, would name the first), as "N or
    more"; under ``k`` clicks or readers, nothing."""
    t = prompts.text
    rows = session.exec(
        select(Story, Person)
        .join(StoryDigestItem, col(StoryDigestItem.story_id) == col(Story.id))
        .join(Person, col(Person.id) == col(Story.author_id))
        .where(StoryDigestItem.digest_id == digest.id)
        .order_by(col(StoryDigestItem.position))
    ).all()
    if not rows:
        return None
    ids = [row_id(story.id) for story, _ in rows]
    counts, readers = _reaction_counts(session, ids), _readers(session, ids)
    heading = t("stories.digest_heading")
    parts: list[Text | Buttons] = [
        Text(text=heading, style="heading"),
        Text(text=t("stories.digest_intro"), style="muted"),
    ]
    buttons: list[Button] = []
    named = anonymity.named_departments(anonymity.department_sizes(session), k)
    for number, (story, author) in enumerate(rows, 1):
        if story.consent == "named":
            byline = t(
                "stories.digest_byline_named",
                number=number,
                department=story.department,
                author=author.name,
            )
        elif story.department in named:
            byline = t(
                "stories.digest_byline_anonymous", number=number, department=story.department
            )
        else:
            byline = t("stories.digest_byline_anonymous_no_group", number=number)
        parts.append(Text(text=byline, style="heading"))
        parts.extend(_details(story))
        helpful = live_counts.at_least(
            counts.get(row_id(story.id), 0),
            readers.get(row_id(story.id), 0),
            k,
            story.live_floor,
        )
        if helpful is not None:
            parts.append(Text(text=t("stories.digest_helpful", count=helpful), style="muted"))
        buttons.append(
            Button(
                label=t("stories.helps_button", number=number),
                action="stories.helps",
                value=str(story.id),
            )
        )
    parts.append(Buttons(buttons=tuple(buttons)))
    return Message(summary=heading, parts=tuple(parts))


def _department_zones(session: Session) -> dict[str, set[str]]:
    """Each department's time zones: what decides when its digest is due (one small query)."""
    zones: dict[str, set[str]] = {}
    for department, timezone in session.exec(
        select(Person.department, Person.timezone).distinct().where(col(Person.active).is_(True))
    ):
        zones.setdefault(department, set()).add(timezone)
    return zones


def _around(now: datetime) -> tuple[date, date, date]:
    """The local dates whose digest a tick at ``now`` may open (every zone is within a day)."""
    return now.date() - timedelta(days=1), now.date(), now.date() + timedelta(days=1)


def _digest_window(
    day: date, zones: set[str], config: StoriesSettings
) -> tuple[list[datetime], datetime, datetime]:
    """A department's digest of ``day``: the time in each of its zones, and from when until
    when it is open (its first zone's time, the last's plus the open hours)."""
    times = [local_instant(day, config.digest_at, tz) for tz in zones]
    return times, min(times), max(times) + timedelta(hours=config.digest_open_hours)


def _digest_exists(session: Session, department: str, day: date) -> bool:
    return (
        session.exec(
            select(StoryDigest.id).where(
                StoryDigest.department == department, StoryDigest.local_date == day
            )
        ).first()
        is not None
    )


def open_due_digests(session: Session, now: datetime, config: StoriesSettings, *, k: int) -> int:
    """Fix each department's digest for the week when its first member's local time comes
    (``k``: the minimum group size, below which an anonymous story names no department)."""
    weekday = WEEKDAYS.index(config.digest_weekday)
    opened = 0
    days = [day for day in _around(now) if day.weekday() == weekday]
    if not days:
        return 0
    sizes = anonymity.department_sizes(session)
    small = sorted(set(sizes) - anonymity.named_departments(sizes, k))
    for department, zones in _department_zones(session).items():
        for day in days:
            _times, first, closes = _digest_window(day, zones, config)
            if now < first or now >= closes or _digest_exists(session, department, day):
                continue
            chosen = best_stories(
                session,
                department,
                now,
                size=config.digest_size,
                window_weeks=config.digest_window_weeks,
                small=small,
            )
            if not insert_ignore(
                session,
                StoryDigest,
                {
                    "department": department,
                    "local_date": day,
                    "created_at": now,
                    "closes_at": closes,
                },
            ):
                continue
            digest = session.exec(
                select(StoryDigest).where(
                    StoryDigest.department == department, StoryDigest.local_date == day
                )
            ).one()
            for position, story in enumerate(chosen, 1):
                session.add(
                    StoryDigestItem(
                        digest_id=row_id(digest.id), story_id=row_id(story.id), position=position
                    )
                )
            opened += 1
    session.flush()
    return opened


def send_due_digests(
    session: Session, runtime: Runtime, now: datetime, config: StoriesSettings
) -> int:
    """Queue each open digest for every member of its department whose local time has come."""
    window = timedelta(hours=config.digest_open_hours)
    sent = 0
    digests = session.exec(select(StoryDigest).where(col(StoryDigest.closes_at) > now)).all()
    zones = _department_zones(session) if digests else {}
    for digest in digests:
        due = [
            tz
            for tz in zones.get(digest.department, ())
            if (at := local_instant(digest.local_date, config.digest_at, tz)) <= now < at + window
        ]
        if not due:
            continue
        received = (
            select(StoryDigestReceipt.id)
            .where(
                StoryDigestReceipt.digest_id == digest.id,
                col(StoryDigestReceipt.person_id) == col(Person.id),
            )
            .exists()
        )
        waiting = session.exec(
            select(Person).where(
                Person.department == digest.department,
                col(Person.active).is_(True),
                col(Person.timezone).in_(due),
                ~received,
            )
        ).all()
        # built only when someone is waiting for it (a digest stays open for days, read by
        # most on its first hour, and every tick until it closes would build it again), and
        # once per language its readers speak
        digest_of = once_per_language(
            partial(digest_message, session, digest, runtime.settings.min_group_size)
        )
        if not waiting or digest_of() is None:
            continue
        # empty in no language if not in this one: the same stories in every language
        message = cast(Render, digest_of)
        for person in waiting:
            if insert_ignore(
                session,
                StoryDigestReceipt,
                {"digest_id": digest.id, "person_id": person.id, "created_at": now},
            ):
                send_later(
                    session,
                    runtime,
                    person,
                    message,
                    key=f"stories:digest:{digest.id}:{person.id}",
                    kind="stories.digest",
                )
                sent += 1
    return sent


# --- the weekly invitation -----------------------------------------------------------------


def local_week(when: datetime, tz: str) -> tuple[str, date]:
    """The ISO week ("2027-W09") and its Monday, in time zone ``tz``."""
    day = when.astimezone(ZoneInfo(tz)).date()
    year, week, weekday = day.isocalendar()
    return f"{year}-W{week:02d}", day - timedelta(days=weekday - 1)


def invitation_message() -> Message:
    t = prompts.text
    return Message(
        summary=t("stories.invite"),
        parts=(
            Text(text=t("stories.invite")),
            Buttons(
                buttons=(
                    Button(
                        label=t("stories.invite_button"),
                        action="stories.start",
                        value="story",
                        style="primary",
                    ),
                )
            ),
        ),
    )


INVITE_MARK = "stories.invitations"
MARK_OVERLAP = timedelta(minutes=10)  # prompts committed by a transaction slower than a tick


def _invite_since(session: Session, now: datetime) -> datetime:
    """From when prompts are read: the last week, or since the last run (less an overlap)."""
    since = now - timedelta(days=7)
    mark = job_marks.read(session, INVITE_MARK)
    if mark is not None and mark <= now:
        since = max(since, mark - MARK_OVERLAP)
    return since


def _sent_not_invited(since: datetime, now: datetime) -> list[ColumnElement[bool]]:
    """Prompts sent in (since, now] to active people not invited since (joined with Person)."""
    invited_since = (
        select(StoryInvite.id)
        .where(
            col(StoryInvite.person_id) == col(PulsePrompt.person_id),
            col(StoryInvite.created_at) >= col(PulsePrompt.send_at),
        )
        .exists()
    )
    return [
        col(PulsePrompt.status).in_(("sent", "answered")),
        col(PulsePrompt.send_at) > since,
        col(PulsePrompt.send_at) <= now,
        col(Person.active).is_(True),
        ~invited_since,
    ]


def _next_week_turn(session: Session, now: datetime, config: StoriesSettings) -> datetime | None:
    """When an invitation could next be due with no write: those sent a prompt and not invited
    since wait only for a week to turn (the latest Monday anywhere, UTC+14's, or their own)."""
    if config.invite_every_weeks == 0:
        return None
    since = _invite_since(session, now)
    zones = session.exec(
        select(Person.timezone)
        .distinct()
        .join(PulsePrompt, col(Person.id) == col(PulsePrompt.person_id))
        .where(*_sent_not_invited(since, now))
    ).all()
    if not zones:
        return None
    return min(
        local_instant(local_week(now, tz)[1] + timedelta(weeks=1), "00:00", tz)
        for tz in {*zones, "Etc/GMT-14"}
    )


def next_due(
    session: Session, runtime: Runtime, now: datetime, config: StoriesSettings | None = None
) -> datetime | None:
    """The earliest moment from ``now`` on when ``tick`` could have work, the database staying
    as it is (None: not before something is written), from each step's own rule."""
    config = config or get_stories_settings()
    if job_marks.read(session, anonymity.REGROUPED_MARK) is None:
        return now
    times = [t for t in (_next_week_turn(session, now, config),) if t is not None]
    weekday = WEEKDAYS.index(config.digest_weekday)
    zones = _department_zones(session)
    for department, department_zones in zones.items():
        start = now.date() - timedelta(days=1)
        for day in (start + timedelta(days=n) for n in range(16)):
            if day.weekday() != weekday:
                continue
            _times, first, closes = _digest_window(day, department_zones, config)
            at = max(now, first)
            if at < closes and day in _around(at) and not _digest_exists(session, department, day):
                times.append(at)
                break
    for digest in session.exec(select(StoryDigest).where(col(StoryDigest.closes_at) > now)):
        for tz in zones.get(digest.department, ()):  # a zone whose turn comes (send_due_digests)
            if (at := local_instant(digest.local_date, config.digest_at, tz)) > now:
                times.append(at)
    return min(times) if times else None


def send_invitations(
    session: Session, runtime: Runtime, now: datetime, config: StoriesSettings
) -> int:
    """Invite whoever was sent a pulse prompt in the last week and not invited since.

    Each tick reads only the prompts sent since the previous tick (a job mark, with a small
    overlap), not the whole week: an idle tick reads nothing, whatever the history. The
    invitations of a round go out in a few statements, whatever its size."""
    if config.invite_every_weeks == 0:
        return 0
    since = _invite_since(session, now)
    job_marks.write(session, INVITE_MARK, now)
    # whoever was invited recently enough that no zone's week makes them due yet (the latest
    # Monday anywhere is UTC+14's) is left out here: the prompts of a round, read again for
    # the overlap on every tick, then cost two index seeks each, not a year of invitations
    back = timedelta(weeks=config.invite_every_weeks - 1)
    _week, latest_monday = local_week(now, "Etc/GMT-14")
    invited_recently = (
        select(StoryInvite.id)
        .where(
            col(StoryInvite.person_id) == col(PulsePrompt.person_id),
            col(StoryInvite.week_start) >= latest_monday - back,
        )
        .exists()
    )
    rows = session.exec(
        select(Person)
        .distinct()
        .join(PulsePrompt, col(Person.id) == col(PulsePrompt.person_id))
        .where(*_sent_not_invited(since, now), ~invited_recently)
    ).all()
    if not rows:
        return 0
    weeks = {tz: local_week(now, tz) for tz in {p.timezone for p in rows}}
    earliest = min(monday for _week, monday in weeks.values()) - back
    ids = sorted({row_id(p.id) for p in rows})
    latest: dict[int, date] = {}
    for start in range(0, len(ids), CHUNK):
        latest.update(
            session.exec(
                select(StoryInvite.person_id, func.max(StoryInvite.week_start))
                .where(
                    col(StoryInvite.person_id).in_(ids[start : start + CHUNK]),
                    col(StoryInvite.week_start) >= earliest,
                )
                .group_by(col(StoryInvite.person_id))
            ).all()
        )
    invites: list[dict[str, Any]] = []
    by_id = {p.id: p for p in rows}
    for person in rows:
        week, monday = weeks[person.timezone]
        last = latest.get(row_id(person.id))
        if last is None or last < monday - back:
            invites.append(
                {"person_id": person.id, "week": week, "week_start": monday, "created_at": now}
            )
    new = insert_ignore_many(session, StoryInvite, invites, returning="person_id")
    message = once_per_language(invitation_message)
    queued = [
        Outgoing(
            by_id[row["person_id"]],
            message,
            f"stories:invite:{row['person_id']}:{row['week']}",
            "stories.invite",
        )
        for row in invites
        if row["person_id"] in new
    ]
    send_many(session, runtime, queued)
    return len(queued)


def tick(runtime: Runtime, config: StoriesSettings | None = None) -> dict[str, int]:
    """Everything stories-related that is due now; the scheduler tick calls it after pulses."""
    config = config or get_stories_settings()
    now = runtime.clock.now()
    with runtime.db.session() as session:
        anonymity.regroup_old_ideas(session, runtime.settings.min_group_size, now)
        invited = send_invitations(session, runtime, now, config)
        opened = open_due_digests(session, now, config, k=runtime.settings.min_group_size)
        delivered = send_due_digests(session, runtime, now, config)
    return {"invited": invited, "digests_opened": opened, "digests_sent": delivered}


def register(router: Router) -> None:
    router.command("story")(open_form)
    router.command("idea")(open_form)
    router.command("ideas")(list_ideas)
    router.action("stories.start")(open_form)
    router.action("stories.submit")(submit)
    router.action("stories.resume")(resume)
    router.action("stories.helps")(helps_my_team)
    router.action("stories.idea_status")(set_idea_status)
