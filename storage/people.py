"""Queries about the organisation: who someone is, who reports to whom, who is in a subtree."""

from __future__ import annotations

from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import ColumnElement, func
from sqlmodel import Session, col, select

from prompts import ENGLISH
from prompts.languages import first_spoken
from storage.models import LOCALE_LENGTH, Identity, Person
from storage.types import row_id


def by_email(session: Session, email: str) -> Person | None:
    return session.exec(select(Person).where(Person.email == email.strip().lower())).first()


# time zone sources a chat platform filled in (Slack's ``tz``, Teams' ``localTimezone``); an
# org file without a zone for that person keeps them on the next import
PLATFORM_ZONES = ("slack", "teams")


def fill_timezone(session: Session, person: Person, zone: str, source: str) -> bool:
    """Take the time zone a chat platform reports for ``person`` unless the org file gave one
    (the file always wins); True when it changed. An unknown zone name is ignored."""
    if person.timezone_source == "org" or not zone or zone == person.timezone:
        return False
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    person.timezone, person.timezone_source = zone, source
    session.add(person)
    return True


def locale_of(person: Person, default: str = ENGLISH) -> str:
    """The language culturebot speaks to ``person`` in: the first source that names one it has
    (their choice, the org file, Slack, Teams, then ``default``, CULTUREBOT_DEFAULT_LOCALE)."""
    sources = (
        person.chosen_locale,
        person.locale,
        person.slack_locale,
        person.teams_locale,
        default,
    )
    return first_spoken(sources) or ENGLISH


def note_platform_locale(
    session: Session, person: Person, platform: Literal["slack", "teams"], locale: object
) -> bool:
    """Keep the locale a chat platform reports for ``person`` ("de-DE", as it said it): Slack's
    at sync, Teams' on each activity. True when it changed; nothing said changes nothing."""
    said = str(locale or "").strip()[:LOCALE_LENGTH]
    field = f"{platform}_locale"
    if not said or getattr(person, field) == said:
        return False
    setattr(person, field, said)
    session.add(person)
    return True


def by_identity(session: Session, platform: str, external_id: str) -> Person | None:
    """The person behind a platform user id; the console platform's ids are emails."""
    if platform == "console":
        return by_email(session, external_id)
    return session.exec(
        select(Person)
        .join(Identity, col(Identity.person_id) == col(Person.id))
        .where(Identity.platform == platform, Identity.external_id == external_id)
    ).first()


def link_identity(
    session: Session,
    person: Person,
    platform: str,
    external_id: str,
    conversation_ref: str | None = None,
) -> Identity:
    """Create or refresh a person's identity on a platform (a newer reference wins)."""
    identity = session.exec(
        select(Identity).where(Identity.platform == platform, Identity.external_id == external_id)
    ).first()
    if identity is None:
        identity = session.exec(
            select(Identity).where(
                col(Identity.platform) == platform, col(Identity.person_id) == person.id
            )
        ).first()
    if identity is None:
        identity = Identity(person_id=row_id(person.id), platform=platform, external_id=external_id)
    identity.person_id = row_id(person.id)
    identity.external_id = external_id
    if conversation_ref is not None:
        identity.conversation_ref = conversation_ref
        identity.unreachable = False
        identity.unreachable_reason = None
    session.add(identity)
    return identity


def direct_reports(session: Session, person: Person) -> list[Person]:
    return list(
        session.exec(
            select(Person).where(Person.manager_id == person.id, col(Person.active).is_(True))
        )
    )


def has_reports(session: Session, person: Person) -> bool:
    count = session.exec(
        select(func.count())
        .select_from(Person)
        .where(Person.manager_id == person.id, col(Person.active).is_(True))
    ).one()
    return count > 0


def roles(session: Session, person: Person) -> list[str]:
    """The roles a person acts in: a manager is anyone with reports, whatever the org file says."""
    found = ["employee"]
    if has_reports(session, person):
        found.append("manager")
    if person.role in ("leader", "admin"):
        found.append(person.role)
    return found


def subtree(session: Session, person: Person, *, include_self: bool = False) -> list[Person]:
    """Everyone active below ``person`` in the management chain."""
    query = select(Person).where(*subtree_filter(person, include_self=include_self))
    return list(session.exec(query.order_by(col(Person.id))))


def subtree_filter(person: Person, *, include_self: bool = False) -> list[ColumnElement[bool]]:
    """The WHERE clauses of ``subtree``, for set-based statements over the same people."""
    where = [col(Person.path).startswith(person.path), col(Person.active).is_(True)]
    if not include_self:
        where.append(col(Person.id) != person.id)
    return where


def in_subtree(person: Person, root: Person) -> bool:
    return person.path.startswith(root.path) and person.id != root.id


def team_path(session: Session, person: Person) -> str:
    """The path of the team a person belongs to: their manager's path ("/" at the top)."""
    if person.manager_id is None:
        return "/"
    manager = session.get(Person, person.manager_id)
    return manager.path if manager else "/"


def top_leaders(session: Session) -> list[Person]:
    return list(
        session.exec(
            select(Person).where(col(Person.manager_id).is_(None), col(Person.active).is_(True))
        )
    )


def mark_unreachable(session: Session, platform: str, external_id: str, reason: str) -> bool:
    """Record that a platform identity cannot be reached (e.g. the app was uninstalled)."""
    identity = session.exec(
        select(Identity).where(Identity.platform == platform, Identity.external_id == external_id)
    ).first()
    if identity is None:
        return False
    identity.unreachable = True
    identity.unreachable_reason = reason[:500]
    session.add(identity)
    return True
