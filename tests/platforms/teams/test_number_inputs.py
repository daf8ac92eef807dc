"""Strange numbers from a Teams card ("²", a 5,000-digit run) are refused on the form, never a
crash: the cascade card's relay window."""

from __future__ import annotations

import pytest
from sqlmodel import select

from storage.cascade_models import Cascade
from tests.platforms.teams.conftest import TeamsWorld
from tests.platforms.teams.test_http_cascade import click, installed_org, last_card

LONG = "9" * 4900


@pytest.mark.parametrize("raw", ["²", LONG, "٣"])
async def test_cascade_card_refuses_a_strange_window(world: TeamsWorld, raw: str) -> None:
    p = await installed_org(world)
    await world.say(p["vp"], "cascade")
    card = last_card(world, p["vp"])
    fields = {"title": "Customers first", "message": "Call one customer this week."}
    (refused,) = await click(world, p["vp"], card, "cascade.send", **fields, window_days=raw)
    assert "from 1 to 10" in refused
    assert LONG not in refused
    with world.runtime.db.session() as session:
        assert session.exec(select(Cascade)).all() == []
