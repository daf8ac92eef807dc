"""An organisation with two weeks of closed pulse answers, for the results message tests.

Lea leads three managers (who answer too, in the Board department): Sam's Support team of
six (Berlin), Eve's Engineering team of six (New York) and Tim's Ops team of three (Tokyo),
under the minimum group size of 5. Engineering is weak on customer focus.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlmodel import select

from bot.app import run_due
from bot.core.runtime import Runtime
from handlers.reports.disclosure import week_of
from storage.models import Person, PulseAnswer, PulsePrompt, PulseRound
from tests.support import import_org, org_csv

ROWS = (
    "lea@x.io,Lea Leader,,Board,leader,Europe/Berlin",
    "sam@x.io,Sam Support,lea@x.io,Board,manager,Europe/Berlin",
    "eve@x.io,Eve Eng,lea@x.io,Board,manager,America/New_York",
    "tim@x.io,Tim Ops,lea@x.io,Board,manager,Asia/Tokyo",
    *(f"s{i}@x.io,S{i},sam@x.io,Support,employee,Europe/Berlin" for i in range(1, 7)),
    *(f"e{i}@x.io,E{i},eve@x.io,Engineering,employee,America/New_York" for i in range(1, 7)),
    *(f"t{i}@x.io,T{i},tim@x.io,Ops,employee,Asia/Tokyo" for i in range(1, 4)),
)
ORG = org_csv(*ROWS)
# on Slack: each person's user id is "U" and their email's name in capitals (USAM, US1)
SLACK_ORG = "email,name,manager_email,department,role,timezone,slack_user_id\n" + "".join(
    f"{row},U{row.split('@')[0].upper()}\n" for row in ROWS
)
SUPPORT = [f"s{i}@x.io" for i in range(1, 7)]
ENGINEERING = [f"e{i}@x.io" for i in range(1, 7)]
WEEK_BEFORE = date(2027, 3, 1)  # 2027-W09
WEEK = date(2027, 3, 8)  # 2027-W10, published from Wed 17 Mar 2027 00:00 UTC
BEFORE_PUBLISHED = datetime(2027, 3, 10, 3, 0, tzinfo=UTC)  # 2027-W09 published
PUBLISHED = datetime(2027, 3, 17, 3, 0, tzinfo=UTC)  # 04:00 in Berlin, 23:00 in New York

# (department, theme) -> score; the week before, Support scored 3 on customer focus
SCORES = {
    ("Support", "customer_focus"): 4,
    ("Support", "leadership"): 3,
    ("Engineering", "customer_focus"): 2,
    ("Engineering", "leadership"): 4,
    ("Ops", "customer_focus"): 1,
    ("Ops", "leadership"): 1,
    ("Board", "customer_focus"): 4,
    ("Board", "leadership"): 4,
}
QUESTIONS = {"cf01": "customer_focus", "lc01": "leadership"}


def seed(runtime: Runtime, org: str = ORG) -> None:
    """The org, and two closed weeks of answers (everyone but Lea answers both questions);
    the week before is published (its messages queued), the clock is at ``PUBLISHED``."""
    import_org(runtime, org)
    seed_weeks(runtime)


def seed_weeks(runtime: Runtime) -> None:
    add_week(runtime, WEEK_BEFORE)
    runtime.clock.set(BEFORE_PUBLISHED)  # type: ignore[attr-defined]
    run_due(runtime)
    add_week(runtime, WEEK)
    runtime.clock.set(PUBLISHED)  # type: ignore[attr-defined]


def add_week(runtime: Runtime, monday: date) -> None:
    with runtime.db.session() as session:
        everyone = list(session.exec(select(Person).where(Person.email != "lea@x.io")))
        by_id = {p.id: p for p in session.exec(select(Person))}
        opened = datetime(monday.year, monday.month, monday.day, 9, tzinfo=UTC)
        for question, theme in QUESTIONS.items():
            round_ = PulseRound(
                question_id=question,
                created_at=opened,
                closes_at=opened + timedelta(hours=72),
                period=week_of(monday),
                closed=True,
            )
            session.add(round_)
            session.flush()
            for person in everyone:
                boss = by_id[person.manager_id]
                score = SCORES[(person.department, theme)]
                if monday == WEEK_BEFORE and (person.department, theme) == (
                    "Support",
                    "customer_focus",
                ):
                    score = 3
                session.add(
                    PulsePrompt(
                        round_id=round_.id,  # type: ignore[arg-type]
                        person_id=person.id,  # type: ignore[arg-type]
                        status="answered",
                        send_at=opened,
                        remind_at=opened,
                        closes_at=round_.closes_at,
                        team_path=boss.path,
                        department=person.department,
                        closed=True,
                    )
                )
                session.add(
                    PulseAnswer(
                        round_id=round_.id,  # type: ignore[arg-type]
                        period=round_.period,  # type: ignore[arg-type]
                        question_id=question,
                        theme=theme,
                        team_path=boss.path,
                        department=person.department,
                        score=score,
                    )
                )
