"""Property: whatever the managers do, by the end of the last relay window every active person
in the sender's subtree has the cascade exactly once, and nobody outside it has it at all."""

from __future__ import annotations

import shutil
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import col, select

from bot.app import build_router, run_due
from bot.core.chat import Incoming
from bot.core.clock import FakeClock
from bot.core.config import Settings
from bot.core.runtime import Runtime
from handlers.people import org
from storage.cascade_models import CascadeLink, CascadeReceipt
from storage.db import Database
from storage.models import Outbox, Person
from tests.conftest import START
from tests.support import org_csv

NOTE = "A personal note for my team about this message."
NEVER = -1
ROUTER = build_router()


@st.composite
def orgs(draw: st.DrawFn) -> tuple[list[int], int, list[int], int]:
    """(parent of each person but the top, sender, hours each waits before relaying, window)."""
    size = draw(st.integers(min_value=2, max_value=11))
    parents = [draw(st.integers(min_value=0, max_value=i - 1)) for i in range(1, size)]
    managers = sorted({0, *parents})
    sender = draw(st.sampled_from(managers))
    delays = draw(st.lists(st.sampled_from([0, 6, 20, 40, NEVER]), min_size=size, max_size=size))
    window = draw(st.integers(min_value=1, max_value=2))
    return parents, sender, delays, window


def _runtime(tmp_path_factory, sqlite_template) -> Runtime:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("prop") / "culturebot.db"
    shutil.copy(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    clock = FakeClock(START + timedelta(hours=9))
    return Runtime(db=db, clock=clock, settings=Settings(database_url=db.url, _env_file=None))  # type: ignore[call-arg]


def _act(runtime: Runtime, who: int, name: str, ref: str = "", **fields: str) -> None:
    ROUTER.handle(
        runtime,
        Incoming(
            platform="console",
            user_id=f"p{who}@x.io",
            kind="action",
            name=name,
            ref=ref,
            fields=fields,
        ),
    )


@settings(max_examples=30, deadline=None)
@given(case=orgs())
def test_everyone_in_the_subtree_is_reached_exactly_once(
    case: tuple[list[int], int, list[int], int], tmp_path_factory, sqlite_template
) -> None:
    parents, sender, delays, window = case
    runtime = _runtime(tmp_path_factory, sqlite_template)
    try:
        rows = [f"p0@x.io,P0,,Top,{'leader' if sender == 0 else 'employee'},UTC"]
        for i, parent in enumerate(parents, start=1):
            role = "leader" if i == sender else "employee"
            rows.append(f"p{i}@x.io,P{i},p{parent}@x.io,Team,{role},Europe/Berlin")
        with runtime.db.session() as session:
            org.import_text(session, org_csv(*rows))
        _act(runtime, sender, "cascade.send", title="News", message="Customers first.")
        _act(runtime, sender, "cascade.confirm", "1")  # the preview's Send button

        for _ in range(200):
            with runtime.db.session() as session:
                pending = session.exec(
                    select(CascadeLink, Person.email)
                    .join(Person, col(Person.id) == col(CascadeLink.manager_id))
                    .where(CascadeLink.status == "pending")
                ).all()
            if not pending:
                break
            now = runtime.clock.now()
            for link, email in pending:
                who = int(email[1:].split("@")[0])
                delay = delays[who]
                if delay != NEVER and now >= link.since + timedelta(hours=delay):
                    _act(runtime, who, "cascade.relay_note", str(link.id), note=NOTE)
            runtime.clock.advance(timedelta(hours=6))
            run_due(runtime)
        else:
            raise AssertionError("the cascade never finished")

        with runtime.db.session() as session:
            everyone = {int(p.email[1:].split("@")[0]): p.id for p in session.exec(select(Person))}
            reached = list(session.exec(select(CascadeReceipt.person_id)).all())
            messages = list(
                session.exec(select(Outbox.person_id).where(Outbox.kind == "cascade.message")).all()
            )
    finally:
        runtime.db.dispose()

    def below(i: int) -> set[int]:
        children = [c for c, parent in enumerate(parents, start=1) if parent == i]
        return set(children).union(*(below(c) for c in children))

    audience = {everyone[i] for i in below(sender)}
    assert sorted(reached) == sorted(audience)
    assert sorted(messages) == sorted(audience)
