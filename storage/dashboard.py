"""Tables of the dashboard: its signing secret, used sign-in links, and browser sessions.

A sign-in link carries a signed token (see ``handlers.dashboard.access``); its random
``nonce`` is written here when the link is used, and the primary key makes a second use fail
even when two requests race. A browser session is kept by the SHA-256 of its cookie, so a
copy of this table opens nobody's dashboard.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from storage.models import utc_column


class DashboardSecret(SQLModel, table=True):
    """The key that signs sign-in links when ``CULTUREBOT_DASHBOARD_SECRET`` is not set:
    generated once by whichever process needs it first, then shared by every instance."""

    __tablename__ = "dashboard_secret"

    name: str = Field(primary_key=True, max_length=40)
    value: str = Field(max_length=200)
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
