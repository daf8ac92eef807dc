"""The sentiment scorer on obvious workplace sentences, and the metric code on hand counts."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from textblob import TextBlob

from handlers.common.sentiment import NEUTRAL, Sentiment, score
from handlers.common.sentiment_eval import (
    accuracy,
    confusion,
    evaluate,
    f1_per_class,
    label_of,
    load_rated,
    macro_f1,
)


@pytest.mark.parametrize(
    "text",
    [
        "not happy with the release",
        "The release was not good at all.",
        "I'm really frustrated that the build is broken again",
        "The customer is furious about the outage 😡",
        "this rollout is a disaster :(",
    ],
)
def test_negative_workplace_sentences(text: str) -> None:
    assert label_of(score(text).polarity) == "negative"


@pytest.mark.parametrize(
    "text",
    [
        "The customer loved the fix",
        "Great job on the launch, team! 🎉",
        "Really happy with how support handled it :)",
        "not bad at all, the new dashboard helps a lot",
        "The client said thank you, the workaround saved their week",
    ],
)
def test_positive_workplace_sentences(text: str) -> None:
    assert label_of(score(text).polarity) == "positive"


@pytest.mark.parametrize(
    "text",
    [
        "The meeting moved to Tuesday at 3pm in room 4.",
        "We deployed version 2.3 to the staging cluster.",
        "Invoices are sent on the first working day of the month.",
    ],
)
def test_neutral_factual_sentences(text: str) -> None:
    result = score(text)
    assert label_of(result.polarity) == "neutral"
    assert result.subjectivity < 0.5


def test_emoji_carry_sentiment() -> None:
    assert score("shipped it 🎉").polarity > 0.05
    assert score("the demo today 😢").polarity < -0.05


def test_negation_flips_polarity() -> None:
    assert score("happy with the release").polarity > 0.05
    assert score("not happy with the release").polarity < -0.05


def test_ranges_and_type() -> None:
    for text in ["AMAZING!!! 😍😍😍 best day ever", "worst. week. ever. 💀💀", "ok", "x" * 3000]:
        result = score(text)
        assert isinstance(result, Sentiment)
        assert -1.0 <= result.polarity <= 1.0
        assert 0.0 <= result.subjectivity <= 1.0


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_text_is_neutral(text: str) -> None:
    assert score(text) == NEUTRAL


def test_sentiment_is_frozen() -> None:
    with pytest.raises(AttributeError):
        score("good").polarity = 0.0  # type: ignore[misc]


@pytest.mark.parametrize(
    "text",
    [
        "The support team was incredibly helpful and kind",
        "I don't think this is a good idea",
        "Terrible, terrible experience!!",
        "The invoice was very late and the customer is not impressed :(",
        "we're well-known for being reliable",
    ],
)
def test_subjectivity_matches_textblob(text: str) -> None:
    """The fast path runs TextBlob's own rules; guard against an upgrade changing them."""
    assert score(text).subjectivity == pytest.approx(TextBlob(text).sentiment.subjectivity)


# --- metrics ----------------------------------------------------------------------------------


def test_metrics_on_a_hand_checked_confusion() -> None:
    # gold:      neg neg neg pos pos pos pos neu neu neu
    # predicted: neg neg pos pos pos pos neu neu pos neg
    gold = ["negative"] * 3 + ["positive"] * 4 + ["neutral"] * 3
    predicted = ["negative", "negative", "positive"]
    predicted += ["positive", "positive", "positive", "neutral"]
    predicted += ["neutral", "positive", "negative"]
    cells = confusion(gold, predicted)  # type: ignore[arg-type]
    assert cells[("negative", "negative")] == 2
    assert cells[("positive", "neutral")] == 1
    assert sum(cells.values()) == 10
    # correct: 2 neg + 3 pos + 1 neu = 6 of 10
    assert accuracy(cells) == pytest.approx(0.6)
    # negative: tp 2, fp 1, fn 1 -> P 2/3, R 2/3, F1 2/3
    # positive: tp 3, fp 2, fn 1 -> P 3/5, R 3/4, F1 2*.6*.75/1.35 = 2/3
    # neutral:  tp 1, fp 1, fn 2 -> P 1/2, R 1/3, F1 2*(1/6)/(5/6) = 0.4
    per_class = f1_per_class(cells)
    assert per_class["negative"] == pytest.approx(2 / 3)
    assert per_class["positive"] == pytest.approx(2 / 3)
    assert per_class["neutral"] == pytest.approx(0.4)
    assert macro_f1(cells) == pytest.approx((2 / 3 + 2 / 3 + 0.4) / 3)


def test_class_never_predicted_scores_zero() -> None:
    cells = confusion(["neutral", "positive"], ["positive", "positive"])
    assert f1_per_class(cells)["neutral"] == 0.0
    assert macro_f1(cells) == pytest.approx((0 + 2 / 3 + 0) / 3)


def test_label_threshold_is_inclusive() -> None:
    assert label_of(0.05) == "positive"
    assert label_of(-0.05) == "negative"
    assert label_of(0.0499) == "neutral"
    assert label_of(-0.0499) == "neutral"


def test_load_rated_reads_crlf_tabs_and_rates(tmp_path: Path) -> None:
    data = tmp_path / "tiny_GroundTruth.txt"
    data.write_bytes(
        b"1\t2.5\tGreat work\tteam\r\n2\t-1.0\tmeh, broken\r\n\r\n3\t0.1\tthe meeting is at 3\r\n"
    )
    items = load_rated(data)
    assert [i.id for i in items] == ["1", "2", "3"]
    assert items[0].text == "Great work\tteam"  # only the first two tabs split
    assert [i.label for i in items] == ["positive", "negative", "neutral"]
    figures = evaluate([0.9, -0.6, 0.0], items)
    assert figures == {"accuracy": 1.0, "macro_f1": 1.0}


def test_load_rated_rejects_a_bad_line(tmp_path: Path) -> None:
    data = tmp_path / "bad.txt"
    data.write_text("1\tnot-a-number\ttext\n", encoding="utf-8")
    with pytest.raises(ValueError, match="bad.txt:1"):
        load_rated(data)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_any_text_scores_within_range(text: str) -> None:
    result = score(text)
    assert -1.0 <= result.polarity <= 1.0
    assert 0.0 <= result.subjectivity <= 1.0


def test_every_emoticon_the_tokenizer_keeps_is_one_textblob_scores() -> None:
    """The emoticon list is ours (TextBlob does not export its own): each must still be one
    that TextBlob's public sentiment lexicon scores as a mood, and score as TextBlob does."""
    from textblob.en import sentiment as pattern

    from handlers.common.sentiment import EMOTICONS

    for face in EMOTICONS:
        if face.isalpha():  # "XD": TextBlob's rules never score an all-letter token as a face
            assert pattern.assessments([(face.lower(), None)]) == []
            continue
        (assessed,) = pattern.assessments([(face.lower(), None)])
        assert assessed[3] == "mood", face
        text = f"fine {face}"
        assert score(text).subjectivity == pytest.approx(TextBlob(text).sentiment.subjectivity)
