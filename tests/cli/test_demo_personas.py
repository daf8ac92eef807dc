"""The demo's scripted people answer the very prompt they read, by its label, even when
several arrived together (a bare number answers the one shown last)."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from sqlmodel import select

from bot.cli.demo import _work_through
from bot.cli.demo_cast import Reply
from bot.core.chat import Buttons
from bot.platforms.console.platform import ConsoleChat
from handlers.cascade import actions as cascade
from storage import people
from storage.cascade_models import CascadeLink
from tests.support import import_org

ORG = (Path(__file__).parents[2] / "examples" / "people.csv").read_text()
NOTE = "Team, this is why the customer review moves to Mondays."


class RelaysOnly:
    """A manager who relays and leaves everything else for later."""

    def reply_to(self, part):  # type: ignore[no-untyped-def]
        if isinstance(part, Buttons) and part.buttons[0].action == "cascade.relay":
            return Reply(["1", NOTE], "relay")
        return None


def test_a_persona_relays_the_message_it_read_not_the_one_shown_after_it(
    runtime, router, chat
) -> None:
    import_org(runtime, ORG)
    with runtime.db.session() as session:
        ava = people.by_email(session, "ava.adams@example.com")
        assert ava is not None
        cascade.send(session, runtime, ava, title="Customers first", body="Why and how.")
    chat("ava.adams@example.com").say("assess launch")  # arrives after the cascade
    bea = ConsoleChat(runtime, router, "bea.hughes@example.com", io.StringIO(), lambda _p: "")
    did = asyncio.run(_work_through(bea, RelaysOnly()))  # type: ignore[arg-type]
    assert [reply.did for reply in did] == ["relay"]
    with runtime.db.session() as session:
        bea_id = people.by_email(session, "bea.hughes@example.com").id  # type: ignore[union-attr]
        link = session.exec(select(CascadeLink).where(CascadeLink.manager_id == bea_id)).one()
    assert link.status == "relayed"
