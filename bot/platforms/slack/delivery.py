"""Sending culturebot's queued messages to Slack: paced, retried, and classified on failure.

The delivery worker (bot/delivery/worker.py) calls ``SlackPlatform.send`` for each outbox row. We pace
sends ourselves (about one message a second per channel, and a configurable global ceiling kept
under by ``CULTUREBOT_RATE_HEADROOM``) through the one limiter of bot/delivery/ratelimit.py rather than
discovering Slack's limits through 429s; a 429 that still comes pauses every sender for its
Retry-After. 5xx and connection errors are retried here a few times with backoff and
jitter; after that the row goes back to the outbox with a retry time, and the outbox
dead-letters it after its bounded number of attempts. A post whose answer never came (a
timeout, a reset after the request was written) may have landed: it is never resent blindly
but goes back to the outbox in doubt, and is looked for in the DM before it is sent again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from typing import TypeVar

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core import metrics
from bot.core.chat import Message
from bot.core.config import Settings
from bot.delivery.ratelimit import Limiter, PerKey, RateLimiter, Reserve, SharedBudget, take_slots
from bot.delivery.worker import Address, DeliveryError, backoff
from bot.platforms.slack import blocks as slack_blocks

log = logging.getLogger(__name__)
T = TypeVar("T")

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
# Errors Slack documents as "it's possible some aspect of the operation succeeded": a post
# that answered one may be in the DM
MAY_HAVE_HAPPENED = frozenset({"internal_error", "fatal_error"})


def make_client(settings: Settings, token: str | None = None) -> AsyncWebClient:
    """The Web API client every Slack call goes through (CULTUREBOT_SLACK_API_URL decides where)."""
    return AsyncWebClient(
        token=token if token is not None else settings.slack_bot_token,
        base_url=settings.slack_api_url.rstrip("/") + "/",
        timeout=settings.slack_timeout,  # type: ignore[arg-type]  # its hint says int; float seconds work
    )


METADATA_TYPE = "culturebot_outbox"  # message metadata: the outbox key rides on every DM


class SlackPlatform:
    """The delivery side of Slack: a message to a person is a DM (chat.postMessage to the user).

    Every call, queued DMs and the bot's own replies alike, goes through ``call``: one global
    limiter (shared by every instance when ``shared`` is given), one per channel, and the same
    retry and backoff. Each DM carries its outbox key in message metadata, so a row left in
    doubt by a crash is looked for in the DM's history before it is sent again.
    """

    name = "slack"

    def __init__(
        self,
        settings: Settings,
        *,
        client: AsyncWebClient | None = None,
        tries: int = 3,
        max_wait: float = 30.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        shared: Reserve | None = None,
    ) -> None:
        self.client = client or make_client(settings)
        rate, headroom = settings.slack_max_per_second, settings.rate_headroom
        self.limiter: Limiter = (
            SharedBudget("slack:workspace", rate, shared, headroom=headroom, sleep=sleep)
            if shared is not None
            else RateLimiter(rate, headroom=headroom, monotonic=monotonic, sleep=sleep)
        )
        interval = settings.slack_channel_interval
        self.channels = PerKey(1 / interval, monotonic=monotonic, sleep=sleep) if interval else None
        self.person_spacing = interval  # kept across instances by the claims (bot.delivery.worker)
        self.history = RateLimiter(
            # conversations.open/history, Tier 3 (CULTUREBOT_SLACK_HISTORY_PER_MINUTE)
            settings.slack_history_per_minute / 60,
            headroom=settings.rate_headroom,
            monotonic=monotonic,
            sleep=sleep,
        )
        self._monotonic = monotonic
        self.concurrency = settings.slack_concurrency
        self.rate = settings.slack_max_per_second
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

    async def call(
        self,
        request: Callable[[], Awaitable[T]],
        *,
        channel: str | None = None,
        deadline: float | None = None,
        limiter: Limiter | None = None,
        unsure: bool = False,
    ) -> T:
        """Make one Slack request paced and retried: 429s pause every sender for Retry-After,
        5xx and connection errors back off with jitter, up to ``tries`` attempts and never past
        ``deadline`` (on the platform's monotonic clock). Raises DeliveryError with the reason
        when it gives up. With ``unsure`` (a post that must not go twice) a request whose
        answer never came, or that Slack says may partly have happened, is not retried
        blindly: it raises DeliveryError ``in_doubt``."""
        self._keep_alive()
        for attempt in range(1, self.tries + 1):
            if deadline is not None and self._monotonic() >= deadline:
                raise DeliveryError("too late for Slack's time limit", permanent=True)
            limited = False
            try:
                async with AsyncExitStack() as held:
                    await self._wait_for_slots(held, channel, limiter, deadline)
                    return await request()
            except SlackApiError as error:
                limited, failure = classify(error, attempt)
                if unsure and error_code(error) in MAY_HAVE_HAPPENED:
                    failure.in_doubt = True
                    raise failure from error
            except WebhookFailed as error:  # a response_url answered with an HTTP error
                limited, failure = classify_status(
                    error.status, "", error.retry_after, attempt, "response_url"
                )
            except (aiohttp.ClientError, TimeoutError, OSError) as error:
                doubt = unsure and no_answer(error)
                failure = DeliveryError(
                    f"connection: {type(error).__name__}"
                    + (" (the request went; it may have been posted)" if doubt else ""),
                    retry_after=backoff(attempt, first=0.5, cap=30.0),
                    in_doubt=doubt,
                )
                if doubt:
                    raise failure from error
            wait = failure.retry_after or 0.0
            if limited:
                metrics.count_rate_limited("slack", wait)
                (limiter or self.limiter).pause(wait)  # every sender waits, not only this one
            if failure.unreachable or failure.permanent or attempt == self.tries:
                raise failure
            if wait > self.max_wait or (
                deadline is not None and self._monotonic() + wait >= deadline
            ):
                raise failure
            log.info("slack retry %s in %.1fs: %s", attempt, wait, failure)
            if not limited:
                await self._sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _wait_for_slots(
        self,
        held: AsyncExitStack,
        channel: str | None,
        limiter: Limiter | None,
        deadline: float | None,
    ) -> None:
        """Take the channel's slot and the global one, giving up at ``deadline``."""
        slots = [(limiter or self.limiter).slot()]
        if channel is not None and self.channels is not None:
            slots.insert(0, self.channels(channel).slot())
        timeout = None if deadline is None else max(0.0, deadline - self._monotonic())
        try:
            await take_slots(held, slots, timeout)
        except TimeoutError:
            raise DeliveryError(
                "too late for Slack's time limit (waited for the rate limit)", permanent=True
            ) from None

    async def send(self, address: Address, message: Message) -> str:
        """Post ``message`` to the person's DM (or the row's channel); the reference is
        "channel:ts" (for chat.update)."""
        try:
            blocks = slack_blocks.blocks(message)
        except ValueError as error:  # a part Slack cannot carry: retrying cannot help
            raise DeliveryError(str(error), permanent=True) from error
        if address.in_doubt and address.key:
            try:
                found = await self.find_sent(address.external_id, address.key, address.channel)
            except DeliveryError as error:  # not checked: still in doubt
                error.in_doubt = True
                raise
            if found is not None:
                log.info("slack: a message in doubt was already in the DM; not sent again")
                metrics.count_send("slack", "duplicate_skipped")
                return found
        text = slack_blocks.fallback_text(message)
        target = address.channel or address.external_id
        metadata = (
            {"event_type": METADATA_TYPE, "event_payload": {"key": address.key}}
            if address.key
            else None
        )
        response = await self.call(
            lambda: self.client.chat_postMessage(
                channel=target, text=text, blocks=blocks, metadata=metadata
            ),
            channel=target,
            unsure=bool(address.key),  # one with a key can be looked for before a resend
        )
        return f"{response['channel']}:{response['ts']}"

    async def find_sent(self, user_id: str, key: str, channel: str | None = None) -> str | None:
        """The "channel:ts" of the DM to ``user_id`` (or the message in ``channel``) that
        carries outbox ``key``, if one was posted (a send whose answer a crash lost); None
        when the recent history has none."""
        if channel is None:
            opened = await self.call(
                lambda: self.client.conversations_open(users=user_id), limiter=self.history
            )
            channel = str(opened["channel"]["id"])
        history = await self.call(
            lambda: self.client.conversations_history(
                channel=channel, limit=100, include_all_metadata=True
            ),
            limiter=self.history,
        )
        for message in history.get("messages") or []:
            metadata = message.get("metadata") or {}
            if (
                metadata.get("event_type") == METADATA_TYPE
                and (metadata.get("event_payload") or {}).get("key") == key
            ):
                return f"{channel}:{message['ts']}"
        return None


def no_answer(error: BaseException) -> bool:
    """Whether a request may have reached Slack though its answer never came (a timeout, a
    connection reset or closed after the request was written), unlike one that could not even
    connect."""
    return not isinstance(error, aiohttp.ClientConnectorError)


class WebhookFailed(Exception):
    """A response_url that answered with an HTTP error (webhooks return it, never raise)."""

    def __init__(self, status: int, retry_after: str | None) -> None:
        super().__init__(f"response_url answered {status}")
        self.status = status
        self.retry_after = retry_after


def error_code(error: SlackApiError) -> str:
    """Slack's error code ("missing_scope"), or "" when the answer was not Slack's JSON."""
    data = getattr(error.response, "data", None)
    return str(data.get("error", "")) if isinstance(data, dict) else ""


def classify(error: SlackApiError, attempt: int) -> tuple[bool, DeliveryError]:
    """Whether Slack rate-limited us, and the DeliveryError if we give up (its retry_after
    is how long to wait before trying again)."""
    response = error.response
    code = error_code(error)
    header = response.headers.get("Retry-After") or response.headers.get("retry-after")
    if code == "missing_scope":  # name the scope, so the admin knows what to grant
        code = f"missing_scope {response.get('needed')} (see `culturebot doctor`)"
    return classify_status(response.status_code, code, header, attempt)


def classify_status(
    status: int, code: str, retry_after: str | None, attempt: int, what: str = "Slack"
) -> tuple[bool, DeliveryError]:
    if status == 429 or code == "ratelimited":
        try:
            wait = float(retry_after) if retry_after is not None else 1.0
        except (TypeError, ValueError):
            wait = 1.0
        return True, DeliveryError(f"429 rate limited by Slack ({code})", retry_after=wait)
    if status >= 500 or code in RETRYABLE:
        return False, DeliveryError(
            f"{what} {status} {code}".strip(), retry_after=backoff(attempt, first=0.5, cap=30.0)
        )
    if code in UNREACHABLE:
        return False, DeliveryError(f"Slack: {code}", unreachable=True)
    return False, DeliveryError(f"{what}: {code or status}", permanent=True)
