"""The outbox and its delivery worker: sent once, retried with backoff, dead-lettered with the
error visible in `culturebot status`, unreachable people reported rather than retried."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlmodel import select
from typer.testing import CliRunner

from bot.chat import text_message
from bot.cli import app
from bot.delivery import Address, DeliveryError, deliver_due
from bot.runtime import send_later
from storage.models import Identity, Outbox
from storage.people import by_email, link_identity
from tests.support import import_org, org_csv

ORG = org_csv("a@x.io,Ann,,Ops,leader,UTC", "b@x.io,Ben,a@x.io,Ops,employee,UTC")


class FlakyChat:
    """A chat service that fails the way real ones do, then recovers."""

    name = "slack"

    def __init__(self, failures: list[Exception]) -> None:
        self.failures = failures
        self.delivered: list[tuple[str, str]] = []

    async def send(self, address: Address, message) -> str:  # type: ignore[no-untyped-def]
        if self.failures:
            raise self.failures.pop(0)
        self.delivered.append((address.external_id, message.summary))
        return f"D1:{len(self.delivered)}"


def queue(runtime, email: str, text: str, key: str) -> bool:
    with runtime.db.session() as session:
        person = by_email(session, email)
        link_identity(session, person, "slack", f"U-{email}")
        return send_later(session, runtime, person.id, text_message(text), key=key, kind="test")


def rows(runtime) -> list[Outbox]:
    with runtime.db.session() as session:
        return list(session.exec(select(Outbox)))


def test_same_key_is_queued_once_and_sent_once(runtime) -> None:
    runtime.channels = ("slack",)
    import_org(runtime, ORG)
    assert queue(runtime, "b@x.io", "hello", "k1") is True
    assert queue(runtime, "b@x.io", "hello again", "k1") is False
    chat = FlakyChat([])
    stats = asyncio.run(deliver_due(runtime, chat))
    assert stats.sent == 1 and chat.delivered == [("U-b@x.io", "hello")]
    assert asyncio.run(deliver_due(runtime, chat)).sent == 0
    [row] = rows(runtime)
    assert (row.status, row.platform_ref) == ("sent", "D1:1")


def test_rate_limit_is_retried_after_its_delay(runtime) -> None:
    runtime.channels = ("slack",)
    import_org(runtime, ORG)
    queue(runtime, "b@x.io", "hello", "k1")
    chat = FlakyChat([DeliveryError("ratelimited", retry_after=30)])
    assert asyncio.run(deliver_due(runtime, chat)).retried == 1
    runtime.clock.advance(timedelta(seconds=29))
    assert asyncio.run(deliver_due(runtime, chat)).sent == 0
    runtime.clock.advance(timedelta(seconds=2))
    assert asyncio.run(deliver_due(runtime, chat)).sent == 1
    assert chat.delivered == [("U-b@x.io", "hello")]


def test_dead_letter_after_bounded_tries_shows_in_status(runtime, monkeypatch) -> None:
    runtime.channels = ("slack",)
    import_org(runtime, ORG)
    queue(runtime, "b@x.io", "hello", "k1")
    chat = FlakyChat([ConnectionError("connection reset")] * 10)
    for _ in range(runtime.settings.max_delivery_attempts):
        asyncio.run(deliver_due(runtime, chat))
        runtime.clock.advance(timedelta(hours=1))
    [row] = rows(runtime)
    assert row.status == "dead" and row.attempts == runtime.settings.max_delivery_attempts
    monkeypatch.setenv("CULTUREBOT_DATABASE_URL", runtime.db.url)
    result = CliRunner().invoke(app, ["status"])
    assert result.exit_code == 0, result.output
    assert "dead" in result.output and "connection reset" in result.output


def test_unreachable_person_is_marked_and_not_retried(runtime) -> None:
    runtime.channels = ("slack",)
    import_org(runtime, ORG)
    queue(runtime, "b@x.io", "hello", "k1")
    chat = FlakyChat([DeliveryError("user blocked the app", unreachable=True)])
    assert asyncio.run(deliver_due(runtime, chat)).unreachable == 1
    runtime.clock.advance(timedelta(days=1))
    assert asyncio.run(deliver_due(runtime, chat)).sent == 0
    with runtime.db.session() as session:
        identity = session.exec(select(Identity)).one()
    assert identity.unreachable and "blocked" in identity.unreachable_reason


def test_people_without_a_platform_identity_wait_for_the_console(runtime) -> None:
    runtime.channels = ("slack",)
    import_org(runtime, ORG)
    with runtime.db.session() as session:
        person = by_email(session, "a@x.io")
        send_later(session, runtime, person.id, text_message("hi"), key="k", kind="test")
    [row] = rows(runtime)
    assert row.platform == "console"


def test_status_names_people_no_platform_can_reach(runtime, monkeypatch) -> None:
    """With Slack configured, someone with no Slack id is not silently left to the console."""
    import_org(runtime, ORG)
    runtime.channels = ("slack",)
    queue(runtime, "b@x.io", "hello", "k1")  # Ben is linked to Slack
    with runtime.db.session() as session:
        ann = by_email(session, "a@x.io")
        send_later(session, runtime, ann.id, text_message("hi"), key="k2", kind="test")
    monkeypatch.setenv("CULTUREBOT_DATABASE_URL", runtime.db.url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    result = CliRunner().invoke(app, ["status"])
    assert result.exit_code == 0, result.output
    assert "not linked to slack, so their messages wait for `culturebot chat` (1): a@x.io" in (
        result.output
    )
    assert "b@x.io" not in result.output.split("not linked")[1]
