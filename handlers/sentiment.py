"""Sentiment of free text (pulse comments, stories): polarity in [-1, 1], subjectivity in [0, 1].

Placeholder on plain TextBlob until the stories capability brings the measured scorer.
"""

from __future__ import annotations

from dataclasses import dataclass

from textblob import TextBlob


@dataclass(frozen=True)
class Sentiment:
    polarity: float
    subjectivity: float


def score(text: str) -> Sentiment:
    sentiment = TextBlob(text).sentiment
    return Sentiment(polarity=float(sentiment.polarity), subjectivity=float(sentiment.subjectivity))
