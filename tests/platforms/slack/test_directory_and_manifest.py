"""`culturebot slack sync` against the fake users.list, and `culturebot slack manifest`."""

from __future__ import annotations

import asyncio

import pytest
import yaml
from sqlmodel import select
from typer.testing import CliRunner

from bot.cli.main import app
from bot.platforms.slack.app import slash_incoming
from bot.platforms.slack.delivery import make_client
from bot.platforms.slack.directory import sync
from bot.platforms.slack.manifest import manifest
from storage import people
from storage.models import Identity
from tests.platforms.slack.manifest_reference import problems
from tests.platforms.slack.test_delivery import Sleeps
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
    assert problems(data) == []
    assert data["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in data["settings"]["interactivity"]
    assert "request_url" not in data["settings"]["event_subscriptions"]
    assert [c["command"] for c in data["features"]["slash_commands"]] == [
        "/pulse",
        "/story",
        "/cascade",
    ]
    assert all("url" not in c for c in data["features"]["slash_commands"])
    # the chat commands for open work are in /pulse's hint, and /pulse WORD reaches them
    pulse = data["features"]["slash_commands"][0]
    for word in ("home", "pending", "relay"):
        assert word in pulse["usage_hint"].strip("[]").split("|")
        assert word in pulse["description"]
        assert slash_incoming({"command": "/pulse", "text": f"{word} 2"}).name == word
    assert slash_incoming({"command": "/pulse", "text": "relay 2"}).text == "2"
    assert set(data["settings"]["event_subscriptions"]["bot_events"]) == {
        "app_home_opened",
        "app_mention",
        "message.im",
        "team_join",
        "user_change",
    }
    assert "chat:write" in data["oauth_config"]["scopes"]["bot"]
    assert "users:read.email" in data["oauth_config"]["scopes"]["bot"]
    assert data["features"]["app_home"]["home_tab_enabled"] is True

    http = runner.invoke(app, ["slack", "manifest", "--mode", "http", "--url", "https://cb.io/"])
    data = yaml.safe_load(http.output)
    assert problems(data) == []
    assert data["settings"]["socket_mode_enabled"] is False
    endpoint = "https://cb.io/slack/events"
    assert data["settings"]["interactivity"]["request_url"] == endpoint
    assert data["settings"]["event_subscriptions"]["request_url"] == endpoint
    # a slash command's endpoint is "url" in Slack's schema, never "request_url"
    assert [c["url"] for c in data["features"]["slash_commands"]] == [endpoint] * 3
    assert all("request_url" not in c for c in data["features"]["slash_commands"])
    missing = runner.invoke(app, ["slack", "manifest", "--mode", "http"])
    assert missing.exit_code == 2 and "https://" in missing.output


def test_the_reference_check_catches_a_wrong_field() -> None:
    data = manifest(mode="http", url="https://cb.io")
    data["features"]["slash_commands"][0]["request_url"] = "https://cb.io/slack/events"
    data["features"]["bot_user"]["display_name"] = "Culture Bot"
    found = problems(data)
    assert any("slash_commands[0].request_url: not a field" in p for p in found)
    assert any("bot_user.display_name" in p for p in found)


@pytest.mark.parametrize(
    ("name", "shown", "bot_name"),
    [
        ("Culture Bot", "Culture Bot", "culture-bot"),
        ("  ACME  Pulse!! ", "ACME  Pulse!!", "acme-pulse"),
        ("culturebot", "culturebot", "culturebot"),
        ("Kultur.Bot_2", "Kultur.Bot_2", "kultur.bot_2"),
        ("Café Crème", "Café Crème", "caf-cr-me"),
    ],
)
def test_display_names_are_made_valid(name: str, shown: str, bot_name: str) -> None:
    result = CliRunner().invoke(app, ["slack", "manifest", "--name", name])
    assert result.exit_code == 0, result.output
    data = yaml.safe_load(result.output)
    assert data["display_information"]["name"] == shown
    assert data["features"]["bot_user"]["display_name"] == bot_name
    assert problems(data) == []


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("x" * 36, "1 to 35 characters"),
        ("   ", "1 to 35 characters"),
        ("!!! ???", "a-z, 0-9"),
        ("文化ボット", "a-z, 0-9"),
    ],
)
def test_display_names_slack_refuses_are_refused_with_the_rule(name: str, rule: str) -> None:
    result = CliRunner().invoke(app, ["slack", "manifest", "--name", name])
    assert result.exit_code == 2
    assert rule in " ".join(result.output.split())


async def test_team_join_links_the_new_person_at_once(slack_app, slack_runtime) -> None:
    import_org(slack_runtime, ORG)
    new_hire = member("UANN", "Ann@x.io", tz="America/Chicago")
    assert await slack_app.event({"type": "team_join", "user": new_hire}, "Ev1") == 200
    with slack_runtime.db.session() as session:
        ann = people.by_identity(session, "slack", "UANN")
        assert ann is not None and ann.email == "ann@x.io"
        assert ann.timezone == "America/Chicago"  # the file left her zone empty
    stranger = member("UX", "stranger@elsewhere.io")
    assert await slack_app.event({"type": "team_join", "user": stranger}, "Ev2") == 200
    with slack_runtime.db.session() as session:
        assert people.by_identity(session, "slack", "UX") is None


async def test_user_change_relinks_a_changed_email_and_a_deleted_user_is_unreachable(
    slack_app, slack_runtime
) -> None:
    import_org(slack_runtime, ORG)
    assert await slack_app.event({"type": "team_join", "user": member("U7", "ann@x.io")}, "E1")
    # the Slack account's email changed to Bob's: the link follows the email
    changed = member("U7", "bob@x.io")
    assert await slack_app.event({"type": "user_change", "user": changed}, "E2") == 200
    with slack_runtime.db.session() as session:
        linked = people.by_identity(session, "slack", "U7")
        assert linked is not None and linked.email == "bob@x.io"
    gone = member("U7", "bob@x.io", deleted=True)
    assert await slack_app.event({"type": "user_change", "user": gone}, "E3") == 200
    with slack_runtime.db.session() as session:
        [identity] = session.exec(select(Identity)).all()
        assert identity.unreachable and identity.unreachable_reason == "deleted in Slack"
    back = member("U7", "bob@x.io")
    assert await slack_app.event({"type": "user_change", "user": back}, "E4") == 200
    with slack_runtime.db.session() as session:
        [identity] = session.exec(select(Identity)).all()
        assert not identity.unreachable


async def test_slack_sync_shows_progress(slack_runtime, fake_slack, monkeypatch) -> None:
    """The CLI reads and links with a running count, then prints the summary."""
    monkeypatch.setenv("CULTUREBOT_DATABASE_URL", slack_runtime.db.url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("CULTUREBOT_SLACK_API_URL", fake_slack.api_url)
    import_org(slack_runtime, ORG)
    fake_slack.users = [member("UANN", "ann@x.io"), member("UBOB", "bob@x.io")]
    # the CLI runs its own event loop; the fake Slack answers from this test's loop
    result = await asyncio.to_thread(CliRunner().invoke, app, ["slack", "sync"])
    assert result.exit_code == 0, result.output
    assert "reading Slack's user list: 2 users" in result.output
    assert "linking by email: 2 users" in result.output
    assert "2 Slack users: 2 linked" in result.output
