"""Tables of the dashboard: its signing secret, each person's access key, used sign-in links,
and browser sessions.

A sign-in link carries a signed token (see ``handlers.dashboard.access``); its random
``nonce`` is written here when the link is used, and the primary key makes a second use fail
even when two requests race. A browser session is kept by the SHA-256 of its cookie, so a
copy of this table opens nobody's dashboard.

Links and sessions name the person's **access key** as well as their id: a random value,
never reused, that erasure, deactivation and re-activation take away (``revoke``). Ids are
reused (SQLite hands an erased person's id to the next one imported); access keys are not,
so a link or session outlives nobody's right to it.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Field, Session, SQLModel, col, delete

from storage.models import utc_column
from storage.sql import insert_ignore


class DashboardSecret(SQLModel, table=True):
    """The key that signs sign-in links when ``CULTUREBOT_DASHBOARD_SECRET`` is not set:
    generated once by whichever process needs it first, then shared by every instance."""

    __tablename__ = "dashboard_secret"

    name: str = Field(primary_key=True, max_length=40)
    value: str = Field(max_length=200)
    created_at: datetime = Field(sa_column=utc_column())


class DashboardAccess(SQLModel, table=True):
    """A person's current access key: links and sessions carry it; no row, no access."""

    __tablename__ = "dashboard_access"

    person_id: int = Field(
        foreign_key="person.id", primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    key: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=utc_column())


class DashboardTokenUse(SQLModel, table=True):
    """A sign-in link that has been used (kept until it would have expired anyway)."""

    __tablename__ = "dashboard_token_use"

    nonce: str = Field(primary_key=True, max_length=64)
    person_id: int = Field(foreign_key="person.id", index=True)
    used_at: datetime = Field(sa_column=utc_column())
    expires_at: datetime = Field(sa_column=utc_column(index=True))


class DashboardSession(SQLModel, table=True):
    """A signed-in browser: who, until when, and the token its forms must send back (CSRF)."""

    __tablename__ = "dashboard_session"

    id: str = Field(primary_key=True, max_length=64)  # sha256 hex of the cookie value
    person_id: int = Field(foreign_key="person.id", index=True)
    csrf: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=utc_column())
    expires_at: datetime = Field(sa_column=utc_column(index=True))
    # the person's access key when the session opened; revoked keys end their sessions
    access_key: str = Field(default="", max_length=64, sa_column_kwargs={"server_default": ""})


def access_key(session: Session, person_id: int, now: datetime) -> str:
    """The person's access key, made on first use (two racing processes agree on one)."""
    row = session.get(DashboardAccess, person_id)
    if row is None:
        insert_ignore(
            session,
            DashboardAccess,
            {"person_id": person_id, "key": secrets.token_urlsafe(24), "created_at": now},
        )
        row = session.get(DashboardAccess, person_id)
    assert row is not None
    return row.key


def current_key(session: Session, person_id: int) -> str | None:
    row = session.get(DashboardAccess, person_id)
    return row.key if row is not None else None


def revoke(session: Session, person_ids: Iterable[int | None]) -> None:
    """End every link and session of these people for good: their key goes, and a new one
    (made when they next ask for a link) matches nothing issued before."""
    ids = [i for i in person_ids if i is not None]  # (a person not yet flushed has none)
    if not ids:
        return
    for table in (DashboardAccess, DashboardSession):
        session.exec(delete(table).where(col(table.person_id).in_(ids)))  # type: ignore[call-overload]


def revoke_everyone(session: Session) -> int:
    """End every link and session of everyone (the signing key changed): every access key
    goes. Returns the number of sessions ended."""
    session.exec(delete(DashboardAccess))  # type: ignore[call-overload]
    result = session.exec(delete(DashboardSession))  # type: ignore[call-overload]
    return int(result.rowcount or 0)
