"""The dashboard speaks its reader's language, with a switch that changes the words only.

German here is a test catalog of a few words (the ``languages`` fixture): whatever the
shipped catalogs hold, each assertion names a word only German says, and the rest of the page
falls back to English.
"""

from __future__ import annotations

import json
import re

import pytest
from sqlmodel import select

import prompts
from handlers.common.formatting import week_start_words
from storage.models import Person
from storage.stories import Story
from tests.handlers.dashboard.conftest import sign_in

GERMAN = {
    "dashboard": {
        "nav_overview": "Überblick",
        "signed_in_as": "Angemeldet als {name} ({role})",
        "role_employee": "Mitarbeiterin oder Mitarbeiter",
        "not_allowed_title": "Nicht für Sie sichtbar",
    },
    "dashboard_stories": {"title": "Geschichten und Ideen", "h_customer": "Kunde"},
}
PAGE_LANGUAGE = re.compile(r'<html lang="([^"]*)"')


@pytest.fixture
def german(languages) -> None:  # type: ignore[no-untyped-def]
    languages(de=GERMAN)


def set_locale(runtime, name: str, locale: str) -> None:  # type: ignore[no-untyped-def]
    """The org file's locale column for ``name``, as an import would have written it."""
    with runtime.db.session() as session:
        person = session.exec(select(Person).where(Person.email == f"{name}@x.io")).one()
        person.locale = locale
        session.add(person)


