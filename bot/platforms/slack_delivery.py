"""Sending culturebot's queued messages to Slack: paced, retried, and classified on failure.

The delivery worker (bot/delivery.py) calls ``SlackPlatform.send`` for each outbox row. We pace
sends ourselves (about one message a second per channel, and a configurable global ceiling)
rather than discovering Slack's limits through 429s; a 429 that still comes pauses every sender
for its Retry-After. 5xx and connection errors are retried here a few times with backoff and
jitter; after that the row goes back to the outbox with a retry time, and the outbox
dead-letters it after its bounded number of attempts.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.chat import Message
from bot.config import Settings
from bot.delivery import Address, DeliveryError, backoff
from bot.platforms import slack_blocks

log = logging.getLogger(__name__)

# Errors meaning "this person cannot be reached on Slack", not "try again later".
UNREACHABLE = frozenset(
    {
        "user_not_found",
        "account_inactive",
        "cannot_dm_bot",
        "user_disabled",
        "channel_not_found",
        "is_archived",
        "not_in_channel",
        "messages_tab_disabled",
        "user_not_visible",
    }
)
RETRYABLE = frozenset({"ratelimited", "internal_error", "fatal_error", "service_unavailable"})


def make_client(settings: Settings, token: str | None = None) -> AsyncWebClient:
    """The Web API client every Slack call goes through (CULTUREBOT_SLACK_API_URL decides where)."""
    return AsyncWebClient(
        token=token if token is not None else settings.slack_bot_token,
        base_url=settings.slack_api_url.rstrip("/") + "/",
        timeout=settings.slack_timeout,  # type: ignore[arg-type]
    )


class Pacer:
    """Hands out send slots: one per ``per_second`` globally, one per ``interval`` per channel.

    Slots are booked in order under a lock, so N sends at rate R take N/R seconds, evenly
    spaced, instead of bursting into 429s. ``pause`` pushes every later slot back (Retry-After).
    """

    def __init__(
        self,
        per_second: float,
        channel_interval: float = 1.0,
        *,
        now: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.gap = 1.0 / per_second
        self.channel_interval = channel_interval
        self._now = now
        self._sleep = sleep
        self._next = 0.0
        self._last = float("-inf")
        self._channels: dict[str, float] = {}
        self._lock = asyncio.Lock()

    async def wait(self, channel: str) -> None:
        async with self._lock:
            now = self._now()
            slot = max(now, self._next, self._channels.get(channel, 0.0))
            self._next = slot + self.gap
            if self.channel_interval:
                self._channels[channel] = slot + self.channel_interval
                if len(self._channels) > 10_000:  # forget channels whose slot has passed
                    self._channels = {c: t for c, t in self._channels.items() if t > now}
        if slot > now:
            await self._sleep(slot - now)
        # senders that woke together after the event loop stalled go out spread, not in a burst
        async with self._lock:
            now = self._now()
            at = max(now, self._last + self.gap / 2)
            self._last = at
        if at > now:
            await self._sleep(at - now)

    def pause(self, seconds: float) -> None:
        self._next = max(self._next, self._now() + seconds)


class SlackPlatform:
    """The delivery side of Slack: a message to a person is a DM (chat.postMessage to the user)."""

    name = "slack"

    def __init__(
        self,
        settings: Settings,
        *,
        client: AsyncWebClient | None = None,
        tries: int = 3,
        max_wait: float = 30.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.client = client or make_client(settings)
        self.pacer = Pacer(
            settings.slack_max_per_second, settings.slack_channel_interval, sleep=sleep
        )
        self.concurrency = settings.slack_concurrency
        self.tries = tries
        self.max_wait = max_wait
        self._sleep = sleep
        self._loop: asyncio.AbstractEventLoop | None = None

    def _keep_alive(self) -> None:
        """One HTTP session per event loop, so sends reuse connections to Slack instead of
        opening (and TLS-handshaking) one per message as slack_sdk does by default."""
        loop = asyncio.get_running_loop()
        session = self.client.session
        if session is None or session.closed or self._loop is not loop:
            self.client.session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.client.timeout)
            )
            self._loop = loop

    async def close(self) -> None:
        if self.client.session is not None and not self.client.session.closed:
            await self.client.session.close()
        self.client.session = None

    async def send(self, address: Address, message: Message) -> str:
        """Post ``message`` to the person's DM; the reference is "channel:ts" (for chat.update)."""
        try:
            blocks = slack_blocks.blocks(message)
        except ValueError as error:  # a part Slack cannot carry: retrying cannot help
            raise DeliveryError(str(error), permanent=True) from error
        text = slack_blocks.fallback_text(message)
        self._keep_alive()
        for attempt in range(1, self.tries + 1):
            await self.pacer.wait(address.external_id)
            limited = False
            try:
                response = await self.client.chat_postMessage(
                    channel=address.external_id, text=text, blocks=blocks
                )
                return f"{response['channel']}:{response['ts']}"
            except SlackApiError as error:
                limited, failure = classify(error, attempt)
            except (aiohttp.ClientError, TimeoutError, OSError) as error:
                failure = DeliveryError(
                    f"connection: {type(error).__name__}",
                    retry_after=backoff(attempt, first=0.5, cap=30.0),
                )
            wait = failure.retry_after or 0.0
            if failure.unreachable or failure.permanent or attempt == self.tries:
                raise failure
            if wait > self.max_wait:
                raise failure
            log.info("slack send retry %s in %.1fs: %s", attempt, wait, failure)
            if limited:
                self.pacer.pause(wait)  # every sender waits; our next slot comes after it
            else:
                await self._sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover


def classify(error: SlackApiError, attempt: int) -> tuple[bool, DeliveryError]:
    """Whether Slack rate-limited us, and the DeliveryError if we give up (its retry_after
    is how long to wait before trying again)."""
    response = error.response
    status = response.status_code
    code = str(response.get("error", "") if isinstance(response.data, dict) else "")
    if status == 429 or code == "ratelimited":
        header = response.headers.get("Retry-After") or response.headers.get("retry-after")
        try:
            wait = float(header) if header is not None else 1.0
        except (TypeError, ValueError):
            wait = 1.0
        return True, DeliveryError(f"429 rate limited by Slack ({code})", retry_after=wait)
    if status >= 500 or code in RETRYABLE:
        return False, DeliveryError(
            f"Slack {status} {code}".strip(), retry_after=backoff(attempt, first=0.5, cap=30.0)
        )
    if code in UNREACHABLE:
        return False, DeliveryError(f"Slack: {code}", unreachable=True)
    return False, DeliveryError(f"Slack: {code or status}", permanent=True)
