"""Microsoft Teams through the Bot Framework SDK (CloudAdapter): a thin adapter.

Every botbuilder import lives here (and the card rendering in ``teams_cards``), so the SDK can
be swapped for its successor (the Microsoft 365 Agents SDK) without touching the rest.

In: ``POST /api/messages`` authenticates each activity with the SDK (JWT) and, unless the
HTTP answer must carry the reply (see ``shapes_reply``), answers 200 at once and queues the
turn after the ack (``bot.platforms.afterack``, as Slack does). The turn remembers the sender's
ConversationReference on their identity, turns the activity into an ``Incoming`` and renders
the router's ``Response`` as Adaptive Cards (an answered card is replaced in place).
Out: ``TeamsPlatform`` sends outbox rows with ``continue_conversation`` at Teams' documented
rate limits, retrying 429/412/502/504 with backoff before handing a failure to the worker.
The replies inside a turn go through the same ``TeamsPlatform.call`` (limiter and retries),
bounded in time; one that finally fails is replaced by a short message queued in the outbox.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import math
import os
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AsyncExitStack
from dataclasses import dataclass
from functools import partial
from types import SimpleNamespace
from typing import TypeVar

from aiohttp import web
from botbuilder.core import InvokeResponse, TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    Attachment,
    ConversationAccount,
    ConversationReference,
    DeliveryModes,
    ErrorResponseException,
)
from botframework.connector.auth import (
    AuthenticateRequestResult,
    AuthenticationConstants,
    ClaimsIdentity,
    ConnectorFactory,
)

import prompts
from bot.core import metrics
from bot.core.chat import Incoming, Message, Response, text_message, words_only
from bot.core.config import Settings
from bot.core.router import Router
from bot.core.runtime import Runtime
from bot.delivery.ratelimit import (
    Limiter,
    PerKey,
    RateLimiter,
    Reserve,
    SharedBudget,
    Sleep,
    take_slots,
)
from bot.delivery.worker import Address, DeliveryError, backoff, shared_reserve
from bot.platforms.afterack import AfterAck
from bot.platforms.teams import auth as teams_auth
from bot.platforms.teams.cards import (
    CARD_CONTENT_TYPE,
    form_message,
    is_form_submission,
    parse_submission,
    render,
)
from prompts.languages import first_spoken
from storage import outbox, people

log = logging.getLogger(__name__)
T = TypeVar("T")

PLATFORM = "teams"
RETRYABLE = frozenset({412, 429, 502, 504})  # what Teams documents as "retry with backoff"
GONE = frozenset({403, 404})  # blocked, uninstalled, or the conversation no longer exists
MAX_INLINE_WAIT = 30.0  # longer waits go back to the outbox instead of holding a batch
# How long a request to Teams may take (100-200 ms is typical) with the pace still kept.
LATENCY_ALLOWANCE = 0.25


def in_flight(rate: float, headroom: float) -> int:
    """HTTP requests to Teams at once: enough to keep the pace (``rate`` x ``headroom``) while
    each takes up to LATENCY_ALLOWANCE, and at least 4 (12 at the default 50/s). Each is also
    a message a process killed mid-send may send twice (docs/operations.md, "At least once on Teams")."""
    return max(4, math.ceil(rate * headroom * LATENCY_ALLOWANCE))


# --- configuration -------------------------------------------------------------------------


def bot_app_id(settings: Settings) -> str:
    return "" if settings.teams_emulator else settings.teams_app_id


class _ReusedConnectors(ConnectorFactory):
    """Hands out one ConnectorClient per (app, serviceUrl, audience) instead of a new one per
    turn: building one costs the SDK milliseconds of CPU (it rebuilds its retry table)
    and a fresh HTTP session. Tokens stay fresh: the credentials sign every request."""

    def __init__(
        self, inner: ConnectorFactory, cache: dict, app_id: str, token_timeout: float = 10.0
    ) -> None:
        self._inner, self._cache, self._app_id = inner, cache, app_id
        self._token_timeout = token_timeout

    async def create(self, service_url: str, audience: str | None = None):
        key = (self._app_id, service_url, audience)
        client = self._cache.get(key)
        if client is None:
            if len(self._cache) >= 64:  # a handful of regional serviceUrls in practice
                evicted = self._cache.pop(next(iter(self._cache)))
                await evicted.__aexit__(None, None, None)
            client = self._cache[key] = await self._inner.create(service_url, audience)
        credentials = getattr(getattr(client, "config", None), "credentials", None)
        await teams_auth.token_ready(credentials, self._token_timeout)
        return client


class _Authentication(ConfigurationBotFrameworkAuthentication):
    """The SDK's configuration-based authentication, reusing connector and token clients."""

    def __init__(
        self, configuration: object, token_timeout: float = 10.0, login_url: str = ""
    ) -> None:
        factory = teams_auth.BoundedCredentialFactory(configuration, token_timeout, login_url)
        super().__init__(configuration, credentials_factory=factory)
        self._connectors: dict = {}
        self._token_clients: dict = {}
        self._token_timeout = token_timeout

    @staticmethod
    def _app_id(claims: ClaimsIdentity) -> str:
        return (
            claims.get_claim_value(AuthenticationConstants.AUDIENCE_CLAIM)
            or claims.get_claim_value(AuthenticationConstants.APP_ID_CLAIM)
            or ""
        )

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        inner = super().create_connector_factory(claims_identity)
        return _ReusedConnectors(
            inner, self._connectors, self._app_id(claims_identity), self._token_timeout
        )

    async def authenticate_request(self, activity: Activity, auth_header: str):
        result = await super().authenticate_request(activity, auth_header)
        result.connector_factory = self.create_connector_factory(result.claims_identity)
        return result

    async def close(self) -> None:
        """Close the reused clients' HTTP sessions (at shutdown)."""
        clients, self._connectors = list(self._connectors.values()), {}
        for client in clients:
            try:
                await client.__aexit__(None, None, None)
            except Exception as error:  # closing is best effort
                log.debug("closing a Teams connector client: %s", error)

    async def create_user_token_client(self, claims_identity: ClaimsIdentity):
        app_id = self._app_id(claims_identity)
        if app_id not in self._token_clients:
            self._token_clients[app_id] = await super().create_user_token_client(claims_identity)
        return self._token_clients[app_id]


