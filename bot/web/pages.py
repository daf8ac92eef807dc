"""HTML for the dashboard: one layout, each view's sections (chart, then its table), and the
pages that explain a refusal. Every value is escaped; the pages hold no script at all.
"""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import urlencode

import prompts
from handlers.dashboard.model import WITHHELD, Section, View
from handlers.dashboard.scope import Scope, Viewer
from prompts import text

NAV = (  # each view and its address; its name in words is prompts' dashboard.nav_<view>
    ("overview", "/dashboard"),
    ("groups", "/dashboard/groups"),
    ("roadmap", "/dashboard/roadmap"),
    ("stories", "/dashboard/stories"),
    ("cascades", "/dashboard/cascades"),
    ("delivery", "/dashboard/delivery"),
)


def _page(title: str, body: str, *, header: str = "") -> str:
    return (
        "<!doctype html>\n"
        f'<html lang="{escape(prompts.current_locale())}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} - culturebot</title>"
        '<link rel="stylesheet" href="/dashboard/static/dashboard.css">'
        '<link rel="icon" href="data:,">'
        f"</head><body>{header}<main>{body}</main></body></html>"
    )


def message_page(title: str, sentence: str, *, back: bool = False) -> str:
    link = f'<p><a href="/dashboard">{escape(text("dashboard.back"))}</a></p>' if back else ""
    return _page(
        title,
        f'<section class="notice"><h1>{escape(title)}</h1><p>{escape(sentence)}</p>{link}</section>',
    )


def open_page(token: str, name: str, expires: str) -> str:
    """The page behind a sign-in link: a button, so link previews never use the link up."""
    body = (
        f'<section class="notice"><h1>{escape(text("dashboard.open_title"))}</h1>'
        f"<p>{escape(text('dashboard.open_text', name=name, expires=expires))}</p>"
        '<form method="post" action="/dashboard/login">'
        f'<input type="hidden" name="token" value="{escape(token)}">'
        f'<button type="submit">{escape(text("dashboard.open_button"))}</button></form></section>'
    )
    return _page(text("dashboard.open_title"), body)


def _languages(csrf: str, back: str) -> str:
    """The language switch: one button per language culturebot has, each named in itself;
    it sends this page's address back, so the same page comes back in the other words."""
    now = prompts.current_locale()
    buttons = "".join(
        f'<button type="submit" name="language" value="{escape(code)}" lang="{escape(code)}"'
        + (' class="link" aria-current="true" disabled>' if code == now else ' class="link">')
        + f"{escape(prompts.language_name(code))}</button>"
        for code in prompts.available_locales()
    )
    return (
        f'<form method="post" action="/dashboard/language" class="languages" '
        f'aria-label="{escape(text("dashboard.language"))}">'
        f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
        f'<input type="hidden" name="back" value="{escape(back)}">{buttons}</form>'
    )


def _header(viewer: Viewer, current: str, csrf: str, back: str = "/dashboard") -> str:
    links = []
    for name, href in NAV:
        if name == "delivery" and not viewer.is_admin:
            continue
        here = ' aria-current="page"' if name == current else ""
        label = text(f"dashboard.nav_{name}")
        links.append(f'<li><a href="{href}"{here}>{escape(label)}</a></li>')
    who = text("dashboard.signed_in_as", name=viewer.person.name, role=viewer.role_words)
    return (
        '<header><div class="brand">culturebot</div>'
        f'<nav aria-label="{escape(text("dashboard.nav_label"))}"><ul>{"".join(links)}</ul></nav>'
        f'<div class="who"><span>{escape(who)}</span>'
        '<form method="post" action="/dashboard/logout">'
        f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
        f'<button type="submit" class="link">{escape(text("dashboard.sign_out"))}</button>'
        f"</form>{_languages(csrf, back)}</div></header>"
    )


def view_page(
    view: View,
    viewer: Viewer,
    *,
    csrf: str,
    charts: dict[str, str],
    scopes: list[Scope] | None,
    path: str,
    query: dict[str, str],
) -> str:
    """One view: its heading, the scope picker, exports, then each section."""
    parts = [f"<h1>{escape(view.title)}</h1>"]
    if view.scope_label:
        parts.append(f'<p class="scope">{escape(view.scope_label)}</p>')
    if scopes:
        options = "".join(
            f'<option value="{escape(s.key)}"{" selected" if s.key == view.scope else ""}>'
            f"{escape(s.label)}</option>"
            for s in scopes
        )
        parts.append(
            f'<form method="get" action="{escape(path)}" class="picker">'
            f'<label for="scope">{escape(text("dashboard.scope"))}</label>'
            f'<select id="scope" name="scope">{options}</select>'
            f'<button type="submit">{escape(text("dashboard.show"))}</button></form>'
        )
    cascades = view.extra.get("cascades")
    if cascades:
        items = "".join(
            f'<li><a href="/dashboard/cascades?{urlencode({"cascade": c["id"]})}"'
            f"{_current(view.scope == 'cascade-' + str(c['id']))}>"
            f"{escape(c['title'])}</a> <small>{escape(c['sent'])}</small></li>"
            for c in cascades
        )
        label = escape(text("dashboard.nav_cascades"))
        parts.append(f'<nav aria-label="{label}" class="picks"><ul>{items}</ul></nav>')
    qs = f"?{urlencode(query)}" if query else ""
    parts.append(
        f'<p class="exports">{escape(text("dashboard.export"))}: '
        f'<a href="/dashboard/export/{view.name}.json{qs}" download>'
        f"{escape(text('dashboard.export_json'))}</a></p>"
    )
    for section in view.sections:
        parts.append(_section(view, section, charts.get(section.id), qs))
    back = f"{path}{qs}"
    return _page(view.title, "".join(parts), header=_header(viewer, view.name, csrf, back))


