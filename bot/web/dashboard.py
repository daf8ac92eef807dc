"""The dashboard's routes on culturebot's aiohttp server (``culturebot run`` mounts them;
``culturebot dashboard`` serves them alone).

- ``GET /dashboard/login?token=...``: a page with one button; ``POST /dashboard/login`` uses
  the token once and sets the session cookie (HttpOnly, SameSite=Lax, Secure behind https).
- ``GET /dashboard[/VIEW]``: a view as a page; ``/dashboard/VIEW.json`` the same as JSON;
  ``/dashboard/export/VIEW.json`` and ``/dashboard/export/VIEW/SECTION.csv`` as downloads.
  ``?scope=`` names a part of the organisation (see ``handlers.dashboard.scope``).
- ``POST /dashboard/logout``: a state change besides signing in; it needs the session's CSRF
  token, and every POST must come from this origin.
- ``POST /dashboard/language``: the language switch (same rules as signing out): a cookie
  naming one of ``prompts.available_locales()``, then back to the same page. It changes the
  words only: what a page shows is decided as before, by the session's person.
Each page speaks the language in that cookie, else the signed-in person's own
(``storage.people.locale_of``), else ``CULTUREBOT_DEFAULT_LOCALE``.
Every response under /dashboard carries a Content-Security-Policy without any script, and
may not be framed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from aiohttp import web

import prompts
from bot.core.parsing import parse_id
from bot.core.runtime import Runtime
from bot.web import pages
from bot.web.health import Health
from bot.web.health import install as install_health
from bot.web.limits import application
from handlers.dashboard import access, pulse, views
from handlers.dashboard.model import View, to_csv
from handlers.dashboard.scope import NotAllowed, Scope, Viewer, choices, resolve
from prompts import text
from storage import audit, people
from storage.models import Person

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
CSP = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # "no-referrer" would make Chromium send Origin: null
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
SCOPED = ("overview", "groups", "roadmap", "stories")
VIEW_NAMES = ("overview", "groups", "roadmap", "stories", "cascades", "delivery")
RUNTIME = web.AppKey("dashboard_runtime", Runtime)
LANGUAGE_COOKIE = "culturebot_language"
LANGUAGE_DAYS = 365

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not request.path.startswith("/dashboard"):
        return await handler(request)
    try:
        response = await handler(request)
    except web.HTTPException as error:
        response = error
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if not request.path.startswith("/dashboard/static/"):
        response.headers.setdefault("Cache-Control", "no-store")
    if isinstance(response, web.HTTPException):
        raise response
    return response


def chosen_language(request: web.Request) -> str | None:
    """The language the switch chose, when culturebot has it (anything else is ignored)."""
    code = request.cookies.get(LANGUAGE_COOKIE, "")
    return code if code in prompts.available_locales() else None


@web.middleware
async def language(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every dashboard page in the switch's language, else the default; a signed-in person's
    own language is set once they are known (``_load``)."""
    if not request.path.startswith("/dashboard"):
        return await handler(request)
    default = request.app[RUNTIME].settings.default_locale
    with prompts.speaking(chosen_language(request) or default):
        return await handler(request)


def mount(web_app: web.Application, runtime: Runtime) -> None:
    """Add the dashboard's routes and its headers and language middlewares to ``web_app``."""
    web_app[RUNTIME] = runtime
    web_app.middlewares.append(security_headers)
    web_app.middlewares.append(language)
    add = web_app.router
    add.add_get("/dashboard/static/dashboard.css", stylesheet)
    add.add_get("/dashboard/login", login_page)
    add.add_post("/dashboard/login", login)
    add.add_post("/dashboard/logout", logout)
    add.add_post("/dashboard/language", switch_language)
    add.add_get("/dashboard", page)
    add.add_get("/dashboard/", page)
    add.add_get(r"/dashboard/export/{view:[a-z]+}.json", export_json)
    add.add_get(r"/dashboard/export/{view:[a-z]+}/{section:[a-z_]+}.csv", export_csv)
    add.add_get(r"/dashboard/{view:[a-z]+}.json", view_json)
    add.add_get(r"/dashboard/{view:[a-z]+}", page)


def _html(body: str, status: int = 200) -> web.Response:
    return web.Response(text=body, status=status, content_type="text/html", charset="utf-8")


def _refusal(key: str, status: int, **values: Any) -> web.Response:
    return _html(
        pages.message_page(
            text(f"dashboard.{key}_title"),
            text(f"dashboard.{key}_text", **values),
            back=key in ("not_allowed", "not_found", "csrf"),
        ),
        status,
    )


async def stylesheet(_request: web.Request) -> web.StreamResponse:
    response = web.FileResponse(STATIC / "dashboard.css")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


def _runtime(request: web.Request) -> Runtime:
    return request.app[RUNTIME]


def _now(request: web.Request) -> datetime:
    return _runtime(request).clock.now()


