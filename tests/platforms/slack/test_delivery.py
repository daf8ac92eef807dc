"""Delivery to Slack against the fake API: DMs with a "channel:ts" reference, Retry-After
honoured, 5xx and timeouts retried then handed back to the outbox, dead letters after the bounded
number of attempts, unreachable people marked. Waits go through an injected sleep, so no test
waits for real time to pass (except the client timeout against the slow fake, 0.2 s)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.core.chat import text_message
from bot.delivery.ratelimit import PerKey, RateLimiter
from bot.delivery.worker import Address, DeliveryError, deliver_due
from bot.platforms.slack.delivery import METADATA_TYPE, SlackPlatform
from handlers.common.outbox import send_later
from storage.models import Identity, Outbox, Person
from tests.support import import_org

ORG = (
    "email,name,manager_email,department,role,timezone,slack_user_id\n"
    "boss@x.io,Boss,,Ops,leader,UTC,UBOSS\n"
    "ann@x.io,Ann,boss@x.io,Ops,employee,UTC,UANN\n"
)


class Sleeps:
    """An injected sleep that records how long it was asked to wait and moves a fake monotonic
    clock (``now``) by as much, returning at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []
        self.clock = 1000.0

    def now(self) -> float:
        return self.clock

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.clock += seconds
        await asyncio.sleep(0)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
async def platform(slack_settings, sleeps):  # type: ignore[no-untyped-def]
    platform = SlackPlatform(slack_settings, sleep=sleeps, monotonic=sleeps.now)
    yield platform
    await platform.close()


def queue_for_ann(runtime, key: str = "k1") -> None:  # type: ignore[no-untyped-def]
    import_org(runtime, ORG)
    with runtime.db.session() as session:
        ann = session.exec(select(Identity).where(Identity.external_id == "UANN")).one()
        person = session.get(Person, ann.person_id)
        send_later(session, runtime, person, lambda: text_message("Hi <Ann>"), key=key, kind="t")


def outbox_row(runtime) -> Outbox:  # type: ignore[no-untyped-def]
    with runtime.db.session() as session:
        return session.exec(select(Outbox)).one()


async def test_send_is_a_dm_and_returns_channel_and_ts(platform, fake_slack) -> None:
    ref = await platform.send(Address(person_id=1, external_id="UANN"), text_message("Hello & hi"))
    [call] = fake_slack.called("chat.postMessage")
    assert call.params["channel"] == "UANN" and call.token == "xoxb-test"
    assert call.params["text"] == "Hello &amp; hi"
    channel, ts = ref.split(":")
    assert (channel, ts) == ("DUANN", fake_slack.dm("UANN")[0].ts)


async def test_429_retry_after_is_honoured_then_sent(platform, fake_slack, sleeps) -> None:
    fake_slack.fail("chat.postMessage", status=429, retry_after=7)
    ref = await platform.send(Address(person_id=1, external_id="UANN"), text_message("hi"))
    assert ref.startswith("DUANN:")
    assert len(fake_slack.called("chat.postMessage")) == 2
    assert max(sleeps.waits) == pytest.approx(7, abs=0.5)


async def test_server_errors_retry_in_process_then_go_back_to_the_outbox_and_die_bounded(
    slack_runtime, platform, fake_slack, clock
) -> None:
    queue_for_ann(slack_runtime)
    fake_slack.fail("chat.postMessage", status=500, times=100)
    stats = await deliver_due(slack_runtime, platform)
    assert stats.retried == 1 and len(fake_slack.called("chat.postMessage")) == platform.tries
    row = outbox_row(slack_runtime)
    assert row.status == "pending" and "Slack 500" in row.last_error
    for _ in range(slack_runtime.settings.max_delivery_attempts):
        clock.advance(timedelta(hours=1))
        await deliver_due(slack_runtime, platform)
    row = outbox_row(slack_runtime)
    assert row.status == "dead" and row.attempts == slack_runtime.settings.max_delivery_attempts
    assert "Slack 500" in row.last_error


