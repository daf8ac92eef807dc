"""Objectives in Slack: an action's owner moves it on in a DM, through the real slack-bolt
app and the fake Web API; someone else is refused politely and nothing changes."""

from __future__ import annotations

from sqlmodel import select

from handlers.roadmap import objectives
from storage import people
from storage.roadmap import ObjectiveAction
from tests.fakes.slack_api import block_text
from tests.platforms.slack.test_http_pulse import ORG
from tests.support import import_org


async def test_an_action_owner_moves_it_on_in_slack(slack_app, slack_runtime) -> None:
    import_org(slack_runtime, ORG)
    with slack_runtime.db.session() as session:
        boss = people.by_email(session, "boss@x.io")
        objectives.add(
            session,
            boss,
            slack_runtime.clock.now(),
            title="Customers see their data",
            dimension="customer_measures",
            target="3.8",
            due="2027-06-30",
            owner="p1@x.io",
            start="3.1",
            actions=["Weekly customer review => p2@x.io"],
        )
    assert await slack_app.dm("U3", "action 1 done", event_id="Ev101") == 200
    assert await slack_app.dm("U2", "action 1 doing", event_id="Ev102") == 200
    refused, moved = slack_app.fake.called("chat.postMessage")
    assert refused.params["channel"] == "DU3"
    assert "there is no action 1 you can move on" in block_text(refused.params["blocks"])
    assert moved.params["channel"] == "DU2"
    assert "Action 1 of objective #1 is now doing." in block_text(moved.params["blocks"])
    with slack_runtime.db.session() as session:
        assert [a.status for a in session.exec(select(ObjectiveAction))] == ["doing"]
