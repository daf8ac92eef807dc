"""Delivery as an operator meets it: real `culturebot run` processes against the fake Slack in
a process of its own, stopped with SIGTERM/SIGINT, killed with SIGKILL, run three at a time on
one PostgreSQL database, and cut off from their database for several seconds. What a person would notice
is checked against the fake's own log: every queued message arrives, and none arrives twice
(each DM carries its outbox key in message metadata, which the fake records).

Every wait is bounded and polls a condition; every process is killed when its test ends.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.procs import (
    ROOT,
    Bot,
    FakeSlackProcess,
    bot_env,
    bots,
    fake_slack_process,
    outbox_counts,
    outbox_keys,
    prepare_round,
    private_postgres,
    queue_notes,
    wait_until,
)


def printed_manifest_scopes() -> list[str]:
    """The bot scopes of the manifest as `culturebot slack manifest` prints it."""
    printed = subprocess.run(
        [sys.executable, "-m", "bot.cli", "slack", "manifest"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    return list(yaml.safe_load(printed)["oauth_config"]["scopes"]["bot"])


PEOPLE = 100  # a round: a question and a story invitation each, about 200 DMs
# The workspace's ceiling, DMs a second, and what the fake Slack allows: a round takes
# about 2.5 s (at Slack's one a second per DM channel, a person's two are a second apart)
RATE = 100
CEILING = 80
# Looks into a DM a minute (Slack's Tier 3 is about 50): a check of a message in doubt in a
# tenth of a second, not two and a half
HISTORY_PER_MINUTE = 1200


def posted_total(fake: FakeSlackProcess) -> int:
    return sum(fake.posted().values())


def finished(url: str, at_least: int = 1) -> bool:
    """Every row sent or given up on, and at least ``at_least`` sent (the round was opened)."""
    counts = outbox_counts(url)
    return (
        counts.get("sent", 0) >= at_least
        and not counts.get("pending")
        and not counts.get("sending")
    )


def assert_each_message_once(fake: FakeSlackProcess, url: str) -> None:
    assert not fake.stats()["refused"], "Slack would have refused a call"
    posted = fake.posted()
    keys = outbox_keys(url)
    assert set(posted) == keys, f"lost: {sorted(keys - set(posted))[:5]}"
    twice = {key: n for key, n in posted.items() if n > 1}
    assert not twice, f"sent more than once: {twice}"


def stop(bot: Bot, sig: signal.Signals = signal.SIGTERM, timeout: float = 90) -> int:
    bot.signal(sig)
    return bot.wait(timeout)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_mid_round_exits_0_releases_every_claim_and_the_next_start_finishes(
    tmp_path: Path, sig: signal.Signals
) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    prepare_round(url, PEOPLE)
    with fake_slack_process(rate=RATE) as fake, bots() as started:
        env = bot_env(url, fake.api_url, slack_max_per_second=CEILING, shutdown_seconds=10)
        first = Bot(env, tmp_path / "first.log")
        started.append(first)
        wait_until(lambda: posted_total(fake) >= 10, 120, "the round to start")
        began = time.monotonic()
        assert stop(first, sig) == 0, first.output()[-3000:]
        assert time.monotonic() - began < 10 + 30, "did not stop within the shutdown time"
        counts = outbox_counts(url)
        assert counts["claimed"] == 0 and not counts.get("sending"), counts
        assert counts.get("pending", 0) > 0, f"the round was over before the stop: {counts}"
        assert "stopped" in first.output()

        second = Bot(env, tmp_path / "second.log")
        started.append(second)
        wait_until(lambda: finished(url), 180, "the second start to finish the round", every=0.2)
        assert stop(second) == 0
        assert_each_message_once(fake, url)


def test_sigkill_mid_round_the_rest_is_taken_over_without_duplicates(tmp_path: Path) -> None:
    """Rows the killed worker held are in doubt: their claims run out (after the 2 s set here,
    30 s by default), and the next worker looks for each one's key in the DM before sending
    it. The fake Slack's token
    holds exactly the scopes of the manifest `culturebot slack manifest` prints, so the check
    (conversations.open, conversations.history) must work with what an admin installs."""
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    prepare_round(url, PEOPLE)
    with fake_slack_process(rate=RATE) as fake, bots() as started:
        assert fake.stats()["scopes"] == printed_manifest_scopes()
        env = bot_env(
            url,
            fake.api_url,
            slack_max_per_second=CEILING,
            delivery_claim_seconds=2,
            slack_history_per_minute=HISTORY_PER_MINUTE,
        )
        first = Bot(env, tmp_path / "first.log")
        started.append(first)
        wait_until(lambda: posted_total(fake) >= 30, 120, "the round to start")
        assert stop(first, signal.SIGKILL) == -signal.SIGKILL
        assert outbox_counts(url).get("pending", 0) > 0, "the round was over before the kill"

        second = Bot(env, tmp_path / "second.log")
        started.append(second)
        restarted = time.monotonic()
        wait_until(lambda: finished(url), 240, "the restart to finish the round", every=0.2)
        # 2 s of claims to run out, the history checks, and the rest at 80/s: well within
        assert time.monotonic() - restarted < 180
        assert stop(second) == 0
        calls = fake.stats()["calls"]
        assert calls.get("conversations.open", 0) >= 1, "no row was in doubt: nothing checked"
        assert calls.get("conversations.history", 0) >= 1
        assert not outbox_counts(url).get("dead"), outbox_counts(url)
        assert_each_message_once(fake, url)


def test_posts_slack_took_but_never_answered_mid_round_are_checked_not_sent_twice(
    tmp_path: Path,
) -> None:
    """Mid-round, Slack takes 8 posts and never answers them (the client gives up after 2 s):
    each is in doubt, looked for in the person's DM before any resend, and the round ends
    with every message delivered exactly once."""
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    prepare_round(url, PEOPLE)
    with fake_slack_process(rate=RATE) as fake, bots() as started:
        env = bot_env(
            url,
            fake.api_url,
            slack_max_per_second=CEILING,
            slack_timeout=2,
            slack_history_per_minute=HISTORY_PER_MINUTE,
        )
        started.append(Bot(env, tmp_path / "bot.log"))
        wait_until(lambda: posted_total(fake) >= 20, 120, "the round to start")
        fake.fail("chat.postMessage", answer_lost=True, times=8)
        wait_until(lambda: finished(url), 240, "the round to finish", every=0.2)
        stats = fake.stats()
        assert stats["answers_lost"] == 8
        assert stats["calls"].get("conversations.history", 0) >= 8  # each one checked
        assert not outbox_counts(url).get("dead"), outbox_counts(url)
        assert stop(started[0]) == 0
        assert_each_message_once(fake, url)


def test_no_ceiling_at_all_delivers_the_round(tmp_path: Path) -> None:
    """CULTUREBOT_SLACK_MAX_PER_SECOND=100000 is an admin's "no limit": with the shared
    budget (limits shared through the database) the round is delivered, once each, instead
    of every reserved send time being dropped as late, forever."""
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    prepare_round(url, PEOPLE)
    with fake_slack_process(rate=None, channel_interval=None) as fake, bots() as started:
        env = bot_env(url, fake.api_url, slack_max_per_second=100000, shared_limits="on")
        started.append(Bot(env, tmp_path / "bot.log"))
        wait_until(lambda: finished(url), 120, "the round to be delivered", every=0.2)
        assert stop(started[0]) == 0
        assert_each_message_once(fake, url)


@pytest.mark.parametrize("instances", [2, 3])
def test_instances_on_one_postgres_share_the_ceiling_and_each_channels_limit(
    tmp_path: Path, instances: int, postgres_schema: str
) -> None:
    """The fake Slack allows 100 DMs a second and (here) one every half second per DM channel;
    each instance is configured so (limits shared by default on PostgreSQL). A person's rows sit
    side by side in the queue, so instances claim them together: still no 429 of either kind,
    and every prompt goes out once."""
    from storage.db import Database
    from tests.conftest import _truncate_all

    db = Database(postgres_schema)
    _truncate_all(db)
    db.dispose()
    prepare_round(postgres_schema, PEOPLE)
    notes = queue_notes(postgres_schema, 3)
    with fake_slack_process(rate=RATE, channel_interval=0.5) as fake, bots() as started:
        env = bot_env(
            postgres_schema, fake.api_url, slack_max_per_second=RATE, slack_channel_interval=0.5
        )
        for i in range(instances):
            started.append(Bot(env, tmp_path / f"bot{i}.log"))
        wait_until(
            lambda: finished(postgres_schema, at_least=notes + 2 * PEOPLE),
            240,
            "the instances to finish",
            every=0.2,
        )
        for bot in started:
            assert stop(bot) == 0, bot.output()[-3000:]
        stats = fake.stats()
        assert (stats["rate_limited"], stats["channel_limited"]) == (0, 0)
        assert_each_message_once(fake, postgres_schema)


@pytest.mark.skipif(
    not sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")), reason="no PostgreSQL server"
)
def test_database_away_for_3_seconds_mid_round_loses_and_repeats_nothing(
    tmp_path: Path,
) -> None:
    """Sends in flight when the database goes keep their outcomes until it is back; nothing
    is lost, nothing is sent twice. The outage spans three ticks (one a second here) and
    several of delivery's retries (half a second apart at most here, 5 s by default)."""
    with private_postgres(tmp_path) as server, fake_slack_process(rate=RATE) as fake:
        prepare_round(server.url, PEOPLE)
        with bots() as started:
            env = bot_env(
                server.url,
                fake.api_url,
                slack_max_per_second=CEILING,
                tick_seconds=1,
                db_retry_max_seconds=0.5,
            )
            bot = Bot(env, tmp_path / "bot.log")
            started.append(bot)
            wait_until(lambda: posted_total(fake) >= 20, 120, "the round to start")
            server.stop()
            away = time.monotonic()
            wait_until(lambda: time.monotonic() - away >= 3, 60, "3 s of outage", every=0.2)
            server.start()
            wait_until(lambda: finished(server.url), 240, "the round to finish", every=0.2)
            assert stop(bot) == 0, bot.output()[-3000:]
            assert "database unreachable" in bot.output()
            assert_each_message_once(fake, server.url)
