"""What everyone can ask: help (by role) and the report for their scope."""

from __future__ import annotations

import prompts
from bot.core import language
from bot.core.chat import Incoming, Response, UserError, text_message
from bot.core.parsing import parse_int
from bot.core.router import Router
from bot.core.runtime import Context
from handlers.common.formatting import week_words
from handlers.pulse import conversations
from handlers.reports import disclosure, periods
from handlers.reports import pulse_reports as reports
from handlers.reports.pulse_reports import CHAT_LINES
from storage import audit, people


def roles_of(ctx: Context) -> list[str]:
    """The roles a person acts in (see storage.people.roles)."""
    return people.roles(ctx.session, ctx.person)


def show_help(ctx: Context, incoming: Incoming) -> Response:
    roles = roles_of(ctx)
    lines = [prompts.text("help.intro", name=ctx.person.name), prompts.text("home.help")]
    if people.has_reports(ctx.session, ctx.person):
        lines.append(prompts.text("home.help_manager"))
    first_role = len(lines)
    lines.extend(prompts.text(f"help.{role}") for role in roles)
    lines.append(prompts.text("leave.help"))
    lines.append(prompts.text("language.help"))
    if "manager" not in roles:
        lines.insert(first_role + 1, prompts.text("help.report_org"))
    return Response(replies=[text_message("\n".join(lines))])


def show_report(ctx: Context, incoming: Incoming) -> Response:
    """A short summary of what this person may see: the organisation, departments and their
    own team; managers and leaders also their subtree and the groups one level below.
    ``report 8`` (or ``report weeks 8``) keeps to the last 8 weeks; ``since`` and ``until``
    take dates (handlers/reports/periods.py)."""
    chosen, rest = periods.typed(incoming.text, ctx.now.date(), "report", bare_weeks=True)
    details = [w.lower() for w in rest] == ["details"]
    if rest and not details:
        raise UserError(prompts.text("period.chat_usage", command="report"), field="weeks")
    report = reports.build(
        ctx.session,
        min_group_size=ctx.settings.min_group_size,
        viewer=ctx.person,
        roles=roles_of(ctx),
        since=chosen.since,
        until=chosen.until,
    )
    audit.viewed(ctx.session, "report (chat)", actor=ctx.person.email, at=ctx.now)
    return Response(
        replies=[text_message(reports.as_text(report, email=ctx.person.email, details=details))]
    )


def show_comments(ctx: Context, incoming: Incoming) -> Response:
    """The comments of the groups this person may see, where enough people commented
    (``comments weeks 4``, ``since``, ``until``: a period, as for the report; ``comments
    page 2``: the next lines, where one reply could not hold them all)."""
    page, typed = comments_page(incoming.text)
    chosen, rest = periods.typed(typed, ctx.now.date(), "comments")
    if rest:
        raise UserError(prompts.text("period.chat_usage", command="comments"), field="weeks")
    groups = disclosure.comments(
        ctx.session,
        ctx.person,
        roles=roles_of(ctx),
        since=chosen.since,
        until=chosen.until,
        limit=CHAT_LINES * page,  # chat shows about this many lines a page: no need to read on
    )
    audit.viewed(ctx.session, "comments (chat)", actor=ctx.person.email, at=ctx.now)
    return Response(
        replies=[
            text_message(
                comments_text(
                    groups,
                    min_size=ctx.settings.min_comment_group_size,
                    email=ctx.person.email,
                    period=chosen,
                    page=page,
                    typed=typed,
                    refs=conversations.may_reply(ctx.session, ctx.person),
                )
            )
        ]
    )


MAX_PAGE = 100


def comments_page(typed: str) -> tuple[int, str]:
    """``page N`` anywhere in what was typed after ``comments``: (N, the rest); page 1 without."""
    words = typed.split()
    for i, word in enumerate(words):
        if word.lower() == "page":
            number = parse_int(words[i + 1], 1, MAX_PAGE) if i + 1 < len(words) else None
            if number is None:
                raise UserError(prompts.text("disclosure.bad_page", max=MAX_PAGE), field="page")
            return number, " ".join(words[:i] + words[i + 2 :])
    return 1, typed.strip()


def comments_text(
    groups: list[disclosure.CommentGroup],
    *,
    min_size: int,
    email: str,
    limit: int = CHAT_LINES,
    period: periods.Period | None = None,
    page: int = 1,
    typed: str = "",
    refs: bool = False,
) -> str:
    """Comments per group, newest week first, ``limit`` lines a page: page ``page``, each
    page starting with its group's heading, and the way to the next page when there is one."""
    if not groups:
        if period:
            return prompts.text("disclosure.no_comments_in", min=min_size, period=period.words())
        return prompts.text("disclosure.no_comments", min=min_size)
    themes = prompts.theme_names()  # eNPS comments under "eNPS"
    entries: list[tuple[str, str | None]] = []  # (heading, comment) ; None: the heading itself
    for group in groups:
        heading = prompts.text(
            "disclosure.comments_heading",
            label=group.label,
            theme=themes.get(group.measure, group.measure),
            period=week_words(group.period),
            count=len(group.comments),
        )
        entries.append((heading, None))
        marks = group.refs if refs else [""] * len(group.comments)
        codes = group.languages or [""] * len(group.comments)
        for c, ref, code in zip(group.comments, marks, codes, strict=True):
            said = language.tagged(" ".join(c.split()), code)
            entries.append((heading, f"- {f'[{ref}] ' if ref else ''}{said}"))
    per_page = max(limit - 2, 1)  # a heading repeated on top, the way on at the bottom
    start = (page - 1) * per_page
    if start >= len(entries):
        return prompts.text("disclosure.no_more_comments", page=page)
    shown = entries[start : start + per_page]
    lines: list[str] = []
    if shown[0][1] is not None:
        lines.append(shown[0][0])
    lines.extend(heading if comment is None else comment for heading, comment in shown)
    if refs and any(ref for group in groups for ref in group.refs):
        lines.append(prompts.text("conversations.listing_hint"))
    if start + per_page < len(entries):
        command = " ".join(["comments", typed, f"page {page + 1}"]).replace("  ", " ")
        lines.append(prompts.text("disclosure.more_comments", command=command))
    return "\n".join(lines)


def register(router: Router) -> None:
    router.command("help")(show_help)
    router.command("report")(show_report)
    router.command("comments")(show_comments)
