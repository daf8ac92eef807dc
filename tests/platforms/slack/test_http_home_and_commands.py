"""The App Home tab, @mentions and the slash commands the other capabilities fill in."""

from __future__ import annotations

from sqlmodel import func, select

from storage.models import PulseAnswerPending
from storage.stories import Story
from tests.fakes.slack_api import block_text
from tests.platforms.slack.test_http_pulse import ORG, elements, start_checkin
from tests.support import import_org


async def open_home(slack, user: str) -> dict:  # type: ignore[no-untyped-def]
    event = {"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": "home"}
    assert await slack.event(event, event_id=f"EvHome{len(slack.fake.calls)}") == 200
    return slack.fake.called("views.publish")[-1].params


async def test_home_tab_lists_open_checkins_and_answering_there_clears_them(
    slack_app, slack_runtime
) -> None:
    import_org(slack_runtime, ORG)
    published = await open_home(slack_app, "U3")
    assert published["user_id"] == "U3" and published["view"]["type"] == "home"
    assert "Nothing is waiting for you" in block_text(published["view"]["blocks"])

    await start_checkin(slack_app, slack_runtime)
    published = await open_home(slack_app, "U3")
    shown = block_text(published["view"]["blocks"])
    assert "Open check-ins" in shown and "Open until" in shown
    three = elements(published["view"]["blocks"])[2]

    # clicking in the Home tab: container is the view, not a message
    payload_user = {"id": "U3", "team_id": "T0FAKE"}
    assert (
        await slack_app.interact(
            {
                "type": "block_actions",
                "user": payload_user,
                "team": {"id": "T0FAKE"},
                "api_app_id": "A0FAKE",
                "container": {"type": "view", "view_id": published["view"].get("id", "V1")},
                "view": {"id": "V1", "type": "home"},
                "trigger_id": "trigger-home-1",
                "actions": [
                    {"type": "button", "action_id": three["action_id"], "value": three["value"]}
                ],
            }
        )
        == 200
    )
    with slack_runtime.db.session() as session:
        assert session.exec(select(func.count()).select_from(PulseAnswerPending)).one() == 1
    thanks = slack_app.fake.called("chat.postMessage")[-1].params
    assert thanks["channel"] == "U3" and "Thanks, recorded" in block_text(thanks["blocks"])
    republished = slack_app.fake.called("views.publish")[-1].params
    assert "Nothing is waiting for you" in block_text(republished["view"]["blocks"])


async def test_mention_with_help_answers_ephemerally_in_the_channel(
    slack_app, slack_runtime
) -> None:
    import_org(slack_runtime, ORG)
    event = {
        "type": "app_mention",
        "user": "UBOSS",
        "channel": "C0GENERAL",
        "text": "<@UBOT> help",
        "ts": "1700000005.000100",
    }
    assert await slack_app.event(event, event_id="EvMention") == 200
    [reply] = slack_app.fake.called("chat.postEphemeral")
    assert (reply.params["channel"], reply.params["user"]) == ("C0GENERAL", "UBOSS")
    shown = block_text(reply.params["blocks"])
    assert "checkin - start a check-in for your team" in shown  # the boss sees the manager's lines


async def test_pulse_help_and_cascade_reach_the_router_by_name(slack_app, slack_runtime) -> None:
    import_org(slack_runtime, ORG)
    assert await slack_app.slash("U1", "/pulse") == 200
    assert "Here is what I can do" in slack_app.fake.called("response_url")[-1].params["text"]
    assert await slack_app.slash("U1", "/pulse", "team") == 200
    assert "only managers can start" in slack_app.fake.called("response_url")[-1].params["text"]
    # /cascade is routed to the command of that name: the cascade capability's answer once it
    # is registered, the router's polite unknown-command answer before
    answered = len(slack_app.fake.calls)
    assert await slack_app.slash("UBOSS", "/cascade", "hello") == 200
    new = {c.method for c in slack_app.fake.calls[answered:]}
    assert new and new <= {"response_url", "views.open"}, new  # a reply or a form, to the caller


