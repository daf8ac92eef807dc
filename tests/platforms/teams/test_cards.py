"""Adaptive Card rendering of the neutral parts, and reading submissions back."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from bot.core.chat import Button, Buttons, Choice, Form, FormField, Message, Question, Text
from bot.delivery.ratelimit import RateLimiter
from bot.platforms.teams.cards import CARD_VERSION, parse_submission, render


def runs(card: object) -> list[str]:
    found: list[str] = []
    if isinstance(card, dict):
        if card.get("type") == "TextRun":
            found.append(card["text"])
        for value in card.values():
            found.extend(runs(value))
    elif isinstance(card, list):
        for item in card:
            found.extend(runs(item))
    return found


@given(st.text(max_size=300))
def test_user_text_is_shown_verbatim_never_as_markup(text: str) -> None:
    card = render(Message(summary="s", parts=(Text(text=text, style="quote"),)))
    json.dumps(card)  # always serialisable
    assert '"type": "TextBlock"' not in json.dumps(card)  # TextBlock would apply markdown
    shown = [line.strip() for line in runs(card)]
    if text.strip():
        assert shown == [line.strip() for line in text.splitlines()]
    else:  # a blank card would be unreadable: it shows its summary instead
        assert shown == ["s"]


def test_a_question_is_a_choice_set_with_labelled_ends_a_comment_and_a_submit() -> None:
    question = Question(
        action="pulse.answer",
        ref="12",
        prompt="How customer-focused was your week?",
        choices=tuple(Choice(label=str(n), value=str(n)) for n in range(1, 6)),
        low_label="not at all",
        high_label="completely",
        comment_label="Add a comment (optional)",
    )
    card = render(Message(summary="q", parts=(question,)))
    assert card["version"] == CARD_VERSION
    choice_set = next(e for e in card["body"] if e["type"] == "Input.ChoiceSet")
    titles = [c["title"] for c in choice_set["choices"]]
    assert titles == ["1 (not at all)", "2", "3", "4", "5 (completely)"]
    assert choice_set["isRequired"] is True
    comment = next(e for e in card["body"] if e["type"] == "Input.Text")
    assert comment["label"] == "Add a comment (optional)"
    (submit,) = card["actions"]
    posted = {**submit["data"], "choice": "4", "comment": " nice "}
    decoded = parse_submission(posted)
    assert decoded is not None
    assert (decoded.action, decoded.ref, decoded.value) == ("pulse.answer", "12", "4")
    assert decoded.fields == {"comment": "nice"}


def test_buttons_and_forms_round_trip() -> None:
    buttons = Buttons(
        buttons=(
            Button(label="Relay", action="cascade.relay", value="7", style="primary"),
            Button(label="Ask back", action="cascade.ask", value="7"),
        )
    )
    card = render(Message(summary="b", parts=(Text(text="A message"), buttons)))
    assert [a["title"] for a in card["actions"]] == ["Relay", "Ask back"]
    decoded = parse_submission(card["actions"][1]["data"])
    assert decoded is not None and (decoded.action, decoded.value) == ("cascade.ask", "7")

    form = Form(
        action="story.save",
        ref="r1",
        title="Share a story",
        fields=(
            FormField(name="text", label="What happened?", multiline=True),
            FormField(
                name="share",
                label="Share as",
                options=(
                    Choice(label="Me", value="named"),
                    Choice(label="Anonymous", value="anon"),
                ),
            ),
            FormField(name="note", label="Note", required=False),
        ),
    )
    card = render(Message(summary="f", parts=(form,)))
    ids = [e.get("id") for e in card["body"] if e["type"].startswith("Input.")]
    assert ids == ["text", "share", "note"]
    data = card["actions"][0]["data"]
    decoded = parse_submission({**data, "text": "A customer...", "share": "anon"})
    assert decoded is not None and decoded.missing == ()
    assert decoded.fields == {"text": "A customer...", "share": "anon"}
    assert (decoded.action, decoded.ref) == ("story.save", "r1")
    missing = parse_submission({**data, "text": " "})
    assert missing is not None and missing.missing == ("What happened?", "Share as")


def test_submissions_that_are_not_ours_are_refused() -> None:
    for value in (None, "text", [1], {}, {"culturebot": "x"}, {"culturebot": {"action": 3}}):
        assert parse_submission(value) is None


async def test_the_rate_limiter_holds_a_slot_until_a_window_after_the_request_ends() -> None:
    now = [0.0]
    starts: list[float] = []

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    limiter = RateLimiter(50, monotonic=lambda: now[0], sleep=sleep)
    for _ in range(175):
        async with limiter.slot():
            starts.append(now[0])
            now[0] += 0.01  # each request is 10 ms in transit
    # in any window of one second, at most 50 requests were on the way
    assert max(sum(1 for t in starts if s <= t < s + 1.0) for s in starts) == 50
    assert starts[50] >= starts[0] + 0.01 + 1.0
    limiter.pause(10)
    before = now[0]
    async with limiter.slot():
        assert now[0] >= before + 10


async def test_a_slot_held_by_a_request_in_flight_is_not_given_away() -> None:
    limiter = RateLimiter(1)
    async with limiter.slot():
        assert limiter.wait_time() > 0
    assert 0 < limiter.wait_time() <= 1.0
