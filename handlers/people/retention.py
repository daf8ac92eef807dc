"""The retention period: comments and story texts older than ``CULTUREBOT_RETENTION_MONTHS``
are deleted each night (the scheduler's nightly job, or ``culturebot person retention``).

What is deleted is the *words*: a pulse answer keeps its score and sentiment, a story or idea
keeps its kind, team, date, sentiment and reactions (so trends and counts stay), but its texts
are replaced by a short notice; assessment comments, which are nothing but text, go whole, and
so do forms in progress (``FormDraft``) last touched before the cutoff.
``0`` months (the default) keeps everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlmodel import Session, col

import prompts
from storage import audit, conversations
from storage.models import FormDraft, PulseAnswer, PulseRound
from storage.stories import Story
from storage.tables import metadata


def months_before(now: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier (the month's last day when
    that day does not exist: 31 March minus one month is 28/29 February)."""
    year, month = divmod(now.year * 12 + (now.month - 1) - months, 12)
    month += 1
    day = now.day
    while True:
        try:
            return now.replace(year=year, month=month, day=day)
        except ValueError:
            day -= 1


@dataclass
class Purged:
    pulse_comments: int = 0
    stories: int = 0
    assessment_comments: int = 0
    form_drafts: int = 0
    conversation_links: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def purge(session: Session, now: datetime, months: int) -> Purged:
    """Delete the comments and story texts older than ``months`` (none when 0)."""
    out = Purged()
    if months <= 0:
        return out
    cutoff = months_before(now, months)
    out.pulse_comments = (
        session.exec(
            update(PulseAnswer)
            .where(
                # answers keep no date of their own: the close of their round is the one known
                col(PulseAnswer.round_id).in_(
                    select(col(PulseRound.id)).where(col(PulseRound.closes_at) < cutoff)
                ),
                col(PulseAnswer.comment).is_not(None),
            )
            .values(comment=None)
        ).rowcount
        or 0
    )
    removed = prompts.text("retention.removed", months=months)
    out.stories = (
        session.exec(
            update(Story)
            .where(
                col(Story.created_at) < cutoff,
                or_(
                    col(Story.what_happened) != removed,
                    col(Story.what_changed) != removed,
                    col(Story.customer).is_not(None),
                ),
            )
            .values(what_happened=removed, what_changed=removed, customer=None)
        ).rowcount
        or 0
    )
    comments = metadata.tables.get("assessment_comment")
    assessments = metadata.tables.get("assessment")
    if comments is not None and assessments is not None:
        old = select(assessments.c.id).where(assessments.c.closes_at < cutoff)
        out.assessment_comments = (
            session.exec(delete(comments).where(comments.c.assessment_id.in_(old))).rowcount or 0
        )
    out.form_drafts = (
        session.exec(delete(FormDraft).where(col(FormDraft.updated_at) < cutoff)).rowcount or 0
    )
    return out


def nightly(runtime) -> Purged:
    """The nightly job: purge with the configured period, and record it in the audit log.
    Whatever the period, anonymous conversations' links end after 90 days
    (storage/conversations.py)."""
    now = runtime.clock.now()
    months = runtime.settings.retention_months
    with runtime.db.session() as session:
        done = purge(session, now, months)
        done.conversation_links = conversations.expire(session, now)
        if any(done.as_dict().values()):
            audit.record(
                session,
                "retention.purge",
                actor="scheduler",
                at=now,
                target=f"older than {months} months",
                details=done.as_dict(),
            )
    return done
