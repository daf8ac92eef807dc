"""A fake Slack Web API on 127.0.0.1 (random port), speaking Slack's documented JSON.

It is as strict as Slack about scopes: the bot token holds the scopes of the manifest that
culturebot prints (``culturebot slack manifest``) unless a test grants fewer, every method
needs the bot-token scope Slack's method reference lists (``METHOD_SCOPES``), and a call
without it gets ``missing_scope`` with ``needed`` and ``provided``, as from Slack. Every answer
carries the token's scopes in ``x-oauth-scopes``. Messages and views past Block Kit's limits
are refused as Slack refuses them (tests/fakes/block_kit.py). There is no way to turn either off.

It implements the methods culturebot calls (auth.test, chat.postMessage with message metadata,
chat.update, chat.postEphemeral, conversations.open, conversations.history, views.open,
views.publish, users.list and users.info (``locale`` only with include_locale, as Slack
answers), apps.connections.open), the
response_url webhooks, and a Socket Mode WebSocket. It records every call, keeps each DM's
messages (so a test reads what a person would see, updates included), and can be told to
answer 429 with Retry-After, 500, an API error, or to be slow. With ``rate_limit`` it limits
chat.postMessage to that many calls per second (a token bucket), answering 429 beyond it.

Tests wait for what they expect with ``wait_for`` (a condition notified on every call and
bounded by a deadline), never with fixed sleeps.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import math
import time
from collections import Counter
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import yaml
from aiohttp import WSMsgType, web

from bot.platforms.slack.manifest import manifest_yaml
from tests.fakes.block_kit import message_errors, view_errors

# Bot-token scopes from Slack's method reference (docs.slack.dev/reference/methods/<method>),
# for the conversations culturebot uses (DMs); ``needed_scope`` picks the one a call needs
# when it depends on the conversation's type. None: no scope needed.
METHOD_SCOPES: dict[str, str | None] = {
    "auth.test": None,
    "chat.postMessage": "chat:write",
    "chat.update": "chat:write",
    "chat.postEphemeral": "chat:write",
    "chat.delete": "chat:write",
    "conversations.open": "im:write",
    "conversations.history": "im:history",
    "conversations.info": "im:read",
    "users.info": "users:read",
    "users.list": "users:read",
    "users.lookupByEmail": "users:read.email",
    "views.open": None,
    "views.publish": None,
    "views.update": None,
    "views.push": None,
    "apps.connections.open": "connections:write",  # an app-level token (xapp-)
}
# Event subscriptions and features, with the scope each needs (Slack's events reference).
EVENT_SCOPES: dict[str, str | None] = {
    "app_home_opened": None,
    "app_mention": "app_mentions:read",
    "message.im": "im:history",
    "team_join": "users:read",
    "user_change": "users:read",
}
# A field Slack leaves out of an answer unless the token holds a scope of its own.
FIELD_SCOPES = {"profile.email": "users:read.email"}  # users.list, users.info
SLASH_COMMAND_SCOPE = "commands"
APP_TOKEN_SCOPES = ("connections:write",)
# history, read and write scopes by the first letter of a conversation id: D a DM, C a public
# channel, G a private channel or a group DM
_BY_KIND = {
    "history": {"D": "im:history", "C": "channels:history", "G": "groups:history"},
    "read": {"D": "im:read", "C": "channels:read", "G": "groups:read"},
    "write": {"D": "im:write", "C": "channels:manage", "G": "groups:write"},
}


def manifest_scopes() -> list[str]:
    """The bot scopes of the manifest culturebot prints, as an admin would install them."""
    printed = yaml.safe_load(manifest_yaml())
    return list(printed["oauth_config"]["scopes"]["bot"])


def needed_scope(method: str, params: dict[str, Any]) -> str | None:
    """The scope this call needs: Slack's for the method, by conversation type where it
    depends on it (a DM, a channel, a group DM)."""
    channel = str(params.get("channel") or "")
    if method == "conversations.open":
        users = [u for u in str(params.get("users") or "").split(",") if u]
        if len(users) > 1:
            return "mpim:write"
        return _BY_KIND["write"].get(channel[:1], "im:write") if channel else "im:write"
    if method in ("conversations.history", "conversations.replies"):
        return _BY_KIND["history"].get(channel[:1], "im:history")
    if method == "conversations.info":
        return _BY_KIND["read"].get(channel[:1], "im:read")
    return METHOD_SCOPES.get(method)


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    token: str | None


@dataclass
class Failure:
    status: int = 200
    error: str = ""
    retry_after: float | None = None
    delay: float = 0.0
    times: int = 1
    channel: str | None = None  # only for calls to this channel (or user id)
    # do what was asked (a post lands in the DM), then never answer: the client times out
    answer_lost: bool = False


@dataclass
class Posted:
    """One message as the person sees it now (after any chat.update)."""

    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    history: list[dict[str, Any]] = field(default_factory=list)
    metadata: dict[str, Any] | None = None
    at: float = 0.0  # time.time() when it arrived


def block_text(blocks: list[dict[str, Any]]) -> str:
    """Every piece of text in some blocks, one per line: what a person reads."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("plain_text", "mrkdwn") and "text" in node:
                out.append(str(node["text"]))
                return
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks)
    return "\n".join(out)


