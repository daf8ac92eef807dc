"""The bot's own replies (a DM answer, response_url, chat.update, views.open) go through the
delivery limiter and its retries: a 429 is waited out and the reply still arrives; a reply that
cannot make Slack's time limit is logged with its reason and replaced by a short DM."""

from __future__ import annotations

import logging

from tests.platforms.slack.test_http_pulse import elements, start_checkin


async def test_a_dm_answer_that_draws_a_429_is_retried_and_arrives(slack_app, slack_runtime):
    from tests.platforms.slack.test_http_pulse import ORG
    from tests.support import import_org

    import_org(slack_runtime, ORG)
    slack_app.fake.fail("chat.postMessage", status=429, retry_after=1)
    assert await slack_app.dm("U1", "help", "Ev-help-1") == 200
    posts = slack_app.fake.called("chat.postMessage")
    assert len(posts) == 2  # the 429, then the reply after Retry-After
    assert [m.text for m in slack_app.fake.dm("U1")] == [posts[-1].params["text"]]


async def test_a_response_url_429_is_retried(slack_app, slack_runtime) -> None:
    slack_app.fake.fail("response_url", status=429, retry_after=1)
    await start_checkin(slack_app, slack_runtime)  # its answer goes through response_url
    replies = slack_app.fake.called("response_url")
    assert len(replies) == 2 and replies[0].params == {**replies[1].params}


async def test_a_form_that_cannot_open_in_time_is_replaced_by_a_dm(
    slack_app, slack_runtime, caplog
) -> None:
    await start_checkin(slack_app, slack_runtime)
    [question] = slack_app.fake.dm("U1")
    comment = elements(question.blocks)[5]
    slack_app.fake.fail("views.open", status=429, retry_after=4)  # past the trigger's 3 s
    with caplog.at_level(logging.WARNING, logger="bot.platforms.slack.app"):
        assert await slack_app.click("U1", question.channel, question.ts, comment) == 200
    assert len(slack_app.fake.called("views.open")) == 1  # no retry after the trigger expired
    assert any("views.open to U1 failed" in r.getMessage() for r in caplog.records)
    [_question, apology] = slack_app.fake.dm("U1")
    assert "too busy for me to open the form" in apology.text


async def test_the_apology_for_a_form_that_could_not_open_speaks_the_readers_language(
    slack_app, slack_runtime
) -> None:
    """The apology is made in the adapter, outside the router: it speaks the language of the
    reply it stands in for (German, by P1's org row), not the server's."""
    import prompts
    from bot.delivery.worker import deliver_due
    from tests.platforms.slack.test_http_pulse import ORG
    from tests.support import import_org

    header, boss, p1, *rest = ORG.splitlines()
    rows = [header + ",locale", boss + ",", p1 + ",de", *(row + "," for row in rest)]
    import_org(slack_runtime, "\n".join(rows) + "\n")
    assert await slack_app.slash("UBOSS", "/pulse", "team") == 200
    await deliver_due(slack_runtime, slack_app.bot.platform, concurrency=4)
    [question] = slack_app.fake.dm("U1")
    comment = elements(question.blocks)[5]
    slack_app.fake.fail("views.open", status=429, retry_after=4)  # past the trigger's 3 s
    assert await slack_app.click("U1", question.channel, question.ts, comment) == 200
    [_question, apology] = slack_app.fake.dm("U1")
    with prompts.speaking("de"):
        assert apology.text == prompts.text("slack.form_late")
    assert apology.text.startswith("Slack war leider zu ausgelastet")
