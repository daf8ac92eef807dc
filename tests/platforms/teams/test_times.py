"""Teams and the console write a time in the reader's language and time zone (Teams has no
token that follows each reader's own settings everywhere a card shows), and count Japanese
text in characters when a card must be cut to fit."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime

import prompts
from bot.core.chat import Message, Text, chat_time
from bot.platforms.console.platform import ConsolePlatform
from bot.platforms.teams.adapter import card_activity
from bot.platforms.teams.cards import CARD_LIMIT, fit, render, size

MARCH_3 = datetime(2027, 3, 3, 8, 0, tzinfo=UTC)
PRIVATE = re.compile("[\ue000-\uf8ff]")


def card_texts(card: dict) -> list[str]:  # type: ignore[type-arg]
    return [b["text"] for b in card["body"] if b.get("type") == "TextBlock"] + [
        i["text"] for b in card["body"] if b.get("type") == "RichTextBlock" for i in b["inlines"]
    ]


def test_a_time_reads_in_the_readers_language_and_zone_on_teams_and_the_console() -> None:
    with prompts.speaking("de"):
        berlin = Message(
            summary="s", parts=(Text(text=f"Fällig {chat_time(MARCH_3, 'Europe/Berlin')}"),)
        )
    with prompts.speaking("ja"):
        tokyo = Message(summary="s", parts=(Text(text=f"期限 {chat_time(MARCH_3, 'Asia/Tokyo')}"),))
    activity = card_activity(berlin)
    card = activity.attachments[0].content
    assert "Fällig Mi., 3. März, 09:00" in " ".join(card_texts(card))
    assert "期限 3月3日(水) 17:00" in " ".join(card_texts(render(tokyo)))
    assert not PRIVATE.search(json.dumps(card, ensure_ascii=False) + activity.summary)
    out = io.StringIO()
    ConsolePlatform(out).show(tokyo)
    assert out.getvalue().strip() == "期限 3月3日(水) 17:00"


def test_a_japanese_text_too_long_for_a_card_is_cut_by_characters_with_a_note() -> None:
    story = "お客様の声を聞きました。" * 2000  # 24,000 characters
    card = fit(Message(summary="s", parts=(Text(text=story),)))
    assert size(card) <= CARD_LIMIT
    shown, note = card_texts(card)[0], card_texts(card)[-1]
    assert story.startswith(shown.removesuffix("…"))
    hidden = len(story) - len(shown.removesuffix("…"))
    assert f"{hidden} characters are not shown" in note
