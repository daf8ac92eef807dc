"""Limits every culturebot server keeps (`run` and `dashboard`), so slow or many clients cannot
hold the process: docs/configuration.md lists the settings.

- **Headers in time**: a connection must send a whole request line and headers within
  ``http_header_timeout`` seconds of opening (or of its last answer, when kept alive), else it
  is closed. aiohttp's keep-alive timer does this: it closes a connection still waiting for a
  complete request.
- **Body in time**: a request's body must arrive within ``http_body_timeout`` seconds; it is
  read before any handler runs (handlers then read it from memory), else 408 and the
  connection closes.
- **Body size**: ``http_max_body_bytes`` (413 above it); header lines and fields stay at
  aiohttp's 8 KiB, at most 128 headers.
- **Connections**: at most ``http_max_connections`` open at once; past it a new connection
  gets a plain 503 and is closed, so the ones in flight (and /healthz for the next poll)
  keep working.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.core.config import Settings

log = logging.getLogger(__name__)
BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nRetry-After: 1\r\n"
    b"Connection: close\r\n\r\n"
)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def application(settings: Settings) -> web.Application:
    """An aiohttp app with the body limits in place (its routes are added by the caller)."""
    app = web.Application(client_max_size=settings.http_max_body_bytes)
    app.middlewares.append(_body_in_time(settings.http_body_timeout))
    return app


def _body_in_time(seconds: float) -> Any:
    @web.middleware
    async def body_in_time(request: web.Request, handler: Handler) -> web.StreamResponse:
        """Read the whole body within the time allowed, before any handler sees it."""
        if request.can_read_body:
            try:
                async with asyncio.timeout(seconds):
                    await request.read()  # kept: the handler's read() or post() reuses it
            except TimeoutError:
                log.info("http: a request body did not arrive within %s s", seconds)
                response = web.Response(status=408, text="request body too slow")
                response.force_close()
                return response
        return await handler(request)

    return body_in_time


class _Busy(asyncio.Protocol):
    """The answer to a connection past the cap: 503, then closed."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        transport.write(BUSY)
        transport.close()


class _Counted(asyncio.Protocol):
    """aiohttp's protocol for one connection, counted from creation until the connection is
    lost (aiohttp registers a connection one loop turn after creating its protocol, so a
    burst of connections would all slip under a cap read from its registry)."""

    def __init__(self, inner: asyncio.Protocol, open_: set[_Counted]) -> None:
        self.inner, self._open = inner, open_
        open_.add(self)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self.inner.eof_received()

    def pause_writing(self) -> None:
        self.inner.pause_writing()

    def resume_writing(self) -> None:
        self.inner.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        self._open.discard(self)
        self.inner.connection_lost(exc)


class _CappedServer:
    """aiohttp's connection factory, refusing connections past ``cap``."""

    def __init__(self, server: web.Server, cap: int) -> None:
        self._server = server
        self._cap = cap
        self._open: set[_Counted] = set()

    def __call__(self) -> asyncio.BaseProtocol:
        if len(self._open) >= self._cap:
            log.warning("http: %s connections open: refusing another (503)", self._cap)
            return _Busy()
        return _Counted(self._server(), self._open)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._server, name)


class LimitedRunner(web.AppRunner):
    """An AppRunner whose server keeps the header timeout and the connection cap."""

    def __init__(self, app: web.Application, settings: Settings) -> None:
        super().__init__(
            app,
            handle_signals=False,
            keepalive_timeout=settings.http_header_timeout,
            lingering_time=min(10.0, settings.http_body_timeout),
            # at a stop, requests still running get this long (CULTUREBOT_SHUTDOWN_SECONDS)
            shutdown_timeout=settings.shutdown_seconds,
        )
        self._cap = settings.http_max_connections

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        # a stand-in that forwards everything to the real server (aiohttp wants its class)
        return _CappedServer(server, self._cap)  # type: ignore[return-value]  # see above


async def serve(app: web.Application, settings: Settings) -> LimitedRunner:
    """Start ``app`` on CULTUREBOT_HTTP_HOST:CULTUREBOT_HTTP_PORT with every limit in place;
    the caller cleans the runner up."""
    runner = LimitedRunner(app, settings)
    await runner.setup()
    await web.TCPSite(runner, settings.http_host, settings.http_port).start()
    return runner