async def _db(request: web.Request, work: Callable[..., Any]) -> Any:
    """Run ``work(session)`` in one transaction, off the event loop."""
    runtime = _runtime(request)

    def run() -> Any:
        with runtime.db.session() as session:
            return work(session)

    return await asyncio.to_thread(run)


# --- signing in and out ----------------------------------------------------------------------


async def login_page(request: web.Request) -> web.StreamResponse:
    token = request.query.get("token", "")
    runtime = _runtime(request)

    def check(session: Any) -> tuple[access.TokenCheck, str, str | None]:
        found = access.check_token(session, runtime.settings, token, _now(request))
        person = session.get(Person, found.person_id) if found.status == "ok" else None
        if person is None:
            return found, "", None
        return found, person.name, _language_of(request, person)

    found, name, locale = await _db(request, check)
    if found.status != "ok":
        return _token_refusal(request, found.status)
    assert found.expires_at is not None
    with prompts.speaking(locale):
        return _html(pages.open_page(token, name, found.expires_at.strftime("%Y-%m-%d %H:%M")))


def _language_of(request: web.Request, person: Person) -> str:
    """What a page for ``person`` speaks: the switch's choice, else their own language."""
    default = _runtime(request).settings.default_locale
    return chosen_language(request) or people.locale_of(person, default)


def _token_refusal(request: web.Request, status: str) -> web.Response:
    settings = _runtime(request).settings
    if status == "expired":
        return _refusal("expired", 410, minutes=settings.dashboard_link_minutes)
    if status == "used":
        return _refusal("used", 410, admin=settings.admin_contact)
    return _refusal("forged", 400)


