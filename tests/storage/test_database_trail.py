"""What a database superuser finds on disk once a check-in or an assessment has closed.

While a round is open, the pending answer is written in the transaction that marks its
prompt answered, and an assessment draft sits on the person's invite: a superuser can join
them (docs/privacy.md says so; the first test shows it). Once it has closed, nothing may join them:
not live rows, not dead row versions (read with ``pageinspect``, transaction ids included),
not the bytes left in a page's free space, not row order. On SQLite, the database file and its
``-wal`` file must hold each answer's words once, in the anonymous table only.

The PostgreSQL tests run in a database of their own, with the pageinspect extension.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bot.app import run_due
from bot.core.clock import FakeClock
from bot.core.config import Settings
from bot.core.router import Router
from bot.core.runtime import Runtime
from storage import scrub
from storage.db import Database, normalise_url
from tests.handlers.roadmap.helpers import ORG, SUPPORT, form_answers
from tests.support import Chat, comment, import_org, org_csv

TEAM = org_csv(
    "cea@x.io,Cea,,Support,leader,UTC",
    *(f"p{i}@x.io,P{i},cea@x.io,Support,employee,UTC" for i in range(10)),
)
START = datetime(2027, 3, 1, tzinfo=UTC)
PAGEINSPECT_MISSING = (
    "pageinspect is not available on this PostgreSQL server: the test of dead row versions "
    "did not run"
)


def words(i: int) -> str:
    return f"trail-words-{i}-qz"


def answer_checkin(runtime: Runtime, router: Router) -> None:
    """Ten people answer Cea's check-in one after another, each comment naming them."""
    import_org(runtime, TEAM)
    Chat(runtime, router, "cea@x.io").say("checkin")
    for i in range(10):
        runtime.clock.advance(timedelta(minutes=7))  # type: ignore[attr-defined]
        comment(runtime, router, f"p{i}@x.io", words(i))


def answer_assessment(runtime: Runtime, router: Router) -> None:
    """Lea's assessment; six people finish it, each with a comment naming them."""
    import_org(runtime, ORG)
    Chat(runtime, router, "lea@x.io").say("assess launch 10")
    for i, email in enumerate(SUPPORT):
        person = Chat(runtime, router, email)
        person.inbox()
        typed = form_answers(3, {"leadership": words(100 + i)})
        assert "Thank you" in person.say("1", *typed)


def close(runtime: Runtime, days: int) -> None:
    """Move past the close and tick; then tick the scrub again while it is not sure it could
    remove everything (on a shared server, another session's snapshot may hold old rows),
    as the scheduler would each minute."""
    runtime.clock.advance(timedelta(days=days))  # type: ignore[attr-defined]
    run_due(runtime)
    finish_scrub(runtime)


def finish_scrub(runtime: Runtime) -> None:
    """Run the scrub as the following ticks would, until it is done. On a test server shared
    with other runs, another session may hold a snapshot for a while: the scrub is retried
    only once no such session is left (a cheap query), as the scheduler's next tick would."""
    postgres = runtime.db.engine.dialect.name == "postgresql"
    for _ in range(200_000):
        with runtime.db.engine.connect() as conn:
            marks = conn.execute(text("SELECT count(*) FROM job_mark WHERE name LIKE 'scrub:%'"))
            if not marks.scalar():
                return
            if postgres and conn.execute(text(scrub.OLDER_SESSIONS)).scalar():
                continue
        scrub.run_due(runtime.db)
    raise AssertionError("the scrub never finished: another session kept a snapshot open")


# --- PostgreSQL: pageinspect -------------------------------------------------------------


