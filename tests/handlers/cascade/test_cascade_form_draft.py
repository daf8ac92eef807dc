"""Forms in progress beyond stories (issue 23): a leader's cascade, a manager's objective and
relay note refused for one field keep the rest, survive a new session, and are finished from
``pending``/``home`` with what was typed pre-filled."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel import select

from bot.core.chat import Incoming
from bot.core.router import Router
from storage.cascade_models import Cascade
from storage.models import FormDraft
from storage.roadmap import Objective
from tests.handlers.cascade.helpers import email, org, receipts
from tests.support import import_org

FINISH = re.compile(r"\(([a-z]+)\) \[\d+\] Finish it")


def _drafts(runtime) -> list[FormDraft]:  # type: ignore[no-untyped-def]
    with runtime.db.session() as session:
        return list(session.exec(select(FormDraft)))


def test_a_cascade_refused_for_its_window_keeps_title_and_message_and_is_sent_later(
    runtime, chat
) -> None:
    import_org(runtime, org())
    runtime.clock.advance(timedelta(hours=9))
    vp = chat(email("vp"))
    # window 99 is refused; asked again for it alone, the leader quits
    shown = vp.say(
        "cascade", "Customers first", "We will call every customer who churned.", "", "99"
    )
    assert "99" in shown and "Cancelled: nothing was sent." in shown
    [draft] = _drafts(runtime)
    assert draft.action == "cascade.send" and "window_days" not in draft.fields

    fresh = chat(email("vp"))  # a new console session: nothing in memory
    pending = fresh.say("pending")
    assert 'A leadership message you started: "Customers first"' in pending
    label = FINISH.search(fresh.say("home"))
    assert label is not None
    # Enter keeps the title and message; only the window is typed
    preview = fresh.say(f"{label.group(1)} 1", "", "", "", "3")
    assert '"Customers first"' in preview and "[1] Send" in preview
    assert "Sent" in fresh.say("1")
    with runtime.db.session() as session:
        cascade = session.exec(select(Cascade)).one()
    assert (cascade.title, cascade.body, cascade.window_days, cascade.status) == (
        "Customers first",
        "We will call every customer who churned.",
        3,
        "running",
    )
    assert "m1" in receipts(runtime)
    assert _drafts(runtime) == []
    assert "A leadership message you started" not in chat(email("vp")).say("pending")


def test_through_the_router_a_refused_cascade_is_kept_and_its_corrected_resend_handled(
    runtime, router: Router
) -> None:
    import_org(runtime, org())
    form = router.handle(
        runtime, Incoming(platform="console", user_id=email("vp"), kind="command", name="cascade")
    ).form
    assert form is not None and form.ref

    def send(window: str):  # type: ignore[no-untyped-def]
        fields = {"title": "Customers first", "message": "Call them.", "window_days": window}
        return router.handle(
            runtime,
            Incoming(
                platform="console",
                user_id=email("vp"),
                kind="action",
                name="cascade.send",
                ref=form.ref,
                fields=fields,
                event_id="view-1",  # Slack resubmits the same view
            ),
        )

    refused = send("99")
    assert refused.refused and refused.refused_field == "window_days"
    [draft] = _drafts(runtime)
    assert '"Customers first"' in draft.fields and "Call them." in draft.fields
    previewed = send("2")
    assert not previewed.refused and "Send" in str(previewed.replies)
    assert _drafts(runtime) == []


def test_an_objective_refused_for_its_target_is_finished_after_a_restart(runtime, chat) -> None:
    import_org(runtime, org())
    m1 = chat(email("m1"))
    typed = ("Answer every customer within a day", "1", "9", "2027-06-30", "", "", "")
    m1.say("objective add", *typed)
    [draft] = _drafts(runtime)
    assert draft.action == "objective.add" and "target" not in draft.fields

    fresh = chat(email("m1"))
    assert 'An objective you started: "Answer every customer within a day"' in fresh.say("pending")
    label = FINISH.search(fresh.say("home"))
    assert label is not None
    done = fresh.say(f"{label.group(1)} 1", "", "", "3.8", "", "", "3.1", "")
    assert "Answer every customer within a day" in done
    with runtime.db.session() as session:
        objective = session.exec(select(Objective)).one()
    assert (objective.title, objective.target) == ("Answer every customer within a day", 3.8)
    assert _drafts(runtime) == []
