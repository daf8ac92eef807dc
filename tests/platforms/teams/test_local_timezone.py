"""Teams tells the bot each person's time zone (``localTimezone`` on their activities): a person
whose org file row has no time zone gets their pulse at 09:00 where they are, as Slack's ``tz``
does for Slack people. A zone from the org file always wins; a made-up zone is ignored."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from bot.app import run_due
from storage import people
from tests.platforms.teams.conftest import TeamsWorld, activity, install, member
from tests.platforms.teams.test_http_cascade import cards_to
from tests.support import add_schedule, import_org, org_csv

ORG = org_csv(
    "bo@x.io,Bo Boss,,Sales,manager,UTC",
    "kai@x.io,Kai Kato,bo@x.io,Sales,employee,",  # no zone in the file
    "ola@x.io,Ola Berg,bo@x.io,Sales,employee,Europe/Oslo",
    "zed@x.io,Zed Zero,bo@x.io,Sales,employee,",
)
BO, KAI, OLA, ZED = (member(f"{n}@x.io") for n in ("bo", "kai", "ola", "zed"))
MONDAY = date(2027, 3, 1)


def zone(world: TeamsWorld, email: str) -> tuple[str, str]:
    with world.runtime.db.session() as session:
        person = people.by_email(session, email)
        assert person is not None
        return person.timezone, person.timezone_source


async def test_a_person_without_a_zone_in_the_org_file_gets_pulses_in_their_teams_zone(
    world: TeamsWorld,
) -> None:
    import_org(world.runtime, ORG)
    world.in_roster(BO, KAI, OLA, ZED)
    url = world.connector.url
    assert await world.post(install(BO, url)) == 200
    for who in (KAI, OLA):
        assert await world.post(install(who, url) | {"localTimezone": "Asia/Tokyo"}) == 200
    assert await world.post(install(ZED, url) | {"localTimezone": "Mars/Olympus_Mons"}) == 200
    assert zone(world, "kai@x.io") == ("Asia/Tokyo", "teams")
    assert zone(world, "ola@x.io") == ("Europe/Oslo", "org")  # the org file wins
    assert zone(world, "zed@x.io") == ("UTC", "default")  # not a zone: ignored

    # a later message from another place moves them; re-importing the file keeps it
    assert await world.post(activity(KAI, url, text="help", localTimezone="Asia/Tokyo")) == 200
    import_org(world.runtime, ORG)
    assert zone(world, "kai@x.io") == ("Asia/Tokyo", "teams")

    add_schedule(world.runtime, weekday=MONDAY.weekday(), start=MONDAY, at="09:00")
    world.connector.received.clear()
    clock = world.runtime.clock
    clock.set(datetime(2027, 3, 1, 0, 0, tzinfo=UTC) - timedelta(minutes=1))  # type: ignore[attr-defined]
    await asyncio.to_thread(run_due, world.runtime)
    assert (await world.deliver()).sent == 0  # 08:59 in Tokyo
    clock.set(datetime(2027, 3, 1, 0, 0, tzinfo=UTC))  # type: ignore[attr-defined]
    await asyncio.to_thread(run_due, world.runtime)
    await world.deliver()
    (question,) = [c for c in cards_to(world, KAI) if "Input.ChoiceSet" in str(c.card)]
    assert question.card["fallbackText"]  # type: ignore[index]  # 09:00 in Tokyo: the pulse
    assert cards_to(world, OLA) == cards_to(world, BO) == cards_to(world, ZED) == []
