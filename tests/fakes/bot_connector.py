"""A fake Bot Connector service: what Teams' serviceUrl answers, on 127.0.0.1.

It receives the bot's replies, proactive sends and card updates as the Bot Connector REST API
(v3) documents them, records them, answers the roster call, and can be told to answer a
status (429 with Retry-After, 403, ...) or to rate-limit like Teams (N requests per second per
app, and per conversation).

It is as strict as Teams about what it accepts, and no test can turn that off: an activity
over Teams' size limit is answered 413 ``MessageSizeTooBig``, and an Adaptive Card that breaks
its declared schema version or the validator's rules (``tests.fakes.adaptive_cards``) is
answered 400 ``BadArgument``. Each refusal is kept in ``refusals``; the Teams fixtures fail any
test that leaves one there.
"""

from __future__ import annotations

import asyncio
import itertools
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.adaptive_cards import MESSAGE_LIMIT, payload_size, problems

CARD = "application/vnd.microsoft.card.adaptive"


@dataclass
class Received:
    method: str  # POST (send or reply) or PUT (update)
    conversation_id: str
    activity_id: str | None  # the activity replied to or updated
    body: dict[str, Any]
    status: int
    at: float = 0.0
    id: str = ""  # the id the fake gave the activity (sends) or kept (updates)

    @property
    def card(self) -> dict[str, Any] | None:
        attachments = self.body.get("attachments") or []
        return attachments[0]["content"] if attachments else None

    @property
    def card_text(self) -> str:
        """Every TextRun's text in the card, one line each (what a person reads, but for the
        inputs' labels)."""
        lines: list[str] = []

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                if node.get("type") == "TextRun":
                    lines.append(node.get("text", ""))
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for item in node:
                    walk(item)

        walk(self.card)
        return "\n".join(lines)


@dataclass
class Failure:
    status: int
    times: int
    retry_after: float | None = None