def build_adapter(settings: Settings) -> CloudAdapter:
    """The SDK adapter; authentication is off only in the explicit emulator mode."""
    if settings.teams_emulator:
        banner = "!" * 78
        log.warning(
            "\n%s\n TEAMS EMULATOR MODE: /api/messages accepts activities WITHOUT authentication"
            "\n and replies to any serviceUrl a caller names. For a local Bot Framework Emulator"
            "\n only; never set CULTUREBOT_TEAMS_EMULATOR in production.\n%s",
            banner,
            banner,
        )
        config = SimpleNamespace(APP_ID="", APP_PASSWORD="")
    elif settings.teams_app_id:
        config = SimpleNamespace(
            APP_ID=settings.teams_app_id,
            APP_PASSWORD=settings.teams_app_password,
            APP_TENANTID=settings.teams_tenant_id or None,
            APP_TYPE="SingleTenant" if settings.teams_tenant_id else "MultiTenant",
        )
    else:
        raise ValueError("Teams needs MicrosoftAppId (or CULTUREBOT_TEAMS_EMULATOR=true locally)")
    # the keys of inbound tokens: fetched off the loop, with a timeout, cached
    teams_auth.install(settings.teams_key_timeout, settings.teams_openid_metadata_url)
    return CloudAdapter(
        _Authentication(config, settings.teams_key_timeout, settings.teams_login_url)
    )


async def own_token(
    settings: Settings, service_url: str = "https://smba.trafficmanager.net/teams/"
) -> str:
    """Fetch the bot's own token the way a proactive send does (the adapter's connector
    factory, then ``token_ready``), for `culturebot doctor`; returns the sign-in authority.
    Raises what a send would meet: ``TimeoutError``, the SDK's ``PermissionError`` (Azure AD
    refused, with its AADSTS code), MSAL's ``ValueError`` (a tenant it cannot find) or an
    ``OSError`` (unreachable)."""
    adapter = build_adapter(settings)
    authentication = adapter.bot_framework_authentication
    claims = adapter.create_claims_identity(bot_app_id(settings))
    try:
        factory = authentication.create_connector_factory(claims)
        client = await factory.create(service_url, authentication.get_originating_audience())
        return str(client.config.credentials.oauth_endpoint)
    finally:
        await authentication.close()


# --- who is talking --------------------------------------------------------------------------


