"""When Teams cannot be reached at all (nothing answers at the serviceUrl), a send fails with a
reason the worker retries later: not a permanent failure, not an unreachable person. The SDK
says so with a transport error outside botbuilder's public API; culturebot recognises it by
the socket error it carries."""

from __future__ import annotations

import pytest

from bot.core.chat import text_message
from bot.delivery.worker import Address, DeliveryError
from tests.platforms.teams.conftest import TeamsWorld
from tests.procs import free_port, teams_reference


async def test_a_connector_nobody_answers_is_a_retryable_failure(world: TeamsWorld) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}/"  # nothing listens there
    address = Address(
        person_id=1, external_id="aad-x", conversation_ref=teams_reference(nowhere, "x")
    )
    with pytest.raises(DeliveryError) as failed:
        await world.platform.send(address, text_message("hello"))
    assert str(failed.value).startswith("could not reach Teams")
    assert not failed.value.unreachable and not failed.value.permanent
