"""The dashboard of a person whose org row says ``de``: every page in German, with German
dates, and none of the English catalog's words (issue 24). Dirk, a German manager, opens the
leadership messages that reached him; Ann, a German employee, the stories."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from datetime import datetime

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.core.runtime import Runtime
from bot.web.dashboard import standalone_app
from tests.german_reader import (
    DIGEST_TIME,
    MONDAY_9,
    STORY,
    cascade,
    de,
    de_time,
    digest,
    english_in,
    org_csv,
)
from tests.handlers.dashboard.conftest import sign_in
from tests.support import import_org


def words_of(page: str) -> str:
    """What a reader sees of a page: its text, without markup, styles or charts."""
    page = re.sub(r"<(style|svg)\b.*?</\1>", "", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "\n", page))


@pytest.fixture
def due(runtime: Runtime) -> datetime:
    """Ann's org: Ulla's story digested, then Lea's cascade; when Dirk is due to relay it."""
    import_org(runtime, org_csv())
    runtime.clock.set(MONDAY_9)  # type: ignore[attr-defined]
    digest(runtime)
    return cascade(runtime)


@pytest.fixture
async def client(runtime: Runtime, due: datetime) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(standalone_app(runtime), host="127.0.0.1")) as test_client:
        yield test_client


async def page(client: TestClient, path: str) -> str:
    response = await client.get(path)
    assert response.status == 200, path
    body = await response.text()
    assert '<html lang="de"' in body, path
    return words_of(body)


async def test_a_german_readers_dashboard_is_german_with_german_dates(
    client: TestClient, runtime: Runtime, due: datetime
) -> None:
    await sign_in(client, runtime, "dirk")
    shown = {path: await page(client, path) for path in ("/dashboard", "/dashboard/cascades")}
    cascades = shown["/dashboard/cascades"]
    assert de("dashboard_cascades.received_title") in cascades
    assert de("dashboard.signed_in_as", name="Dirk Decker", role=de("dashboard.role_manager")) in (
        cascades
    )
    assert de_time(DIGEST_TIME) in cascades and de_time(due) in cascades  # sent, due
    assert "Do., 4. März, 10:00" in cascades and "Mo., 8. März, 10:00" in cascades

    await sign_in(client, runtime, "ann")
    shown["/dashboard/stories"] = stories = await page(client, "/dashboard/stories")
    assert de("dashboard_stories.latest_title") in stories and STORY in stories
    assert "Mo., 1. März 2027" in stories  # the day it was shared
    assert "Thu" not in stories and "Mar 2027" not in stories
    for path, words in shown.items():
        assert english_in(words) == [], path
