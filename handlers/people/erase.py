"""Erasing a person (GDPR article 17): the person and everything that names them.

``erase(session, person, ...)`` walks the schema itself (every table that has a foreign key to
``person``, including tables added later), so a new table cannot be forgotten:

- rows that are *about* the person are deleted: their identities, prompts, outbox messages,
  receipts, invitations, reactions, questions they asked or were asked, the cascades they sent,
  their links in others' cascades (column ``person_id``, ``author_id``, ``asker_id`` and the
  cascade columns listed in ``DELETE``), with whatever hangs off those rows;
- their stories are deleted, except those shared anonymously, which stay without an author;
- a nullable reference (``manager_id`` of someone who left, ``started_by_id``, ...) is cleared;
- any other required reference (an objective's owner, an assessment's scope) passes to their
  successor: their nearest active manager up the chain, else the top leader, the same way a
  relay passes when a manager leaves;
- finally their email, and their name as a whole word, are replaced by "(erased person)" in
  every text column of every table (messages others received, the audit log, ...).

Figures that never named them stay: pulse and assessment answers are stored without the person,
so reports keep their numbers. A live count they were in (an open check-in or assessment, a
cascade, a story's "helps my team") is first held at the figure it shows, so it cannot step
down and tell that they had answered; what is held says nothing of what they did
(handlers/live_counts.py, "Erasure"). A person who still has active reports is refused: the org file
must move their team first.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    Table,
    TypeDecorator,
    and_,
    delete,
    or_,
    select,
    update,
)
from sqlmodel import Session, col

from handlers.people import live_floors
from storage import conversations
from storage.models import Person
from storage.tables import metadata
from storage.types import row_id, table_of

ERASED = "(erased person)"
OWNED_COLUMNS = ("person_id", "author_id", "asker_id")
# (table, column): rows deleted because they carry the person's own act, not just a reference
DELETE = {
    ("cascade", "sender_id"),
    ("cascade_link", "manager_id"),
    ("cascade_question", "manager_id"),
}


class EraseRefused(Exception):
    """Erasing now would break the organisation (the message says what to do first)."""


@dataclass
class Erased:
    deleted: Counter[str] = field(default_factory=Counter)
    cleared: Counter[str] = field(default_factory=Counter)
    passed: Counter[str] = field(default_factory=Counter)
    rewritten: Counter[str] = field(default_factory=Counter)
    kept_anonymous: int = 0

    def summary(self) -> dict[str, Any]:
        return {
            "deleted": dict(sorted(self.deleted.items())),
            "cleared": dict(sorted(self.cleared.items())),
            "passed_on": dict(sorted(self.passed.items())),
            "text_rewritten": dict(sorted(self.rewritten.items())),
            "stories_kept_anonymous": self.kept_anonymous,
        }


def successor(session: Session, person: Person) -> Person | None:
    """Who takes over what must have an owner: the nearest active manager up the chain, else
    an active top leader (never the person themself)."""
    ids = [int(part) for part in person.path.strip("/").split("/") if part.isdigit()]
    for ancestor_id in reversed(ids):
        if ancestor_id == person.id:
            continue
        ancestor = session.get(Person, ancestor_id)
        if ancestor is not None and ancestor.active:
            return ancestor
    return session.scalars(
        select(Person)
        .where(
            col(Person.manager_id).is_(None),
            col(Person.active).is_(True),
            col(Person.id) != person.id,
        )
        .order_by(col(Person.id))
    ).first()


def _references(target: Table) -> list[tuple[Table, Any]]:
    """Every (table, column) with a foreign key to ``target``'s primary key."""
    found = []
    for table in metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table is target:
                found.append((table, fk.parent))
    return found


def _delete_rows(session: Session, table: Table, where: ColumnElement[bool], out: Erased) -> None:
    """Delete rows of ``table`` matching ``where``, first clearing or deleting whatever points
    at them (a required reference to a deleted row is deleted too)."""
    pk = list(table.primary_key.columns)
    for child, column in _references(table):
        doomed = select(pk[0]).where(where)
        if column.nullable:
            result = session.exec(
                update(child).where(column.in_(doomed)).values({column.name: None})
            )
            out.cleared[f"{child.name}.{column.name}"] += result.rowcount or 0
        else:
            _delete_rows(session, child, column.in_(doomed), out)
    result = session.exec(delete(table).where(where))
    out.deleted[table.name] += result.rowcount or 0


