"""Before a person is erased: hold every live count they are in at the figure it shows now.

Erasure deletes their prompt, invite, receipt and reactions, so the counts would shrink and
could step down, which would tell a poller that the erased person had answered. ``hold``
writes each figure onto its round, assessment, cascade or story (``live_floor``); it is the
figure any poll could read at that moment, so what is kept says no more about what they did
than that poll did (handlers/live_counts.py, "Erasure", says why that is enough).
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from handlers import assessment, cascade_report, live_counts, pulse, stories
from storage.cascade_models import Cascade, CascadeReceipt
from storage.models import PulsePrompt, PulseRound
from storage.roadmap import Assessment, AssessmentInvite
from storage.stories import Story, StoryDigestItem, StoryDigestReceipt


def hold(session: Session, person_id: int, k: int) -> None:
    """Raise the floor of every live count ``person_id`` is counted in to what it shows now."""
    rounds = select(PulseRound).join(PulsePrompt, col(PulsePrompt.round_id) == PulseRound.id)
    for round_ in session.exec(
        rounds.where(PulsePrompt.person_id == person_id, col(PulseRound.closed).is_(False))
    ):
        asked, answered = pulse._progress(session, round_.id)  # type: ignore[arg-type]
        round_.live_floor = live_counts.at_least(answered, asked, k, round_.live_floor)
        session.add(round_)
    invited = select(Assessment).join(
        AssessmentInvite, col(AssessmentInvite.assessment_id) == Assessment.id
    )
    for running in session.exec(
        invited.where(AssessmentInvite.person_id == person_id, Assessment.status == "open")
    ):
        asked, finished = assessment.progress(session, running)
        running.live_floor = live_counts.at_least(finished, asked, k, running.live_floor)
        session.add(running)
    reached = select(Cascade).join(CascadeReceipt, col(CascadeReceipt.cascade_id) == Cascade.id)
    for cascade in session.exec(reached.where(CascadeReceipt.person_id == person_id)):
        done, count = cascade_report.acknowledgements(session, cascade.id)  # type: ignore[arg-type]
        cascade.live_floor = live_counts.at_least(done, count, k, cascade.live_floor)
        session.add(cascade)
    read = (
        select(Story)
        .join(StoryDigestItem, col(StoryDigestItem.story_id) == Story.id)
        .join(StoryDigestReceipt, StoryDigestReceipt.digest_id == StoryDigestItem.digest_id)
        .where(StoryDigestReceipt.person_id == person_id)
        .distinct()
    )
    found = list(session.exec(read))
    ids: list[int] = [story.id for story in found]  # type: ignore[misc]
    counts, readers = stories._reaction_counts(session, ids), stories._readers(session, ids)
    for story in found:
        story.live_floor = live_counts.at_least(
            counts.get(story.id, 0),  # type: ignore[arg-type]
            readers.get(story.id, 0),  # type: ignore[arg-type]
            k,
            story.live_floor,
        )
        session.add(story)
    session.flush()
