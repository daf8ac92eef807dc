"""The dashboard in a real browser: Debian's Chromium driven by Playwright for Python.

The demo's organisation (four simulated weeks) is served on 127.0.0.1; a manager opens the
link that ``dashboard`` in chat gave them, presses the button, and visits every view. Each
chart must have rendered with data (an SVG with drawn paths and legend text), the page may
log no console error and make no request off this machine, and it must fit a phone's width
without sideways scrolling. Screenshots at desktop and phone width are saved in the test's
output folder (``DASHBOARD_SCREENSHOTS`` to choose it).

CI fails when this test is skipped (``.ci/run`` looks for the reason below), as it does for
the PostgreSQL run: install Debian's ``chromium`` package to run it.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from aiohttp.test_utils import TestServer

from bot.app import build_router
from bot.core.chat import Incoming
from bot.core.clock import FakeClock
from bot.core.config import Settings
from bot.core.runtime import Runtime
from bot.web.dashboard import standalone_app
from storage.db import open_database
from tests.conftest import PlayedDemo

CHROMIUM = "/usr/bin/chromium"
SKIP_REASON = "browser test skipped: Debian's chromium (/usr/bin/chromium) is not installed"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MANAGER = "bea.hughes@example.com"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# views a manager has, and how many charts each must show at least
VIEWS = {"overview": 2, "groups": 1, "stories": 2, "cascades": 3}

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=SKIP_REASON)


@pytest.fixture
async def server(played_demo: PlayedDemo, tmp_path: Path) -> AsyncIterator[tuple[str, Runtime]]:
    """The dashboard on a copy of the demo's database, as of the demo's last moment."""
    path, ended = played_demo.copy(tmp_path), played_demo.ended
    settings = Settings(database_url=f"sqlite:///{path}", _env_file=None)  # type: ignore[call-arg]
    runtime = Runtime(
        db=open_database(settings.database_url), clock=FakeClock(ended), settings=settings
    )
    test_server = TestServer(standalone_app(runtime), host="127.0.0.1")
    await test_server.start_server()
    base = str(test_server.make_url("")).rstrip("/")
    settings.public_url = base
    try:
        yield base, runtime
    finally:
        await test_server.close()
        runtime.db.dispose()


def chat_link(runtime: Runtime, email: str) -> str:
    incoming = Incoming(platform="console", user_id=email, kind="message", text="dashboard")
    reply = build_router().handle(runtime, incoming).replies[0].summary
    found = re.search(r"https?://\S+", reply)
    assert found, reply
    return found.group(0)


def output_folder(tmp_path: Path) -> Path:
    chosen = os.environ.get("DASHBOARD_SCREENSHOTS")
    folder = Path(chosen) if chosen else tmp_path / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def test_a_manager_opens_every_view_in_chromium(server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.async_api import async_playwright

    base, runtime = server
    host = urlsplit(base).netloc
    shots = output_folder(tmp_path)
    errors: list[str] = []
    off_machine: list[str] = []
    link = chat_link(runtime, MANAGER)
    assert link.startswith(f"{base}/dashboard/login?token=")

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=ARGS
        )
        try:
            context = await browser.new_context(viewport=DESKTOP)
            page = await context.new_page()

            async def guard(route) -> None:  # type: ignore[no-untyped-def]
                url = route.request.url
                if urlsplit(url).netloc == host or url.startswith("data:"):
                    await route.continue_()
                else:
                    off_machine.append(url)
                    await route.abort()

            await context.route("**/*", guard)
            page.on(
                "console",
                lambda message: errors.append(message.text) if message.type == "error" else None,
            )
            page.on("pageerror", lambda error: errors.append(str(error)))

            await page.goto(link)
            async with page.expect_navigation():
                await page.get_by_role("button", name="Open my dashboard").click()
            assert page.url == f"{base}/dashboard", (page.url, await page.content())
            assert "Signed in as Bea Hughes (manager)" in await page.content()

            for view, at_least in VIEWS.items():
                await page.goto(f"{base}/dashboard/{view}")
                charts = page.locator("figure svg")
                count = await charts.count()
                assert count >= at_least, f"{view}: {count} charts"
                for i in range(count):
                    chart = charts.nth(i)
                    box = await chart.bounding_box()
                    assert box and box["width"] > 200 and box["height"] > 100, view
                    drawn = await chart.locator("path").count()
                    assert drawn > 5, f"{view} chart {i} has nothing drawn"
                    words = await chart.locator("text").all_text_contents()
                    assert "Legend" in words, f"{view} chart {i} has no legend"
                    assert len(words) > 5, f"{view} chart {i}: axes without labels"
                tables = await page.locator("table").count()
                assert tables >= count, f"{view}: a chart without its table"
                await page.screenshot(path=str(shots / f"{view}-desktop.png"), full_page=True)

                await page.set_viewport_size(PHONE)
                overflow = await page.evaluate(
                    "document.documentElement.scrollWidth - window.innerWidth"
                )
                assert overflow <= 1, f"{view} scrolls sideways on a phone by {overflow}px"
                await page.screenshot(path=str(shots / f"{view}-phone.png"), full_page=True)
                await page.set_viewport_size(DESKTOP)
        finally:
            await browser.close()

    assert errors == [], errors
    assert off_machine == [], off_machine
    saved = sorted(p.name for p in shots.glob("*.png"))
    assert len(saved) == 2 * len(VIEWS), saved
    print(f"screenshots in {shots}")


def test_readme_screenshot_comes_from_this_test() -> None:
    """README shows a picture this test made (docs/dashboard-*.png: run this module with
    DASHBOARD_SCREENSHOTS=/some/folder and copy the one to show)."""
    root = Path(__file__).resolve().parents[2]
    readme = (root / "README.md").read_text(encoding="utf-8")
    pictures = re.findall(r"\(docs/(dashboard-[a-z-]+\.png)\)", readme)
    assert pictures and all((root / "docs" / name).is_file() for name in pictures)
