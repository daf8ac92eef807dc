"""Times in Slack are date tokens, so each reader sees them in their own Slack format and time
zone; every plain-text field (headers, buttons, notifications) reads the words instead. Slack's
limits are counted in characters, so Japanese text is cut and split where English text is."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from sqlmodel import select

import prompts
from bot.core.chat import Button, Buttons, Message, Text, chat_time
from bot.core.clock import format_local
from bot.platforms.slack import blocks as slack_blocks
from storage.models import PulseRound
from tests.fakes.slack_api import block_text
from tests.platforms.slack.test_http_pulse import start_checkin

MARCH_3 = datetime(2027, 3, 3, 8, 0, tzinfo=UTC)  # 09:00 in Berlin
PRIVATE = re.compile("[\ue000-\uf8ff]")


def test_a_time_in_a_text_is_a_date_token_and_plain_fields_read_its_words() -> None:
    due = chat_time(MARCH_3, "Europe/Berlin")
    message = Message(
        summary=f"Relay it by {due}",
        parts=(
            Text(text=f"Due {due}", style="heading"),
            Text(text=f"Please relay it by {due}."),
            Buttons(buttons=(Button(label=f"Snooze to {due}", action="a"),)),
        ),
    )
    shown = slack_blocks.blocks(message)
    assert shown[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Due Wed 03 Mar 09:00", "emoji": True},
    }
    assert shown[1]["text"]["text"] == (
        f"Please relay it by <!date^{int(MARCH_3.timestamp())}^{{date_short_pretty}} at {{time}}"
        "|Wed 03 Mar 09:00>."
    )
    assert shown[2]["elements"][0]["text"]["text"] == "Snooze to Wed 03 Mar 09:00"
    assert slack_blocks.fallback_text(message) == "Relay it by Wed 03 Mar 09:00"
    assert not PRIVATE.search(json.dumps(shown, ensure_ascii=False))


def test_a_german_readers_time_reads_german_around_the_token(languages) -> None:  # type: ignore[no-untyped-def]
    languages(de={"slack": {"day_and_time": "{day} um {time}"}})
    with prompts.speaking("de"):
        message = Message(
            summary="s", parts=(Text(text=f"Fällig {chat_time(MARCH_3, 'Europe/Berlin')}"),)
        )
    # rendered later (the outbox), wherever: the reader's language travels with the time
    [section] = slack_blocks.blocks(message)
    assert section["text"]["text"] == (
        f"Fällig <!date^{int(MARCH_3.timestamp())}^{{date_short_pretty}} um {{time}}"
        "|Mi., 3. März, 09:00>"
    )


async def test_a_check_in_already_running_says_its_end_as_a_date_token(
    slack_app, slack_runtime
) -> None:  # type: ignore[no-untyped-def]
    await start_checkin(slack_app, slack_runtime)
    assert await slack_app.slash("UBOSS", "/pulse", "team") == 200
    reply = slack_app.fake.called("response_url")[-1].params
    with slack_runtime.db.session() as session:
        closes = session.exec(select(PulseRound)).one().closes_at.replace(tzinfo=UTC)
    words = format_local(closes, "Europe/Berlin")
    token = f"<!date^{int(closes.timestamp())}^{{date_short_pretty}} at {{time}}|{words}>"
    assert f"already running until {token}" in block_text(reply["blocks"])
    assert f"already running until {words}" in reply["text"]


def test_japanese_text_fits_a_section_by_characters_not_bytes() -> None:
    paragraph = "顧客" * 1500  # 3000 characters, 9000 bytes in UTF-8
    [section] = slack_blocks.blocks(Message(summary="s", parts=(Text(text=paragraph),)))
    assert section["text"]["text"] == paragraph
    longer = slack_blocks.blocks(Message(summary="s", parts=(Text(text=paragraph + "様"),)))
    assert [len(b["text"]["text"]) for b in longer] == [3000, 1]
    heading = slack_blocks.blocks(
        Message(summary="s", parts=(Text(text="週" * 150, style="heading"),))
    )
    assert heading[0]["type"] == "header" and heading[0]["text"]["text"] == "週" * 150
    button = slack_blocks.blocks(
        Message(summary="s", parts=(Buttons(buttons=(Button(label="押" * 80, action="a"),)),))
    )
    assert button[0]["elements"][0]["text"]["text"] == "押" * 74 + "…"


def test_a_long_line_is_never_cut_inside_a_date_token() -> None:
    due = chat_time(MARCH_3, "Asia/Tokyo")
    line = "締" * 2980 + due + "まで"
    shown = slack_blocks.blocks(Message(summary="s", parts=(Text(text=line),)))
    texts = [b["text"]["text"] for b in shown]
    assert all(len(t) <= 3000 for t in texts)
    assert texts[0] == "締" * 2980
    assert texts[1].startswith("<!date^") and texts[1].endswith("|Wed 03 Mar 17:00>まで")