async def test_story_command_opens_the_stories_modal_and_submission_keeps_the_story(
    slack_app, slack_runtime
) -> None:
    import_org(slack_runtime, ORG)
    assert await slack_app.slash("U1", "/story") == 200
    [opened] = slack_app.fake.called("views.open")
    view = opened.params["view"]
    names = [b["block_id"] for b in view["blocks"]]
    assert "f.what_happened" in names and "f.consent" in names
    consent = next(b for b in view["blocks"] if b["block_id"] == "f.consent")
    values = {
        "f.what_happened": "A customer <VIP> called about invoices",
        "f.what_changed": "We fixed the invoice layout",
        "f.kind": "story",
        "f.consent": consent["element"]["options"][0]["value"],
    }
    assert await slack_app.submit("U1", view, values) == 200
    with slack_runtime.db.session() as session:
        [story] = session.exec(select(Story)).all()
    assert "invoices" in story.what_happened
    [reply] = slack_app.fake.called("chat.postMessage")
    assert reply.params["channel"] == "U1"

    # the Home tab shows it, with a button that opens the form again
    published = await open_home(slack_app, "U1")
    shown = block_text(published["view"]["blocks"])
    assert "Your recent stories and ideas" in shown and "A customer &lt;VIP&gt; called" in shown
    assert ": A story - A customer" in shown  # the kind in words, in the reader's language
    buttons = elements(published["view"]["blocks"])
    [share] = [b for b in buttons if b["text"]["text"] == "Share a customer story"]
    assert buttons[-1]["text"]["text"] == "日本語"  # then a button for each other language
    home_click = {
        "type": "block_actions",
        "user": {"id": "U1", "team_id": "T0FAKE"},
        "team": {"id": "T0FAKE"},
        "api_app_id": "A0FAKE",
        "container": {"type": "view", "view_id": "V1"},
        "view": {"id": "V1", "type": "home"},
        "trigger_id": "trigger-home-share",
        "actions": [{"type": "button", "action_id": share["action_id"], "value": share["value"]}],
    }
    assert await slack_app.interact(home_click) == 200
    assert len(slack_app.fake.called("views.open")) == 2


async def test_pulse_dashboard_answers_the_asker_alone_with_a_link(
    slack_app, slack_runtime
) -> None:
    import_org(slack_runtime, ORG)
    assert await slack_app.slash("U1", "/pulse", "dashboard") == 200
    reply = slack_app.fake.called("response_url")[-1].params
    assert reply["response_type"] == "ephemeral"
    assert "/dashboard/login?token=" in reply["text"] and "only you can see it" in reply["text"]


async def test_home_tab_offers_a_manager_the_relay_they_owe(slack_app, slack_runtime) -> None:
    """Open work lives in the database: the Relay button is on the Home tab, and pressing it
    opens the note form (issue 23, point 2)."""
    from handlers.cascade import actions as cascade
    from storage import people

    org = "email,name,manager_email,department,role,timezone,slack_user_id\n" + "\n".join(
        [
            "boss@x.io,Boss,,Ops,leader,Europe/Berlin,UBOSS",
            "mgr@x.io,Mia,boss@x.io,Ops,manager,Europe/Berlin,UMGR",
            *(f"p{i}@x.io,P{i},mgr@x.io,Ops,employee,Europe/Berlin,U{i}" for i in range(1, 4)),
        ]
    )
    import_org(slack_runtime, org)
    with slack_runtime.db.session() as session:
        boss = people.by_email(session, "boss@x.io")
        assert boss is not None
        cascade.send(session, slack_runtime, boss, title="Customers first", body="Why and how.")
    published = await open_home(slack_app, "UMGR")
    shown = block_text(published["view"]["blocks"])
    assert 'Relay "Customers first" to your team' in shown
    relay = next(e for e in elements(published["view"]["blocks"]) if "Relay" in str(e["text"]))
    click = {
        "type": "block_actions",
        "user": {"id": "UMGR", "team_id": "T0FAKE"},
        "team": {"id": "T0FAKE"},
        "api_app_id": "A0FAKE",
        "container": {"type": "view", "view_id": "V1"},
        "view": {"id": "V1", "type": "home"},
        "trigger_id": "trigger-home-relay",
        "actions": [{"type": "button", "action_id": relay["action_id"], "value": relay["value"]}],
    }
    assert await slack_app.interact(click) == 200
    modal = slack_app.fake.called("views.open")[-1].params["view"]
    assert "Customers first" in str(modal["title"]) + str(modal["blocks"])
