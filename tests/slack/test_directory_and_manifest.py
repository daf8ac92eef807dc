"""`culturebot slack sync` against the fake users.list, and `culturebot slack manifest`."""

from __future__ import annotations

import yaml
from sqlmodel import select
from typer.testing import CliRunner

from bot.cli import app
from bot.platforms.slack_delivery import make_client
from bot.platforms.slack_directory import sync
from storage import people
from storage.models import Identity
from tests.slack.test_delivery import Sleeps
from tests.support import import_org

ORG = (
    "email,name,manager_email,department,role,timezone\n"
    "boss@x.io,Boss,,Ops,leader,Europe/Berlin\n"
    "ann@x.io,Ann,boss@x.io,Ops,employee,\n"
    "bob@x.io,Bob,boss@x.io,Ops,employee,\n"
    "cy@x.io,Cy,boss@x.io,Ops,employee,\n"
)


def member(uid: str, email: str | None, tz: str = "America/New_York", **extra) -> dict:  # type: ignore[no-untyped-def]
    profile = {"real_name": uid.title()} | ({"email": email} if email else {})
    return {"id": uid, "name": uid.lower(), "tz": tz, "profile": profile, **extra}


async def test_sync_links_by_email_fills_missing_time_zones_and_reports_unmatched(
    slack_runtime, fake_slack
) -> None:
    import_org(slack_runtime, ORG)
    fake_slack.users = [
        member("UBOSS", "Boss@x.io", tz="Asia/Tokyo"),  # the file's time zone wins
        member("UANN", "ann@x.io", tz="America/Chicago"),
        member("UBOB", "bob@x.io", tz="Not/AZone"),  # Slack's odd value is ignored
        member("UBOT2", None, is_bot=True),
        member("UGONE", "cy@x.io", deleted=True),
        member("USTRANGER", "stranger@elsewhere.io"),
        member("UNOMAIL", None),
    ]
    fake_slack.fail("users.list", status=429, retry_after=3)
    sleeps = Sleeps()
    result = await sync(slack_runtime, make_client(slack_runtime.settings), sleeps)

    assert sleeps.waits == [3.0]
    assert len(fake_slack.called("users.list")) == 1 + 4  # the 429, then 4 pages of 2
    assert (result.slack_users, result.linked, result.timezones) == (5, 3, 1)
    assert result.unmatched == ["Ustranger <stranger@elsewhere.io>", "Unomail (no email)"]
    assert result.without_slack == ["cy@x.io"]
    with slack_runtime.db.session() as session:
        zones = {
            p.email: p.timezone
            for p in [people.by_email(session, e) for e in ("boss@x.io", "ann@x.io", "bob@x.io")]
            if p
        }
        linked = set(session.exec(select(Identity.external_id)).all())
    assert zones == {"boss@x.io": "Europe/Berlin", "ann@x.io": "America/Chicago", "bob@x.io": "UTC"}
    assert linked == {"UBOSS", "UANN", "UBOB"}

    # re-importing the org file (still without Ann's zone) keeps what Slack filled in;
    # a zone written into the file later wins over Slack's
    import_org(slack_runtime, ORG)
    import_org(
        slack_runtime,
        ORG.replace(
            "ann@x.io,Ann,boss@x.io,Ops,employee,\n",
            "ann@x.io,Ann,boss@x.io,Ops,employee,Europe/Paris\n",
        ),
    )
    with slack_runtime.db.session() as session:
        ann = people.by_email(session, "ann@x.io")
        assert ann is not None and (ann.timezone, ann.timezone_source) == ("Europe/Paris", "org")
    result = await sync(slack_runtime, make_client(slack_runtime.settings), sleeps)
    assert result.timezones == 0


def test_manifest_lists_what_the_bot_uses_for_both_modes() -> None:
    runner = CliRunner()
    socket = runner.invoke(app, ["slack", "manifest"])
    assert socket.exit_code == 0, socket.output
    data = yaml.safe_load(socket.output)
    assert data["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in data["settings"]["interactivity"]
    assert [c["command"] for c in data["features"]["slash_commands"]] == [
        "/pulse",
        "/story",
        "/cascade",
    ]
    assert set(data["settings"]["event_subscriptions"]["bot_events"]) == {
        "app_home_opened",
        "app_mention",
        "message.im",
    }
    assert "chat:write" in data["oauth_config"]["scopes"]["bot"]
    assert data["features"]["app_home"]["home_tab_enabled"] is True

    http = runner.invoke(app, ["slack", "manifest", "--mode", "http", "--url", "https://cb.io/"])
    data = yaml.safe_load(http.output)
    assert data["settings"]["socket_mode_enabled"] is False
    assert data["settings"]["interactivity"]["request_url"] == "https://cb.io/slack/events"
    assert {c["request_url"] for c in data["features"]["slash_commands"]} == {
        "https://cb.io/slack/events"
    }
    missing = runner.invoke(app, ["slack", "manifest", "--mode", "http"])
    assert missing.exit_code == 2 and "https://" in missing.output
