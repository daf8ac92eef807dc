"""A seeded organisation for the dashboard tests and a client that signs in as anyone.

The cascade helpers' org (ceo > vp > m1, m2 > t1 ...; other > o1) plus an admin, with a
leadership message from vp (m1 relays, m2 does not and is escalated) and a few stories.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlmodel import select

from bot.app import build_router, run_due
from bot.core.chat import Incoming
from bot.core.runtime import Runtime
from bot.web.dashboard import standalone_app
from storage.models import Person
from storage.stories import Story, StoryReaction
from tests.handlers.cascade.helpers import NOTE, ROWS, broadcast, email
from tests.support import import_org, org_csv

ADMIN = "adm@x.io,Ada Admin,ceo@x.io,IT,admin,UTC"


def seed(runtime: Runtime, chat) -> None:  # type: ignore[no-untyped-def]
    import_org(runtime, org_csv(*ROWS.values(), ADMIN))
    runtime.clock.advance(timedelta(hours=9))
    broadcast(chat(email("vp")))
    m1 = chat(email("m1"))
    m1.inbox()
    m1.say("1", NOTE)
    runtime.clock.advance(timedelta(days=2))
    run_due(runtime)
    now = runtime.clock.now()
    with runtime.db.session() as session:
        ids = {p.email.split("@")[0]: p for p in session.exec(select(Person))}

        def story(who: str, consent: str, what: str, days: int) -> Story:
            person = ids[who]
            manager = session.get(Person, person.manager_id)
            row = Story(
                author_id=person.id,  # type: ignore[arg-type]
                manager_id=person.manager_id,
                department=person.department,
                team_path=manager.path if manager else "/",
                kind="story",
                consent=consent,
                what_happened=what,
                customer="Acme",
                what_changed="We call back the same day.",
                polarity=0.3,
                subjectivity=0.5,
                created_at=now - timedelta(days=days),
                submission_key=f"seed-{who}-{days}",
            )
            session.add(row)
            session.flush()
            return row

        named = story("a1", "named", "A customer thanked Ann for a quick fix.", 3)
        story("o1", "anonymous", "Support solved a billing mix-up.", 2)
        story("b1", "manager", "Only my manager may read this one.", 1)
        session.add(
            StoryReaction(
                story_id=named.id,  # type: ignore[arg-type]
                person_id=ids["o1"].id,  # type: ignore[arg-type]
                department="Support",
                created_at=now - timedelta(days=1),
            )
        )


@pytest.fixture
def seeded(runtime: Runtime, chat) -> Runtime:  # type: ignore[no-untyped-def]
    seed(runtime, chat)
    return runtime


@pytest.fixture
async def client(seeded: Runtime) -> AsyncIterator[TestClient]:
    server = TestServer(standalone_app(seeded), host="127.0.0.1")
    async with TestClient(server) as test_client:
        yield test_client


def said(runtime: Runtime, name: str, line: str) -> str:
    """What the bot answers ``name`` typing ``line`` (through the router, as every platform)."""
    incoming = Incoming(platform="console", user_id=email(name), kind="message", text=line)
    response = build_router().handle(runtime, incoming)
    return "\n".join(m.summary for m in response.replies)


def link_for(runtime: Runtime, name: str) -> str:
    """What ``dashboard`` in chat answers ``name``: the path and query of their link."""
    shown = said(runtime, name, "dashboard")
    url = re.search(r"https?://\S+", shown)
    assert url, shown
    parts = urlsplit(url.group(0))
    return f"{parts.path}?{parts.query}"


async def sign_in(client: TestClient, runtime: Runtime, name: str) -> None:
    """Open the chat link and press its button, as a person would; the cookie is kept."""
    link = link_for(runtime, name)
    page = await client.get(link)
    assert page.status == 200, await page.text()
    token = link.split("token=", 1)[1]
    from urllib.parse import unquote

    done = await client.post(
        "/dashboard/login", data={"token": unquote(token)}, allow_redirects=False
    )
    assert done.status == 303, await done.text()
