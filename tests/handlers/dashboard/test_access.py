"""Signing in from chat: a personal link, used once, within 15 minutes; sessions; headers."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import unquote

from sqlmodel import select

from handlers.dashboard import access
from tests.handlers.dashboard.conftest import link_for, said, sign_in


def token_of(link: str) -> str:
    return unquote(link.split("token=", 1)[1])


async def test_chat_link_opens_a_button_then_a_session_once(client, seeded) -> None:  # type: ignore[no-untyped-def]
    shown = said(seeded, "m1", "dashboard")
    assert "only you can see it" in shown and "within 15 minutes" in shown
    link = link_for(seeded, "m1")
    opened = await client.get(link)
    body = await opened.text()
    assert opened.status == 200
    assert "Open my dashboard" in body and "Mia One" in body
    # the GET (what a chat app's link preview does) did not use the link up
    again = await client.get(link)
    assert again.status == 200

    done = await client.post(
        "/dashboard/login", data={"token": token_of(link)}, allow_redirects=False
    )
    assert done.status == 303 and done.headers["Location"] == "/dashboard"
    cookie = done.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/dashboard" in cookie
    assert "Max-Age=28800" in cookie and "Secure" not in cookie  # plain http on loopback
    page = await client.get("/dashboard/stories")
    assert page.status == 200 and "Signed in as Mia One (manager)" in await page.text()

    reused = await client.post(
        "/dashboard/login", data={"token": token_of(link)}, allow_redirects=False
    )
    assert reused.status == 410
    text = await reused.text()
    assert "already used" in text and "Set-Cookie" not in reused.headers
    assert (await client.get(link)).status == 410


async def test_expired_link_is_refused(client, seeded) -> None:  # type: ignore[no-untyped-def]
    link = link_for(seeded, "m1")
    seeded.clock.advance(timedelta(minutes=15))
    page = await client.get(link)
    assert page.status == 410 and "has expired" in await page.text()
    used = await client.post("/dashboard/login", data={"token": token_of(link)})
    assert used.status == 410
    assert (await client.get("/dashboard/stories")).status == 401


async def test_forged_links_are_refused(client, seeded) -> None:  # type: ignore[no-untyped-def]
    token = token_of(link_for(seeded, "a1"))
    payload, signature = token.split(".")
    # the payload re-written to name someone else, the signature kept
    other = access._b64(access._unb64(payload).replace(b":", b"9:", 1))
    wrong_key = f"{payload}.{access._sign(b'not the key', payload)}"
    for forged in (f"{other}.{signature}", wrong_key, "garbage", "", f"{payload}."):
        page = await client.get("/dashboard/login", params={"token": forged})
        assert page.status == 400, forged
        assert "not valid" in await page.text()
        used = await client.post("/dashboard/login", data={"token": forged})
        assert used.status == 400
    assert (await client.get("/dashboard/stories")).status == 401


async def test_not_signed_in_gets_a_clear_page_and_no_data(client) -> None:  # type: ignore[no-untyped-def]
    for path in ("/dashboard", "/dashboard/stories.json", "/dashboard/export/stories/latest.csv"):
        page = await client.get(path)
        assert page.status == 401
        text = await page.text()
        assert "type dashboard in chat" in text.lower() and "Acme" not in text


async def test_security_headers_on_every_dashboard_response(client, seeded) -> None:  # type: ignore[no-untyped-def]
    await sign_in(client, seeded, "m1")
    for path in (
        "/dashboard",
        "/dashboard/stories",
        "/dashboard/stories.json",
        "/dashboard/login?token=x",
        "/dashboard/nothing",
        "/dashboard/delivery",
    ):
        page = await client.get(path)
        csp = page.headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp, path
        assert "script-src" not in csp and "unsafe-eval" not in csp
        assert page.headers["X-Frame-Options"] == "DENY"
        assert page.headers["Referrer-Policy"] == "same-origin"
        assert page.headers["Cache-Control"] == "no-store"
    body = await (await client.get("/dashboard/stories")).text()
    assert "<script" not in body.lower()


async def test_sign_out_needs_the_csrf_token(client, seeded) -> None:  # type: ignore[no-untyped-def]
    await sign_in(client, seeded, "m1")
    refused = await client.post("/dashboard/logout", data={"csrf": "guess"})
    assert refused.status == 403
    cross_site = await client.post(
        "/dashboard/logout", data={"csrf": "x"}, headers={"Origin": "https://evil.example"}
    )
    assert cross_site.status == 403
    assert (await client.get("/dashboard/stories")).status == 200
    page = await (await client.get("/dashboard/stories")).text()
    csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    done = await client.post("/dashboard/logout", data={"csrf": csrf})
    assert done.status == 200 and "signed out" in (await done.text()).lower()
    assert (await client.get("/dashboard/stories")).status == 401


async def test_cookie_is_secure_behind_https(client, seeded) -> None:  # type: ignore[no-untyped-def]
    link = link_for(seeded, "a1")
    done = await client.post(
        "/dashboard/login",
        data={"token": token_of(link)},
        headers={"X-Forwarded-Proto": "https"},
        allow_redirects=False,
    )
    assert "Secure" in done.headers["Set-Cookie"]


def test_link_uses_the_public_url_and_the_secret_is_kept(seeded) -> None:  # type: ignore[no-untyped-def]
    seeded.settings.public_url = "https://bot.example.com/"
    assert link_for(seeded, "a1").startswith("/dashboard/login?token=")
    assert "https://bot.example.com/dashboard/login?token=" in said(seeded, "a1", "dashboard")
    with seeded.db.session() as session:
        first = access.signing_key(session, seeded.settings, seeded.clock.now())
    with seeded.db.session() as session:
        assert access.signing_key(session, seeded.settings, seeded.clock.now()) == first
    seeded.settings.dashboard_secret = "from-the-environment"
    with seeded.db.session() as session:
        assert access.signing_key(session, seeded.settings, seeded.clock.now()) == (
            b"from-the-environment"
        )


def _person(runtime, name: str):  # type: ignore[no-untyped-def]
    from storage import people

    with runtime.db.session() as session:
        return people.by_email(session, f"{name}@x.io")


async def test_an_erased_persons_link_does_not_sign_in_whoever_gets_their_id(
    client, seeded
) -> None:  # type: ignore[no-untyped-def]
    """SQLite gives the highest id back after a delete: the erased admin's links, used or not,
    and their session must not open the newcomer's (admin) dashboard."""
    from handlers.people.erase import erase
    from tests.handlers.cascade.helpers import ROWS
    from tests.handlers.dashboard.conftest import ADMIN
    from tests.support import import_org, org_csv

    await sign_in(client, seeded, "adm")
    session_cookie = client.session.cookie_jar.filter_cookies(client.make_url("/dashboard"))
    assert (await client.get("/dashboard/delivery")).status == 200
    unused = token_of(link_for(seeded, "adm"))
    used = token_of(link_for(seeded, "adm"))
    assert (await client.post("/dashboard/login", data={"token": used})).status == 200
    old_id = _person(seeded, "adm").id
    with seeded.db.session() as session:
        from storage import people

        erase(session, people.by_email(session, "adm@x.io"), 5)
    newcomer = ADMIN.replace("adm@x.io,Ada Admin", "new@x.io,Nia Newcomer")
    import_org(seeded, org_csv(*ROWS.values(), newcomer))
    if seeded.db.url.startswith("sqlite"):
        assert _person(seeded, "new").id == old_id  # the id came back: the risky case
    client.session.cookie_jar.clear()
    client.session.cookie_jar.update_cookies(session_cookie)
    assert (await client.get("/dashboard/delivery")).status == 401
    for token in (unused, used):
        page = await client.get("/dashboard/login", params={"token": token})
        assert page.status in (400, 410) and "Nia Newcomer" not in await page.text()
        done = await client.post("/dashboard/login", data={"token": token}, allow_redirects=False)
        assert done.status in (400, 410) and "Set-Cookie" not in done.headers
    assert (await client.get("/dashboard/delivery")).status == 401