@dataclass(frozen=True)
class Sender:
    """A Teams user as an activity names them: AAD object id, Teams user id, maybe an email,
    the IANA time zone of their client (the activity's ``localTimezone``) and its language
    (the activity's ``locale``, e.g. "fr-FR")."""

    user_id: str
    aad_id: str = ""
    email: str = ""
    name: str = ""
    timezone: str = ""
    locale: str = ""

    @property
    def key(self) -> str:
        """The id culturebot files the identity under: the AAD object id when there is one."""
        return self.aad_id or self.user_id


def sender_of(activity: Activity) -> Sender | None:
    who = activity.from_property
    if who is None or not who.id:
        return None
    return Sender(
        user_id=who.id,
        aad_id=who.aad_object_id or "",
        name=who.name or "",
        timezone=(activity.local_timezone or "").strip(),
        locale=(activity.locale or "").strip(),
    )


def reference_json(activity: Activity) -> str:
    """The ConversationReference to reach this person later, without the message id."""
    reference = TurnContext.get_conversation_reference(activity)
    reference.activity_id = None
    return json.dumps(reference.serialize(), sort_keys=True)


@dataclass(frozen=True)
class Known:
    """A sender culturebot knows: the key their identity is filed under, and the language it
    speaks to them (what a reply made outside the router, such as the welcome, is said in)."""

    key: str
    locale: str


def remember(runtime: Runtime, sender: Sender, reference: str | None) -> Known | None:
    """Store or refresh the person's reference; who they are, or None for a stranger.

    Matched by an identity already filed under the AAD object id or Teams user id (the org
    import may have put either in ``teams_user_id``), else by email. Their client's time zone
    is taken where the org file gave none, as Slack's ``tz`` is, and their client's language is
    kept (the latest activity's; it speaks for them unless they chose one or the org file did).
    """
    with runtime.db.session() as session:
        person = None
        for key in dict.fromkeys(k for k in (sender.aad_id, sender.user_id) if k):
            person = people.by_identity(session, PLATFORM, key)
            if person is not None:
                break
        if person is None and sender.email:
            person = people.by_email(session, sender.email)
        if person is None:
            return None
        people.link_identity(session, person, PLATFORM, sender.key, reference)
        people.fill_timezone(session, person, sender.timezone, PLATFORM)
        people.note_platform_locale(session, person, "teams", sender.locale)
        return Known(sender.key, people.locale_of(person, runtime.settings.default_locale))


def forget(runtime: Runtime, sender: Sender, reason: str) -> None:
    with runtime.db.session() as session:
        for key in {sender.key, sender.user_id}:
            people.mark_unreachable(session, PLATFORM, key, reason)


async def with_email(turn_context: TurnContext, sender: Sender) -> Sender:
    """Ask Teams for the sender's email (the roster call); unchanged if Teams cannot say."""
    try:
        member = await TeamsInfo.get_member(turn_context, sender.user_id)
    except Exception as error:  # the emulator and tests without a roster have none
        log.debug("no roster entry for %s: %s", sender.user_id, error)
        return sender
    email = (member.email or member.user_principal_name or "").strip().lower()
    return Sender(
        user_id=sender.user_id,
        aad_id=sender.aad_id or member.aad_object_id or "",
        email=email if "@" in email else "",
        name=sender.name or member.name or "",
        timezone=sender.timezone,
    )


# --- cards as activities ------------------------------------------------------------------


def card_activity(message: Message) -> Activity:
    """A message as one Adaptive Card; ``summary`` is what notifications show."""
    message = words_only(message)  # times in the reader's words, language and zone
    return Activity(
        type=ActivityTypes.message,
        summary=message.summary[:200],
        attachments=[Attachment(content_type=CARD_CONTENT_TYPE, content=render(message))],
    )


def event_id(activity: Activity) -> str | None:
    """Teams message ids are unique per conversation only, so the key names both.

    A form card's submission is keyed by the card instead of the activity: a form is sent
    once however often it is clicked before the card closes (a double click is two
    activities). A refused submission is not recorded (the router rolls it back), so the
    person can correct the form and send it again.
    """
    key = activity.id
    if activity.reply_to_id and is_form_submission(activity.value):
        key = f"form:{activity.reply_to_id}"
    if not key:
        return None
    conversation = activity.conversation.id if activity.conversation else ""
    return "teams:" + hashlib.sha256(f"{conversation}\n{key}".encode()).hexdigest()[:40]