def erase(session: Session, person: Person, min_size: int, now: datetime | None = None) -> Erased:
    """Erase ``person`` in the caller's transaction; see the module docstring. ``min_size``
    is the minimum group size, the live counts' rule (handlers/people/live_floors.py).
    ``now``: when (the clock's); it dates the scrub of their anonymous conversations' links."""
    reports = session.scalars(
        select(Person).where(
            col(Person.manager_id) == row_id(person.id), col(Person.active).is_(True)
        )
    ).all()
    if reports:
        raise EraseRefused(
            f"{len(reports)} active people still report to {person.email}; import an org file "
            "that gives them another manager first, then erase."
        )
    live_floors.hold(session, row_id(person.id), min_size)
    out = Erased()
    # links to comments they wrote, and the replies they got: ended as a close ends them
    # (deleted, and their dead row versions scrubbed; storage/conversations.py)
    refs = conversations.refs_of(session, row_id(person.id))
    out.deleted["comment_link"] += conversations.end(session, refs, now or datetime.now(UTC))
    heir = successor(session, person)
    person_table: Table = table_of(Person)
    pid = person.id
    email, name = person.email, person.name
    session.flush()
    session.expunge(person)

    stories = metadata.tables.get("story")
    if stories is not None:  # anonymous stories stay, without their author
        result = session.exec(
            update(stories)
            .where(stories.c.author_id == pid, stories.c.consent == "anonymous")
            .values(author_id=None)
        )
        out.kept_anonymous = result.rowcount or 0
    receipts = metadata.tables.get("cascade_receipt")
    cascades = metadata.tables.get("cascade")
    if receipts is not None and cascades is not None:  # "reached via" passes to the sender
        sender = select(cascades.c.sender_id).where(cascades.c.id == receipts.c.cascade_id)
        result = session.exec(
            update(receipts)
            .where(receipts.c.via_id == pid, receipts.c.person_id != pid)
            .values(via_id=sender.scalar_subquery())
        )
        out.passed["cascade_receipt.via_id"] += result.rowcount or 0

    for table, column in _references(person_table):
        match = column == pid
        if table is person_table:  # people who reported to them (inactive): no manager now
            result = session.exec(update(table).where(match).values({column.name: None}))
            out.cleared[f"{table.name}.{column.name}"] += result.rowcount or 0
        elif column.name in OWNED_COLUMNS or (table.name, column.name) in DELETE:
            _delete_rows(session, table, match, out)
        elif column.nullable:
            result = session.exec(update(table).where(match).values({column.name: None}))
            out.cleared[f"{table.name}.{column.name}"] += result.rowcount or 0
        elif heir is not None:
            result = session.exec(update(table).where(match).values({column.name: heir.id}))
            out.passed[f"{table.name}.{column.name}"] += result.rowcount or 0
        else:
            _delete_rows(session, table, match, out)
    _delete_rows(session, person_table, person_table.c.id == pid, out)
    _rewrite_text(session, email, name, out)
    return out


def is_text(column: Any) -> bool:
    """A column holding text (String, Text, and types built on them such as SQLModel's)."""
    kind = column.type
    if isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    return isinstance(kind, String)  # Text is a String too


def _forms(value: str) -> list[str]:
    """A value as it appears in text and inside JSON (escaped), without duplicates."""
    escaped = json.dumps(value)[1:-1]
    return [value] if escaped == value else [value, escaped]


def _rewrite_text(session: Session, email: str, name: str, out: Erased) -> None:
    """Replace the email anywhere, and the full name as a whole word, in every text column."""
    patterns = [re.compile(re.escape(form), re.IGNORECASE) for form in _forms(email)]
    if len(name.strip()) >= 2:
        patterns += [
            re.compile(rf"(?<!\w){re.escape(form)}(?!\w)") for form in _forms(name.strip())
        ]
    needles = _forms(email) + (_forms(name.strip()) if len(name.strip()) >= 2 else [])
    for table in metadata.sorted_tables:
        if table.name == "person":
            continue
        pk = list(table.primary_key.columns)
        texts = [c for c in table.columns if is_text(c) and c not in pk]
        if not texts or not pk:
            continue
        hit = or_(*(c.contains(n, autoescape=True) for c in texts for n in needles))
        for row in session.execute(select(*pk, *texts).where(hit)).mappings().all():
            values = {}
            for c in texts:
                value = row[c.name]
                if not isinstance(value, str):
                    continue
                new = value
                for pattern in patterns:
                    new = pattern.sub(ERASED, new)
                if new != value:
                    limit = getattr(c.type, "length", None)
                    values[c.name] = new[:limit] if limit else new
            if values:
                session.execute(
                    update(table).where(and_(*(k == row[k.name] for k in pk))).values(values)
                )
                out.rewritten[table.name] += 1
