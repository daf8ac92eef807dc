"""The manager as attacker of an anonymous conversation: everything they can see, before and
after they reply and the author answers, must be the same whoever wrote the comment.

Two worlds differ only in who wrote the ticked comment (P3 or P7: they swap comments) and in
the minute the author answers. The manager collects all they can read in chat at each step
(the check-in's live count, ``comments``, ``report``, ``report details``, ``home``, the reply's
acknowledgement, their inbox); with the random references written alike, both worlds must show
exactly the same text. The comment is not on the dashboard (it lists no comments).
"""

from __future__ import annotations

import re
import shutil
import uuid
from datetime import timedelta
from pathlib import Path

from bot.app import run_due
from bot.core.clock import FakeClock
from bot.core.config import Settings
from bot.core.runtime import Runtime
from handlers.people import erase
from storage import people
from storage.db import Database
from tests.conftest import START
from tests.support import Chat, comment, import_org, org_csv

TEAM = org_csv(
    "cea@x.io,Cea,,Support,leader,UTC",
    *(f"p{i}@x.io,P{i},cea@x.io,Support,employee,UTC" for i in range(12)),
)
TICKED = "the onboarding calls are too short"
OTHER = "the support queue is slow on Mondays"
REF = re.compile(r"C[A-Z0-9]{7}")
MANAGER_READS = ("comments", "report", "report details", "home")


def world(template: Path, folder: Path) -> Runtime:
    path = folder / f"{uuid.uuid4().hex}.db"
    shutil.copy(template, path)
    db = Database(f"sqlite:///{path}")
    settings = Settings(database_url=db.url, _env_file=None)  # type: ignore[call-arg]
    return Runtime(db=db, clock=FakeClock(START), settings=settings)


def same(text: str) -> str:
    """What the manager read, with the one random reference written alike."""
    return REF.sub("C*******", text)


def play(runtime: Runtime, router, author: str, answer_after: int) -> tuple[list[str], str]:  # type: ignore[no-untyped-def]
    """One world: ``author`` ticks TICKED, the other of P3/P7 writes OTHER. Returns what the
    manager saw at each step, and the reference."""
    import_org(runtime, TEAM)
    cea = Chat(runtime, router, "cea@x.io")
    seen: list[str] = [cea.say("checkin")]
    other = "p7@x.io" if author == "p3@x.io" else "p3@x.io"
    for i in range(10):
        email = f"p{i}@x.io"
        if email == author:
            writer = Chat(runtime, router, email)
            writer.inbox()
            writer.say("4", TICKED, "y")
        else:
            comment(runtime, router, email, OTHER if email == other else f"remark {i}")
        seen.append(cea.say("checkin"))  # the live count while it runs
    runtime.clock.advance(timedelta(days=10))  # type: ignore[attr-defined]
    run_due(runtime)
    seen += [cea.say(line) for line in MANAGER_READS]
    ref = REF.findall(cea.say("comments"))[0]
    seen.append(cea.say(f"reply {ref} Which calls do you mean?"))
    seen += [cea.say(line) for line in MANAGER_READS]
    seen.append(cea.inbox())
    writer = Chat(runtime, router, author)
    assert "Which calls do you mean?" in writer.inbox()
    start = runtime.clock.now()
    for minute in (5, 41):  # the author answers at one of them; the manager polls after each
        runtime.clock.set(start + timedelta(minutes=minute))  # type: ignore[attr-defined]
        if minute == answer_after:
            writer.say(f"reply {ref} The first call with a new customer")
        runtime.clock.advance(timedelta(minutes=4))  # type: ignore[attr-defined]
        seen.append(cea.inbox())  # nothing before the full hour, whoever answered when
    runtime.clock.set(runtime.clock.now().replace(minute=0) + timedelta(hours=1))  # type: ignore[attr-defined]
    seen.append(cea.inbox())
    seen += [cea.say(line) for line in MANAGER_READS]
    return [same(s) for s in seen], ref


def test_the_manager_sees_the_same_whoever_wrote_the_comment(
    router, sqlite_template: Path, tmp_path: Path
) -> None:
    one, _ = play(world(sqlite_template, tmp_path), router, "p3@x.io", answer_after=5)
    two, _ = play(world(sqlite_template, tmp_path), router, "p7@x.io", answer_after=41)
    assert any("The author of comment C*******" in s for s in one)  # the answer arrived
    for step, (a, b) in enumerate(zip(one, two, strict=True)):
        assert a == b, f"step {step} tells the worlds apart:\n{a}\n---\n{b}"
    joined = "\n".join(one)
    assert "P3" not in joined and "P7" not in joined and "p3@" not in joined


def test_a_closed_and_an_erased_author_look_the_same_to_the_manager(
    router, sqlite_template: Path, tmp_path: Path
) -> None:
    """The author closes the conversation in one world and is erased in the other: the manager's
    reply gets the same polite refusal, and everything else they read is the same."""
    seen = []
    for how in ("close", "erase"):
        runtime = world(sqlite_template, tmp_path)
        import_org(runtime, TEAM)
        cea = Chat(runtime, router, "cea@x.io")
        cea.say("checkin")
        for i in range(10):
            if i == 3:
                writer = Chat(runtime, router, "p3@x.io")
                writer.inbox()
                writer.say("4", TICKED, "y")
            else:
                comment(runtime, router, f"p{i}@x.io", f"remark {i}")
        runtime.clock.advance(timedelta(days=10))  # type: ignore[attr-defined]
        run_due(runtime)
        ref = REF.findall(cea.say("comments"))[0]
        if how == "close":
            writer.say(f"close {ref}")
        else:
            with runtime.db.session() as session:
                person = people.by_email(session, "p3@x.io")
                assert person is not None
                erase.erase(session, person, 5, runtime.clock.now())
        reply = cea.say(f"reply {ref} Still there?")
        assert "This conversation is closed" in reply
        seen.append([same(reply), same(cea.say("comments")), cea.inbox()])
    assert seen[0] == seen[1]