def to_incoming(activity: Activity, user_id: str) -> Incoming | Message:
    """The neutral input for a message activity, or a message to answer it with at once."""
    incoming = partial(Incoming, platform=PLATFORM, user_id=user_id, event_id=event_id(activity))
    if activity.value is not None:
        submission = parse_submission(activity.value)
        if submission is None:
            return text_message(prompts.text("teams.unknown_card"))
        if submission.missing:
            return text_message(
                prompts.text("teams.missing_fields", fields=", ".join(submission.missing))
            )
        return incoming(
            kind="action",
            name=submission.action,
            ref=submission.ref,
            value=submission.value,
            fields=dict(submission.fields),
            message_ref=activity.reply_to_id,
        )
    text = (TurnContext.remove_recipient_mention(activity) or "").strip()
    if not text:
        return text_message(prompts.text("teams.empty"))
    return incoming(kind="message", text=text)


# --- the turn ------------------------------------------------------------------------------


# A reply is retried (and waits for the rate limit) for at most this long after its activity
# arrived: later it would answer something the person has moved on from. A turn whose HTTP
# answer waits for it (``shapes_reply``) must be done within Teams' 15 s.
REPLY_SECONDS = 60.0
INLINE_SECONDS = 10.0


@dataclass
class Turn:
    """One turn's replies: where they go, until when they may be retried, and who to tell
    (``key``, once identified) should one of them finally fail."""

    context: TurnContext
    sender: Sender
    deadline: float
    key: str | None = None
    apologised: bool = False


