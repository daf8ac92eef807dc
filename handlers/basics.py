"""What everyone can ask: help (by role) and the report for their scope."""

from __future__ import annotations

import prompts
from bot.chat import Incoming, Response, text_message
from bot.router import Router
from bot.runtime import Context
from handlers import reports
from storage import people


def roles_of(ctx: Context) -> list[str]:
    """The roles a person acts in (see storage.people.roles)."""
    return people.roles(ctx.session, ctx.person)


def show_help(ctx: Context, incoming: Incoming) -> Response:
    roles = roles_of(ctx)
    lines = [prompts.text("help.intro", name=ctx.person.name)]
    lines.extend(prompts.text(f"help.{role}") for role in roles)
    lines.append(prompts.text("leave.help"))
    if "manager" not in roles:
        lines.insert(2, prompts.text("help.report_org"))
    return Response(replies=[text_message("\n".join(lines))])


def show_report(ctx: Context, incoming: Incoming) -> Response:
    """Managers and leaders see their subtree by team; everyone else the organisation-wide view."""
    is_manager = "manager" in roles_of(ctx)
    report = reports.build(
        ctx.session,
        min_group_size=ctx.settings.min_group_size,
        scope=ctx.person if is_manager else None,
        teams=is_manager,
    )
    return Response(replies=[text_message(reports.as_text(report))])


def register(router: Router) -> None:
    router.command("help")(show_help)
    router.command("report")(show_report)