def _same_origin(request: web.Request) -> bool:
    """A POST must come from a page of this server: browsers send Origin with every POST
    (a client without it, e.g. curl, still needs the token or the CSRF value)."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    allowed = {f"{request.scheme}://{request.host}", _runtime(request).settings.base_url}
    return origin.rstrip("/") in allowed


def _secure(request: web.Request) -> bool:
    settings = _runtime(request).settings
    return (
        request.secure
        or request.headers.get("X-Forwarded-Proto", "").lower() == "https"
        or settings.public_url.startswith("https://")
    )


async def login(request: web.Request) -> web.StreamResponse:
    if not _same_origin(request):
        return _refusal("csrf", 403)
    form = await request.post()
    token = str(form.get("token", ""))
    runtime = _runtime(request)
    result = await _db(
        request, lambda session: access.redeem(session, runtime.settings, token, _now(request))
    )
    if isinstance(result, access.TokenCheck):
        return _token_refusal(request, result.status)
    log.info("dashboard: person %s signed in", result.person_id)
    response = web.HTTPSeeOther("/dashboard")
    response.set_cookie(
        access.COOKIE,
        result.cookie,
        max_age=runtime.settings.dashboard_session_hours * 3600,
        path="/dashboard",
        httponly=True,
        samesite="Lax",
        secure=_secure(request),
    )
    return response


async def logout(request: web.Request) -> web.StreamResponse:
    cookie = request.cookies.get(access.COOKIE)
    form = await request.post()
    now = _now(request)

    def end(session: Any) -> bool:
        row = access.session_of(session, cookie, now)
        if row is None or not access.csrf_ok(row, str(form.get("csrf", ""))):
            return False
        access.sign_out(session, cookie)
        return True

    if not _same_origin(request) or not await _db(request, end):
        return _refusal("csrf", 403)
    response = _refusal("goodbye", 200)
    response.del_cookie(access.COOKIE, path="/dashboard")
    return response


def _back(raw: str) -> str:
    """Where the switch returns to: a dashboard page of this server, never anywhere else."""
    path = raw.split("#", 1)[0]
    local = (path == "/dashboard" or path.startswith(("/dashboard/", "/dashboard?"))) and not any(
        c in path for c in ("\\", "\r", "\n", "//", "/../", "/./")
    )
    return path if local else "/dashboard"


async def switch_language(request: web.Request) -> web.StreamResponse:
    """The language switch: needs the session's CSRF token like signing out, sets the cookie
    to a language culturebot has (an unknown one changes nothing) and shows the same page."""
    cookie = request.cookies.get(access.COOKIE)
    form = await request.post()
    now = _now(request)

    def signed_in(session: Any) -> bool:
        row = access.session_of(session, cookie, now)
        return row is not None and access.csrf_ok(row, str(form.get("csrf", "")))

    if not _same_origin(request) or not await _db(request, signed_in):
        return _refusal("csrf", 403)
    response = web.HTTPSeeOther(_back(str(form.get("back", ""))))
    code = str(form.get("language", ""))
    if code in prompts.available_locales():
        response.set_cookie(
            LANGUAGE_COOKIE,
            code,
            max_age=LANGUAGE_DAYS * 86400,
            path="/dashboard",
            httponly=True,
            samesite="Lax",
            secure=_secure(request),
        )
    return response


# --- views -----------------------------------------------------------------------------------


def build_view(
    session: Any, viewer: Viewer, name: str, query: dict[str, str], now: datetime, settings: Any
) -> View:
    """The view ``name`` for ``viewer``, from the query string; raises NotAllowed or KeyError."""
    if name in SCOPED:
        scope = resolve(session, viewer, query.get("scope"))
        if name == "stories":
            return views.stories(session, viewer, scope, settings, now)
        if name == "groups":
            return pulse.groups(session, viewer, scope, settings, now, query.get("week"))
        if name == "roadmap":
            return pulse.roadmap(session, viewer, scope, settings, now)
        return pulse.overview(session, viewer, scope, settings, now)
    if name == "cascades":
        raw = query.get("cascade", "")
        cascade_id = parse_id(raw) if raw else None
        if raw and cascade_id is None:
            raise NotAllowed(raw[:20])
        return views.cascades(session, viewer, cascade_id, settings.min_group_size)
    if name == "delivery":
        return views.delivery(session, viewer, now)
    raise KeyError(name)


@dataclass(frozen=True)
class Loaded:
    """A view as the signed-in viewer may see it, in the language their pages speak."""

    view: View
    viewer: Viewer
    csrf: str
    scopes: list[Scope]
    locale: str


async def _load(
    request: web.Request, name: str, *, export: str | None = None
) -> Loaded | web.Response:
    """The signed-in viewer's view, or the page that says why not (in their language). An
    ``export`` (its file name) is written to the audit log in the same transaction."""
    if name not in VIEW_NAMES:
        return _refusal("not_found", 404)
    runtime = _runtime(request)
    cookie = request.cookies.get(access.COOKIE)
    now = _now(request)
    query = dict(request.query)

    def work(session: Any) -> Loaded | str | None:
        row = access.session_of(session, cookie, now)
        if row is None:
            return None
        person = session.get(Person, row.person_id)
        with prompts.speaking(_language_of(request, person)) as locale:
            viewer = Viewer.of(session, person)
            try:
                view = build_view(session, viewer, name, query, now, runtime.settings)
                scopes = (
                    choices(session, viewer, resolve(session, viewer, query.get("scope")))
                    if name in SCOPED
                    else []
                )
            except NotAllowed as refused:
                log.info("dashboard: refused %s (%s)", request.path, refused)
                return locale
            if export is not None:
                audit.viewed(
                    session,
                    f"dashboard {export}",
                    actor=person.email,
                    at=now,
                    format=export.rsplit(".", 1)[-1],
                )
            return Loaded(view, viewer, row.csrf, scopes, locale)

    loaded = await _db(request, work)
    if loaded is None:
        return _refusal("signed_out", 401, hours=runtime.settings.dashboard_session_hours)
    if isinstance(loaded, str):
        with prompts.speaking(loaded):
            return _refusal("not_allowed", 403)
    return loaded


async def page(request: web.Request) -> web.StreamResponse:
    name = request.match_info.get("view", "overview")
    loaded = await _load(request, name)
    if isinstance(loaded, web.Response):
        return loaded
    view = loaded.view

    def draw() -> dict[str, str]:
        from bot.web import charts

        return {
            s.id: charts.svg(s.chart, title=s.title) for s in view.sections if s.chart is not None
        }

    query = {k: v for k, v in request.query.items() if k in ("scope", "cascade", "week")}
    with prompts.speaking(loaded.locale):
        drawn = await asyncio.to_thread(draw)  # the thread speaks the same language
        return _html(
            pages.view_page(
                view,
                loaded.viewer,
                csrf=loaded.csrf,
                charts=drawn,
                scopes=loaded.scopes,
                path=request.path,
                query=query,
            )
        )


async def view_json(request: web.Request) -> web.StreamResponse:
    loaded = await _load(request, request.match_info["view"])
    if isinstance(loaded, web.Response):
        return loaded
    return web.Response(text=loaded.view.to_json(), content_type="application/json")


async def export_json(request: web.Request) -> web.StreamResponse:
    name = request.match_info["view"]
    loaded = await _load(request, name, export=f"{name}.json")
    if isinstance(loaded, web.Response):
        return loaded
    response = web.Response(text=loaded.view.to_json(), content_type="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="culturebot-{name}.json"'
    return response


async def export_csv(request: web.Request) -> web.StreamResponse:
    name = request.match_info["view"]
    loaded = await _load(request, name, export=f"{name}/{request.match_info['section']}.csv")
    if isinstance(loaded, web.Response):
        return loaded
    try:
        section = loaded.view.section(request.match_info["section"])
    except KeyError:
        return _refusal("not_found", 404)
    response = web.Response(text=to_csv(section.table), content_type="text/csv", charset="utf-8")
    filename = f"culturebot-{name}-{section.id}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def standalone_app(runtime: Runtime) -> web.Application:
    """The dashboard alone (``culturebot dashboard``), with the health endpoints."""
    app = application(runtime.settings)
    install_health(app, Health(runtime))
    mount(app, runtime)
    return app
