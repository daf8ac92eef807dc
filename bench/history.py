"""A year of history, seeded straight into the database with set-based statements.

`python -m bench history --people 10000 --weeks 52 [--db URL]` seeds a fresh database and
prints what it wrote; other benchmarks import it::

    from bench.history import HistorySpec, seed
    summary = seed(runtime.db.engine, HistorySpec(people=10000, weeks=52))

What is written, as if culturebot had run for ``weeks`` weeks until ``spec.end``:

- an organisation of ``people`` (one top leader, leaders below, managers with 4-12 reports,
  departments that cross the hierarchy, seven time zones), each with a Slack identity;
- one org-wide weekly pulse schedule (Mondays 09:00 local), one round per week, one prompt per
  person and round, anonymous answers (with comments) for ``answer_share`` of them, the
  reminder to everyone else, expired prompts once their window closed;
- stories and ideas (with reactions), a digest per department and week with its receipts, the
  weekly "share a customer moment" invitation to everyone who got a pulse;
- a cascade from the top leader every ``cascade_every_weeks`` weeks, reaching everyone, with
  its links, receipts and acknowledgements;
- the outbox rows all of that sent (about 3.6 per person and week: 1.9 million for
  10,000 x 52), every one already sent, so the outbox is pure history.

Nothing is due at ``spec.end``: the newest round is open (answers may still come) but every
prompt and reminder of it went out, the newest digest was delivered, every invitation sent.
Rows are made by INSERT ... SELECT over the person table joined with small per-round tables,
so 10,000 x 52 takes a minute or two, not hours; on PostgreSQL the big tables' indexes are
built once at the end rather than row by row (``_defer_indexes``). "Random" choices are
hashes of ids, so a seed is reproducible and the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    case,
    cast,
    func,
    insert,
    literal,
    select,
    text,
)
from sqlalchemy.engine import Connection, Engine

from storage.sql import insert_rows
from storage.types import UTCDateTime

END = datetime(2027, 3, 3, 12, 0, tzinfo=UTC)  # a Wednesday noon: the newest round is open
ZONES = (
    ("America/Los_Angeles", 12),
    ("America/New_York", 20),
    ("Europe/London", 18),
    ("Europe/Berlin", 25),
    ("Asia/Kolkata", 12),
    ("Asia/Tokyo", 8),
    ("UTC", 5),
)
DEPARTMENTS = (
    "Sales",
    "Support",
    "Engineering",
    "Product",
    "Marketing",
    "Finance",
    "People",
    "Operations",
)
COMMENTS = (
    "Our customers noticed the faster replies this week, great teamwork.",
    "Too many meetings, hard to find time for the customer backlog.",
    "I felt supported by my manager when the release went wrong.",
    "Priorities changed twice this week and nobody explained why.",
    "Loved the customer visit, we should do it every month.",
    "Tooling is slow and it makes helping customers frustrating.",
    "Clear goals this sprint, I know what matters for our users.",
    "Workload is heavy, the on-call rotation needs more people.",
)
STORIES = (
    "A customer called about a failed order and we fixed it on the same call.",
    "We rewrote the onboarding email after three customers asked the same question.",
    "Support and engineering paired on a bug and shipped the fix the same day.",
    "A long-time customer thanked us for remembering their setup during a migration.",
)
CHUNK = 5000


@dataclass(frozen=True)
class HistorySpec:
    """How much history, and its shape. Every figure has a realistic default."""

    people: int = 10000
    weeks: int = 52
    end: datetime = END
    seed: int = 7
    answer_share: float = 0.6  # of prompts answered
    comment_share: float = 0.2  # of answers with a comment
    stories_per_week: int | None = None  # default: one per hundred people
    reactions_per_story: int = 4
    cascade_every_weeks: int = 4
    platform: str = "slack"  # the platform every identity and outbox row is on
    schedule_time: str = "09:00"
    publish: bool = True  # publish the closed weeks, as the scheduler would have


@dataclass
class HistorySummary:
    """What ``seed`` wrote (row counts per table) and how long it took."""

    people: int
    weeks: int
    end: str
    schedule_id: int
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- the organisation --------------------------------------------------------------------


def org_rows(people: int, rng: random.Random) -> list[dict[str, Any]]:
    """Person rows (ids 1..people): a tree filled breadth-first with 4-12 reports per manager.

    Each leader below the top owns a department; most teams take their manager's department,
    but about one team in six belongs to another (an embedded engineer in Sales), and one
    person in ten sits in a department of their own, so departments cross the hierarchy.
    Each team has a home zone; one person in five lives in another zone.
    """
    zones = [name for name, _ in ZONES]
    weights = [w for _, w in ZONES]
    rows: list[dict[str, Any]] = []
    queue: list[int] = []

    def add(manager: int | None, department: str, zone: str) -> int:
        pid = len(rows) + 1
        parent_path = rows[manager - 1]["path"] if manager else "/"
        rows.append(
            {
                "id": pid,
                "email": f"p{pid}@history.example",
                "name": f"Person {pid}",
                "manager_id": manager,
                "department": department,
                "role": "employee",
                "timezone": zone,
                "timezone_source": "org",
                "active": True,
                "path": f"{parent_path}{pid}/",
            }
        )
        queue.append(pid)
        return pid

    add(None, "Operations", "America/New_York")
    head = 0
    while len(rows) < people:
        manager = queue[head]
        head += 1
        boss = rows[manager - 1]
        span = min(people - len(rows), rng.randint(4, 12) if manager != 1 else len(DEPARTMENTS))
        if manager == 1:
            team_departments = list(DEPARTMENTS)
        else:
            own = boss["department"]
            team = own if rng.random() > 1 / 6 else rng.choice(DEPARTMENTS)
            team_departments = [team] * span
        home = rng.choices(zones, weights)[0] if manager != 1 else None
        for i in range(span):
            department = team_departments[i]
            if manager != 1 and rng.random() < 0.1:
                department = rng.choice(DEPARTMENTS)
            zone = home if home and rng.random() >= 0.2 else rng.choices(zones, weights)[0]
            add(manager, department, zone)
    managers = {row["manager_id"] for row in rows if row["manager_id"]}
    for row in rows:
        if row["id"] == 1 or row["manager_id"] == 1:
            row["role"] = "leader"
        elif row["id"] in managers:
            row["role"] = "manager"
    return rows


# --- helpers -----------------------------------------------------------------------------


def _tables() -> dict[str, Table]:
    from sqlmodel import SQLModel

    import storage.tables  # noqa: F401  (every table module, so the metadata is complete)

    return dict(SQLModel.metadata.tables)


def _insert_rows(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        insert_rows(conn, table, rows[start : start + CHUNK])


# the tables that get a row per person and week (or more): millions of rows for 10,000 x 52
BULK = (
    "pulse_prompt",
    "pulse_answer",
    "story_invite",
    "story_digest_receipt",
    "cascade_receipt",
    "outbox",
)


def _defer_indexes(conn: Connection) -> Callable[[], None]:
    """On PostgreSQL, drop the secondary indexes, unique and foreign-key constraints of the
    BULK tables, and return what builds them again. Maintaining a 100 MB index row by row
    (random keys: the outbox's idempotency key) costs far more than one sorted build at the
    end, as the manual's "Populating a Database" says. The rebuilt schema is the migrated one:
    same names, same definitions. SQLite: nothing to do (the seed is in-process there)."""
    if conn.dialect.name != "postgresql":
        return lambda: None
    tables = list(BULK)
    constraints = conn.execute(
        text(
            "SELECT c.conname, r.relname, pg_get_constraintdef(c.oid), c.contype"
            " FROM pg_constraint c"
            " JOIN pg_class r ON r.oid = c.conrelid"
            " WHERE r.relnamespace = current_schema()::regnamespace"
            " AND r.relname = ANY(:t) AND c.contype IN ('u', 'f')"
            " ORDER BY c.contype, c.conname"  # foreign keys first, unique last
        ),
        {"t": tables},
    ).all()
    indexes = conn.execute(
        text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
            " AND tablename = ANY(:t) AND indexdef NOT LIKE '% WHERE %'"  # partial: empty here
            " AND indexname NOT IN"
            " (SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u'))"
        ),
        {"t": tables},
    ).all()
    for name, table, _, _ in constraints:
        conn.execute(text(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"'))
    for name, _ in indexes:
        conn.execute(text(f'DROP INDEX "{name}"'))

    def rebuild() -> None:
        conn.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
        for _, definition in indexes:
            conn.execute(text(definition))
        for name, table, definition, _ in reversed(constraints):  # unique first
            conn.execute(text(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'))

    return rebuild


def _count(conn: Connection, table: Table) -> int:
    return conn.execute(select(func.count()).select_from(table)).scalar_one()


def _hash(*terms: Any, modulo: int) -> Any:
    """A reproducible pseudo-random number in [0, modulo) from integer columns."""
    primes = (7919, 104729, 1299709, 15485863)
    total = sum(cast(term, BigInteger) * prime for term, prime in zip(terms, primes, strict=False))
    return total % modulo


def _s(value: str) -> Any:
    return literal(value, String)


def _concat(*parts: Any) -> Any:
    out = None
    for part in parts:
        piece = _s(part) if isinstance(part, str) else cast(part, String)
        out = piece if out is None else out + piece
    return out


def _payloads() -> dict[str, str]:
    """One real rendered message per kind (the history's rows all carry these)."""
    import prompts
    from bot.core.chat import text_message
    from handlers.pulse import rounds as pulse
    from handlers.stories import capture as stories
    from storage.models import PulsePrompt

    question_id = prompts.questions().rotation()[0].id
    sample = PulsePrompt(id=1, round_id=1, person_id=1, send_at=END, remind_at=END, closes_at=END)
    question = pulse.question_message(sample, question_id, "UTC")
    return {
        "pulse.prompt": question.to_json(),
        "pulse.reminder": question.to_json(),
        "stories.invite": stories.invitation_message().to_json(),
        "stories.digest": text_message(STORIES[0] + " " + STORIES[1]).to_json(),
        "stories.idea": text_message(STORIES[2]).to_json(),
        "cascade.message": text_message(
            "Customers first: we will call every customer who churned last year."
        ).to_json(),
    }


# --- the seeder --------------------------------------------------------------------------


def seed(engine: Engine, spec: HistorySpec | None = None) -> HistorySummary:
    """Write ``spec``'s history into an empty, migrated database; returns what was written."""
    import prompts
    from bot.core.clock import local_instant
    from handlers.common.sentiment import score as sentiment_of
    from handlers.reports.disclosure import week_of
    from handlers.stories.capture import WEEKDAYS, get_stories_settings, local_week

    spec = spec or HistorySpec()
    began = time.perf_counter()
    rng = random.Random(spec.seed)
    t = _tables()
    person, identity = t["person"], t["identity"]
    schedule_t, round_t, prompt_t, answer_t = (
        t["pulse_schedule"],
        t["pulse_round"],
        t["pulse_prompt"],
        t["pulse_answer"],
    )
    pending_t = t["pulse_answer_pending"]
    outbox = t["outbox"]
    story_t, reaction_t = t["story"], t["story_reaction"]
    digest_t, item_t, receipt_t, invite_t = (
        t["story_digest"],
        t["story_digest_item"],
        t["story_digest_receipt"],
        t["story_invite"],
    )
    cascade_t, link_t, creceipt_t = t["cascade"], t["cascade_link"], t["cascade_receipt"]
    payloads = _payloads()
    rotation = prompts.questions().rotation()
    zones = [name for name, _ in ZONES]
    end = spec.end
    # the newest round: the last Monday whose every zone had opened a day before ``end``
    newest = end.date() - timedelta(days=2)
    newest -= timedelta(days=newest.weekday())
    days = [newest - timedelta(weeks=spec.weeks - 1 - i) for i in range(spec.weeks)]
    window, remind_after = timedelta(hours=72), timedelta(hours=24)

    rows = org_rows(spec.people, rng)
    meta = MetaData()
    slot_t = Table(
        "hist_slot",
        meta,
        Column("round_id", Integer),
        Column("timezone", String(64)),
        Column("send_at", UTCDateTime()),
        Column("remind_at", UTCDateTime()),
        Column("closes_at", UTCDateTime()),
        Column("local_date", Date),
        Column("week", String(8)),
        Column("week_start", Date),
        Column("theme", String(40)),
        Column("question_id", String(40)),
        Column("is_closed", Boolean),
        Column("reminder_due", Boolean),
        Column("period", String(40)),
        Column("round_closed", Boolean),
        # the answers join prompts to their slot: SQLite has no hash join, so without this
        # index it scans every slot for each of 300,000 prompts
        Index("hist_slot_round_zone", "round_id", "timezone"),
        prefixes=["TEMPORARY"],
    )
    dslot_t = Table(
        "hist_digest_slot",
        meta,
        Column("digest_id", Integer),
        Column("timezone", String(64)),
        Column("at", UTCDateTime()),
        prefixes=["TEMPORARY"],
    )
    counts: dict[str, int] = {}
    with engine.begin() as conn:
        if _count(conn, person):
            raise ValueError("bench.history seeds an empty database; this one has people")
        meta.create_all(conn)
        rebuild_indexes = _defer_indexes(conn)
        _insert_rows(conn, person, rows)
        if conn.dialect.name == "postgresql":  # explicit ids: move the sequences past them
            conn.execute(text("SELECT setval('person_id_seq', (SELECT max(id) FROM person))"))
        conn.execute(
            insert(identity).from_select(
                ["person_id", "platform", "external_id", "unreachable"],
                select(
                    person.c.id,
                    _s(spec.platform),
                    _concat("U", person.c.id),
                    literal(False),
                ),
            )
        )

        # --- pulse: schedule, rounds, prompts, answers ------------------------------------
        schedule_id = conn.execute(
            insert(schedule_t)
            .values(
                name="Weekly pulse",
                audience_kind="org",
                audience_value="",
                weekday=0,
                local_time=spec.schedule_time,
                every_weeks=1,
                start_date=days[0],
                answer_window_hours=72,
                reminder_after_hours=24,
                active=True,
            )
            .returning(schedule_t.c.id)
        ).scalar_one()
        slots: list[dict[str, Any]] = []
        for i, day in enumerate(days):
            question = rotation[i % len(rotation)]
            times = {tz: local_instant(day, spec.schedule_time, tz) for tz in zones}
            round_closed = max(times.values()) + window <= end
            round_id = conn.execute(
                insert(round_t)
                .values(
                    schedule_id=schedule_id,
                    local_date=day,
                    question_id=question.id,
                    created_at=min(times.values()),
                    closes_at=max(times.values()) + window,
                    period=week_of(day),
                    closed=round_closed,
                )
                .returning(round_t.c.id)
            ).scalar_one()
            for tz, at in times.items():
                week, monday = local_week(at, tz)
                slots.append(
                    {
                        "round_id": round_id,
                        "timezone": tz,
                        "send_at": at,
                        "remind_at": at + remind_after,
                        "closes_at": at + window,
                        "local_date": day,
                        "week": week,
                        "week_start": monday,
                        "theme": question.theme,
                        "question_id": question.id,
                        "is_closed": at + window <= end,
                        "reminder_due": at + remind_after <= end,
                        "period": week_of(day),
                        "round_closed": round_closed,
                    }
                )
        _insert_rows(conn, slot_t, slots)
        p, s, boss = person, slot_t, person.alias("boss")
        answered = _hash(p.c.id, s.c.round_id, modulo=100) < int(spec.answer_share * 100)
        conn.execute(
            insert(prompt_t).from_select(
                [
                    "round_id",
                    "person_id",
                    "status",
                    "send_at",
                    "remind_at",
                    "closes_at",
                    "reminded",
                    "team_path",
                    "department",
                    "closed",
                ],
                select(
                    s.c.round_id,
                    p.c.id,
                    case(
                        (answered, _s("answered")),
                        (s.c.is_closed, _s("expired")),
                        else_=_s("sent"),
                    ),
                    s.c.send_at,
                    s.c.remind_at,
                    s.c.closes_at,
                    and_(~answered, s.c.reminder_due),
                    # the atom each answer is counted in (handlers/reports/disclosure.py)
                    func.coalesce(boss.c.path, _s("/")),
                    p.c.department,
                    s.c.round_closed,
                )
                .select_from(
                    p.join(s, s.c.timezone == p.c.timezone).outerjoin(
                        boss, boss.c.id == p.c.manager_id
                    )
                )
                .order_by(s.c.round_id, p.c.id),
            )
        )
        pp, m = prompt_t, person.alias("m")
        moods = [sentiment_of(c) for c in COMMENTS]
        pick = _hash(pp.c.id, pp.c.person_id, modulo=len(COMMENTS))
        with_comment = _hash(pp.c.person_id, pp.c.id, pp.c.round_id, modulo=100) < int(
            spec.comment_share * 100
        )
        roll = _hash(pp.c.id, pp.c.round_id, modulo=10)
        # answers of closed rounds are in pulse_answer; the open round's are still pending
        for closed_rounds in (True, False):
            conn.execute(
                insert(answer_t if closed_rounds else pending_t).from_select(
                    [
                        "round_id",
                        "question_id",
                        "theme",
                        "team_path",
                        "department",
                        "score",
                        "comment",
                        "polarity",
                        "subjectivity",
                        *(["period"] if closed_rounds else []),
                    ],
                    select(
                        pp.c.round_id,
                        s.c.question_id,
                        s.c.theme,
                        func.coalesce(m.c.path, _s("/")),
                        p.c.department,
                        case((roll < 1, 2), (roll < 3, 3), (roll < 7, 4), else_=5)
                        - case((_hash(p.c.id, modulo=13) == 0, 1), else_=0),
                        case(
                            *(
                                (and_(with_comment, pick == i), _s(c))
                                for i, c in enumerate(COMMENTS)
                            ),
                            else_=None,
                        ),
                        case(
                            *(
                                (and_(with_comment, pick == i), mood.polarity)
                                for i, mood in enumerate(moods)
                            ),
                            else_=None,
                        ),
                        case(
                            *(
                                (and_(with_comment, pick == i), mood.subjectivity)
                                for i, mood in enumerate(moods)
                            ),
                            else_=None,
                        ),
                        *([s.c.period] if closed_rounds else []),
                    )
                    .select_from(
                        pp.join(p, p.c.id == pp.c.person_id)
                        .join(s, and_(s.c.round_id == pp.c.round_id, s.c.timezone == p.c.timezone))
                        .outerjoin(m, m.c.id == p.c.manager_id)
                    )
                    .where(pp.c.status == "answered", s.c.round_closed == closed_rounds)
                    # answers must not line up with prompts: shuffle their ids
                    .order_by(_hash(pp.c.id, modulo=1000003)),
                )
            )

        def sent_rows(kind: str, key: Any, who: Any, at: Any, source: Any, where: Any) -> None:
            conn.execute(
                insert(outbox).from_select(
                    [
                        "idempotency_key",
                        "person_id",
                        "platform",
                        "kind",
                        "payload",
                        "status",
                        "attempts",
                        "next_attempt_at",
                        "created_at",
                        "sent_at",
                        "platform_ref",
                    ],
                    select(
                        key,
                        who,
                        _s(spec.platform),
                        _s(kind),
                        literal(payloads[kind], String),
                        _s("sent"),
                        literal(1),
                        at,
                        at,
                        at,
                        _concat("D", who, ":1700000000.", key),
                    )
                    .select_from(source)
                    .where(where),
                )
            )

        prompt_join = pp.join(s, and_(s.c.round_id == pp.c.round_id)).join(
            p, and_(p.c.id == pp.c.person_id, p.c.timezone == s.c.timezone)
        )
        sent_rows(
            "pulse.prompt",
            _concat("pulse:prompt:", pp.c.id),
            pp.c.person_id,
            pp.c.send_at,
            prompt_join,
            literal(True),
        )
        sent_rows(
            "pulse.reminder",
            _concat("pulse:reminder:", pp.c.id),
            pp.c.person_id,
            pp.c.remind_at,
            prompt_join,
            pp.c.reminded,
        )

        # --- stories: invitations, stories and ideas, reactions, digests -----------------
        conn.execute(
            insert(invite_t).from_select(
                ["person_id", "week", "week_start", "created_at"],
                select(p.c.id, s.c.week, s.c.week_start, s.c.send_at).select_from(
                    p.join(s, s.c.timezone == p.c.timezone)
                ),
            )
        )
        inv = invite_t
        sent_rows(
            "stories.invite",
            _concat("stories:invite:", inv.c.person_id, ":", inv.c.week),
            inv.c.person_id,
            inv.c.created_at,
            inv,
            literal(True),
        )
        per_week = spec.stories_per_week
        if per_week is None:
            per_week = max(1, spec.people // 100)
        story_moods = [sentiment_of(x) for x in STORIES]
        story_rows: list[dict[str, Any]] = []
        by_id = {row["id"]: row for row in rows}
        for week_i, day in enumerate(days):
            monday = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
            for n in range(per_week):
                author = by_id[rng.randint(2, spec.people)] if spec.people > 1 else by_id[1]
                manager = by_id.get(author["manager_id"] or 0)
                kind = "idea" if rng.random() < 0.2 else "story"
                which = rng.randrange(len(STORIES))
                created = monday + timedelta(hours=rng.uniform(0, 24 * 5))
                if created >= end:
                    continue
                story_rows.append(
                    {
                        "author_id": author["id"],
                        "manager_id": author["manager_id"],
                        "department": author["department"],
                        "team_path": manager["path"] if manager else "/",
                        "kind": kind,
                        "consent": rng.choice(("named", "named", "anonymous", "manager")),
                        "what_happened": STORIES[which],
                        "customer": rng.choice((None, "Acme Corp", "Globex", "Initech")),
                        "what_changed": STORIES[(which + 1) % len(STORIES)],
                        "polarity": story_moods[which].polarity,
                        "subjectivity": story_moods[which].subjectivity,
                        "created_at": created,
                        "submission_key": f"history:{week_i}:{n}",
                        "status": rng.choice(("new", "trying", "done", "not_now"))
                        if kind == "idea"
                        else None,
                        "status_version": 0,
                    }
                )
        _insert_rows(conn, story_t, story_rows)
        st = story_t
        sent_rows(
            "stories.idea",
            _concat("stories:idea:", st.c.id, ":manager"),
            st.c.manager_id,
            st.c.created_at,
            st,
            and_(st.c.kind == "idea", st.c.manager_id.is_not(None)),
        )
        stories_now = conn.execute(
            select(st.c.id, st.c.created_at, st.c.department, st.c.consent).order_by(st.c.id)
        ).all()
        reactions: list[dict[str, Any]] = []
        for story_id, created, _dept, _consent in stories_now:
            for reader in {rng.randint(1, spec.people) for _ in range(spec.reactions_per_story)}:
                reactions.append(
                    {
                        "story_id": story_id,
                        "person_id": reader,
                        "department": by_id[reader]["department"],
                        "created_at": min(created + timedelta(days=rng.uniform(1, 8)), end),
                    }
                )
        _insert_rows(conn, reaction_t, reactions)

        config = get_stories_settings()
        digest_day = WEEKDAYS.index(config.digest_weekday)
        open_for = timedelta(hours=config.digest_open_hours)
        dslots: list[dict[str, Any]] = []
        items: list[dict[str, Any]] = []
        shared = [row for row in stories_now if row[3] in ("named", "anonymous")]
        for day in days:
            digest_date = day + timedelta(days=digest_day)
            times = {tz: local_instant(digest_date, config.digest_at, tz) for tz in zones}
            if max(times.values()) + open_for > end:
                continue  # still open at ``end``: not history yet
            for department in DEPARTMENTS:
                digest_id = conn.execute(
                    insert(digest_t)
                    .values(
                        department=department,
                        local_date=digest_date,
                        created_at=min(times.values()),
                        closes_at=max(times.values()) + open_for,
                    )
                    .returning(digest_t.c.id)
                ).scalar_one()
                dslots.extend(
                    {"digest_id": digest_id, "timezone": tz, "at": at} for tz, at in times.items()
                )
                since = min(times.values()) - timedelta(weeks=config.digest_window_weeks)
                chosen = [
                    sid
                    for sid, created, dept, _c in shared
                    if dept != department and since <= created < min(times.values())
                ][-config.digest_size :]
                items.extend(
                    {"digest_id": digest_id, "story_id": sid, "position": n}
                    for n, sid in enumerate(chosen, 1)
                )
        _insert_rows(conn, dslot_t, dslots)
        _insert_rows(conn, item_t, items)
        d, ds = digest_t, dslot_t
        conn.execute(
            insert(receipt_t).from_select(
                ["digest_id", "person_id", "created_at"],
                select(d.c.id, p.c.id, ds.c.at).select_from(
                    d.join(ds, ds.c.digest_id == d.c.id).join(
                        p, and_(p.c.department == d.c.department, p.c.timezone == ds.c.timezone)
                    )
                ),
            )
        )
        rc = receipt_t
        sent_rows(
            "stories.digest",
            _concat("stories:digest:", rc.c.digest_id, ":", rc.c.person_id),
            rc.c.person_id,
            rc.c.created_at,
            rc,
            literal(True),
        )

        # --- cascades from the top leader -------------------------------------------------
        child = person.alias("child")
        has_reports = select(child.c.id).where(child.c.manager_id == p.c.id).exists()
        depth = func.length(p.c.path) - func.length(func.replace(p.c.path, "/", "")) - 1
        for week_i in range(0, spec.weeks, max(1, spec.cascade_every_weeks)):
            sent = datetime.combine(days[week_i] + timedelta(days=1), datetime.min.time(), UTC)
            sent += timedelta(hours=14)
            if sent >= end:
                continue
            cascade_id = conn.execute(
                insert(cascade_t)
                .values(
                    sender_id=1,
                    title=f"Customers first, part {week_i // max(1, spec.cascade_every_weeks) + 1}",
                    body="We will call every customer who churned last year.",
                    customer_line="Every customer call this month is a chance to win one back.",
                    window_days=2,
                    status="running" if sent + timedelta(days=30) > end else "closed",
                    created_at=sent,
                )
                .returning(cascade_t.c.id)
            ).scalar_one()
            escalated = _hash(p.c.id, literal(cascade_id), modulo=10) == 0
            conn.execute(
                insert(link_t).from_select(
                    [
                        "cascade_id",
                        "manager_id",
                        "level",
                        "status",
                        "note",
                        "since",
                        "nudge_at",
                        "due_at",
                        "nudged",
                        "acted_at",
                    ],
                    select(
                        literal(cascade_id),
                        p.c.id,
                        depth - 1,
                        case(
                            (p.c.id == 1, _s("relayed")),
                            (escalated, _s("escalated")),
                            else_=_s("relayed"),
                        ),
                        case(
                            (escalated, None), else_=_s("This matters for the customers we serve.")
                        ),
                        literal(sent, UTCDateTime()),
                        literal(sent + timedelta(days=1), UTCDateTime()),
                        literal(sent + timedelta(days=2), UTCDateTime()),
                        escalated,
                        literal(sent + timedelta(hours=5), UTCDateTime()),
                    ).where(has_reports),
                )
            )
            acked = _hash(p.c.id, literal(cascade_id), modulo=2) == 0
            conn.execute(
                insert(creceipt_t).from_select(
                    [
                        "cascade_id",
                        "person_id",
                        "how",
                        "via_id",
                        "level",
                        "reached_at",
                        "acknowledged_at",
                        "outbox_key",
                    ],
                    select(
                        literal(cascade_id),
                        p.c.id,
                        _s("relay"),
                        p.c.manager_id,
                        depth - 1,
                        literal(sent + timedelta(hours=6), UTCDateTime()),
                        case(
                            (acked, literal(sent + timedelta(hours=20), UTCDateTime())),
                            else_=None,
                        ),
                        _concat(f"cascade:{cascade_id}:to:", p.c.id),
                    ).where(p.c.manager_id.is_not(None)),
                )
            )
        cr = creceipt_t
        sent_rows(
            "cascade.message",
            cr.c.outbox_key,
            cr.c.person_id,
            cr.c.reached_at,
            cr,
            literal(True),
        )
        meta.drop_all(conn)
        rebuild_indexes()
        for name in (
            "person",
            "identity",
            "pulse_round",
            "pulse_prompt",
            "pulse_answer",
            "pulse_answer_pending",
            "story",
            "story_reaction",
            "story_digest",
            "story_digest_receipt",
            "story_invite",
            "cascade",
            "cascade_link",
            "cascade_receipt",
            "outbox",
        ):
            counts[name] = _count(conn, t[name])
    if spec.publish:
        publish_history(engine, end)
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
    else:  # this schema's tables only: a bare ANALYZE reads every schema on the server
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE " + ", ".join(f'"{name}"' for name in sorted(t)))
    return HistorySummary(
        people=spec.people,
        weeks=spec.weeks,
        end=end.isoformat(),
        schedule_id=schedule_id,
        rows=counts,
        seconds=round(time.perf_counter() - began, 1),
    )


def publish_history(engine: Engine, now: datetime) -> list[str]:
    """Publish every week closed by ``now`` (handlers/reports/disclosure.py), as the tick would have."""
    from sqlmodel import Session

    from bot.core.config import Settings
    from handlers.reports.publish import publish_due

    with Session(engine) as session:
        published = publish_due(session, now, Settings(_env_file=None))  # type: ignore[call-arg]
        session.commit()
    return published


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench history")
    parser.add_argument("--people", type=int, default=10000)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", default="", help="database URL (default: a fresh SQLite file)")
    args = parser.parse_args(argv)
    from storage.db import open_database

    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'history.db'}"
        db = open_database(url)
        summary = seed(db.engine, HistorySpec(people=args.people, weeks=args.weeks, seed=args.seed))
        db.dispose()
    result = summary.to_dict()
    result["database"] = "postgresql" if url.startswith("postgres") else "sqlite"
    print(json.dumps(result))
