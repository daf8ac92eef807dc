"""The disclosure gate's published snapshots (see handlers/reports/disclosure.py).

A period is published once, when it is closed; its cells never change afterwards. A withheld
cell keeps only why it is withheld. ``n``, ``answers`` and ``total`` are the exact figures of
a *shown* cell, kept so that figures spanning several shown cells (a 4-week mean) can be
combined; no output shows them. ``invited`` and ``population`` say how much of a group was
asked ("asked: 6 of 60", shown where a round went to part of it), ``members`` which parts.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from storage.models import utc_column


class DisclosurePeriod(SQLModel, table=True):
    __tablename__ = "disclosure_period"

    period: str = Field(primary_key=True, max_length=40)  # "2027-W10" | "assessment:3"
    kind: str = Field(max_length=20, index=True)  # "pulse" | "assessment"
    starts: date
    ends: date
    published_at: datetime = Field(sa_column=utc_column())


class DisclosureCell(SQLModel, table=True):
    __tablename__ = "disclosure_cell"

    __table_args__ = (
        Index("ix_disclosure_cell_period_measure", "period", "measure"),
        Index("ix_disclosure_cell_kind_key", "kind", "key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    period: str = Field(max_length=40, foreign_key="disclosure_period.period")
    measure: str = Field(max_length=40)
    kind: str = Field(max_length=20)  # org | department | subtree | team
    key: str = Field(max_length=2000)  # "" | department | the manager's person path
    label: str = Field(max_length=300)
    shown: bool
    reason: str | None = Field(default=None, max_length=20)  # small | complementary
    respondents: str | None = Field(default=None, max_length=20)  # a band, e.g. "10-19"
    participation: float | None = None
    mean: float | None = None
    sentiment: float | None = None
    # texts of a shown cell not scored (no measured scorer for their language), where their
    # list is shown or for the whole organisation; None for cells published before
    unscored: int | None = None
    spread: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # JSON
    comments_shown: bool = False
    n: int | None = None
    answers: int | None = None
    total: float | None = None
    # of a shown cell: how many were asked, how many the group held when published, and a
    # fingerprint of the (team, department) parts asked (equal: the same people were asked)
    invited: int | None = None
    population: int | None = None
    members: str | None = Field(default=None, max_length=40)
