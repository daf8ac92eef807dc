"""What everyone can ask: help (by role) and the report for their scope."""

from __future__ import annotations

import prompts
from bot.chat import Incoming, Response, text_message
from bot.router import Router
from bot.runtime import Context
from handlers import reports
from storage import people


def roles_of(ctx: Context) -> list[str]:
    """The roles a person acts in: a manager is anyone with reports, whatever the org file says."""
    roles = ["employee"]
    if people.has_reports(ctx.session, ctx.person):
        roles.append("manager")
    if ctx.person.role == "leader":
        roles.append("leader")
    if ctx.person.role == "admin":
        roles.append("admin")
    return roles


def show_help(ctx: Context, incoming: Incoming) -> Response:
    roles = roles_of(ctx)
    lines = [prompts.text("help.intro", name=ctx.person.name)]
    lines.extend(prompts.text(f"help.{role}") for role in roles)
    if "manager" not in roles:
        lines.insert(2, prompts.text("help.report_org"))
    return Response(replies=[text_message("\n".join(lines))])


def show_report(ctx: Context, incoming: Incoming) -> Response:
    """A short summary of what this person may see: the organisation, departments and their
    own team; managers and leaders also their subtree and the groups one level below."""
    report = reports.build(
        ctx.session,
        min_group_size=ctx.settings.min_group_size,
        viewer=ctx.person,
        roles=roles_of(ctx),
    )
    return Response(replies=[text_message(reports.as_text(report, email=ctx.person.email))])


def register(router: Router) -> None:
    router.command("help")(show_help)
    router.command("report")(show_report)
