"""The largest report, objective list and cascade preview culturebot can build, through the real
Slack app and the strict fake, which refuses anything past Block Kit's limits as Slack does (the
``fake_slack`` fixture fails the test on any refusal). Each arrives, split or cut, never lost.

The organisation is the history seeder's (bench/history.py): 400 people, eight weeks of
answered pulses, many managers; names, titles and texts at the longest culturebot accepts.
"""

from __future__ import annotations

from sqlalchemy import text

from bench.history import END, HistorySpec, seed
from bot.delivery.worker import deliver_due
from bot.platforms.slack import blocks as slack_blocks
from handlers.cascade import actions as cascade
from handlers.roadmap import objectives
from storage import people
from tests.fakes.slack_api import block_text
from tests.platforms.slack.test_http_pulse import elements

LONG_NAME = "Maximiliane Alexandra " + "Wolkenstein-Trostburg " * 6  # about 160 characters


def seeded(slack_runtime) -> None:  # type: ignore[no-untyped-def]
    seed(slack_runtime.db.engine, HistorySpec(people=400, weeks=8))
    slack_runtime.clock.set(END)
    with slack_runtime.db.engine.begin() as conn:  # the longest names anyone will have
        conn.execute(text("UPDATE person SET name = :name || id"), {"name": LONG_NAME})


async def test_the_largest_report_arrives_within_slack_s_limits(slack_app, slack_runtime) -> None:
    seeded(slack_runtime)
    assert await slack_app.slash("U1", "/pulse", "report") == 200
    await slack_app.bot.idle()
    [reply] = slack_app.fake.called("response_url")
    shown = block_text(reply.params["blocks"])
    assert len(shown) > 3000  # a long report, split over sections
    assert len(reply.params["blocks"]) <= 50


async def test_the_longest_objective_list_arrives_within_slack_s_limits(
    slack_app, slack_runtime
) -> None:
    seeded(slack_runtime)
    with slack_runtime.db.session() as session:
        top = people.by_email(session, "p1@history.example")
        for n in range(60):
            objectives.add(
                session,
                top,
                slack_runtime.clock.now(),
                title=f"{n} " + "Every customer hears back within one working day " * 4,
                dimension="customer_measures",
                target="4.5",
                due="2027-12-31",
                owner="p2@history.example",
                start="3.0",
                actions=[
                    f"{'Call each customer who waited longer ' * 5}{i} => p3@history.example"
                    for i in range(objectives.MAX_ACTIONS)
                ],
            )
    assert await slack_app.dm("U1", "objectives", event_id="EvObjectives") == 200
    await slack_app.bot.idle()
    [listed] = slack_app.fake.dm("U1")
    assert "Every customer hears back" in block_text(listed.blocks)
    assert len(listed.blocks) <= 50


async def test_the_largest_cascade_preview_arrives_and_its_send_button_works(
    slack_app, slack_runtime
) -> None:
    seeded(slack_runtime)
    assert await slack_app.slash("U1", "/cascade") == 200
    await slack_app.bot.idle()
    [opened] = slack_app.fake.called("views.open")
    values = {
        "f.title": "T" * cascade.TITLE_MAX,
        "f.message": ("We answer every customer the same day & <never> leave one waiting. " * 80)[
            : cascade.BODY_MAX
        ],
        "f.customer": "C" * cascade.CUSTOMER_MAX,
    }
    assert await slack_app.submit("U1", opened.params["view"], values) == 200
    await slack_app.bot.idle()
    [preview] = slack_app.fake.dm("U1")
    assert "would reach" in block_text(preview.blocks)
    send = next(
        e
        for e in elements(preview.blocks)
        if slack_blocks.decode_action(e)[0] == "click"
        and slack_blocks.decode_action(e)[1]["a"] == "cascade.confirm"
    )
    assert await slack_app.click("U1", preview.channel, preview.ts, send) == 200
    await slack_app.bot.idle()
    stats = await deliver_due(slack_runtime, slack_app.bot.platform, limit=1000, concurrency=8)
    assert stats.sent >= 8 and not stats.dead, stats  # the leaders under the top one
    reached = [m for u in ("U2", "U3") for m in slack_app.fake.dm(u)]
    assert reached and all(
        "&lt;never&gt; leave one waiting" in block_text(m.blocks) for m in reached
    )
