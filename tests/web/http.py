"""Plain HTTP for the process tests: one request (no redirects followed, no cookie jar), and a
bounded wait for a server to answer /healthz."""

from __future__ import annotations

import http.client
from typing import Any
from urllib.parse import urlencode, urlsplit

from tests.procs import Bot, wait_until


def request(
    url: str,
    method: str = "GET",
    form: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    timeout: float = 30,
) -> tuple[int, dict[str, str], str]:
    """Status, headers and body text of one request."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    sent = dict(headers or {})
    if form is not None:
        body = urlencode(form).encode()
        sent["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        return (
            response.status,
            dict(response.getheaders()),
            response.read().decode(errors="replace"),
        )
    finally:
        connection.close()


def healthy(base: str) -> Any:
    try:
        return request(f"{base}/healthz", timeout=5)[0] == 200
    except OSError:
        return False


def wait_healthy(base: str, server: Bot, timeout: float = 60) -> None:
    def up() -> bool:
        assert server.process.poll() is None, server.output()[-3000:]
        return bool(healthy(base))

    wait_until(up, timeout, "the server to answer /healthz")
