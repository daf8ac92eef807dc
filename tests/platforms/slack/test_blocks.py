"""Block Kit rendering within Slack's limits, with user text escaped."""

from __future__ import annotations

import json

from bot.core.chat import Choice, Form, FormField, Message, Question, Response, Text, text_message
from bot.platforms.slack import blocks as slack_blocks


def test_long_text_is_split_into_sections_within_slacks_limit() -> None:
    paragraph = "\n".join(f"line {i} " + "x" * 90 for i in range(100))  # ~10,000 chars
    blocks = slack_blocks.blocks(Message(summary="s", parts=(Text(text=paragraph),)))
    texts = [b["text"]["text"] for b in blocks]
    assert len(texts) > 3 and all(len(t) <= 3000 for t in texts)
    assert "\n".join(texts) == paragraph


def test_too_many_blocks_end_with_a_clear_note() -> None:
    parts = tuple(Text(text=f"paragraph {i}") for i in range(80))
    blocks = slack_blocks.blocks(Message(summary="s", parts=parts))
    assert len(blocks) == 50
    assert "too long for Slack" in blocks[-1]["elements"][0]["text"]


def test_user_text_is_escaped_everywhere_it_is_shown() -> None:
    question = Question(
        action="a",
        ref="1",
        prompt="Is <b> & <@U1> ok?",
        choices=(Choice(label="1", value="1"), Choice(label="2", value="2")),
        low_label="no",
        high_label="yes",
    )
    message = Message(summary="<!here>", parts=(Text(text="a <b> & c", style="quote"), question))
    shown = json.dumps(slack_blocks.blocks(message))
    assert "<b>" not in shown and "<@U1>" not in shown
    assert "&gt; a &lt;b&gt; &amp; c" in shown
    assert slack_blocks.fallback_text(message) == "&lt;!here&gt;"


def test_large_forms_are_packed_into_the_button_value_and_come_back_whole() -> None:
    from bot.core.chat import Form, FormField

    form = Form(
        action="big.form",
        ref="r" * 100,
        title="Big",
        fields=tuple(FormField(name=f"f{i}", label="A question " * 10) for i in range(20)),
    )
    [block] = slack_blocks.blocks(Message(summary="s", parts=(form,)))
    button = block["elements"][0]
    assert len(button["value"]) <= 2000
    kind, decoded = slack_blocks.decode_action(button)
    assert kind == "form" and decoded == form


def test_a_refusal_goes_under_its_field_else_under_the_first_input() -> None:
    form = Form(
        action="a",
        title="t",
        fields=(FormField(name="title", label="Title"), FormField(name="note", label="Note")),
    )
    view = slack_blocks.modal(form)
    said = [text_message("Too short.")]
    on_note = Response(replies=said, refused=True, refused_field="note")
    assert slack_blocks.refusal_errors(view, on_note) == {"f.note": "Too short."}
    for field in (None, "not_in_this_form"):
        unnamed = Response(replies=said, refused=True, refused_field=field)
        assert slack_blocks.refusal_errors(view, unnamed) == {"f.title": "Too short."}
    assert slack_blocks.refusal_errors(view, Response(replies=said)) == {}  # not a refusal
