"""The outbox and its delivery worker: sent once, retried with backoff, dead-lettered with the
error visible in `culturebot status`, unreachable people reported rather than retried."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from functools import partial

from sqlmodel import select
from typer.testing import CliRunner

from bot.cli.main import app
from bot.core.chat import text_message
from bot.delivery.worker import Address, DeliveryError, deliver_due
from handlers.common.outbox import Outgoing, send_later, send_many
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
        return send_later(
            session, runtime, person, lambda: text_message(text), key=key, kind="test"
        )


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


def test_many_queued_at_once_are_each_queued_once_and_sent_once(runtime) -> None:
    # a round's messages are queued together (on PostgreSQL through COPY): keys queued
    # before, or twice in one call, are left out and each message is sent once, as it was
    runtime.channels = ("slack",)
    import_org(runtime, ORG)
    assert queue(runtime, "b@x.io", "first", "k0") is True
    with runtime.db.session() as session:
        ann, ben = by_email(session, "a@x.io"), by_email(session, "b@x.io")
        link_identity(session, ann, "slack", "U-a@x.io")
        items = [
            Outgoing(ben, partial(text_message, "again"), key="k0", kind="test"),
            Outgoing(ann, partial(text_message, "to Ann"), key="k1", kind="test"),
            Outgoing(ben, partial(text_message, "to Ben"), key="k2", kind="test"),
            Outgoing(ann, partial(text_message, "to Ann twice"), key="k1", kind="test"),
        ]
        assert send_many(session, runtime, items) == {"k1", "k2"}
    with runtime.db.session() as session:
        assert send_many(session, runtime, items) == set()
    queued = {r.idempotency_key: r for r in rows(runtime)}
    assert set(queued) == {"k0", "k1", "k2"}
    assert queued["k1"].next_attempt_at == runtime.clock.now()  # due now, in UTC
    chat = FlakyChat([])
    assert asyncio.run(deliver_due(runtime, chat)).sent == 3
    assert sorted(chat.delivered) == [
        ("U-a@x.io", "to Ann"),
        ("U-b@x.io", "first"),
        ("U-b@x.io", "to Ben"),
    ]


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
        send_later(session, runtime, person, lambda: text_message("hi"), key="k", kind="test")
    [row] = rows(runtime)
    assert row.platform == "console"


def test_status_names_people_no_platform_can_reach(runtime, monkeypatch) -> None:
    """With Slack configured, someone with no Slack id is not silently left to the console."""
    import_org(runtime, ORG)
    runtime.channels = ("slack",)
    queue(runtime, "b@x.io", "hello", "k1")  # Ben is linked to Slack
    with runtime.db.session() as session:
        ann = by_email(session, "a@x.io")
        send_later(session, runtime, ann, lambda: text_message("hi"), key="k2", kind="test")
    monkeypatch.setenv("CULTUREBOT_DATABASE_URL", runtime.db.url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    result = CliRunner().invoke(app, ["status"])
    assert result.exit_code == 0, result.output
    assert "not linked to slack, so their messages wait for `culturebot chat` (1): a@x.io" in (
        result.output
    )
    assert "b@x.io" not in result.output.split("not linked")[1]


def test_dead_letters_are_listed_and_queued_again_from_the_cli(runtime, monkeypatch) -> None:
    """`culturebot outbox list --dead` shows what was given up on and why; `outbox retry`
    queues one (or --all-dead) again, and a person marked unreachable is tried again."""
    runtime.channels = ("slack",)
    import_org(runtime, ORG)
    queue(runtime, "b@x.io", "hello", "k1")
    queue(runtime, "b@x.io", "again", "k2")
    chat = FlakyChat(
        [DeliveryError("invalid_blocks", permanent=True), DeliveryError("gone", unreachable=True)]
    )
    asyncio.run(deliver_due(runtime, chat))
    assert {r.status for r in rows(runtime)} == {"dead", "unreachable"}
    monkeypatch.setenv("CULTUREBOT_DATABASE_URL", runtime.db.url)
    cli = CliRunner()
    listed = cli.invoke(app, ["outbox", "list", "--dead", "--format", "json"])
    assert listed.exit_code == 0, listed.output
    dead = {m["status"]: m for m in json.loads(listed.output)}
    assert set(dead) == {"dead", "unreachable"} and "invalid_blocks" in dead["dead"]["last_error"]
    assert cli.invoke(app, ["outbox", "retry"]).exit_code == 2  # an id or --all-dead
    one = cli.invoke(app, ["outbox", "retry", str(dead["dead"]["id"])])
    assert one.exit_code == 0 and "queued again: 1" in one.output
    again = cli.invoke(app, ["outbox", "retry", str(dead["dead"]["id"])])
    assert again.exit_code == 2 and "not a dead letter" in again.output
    assert "queued again: 1" in cli.invoke(app, ["outbox", "retry", "--all-dead"]).output
    assert asyncio.run(deliver_due(runtime, chat)).sent == 2
    assert sorted(chat.delivered) == [("U-b@x.io", "again"), ("U-b@x.io", "hello")]
    assert "no dead letters" in cli.invoke(app, ["outbox", "list", "--dead"]).output


def test_claims_read_only_rows_still_to_send(runtime) -> None:
    """A year of sent history costs a claim nothing: it reads the partial index of due rows."""
    from sqlalchemy import text

    from bot.delivery.worker import due_rows

    if runtime.db.engine.dialect.name != "sqlite":
        return  # PostgreSQL's plan depends on its statistics; the index exists on both
    query = due_rows("slack", runtime.clock.now(), 8).compile(
        runtime.db.engine, compile_kwargs={"literal_binds": True}
    )
    with runtime.db.engine.connect() as conn:
        plan = " ".join(str(r[-1]) for r in conn.execute(text(f"EXPLAIN QUERY PLAN {query}")))
    assert "ix_outbox_due" in plan, plan


def test_a_spaced_claim_takes_one_row_a_person_and_none_of_who_was_just_sent_to(runtime) -> None:
    """How instances keep per-person spacing between them (a DM channel's one message a
    second): a claim takes at most one of a person's rows, none while another worker sends
    to them, none within the spacing after the last one sent to them."""
    from bot.delivery.worker import claim, record

    runtime.channels = ("slack",)
    import_org(runtime, ORG)
    for n in range(3):
        queue(runtime, "b@x.io", f"note {n}", f"b{n}")
    queue(runtime, "a@x.io", "hello", "a0")

    first = claim(runtime, "slack", "one", 10, spacing=1.0)
    assert sorted(item.key for item in first) == ["a0", "b0"]
    assert claim(runtime, "slack", "two", 10, spacing=1.0) == []  # being sent to
    record(runtime, "one", [(item.id, "D1:1", None) for item in first])
    assert claim(runtime, "slack", "two", 10, spacing=1.0) == []  # sent to just now
    runtime.clock.advance(timedelta(seconds=1.5))
    assert [item.key for item in claim(runtime, "slack", "two", 10, spacing=1.0)] == ["b1"]
    assert [item.key for item in claim(runtime, "slack", "one", 10)] == ["b2"]  # not spaced


def test_sent_messages_older_than_the_keep_days_are_pruned(runtime) -> None:
    from bot.delivery.worker import prune_sent

    runtime.channels = ("slack",)
    import_org(runtime, ORG)
    for key in ("old", "recent", "old-cascade", "old-pending"):
        queue(runtime, "b@x.io", key, key)
    now = runtime.clock.now()
    with runtime.db.session() as session:
        for row in session.exec(select(Outbox)):
            age = timedelta(days=29 if row.idempotency_key == "recent" else 31)
            if row.idempotency_key != "old-pending":
                row.status, row.sent_at = "sent", now - age
            if row.idempotency_key == "old-cascade":
                row.kind = "cascade.relay"  # cascade reports count these: kept
            session.add(row)
    assert prune_sent(runtime) == 1
    assert {r.idempotency_key for r in rows(runtime)} == {"recent", "old-cascade", "old-pending"}