@pytest.fixture
def own_postgres() -> Iterator[Runtime]:
    """A runtime on a fresh PostgreSQL database of its own, with pageinspect."""
    base = os.environ.get("CULTUREBOT_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("CULTUREBOT_TEST_POSTGRES_URL is not set")
    name = f"cb_trail_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(normalise_url(base), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(normalise_url(base)).set(database=name).render_as_string(hide_password=False)
    db = Database(url)
    try:
        try:
            with db.engine.begin() as conn:
                conn.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
        except DBAPIError:
            pytest.skip(PAGEINSPECT_MISSING)
        db.upgrade()
        settings = Settings(database_url=db.url, _env_file=None)  # type: ignore[call-arg]
        yield Runtime(db=db, clock=FakeClock(START), settings=settings)
    finally:
        db.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def row_versions(conn: Connection, table: str) -> list[tuple[int, int, int]]:
    """Every row version on the table's pages, live or dead: (line pointer flags, xmin, xmax);
    an unused line pointer (a version VACUUM removed) has no transaction ids."""
    pages = conn.execute(
        text(f"SELECT pg_relation_size('{table}') / current_setting('block_size')::int")
    ).scalar_one()
    found = []
    for page in range(pages):
        found += conn.execute(
            text(
                "SELECT lp_flags, t_xmin::text::bigint, t_xmax::text::bigint"
                f" FROM heap_page_items(get_raw_page('{table}', {page}))"
                " WHERE t_xmin IS NOT NULL"
            )
        ).all()
    return [tuple(row) for row in found]  # type: ignore[misc]


def raw_bytes(conn: Connection, table: str) -> bytes:
    """Every byte of the table's pages, free space included (and of its TOAST table)."""
    out = b""
    toast = conn.execute(
        text(f"SELECT reltoastrelid::regclass::text FROM pg_class WHERE oid = '{table}'::regclass")
    ).scalar()
    for rel in (table, toast):
        if not rel or rel == "-":
            continue
        pages = conn.execute(
            text(f"SELECT pg_relation_size('{rel}') / current_setting('block_size')::int")
        ).scalar_one()
        for page in range(pages):
            out += conn.execute(text(f"SELECT get_raw_page('{rel}', {page})")).scalar_one()
    return out


def xids(versions: list[tuple[int, int, int]]) -> set[int]:
    return {x for _, xmin, xmax in versions for x in (xmin, xmax) if x}


def test_postgres_pageinspect_joins_answers_to_people_only_while_the_round_is_open(
    own_postgres: Runtime, router: Router
) -> None:
    runtime = own_postgres
    answer_checkin(runtime, router)
    with runtime.db.engine.connect() as conn:
        # open: each pending answer shares its transaction with exactly one prompt (docs/privacy.md)
        pending = row_versions(conn, "pulse_answer_pending")
        prompts = row_versions(conn, "pulse_prompt")
        joined = [x for _, x, _ in pending if sum(p[1] == x for p in prompts) == 1]
    assert len(joined) == 10

    close(runtime, 4)
    with runtime.db.engine.connect() as conn:
        answers = row_versions(conn, "pulse_answer") + row_versions(conn, "pulse_answer_pending")
        prompts = row_versions(conn, "pulse_prompt")
        shared = xids(answers) & xids(prompts)
        # the only transaction an answer shares with prompts is the close, which wrote all
        # ten answers and touched all ten prompts of the round at once
        for xid in shared:
            touched = conn.execute(
                text("SELECT count(*) FROM pulse_prompt WHERE xmin = CAST(:x AS text)::xid"),
                {"x": str(xid)},
            ).scalar()
            assert touched == 10, (xid, touched)
        assert len(answers) == 10 and len(shared) == 1
        # nor do the bytes of a removed row version stay in a page's free space
        pages = {
            table: raw_bytes(conn, table)
            for table in ("pulse_answer_pending", "pulse_answer", "pulse_prompt")
        }
        order = conn.execute(text("SELECT comment FROM pulse_answer ORDER BY ctid")).scalars()
        in_page_order = list(order)
    for i in range(10):
        needle = words(i).encode()
        assert pages["pulse_answer"].count(needle) == 1
        assert needle not in pages["pulse_answer_pending"] and needle not in pages["pulse_prompt"]
    # stored in shuffled order: 1 in 3.6 million to keep the answering order by chance
    assert sorted(in_page_order) == sorted(words(i) for i in range(10))
    assert in_page_order != [words(i) for i in range(10)]


def test_postgres_scrub_waits_for_a_snapshot_that_may_still_see_the_rows(
    own_postgres: Runtime, router: Router
) -> None:
    """VACUUM keeps row versions an open snapshot may still see: the scrub stays due, and the
    tick after that snapshot ends finishes it."""
    runtime = own_postgres
    answer_checkin(runtime, router)
    reader = runtime.db.engine.connect().execution_options(isolation_level="REPEATABLE READ")
    reader.execute(text("SELECT count(*) FROM pulse_prompt"))  # a snapshot, held open
    runtime.clock.advance(timedelta(days=4))  # type: ignore[attr-defined]
    run_due(runtime)
    with runtime.db.engine.connect() as conn:
        due = conn.execute(text("SELECT count(*) FROM job_mark WHERE name LIKE 'scrub:%'"))
        assert due.scalar() == 1
        assert len(row_versions(conn, "pulse_answer_pending")) == 10  # kept for the reader
    reader.close()
    finish_scrub(runtime)  # the next ticks' turn
    with runtime.db.engine.connect() as conn:
        assert row_versions(conn, "pulse_answer_pending") == []
        pages = raw_bytes(conn, "pulse_answer_pending")
    assert all(words(i).encode() not in pages for i in range(10))


def test_postgres_assessment_drafts_leave_no_row_version_with_the_person(
    own_postgres: Runtime, router: Router
) -> None:
    runtime = own_postgres
    answer_assessment(runtime, router)
    with runtime.db.engine.connect() as conn:
        assert words(100).encode() in raw_bytes(conn, "assessment_invite")  # open: on the invite
    close(runtime, 11)
    with runtime.db.engine.connect() as conn:
        invites = raw_bytes(conn, "assessment_invite")
        stored = raw_bytes(conn, "assessment_comment")
        versions = row_versions(conn, "assessment_invite")
    assert b'"comment_' not in invites  # no draft, live or dead, in any byte of the table
    for i in range(6):
        assert words(100 + i).encode() not in invites
        assert stored.count(words(100 + i).encode()) == 1
    assert all(xmax == 0 for _, _, xmax in versions)  # no dead version left at all


def test_postgres_a_closed_conversation_leaves_no_row_version_of_its_link(
    own_postgres: Runtime, router: Router
) -> None:
    """An anonymous conversation's link (comment_link) and the reply sent to its author (the
    outbox) are on disk while it is open; once the author closes it and the scrub ran, no
    row version or byte of either is left (storage/conversations.py)."""
    runtime = own_postgres
    import_org(runtime, TEAM)
    cea = Chat(runtime, router, "cea@x.io")
    cea.say("checkin")
    for i in range(10):
        if i == 3:
            author = Chat(runtime, router, "p3@x.io")
            author.inbox()
            author.say("4", words(3), "y")
        else:
            comment(runtime, router, f"p{i}@x.io", words(i))
    close(runtime, 10)  # closed and published
    ref = re.findall(r"\[(C[A-Z0-9]{7})\]", cea.say("comments"))[0]
    cea.say(f"reply {ref} reply-words-qz")
    author.inbox()
    with runtime.db.engine.connect() as conn:  # open: the link, and the reply to its author
        assert ref.encode() in raw_bytes(conn, "comment_link")
        assert b"reply-words-qz" in raw_bytes(conn, "outbox")
    author.say(f"close {ref}")
    finish_scrub(runtime)
    with runtime.db.engine.connect() as conn:
        assert row_versions(conn, "comment_link") == []
        assert ref.encode() not in raw_bytes(conn, "comment_link")
        assert b"reply-words-qz" not in raw_bytes(conn, "outbox")


# --- SQLite: secure_delete and the -wal file ------------------------------------------------


def sqlite_files(runtime: Runtime) -> bytes:
    path = Path(make_url(runtime.db.url).database or "")
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def test_sqlite_files_hold_each_answer_once_and_never_with_its_person(
    runtime: Runtime, router: Router, database: Database
) -> None:
    if database.engine.dialect.name != "sqlite":
        pytest.skip("the PostgreSQL files are checked with pageinspect above")
    answer_checkin(runtime, router)
    answer_assessment(runtime, router)
    assert words(0).encode() in sqlite_files(runtime)
    close(runtime, 11)
    on_disk = sqlite_files(runtime)
    for i in [*range(10), *range(100, 106)]:
        # once: in pulse_answer or assessment_comment; never in a deleted pending row or draft
        assert on_disk.count(words(i).encode()) == 1, words(i)
