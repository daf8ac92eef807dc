"""The Bot Framework's token-signing keys, and the bot's own token, fetched without blocking
the event loop.

The SDK checks each inbound activity's JWT against keys from an OpenID metadata document,
which it fetches with a blocking ``requests.get`` and no timeout, on the event loop: with
the key endpoint slow, one request (with any token) froze /healthz, the scheduler and SIGTERM.
``install`` gives the SDK this cache instead, for every metadata URL it uses:

- fetched with aiohttp (the loop keeps running), each document within
  ``CULTUREBOT_TEAMS_KEY_TIMEOUT`` seconds; one fetch at a time, the others wait for it;
- kept 24 hours, and refreshed sooner only for a key id it does not know, at most once an
  hour (as the Bot Framework documents: botbuilder-python#1210); a failed fetch is not
  retried for ``RETRY_AFTER`` seconds. So tokens naming made-up key ids cause at most one
  fetch an hour, however many arrive.

Outbound, the SDK signs each request on the event loop, where MSAL fetches the bot's token
with a blocking call when its cached one is missing or due. ``token_ready`` asks for it first
in a thread (every few minutes, within the same timeout), so the signing finds it cached; a
token that cannot be had in time fails the send (the delivery worker retries it later).
``BoundedCredentials`` are the SDK's credentials (its ``get_access_token``, through MSAL) with
an HTTP timeout, so a silent sign-in endpoint cannot hold a thread forever, and with the
sign-in authority ``CULTUREBOT_TEAMS_LOGIN_URL`` names (a national cloud's) when it is set.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from botbuilder.integration.aiohttp import ConfigurationServiceClientCredentialFactory
from botframework.connector.auth import MicrosoftAppCredentials
from botframework.connector.auth.channel_validation import ChannelValidation
from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor
from jwt.algorithms import RSAAlgorithm
from msal import ConfidentialClientApplication

log = logging.getLogger(__name__)
KEEP_SECONDS = 24 * 3600
UNKNOWN_KEY_SECONDS = 3600
RETRY_AFTER = 30.0


@dataclass(frozen=True)
class SigningKey:
    """One key as the SDK's token check reads it (``public_key``, ``endorsements``); the SDK's
    own class for it is private."""

    public_key: Any
    endorsements: list[str]


class KeyUnavailable(Exception):
    """No signing key to check the token with (unknown key id, or the keys unreachable)."""


class OpenIdKeys:
    """The signing keys behind one OpenID metadata URL (the SDK's ``_OpenIdMetadata`` API:
    ``await get(key_id)``)."""

    def __init__(
        self, url: str, timeout: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.url = url
        self.timeout = timeout
        self.clock = clock
        self.keys: dict[str, SigningKey] = {}
        self.fetched_at: float | None = None  # the last fetch that worked
        self.tried_at: float | None = None  # the last fetch, worked or not
        self._lock = asyncio.Lock()

    def _due(self, *, unknown_key: bool) -> bool:
        now = self.clock()
        if self.tried_at is not None and now - self.tried_at < RETRY_AFTER:
            return False
        if self.fetched_at is None or now - self.fetched_at >= KEEP_SECONDS:
            return True
        return unknown_key and now - self.fetched_at >= UNKNOWN_KEY_SECONDS

    async def get(self, key_id: str | None) -> SigningKey:
        if self._due(unknown_key=False):
            await self._refresh(unknown_key=False)
        if key_id not in self.keys and self._due(unknown_key=True):
            await self._refresh(unknown_key=True)
        key = self.keys.get(key_id or "")
        if key is None:
            raise KeyUnavailable(f"no signing key {str(key_id)[:40]!r} from {self.url}")
        return key

    async def _refresh(self, *, unknown_key: bool) -> None:
        async with self._lock:
            if not self._due(unknown_key=unknown_key):
                return  # another request fetched (or tried) while this one waited
            self.tried_at = self.clock()
            try:
                keys = await self._fetch()
                configs = {
                    str(k["kid"]): SigningKey(
                        RSAAlgorithm.from_jwk(json.dumps(k)), k.get("endorsements", [])
                    )
                    for k in keys
                    if isinstance(k, dict) and "kid" in k
                }
            except (aiohttp.ClientError, TimeoutError, ValueError, KeyError, TypeError) as error:
                log.warning("teams: could not fetch the signing keys: %s", type(error).__name__)
                return
            self.keys, self.fetched_at = configs, self.clock()

    async def _fetch(self) -> list[Any]:
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        async with aiohttp.ClientSession(timeout=timeout, trust_env=True) as session:
            async with session.get(self.url) as response:
                response.raise_for_status()
                jwks_uri = (await response.json(content_type=None))["jwks_uri"]
            async with session.get(jwks_uri) as response:
                response.raise_for_status()
                keys = (await response.json(content_type=None))["keys"]
        if not isinstance(keys, list):
            raise ValueError("keys is not a list")
        return keys


WARM_EVERY = 300.0  # seconds between two token checks in a thread, per set of credentials
_warmed: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()


async def token_ready(credentials: Any, timeout: float) -> None:
    """Make sure ``credentials`` hold a fresh token, fetching it off the loop; raises
    ``TimeoutError`` or the SDK's error when it cannot be had within ``timeout``."""
    fetch = getattr(credentials, "get_access_token", None)
    if fetch is None or not getattr(credentials, "microsoft_app_id", ""):
        return  # no credentials, or the emulator's anonymous ones: nothing to fetch
    now = time.monotonic()
    if now - _warmed.get(credentials, -WARM_EVERY) < WARM_EVERY:
        return
    await asyncio.wait_for(asyncio.to_thread(fetch), timeout)
    _warmed[credentials] = time.monotonic()


