"""The dashboard in a real browser: Debian's Chromium driven by Playwright for Python.

The demo's organisation (four simulated weeks) is served on 127.0.0.1; a manager opens the
link that ``dashboard`` in chat gave them, presses the button, and visits every view. Each
chart must have rendered with data (an SVG with drawn paths and legend text), the page may
log no console error and make no request off this machine, and it must fit a phone's width
without sideways scrolling: the employee, the manager and the leader each visit every page
at 375 px. Screenshots at desktop width and of each role at phone width are saved in the
test's output folder (``DASHBOARD_SCREENSHOTS`` to choose it; the path is printed).

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
PHONE = {"width": 375, "height": 812}
# views a manager has, and how many charts each must show at least
VIEWS = {"overview": 2, "groups": 1, "roadmap": 1, "stories": 2, "cascades": 3}

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


# At phone width: what sticks out past the viewport's right (or left) edge, other than inside
# a table's own scroll box; every chart, which must scale to the width rather than scroll;
# and the tables that scroll sideways without a visible hint saying so.
PHONE_CHECK = """() => {
  const vw = window.innerWidth;
  const fits = (r) => r.left >= -1 && r.right <= vw + 1;
  const scrolls = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const style = getComputedStyle(p);
      if (["auto", "scroll"].includes(style.overflowX) && !p.closest("figure")
          && fits(p.getBoundingClientRect())) return true;
    }
    return false;
  };
  const name = (el) => el.tagName + "." + (el.getAttribute("class") || "") + " "
    + (el.textContent || "").replace(/\\s+/g, " ").trim().slice(0, 30);
  const outside = [];
  for (const el of document.querySelectorAll("body *")) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || fits(r) || scrolls(el)) continue;
    outside.push(name(el) + " " + Math.round(r.left) + ".." + Math.round(r.right));
  }
  const charts = [...document.querySelectorAll("figure svg")]
    .filter((svg) => !fits(svg.getBoundingClientRect())).map(name);
  const unhinted = [...document.querySelectorAll(".table-wrap")]
    .filter((box) => box.scrollWidth > box.clientWidth + 1)
    .filter((box) => {
      const hint = box.previousElementSibling;
      return !(hint && hint.classList.contains("scroll-hint") && hint.offsetHeight > 0);
    }).map((box) => box.getAttribute("aria-labelledby"));
  const ticks = [...document.querySelectorAll("#s-score svg text")]
    .filter((t) => /^\\d{1,2} [A-Z][a-z]{2} \\d{4}$/.test(t.textContent.trim()));
  const latest = ticks.length ? ticks[ticks.length - 1] : null;
  // the words of a line or bar chart, scaled down to the phone: none below 7 px
  const tiny = [...document.querySelectorAll("figure svg:not(.wide) text")]
    .filter((t) => t.textContent.trim() && t.getBoundingClientRect().height > 0
      && t.getBoundingClientRect().height < 7).map((t) => t.textContent.trim());
  return {
    tiny: tiny.slice(0, 5),
    overflow: document.documentElement.scrollWidth - vw,
    outside: outside.slice(0, 8),
    charts,
    unhinted,
    latestWeek: latest ? [latest.textContent.trim(), fits(latest.getBoundingClientRect())] : null,
  };
}"""
# the switch's test language: a few words only German says (the rest falls back to English)
GERMAN = {
    "dashboard": {
        "signed_in_as": "Angemeldet als {name} ({role})",
        "role_manager": "Führungskraft",
        "nav_label": "Ansichten",
        "nav_roadmap": "Ausgangslage und Ziele",
    },
    "dashboard_chart": {"legend": "Legende"},
}
# whom the phone run signs in as (the demo's organisation): each role's own pages
ROLES = {
    "employee": "carl.okafor@example.com",
    "manager": MANAGER,
    "leader": "ava.adams@example.com",
}


async def test_every_role_in_chromium_at_desktop_and_phone_width(  # type: ignore[no-untyped-def]
    server, tmp_path: Path, languages
) -> None:
    """One server, one browser: the manager visits every view at desktop width (charts drawn,
    no console error, nothing fetched off this machine) and switches a page to German and
    back; then the employee, the manager and
    the leader each visit every page their navigation offers at 375 px, where nothing may
    stick out sideways except a table inside its own scroll box (with a visible hint), every
    chart scales to the width and the latest week is on screen."""
    from playwright.async_api import async_playwright

    base, runtime = server
    languages(de=GERMAN, es={}, fr={}, ja={})  # every shipped language on the switch
    host = urlsplit(base).netloc
    shots = output_folder(tmp_path)
    errors: list[str] = []
    off_machine: list[str] = []
    problems: list[str] = []
    link = chat_link(runtime, MANAGER)
    assert link.startswith(f"{base}/dashboard/login?token=")

    async def guard(route) -> None:  # type: ignore[no-untyped-def]
        url = route.request.url
        if urlsplit(url).netloc == host or url.startswith("data:"):
            await route.continue_()
        else:
            off_machine.append(url)
            await route.abort()

    async def signed_in(browser, viewport, link: str):  # type: ignore[no-untyped-def]
        context = await browser.new_context(viewport=viewport)
        await context.route("**/*", guard)
        page = await context.new_page()
        page.on(
            "console",
            lambda message: errors.append(message.text) if message.type == "error" else None,
        )
        page.on("pageerror", lambda error: errors.append(str(error)))
        await page.goto(link)
        async with page.expect_navigation():
            await page.get_by_role("button", name="Open my dashboard").click()
        assert page.url == f"{base}/dashboard", (page.url, await page.content())
        return context, page

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=ARGS
        )
        try:
            context, page = await signed_in(browser, DESKTOP, link)
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
            await switch_to_german_and_back(page, f"{base}/dashboard/roadmap?scope=org")
            await page.screenshot(path=str(shots / "roadmap-desktop-de.png"), full_page=True)
            await context.close()

            for role, email in ROLES.items():
                context, page = await signed_in(browser, PHONE, chat_link(runtime, email))
                hrefs = await page.locator('nav[aria-label="Views"] a').evaluate_all(
                    "links => links.map(a => a.getAttribute('href'))"
                )
                assert len(hrefs) >= 4, (role, hrefs)
                for href in hrefs:
                    await page.goto(f"{base}{href}")
                    view = href.rsplit("/", 1)[-1].replace("dashboard", "overview")
                    found = await page.evaluate(PHONE_CHECK)
                    where = f"{role} {href}"
                    if found["overflow"] > 0:
                        problems.append(
                            f"{where}: the page scrolls sideways by {found['overflow']}px"
                        )
                    problems += [f"{where}: sticks out: {e}" for e in found["outside"]]
                    problems += [
                        f"{where}: chart wider than the screen: {c}" for c in found["charts"]
                    ]
                    problems += [
                        f"{where}: table scrolls with no hint: {t}" for t in found["unhinted"]
                    ]
                    problems += [f"{where}: chart text too small: {t}" for t in found["tiny"]]
                    if found["latestWeek"] is not None and not found["latestWeek"][1]:
                        problems.append(f"{where}: latest week {found['latestWeek'][0]} off screen")
                    if role == "employee" and view == "cascades":
                        words = await page.locator("main").inner_text()
                        assert "Leadership messages you received" in words, words[:500]
                    await page.screenshot(
                        path=str(shots / f"{role}-{view}-phone.png"), full_page=True
                    )
                await context.close()
        finally:
            await browser.close()

    print(f"screenshots in {shots}")
    assert problems == [], "\n".join(problems)
    assert errors == [], errors
    assert off_machine == [], off_machine
    saved = {p.name for p in shots.glob("*.png")}
    for role in ROLES:
        assert f"{role}-cascades-phone.png" in saved, saved


async def switch_to_german_and_back(page, url: str) -> None:  # type: ignore[no-untyped-def]
    """A click on "Deutsch" in the header: the same page (its scope too) comes back in German,
    its <html lang> and its charts' legends with it; a click on "English" returns."""
    await page.goto(url)
    assert await page.get_attribute("html", "lang") == "en"
    async with page.expect_navigation():
        await page.get_by_role("button", name="Deutsch").click()
    assert page.url == url
    assert await page.get_attribute("html", "lang") == "de"
    assert "Angemeldet als Bea Hughes (Führungskraft)" in await page.locator("header").inner_text()
    here = page.locator('nav[aria-label="Ansichten"] a[aria-current="page"]')
    assert await here.inner_text() == "Ausgangslage und Ziele"
    assert "Legende" in await page.locator("figure svg text").all_text_contents()
    assert await page.get_by_role("button", name="Deutsch").is_disabled()
    async with page.expect_navigation():
        await page.get_by_role("button", name="English").click()
    assert page.url == url and await page.get_attribute("html", "lang") == "en"
    assert "Legend" in await page.locator("figure svg text").all_text_contents()


def test_readme_screenshot_comes_from_this_test() -> None:
    """README shows a picture this test made (docs/dashboard-*.png: run this module with
    DASHBOARD_SCREENSHOTS=/some/folder and copy the one to show)."""
    root = Path(__file__).resolve().parents[2]
    readme = (root / "README.md").read_text(encoding="utf-8")
    pictures = re.findall(r"\(docs/(dashboard-[a-z-]+\.png)\)", readme)
    assert pictures and all((root / "docs" / name).is_file() for name in pictures)