@dataclass
class FakeBotConnector:
    """Start with ``await connector.start()``; ``url`` is the serviceUrl to put in activities."""

    max_requests: int = 10_000
    limit_per_second: int | None = None
    conversation_limit_per_second: int | None = None  # sends and updates to one conversation
    roster: dict[str, dict[str, Any]] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    url: str = ""

    def __post_init__(self) -> None:
        self._ids = itertools.count(1)
        self._failures: dict[str, list[Failure]] = {}
        self._arrivals: deque[float] = deque()
        self._conversation_arrivals: dict[str, deque[float]] = {}
        self._runner: web.AppRunner | None = None
        self.requests = 0
        self.refusals: list[str] = []  # why each refused activity was refused
        self.authorizations: list[str] = []  # each send's Authorization header ("" if none)
        self.rate_limited = 0  # 429s, of which
        self.conversation_limited = 0  # for the conversation's limit
        # cleared, every send and update waits unanswered until it is set again (Teams slow)
        self.gate = asyncio.Event()
        self.gate.set()

    def fail(
        self, conversation_id: str, status: int, *, times: int = 1, retry_after: float | None = None
    ) -> None:
        """Answer ``status`` to the next ``times`` sends/updates in that conversation."""
        self._failures.setdefault(conversation_id, []).append(Failure(status, times, retry_after))

    def delivered(self, method: str | None = None) -> list[Received]:
        """What was accepted (2xx), optionally only sends (POST) or updates (PUT)."""
        return [
            r for r in self.received if r.status < 300 and (method is None or r.method == method)
        ]

    async def start(self) -> FakeBotConnector:
        app = web.Application()
        app.router.add_post("/v3/conversations/{conversation}/activities", self._activity)
        app.router.add_post(
            "/v3/conversations/{conversation}/activities/{activity}", self._activity
        )
        app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", self._activity)
        app.router.add_get("/v3/conversations/{conversation}/members/{member}", self._member)
        app.router.add_get("/_stats", self._stats)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def _count(self) -> web.Response | None:
        self.requests += 1
        if self.requests > self.max_requests:
            return web.json_response({"error": {"code": "TooMany"}}, status=503)
        return None

    def _over_limit(self, now: float, conversation: str) -> bool:
        """Over Teams' limit per app or per conversation in the last second (rolling)."""
        windows = [(self._arrivals, self.limit_per_second)]
        if self.conversation_limit_per_second is not None:
            arrivals = self._conversation_arrivals.setdefault(conversation, deque())
            windows.append((arrivals, self.conversation_limit_per_second))
        over = False
        for arrivals, limit in windows:
            while arrivals and arrivals[0] <= now - 1.0:
                arrivals.popleft()
            if limit is not None and len(arrivals) >= limit and not over:
                over = True
                self.conversation_limited += arrivals is not self._arrivals
        if not over:
            for arrivals, _limit in windows:
                arrivals.append(now)
        return over

    async def _activity(self, request: web.Request) -> web.Response:
        await self.gate.wait()
        refused = self._count()
        if refused is not None:
            return refused
        now = time.monotonic()
        conversation = request.match_info["conversation"]
        activity_id = request.match_info.get("activity")
        self.authorizations.append(request.headers.get("Authorization", ""))
        body = await request.json()
        status, headers = 200, {}
        queue = self._failures.get(conversation)
        refusal = self._refusal(body)
        if refusal is not None:
            status, code, message = refusal
            self.refusals.append(f"{code}: {message}")
            self.received.append(
                Received(request.method, conversation, activity_id, body, status, at=now)
            )
            return web.json_response({"error": {"code": code, "message": message}}, status=status)
        if self._over_limit(now, conversation):
            status, headers = 429, {"Retry-After": "1"}
            self.rate_limited += 1
        elif queue:
            failure = queue[0]
            failure.times -= 1
            if failure.times <= 0:
                queue.pop(0)
            status = failure.status
            if failure.retry_after is not None:
                headers["Retry-After"] = f"{failure.retry_after:g}"
        new_id = activity_id if request.method == "PUT" else f"act-{next(self._ids)}"
        self.received.append(
            Received(request.method, conversation, activity_id, body, status, at=now, id=new_id)
        )
        if status >= 300:
            return web.json_response(
                {"error": {"code": "Failed", "message": f"fake {status}"}},
                status=status,
                headers=headers,
            )
        return web.json_response({"id": new_id})

    @staticmethod
    def _refusal(body: Any) -> tuple[int, str, str] | None:
        """What Teams refuses before anything else: a message over the size limit (413), a
        card it cannot render (400)."""
        size = payload_size(body)
        if size > MESSAGE_LIMIT:
            return 413, "MessageSizeTooBig", f"message of {size} bytes over {MESSAGE_LIMIT}"
        attachments = body.get("attachments") if isinstance(body, dict) else None
        for attachment in attachments or []:
            if isinstance(attachment, dict) and attachment.get("contentType") == CARD:
                found = problems(attachment.get("content"))
                if found:
                    return 400, "BadArgument", "invalid Adaptive Card: " + "; ".join(found)
        return None

    async def _stats(self, _request: web.Request) -> web.Response:
        """For a connector in another process (the benchmark): each accepted send as
        [conversation, summary] (what a person would see arrive), and how often it said 429."""
        sends = [[r.conversation_id, r.body.get("summary", "")] for r in self.delivered("POST")]
        return web.json_response(
            {
                "sends": sends,
                "rate_limited": self.rate_limited,
                "conversation_limited": self.conversation_limited,
                "requests": self.requests,
                "refusals": self.refusals,
            }
        )

    async def _member(self, request: web.Request) -> web.Response:
        refused = self._count()
        if refused is not None:
            return refused
        member = self.roster.get(request.match_info["member"])
        if member is None:
            return web.json_response({"error": {"code": "MemberNotFound"}}, status=404)
        return web.json_response(member)


async def _serve_until_stdin_closes(
    limit_per_second: int | None, conversation_limit_per_second: int | None = None
) -> None:
    connector = await FakeBotConnector(
        max_requests=10**9,
        limit_per_second=limit_per_second,
        conversation_limit_per_second=conversation_limit_per_second,
    ).start()
    print(connector.url, flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await connector.stop()


if __name__ == "__main__":
    # `python -m tests.fakes.bot_connector [LIMIT [CONVERSATION_LIMIT]]`: serve in a process of
    # its own (prints the serviceUrl, stops when stdin closes), as Teams is on a machine of its
    # own: a bot that is killed cannot take the connector with it. 0 means no limit.
    limits = [int(a) or None for a in sys.argv[1:3]]
    asyncio.run(_serve_until_stdin_closes(*limits))
