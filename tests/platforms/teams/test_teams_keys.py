"""Teams' token-signing keys never block the event loop: with the key endpoint silent, a
`culturebot run` process still answers /healthz within a second while a token waits, and
SIGTERM stops it cleanly. Tokens naming made-up key ids cause at most one fetch an hour."""

from __future__ import annotations

import json
import signal
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import timedelta
from pathlib import Path

import jwt
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.procs import Bot, bots, free_port, teams_bot_env
from tests.web.http import request, wait_healthy

APP_ID = "11111111-2222-3333-4444-555555555555"
ACTIVITY = {
    "type": "message",
    "id": "a1",
    "channelId": "msteams",
    "serviceUrl": "http://127.0.0.1:9/",
    "conversation": {"id": "c1"},
    "from": {"id": "29:u1", "aadObjectId": "aad-u1"},
    "recipient": {"id": f"28:{APP_ID}"},
    "text": "help",
}
PRIVATE = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def token(kid: str) -> str:
    now = int(time.time())
    claims = {"iss": "https://api.botframework.com", "aud": APP_ID, "nbf": now, "exp": now + 600}
    return jwt.encode(claims, PRIVATE, algorithm="RS256", headers={"kid": kid})


@contextmanager
def silent_endpoint() -> Iterator[str]:
    """A port on loopback that takes connections and never answers (never accepts them)."""
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_a_silent_key_endpoint_leaves_healthz_answering_and_sigterm_working(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    port = free_port()
    with silent_endpoint() as silent, bots() as started:
        env = teams_bot_env(url, http_port=port, teams_key_timeout=120, shutdown_seconds=1)
        del env["CULTUREBOT_TEAMS_EMULATOR"]  # production mode: every token is checked
        env.update(
            {
                "MicrosoftAppId": APP_ID,
                "MicrosoftAppPassword": "not-used-here",
                "CULTUREBOT_TEAMS_OPENID_METADATA_URL": f"{silent}/openidconfiguration",
                # anything that still reached for the public cloud's keys lands here too
                "HTTPS_PROXY": silent,
                "NO_PROXY": "",
            }
        )
        bot = Bot(env, tmp_path / "run.log")
        started.append(bot)
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, bot)
        answers: list[int] = []

        def post() -> None:
            headers = {"Authorization": f"Bearer {token('made-up')}"}
            headers["Content-Type"] = "application/json"
            try:
                body = json.dumps(ACTIVITY).encode()
                answers.append(
                    request(f"{base}/api/messages", "POST", headers=headers, body=body)[0]
                )
            except OSError:
                answers.append(0)

        waiting = threading.Thread(target=post, daemon=True)
        waiting.start()
        # the token waits for its keys; meanwhile every other request is answered at once
        for _ in range(3):
            assert request(f"{base}/healthz", timeout=1)[0] == 200
            assert request(f"{base}/metrics", timeout=1)[0] == 200
        assert waiting.is_alive() and not answers  # (the key fetch is still pending)
        bot.signal(signal.SIGTERM)
        assert bot.wait(60) == 0, bot.output()[-3000:]
        waiting.join(30)
        assert answers and answers[0] != 200  # refused or cut, never let in
        assert "stopped" in bot.output()


async def test_made_up_key_ids_cause_at_most_one_fetch_an_hour() -> None:
    from bot.platforms.teams.auth import KeyUnavailable, OpenIdKeys

    fetches: list[str] = []
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(PRIVATE.public_key()))

    async def metadata(request: web.Request) -> web.Response:
        fetches.append("metadata")
        return web.json_response({"jwks_uri": str(request.url.with_path("/keys"))})

    async def keys(_request: web.Request) -> web.Response:
        fetches.append("keys")
        return web.json_response({"keys": [{**jwk, "kid": "real"}]})

    app = web.Application()
    app.router.add_get("/openid", metadata)
    app.router.add_get("/keys", keys)
    now = [1000.0]
    async with TestServer(app, host="127.0.0.1") as server:
        cache = OpenIdKeys(str(server.make_url("/openid")), timeout=30, clock=lambda: now[0])
        assert (await cache.get("real")).public_key is not None
        assert fetches == ["metadata", "keys"]
        for _ in range(200):
            with pytest.raises(KeyUnavailable):
                await cache.get(str(uuid.uuid4()))
        assert fetches == ["metadata", "keys"]  # none of the 200 made-up ids fetched again
        now[0] += timedelta(hours=1).total_seconds()
        with pytest.raises(KeyUnavailable):
            await cache.get("still-made-up")
        with pytest.raises(KeyUnavailable):
            await cache.get("made-up-again")
        assert fetches == ["metadata", "keys"] * 2  # one refresh in the new hour
        assert (await cache.get("real")).public_key is not None


async def test_a_key_endpoint_that_fails_is_not_asked_again_at_once() -> None:
    from bot.platforms.teams.auth import KeyUnavailable, OpenIdKeys

    asked: list[int] = []

    async def broken(_request: web.Request) -> web.Response:
        asked.append(1)
        return web.Response(status=503)

    app = web.Application()
    app.router.add_get("/openid", broken)
    async with TestServer(app, host="127.0.0.1") as server:
        cache = OpenIdKeys(str(server.make_url("/openid")), timeout=30, clock=lambda: 5.0)
        for _ in range(50):
            with pytest.raises(KeyUnavailable):
                await cache.get("any")
        assert len(asked) == 1


async def test_the_bots_own_token_is_fetched_off_the_loop_within_the_timeout() -> None:
    """MSAL fetches the bot's token with a blocking call; the SDK would make it on the loop
    while signing a send. ``token_ready`` makes it in a thread first, within the timeout."""
    import asyncio

    from botframework.connector.auth import MicrosoftAppCredentials

    from bot.platforms.teams.auth import token_ready

    release = threading.Event()
    calls: list[str] = []

    class SlowAuthority(MicrosoftAppCredentials):
        def get_access_token(self, force_refresh: bool = False) -> str:
            calls.append(threading.current_thread().name)
            release.wait(60)  # the token endpoint answers when the test says so
            return "token"

    credentials = SlowAuthority(APP_ID, "password")
    ticks = 0

    async def loop_alive() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    ticker = asyncio.create_task(loop_alive())
    with pytest.raises(TimeoutError):
        await token_ready(credentials, timeout=0.2)
    assert ticks > 10 and calls and calls[0] != threading.current_thread().name
    release.set()
    await token_ready(credentials, timeout=30)
    await token_ready(credentials, timeout=30)  # fresh: not asked again for a while
    assert len(calls) == 2
    ticker.cancel()