def sign(secret: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    """Headers Slack sends with a request: real HMAC-SHA256 over v0:timestamp:body."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


class FakeSlack:
    def __init__(
        self,
        *,
        rate_limit: float | None = None,
        channel_interval: float | None = None,
        page_size: int = 2,
        scopes: list[str] | None = None,
    ) -> None:
        # what the installed bot token was granted: the manifest's scopes unless told fewer
        self.scopes: list[str] = manifest_scopes() if scopes is None else list(scopes)
        self.answers_lost = 0  # calls done whose answer never left (``answer_lost``)
        self.refused: Counter[str] = Counter()  # "method: error" of each call Slack would refuse
        self.channel_interval = channel_interval  # at most one post per channel this often
        self._channel_last: dict[str, float] = {}
        self.calls: list[Call] = []
        self.failures: dict[str, list[Failure]] = {}
        self.messages: dict[tuple[str, str], Posted] = {}
        self.users: list[dict[str, Any]] = []
        self.page_size = page_size
        self.rate_limit = rate_limit
        self.burst = 1.0 + (rate_limit or 0) / 10
        self._tokens = self.burst
        self._refilled = time.monotonic()
        self.rate_limited = 0  # 429s for chat.postMessage, of which
        self.channel_limited = 0  # for the channel's one message a second
        self._ts = itertools.count(1)
        self._views = itertools.count(1)
        self._changed = asyncio.Condition()
        self._stopping = asyncio.Event()  # lets answers that were never to come end at stop
        self.sockets: list[web.WebSocketResponse] = []
        self.socket_acks: list[dict[str, Any]] = []
        self._runner: web.AppRunner | None = None
        self.url = ""

    # --- lifecycle ---------------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/respond/{key}", self._respond)
        app.router.add_get("/socket", self._socket)
        app.router.add_get("/_stats", self._stats)
        app.router.add_post("/_fail/{method}", self._fail_later)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self.api_url

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def response_url(self, key: str) -> str:
        return f"{self.url}/respond/{key}"

    async def stop(self) -> None:
        self._stopping.set()
        for ws in list(self.sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- what tests tell it ------------------------------------------------------------

    def fail(self, method: str, **failure: Any) -> None:
        """Answer the next call(s) of ``method`` with a failure (see ``Failure``)."""
        self.failures.setdefault(method, []).append(Failure(**failure))

    async def wait_for(self, condition: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Wait until ``condition()`` is truthy (re-checked on every call); fail at the deadline."""
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(condition), timeout)
            except TimeoutError:
                raise AssertionError(f"fake Slack: condition not met in {timeout}s") from None
        return condition()

    def called(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def dm(self, user: str) -> list[Posted]:
        """The messages in the bot's DM with ``user``, oldest first, as they read now."""
        return [m for (channel, _), m in self.messages.items() if channel == f"D{user}"]

    # --- the Web API --------------------------------------------------------------------

    async def _record(self, call: Call) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        body = await request.text()
        if body:
            if request.content_type == "application/json":
                params.update(json.loads(body))
            else:
                params.update(dict(parse_qsl(body, keep_blank_values=True)))
        for key in ("blocks", "view"):
            if isinstance(params.get(key), str):
                params[key] = json.loads(params[key])
        return params

    def _take_failure(self, method: str, params: dict[str, Any]) -> Failure | None:
        for failure in self.failures.get(method, []):
            if failure.channel is None or failure.channel == params.get("channel"):
                failure.times -= 1
                if failure.times <= 0:
                    self.failures[method].remove(failure)
                return failure
        return None

    def _over_limit(self) -> float | None:
        """Token bucket: None if a call may pass now, else seconds until it could."""
        if self.rate_limit is None:
            return None
        now = time.monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._refilled) * self.rate_limit)
        self._refilled = now
        if self._tokens >= 1:
            self._tokens -= 1
            return None
        return (1 - self._tokens) / self.rate_limit

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        try:
            params = await self._params(request)
        except (ValueError, TypeError):
            return web.json_response({"ok": False, "error": "invalid_json"})
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") or str(params.get("token") or "") or None
        await self._record(Call(method, params, token))
        if method not in METHOD_SCOPES:
            return web.json_response({"ok": False, "error": "unknown_method"})
        if not token:
            return web.json_response({"ok": False, "error": "not_authed"})
        granted = self.granted(token)
        headers = {
            "x-oauth-scopes": ",".join(granted),
            "x-accepted-oauth-scopes": METHOD_SCOPES[method] or "",
        }
        needed = needed_scope(method, params)
        if needed is not None and needed not in granted:
            refusal = {
                "ok": False,
                "error": "missing_scope",
                "needed": needed,
                "provided": ",".join(granted),
            }
            self.refused[f"{method}: missing_scope {needed}"] += 1
            return web.json_response(refusal, headers=headers)
        refused = self._invalid(method, params)
        if refused is not None:
            return web.json_response(refused, headers=headers)
        failure = self._take_failure(method, params)
        if failure is not None:
            if failure.delay:  # the fake is slow: the client's timeout decides (until it stops)
                with suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), failure.delay)
            if failure.status == 429:
                wait = failure.retry_after or 1
                return web.json_response(
                    {"ok": False, "error": "ratelimited"},
                    status=429,
                    headers={"Retry-After": str(math.ceil(wait))},
                )
            if failure.status >= 500:
                return web.Response(status=failure.status, text="upstream trouble")
            if failure.error:
                return web.json_response({"ok": False, "error": failure.error})
            if failure.answer_lost:
                handler = getattr(self, "_" + method.replace(".", "_"))
                await handler(params)
                self.answers_lost += 1
                await self._stopping.wait()
                return web.Response(status=500)  # nobody is listening any more
        if method == "chat.postMessage":
            channel_wait = self._channel_busy(params)
            wait = channel_wait if channel_wait is not None else self._over_limit()
            if wait is None and self.channel_interval:
                self._channel_last[self._channel(str(params.get("channel", "")))] = time.monotonic()
            if wait is not None:
                self.rate_limited += 1
                self.channel_limited += channel_wait is not None
                return web.json_response(
                    {"ok": False, "error": "ratelimited"},
                    status=429,
                    headers={"Retry-After": str(max(1, math.ceil(wait)))},
                )
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        return web.json_response(await handler(params), headers=headers)

    def _invalid(self, method: str, params: dict[str, Any]) -> dict[str, Any] | None:
        """Slack's answer to blocks or a view past Block Kit's limits (None: they are fine)."""
        if method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
            errors, code = message_errors(params.get("blocks")), "invalid_blocks"
        elif method.startswith("views."):
            errors, code = view_errors(params.get("view")), "invalid_arguments"
        else:
            return None
        if not errors:
            return None
        self.refused[f"{method}: {code} {errors[0]}"] += 1
        answer: dict[str, Any] = {"ok": False, "error": code}
        if code == "invalid_blocks":
            answer["errors"] = errors
        answer["response_metadata"] = {"messages": [f"[ERROR] {e}" for e in errors]}
        return answer

    def granted(self, token: str) -> list[str]:
        """The scopes ``token`` holds: an app-level token (xapp-) only connects Socket Mode."""
        return list(APP_TOKEN_SCOPES) if token.startswith("xapp-") else self.scopes

    def _channel_busy(self, params: dict[str, Any]) -> float | None:
        """Slack's one message a second per channel: seconds to wait, None if it may pass."""
        if not self.channel_interval:
            return None
        channel = self._channel(str(params.get("channel", "")))
        now = time.monotonic()
        last = self._channel_last.get(channel)
        if last is not None and now - last < self.channel_interval:
            return self.channel_interval - (now - last)
        return None

    async def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://fake.slack.test/",
            "team": "Fake Team",
            "user": "culturebot",
            "team_id": "T0FAKE",
            "user_id": "UBOT",
            "bot_id": "BBOT",
            "is_enterprise_install": False,
        }

    def _channel(self, channel: str) -> str:
        return f"D{channel}" if channel.startswith(("U", "W")) else channel

    async def _chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(str(params.get("channel", "")))
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        ts = f"1700000000.{next(self._ts):06d}"
        blocks = params.get("blocks") or []
        metadata = params.get("metadata")
        if isinstance(metadata, str):
            metadata = json.loads(metadata)
        self.messages[(channel, ts)] = Posted(
            channel, ts, str(params.get("text", "")), blocks, metadata=metadata, at=time.time()
        )
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "message": {"type": "message", "text": params.get("text", ""), "ts": ts},
        }

    async def _chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        key = (str(params.get("channel")), str(params.get("ts")))
        posted = self.messages.get(key)
        if posted is None:
            return {"ok": False, "error": "message_not_found"}
        posted.history.append({"text": posted.text, "blocks": posted.blocks})
        posted.text, posted.blocks = str(params.get("text", "")), params.get("blocks") or []
        return {"ok": True, "channel": key[0], "ts": key[1], "text": posted.text}

    async def _conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        users = str(params.get("users", ""))
        if not users:
            return {"ok": False, "error": "users_list_not_supplied"}
        return {"ok": True, "channel": {"id": self._channel(users)}}

    async def _conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        """Newest first; metadata only with include_all_metadata, as Slack does."""
        channel = str(params.get("channel", ""))
        limit = int(params.get("limit") or 100)
        with_metadata = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
        posted = sorted(
            (m for (c, _), m in self.messages.items() if c == channel),
            key=lambda m: m.ts,
            reverse=True,
        )[:limit]
        messages = []
        for m in posted:
            message: dict[str, Any] = {"type": "message", "ts": m.ts, "text": m.text}
            if with_metadata and m.metadata:
                message["metadata"] = m.metadata
            messages.append(message)
        return {"ok": True, "messages": messages, "has_more": False}

    async def _chat_postEphemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "message_ts": f"1700000000.{next(self._ts):06d}"}

    async def _views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        view = dict(params.get("view") or {})
        view.update({"id": f"V{next(self._views):05d}", "hash": "h1", "state": {"values": {}}})
        return {"ok": True, "view": view}

    async def _views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        view = dict(params.get("view") or {})
        view.update({"id": f"V{next(self._views):05d}", "hash": "h1"})
        return {"ok": True, "view": view}

    def _as_answered(self, user: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        """A user as Slack answers for them: the email only with users:read.email, the
        ``locale`` ("de-DE") only when asked with include_locale."""
        shown = dict(user)
        if FIELD_SCOPES["profile.email"] not in self.scopes:  # Slack leaves it out
            profile = user.get("profile") or {}
            shown["profile"] = {k: v for k, v in profile.items() if k != "email"}
        if str(params.get("include_locale", "")).lower() not in ("1", "true"):
            shown.pop("locale", None)
        return shown

    async def _users_list(self, params: dict[str, Any]) -> dict[str, Any]:
        start = int(params.get("cursor") or 0)
        page = [self._as_answered(u, params) for u in self.users[start : start + self.page_size]]
        after = start + self.page_size
        cursor = str(after) if after < len(self.users) else ""
        return {"ok": True, "members": page, "response_metadata": {"next_cursor": cursor}}

    async def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        found = [u for u in self.users if u.get("id") == params.get("user")]
        if not found:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": self._as_answered(found[0], params)}

    async def _apps_connections_open(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": self.url.replace("http://", "ws://") + "/socket"}

    async def _respond(self, request: web.Request) -> web.Response:
        params = await self._params(request)
        params["response_url_key"] = request.match_info["key"]
        await self._record(Call("response_url", params, None))
        errors = message_errors(params.get("blocks"))
        if errors:  # a response_url answers a plain 400 with the error's name
            self.refused[f"response_url: invalid_blocks {errors[0]}"] += 1
            return web.Response(status=400, text="invalid_blocks")
        failure = self._take_failure("response_url", params)
        if failure is not None and failure.status == 429:
            headers = {"Retry-After": str(math.ceil(failure.retry_after or 1))}
            return web.Response(status=429, text="rate_limited", headers=headers)
        if failure is not None and failure.status >= 400:
            return web.Response(status=failure.status, text="upstream trouble")
        return web.Response(text="ok")

    async def _fail_later(self, request: web.Request) -> web.Response:
        """For a fake in another process: ``fail`` from now on (the body is a Failure's
        fields as JSON), e.g. posts that land and are never answered, mid-round."""
        self.fail(request.match_info["method"], **(await request.json()))
        return web.json_response({"ok": True})

    async def _stats(self, request: web.Request) -> web.Response:
        """For a fake in another process (the benchmark): what was posted, how often limited."""
        return web.json_response(
            {
                "messages": [list(key) for key in self.messages],
                "posted_at": [m.at for m in self.messages.values()],
                "keys": [
                    ((m.metadata or {}).get("event_payload") or {}).get("key")
                    for m in self.messages.values()
                ],
                "rate_limited": self.rate_limited,
                "channel_limited": self.channel_limited,
                "calls": dict(Counter(call.method for call in self.calls)),
                "scopes": self.scopes,
                "refused": dict(self.refused),
                "answers_lost": self.answers_lost,
            }
        )

    # --- Socket Mode ------------------------------------------------------------------------

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": 1})
        await self._record(Call("socket.connected", {}, None))
        while True:
            msg = await ws.receive()
            if msg.type == WSMsgType.TEXT:
                ack = json.loads(msg.data)
                self.socket_acks.append(ack)
                await self._record(Call("socket.ack", ack, None))
            elif msg.type in (
                WSMsgType.CLOSE,
                WSMsgType.CLOSING,
                WSMsgType.CLOSED,
                WSMsgType.ERROR,
            ):
                break
        # "close_frame": the app said goodbye (a CLOSE frame, as slack_sdk's close() sends);
        # otherwise the connection just dropped (a killed process, a lost network)
        ended = {"close_frame": msg.type == WSMsgType.CLOSE, "code": ws.close_code}
        await self._record(Call("socket.closed", ended, None))
        return ws

    async def push(self, envelope_type: str, payload: dict[str, Any], envelope_id: str) -> None:
        """Send a Socket Mode envelope to the connected app."""
        await self.sockets[-1].send_json(
            {
                "envelope_id": envelope_id,
                "type": envelope_type,
                "payload": payload,
                "accepts_response_payload": False,
                "retry_attempt": 0,
                "retry_reason": "",
            }
        )


async def _serve_until_stdin_closes(
    rate_limit: float | None, channel_interval: float | None = None
) -> None:
    import sys

    fake = FakeSlack(rate_limit=rate_limit, channel_interval=channel_interval)
    await fake.start()
    print(fake.url, flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await fake.stop()


if __name__ == "__main__":
    # `python -m tests.fakes.slack_api [RATE [CHANNEL_INTERVAL]]`: serve in a process of its own
    # (prints the URL, stops when stdin closes), so a benchmark's pauses cannot bunch the
    # fake's arrivals. RATE 0 means no global limit.
    import sys

    args = [float(a) for a in sys.argv[1:3]]
    asyncio.run(
        _serve_until_stdin_closes(
            (args[0] or None) if args else None, args[1] if len(args) > 1 else None
        )
    )
