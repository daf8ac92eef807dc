"""Slack and a person's language: the locale Slack reports at sync (users.list with
include_locale) speaks for a person with none of their own, and ``language fr`` in a DM
switches them from the next message on (signed HTTP to the running app, the fake Web API)."""

from __future__ import annotations

from bot.platforms.slack.delivery import make_client
from bot.platforms.slack.directory import sync
from storage import people
from tests.fakes.slack_api import block_text
from tests.platforms.slack.test_directory_and_manifest import member
from tests.support import import_org

ORG = (
    "email,name,manager_email,department,role,timezone,slack_user_id\n"
    "boss@x.io,Boss,,Ops,leader,Europe/Berlin,UBOSS\n"
    "ann@x.io,Ann,boss@x.io,Ops,employee,Europe/Berlin,UANN\n"
)
GERMAN = {"help": {"intro": "Guten Tag, {name}! Das kann ich für Sie tun:"}}
FRENCH = {"help": {"intro": "Bonjour {name} ! Voici ce que je peux faire pour vous :"}}


def last_dm(slack, user: str) -> str:  # type: ignore[no-untyped-def]
    return block_text(slack.fake.dm(user)[-1].blocks)


async def test_slacks_locale_at_sync_speaks_until_the_person_chooses(
    slack_app, slack_runtime, languages
) -> None:
    languages(de=GERMAN, fr=FRENCH)
    import_org(slack_runtime, ORG)
    slack_app.fake.users = [
        member("UBOSS", "boss@x.io", locale="en-US"),
        member("UANN", "ann@x.io", locale="de-DE"),
    ]
    await sync(slack_runtime, make_client(slack_runtime.settings))
    asked = slack_app.fake.called("users.list")[0].params
    assert str(asked["include_locale"]).lower() in ("1", "true")  # else Slack leaves it out
    with slack_runtime.db.session() as session:
        assert people.by_email(session, "ann@x.io").slack_locale == "de-DE"

    assert await slack_app.dm("UANN", "help", event_id="Ev1") == 200
    assert "Guten Tag, Ann! Das kann ich für Sie tun:" in last_dm(slack_app, "UANN")
    assert await slack_app.dm("UBOSS", "help", event_id="Ev2") == 200
    assert "Hi Boss! Here is what I can do for you:" in last_dm(slack_app, "UBOSS")

    assert await slack_app.dm("UANN", "language fr", event_id="Ev3") == 200
    assert await slack_app.dm("UANN", "help", event_id="Ev4") == 200
    assert "Bonjour Ann ! Voici ce que je peux faire pour vous :" in last_dm(slack_app, "UANN")


async def test_without_include_locale_slack_says_no_locale(slack_settings, fake_slack) -> None:
    """The fake is as strict as Slack: the locale comes only when asked for."""
    fake_slack.users = [member("UANN", "ann@x.io", locale="de-DE")]
    client = make_client(slack_settings)
    plain = await client.users_info(user="UANN")
    assert "locale" not in plain["user"]
    asked = await client.users_info(user="UANN", include_locale=True)
    assert asked["user"]["locale"] == "de-DE"
    listed = await client.users_list()
    assert "locale" not in listed["members"][0]
