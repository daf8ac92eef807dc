"""Teams delivery as an operator meets it: real `culturebot run` processes (the real botbuilder
adapter, emulator mode) sending a round through the fake Bot Connector in a process of its
own, stopped with SIGTERM and killed with SIGKILL. Teams cannot be asked whether a message
went, so a crash may repeat what the dead process sent and had not recorded; a graceful stop
repeats nothing. Checked against what the connector received.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.procs import (
    Bot,
    bots,
    fake_connector_process,
    outbox_counts,
    prepare_round,
    queue_notes,
    teams_bot_env,
    teams_outbox_messages,
    wait_until,
)

PEOPLE = 100  # a question and a story invitation each: 202 cards


def finished(url: str, at_least: int = 1) -> bool:
    counts = outbox_counts(url)
    return (
        counts.get("sent", 0) >= at_least
        and not counts.get("pending")
        and not counts.get("sending")
    )


def test_a_stop_repeats_nothing_and_a_kill_repeats_at_most_what_it_held(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    with fake_connector_process(limit_per_second=100) as fake, bots() as started:
        prepare_round(url, PEOPLE, teams_service_url=fake.url)
        # the killed process's claims run out after 2 s (30 s by default): no waiting for them
        env = teams_bot_env(
            url, teams_rate_per_second=80, shutdown_seconds=10, delivery_claim_seconds=2
        )

        first = Bot(env, tmp_path / "first.log")
        started.append(first)
        wait_until(lambda: sum(fake.posted().values()) >= 20, 120, "the round to start")
        first.signal(signal.SIGTERM)
        assert first.wait(60) == 0, first.output()[-3000:]
        counts = outbox_counts(url)
        assert counts.get("pending", 0) > 0, f"the round was over before the stop: {counts}"
        # a graceful stop wrote every outcome: nothing in doubt, so nothing will go twice
        assert not counts.get("sending") and counts["claimed"] == 0, counts
        assert counts["sent"] == len(fake.posted()) == sum(fake.posted().values())

        second = Bot(env, tmp_path / "second.log")
        started.append(second)
        wait_until(lambda: sum(fake.posted().values()) >= 80, 120, "the second start to send")
        second.signal(signal.SIGKILL)
        second.wait(30)
        held = outbox_counts(url)["claimed"]  # the dead process's rows: in doubt
        assert outbox_counts(url).get("pending", 0) > 0, "the round was over before the kill"

        third = Bot(env, tmp_path / "third.log")
        started.append(third)
        wait_until(lambda: finished(url), 240, "the third start to finish", every=0.2)
        third.signal(signal.SIGTERM)
        assert third.wait(60) == 0, third.output()[-3000:]
        posted = fake.posted()

    assert set(posted) == teams_outbox_messages(url), "a message never arrived"
    duplicates = sum(n - 1 for n in posted.values())
    # only rows the dead process held can go twice (docs/operations.md: about 13, never more than held)
    assert duplicates <= held, f"{duplicates} duplicates, {held} rows held at the kill"


@pytest.mark.parametrize("instances", [2, 3])
def test_instances_on_one_postgres_keep_each_conversations_limit(
    tmp_path: Path, instances: int, postgres_schema: str
) -> None:
    """The fake connector allows 100 requests a second per app and (here) two a second per
    conversation, and each instance is configured so. A person's rows sit side by side in the
    queue, so instances claim them together: no 429 of either kind, every card arrives once."""
    from storage.db import Database
    from tests.conftest import _truncate_all

    db = Database(postgres_schema)
    _truncate_all(db)
    db.dispose()
    people = 40
    with (
        fake_connector_process(limit_per_second=100, conversation_limit_per_second=2) as fake,
        bots() as started,
    ):
        prepare_round(postgres_schema, people, teams_service_url=fake.url)
        notes = queue_notes(postgres_schema, 3, platform="teams")
        env = teams_bot_env(
            postgres_schema, teams_rate_per_second=100, teams_conversation_rate_per_second=2
        )
        for i in range(instances):
            started.append(Bot(env, tmp_path / f"bot{i}.log"))
        wait_until(
            lambda: finished(postgres_schema, at_least=notes + 2 * people),
            240,
            "the instances to finish",
            every=0.2,
        )
        for bot in started:
            bot.signal(signal.SIGTERM)
            assert bot.wait(60) == 0, bot.output()[-3000:]
        stats = fake.stats()
        posted = fake.posted()

    assert (stats["rate_limited"], stats["conversation_limited"]) == (0, 0)
    assert set(posted) == teams_outbox_messages(postgres_schema), "a message never arrived"
    assert max(posted.values()) == 1, "a message arrived twice"
