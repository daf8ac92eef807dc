"""Outside the emulator, a request without a token is refused before its body is read as
JSON: whatever it carries, 401 (the SDK then checks a token's signature and claims)."""

from __future__ import annotations

from typing import Any

import aiohttp

from bot.core.runtime import Runtime
from tests.platforms.teams.conftest import TIMEOUT, start_app


async def test_no_token_is_401_whatever_the_body(runtime: Runtime, router: Any) -> None:
    settings = runtime.settings.model_copy(
        update={"teams_app_id": "00000000-0000-0000-0000-00000000b075", "teams_app_password": "x"}
    )
    secured = Runtime(db=runtime.db, clock=runtime.clock, settings=settings, channels=("teams",))
    runner, url, _platforms = await start_app(secured, router)
    bodies = [
        (b"{not json", "application/json"),
        (b"\xff\xfe\x00", "application/json; charset=x-no-such-charset"),
        (b"<xml/>", "text/xml"),
        (b"[1, 2]", "application/json"),
    ]
    try:
        async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
            for body, content_type in bodies:
                for auth in ({}, {"Authorization": "Bearer a.b"}, {"Authorization": "Basic x"}):
                    headers = {"Content-Type": content_type, **auth}
                    async with session.post(f"{url}/api/messages", data=body, headers=headers) as r:
                        assert r.status == 401, (body, auth, r.status)
                        assert "Traceback" not in await r.text()
    finally:
        await runner.cleanup()
