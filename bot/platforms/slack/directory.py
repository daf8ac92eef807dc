"""Link Slack users to people by email and fill in their time zones.

`culturebot slack sync` reads users.list page by page (honouring 429 Retry-After), links each
Slack user whose email matches a person (storage.people.link_identity), and sets the time zone
from Slack's ``tz`` where the org file gave none (a time zone from the file always wins), and
keeps each user's Slack ``locale`` (asked for with include_locale). It
reports the Slack users nobody in the org matches, and the people with no Slack account.

The ``team_join`` and ``user_change`` events do the same for one user the moment Slack tells
us (``apply_member``), so a new hire is linked without another sync; a user deleted in Slack
is marked unreachable, and linked again if they come back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import Session, col, select

from bot.core.runtime import Runtime
from bot.platforms.slack.delivery import make_client
from storage import people
from storage.models import Identity, Person

PAGE = 200
MAX_RATE_LIMIT_WAITS = 10


@dataclass
class SyncResult:
    slack_users: int = 0
    linked: int = 0
    timezones: int = 0
    unmatched: list[str] = field(default_factory=list)  # Slack users nobody in the org matches
    without_slack: list[str] = field(default_factory=list)  # active people not found in Slack


async def fetch_users(
    client: AsyncWebClient,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    progress: Callable[[int], None] | None = None,
) -> list[dict[str, Any]]:
    """Every member of the workspace, following cursors; waits out rate limits.
    ``progress`` is told how many users each page brought."""
    members: list[dict[str, Any]] = []
    cursor = ""
    waits = 0
    while True:
        try:
            # include_locale: each member's Slack language ("de-DE"), which speaks for them
            # unless they chose one or the org file gave one (storage.people.locale_of)
            page = await client.users_list(limit=PAGE, cursor=cursor or None, include_locale=True)
        except SlackApiError as error:
            if error.response.status_code != 429 or waits >= MAX_RATE_LIMIT_WAITS:
                raise
            waits += 1
            await sleep(float(error.response.headers.get("Retry-After", 1)))
            continue
        members.extend(page.get("members") or [])
        if progress:
            progress(len(page.get("members") or []))
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or ""
        if not cursor:
            return members


def _is_person(member: dict[str, Any]) -> bool:
    return not (
        member.get("deleted")
        or member.get("is_bot")
        or member.get("is_app_user")
        or member.get("id") == "USLACKBOT"
    )


DELETED_REASON = "deleted in Slack"


@dataclass(frozen=True)
class MemberOutcome:
    """What one Slack user came to: "linked" (with ``timezone`` True when Slack's filled in
    the person's zone), "unmatched" (``shown`` says who), "unreachable" (deleted in Slack) or
    "ignored" (a bot, Slackbot, or a deleted user we never linked)."""

    outcome: str
    shown: str = ""
    timezone: bool = False


def apply_member(session: Session, member: dict[str, Any]) -> MemberOutcome:
    """Link one Slack user (users.list member, or a team_join/user_change event's ``user``)
    to the person with their email, in the caller's transaction."""
    user_id = str(member.get("id") or "")
    if not user_id:
        return MemberOutcome("ignored")
    if member.get("deleted"):
        marked = people.mark_unreachable(session, "slack", user_id, DELETED_REASON)
        return MemberOutcome("unreachable" if marked else "ignored")
    if not _is_person(member):
        return MemberOutcome("ignored")
    profile = member.get("profile") or {}
    email = str(profile.get("email") or "").strip().lower()
    person = people.by_email(session, email) if email else None
    if person is None:
        shown = profile.get("real_name") or member.get("name") or user_id
        return MemberOutcome("unmatched", f"{shown} <{email}>" if email else f"{shown} (no email)")
    identity = people.link_identity(session, person, "slack", user_id)
    if identity.unreachable and identity.unreachable_reason == DELETED_REASON:
        identity.unreachable, identity.unreachable_reason = False, None
    zone_filled = people.fill_timezone(session, person, str(member.get("tz") or ""), "slack")
    people.note_platform_locale(session, person, "slack", member.get("locale"))
    return MemberOutcome("linked", timezone=zone_filled)


def apply_users(
    session: Session,
    members: list[dict[str, Any]],
    progress: Callable[[int], None] | None = None,
) -> SyncResult:
    """Link and fill time zones in the caller's transaction."""
    result = SyncResult()
    for member in members:
        if progress:
            progress(1)
        if not _is_person(member):
            if member.get("deleted"):
                apply_member(session, member)
            continue
        result.slack_users += 1
        done = apply_member(session, member)
        if done.outcome == "unmatched":
            result.unmatched.append(done.shown)
        elif done.outcome == "linked":
            result.linked += 1
            result.timezones += done.timezone
    session.flush()
    on_slack = set(
        session.exec(select(Identity.person_id).where(Identity.platform == "slack")).all()
    )
    result.without_slack = [
        p.email
        for p in session.exec(
            select(Person).where(col(Person.active).is_(True)).order_by(col(Person.email))
        )
        if p.id not in on_slack
    ]
    return result


async def sync(
    runtime: Runtime,
    client: AsyncWebClient | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    fetched: Callable[[int], None] | None = None,
    applied: Callable[[int], None] | None = None,
) -> SyncResult:
    """The whole sync; ``fetched`` hears of each page read, ``applied`` of each user linked."""
    members = await fetch_users(client or make_client(runtime.settings), sleep, fetched)

    def write() -> SyncResult:
        with runtime.db.session() as session:
            return apply_users(session, members, applied)

    return await asyncio.to_thread(write)