async def test_slow_slack_times_out_and_is_retried_later_in_doubt(
    slack_runtime, slack_settings, fake_slack, sleeps
) -> None:
    """The request went and no answer came: the post may have landed, so the row is retried
    in doubt (the next worker looks for it in the DM first), not as a plain resend."""
    queue_for_ann(slack_runtime)
    quick = slack_settings.model_copy(update={"slack_timeout": 0.2})
    platform = SlackPlatform(quick, tries=1, sleep=sleeps, monotonic=sleeps.now)
    fake_slack.fail("chat.postMessage", delay=3)
    try:
        stats = await deliver_due(slack_runtime, platform)
    finally:
        await platform.close()
    assert stats.retried == 1
    row = outbox_row(slack_runtime)
    assert row.status == "sending" and row.claimed_by is None  # in doubt, due again later
    assert "may have been posted" in row.last_error


@pytest.mark.parametrize("error", ["user_not_found", "account_inactive", "cannot_dm_bot"])
async def test_unreachable_people_are_marked_not_retried(
    slack_runtime, platform, fake_slack, error
) -> None:
    queue_for_ann(slack_runtime)
    fake_slack.fail("chat.postMessage", error=error)
    stats = await deliver_due(slack_runtime, platform)
    assert stats.unreachable == 1 and len(fake_slack.called("chat.postMessage")) == 1
    with slack_runtime.db.session() as session:
        ann = session.exec(select(Identity).where(Identity.external_id == "UANN")).one()
    assert ann.unreachable and error in (ann.unreachable_reason or "")


async def test_other_api_errors_are_permanent(platform, fake_slack) -> None:
    fake_slack.fail("chat.postMessage", error="invalid_blocks")
    with pytest.raises(DeliveryError) as caught:
        await platform.send(Address(person_id=1, external_id="UANN"), text_message("hi"))
    assert caught.value.permanent and "invalid_blocks" in str(caught.value)
    assert len(fake_slack.called("chat.postMessage")) == 1


async def test_the_limiter_spaces_sends_globally_and_per_channel() -> None:
    now = [100.0]

    async def sleep(seconds: float) -> None:  # time passes only when the limiter waits
        now[0] += seconds

    limiter = RateLimiter(10, monotonic=lambda: now[0], sleep=sleep)
    channels = PerKey(1.0, monotonic=lambda: now[0], sleep=sleep)
    sent_at = []

    async def send(channel: str) -> None:
        async with channels(channel).slot(), limiter.slot():
            sent_at.append(now[0])

    for channel in ("U1", "U2", "U3"):
        await send(channel)
    assert sent_at == pytest.approx([100.0, 100.1, 100.2])  # one start per 1/10 s
    await send("U1")  # the same DM again: not before a second after its last message
    assert now[0] == pytest.approx(101.0)
    limiter.pause(5)  # a Retry-After: nobody goes before it is over
    await send("U9")
    assert now[0] == pytest.approx(106.0)


async def test_every_dm_carries_its_outbox_key_in_metadata(slack_runtime, platform, fake_slack):
    queue_for_ann(slack_runtime, key="pulse:1:2")
    assert (await deliver_due(slack_runtime, platform)).sent == 1
    [posted] = fake_slack.dm("UANN")
    assert posted.metadata == {"event_type": METADATA_TYPE, "event_payload": {"key": "pulse:1:2"}}


async def test_a_row_in_doubt_is_looked_for_in_the_dm_before_it_is_sent_again(
    slack_runtime, platform, fake_slack
) -> None:
    """A worker that died after Slack took the message but before recording it: the next
    worker finds the key in the DM's history and records the message as sent, once."""
    from bot.delivery.worker import claim

    queue_for_ann(slack_runtime, key="k-doubt")
    queue_for_ann_second = "k-never-sent"
    with slack_runtime.db.session() as session:
        ann = session.exec(select(Identity).where(Identity.external_id == "UANN")).one()
        send_later(
            session,
            slack_runtime,
            session.get(Person, ann.person_id),
            lambda: text_message("second"),
            key=queue_for_ann_second,
            kind="t",
        )
    # the dead worker: claimed both, posted the first one, recorded nothing
    [first, second] = claim(slack_runtime, "slack", "dead-worker", 10, claim_seconds=30)
    await platform.send(Address(person_id=1, external_id="UANN", key="k-doubt"), text_message("x"))
    assert len(fake_slack.dm("UANN")) == 1
    stats = await deliver_due(slack_runtime, platform)
    assert stats.sent == 0  # the claims have not run out yet
    from bot.core.clock import FakeClock

    assert isinstance(slack_runtime.clock, FakeClock)
    slack_runtime.clock.advance(timedelta(seconds=31))
    stats = await deliver_due(slack_runtime, platform)
    assert stats.sent == 2
    assert len(fake_slack.dm("UANN")) == 2  # the first found in history, the second sent
    assert len(fake_slack.called("conversations.history")) == 2
    with slack_runtime.db.session() as session:
        rows = {r.idempotency_key: r for r in session.exec(select(Outbox))}
    assert rows["k-doubt"].platform_ref == f"DUANN:{fake_slack.dm('UANN')[0].ts}"
    assert {r.status for r in rows.values()} == {"sent"}


