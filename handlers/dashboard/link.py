"""The chat command ``dashboard`` (Slack: ``/pulse dashboard``): it answers the asker alone
with a personal sign-in link."""

from __future__ import annotations

from bot.core.chat import Incoming, Response, text_message
from bot.core.router import Router
from bot.core.runtime import Context
from handlers.dashboard import access
from prompts import text


def open_dashboard(ctx: Context, incoming: Incoming) -> Response:
    url = access.sign_in_link(ctx.session, ctx.settings, ctx.person, ctx.now)
    return Response(
        replies=[
            text_message(
                text("dashboard.link", url=url, minutes=ctx.settings.dashboard_link_minutes)
            )
        ]
    )


def register(router: Router) -> None:
    router.command("dashboard")(open_dashboard)
