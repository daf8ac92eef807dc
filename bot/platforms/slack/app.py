"""The Slack platform: a slack-bolt AsyncApp whose listeners turn Slack traffic into Incoming.

A thin adapter: verify the request, map the Slack user to a person (the router does it with
platform "slack"), call the router, and render its neutral Response as Block Kit. Every
listener acks first (Slack wants an answer within 3 seconds) and does the work after; Slack's
retries carry the same event id, which the router's processed-event table drops. A modal
submission is the exception: its handler runs (bounded) before the ack, so a refusal can keep
the modal open with the person's text and the message under the field. Works over
HTTP (``/slack/events`` on the project's aiohttp server) and over Socket Mode.
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import hmac
import logging
import re
import time
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

import prompts
from bot.core import metrics
from bot.core.chat import Form, Incoming, Message, Response
from bot.core.router import Router
from bot.core.runtime import Runtime
from bot.delivery.worker import DeliveryError, shared_reserve
from bot.platforms.afterack import AfterAck
from bot.platforms.slack import blocks as slack_blocks
from bot.platforms.slack.delivery import SlackPlatform, WebhookFailed, make_client
from bot.platforms.slack.directory import apply_member

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
MENTION = re.compile(r"<@[A-Z0-9]+(\|[^>]*)?>")
# Slash commands whose first word picks a core command; anything else is routed by its name.
SUBCOMMANDS = {
    "pulse": {
        "": "help",
        "help": "help",
        "home": "home",
        "pending": "pending",
        "relay": "relay",
        "team": "checkin",
        "report": "report",
        "dashboard": "dashboard",
        "language": "language",
    }
}

Respond = Callable[..., Awaitable[Any]]


async def _acked(*_args: Any, **_kwargs: Any) -> None:
    """The ack of a request http_endpoint has already answered."""


# How long a modal submission's handler may run before the ack. Slack waits 3 seconds for it
# (bolt gives up at 3 too), and the handler is one local transaction, usually milliseconds.
SUBMISSION_BUDGET = 2.0
# Replies go through the delivery limiter and retries, within Slack's limits: a trigger_id
# opens a modal only within 3 s of the click; a response_url works for 30 minutes, and we
# stop retrying a reply a minute after the interaction.
TRIGGER_SECONDS = 2.8
REPLY_SECONDS = 60.0


@dataclass
class Origin:
    """Where an Incoming came from in Slack, so its Response goes back to the right place."""

    user_id: str
    channel: str | None = None  # a DM or channel to post replies into
    respond: Respond | None = None  # response_url: ephemeral replies to slash commands/actions
    trigger_id: str | None = None  # lets a modal open
    message_ref: str | None = None  # "channel:ts" of the message acted on
    ephemeral: bool = False  # reply with chat.postEphemeral in ``channel``
    home: bool = False  # acted on in the App Home tab
    ephemeral_message: bool = False  # acted on in an ephemeral message (only its owner sees it)
    received: float = field(default_factory=time.monotonic)  # deadlines count from here


def slash_incoming(command: dict[str, Any]) -> Incoming:
    """``/pulse team`` -> checkin, ``/pulse report`` -> report, ``/pulse relay 2`` -> relay 2,
    ``/story ...`` -> story, ..."""
    name = str(command.get("command", "")).lstrip("/").lower()
    text = str(command.get("text", "")).strip()
    if name in SUBCOMMANDS:
        word, _, rest = text.partition(" ")
        target = SUBCOMMANDS[name].get(word.lower())
        name, text = (target, rest.strip()) if target else ("help", "")
    return Incoming(
        platform="slack",
        user_id=str(command.get("user_id", "")),
        kind="command",
        name=name,
        text=text,
        event_id=f"command:{command.get('trigger_id', '')}" if command.get("trigger_id") else None,
    )


class SlackBot:
    """The bolt app, its listeners, and the delivery platform that shares its settings."""

    def __init__(self, runtime: Runtime, router: Router) -> None:
        settings = runtime.settings
        self.runtime = runtime
        self.router = router
        self.client: AsyncWebClient = make_client(settings)
        self.platform = SlackPlatform(settings, shared=shared_reserve(runtime))
        secret = settings.slack_signing_secret or ""
        self.verifier = SignatureVerifier(secret) if secret else None
        # http_endpoint verifies the signature (once); Socket Mode needs none: bolt's own
        # check would verify every request a second time
        self.app = AsyncApp(
            client=self.client,
            signing_secret=secret,
            request_verification_enabled=False,
            logger=logging.getLogger("slack_bolt"),
        )
        self.app.command(re.compile(r".*"))(self._on_command)
        self.app.action(re.compile(r"^cb\."))(self._on_action)
        self.app.view(slack_blocks.FORM_CALLBACK)(self._on_submission)
        # event type -> listener, each taking (ack, body, event)
        self.events: dict[str, Callable[..., Awaitable[None]]] = {
            "message": self._on_message,
            "app_mention": self._on_mention,
            "app_home_opened": self._on_home_opened,
            "team_join": self._on_directory_change,
            "user_change": self._on_directory_change,
        }
        for name, listener in self.events.items():
            self.app.event(name)(listener)
        self._socket: Any = None
        self.submission_budget = SUBMISSION_BUDGET
        self.inflight: set[asyncio.Task[Any]] = set()
        # the work after each ack: bounded, so a burst can never make the acks wait
        self.after_ack = AfterAck(
            "slack", limit=settings.inbound_queue_limit, workers=settings.inbound_workers
        )
        self.threads = ThreadPoolExecutor(
            max_workers=settings.inbound_threads, thread_name_prefix="slack-handler"
        )
        # one kept-alive HTTP session for every reply (Web API and response_url)
        self.session: aiohttp.ClientSession | None = None

    def open_session(self) -> aiohttp.ClientSession:
        """The shared HTTP session (created on first use, inside the running loop)."""
        if self.session is None or self.session.closed:
            self.session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=100, keepalive_timeout=30)
            )
            self.client.session = self.session
        return self.session

    def responder(self, response_url: str | None) -> Respond | None:
        """Replies through a slash command's or action's response_url, on the shared session."""
        if not response_url:
            return None
        webhook = AsyncWebhookClient(
            response_url,
            session=self.open_session(),
            timeout=int(self.runtime.settings.slack_timeout),
        )

        async def send(**kwargs: Any) -> Any:
            answer = await webhook.send(**kwargs)
            if answer.status_code >= 300:
                headers = answer.headers or {}
                raise WebhookFailed(
                    answer.status_code, headers.get("Retry-After") or headers.get("retry-after")
                )
            return answer

        return send

    def later(self, work: Coroutine[Any, Any, Any], what: str) -> None:
        """Queue the work after an ack (shed, with a warning, when the queue is full)."""
        self.after_ack.submit(work, what)

    async def connected(self) -> bool:
        """For /readyz: Socket Mode has a live connection; HTTP mode is up with the server."""
        if not self.runtime.settings.slack_app_token:
            return True
        return self._socket is not None and bool(await self._socket.client.is_connected())

    def _track(self) -> None:
        """Remember the listener's task (bolt runs each in its own), so shutdown can let the
        work after an ack finish."""
        task = asyncio.current_task()
        if task is not None:
            self.inflight.add(task)
            task.add_done_callback(self.inflight.discard)

    async def idle(self, timeout: float = 10.0) -> None:
        """Wait (bounded) until every listener that has acked has also finished its work."""
        async with asyncio.timeout(timeout):
            while self.inflight or self.after_ack.depth:
                await asyncio.gather(*list(self.inflight), return_exceptions=True)
                await self.after_ack.idle()

    # --- the core, once per Incoming -----------------------------------------------------

    async def handle(self, incoming: Incoming) -> Response:
        """The router runs synchronously (one DB transaction); keep it off the event loop, on
        a few threads of its own: every CPU-bound thread competes with the event loop for
        the GIL, and the loop is what answers Slack."""
        loop = asyncio.get_running_loop()
        context = contextvars.copy_context()  # the request id goes along
        return await loop.run_in_executor(
            self.threads, context.run, metrics.timed_handle, self.router, self.runtime, incoming
        )

    async def answer(
        self, incoming: Incoming, origin: Origin, work: Awaitable[Response] | None = None
    ) -> None:
        """Handle (or finish the handling already under way in ``work``) and render, logging
        (never raising) a failure: the ack has already gone."""
        try:
            response = await (work if work is not None else self.handle(incoming))
            await self.render(response, origin)
        except Exception:
            log.exception("slack: handling %s %s failed", incoming.kind, incoming.name)

    async def render(self, response: Response, origin: Origin) -> None:
        if response.form is not None and origin.trigger_id:
            await self.open_form(response.form, origin)
        if response.update is not None:
            update = response.update
            text, blocks = slack_blocks.fallback_text(update), slack_blocks.blocks(update)
            if origin.ephemeral_message and origin.respond is not None:
                # an ephemeral message has no ts chat.update could use: replace it in place
                respond = origin.respond
                await self.send_reply(
                    "response_url",
                    lambda: respond(
                        text=text, blocks=blocks, response_type="ephemeral", replace_original=True
                    ),
                    origin,
                    locale=update.locale,
                )
            elif origin.message_ref and not origin.home:
                channel, _, ts = origin.message_ref.partition(":")
                await self.send_reply(
                    "chat.update",
                    lambda: self.client.chat_update(
                        channel=channel, ts=ts, text=text, blocks=blocks
                    ),
                    origin,
                    locale=update.locale,
                )
            else:
                await self.reply(update, origin)
        for message in response.replies:
            await self.reply(message, origin)
        if origin.home:
            await self.publish_home(origin.user_id)

    async def reply(self, message: Message, origin: Origin) -> None:
        """To the person who acted only: ephemeral where Slack has it, else their DM."""
        text, blocks = slack_blocks.fallback_text(message), slack_blocks.blocks(message)
        if origin.respond is not None:
            respond = origin.respond
            await self.send_reply(
                "response_url",
                lambda: respond(
                    text=text, blocks=blocks, response_type="ephemeral", replace_original=False
                ),
                origin,
                locale=message.locale,
            )
        elif origin.ephemeral and origin.channel:
            channel = origin.channel
            await self.send_reply(
                "chat.postEphemeral",
                lambda: self.client.chat_postEphemeral(
                    channel=channel, user=origin.user_id, text=text, blocks=blocks
                ),
                origin,
                locale=message.locale,
            )
        else:
            await self.send_reply(
                "chat.postMessage",
                lambda: self.client.chat_postMessage(
                    channel=origin.channel or origin.user_id, text=text, blocks=blocks
                ),
                origin,
                channel=origin.user_id,
                apologise=False,  # the DM itself failed: a second DM would fail the same way
            )

    async def send_reply(
        self,
        what: str,
        request: Callable[[], Awaitable[Any]],
        origin: Origin,
        *,
        within: float = REPLY_SECONDS,
        channel: str | None = None,
        apologise: bool = True,
        sorry: str = "slack.reply_failed",
        locale: str | None = None,
    ) -> bool:
        """Make one reply through the delivery limiter and its retries, within ``within``
        seconds of the interaction (Slack's limit for trigger_id and response_url). One that
        finally fails is logged with its reason and, where the person can still be reached,
        replaced by a short DM, in ``locale`` (the failed reply's language: the apology is made
        here, outside the router). True when the reply went."""
        try:
            await self.platform.call(request, channel=channel, deadline=origin.received + within)
        except DeliveryError as error:
            metrics.REPLIES.labels(platform="slack", outcome="failed").inc()
            log.warning("slack: %s to %s failed: %s", what, origin.user_id, error)
            if apologise and origin.user_id:
                late = Origin(user_id=origin.user_id)
                with prompts.speaking(locale):
                    words = prompts.text(sorry)
                await self.send_reply(
                    "chat.postMessage (instead)",
                    lambda: self.client.chat_postMessage(channel=origin.user_id, text=words),
                    late,
                    channel=origin.user_id,
                    apologise=False,
                )
            return False
        metrics.REPLIES.labels(platform="slack", outcome="sent").inc()
        return True

    async def open_form(
        self, form: Form, origin: Origin, *, value_field: str | None = None
    ) -> None:
        view = slack_blocks.modal(form, message_ref=origin.message_ref, value_field=value_field)
        trigger_id = origin.trigger_id
        await self.send_reply(
            "views.open",
            lambda: self.client.views_open(trigger_id=trigger_id, view=view),
            origin,
            within=TRIGGER_SECONDS,
            sorry="slack.form_late",
            locale=form.locale,
        )

    async def publish_home(self, user_id: str) -> None:
        incoming = Incoming(platform="slack", user_id=user_id, kind="command", name="home")
        response = await self.handle(incoming)
        if response.replies:
            view = slack_blocks.home_view(response.replies[0])
            await self.send_reply(
                "views.publish",
                lambda: self.client.views_publish(user_id=user_id, view=view),
                Origin(user_id=user_id),
                apologise=False,
            )

    # --- listeners ------------------------------------------------------------------------

    async def _on_command(self, ack: Any, command: dict[str, Any]) -> None:
        self._track()
        await ack()
        origin = Origin(
            user_id=str(command.get("user_id", "")),
            channel=command.get("channel_id"),
            respond=self.responder(command.get("response_url")),
            trigger_id=command.get("trigger_id"),
        )
        self.later(self.answer(slash_incoming(command), origin), "command")

    async def _on_action(self, ack: Any, body: dict[str, Any]) -> None:
        self._track()
        await ack()
        self.later(self._act(body), "action")

    async def _act(self, body: dict[str, Any]) -> None:
        user_id = str((body.get("user") or {}).get("id", ""))
        container = body.get("container") or {}
        home = container.get("type") == "view"
        channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
        ts = container.get("message_ts")
        origin = Origin(
            user_id=user_id,
            channel=channel,
            respond=self.responder(body.get("response_url")),
            trigger_id=body.get("trigger_id"),
            message_ref=f"{channel}:{ts}" if channel and ts else None,
            home=home,
            ephemeral_message=bool(container.get("is_ephemeral")),
        )
        for action in body.get("actions") or []:
            try:
                kind, data = slack_blocks.decode_action(action)
            except (ValueError, TypeError):
                log.warning("slack: ignoring an action culturebot did not render")
                continue
            if kind == "comment":
                await self.open_form(
                    slack_blocks.question_form(data), origin, value_field=slack_blocks.VALUE_FIELD
                )
            elif kind == "form":
                await self.open_form(data, origin)
            else:
                incoming = Incoming(
                    platform="slack",
                    user_id=user_id,
                    kind="action",
                    name=str(data["a"]),
                    ref=str(data.get("r", "")),
                    value=str(data.get("v", "")),
                    event_id=f"action:{body.get('trigger_id')}" if body.get("trigger_id") else None,
                    message_ref=origin.message_ref,
                )
                await self.answer(incoming, origin)

    async def _on_submission(self, ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        self._track()
        try:
            metadata, fields = slack_blocks.submission(view)
        except (ValueError, TypeError):
            await ack()
            return
        value = fields.pop(metadata["v"], "") if metadata.get("v") else ""
        user_id = str((body.get("user") or {}).get("id", ""))
        incoming = Incoming(
            platform="slack",
            user_id=user_id,
            kind="action",
            name=str(metadata["a"]),
            ref=str(metadata.get("r") or ""),
            value=value,
            fields={k: v for k, v in fields.items() if v},
            event_id=f"view:{view.get('id')}" if view.get("id") else None,
            message_ref=metadata.get("m"),
        )
        origin = Origin(
            user_id=user_id, trigger_id=body.get("trigger_id"), message_ref=metadata.get("m")
        )
        # Handle before acking: a refusal answers with response_action "errors", which keeps the
        # modal open with the text as typed and shows the message under the field; anything
        # else acks (closing the modal) and is rendered as usual. Past the budget we cannot
        # wait longer: ack (the modal closes) and, once the handler is done, answer as every
        # other listener does, so a refusal then arrives as a DM and the typed text is lost.
        work = asyncio.ensure_future(self.handle(incoming))
        done, _ = await asyncio.wait({work}, timeout=self.submission_budget)
        if not done:
            log.warning(
                "slack: a form took over %ss; answering after the ack", self.submission_budget
            )
        elif work.exception() is None and (
            errors := slack_blocks.refusal_errors(view, work.result())
        ):
            await ack(response_action="errors", errors=errors)
            return
        await ack()
        self.later(self.answer(incoming, origin, work), "form")

    async def _on_message(self, ack: Any, body: dict[str, Any], event: dict[str, Any]) -> None:
        self._track()
        await ack()
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        incoming = Incoming(
            platform="slack",
            user_id=str(event.get("user", "")),
            kind="message",
            text=str(event.get("text", "")),
            event_id=body.get("event_id"),
        )
        origin = Origin(user_id=incoming.user_id, channel=event.get("channel"))
        self.later(self.answer(incoming, origin), "message")

    async def _on_mention(self, ack: Any, body: dict[str, Any], event: dict[str, Any]) -> None:
        self._track()
        await ack()
        incoming = Incoming(
            platform="slack",
            user_id=str(event.get("user", "")),
            kind="message",
            text=MENTION.sub("", str(event.get("text", ""))).strip(),
            event_id=body.get("event_id"),
        )
        origin = Origin(user_id=incoming.user_id, channel=event.get("channel"), ephemeral=True)
        self.later(self.answer(incoming, origin), "mention")

    async def _on_home_opened(self, ack: Any, body: dict[str, Any], event: dict[str, Any]) -> None:
        self._track()
        await ack()
        if event.get("tab", "home") != "home":
            return
        self.later(self._home(str(event.get("user", ""))), "home")

    async def _home(self, user_id: str) -> None:
        try:
            await self.publish_home(user_id)
        except Exception:
            log.exception("slack: publishing the home tab failed")

    async def _on_directory_change(
        self, ack: Any, body: dict[str, Any], event: dict[str, Any]
    ) -> None:
        """A new or changed Slack user: link them by email now (no sync needed); a deleted
        one becomes unreachable."""
        self._track()
        await ack()
        member = event.get("user")
        if not isinstance(member, dict):
            return
        self.later(self._directory_change(event, member), "directory change")

    async def _directory_change(self, event: dict[str, Any], member: dict[str, Any]) -> None:
        def write() -> str:
            with self.runtime.db.session() as session:
                return apply_member(session, member).outcome

        try:
            outcome = await asyncio.to_thread(write)
        except Exception:
            log.exception("slack: linking a %s user failed", event.get("type"))
            return
        log.info("slack: %s %s: %s", event.get("type"), member.get("id"), outcome)

    # --- HTTP mode and Socket Mode ------------------------------------------------------------

    async def http_endpoint(self, request: web.Request) -> web.Response:
        """POST /slack/events: events, interactivity and slash commands, verified by signature.

        The signature is checked once, here, on the raw bytes before anything reads them
        (bolt's own check is off); then the body is decoded as UTF-8 (what Slack sends,
        whatever charset a request claims) and parsed once, by AsyncBoltRequest. The listeners
        queue their work (``later``), so the answer leaves before any of it runs (see
        ``acked_at_once``)."""
        started = time.perf_counter()
        raw = await request.read()
        headers = request.headers
        if not self.signed(raw, headers):
            return web.json_response({"error": "invalid signature"}, status=401)
        try:
            body = raw.decode("utf-8")
            bolt_request = AsyncBoltRequest(
                body=body,
                query=request.query_string,
                headers={k.lower(): v for k, v in headers.items()},
            )
            if not isinstance(bolt_request.body, dict) or not bolt_request.body:
                raise ValueError("not a Slack payload")
        except (ValueError, TypeError, AttributeError, KeyError):
            return web.json_response({"error": "malformed body"}, status=400)
        listener = self.acked_at_once(bolt_request.body)
        if listener is not None:
            await listener  # queues the work (``later``) and returns at once
            response = web.Response(status=200)
        else:  # url_verification, view_submission, ...: bolt's answer is the response
            response = await to_aiohttp_response(await self.app.async_dispatch(bolt_request))
        metrics.ACK_SECONDS.labels(platform="slack").observe(time.perf_counter() - started)
        return response

    def acked_at_once(self, payload: dict[str, Any]) -> Awaitable[None] | None:
        """The listener call for a request whose answer is an empty 200 whatever happens (an
        event a listener takes, a click on culturebot's buttons, a slash command), or None.

        These skip bolt's routing on the hot path: the listener is called here, with an ack
        that does nothing, and queues its work; http_endpoint answers 200 at once. Everything
        else (url_verification, modal submissions, ...) goes through bolt, whose answer is
        the response. Socket Mode always goes through bolt."""
        kind = payload.get("type")
        if kind == "event_callback":
            event = payload.get("event")
            listener = self.events.get(event.get("type", "")) if isinstance(event, dict) else None
            return listener(ack=_acked, body=payload, event=event) if listener else None
        if kind == "block_actions":
            actions = payload.get("actions") or []
            ours = isinstance(actions, list) and actions and isinstance(payload.get("user"), dict)
            if ours and all(
                isinstance(a, dict) and str(a.get("action_id", "")).startswith("cb.")
                for a in actions
            ):
                return self._on_action(ack=_acked, body=payload)
            return None
        if kind is None and payload.get("command"):
            return self._on_command(ack=_acked, command=payload)
        return None

    def signed(self, raw: bytes, headers: Any) -> bool:
        """Slack's signature (HMAC-SHA256 of ``v0:timestamp:body``), computed over the raw
        bytes, and a timestamp within five minutes of now."""
        if self.verifier is None:
            return False
        timestamp = headers.get("X-Slack-Request-Timestamp") or ""
        signature = headers.get("X-Slack-Signature") or ""
        try:
            fresh = abs(self.verifier.clock.now() - int(timestamp)) <= 5 * 60
            signed = b"v0:" + timestamp.encode("ascii") + b":" + raw
        except ValueError:  # a timestamp that is not a plain number
            return False
        secret = self.verifier.signing_secret.encode("utf-8")
        expected = "v0=" + hmac.new(secret, signed, hashlib.sha256).hexdigest()
        return fresh and hmac.compare_digest(
            expected.encode(), signature.encode("utf-8", "surrogateescape")
        )

    def add_routes(self, web_app: web.Application) -> None:
        web_app.router.add_post(EVENTS_PATH, self.http_endpoint)

    async def start_socket_mode(self, app_token: str) -> None:
        """Connect over Socket Mode (no public URL needed); slack-bolt's handler does the rest."""
        from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

        self.open_session()
        self._socket = AsyncSocketModeHandler(self.app, app_token)
        await self._socket.connect_async()
        log.info("slack: connected in Socket Mode")

    async def close(self) -> None:
        try:
            await self.idle()
        except TimeoutError:
            log.warning("slack: stopping with %s handlers still running", len(self.inflight))
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None
        await self.platform.close()
        if self.session is not None:
            await self.session.close()
        self.threads.shutdown(wait=False)


SLACK = web.AppKey("slack", SlackBot)


def install(runtime: Runtime, router: Router, web_app: web.Application) -> SlackBot | None:
    """Wire Slack into the web app when configured: HTTP routes with a signing secret, Socket
    Mode (started with the app, stopped with it) with an app token. None when not configured."""
    settings = runtime.settings
    if not settings.slack_bot_token:
        return None
    bot = SlackBot(runtime, router)
    if not (settings.slack_signing_secret or settings.slack_app_token):
        log.warning(
            "slack: SLACK_BOT_TOKEN is set but neither SLACK_APP_TOKEN (Socket Mode) nor "
            "SLACK_SIGNING_SECRET (HTTP): culturebot can send to Slack but not hear from it"
        )
    if settings.slack_signing_secret:
        bot.add_routes(web_app)
    if settings.slack_app_token:
        token = settings.slack_app_token

        async def connect(_app: web.Application) -> None:
            await bot.start_socket_mode(token)

        web_app.on_startup.append(connect)

    async def start_session(_app: web.Application) -> None:
        bot.open_session()

    web_app.on_startup.append(start_session)
    web_app.on_cleanup.append(lambda _app: bot.close())
    web_app[SLACK] = bot
    return bot