class TeamsBot:
    """What happens on each inbound activity; the router and handlers do the rest. Replies go
    through ``platform``: the same limiter and retries as queued sends."""

    def __init__(self, runtime: Runtime, router: Router, platform: TeamsPlatform) -> None:
        self.runtime = runtime
        self.router = router
        self.platform = platform
        settings = runtime.settings
        # the turns after each ack: bounded, so a burst can never make the acks wait
        self.after_ack = AfterAck(
            PLATFORM, limit=settings.inbound_queue_limit, workers=settings.inbound_workers
        )

    async def idle(self, timeout: float = 10.0) -> None:
        """Wait (bounded) until every turn queued after an ack has finished."""
        async with asyncio.timeout(timeout):
            await self.after_ack.idle()

    async def on_turn(self, turn_context: TurnContext, received: float | None = None) -> None:
        """One activity; ``received`` (time.monotonic) is when it arrived, its replies'
        deadlines count from there (default: now)."""
        activity = turn_context.activity
        sender = sender_of(activity)
        if sender is None or activity.conversation is None:
            return
        within = INLINE_SECONDS if shapes_reply(activity) else REPLY_SECONDS
        start = time.monotonic() if received is None else received
        turn = Turn(turn_context, sender, deadline=start + within)
        if activity.type == ActivityTypes.message:
            await self._on_message(turn)
        elif activity.type == ActivityTypes.conversation_update:
            await self._on_conversation_update(turn)
        elif activity.type == ActivityTypes.installation_update:
            if (activity.action or "").startswith("remove"):
                await asyncio.to_thread(forget, self.runtime, sender, "uninstalled the Teams app")
            else:
                await self._identify(turn)
        else:
            log.debug("ignoring a Teams %s activity", activity.type)

    async def _identify(self, turn: Turn) -> Known | None:
        reference = reference_json(turn.context.activity)
        sender = turn.sender
        known = await asyncio.to_thread(remember, self.runtime, sender, reference)
        if known is None:
            sender = await with_email(turn.context, sender)
            known = await asyncio.to_thread(remember, self.runtime, sender, reference)
        turn.key = known.key if known else None
        return known

    def _language(self, turn: Turn, known: Known | None) -> str | None:
        """The language of a reply made here rather than by the router (the welcome, a card
        refused at once): the person's, or a stranger's Teams client's, else the default."""
        if known is not None:
            return known.locale
        return first_spoken((turn.sender.locale, self.runtime.settings.default_locale))

    async def _on_conversation_update(self, turn: Turn) -> None:
        activity = turn.context.activity
        bot_id = activity.recipient.id if activity.recipient else None
        if any(m.id == bot_id for m in activity.members_removed or []):
            await asyncio.to_thread(forget, self.runtime, turn.sender, "removed the bot")
            return
        if not any(m.id == bot_id for m in activity.members_added or []):
            return
        known = await self._identify(turn)
        with prompts.speaking(self._language(turn, known)):
            if known is None:
                admin = self.runtime.settings.admin_contact
                hello = text_message(prompts.text("common.unknown_user", admin=admin))
            else:
                hello = text_message(prompts.text("teams.welcome"))
        await self.reply(turn, card_activity(hello))

    async def _on_message(self, turn: Turn) -> None:
        known = await self._identify(turn)
        with prompts.speaking(self._language(turn, known)):  # a refusal made here, at once
            incoming = to_incoming(turn.context.activity, known.key if known else turn.sender.key)
        if isinstance(incoming, Message):
            response = Response(replies=[incoming], refused=True)
        else:
            response = await asyncio.to_thread(
                metrics.timed_handle, self.router, self.runtime, incoming
            )
        await self._respond(turn, response, is_form_submission(turn.context.activity.value))

    async def _respond(self, turn: Turn, response: Response, form_submitted: bool = False) -> None:
        """Send the response. A form card that was submitted and accepted is closed: its
        first reply replaces it, so the form cannot be sent a second time (Slack closes its
        modal the same way). A refused form stays open for the person to correct."""
        replies = list(response.replies)
        if response.update is not None:
            await self._update(turn, response.update)
        elif form_submitted and replies and not response.refused:
            await self._update(turn, replies.pop(0))
        for reply in replies:
            await self.reply(turn, card_activity(reply))
        if response.form is not None:
            await self.reply(turn, card_activity(form_message(response.form)))

    async def _update(self, turn: Turn, message: Message) -> None:
        """Replace the card acted on; send a new message if Teams will not let us."""
        context = turn.context
        acted_on = context.activity.reply_to_id
        if acted_on:
            replacement = card_activity(message)
            replacement.id = acted_on
            try:
                await self.platform.call(
                    lambda: context.update_activity(replacement),
                    context.activity.conversation.id,
                    deadline=turn.deadline,
                )
                metrics.REPLIES.labels(platform=PLATFORM, outcome="sent").inc()
                return
            except DeliveryError as error:
                log.info("could not update card %s (%s); replying instead", acted_on, error)
        await self.reply(turn, card_activity(message))

    async def reply(self, turn: Turn, activity: Activity) -> bool:
        """Send one reply through the platform's limiter and retries, within the turn's
        deadline. One that finally fails is logged with its reason and, where the person can
        still be reached, replaced by a short message queued in the outbox (once a turn), which
        the delivery worker sends when Teams takes sends again. True when the reply went."""
        context = turn.context
        if context.activity.delivery_mode == DeliveryModes.expect_replies:
            await context.send_activity(activity)  # buffered into the HTTP answer: no request
            return True
        try:
            await self.platform.call(
                lambda: context.send_activity(activity),
                context.activity.conversation.id,
                deadline=turn.deadline,
            )
        except DeliveryError as error:
            metrics.REPLIES.labels(platform=PLATFORM, outcome="failed").inc()
            log.warning("teams: reply to %s failed: %s", turn.sender.key, error)
            if turn.key is not None and not error.unreachable and not turn.apologised:
                turn.apologised = True
                key = f"reply-failed:{event_id(context.activity) or uuid.uuid4().hex}"
                await asyncio.to_thread(queue_apology, self.runtime, turn.key, key)
            return False
        metrics.REPLIES.labels(platform=PLATFORM, outcome="sent").inc()
        return True


def queue_apology(runtime: Runtime, identity: str, key: str) -> bool:
    """Queue "sorry, Teams was too busy to answer" for the person filed under ``identity``
    (once per ``key``); False when they cannot be reached on Teams."""
    with runtime.db.session() as session:
        person = people.by_identity(session, PLATFORM, identity)
        if person is None or person.id is None:
            return False
        return outbox.enqueue(
            session,
            person_id=person.id,
            payload=text_message(prompts.text("teams.reply_failed")).to_json(),
            key=key,
            kind="reply_failed",
            now=runtime.clock.now(),
            channels=(PLATFORM,),
        )