async def test_a_reactivated_persons_old_session_and_link_stay_dead(client, seeded) -> None:  # type: ignore[no-untyped-def]
    from tests.handlers.cascade.helpers import ROWS
    from tests.handlers.dashboard.conftest import ADMIN
    from tests.support import import_org, org_csv

    await sign_in(client, seeded, "a1")
    assert (await client.get("/dashboard/stories")).status == 200
    unused = token_of(link_for(seeded, "a1"))
    without = {k: v for k, v in ROWS.items() if k != "a1"}
    import_org(seeded, org_csv(*without.values(), ADMIN))  # a1 leaves...
    assert (await client.get("/dashboard/stories")).status == 401
    import_org(seeded, org_csv(*ROWS.values(), ADMIN))  # ...and comes back
    assert _person(seeded, "a1").active
    assert (await client.get("/dashboard/stories")).status == 401  # the old session stays dead
    page = await client.get("/dashboard/login", params={"token": unused})
    assert page.status == 400
    refused = await client.post("/dashboard/login", data={"token": unused}, allow_redirects=False)
    assert refused.status == 400 and "Set-Cookie" not in refused.headers
    await sign_in(client, seeded, "a1")  # a new link works
    assert (await client.get("/dashboard/stories")).status == 200


async def test_rotating_the_key_ends_every_session_and_link(client, seeded, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from bot.cli.main import app
    from storage.audit import AuditEvent
    from storage.dashboard import DashboardSecret

    await sign_in(client, seeded, "a1")
    assert (await client.get("/dashboard/stories")).status == 200
    unused = token_of(link_for(seeded, "m1"))
    with seeded.db.session() as session:
        before = session.get(DashboardSecret, access.SECRET_NAME).value
    monkeypatch.setenv("CULTUREBOT_DATABASE_URL", seeded.db.url)
    done = CliRunner().invoke(app, ["dashboard", "rotate-key", "--yes"])
    assert done.exit_code == 0, done.output
    assert "Every sign-in link and session has ended (1 sessions)" in done.output
    assert (await client.get("/dashboard/stories")).status == 401
    refused = await client.post("/dashboard/login", data={"token": unused}, allow_redirects=False)
    assert refused.status == 400 and "Set-Cookie" not in refused.headers
    with seeded.db.session() as session:
        assert session.get(DashboardSecret, access.SECRET_NAME).value != before
        (event,) = session.exec(
            select(AuditEvent).where(AuditEvent.action == "dashboard.rotate_key")
        ).all()
        assert event.actor.startswith("cli:")
    await sign_in(client, seeded, "a1")  # a new link from chat works
    assert (await client.get("/dashboard/stories")).status == 200
