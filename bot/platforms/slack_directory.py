"""`culturebot slack sync`: link Slack users to people by email and fill in their time zones.

Reads users.list page by page (honouring 429 Retry-After), links each Slack user whose email
matches a person (storage.people.link_identity), and sets the time zone from Slack's ``tz``
where the org file gave none (a time zone from the file always wins). Reports the Slack users
nobody in the org matches, and the people with no Slack account.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import Session, col, select

from bot.platforms.slack_delivery import make_client
from bot.runtime import Runtime
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
    client: AsyncWebClient, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
) -> list[dict[str, Any]]:
    """Every member of the workspace, following cursors; waits out rate limits."""
    members: list[dict[str, Any]] = []
    cursor = ""
    waits = 0
    while True:
        try:
            page = await client.users_list(limit=PAGE, cursor=cursor or None)
        except SlackApiError as error:
            if error.response.status_code != 429 or waits >= MAX_RATE_LIMIT_WAITS:
                raise
            waits += 1
            await sleep(float(error.response.headers.get("Retry-After", 1)))
            continue
        members.extend(page.get("members") or [])
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


def _valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def apply_users(session: Session, members: list[dict[str, Any]]) -> SyncResult:
    """Link and fill time zones in the caller's transaction."""
    result = SyncResult()
    linked_ids: set[int] = set()
    for member in filter(_is_person, members):
        result.slack_users += 1
        profile = member.get("profile") or {}
        email = str(profile.get("email") or "").strip().lower()
        person = people.by_email(session, email) if email else None
        if person is None:
            shown = profile.get("real_name") or member.get("name") or member.get("id")
            result.unmatched.append(f"{shown} <{email}>" if email else f"{shown} (no email)")
            continue
        people.link_identity(session, person, "slack", str(member["id"]))
        linked_ids.add(person.id)  # type: ignore[arg-type]
        result.linked += 1
        tz = str(member.get("tz") or "")
        if person.timezone_source != "org" and tz and _valid_zone(tz) and tz != person.timezone:
            person.timezone, person.timezone_source = tz, "slack"
            session.add(person)
            result.timezones += 1
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
) -> SyncResult:
    members = await fetch_users(client or make_client(runtime.settings), sleep)

    def write() -> SyncResult:
        with runtime.db.session() as session:
            return apply_users(session, members)

    return await asyncio.to_thread(write)