def shapes_reply(activity: Activity) -> bool:
    """Whether the HTTP answer to this activity carries the bot's reply, so the turn must run
    before it. The Bot Framework answers in the HTTP body only for an ``invoke`` (Adaptive
    Card ``Action.Execute``, task modules, message extensions: the invoke response is the
    body, and an empty 200 would tell Teams the card action failed) and for
    ``deliveryMode: expectReplies`` (the replies are buffered into the body). That is what
    the adapter's own ``_process_turn_results`` returns; for everything else it returns
    nothing. Teams sends messages, ``Action.Submit`` clicks (a message with ``value``),
    conversation and installation updates as such activities: the bot answers them through
    the connector (send, update), so the 200 can go first and the turn after it."""
    return (
        activity.type == ActivityTypes.invoke
        or activity.delivery_mode == DeliveryModes.expect_replies
    )


async def messages(
    adapter: CloudAdapter, bot: TeamsBot, request: web.Request
) -> web.StreamResponse:
    """``POST /api/messages``: 4xx for what is not a well-formed, authenticated activity; for
    the rest 200 at once and the turn queued after the ack (unless ``shapes_reply``).

    After the ack, a reply the connector still refuses after its retries is logged (and
    replaced by a queued short message, see ``TeamsBot.reply``), not answered with a 5xx:
    Teams would retry the activity, and the router drops a retry of an event it handled, so the
    retry could not bring the reply back either. Teams gives the HTTP answer 15 s; a turn
    inline could miss that under a burst (the database, then each reply's round trip)."""
    started, received = time.perf_counter(), time.monotonic()
    if not bot.runtime.settings.teams_emulator and not _bearer_jwt(
        request.headers.get("Authorization", "")
    ):  # no token at all: refused before the body is parsed (the SDK checks the rest)
        return web.json_response({"error": "unauthorized"}, status=401)
    if request.content_type != "application/json":
        return web.json_response({"error": "expected application/json"}, status=415)
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        return web.json_response({"error": "malformed JSON"}, status=400)
    if not isinstance(body, dict) or not isinstance(body.get("type"), str) or not body["type"]:
        return web.json_response({"error": "not an activity"}, status=400)
    try:
        activity = Activity().deserialize(body)
    except Exception:
        return web.json_response({"error": "not an activity"}, status=400)
    if not activity.service_url or activity.conversation is None:
        return web.json_response({"error": "activity lacks serviceUrl or conversation"}, status=400)
    try:
        auth = await adapter.bot_framework_authentication.authenticate_request(
            activity, request.headers.get("Authorization", "")
        )
    except Exception as error:  # missing, forged, expired or unverifiable token
        log.warning("refused a Teams activity: %s", error)
        return web.json_response({"error": "unauthorized"}, status=401)
    if shapes_reply(activity):
        try:
            invoke = await adapter.process_activity(auth, activity, bot.on_turn)
        except Exception as error:
            if not failed_at_teams(error):
                raise
            log.warning("could not answer a Teams %s: %s", activity.type, error)
            return web.json_response({"error": "reply failed"}, status=502)
        response = _invoke_response(invoke)
    else:
        work = _turn(adapter, auth, activity, bot, received)
        bot.after_ack.submit(work, f"Teams {activity.type}")
        response = web.Response(status=200)
    metrics.ACK_SECONDS.labels(platform=PLATFORM).observe(time.perf_counter() - started)
    return response


