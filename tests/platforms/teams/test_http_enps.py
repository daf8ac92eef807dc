"""eNPS over Teams end to end: the 0-10 question is an Input.ChoiceSet with the question as
its label; choosing 0 records 0; 11 is refused politely and records nothing."""

from __future__ import annotations

from sqlmodel import select

from storage.models import PulseAnswerPending
from tests.fakes.adaptive_cards import problems
from tests.handlers.pulse.test_enps import ENPS_TEXT, enps_round_for
from tests.platforms.teams.conftest import TeamsWorld, submit
from tests.platforms.teams.test_http import STAFF, answer, installed_team, questions_to


async def test_enps_is_a_labelled_choice_set_and_0_records_0(world: TeamsWorld) -> None:
    await installed_team(world)
    enps_round_for(world.runtime, "boss@x.io")
    await world.deliver()
    (card,) = [c for c in questions_to(world, STAFF[0]) if "(eNPS)" in c.card_text]
    assert card.card is not None and problems(card.card) == []
    choices = next(e for e in card.card["body"] if e["type"] == "Input.ChoiceSet")
    assert choices["label"] == ENPS_TEXT
    assert [c["value"] for c in choices["choices"]] == [str(n) for n in range(11)]

    url = world.connector.url
    assert await world.post(submit(STAFF[0], url, card.id, answer(card, choice="11"))) == 200
    assert "Please pick a number from 0 to 10." in world.connector.received[-1].card_text
    assert world.connector.delivered("PUT") == []
    assert await world.post(submit(STAFF[0], url, card.id, answer(card, choice="0"))) == 200
    (update,) = world.connector.delivered("PUT")
    assert "Thanks, recorded" in update.card_text
    with world.runtime.db.session() as session:
        assert session.exec(select(PulseAnswerPending.score)).all() == [0]
