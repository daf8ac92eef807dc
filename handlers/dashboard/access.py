"""Passwordless access to the dashboard: a personal sign-in link from chat, then a session.

- ``dashboard`` in chat answers the asker alone with a link carrying a **signed token**
  (HMAC-SHA256 over the person's id and access key, a random nonce and the expiry): valid
  ``dashboard_link_minutes`` (15), usable once. Opening the link shows a button; only the
  button's POST uses the token, so a chat app's link preview (which fetches links) cannot
  use it up.
- Using it writes the nonce to ``dashboard_token_use`` (its primary key refuses a second use,
  even when two requests race) and opens a **session**: a random cookie whose SHA-256 is kept
  with the person, an expiry (``dashboard_session_hours``, 8) and a CSRF token that every
  state-changing form must send back.
- The person's **access key** (``storage.dashboard``) is random and never reused: links and
  sessions name it with the id, and erasure, deactivation and re-activation delete it, so an
  old link cannot sign in whoever gets the id next, nor the same person back.
- The signing key comes from ``CULTUREBOT_DASHBOARD_SECRET`` or is generated once and kept in the
  database, so every instance signs and checks with the same key and restarts keep links valid.
  Kept in the database, it is as safe as the database: ``key_warnings`` says so at start-up
  (and to ``culturebot doctor``); ``rotate`` replaces it and ends every link and session.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from sqlmodel import Session, col, delete, select

from bot.config import Settings
from storage.dashboard import (
    DashboardSecret,
    DashboardSession,
    DashboardTokenUse,
    access_key,
    current_key,
    revoke_everyone,
)
from storage.db import exposed
from storage.models import Person
from storage.sql import insert_ignore

SECRET_NAME = "signing-key"
COOKIE = "culturebot_dashboard"
LOGIN_PATH = "/dashboard/login"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def signing_key(session: Session, settings: Settings, now: datetime) -> bytes:
    """The configured secret, else the one kept in the database (created by the first caller)."""
    if settings.dashboard_secret:
        return settings.dashboard_secret.encode("utf-8")
    row = session.get(DashboardSecret, SECRET_NAME)
    if row is None:
        insert_ignore(
            session,
            DashboardSecret,
            {"name": SECRET_NAME, "value": secrets.token_urlsafe(48), "created_at": now},
        )
        row = session.get(DashboardSecret, SECRET_NAME)
    assert row is not None
    return row.value.encode("utf-8")


def key_warnings(settings: Settings) -> list[str]:
    """What weakens the signing key, in words for an operator's log (empty when nothing):
    the key kept in the database, and a database file other users can read."""
    if settings.dashboard_secret:
        return []
    found = [
        "CULTUREBOT_DASHBOARD_SECRET is not set: the dashboard's signing key lives in the "
        "database, so whoever can read the database can sign in as anyone; set the secret, "
        "or keep the database private"
    ]
    found += [
        f"{name} is readable by other users and holds the signing key: chmod 600 it"
        for name in exposed(settings.database_url)
    ]
    return found


def rotate(session: Session, settings: Settings, now: datetime) -> int:
    """A new signing key (when it is kept in the database) and every link and session ended,
    whichever key signs: everyone's access key goes. Returns the sessions ended."""
    ended = revoke_everyone(session)
    if not settings.dashboard_secret:
        session.exec(delete(DashboardSecret).where(col(DashboardSecret.name) == SECRET_NAME))  # type: ignore[call-overload]
        signing_key(session, settings, now)
    return ended


def _sign(key: bytes, payload: str) -> str:
    return _b64(hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest())


def issue_token(session: Session, settings: Settings, person: Person, now: datetime) -> str:
    """A fresh single-use token for ``person``, valid ``dashboard_link_minutes``."""
    expires = int((now + timedelta(minutes=settings.dashboard_link_minutes)).timestamp())
    assert person.id is not None
    key = access_key(session, person.id, now)
    payload = _b64(f"2:{person.id}:{key}:{secrets.token_urlsafe(18)}:{expires}".encode("ascii"))
    return f"{payload}.{_sign(signing_key(session, settings, now), payload)}"


def sign_in_link(session: Session, settings: Settings, person: Person, now: datetime) -> str:
    return f"{settings.base_url}{LOGIN_PATH}?{urlencode({'token': issue_token(session, settings, person, now)})}"