_JWT = re.compile(r"Bearer [A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


def _bearer_jwt(header: str) -> bool:
    """The header has the shape of a Bot Framework token (its signature is the SDK's check)."""
    return _JWT.fullmatch(header) is not None


def unreached(error: BaseException) -> bool:
    """Whether a Bot Connector request got no HTTP answer at all. botbuilder's public API has
    no type for that: its transport raises msrest's ``ClientRequestError`` (msrest is not
    botbuilder's API, and unmaintained since 2022) while handling the socket's error, which
    ``requests`` and ``aiohttp`` raise as an ``OSError``; so the OSError is looked for in
    the error and what it was raised from."""
    seen: BaseException | None = error
    for _ in range(10):  # a chain is a few links long; a cycle must not loop forever
        if seen is None:
            return False
        if isinstance(seen, OSError):
            return True
        implicit = None if seen.__suppress_context__ else seen.__context__
        seen = seen.__cause__ if seen.__cause__ is not None else implicit
    return False


def failed_at_teams(error: BaseException) -> bool:
    """Teams answered an error, or could not be reached: logged, not raised."""
    return isinstance(error, ErrorResponseException) or unreached(error)


def _invoke_response(invoke: InvokeResponse | None) -> web.Response:
    if invoke is None:
        return web.Response(status=200)
    return web.json_response(invoke.body, status=invoke.status)


async def _turn(
    adapter: CloudAdapter,
    auth: AuthenticateRequestResult,
    activity: Activity,
    bot: TeamsBot,
    received: float,
) -> None:
    """One turn after its ack (its replies' deadlines count from ``received``); what fails
    outside the replies (which log their own failures) is logged with its reason."""

    async def on_turn(turn_context: TurnContext) -> None:
        await bot.on_turn(turn_context, received)

    try:
        await adapter.process_activity(auth, activity, on_turn)
    except Exception as error:
        if not failed_at_teams(error):
            raise
        log.warning("could not answer a Teams %s after its ack: %s", activity.type, error)


TEAMS = web.AppKey("teams", TeamsBot)


def mount(web_app: web.Application, runtime: Runtime, router: Router) -> TeamsPlatform:
    """Add ``POST /api/messages`` to the app; return the platform that delivers for Teams."""
    settings = runtime.settings
    adapter = build_adapter(settings)
    platform = TeamsPlatform(adapter, settings, shared=shared_reserve(runtime))
    bot = TeamsBot(runtime, router, platform)

    async def endpoint(request: web.Request) -> web.StreamResponse:
        return await messages(adapter, bot, request)

    web_app.router.add_post("/api/messages", endpoint)
    web_app[TEAMS] = bot

    async def close(_app: web.Application) -> None:
        try:  # the server has stopped taking requests: let the acked turns finish first
            await bot.idle()
        except TimeoutError:
            log.warning("teams: stopping with %s acked turns unfinished", bot.after_ack.depth)
        await platform.close()

    async def room_for_sends(_app: web.Application) -> None:
        _room_for_sends(platform.in_flight)

    web_app.on_startup.append(room_for_sends)
    web_app.on_cleanup.append(close)
    return platform


def _room_for_sends(requests: int) -> None:
    """Give the loop's default executor a thread for each of ``requests`` Teams requests in
    flight on top of its usual ones. The SDK sends with `requests` on that executor, which
    ``asyncio.to_thread`` (the database) shares: with the usual min(32, cores + 4) threads, a
    2-core host holds 6 requests at once, about 30 a second at 200 ms each, under the pace,
    and the database's calls wait behind them."""
    usual = min(32, (os.cpu_count() or 1) + 4)
    executor = ThreadPoolExecutor(usual + requests, thread_name_prefix="asyncio")
    asyncio.get_running_loop().set_default_executor(executor)


# --- proactive delivery --------------------------------------------------------------------


def _status(error: ErrorResponseException) -> tuple[int, float | None]:
    response = getattr(error, "response", None)
    status = int(getattr(response, "status_code", 0) or 0)
    headers = getattr(response, "headers", None) or {}
    try:
        return status, max(0.0, float(headers.get("Retry-After", "")))
    except ValueError:  # absent, or an HTTP date (Teams sends seconds)
        return status, None


class TeamsPlatform:
    """Sends outbox rows to people's 1:1 chats with the bot (``continue_conversation``).

    Throttled to Teams' documented limits (per conversation and per app); retryable answers
    are retried here with exponential backoff and jitter, honouring Retry-After, a bounded
    number of times; then the worker reschedules or dead-letters the row. 403/404 mean the
    person blocked or removed the app: the worker marks them unreachable.
    """

    name = PLATFORM
    # Teams cannot be asked whether a message went, so each outcome not yet written when the
    # process dies is sent twice: write each at once instead of lingering 50 ms for others
    # to share the transaction (bench restart --platform teams: see docs/operations.md)
    record_linger = 0.0

    def __init__(
        self,
        adapter: CloudAdapter,
        settings: Settings,
        *,
        sleep: Sleep = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        shared: Reserve | None = None,
    ) -> None:
        self.adapter = adapter
        self.app_id = bot_app_id(settings)
        self.attempts = settings.teams_send_attempts
        self.concurrency = settings.teams_concurrency
        self.rate = settings.teams_rate_per_second
        self._sleep = sleep
        self._monotonic = monotonic
        rate, headroom = settings.teams_rate_per_second, settings.rate_headroom
        self.limiter: Limiter = (
            SharedBudget("teams:app", rate, shared, headroom=headroom, sleep=sleep)
            if shared is not None
            else RateLimiter(rate, headroom=headroom, monotonic=monotonic, sleep=sleep)
        )
        # kept across instances by the claims (bot.delivery.worker), within one by the limiter below
        self.person_spacing = 1 / (settings.teams_conversation_rate_per_second * headroom)
        self._conversation_limiter = PerKey(
            settings.teams_conversation_rate_per_second,
            headroom=headroom,
            monotonic=monotonic,
            sleep=sleep,
        )
        # The SDK sends with `requests` on the loop's default executor: ``mount`` gives it a
        # thread for each request in flight (see ``_room_for_sends``).
        self.in_flight = in_flight(rate, headroom)
        self._in_flight = asyncio.Semaphore(self.in_flight)

    async def close(self) -> None:
        """Release the HTTP connections kept open to Teams."""
        authentication = self.adapter.bot_framework_authentication
        if isinstance(authentication, _Authentication):
            await authentication.close()

    async def send(self, address: Address, message: Message) -> str:
        if not address.conversation_ref:
            raise DeliveryError("never installed the culturebot Teams app", unreachable=True)
        try:
            reference = ConversationReference().deserialize(json.loads(address.conversation_ref))
        except ValueError as error:
            raise DeliveryError(
                f"unreadable conversation reference: {error}", unreachable=True
            ) from None
        if reference.conversation is None or not reference.service_url:
            raise DeliveryError("incomplete conversation reference", unreachable=True)
        if address.channel:  # a team channel, reached through the person's own service URL
            reference.conversation = ConversationAccount(
                id=address.channel, conversation_type="channel", is_group=True
            )
        return await self.call(
            lambda: self._send_once(reference, message), reference.conversation.id
        )

    async def call(
        self,
        request: Callable[[], Awaitable[T]],
        conversation: str,
        *,
        deadline: float | None = None,
    ) -> T:
        """One Bot Connector request, a queued send or a reply inside a turn alike: paced per
        conversation and per app, and retried (412/429/502/504) after Retry-After or a backoff
        with jitter, up to ``attempts`` tries, never past ``deadline`` (on this platform's
        monotonic clock). Raises DeliveryError with the reason when it gives up."""
        limiter = self._conversation_limiter(conversation)
        for attempt in range(1, self.attempts + 1):
            try:
                async with AsyncExitStack() as held:
                    await self._take_slots(held, limiter, deadline)
                    return await request()
            except ErrorResponseException as error:
                status, retry_after = _status(error)
                if status in GONE:
                    raise DeliveryError(f"Teams answered {status}", unreachable=True) from None
                if status not in RETRYABLE:
                    raise DeliveryError(
                        f"Teams answered {status}: {error}", permanent=status in (400, 413)
                    ) from None
                if status == 429:
                    metrics.count_rate_limited("teams", retry_after)
                if status == 429 and retry_after:
                    self.limiter.pause(retry_after)
                delay = (
                    retry_after
                    if retry_after is not None
                    else backoff(attempt, cap=MAX_INLINE_WAIT)
                )
                if (
                    attempt == self.attempts
                    or delay > MAX_INLINE_WAIT
                    or (deadline is not None and self._monotonic() + delay >= deadline)
                ):
                    raise DeliveryError(
                        f"Teams answered {status} {attempt} time(s)", retry_after=delay
                    ) from None
                log.info("Teams answered %s; retrying in %.1f s", status, delay)
                await self._sleep(delay)
            except Exception as error:
                if not unreached(error):
                    raise
                raise DeliveryError(f"could not reach Teams: {error}") from None
        raise AssertionError("unreachable")  # the loop returns or raises

    async def _take_slots(
        self, held: AsyncExitStack, conversation: Limiter, deadline: float | None
    ) -> None:
        """The conversation's slot, a place in flight, then the app's slot: the app's is taken
        only when a request can start at once (see ``in_flight``), so slots are held for the
        request's real time in transit. Gives up at ``deadline``."""
        slots = (conversation.slot(), self._in_flight, self.limiter.slot())
        timeout = None if deadline is None else max(0.0, deadline - self._monotonic())
        try:
            await take_slots(held, slots, timeout)
        except TimeoutError:
            raise DeliveryError("too late to answer (waited for Teams' rate limit)") from None

    async def _send_once(self, reference: ConversationReference, message: Message) -> str:
        sent: list[str] = []

        async def deliver(turn_context: TurnContext) -> None:
            response = await turn_context.send_activity(card_activity(message))
            sent.append(response.id if response and response.id else "")

        await self.adapter.continue_conversation(reference, deliver, self.app_id)
        return sent[0] if sent else ""
