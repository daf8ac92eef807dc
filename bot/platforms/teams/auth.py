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
from botframework.connector.auth.channel_validation import ChannelValidation
from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor
from jwt.algorithms import RSAAlgorithm

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


def install(timeout: float, channel_metadata_url: str = "") -> None:
    """Make the SDK use ``OpenIdKeys`` (with ``timeout``) for every metadata URL, and read the
    channel's keys from ``channel_metadata_url`` when one is given (the SDK's own setting)."""
    ChannelValidation.open_id_metadata_endpoint = channel_metadata_url or None
    cache: dict[str, OpenIdKeys] = {}

    def keys_for(url: str) -> OpenIdKeys:
        if url not in cache:
            cache[url] = OpenIdKeys(url, timeout)
        return cache[url]

    JwtTokenExtractor.get_open_id_metadata = staticmethod(keys_for)
