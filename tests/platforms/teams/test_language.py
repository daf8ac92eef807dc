"""Teams and a person's language: the ``locale`` of their latest activity ("fr-FR") speaks for
a person with none of their own, and ``language de`` switches them from the next message on
(the real TeamsBot through botbuilder's TestAdapter)."""

from __future__ import annotations

from botbuilder.schema import Activity

import prompts
from bot.core.router import Router
from bot.core.runtime import Runtime
from storage import people
from tests.platforms.teams.conftest import BOT, Member, activity
from tests.platforms.teams.test_conversation import TEAM_WITH_IDS, Person
from tests.support import import_org

GERMAN = {"help": {"intro": "Guten Tag, {name}! Das kann ich für Sie tun:"}}
FRENCH = {"help": {"intro": "Bonjour {name} ! Voici ce que je peux faire pour vous :"}}


async def say(person: Person, text: str, locale: str) -> str:
    """``text`` typed in a Teams client set to ``locale``."""
    await person.adapter.send(Activity(type="message", text=text, locale=locale))
    return person.replies()


async def test_the_teams_clients_language_speaks_until_the_person_chooses(
    runtime: Runtime, router: Router, languages
) -> None:
    languages(de=GERMAN, fr=FRENCH)
    teams = Runtime(
        db=runtime.db, clock=runtime.clock, settings=runtime.settings, channels=("teams",)
    )
    import_org(teams, TEAM_WITH_IDS)
    p1, boss = Person(teams, router, "p1"), Person(teams, router, "boss")

    assert "Bonjour P1 ! Voici ce que je peux faire pour vous :" in await say(p1, "help", "fr-FR")
    assert "Hi Boss! Here is what I can do for you:" in await say(boss, "help", "en-US")
    with runtime.db.session() as session:
        assert people.by_email(session, "p1@x.io").teams_locale == "fr-FR"

    await say(p1, "language de", "fr-FR")
    assert "Guten Tag, P1! Das kann ich für Sie tun:" in await say(p1, "help", "fr-FR")
    # a client language culturebot lacks falls through to the default (English)
    assert "Hi Boss!" in await say(boss, "help", "pt-BR")


async def test_the_org_files_locale_comes_before_the_teams_clients(
    runtime: Runtime, router: Router, languages
) -> None:
    languages(de=GERMAN, fr=FRENCH)
    teams = Runtime(
        db=runtime.db, clock=runtime.clock, settings=runtime.settings, channels=("teams",)
    )
    header, *rows = TEAM_WITH_IDS.splitlines()
    import_org(teams, "\n".join([header + ",locale", *(row + ",de" for row in rows)]) + "\n")
    p1 = Person(teams, router, "p1")
    assert "Guten Tag, P1!" in await say(p1, "help", "fr-FR")


async def test_a_stranger_is_greeted_in_their_teams_clients_language(world) -> None:  # type: ignore[no-untyped-def]
    """Nobody in the org file yet: the greeting made at install, outside the router, speaks
    the Teams client's language (French here), not the server's."""
    stranger = Member(email="zoe@x.io", aad="aad-zoe", name="Zoe")
    hello = activity(
        stranger, world.connector.url, type="conversationUpdate", membersAdded=[BOT], locale="fr-FR"
    )
    assert await world.post(hello) == 200
    [greeting] = [r for r in world.connector.delivered("POST") if r.card]
    with prompts.speaking("fr"):
        french = prompts.text("common.unknown_user", admin=world.runtime.settings.admin_contact)
    assert greeting.card_text == french
    assert greeting.card_text.startswith("Bonjour ! Je ne vous connais pas encore")