@dataclass(frozen=True)
class TokenCheck:
    """``status``: ok | forged | expired | used. ``person_id`` only when the signature held."""

    status: str
    person_id: int | None = None
    nonce: str = ""
    expires_at: datetime | None = None
    key: str = ""


def check_token(session: Session, settings: Settings, token: str, now: datetime) -> TokenCheck:
    """Whether ``token`` may sign someone in now (without using it up)."""
    payload, _, signature = (token or "").strip().partition(".")
    key = signing_key(session, settings, now)
    if not payload or not hmac.compare_digest(_sign(key, payload).encode(), signature.encode()):
        return TokenCheck("forged")
    try:
        version, person_id, key, nonce, expires = _unb64(payload).decode("ascii").split(":")
        expires_at = datetime.fromtimestamp(int(expires), UTC)
        if version != "2":
            raise ValueError(version)
    except (ValueError, UnicodeDecodeError):
        return TokenCheck("forged")
    check = TokenCheck("ok", int(person_id), nonce, expires_at, key)
    if now >= expires_at:
        return TokenCheck("expired", check.person_id, nonce, expires_at)
    if session.get(DashboardTokenUse, nonce) is not None:
        return TokenCheck("used", check.person_id, nonce, expires_at)
    if not _key_holds(session, check.person_id, key):
        return TokenCheck("forged")
    return check


def _key_holds(session: Session, person_id: int, key: str) -> bool:
    """The person is active and ``key`` is their current access key (not a revoked one, nor
    one of an erased person whose id was given to someone else)."""
    person = session.get(Person, person_id)
    current = current_key(session, person_id)
    if person is None or not person.active or not key or current is None:
        return False
    return hmac.compare_digest(current.encode(), key.encode())


@dataclass(frozen=True)
class SignedIn:
    cookie: str
    csrf: str
    expires_at: datetime
    person_id: int


def redeem(
    session: Session, settings: Settings, token: str, now: datetime
) -> TokenCheck | SignedIn:
    """Use ``token`` once: a new session, or the check that refused it."""
    check = check_token(session, settings, token, now)
    if check.status != "ok":
        return check
    assert check.person_id is not None and check.expires_at is not None
    if not insert_ignore(
        session,
        DashboardTokenUse,
        {
            "nonce": check.nonce,
            "person_id": check.person_id,
            "used_at": now,
            "expires_at": check.expires_at,
        },
    ):
        return TokenCheck("used", check.person_id, check.nonce, check.expires_at)
    cookie = secrets.token_urlsafe(32)
    expires_at = now + timedelta(hours=settings.dashboard_session_hours)
    csrf = secrets.token_urlsafe(24)
    session.add(
        DashboardSession(
            id=_digest(cookie),
            person_id=check.person_id,
            csrf=csrf,
            created_at=now,
            expires_at=expires_at,
            access_key=check.key,
        )
    )
    _forget_expired(session, now)
    return SignedIn(cookie=cookie, csrf=csrf, expires_at=expires_at, person_id=check.person_id)


def _digest(cookie: str) -> str:
    return hashlib.sha256(cookie.encode("utf-8")).hexdigest()


def session_of(session: Session, cookie: str | None, now: datetime) -> DashboardSession | None:
    """The live session behind a cookie, or None (unknown, expired, or the person left)."""
    if not cookie:
        return None
    row = session.get(DashboardSession, _digest(cookie))
    if (
        row is None
        or row.expires_at <= now
        or not _key_holds(session, row.person_id, row.access_key)
    ):
        return None
    return row


def csrf_ok(row: DashboardSession, sent: str | None) -> bool:
    return bool(sent) and hmac.compare_digest(row.csrf.encode(), (sent or "").encode())


def sign_out(session: Session, cookie: str | None) -> None:
    if cookie:
        session.exec(delete(DashboardSession).where(col(DashboardSession.id) == _digest(cookie)))  # type: ignore[call-overload]


def _forget_expired(session: Session, now: datetime) -> None:
    """Drop sessions and used-link records that can no longer matter."""
    session.exec(delete(DashboardSession).where(col(DashboardSession.expires_at) <= now))  # type: ignore[call-overload]
    session.exec(delete(DashboardTokenUse).where(col(DashboardTokenUse.expires_at) <= now))  # type: ignore[call-overload]


def live_sessions(session: Session, person_id: int, now: datetime) -> int:
    return len(
        session.exec(
            select(DashboardSession.id).where(
                DashboardSession.person_id == person_id, col(DashboardSession.expires_at) > now
            )
        ).all()
    )