def _current(here: bool) -> str:
    return ' aria-current="page"' if here else ""


def _headlines(section: Section) -> str:
    """The figures first, large: each a label, its value, its change, what it is."""
    if not section.table.rows:
        return ""
    cards = []
    for figure, value, change, detail in section.table.rows:
        trend = ""
        if change:
            way = "up" if change.startswith("+") else "down" if change.startswith("-") else "flat"
            arrow = {"up": "\u25b2", "down": "\u25bc", "flat": "\u25ac"}[way]
            trend = (
                f'<span class="change {way}"><span aria-hidden="true">{arrow}</span> '
                f"{escape(change)}</span>"
            )
        cards.append(
            f'<div class="card"><dt>{escape(figure)}</dt>'
            f'<dd class="big{"" if value[:1].isdigit() else " words"}">{escape(value)}</dd>'
            f'<dd>{trend}<span class="detail">{escape(detail)}</span></dd></div>'
        )
    return (
        f'<section id="s-headline" class="headline" aria-labelledby="s-headline-h">'
        f'<h2 id="s-headline-h">{escape(section.title)}</h2>'
        f'<dl class="headlines">{"".join(cards)}</dl></section>'
    )


def _section(view: View, section: Section, chart: str | None, qs: str) -> str:
    if section.id == "headline":
        return _headlines(section)
    sid = f"s-{section.id}"
    out = [
        f'<section id="{sid}" aria-labelledby="{sid}-h"><h2 id="{sid}-h">{escape(section.title)}</h2>'
    ]
    if section.note:
        out.append(f'<p class="note">{escape(section.note)}</p>')
    if chart:
        out.append(
            f'<figure class="chart-box" aria-describedby="{sid}-sum">{chart}'
            f'<figcaption id="{sid}-sum">{escape(section.summary)}</figcaption></figure>'
        )
    elif section.chart is None and section.table.rows and section.summary:
        out.append(f"<p>{escape(section.summary)}</p>")
    out.append(_table(section, sid))
    out.append(
        f'<p class="exports"><a href="/dashboard/export/{view.name}/{section.id}.csv{qs}" '
        f"download>{escape(text('dashboard.export_csv'))}</a></p></section>"
    )
    return "".join(out)


def _table(section: Section, sid: str) -> str:
    if not section.table.rows:
        return f'<p class="empty">{escape(text("dashboard.no_chart"))}</p>'
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in section.table.headers)
    body = "".join(
        "<tr>" + "".join(_cell(v, i) for i, v in enumerate(row)) + "</tr>"
        for row in section.table.rows
    )
    caption = (
        f"{text('dashboard.chart_table')}: {section.title}"
        if section.chart is not None
        else section.title
    )
    wide = len(section.table.columns) > 4
    klass = ' class="wide"' if wide else ""
    hint = (  # shown on a phone, where a table of four columns or more scrolls sideways
        f'<p class="scroll-hint" aria-hidden="true">{escape(text("dashboard.scroll_hint"))}</p>'
        if len(section.table.columns) >= 4
        else ""
    )
    return (
        f"{hint}"
        f'<div class="table-wrap" role="region" aria-labelledby="{sid}-cap" tabindex="0">'
        f'<table{klass}><caption id="{sid}-cap">{escape(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table></div>"
    )


def _cell(value: Any, index: int) -> str:
    if value is None:
        return '<td class="none">-</td>'
    if value == WITHHELD:
        return f'<td class="withheld">{escape(text("dashboard.withheld"))}</td>'
    if isinstance(value, bool):
        return f"<td>{escape(text('dashboard.yes' if value else 'dashboard.no'))}</td>"
    if isinstance(value, float):
        return f'<td class="num">{value:g}</td>'
    if isinstance(value, int):
        return f'<td class="num">{value}</td>'
    tag = "th scope=row" if index == 0 else "td"
    return f"<{tag}>{escape(str(value))}</{tag.split()[0]}>"
