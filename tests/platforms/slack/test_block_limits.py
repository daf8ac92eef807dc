"""Block Kit's limits, met whatever culturebot is asked to show: long reports, many objectives,
long names and labels are split or cut by bot/platforms/slack/blocks.py, never refused by Slack
and never an error. Checked with the fake Slack's own validator (tests/fakes/block_kit.py)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.chat import Button, Buttons, Choice, Form, FormField, Message, Question, Text
from bot.platforms.slack import blocks as slack_blocks
from tests.fakes.block_kit import message_errors, view_errors

# text people type, with Slack's control characters, long lines and blank lines
words = st.text(
    alphabet=st.sampled_from(list("ab &<>*_~`\n") + ["é", "日", "🙂"]), min_size=0, max_size=60
)
long_text = st.one_of(
    words,
    st.builds(lambda w, n: (w or "x") * n, words, st.integers(1, 400)),
    st.builds(lambda n: "&" * n, st.integers(2900, 3200)),
    st.builds(lambda n: ("a" * 149 + "\n") * n, st.integers(1, 80)),
)
names = st.builds(lambda w, n: (w or "n") * n, words, st.integers(1, 50))
choices = st.lists(st.builds(Choice, label=names, value=names), min_size=0, max_size=150)
texts = st.builds(
    Text, text=long_text, style=st.sampled_from(["plain", "heading", "quote", "muted"])
)
questions = st.builds(
    Question,
    action=st.just("pulse.answer"),
    ref=st.text(min_size=1, max_size=40),
    prompt=long_text,
    choices=st.lists(st.builds(Choice, label=names, value=names), min_size=1, max_size=30),
    low_label=names,
    high_label=names,
    comment_label=names,
)
buttons = st.builds(
    Buttons,
    buttons=st.lists(
        st.builds(Button, label=names, action=st.just("objective.pick"), value=long_text),
        min_size=1,
        max_size=60,
    ),
)
fields = st.builds(
    FormField,
    name=st.from_regex(r"[a-z]{1,12}", fullmatch=True),
    label=long_text,
    multiline=st.booleans(),
    required=st.booleans(),
    max_length=st.integers(1, 5000),
    placeholder=names,
    options=choices,
    radio=st.booleans(),
    initial=long_text,
)
forms = st.builds(
    Form,
    action=st.just("cascade.submit"),
    ref=st.text(max_size=60),
    title=names,
    fields=st.lists(fields, min_size=1, max_size=120),
    submit_label=names,
)
messages = st.builds(
    Message,
    summary=long_text,
    parts=st.lists(st.one_of(texts, questions, buttons, forms), max_size=40),
)
LIMITS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@LIMITS
@given(messages)
def test_any_message_fits_a_slack_message_and_the_home_tab(message: Message) -> None:
    assert message_errors(slack_blocks.blocks(message)) == []
    assert view_errors(slack_blocks.home_view(message)) == []


@LIMITS
@given(forms)
def test_any_form_fits_a_slack_modal(form: Form) -> None:
    assert view_errors(slack_blocks.modal(form, message_ref="D1:1700000000.000001")) == []


@LIMITS
@given(questions)
def test_any_question_s_comment_modal_fits(question: Question) -> None:
    form = slack_blocks.question_form(question)
    assert view_errors(slack_blocks.modal(form, value_field=slack_blocks.VALUE_FIELD)) == []


def test_the_validator_refuses_what_slack_refuses() -> None:
    """The fake's rules bite: each limit one past, named with Slack's JSON pointer."""
    button = {"type": "button", "text": {"type": "plain_text", "text": "b" * 76}, "value": "v"}
    errors = message_errors(
        [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
        + [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}]
        + [
            {
                "type": "actions",
                "elements": [
                    button,
                    {
                        **button,
                        "text": button["text"] | {"text": "ok"},
                        "value": "v" * 2001,
                        "action_id": "a" * 256,
                    },
                ],
            }
        ]
        + [{"type": "divider"}] * 48
    )
    assert errors == [
        "must be less than 51 items [json-pointer:/blocks]",
        "must be less than 3001 characters [json-pointer:/blocks/0/text/text]",
        "must be less than 151 characters [json-pointer:/blocks/1/text/text]",
        "must be less than 76 characters [json-pointer:/blocks/2/elements/0/text/text]",
        "must be less than 256 characters [json-pointer:/blocks/2/elements/1/action_id]",
        "must be less than 2001 characters [json-pointer:/blocks/2/elements/1/value]",
    ]
    select = {
        "type": "static_select",
        "action_id": "value",
        "options": [{"text": {"type": "plain_text", "text": "o" * 76}, "value": "1"}] * 101,
    }
    view = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "t" * 25},
        "submit": {"type": "plain_text", "text": "s" * 25},
        "blocks": [
            {"type": "input", "label": {"type": "plain_text", "text": "l"}, "element": select}
        ]
        + [{"type": "divider"}] * 100,
    }
    errors = view_errors(view)
    assert errors[:3] == [
        "must be less than 101 items [json-pointer:/view/blocks]",
        "must be less than 101 items [json-pointer:/view/blocks/0/element/options]",
        "must be less than 76 characters [json-pointer:/view/blocks/0/element/options/0/text/text]",
    ]
    assert "must be less than 25 characters [json-pointer:/view/title/text]" in errors
    assert "must be less than 25 characters [json-pointer:/view/submit/text]" in errors
