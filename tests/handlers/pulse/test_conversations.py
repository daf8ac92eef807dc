"""Anonymous conversations on comments, on the console: a ticked comment gets a reference in a
manager's ``comments``, the manager replies, the author reads the reply and answers, and the
manager reads "the author of comment C..." and never who it is."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel import select

from bot.app import run_due
from handlers.people import erase, retention
from storage import people
from storage.conversations import CommentLink
from storage.job_marks import JobMark
from storage.models import Outbox
from tests.conftest import START
from tests.support import comment, import_org, org_csv

TEAM = org_csv(
    "cea@x.io,Cea,,Support,leader,UTC",
    *(f"p{i}@x.io,P{i},cea@x.io,Support,employee,UTC" for i in range(12)),
)
REF = re.compile(r"\[(C[A-Z0-9]{7})\]")
AUTHOR = "p3@x.io"
TICKED_WORDS = "the onboarding calls are too short"


def ticked_week(runtime, chat, router) -> str:  # type: ignore[no-untyped-def]
    """Cea's check-in: ten people comment, P3 through the console ticking "reply
    anonymously"; the week is published. Returns the reference Cea sees."""
    import_org(runtime, TEAM)
    chat("cea@x.io").say("checkin")
    for i in range(10):
        if f"p{i}@x.io" == AUTHOR:
            author = chat(AUTHOR)
            assert "type a number 1-5" in author.inbox()
            thanks = author.say("4", TICKED_WORDS, "y")
            assert "may reply to it here; they will never see who you are" in thanks
        else:
            comment(runtime, router, f"p{i}@x.io", f"remark {i} about customers")
    runtime.clock.advance(timedelta(days=10))
    run_due(runtime)
    listed = chat("cea@x.io").say("comments")
    refs = REF.findall(listed)
    assert len(refs) == 1, listed
    assert f"[{refs[0]}] {TICKED_WORDS}" in listed and "type reply and its reference" in listed
    return refs[0]


def test_a_reply_and_an_answer_go_round_without_the_author_s_name(runtime, chat, router) -> None:
    ref = ticked_week(runtime, chat, router)
    cea = chat("cea@x.io")
    ack = cea.say(f"reply {ref} Thanks, which calls do you mean?")
    assert f"Your reply to comment {ref} was passed on anonymously" in ack

    author = chat(AUTHOR)
    got = author.inbox()
    assert "Cea read your comment and replied" in got
    assert TICKED_WORDS in got and "Thanks, which calls do you mean?" in got
    assert f"reply {ref}" in got

    sent = author.say(f"reply {ref} The first call with a new customer")
    assert f'Sent to Cea as "the author of comment {ref}"' in sent
    assert cea.inbox() == ""  # released at the next full hour, not at the author's minute
    runtime.clock.advance(timedelta(hours=1))
    answer = cea.inbox()
    assert f'The author of comment {ref} answered: "The first call with a new customer"' in answer
    assert "P3" not in answer and AUTHOR not in answer

    # only the author was ever told who they are; nobody else got anything
    for i in (0, 1, 2, 4):
        assert "replied" not in chat(f"p{i}@x.io").inbox()


def test_an_unticked_comment_has_no_reference_and_no_link(runtime, chat, router) -> None:
    import_org(runtime, TEAM)
    chat("cea@x.io").say("checkin")
    author = chat(AUTHOR)
    author.inbox()
    assert "may reply" not in author.say("4", "no link wanted", "n")
    with runtime.db.session() as session:
        assert session.exec(select(CommentLink)).all() == []


def test_bad_replies_are_refused_politely_and_send_nothing(runtime, chat, router) -> None:
    ref = ticked_week(runtime, chat, router)
    cea = chat("cea@x.io")

    def queued() -> int:
        with runtime.db.session() as session:
            return len(session.exec(select(Outbox)).all())

    before = queued()
    assert "reply and its reference" in cea.say("reply")
    assert "Please add your words" in cea.say(f"reply {ref}")
    assert "limit is 2000" in cea.say(f"reply {ref} {'x' * 2001}")
    # a reference Cea cannot see, and a made-up one: the same answer
    assert "only to a comment marked" in cea.say("reply CZZZZZZZ hello")
    # an employee reads the comments but may not reply, and sees no references
    p5 = chat("p5@x.io")
    assert REF.search(p5.say("comments")) is None
    assert "only to a comment marked" in p5.say(f"reply {ref} hello")
    # someone else cannot close the author's conversation, nor learn whose it is
    assert "no open conversation about a comment of yours" in p5.say(f"close {ref}")
    assert queued() == before


def test_closing_deletes_the_link_and_the_manager_gets_the_same_refusal_as_for_erasure(
    runtime, chat, router, cli
) -> None:
    ref = ticked_week(runtime, chat, router)
    cea = chat("cea@x.io")
    cea.say(f"reply {ref} Tell me more?")
    author = chat(AUTHOR)
    author.inbox()
    assert "the link between your comment and you is deleted" in author.say(f"close {ref}")
    with runtime.db.session() as session:
        assert session.get(CommentLink, ref) is None
        # the reply that named the comment to its author is gone from the outbox too
        assert session.exec(select(Outbox).where(Outbox.kind == "convo.reply")).all() == []
    closed = cea.say(f"reply {ref} Still there?")
    assert "This conversation is closed" in closed
    assert author.inbox() == ""
    assert "no open conversation" in author.say(f"close {ref}")


def test_a_link_ends_after_90_days_whatever_the_retention_period(runtime, chat, router) -> None:
    ref = ticked_week(runtime, chat, router)
    runtime.clock.set(START + timedelta(days=89))
    assert retention.nightly(runtime).conversation_links == 0
    assert "passed on anonymously" in chat("cea@x.io").say(f"reply {ref} Day 89")
    runtime.clock.set(START + timedelta(days=91))
    assert retention.nightly(runtime).conversation_links == 1
    with runtime.db.session() as session:
        assert session.get(CommentLink, ref) is None
        assert session.exec(select(Outbox).where(Outbox.kind == "convo.reply")).all() == []
        marks = session.exec(select(JobMark.name)).all()
    assert {"scrub:comment_link", "scrub:outbox"} <= set(marks)  # their old row versions next
    assert "This conversation is closed" in chat("cea@x.io").say(f"reply {ref} Day 91")


def test_erasing_the_author_deletes_the_link_and_the_replies_they_got(
    runtime, chat, router
) -> None:
    ref = ticked_week(runtime, chat, router)
    chat("cea@x.io").say(f"reply {ref} Tell me more?")
    with runtime.db.session() as session:
        author = people.by_email(session, AUTHOR)
        assert author is not None
        done = erase.erase(session, author, 5, runtime.clock.now())
    assert done.deleted["comment_link"] == 1
    with runtime.db.session() as session:
        assert session.exec(select(CommentLink)).all() == []
        assert session.exec(select(Outbox).where(Outbox.kind == "convo.reply")).all() == []
        assert "scrub:comment_link" in session.exec(select(JobMark.name)).all()
    assert "This conversation is closed" in chat("cea@x.io").say(f"reply {ref} Hello?")
