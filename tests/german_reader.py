"""A German reader in an English-speaking organisation (issue 24's first "Done when"), shared by
the platforms' end-to-end tests: the org, the steps that reach her and her German manager (a
check-in's reminder, the weekly digest, a leader's cascade, the baseline assessment), and what
they must read: the German catalog's sentences with German dates, and none of English's.

Lea (leader) and Mia (Sales manager) speak English; Ann (Sales) and Dirk (Support manager)
have ``de`` in their org row. Everyone is in Berlin.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from functools import cache

from sqlmodel import col, select

import prompts
from bot.app import run_due
from bot.core import localized
from bot.core.runtime import Runtime
from handlers.cascade import chain
from handlers.roadmap import assessment
from prompts import catalogs
from storage import people
from storage.cascade_models import CascadeLink
from storage.models import PulsePrompt
from storage.stories import Story

BERLIN = "Europe/Berlin"
MONDAY_9 = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)  # 09:00 in Berlin
DIGEST_TIME = datetime(2027, 3, 4, 9, 0, tzinfo=UTC)  # Thursday 10:00 in Berlin: the digest
STORY = "The Acme buyer phoned to thank Ulla for fixing the invoice."
NAMES = ("lea", "mia", "ann", "s2", "s3", "s4", "s5", "s6", "dirk", "u1", "u2", "u3", "u4", "u5")
_ROWS = {
    "lea": ("Lea Leader", "", "Board", "leader", ""),
    "mia": ("Mia Manager", "lea", "Sales", "manager", ""),
    "ann": ("Ann Anders", "mia", "Sales", "employee", "de"),
    **{f"s{i}": (f"Sam S{i}", "mia", "Sales", "employee", "") for i in range(2, 7)},
    "dirk": ("Dirk Decker", "lea", "Support", "manager", "de"),
    **{f"u{i}": (f"Ulla U{i}", "dirk", "Support", "employee", "") for i in range(1, 6)},
}


def org_csv(id_column: str = "", id_of: dict[str, str] | None = None) -> str:
    """The org file, with a platform's id column (``slack_user_id``: ``id_of[name]``) if given."""
    header = "email,name,manager_email,department,role,timezone,locale"
    lines = [header + (f",{id_column}" if id_column else "")]
    for name, (full, manager, department, role, locale) in _ROWS.items():
        boss = f"{manager}@x.io" if manager else ""
        row = f"{name}@x.io,{full},{boss},{department},{role},{BERLIN},{locale}"
        lines.append(row + (f",{(id_of or {})[name]}" if id_column else ""))
    return "\n".join(lines) + "\n"


def de(key: str, **values: object) -> str:
    """``key`` as the German catalog says it."""
    with prompts.speaking("de"):
        return prompts.text(key, **values)


def de_time(moment: datetime) -> str:
    """A time as a German reader in Berlin reads it ("Do., 4. März, 09:00")."""
    with prompts.speaking("de"):  # (SQLite gives back a stored time without its zone: UTC)
        return localized.moment(moment.replace(tzinfo=moment.tzinfo or UTC), BERLIN)


def german_questions() -> set[str]:
    """The pulse bank's questions in German."""
    with prompts.speaking("de"):
        return {q.text for q in prompts.questions().questions}


def german_statements() -> list[str]:
    """The assessment's statements in German."""
    with prompts.speaking("de"):
        return [s.text for s in prompts.assessment().statements]


@cache
def _english_pieces() -> tuple[str, ...]:
    """Every stretch of an English sentence between its placeholders (20 characters or more)
    whose German differs: words a German reader must never see."""
    english = {
        k: v for texts in catalogs.files(catalogs.ENGLISH).values() for k, v in texts.items()
    }
    german = {k: v for texts in catalogs.files("de").values() for k, v in texts.items()}
    pieces = {
        piece.strip()
        for key, sentence in english.items()
        if german.get(key) != sentence
        for piece in re.split(r"\{[^}]*\}", sentence)
    }
    return tuple(sorted(p for p in pieces if len(p) >= 20))


def english_in(shown: str) -> list[str]:
    """The English catalog's words in ``shown`` (markup's escapes read as their characters)."""
    plain = html.unescape(shown)
    return [piece for piece in _english_pieces() if piece in plain]


# --- the steps (each as the scheduler or a sender's handler does it) -------------------------


def prompt_closes(runtime: Runtime, name: str) -> datetime:
    """When ``name``'s open check-in closes."""
    with runtime.db.session() as session:
        me = people.by_email(session, f"{name}@x.io")
        assert me is not None
        return session.exec(
            select(PulsePrompt.closes_at).where(PulsePrompt.person_id == me.id)
        ).one()


def remind(runtime: Runtime) -> None:
    """A day and an hour later: the check-in's one reminder is due."""
    runtime.clock.advance(timedelta(hours=25))  # type: ignore[attr-defined]
    run_due(runtime)


def digest(runtime: Runtime) -> None:
    """Ulla (Support) shares a story; on Thursday the digest goes to the other departments."""
    with runtime.db.session() as session:
        ulla = people.by_email(session, "u1@x.io")
        assert ulla is not None and ulla.id is not None
        session.add(
            Story(
                author_id=ulla.id,
                manager_id=ulla.manager_id,
                department="Support",
                team_path="/",
                kind="story",
                consent="named",
                what_happened=STORY,
                customer="Acme",
                what_changed="Invoices are checked twice.",
                polarity=0.3,
                subjectivity=0.5,
                created_at=runtime.clock.now(),
                submission_key="german-reader",
            )
        )
    runtime.clock.set(DIGEST_TIME)  # type: ignore[attr-defined]
    run_due(runtime)


def cascade(runtime: Runtime) -> datetime:
    """Lea sends a leadership message down; when Dirk is due to relay it."""
    with runtime.db.session() as session:
        lea = people.by_email(session, "lea@x.io")
        assert lea is not None
        chain.start(
            session,
            runtime,
            lea,
            title="Q3 plan",
            body="We call every lost account.",
            customer_line="Fewer surprises",
            window_days=2,
        )
        dirk = people.by_email(session, "dirk@x.io")
        assert dirk is not None
        return session.exec(
            select(CascadeLink.due_at).where(col(CascadeLink.manager_id) == dirk.id)
        ).one()


def launch_assessment(runtime: Runtime) -> datetime:
    """Lea launches the baseline assessment (as `assess launch 7`); when it closes."""
    with runtime.db.session() as session:
        lea = people.by_email(session, "lea@x.io")
        assert lea is not None
        return assessment.launch(session, runtime, lea, window_days=7).closes_at