async def test_a_stop_cut_short_leaves_only_the_send_in_flight_in_doubt(
    slack_runtime, platform, fake_slack
) -> None:
    """The shutdown time runs out while Slack hangs on one send: that row stays in doubt (it
    may have gone; the next worker looks for its key in the DM), while the rows claimed behind
    it, never started, are plain pending again, so nobody has to look for them."""
    from bot.delivery.worker import DeliveryWorker

    for key in ("k0", "k1", "k2"):
        queue_for_ann(slack_runtime, key=key)
    fake_slack.fail("chat.postMessage", delay=3)  # Slack hangs on the first send
    worker = DeliveryWorker(slack_runtime, platform, concurrency=1)
    worker.start()
    await fake_slack.wait_for(lambda: fake_slack.called("chat.postMessage"))
    await worker.stop(0.2)
    with slack_runtime.db.session() as session:
        rows = {r.idempotency_key: r for r in session.exec(select(Outbox))}
    assert {key: row.status for key, row in rows.items()} == {
        "k0": "sending",
        "k1": "pending",
        "k2": "pending",
    }
    assert all(row.claimed_by is None for row in rows.values())


async def test_posts_whose_answers_never_came_are_checked_and_each_person_gets_one(
    slack_runtime, slack_settings, sleeps, fake_slack
) -> None:
    """Slack takes four posts and their answers never come (the client times out): each of
    those rows is in doubt, looked for in the DM before any resend, and the round ends with
    every person's message in their DM exactly once."""
    people = [f"U{i:03d}" for i in range(10)]
    import_org(
        slack_runtime,
        "email,name,manager_email,department,role,timezone,slack_user_id\n"
        + "".join(
            f"p{u}@x.io,P {u},{'' if u == people[0] else 'p' + people[0] + '@x.io'},Ops,"
            f"employee,UTC,{u}\n"
            for u in people
        ),
    )
    with slack_runtime.db.session() as session:
        for identity in session.exec(select(Identity)).all():
            send_later(
                session,
                slack_runtime,
                session.get(Person, identity.person_id),
                lambda: text_message("How was your week?"),
                key=f"pulse:{identity.external_id}",
                kind="t",
            )
    fake_slack.fail("chat.postMessage", answer_lost=True, times=4)
    impatient = slack_settings.model_copy(update={"slack_timeout": 0.3})
    platform = SlackPlatform(impatient, sleep=sleeps, monotonic=sleeps.now)
    try:
        for _ in range(20):
            await deliver_due(slack_runtime, platform, limit=50, concurrency=4)
            with slack_runtime.db.session() as session:
                left = [r for r in session.exec(select(Outbox)) if r.status != "sent"]
            if not left:
                break
            slack_runtime.clock.advance(timedelta(minutes=20))
    finally:
        await platform.close()
    assert fake_slack.answers_lost == 4
    assert not left, [(r.idempotency_key, r.status, r.last_error) for r in left]
    assert {u: len(fake_slack.dm(u)) for u in people} == {u: 1 for u in people}
    assert len(fake_slack.called("conversations.history")) == 4  # the four in doubt, checked
    assert not fake_slack.refused


@pytest.mark.parametrize("error", ["fatal_error", "internal_error"])
async def test_an_error_slack_says_may_have_half_happened_leaves_the_post_in_doubt(
    slack_runtime, platform, fake_slack, error
) -> None:
    """Slack documents these two as "it's possible some aspect of the operation succeeded":
    the row is retried in doubt, so the DM is checked before the message is sent again."""
    queue_for_ann(slack_runtime)
    fake_slack.fail("chat.postMessage", error=error)
    assert (await deliver_due(slack_runtime, platform)).retried == 1
    row = outbox_row(slack_runtime)
    assert row.status == "sending" and row.claimed_by is None
    slack_runtime.clock.advance(timedelta(minutes=5))
    assert (await deliver_due(slack_runtime, platform)).sent == 1
    assert len(fake_slack.called("conversations.history")) == 1
    assert len(fake_slack.dm("UANN")) == 1
