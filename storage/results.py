"""What the results messages sent (handlers/roadmap/results.py): one row per person and period.

A row is written in the same transaction as the message it records, so a person gets at most
one results message per period, however often the tick runs. ``figures`` holds the team's
published figures exactly as the message showed them (each one a published cell, which never
changes), so "Share with my team" posts the very figures the manager saw. ``shared_at`` is
set once: a second share of the same period changes nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models import utc_column


class ResultsMessage(SQLModel, table=True):
    __tablename__ = "results_message"
    __table_args__ = (UniqueConstraint("person_id", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    period: str = Field(max_length=40)
    sent_at: datetime = Field(sa_column=utc_column())
    # the team's shown figures, as shown: JSON [{"measure", "mean", "respondents", "trend"}]
    figures: str = Field(sa_column=Column(Text, nullable=False))
    weakest: str | None = Field(default=None, max_length=40)  # a theme, or None
    objective_id: int | None = Field(default=None, foreign_key="objective.id")
    shared_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    shared_to: str | None = Field(default=None, max_length=200)  # "members"
