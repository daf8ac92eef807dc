"""Slack and a person's language: the locale Slack reports at sync (users.list with
include_locale) speaks for a person with none of their own, and ``language fr`` in a DM
switches them from the next message on (signed HTTP to the running app, the fake Web API)."""

from __future__ import annotations

from bot.delivery.worker import deliver_due
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


async def test_a_german_readers_question_has_slacks_own_words_in_german(
    slack_app, slack_runtime
) -> None:
    """Delivered later by the outbox, outside the writer's context, the question's comment
    button, and the modal it opens, speak the reader's language, not the server's."""
    import_org(
        slack_runtime,
        "email,name,manager_email,department,role,timezone,slack_user_id,locale\n"
        "boss@x.io,Boss,,Ops,leader,Europe/Berlin,UBOSS,\n"
        + "".join(
            f"p{i}@x.io,P{i},boss@x.io,Ops,employee,Europe/Berlin,U{i},{'de' if i == 1 else ''}\n"
            for i in range(1, 7)
        ),
    )
    assert await slack_app.slash("UBOSS", "/pulse", "team") == 200
    await deliver_due(slack_runtime, slack_app.bot.platform, concurrency=4)

    german, english = slack_app.fake.dm("U1")[-1], slack_app.fake.dm("U2")[-1]
    button = [e for b in german.blocks if b["type"] == "actions" for e in b["elements"]][-1]
    assert button["text"]["text"] == "Kommentar hinzufügen"
    assert "Kurzer Kundenfokus-Check-in" in block_text(german.blocks)
    assert block_text(english.blocks).count("Add a comment") == 1

    assert await slack_app.click("U1", german.channel, german.ts, button) == 200
    view = slack_app.fake.called("views.open")[-1].params["view"]
    assert (view["title"]["text"], view["submit"]["text"], view["close"]["text"]) == (
        "Ihre Antwort",
        "Senden",
        "Abbrechen",
    )