async def page_of(client, path: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """A page's text and the language its <html> says it is in."""
    response = await client.get(path)
    assert response.status == 200, path
    body = await response.text()
    found = PAGE_LANGUAGE.search(body)
    assert found, body[:300]
    return body, found.group(1)


def csrf_of(body: str) -> str:
    return body.split('name="csrf" value="', 1)[1].split('"', 1)[0]


async def switch(client, csrf: str, language: str, back: str = "/dashboard"):  # type: ignore[no-untyped-def]
    return await client.post(
        "/dashboard/language",
        data={"csrf": csrf, "language": language, "back": back},
        allow_redirects=False,
    )


async def test_a_person_whose_org_row_says_de_reads_the_dashboard_in_german(
    client, seeded, german
) -> None:  # type: ignore[no-untyped-def]
    set_locale(seeded, "a1", "de")
    await sign_in(client, seeded, "a1")
    body, language = await page_of(client, "/dashboard/stories")
    assert language == "de"
    assert "Angemeldet als Ann A1 (Mitarbeiterin oder Mitarbeiter)" in body
    assert "Überblick" in body and "Geschichten und Ideen" in body and ">Kunde<" in body
    assert "Sign out" in body  # a word German lacks: English, not a key or a gap
    assert "Signed in as" not in body and "Stories and ideas" not in body


async def test_the_switch_changes_the_words_and_brings_back_the_same_page(
    client, seeded, german
) -> None:  # type: ignore[no-untyped-def]
    await sign_in(client, seeded, "m1")
    m1 = person_id(seeded, "m1")
    here = f"/dashboard/stories?scope=team-{m1}"
    body, language = await page_of(client, here)
    assert language == "en" and "Stories and ideas" in body
    assert 'name="language" value="de"' in body and ">Deutsch</button>" in body
    done = await switch(client, csrf_of(body), "de", here)
    assert done.status == 303 and done.headers["Location"] == here
    assert (
        "HttpOnly" in done.headers["Set-Cookie"] and "Path=/dashboard" in done.headers["Set-Cookie"]
    )
    body, language = await page_of(client, here)
    assert language == "de" and "Geschichten und Ideen" in body
    assert (await switch(client, csrf_of(body), "en", here)).status == 303
    body, language = await page_of(client, here)
    assert language == "en" and "Stories and ideas" in body


def person_id(runtime, name: str) -> int:  # type: ignore[no-untyped-def]
    with runtime.db.session() as session:
        return session.exec(select(Person.id).where(Person.email == f"{name}@x.io")).one()


@pytest.mark.parametrize(
    "cookie", ["xx", "de-XX", "", '"><script>alert(1)</script>', "../../etc/passwd"]
)
async def test_a_language_culturebot_lacks_in_the_cookie_is_ignored_politely(
    client, seeded, german, cookie: str
) -> None:  # type: ignore[no-untyped-def]
    set_locale(seeded, "a1", "de")
    await sign_in(client, seeded, "a1")
    client.session.cookie_jar.update_cookies({"culturebot_language": cookie})
    body, language = await page_of(client, "/dashboard/stories")
    assert language == "de"  # the person's own language, as if there were no cookie
    assert "Geschichten und Ideen" in body and "<script>alert" not in body


async def test_the_switch_offers_and_sets_only_languages_culturebot_has(
    client, seeded, german
) -> None:  # type: ignore[no-untyped-def]
    await sign_in(client, seeded, "a1")
    body, _ = await page_of(client, "/dashboard")
    offered = re.findall(r'name="language" value="([^"]*)"', body)
    assert offered == ["en", "de"]
    done = await switch(client, csrf_of(body), "xx")
    assert done.status == 303 and "culturebot_language" not in done.headers.get("Set-Cookie", "")
    assert (await page_of(client, "/dashboard"))[1] == "en"


@pytest.mark.parametrize(
    "back",
    [
        "https://evil.example/dashboard",
        "//evil.example/dashboard",
        "/\\evil.example",
        "/dashboard/../healthz",
        "/dashboardx",
        "javascript:alert(1)",
        "",
    ],
)
async def test_the_switch_returns_only_to_a_dashboard_page(
    client, seeded, german, back: str
) -> None:  # type: ignore[no-untyped-def]
    await sign_in(client, seeded, "a1")
    body, _ = await page_of(client, "/dashboard")
    done = await switch(client, csrf_of(body), "de", back)
    assert done.status == 303 and done.headers["Location"] == "/dashboard"


async def test_the_switch_needs_the_session_and_its_csrf_token(client, seeded, german) -> None:  # type: ignore[no-untyped-def]
    assert (await switch(client, "guess", "de")).status == 403  # not signed in
    await sign_in(client, seeded, "a1")
    refused = await switch(client, "guess", "de")
    assert refused.status == 403 and "Set-Cookie" not in refused.headers
    body, _ = await page_of(client, "/dashboard")
    cross_site = await client.post(
        "/dashboard/language",
        data={"csrf": csrf_of(body), "language": "de"},
        headers={"Origin": "https://evil.example"},
        allow_redirects=False,
    )
    assert cross_site.status == 403 and "Set-Cookie" not in cross_site.headers


async def test_another_language_shows_nothing_more_and_refuses_the_same(
    client, seeded, german
) -> None:  # type: ignore[no-untyped-def]
    """The same person in two languages: the same rows, figures and stories (only the
    words differ), and the same refusals."""
    await sign_in(client, seeded, "a1")
    m1, m2 = person_id(seeded, "m1"), person_id(seeded, "m2")
    english = json.loads(await (await client.get("/dashboard/stories.json")).text())
    body, _ = await page_of(client, "/dashboard/stories")
    await switch(client, csrf_of(body), "de")
    german_view = json.loads(await (await client.get("/dashboard/stories.json")).text())
    assert german_view["title"] == "Geschichten und Ideen" != english["title"]
    assert german_view["sections"].keys() == english["sections"].keys()
    for name, section in english["sections"].items():
        rows = german_view["sections"][name]["rows"]
        assert [r.keys() for r in rows] == [r.keys() for r in section["rows"]], name
        assert len(rows) == len(section["rows"]), name
    stories = [r["what_happened"] for r in german_view["sections"]["latest"]["rows"]]
    assert stories == [r["what_happened"] for r in english["sections"]["latest"]["rows"]]
    assert "Only my manager may read this one." not in json.dumps(german_view)
    for path in (f"/dashboard/stories?scope=subtree-{m1}", f"/dashboard/stories?scope=team-{m2}"):
        refused = await client.get(path)
        text = await refused.text()
        assert refused.status == 403 and "Nicht für Sie sichtbar" in text, path
        assert '<html lang="de"' in text and "Acme" not in text
    assert (await client.get("/dashboard/delivery")).status == 403


async def test_a_story_in_another_language_than_the_readers_is_tagged_with_it(
    client, seeded, german
) -> None:  # type: ignore[no-untyped-def]
    """The latest stories carry their text's detected language ("[de] ..."), shown where it
    is not the reader's: the same stories for both readers, only the tag moves."""
    german_text = "Der Kunde hat sich über die schnelle Antwort sehr gefreut."
    with seeded.db.session() as session:
        for story in session.exec(select(Story)):
            story.language = "en"
            if story.consent == "anonymous":
                story.what_happened, story.language = german_text, "de"
            session.add(story)
    await sign_in(client, seeded, "a1")

    async def latest() -> list[str]:
        view = json.loads(await (await client.get("/dashboard/stories.json")).text())
        return [r["what_happened"] for r in view["sections"]["latest"]["rows"]]

    english = await latest()
    assert f"[de] {german_text}" in english
    assert "A customer thanked Ann for a quick fix." in english
    body, _ = await page_of(client, "/dashboard/stories")
    await switch(client, csrf_of(body), "de")
    in_german = await latest()
    assert german_text in in_german
    assert "[en] A customer thanked Ann for a quick fix." in in_german
    assert len(in_german) == len(english)


def test_a_charts_weeks_are_their_mondays_in_the_readers_language(languages) -> None:  # type: ignore[no-untyped-def]
    """The axis says "week beginning" once; each tick is the Monday alone, in any language
    (not "Woche vom ..." where English's "week of" was cut off)."""
    languages(de={})
    assert week_start_words("2027-W10") == "8 Mar 2027"
    with prompts.speaking("de"):
        assert week_start_words("2027-W10") == "8. März 2027"
    assert week_start_words("assessment:2") == "assessment 2"