class BoundedCredentials(MicrosoftAppCredentials):
    """The SDK's credentials, whose MSAL client (built lazily, in the fetching thread, as the
    SDK builds it) has an HTTP timeout and, for an authority of the admin's, skips Microsoft's
    instance discovery (MSAL's documented switch for a private or national cloud)."""

    def __init__(self, made: MicrosoftAppCredentials, timeout: float, login_url: str) -> None:
        self._msal: ConfidentialClientApplication | None = None
        super().__init__(
            made.microsoft_app_id, made.microsoft_app_password, made.tenant, made.oauth_scope
        )
        self.oauth_endpoint = (
            f"{login_url.rstrip('/')}/{self.tenant}" if login_url else made.oauth_endpoint
        )
        self.timeout, self.own_authority = timeout, bool(login_url)

    @property
    def app(self) -> ConfidentialClientApplication | None:
        """What the SDK's ``get_access_token`` asks for its token (it sets None at first)."""
        if self._msal is None:
            self._msal = ConfidentialClientApplication(
                client_id=self.microsoft_app_id,
                client_credential=self.microsoft_app_password,
                authority=self.oauth_endpoint,
                timeout=self.timeout,
                instance_discovery=False if self.own_authority else None,
            )
        return self._msal

    @app.setter
    def app(self, value: ConfidentialClientApplication | None) -> None:
        self._msal = value


class BoundedCredentialFactory(ConfigurationServiceClientCredentialFactory):
    """The SDK's configuration-based factory, handing out ``BoundedCredentials``."""

    def __init__(self, configuration: Any, timeout: float, login_url: str = "") -> None:
        super().__init__(configuration)
        # MSAL's own bound is a little longer than ``token_ready``'s, which thus fires first
        # (naming the timeout) while the thread still ends soon after.
        self.timeout, self.login_url = timeout + 1.0, login_url

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> Any:
        made = await super().create_credentials(
            app_id, oauth_scope, login_endpoint, validate_authority
        )
        if not isinstance(made, MicrosoftAppCredentials) or not made.microsoft_app_id:
            return made  # the emulator's anonymous credentials: nothing to fetch
        return BoundedCredentials(made, self.timeout, self.login_url)


def install(timeout: float, channel_metadata_url: str = "") -> None:
    """Make the SDK use ``OpenIdKeys`` (with ``timeout``) for every metadata URL, and read the
    channel's keys from ``channel_metadata_url`` when one is given (the SDK's own setting)."""
    ChannelValidation.open_id_metadata_endpoint = channel_metadata_url or None
    cache: dict[str, OpenIdKeys] = {}

    def keys_for(url: str) -> OpenIdKeys:
        if url not in cache:
            cache[url] = OpenIdKeys(url, timeout)
        return cache[url]

    JwtTokenExtractor.get_open_id_metadata = staticmethod(keys_for)  # type: ignore[method-assign]
