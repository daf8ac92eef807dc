"""A small organisation for cascade tests and helpers to read what the database says.

ceo (top leader)
├── vp (leader: sends the cascades)
│   ├── m1 (manager)  ── a1, a2
│   └── m2 (manager)  ── t1 (manager) ── c1, c2
│                     └── b1
└── other (leader) ── o1          (outside vp's subtree)
"""

from __future__ import annotations

from sqlmodel import col, select

from bot.core.runtime import Runtime
from storage.cascade_models import CascadeLink, CascadeReceipt
from storage.models import Outbox, Person
from tests.support import org_csv

ROWS = {
    "ceo": "ceo@x.io,Cleo Ceo,,Exec,leader,UTC",
    "vp": "vp@x.io,Vera Vp,ceo@x.io,Sales,leader,UTC",
    "m1": "m1@x.io,Mia One,vp@x.io,Sales,manager,UTC",
    "a1": "a1@x.io,Ann A1,m1@x.io,Sales,employee,UTC",
    "a2": "a2@x.io,Abe A2,m1@x.io,Sales,employee,UTC",
    "m2": "m2@x.io,Max Two,vp@x.io,Sales,manager,UTC",
    "t1": "t1@x.io,Tia T1,m2@x.io,Sales,manager,UTC",
    "c1": "c1@x.io,Cal C1,t1@x.io,Sales,employee,UTC",
    "c2": "c2@x.io,Cat C2,t1@x.io,Sales,employee,UTC",
    "b1": "b1@x.io,Bo B1,m2@x.io,Sales,employee,UTC",
    "other": "other@x.io,Otto Other,ceo@x.io,Support,leader,UTC",
    "o1": "o1@x.io,Oli O1,other@x.io,Support,employee,UTC",
}
AUDIENCE = {"m1", "a1", "a2", "m2", "t1", "c1", "c2", "b1"}
NOTE = "This matters for every customer call we make this quarter."


def org(**changes: str | None) -> str:
    """The org CSV, with rows replaced (or removed when given None)."""
    rows = {**ROWS, **changes}
    return org_csv(*(row for row in rows.values() if row))


def email(name: str) -> str:
    return f"{name}@x.io"


def broadcast(chat, title: str = "Customers first", window: str = "") -> str:  # type: ignore[no-untyped-def]
    """The vp fills the console form, sees the preview, and presses Send."""
    preview = chat.say(
        "cascade",
        title,
        "We will call every customer who churned last year.",
        "Fewer surprises for customers",
        window,
    )
    if "[1] Send" not in preview:
        return preview  # refused: the form's answer
    return preview + chat.say("1")


def receipts(runtime: Runtime) -> dict[str, CascadeReceipt]:
    """Who was reached, by short name."""
    with runtime.db.session() as session:
        rows = session.exec(
            select(CascadeReceipt, Person.email).join(
                Person, col(Person.id) == col(CascadeReceipt.person_id)
            )
        ).all()
    return {mail.split("@")[0]: receipt for receipt, mail in rows}


def links(runtime: Runtime) -> dict[str, CascadeLink]:
    with runtime.db.session() as session:
        rows = session.exec(
            select(CascadeLink, Person.email).join(
                Person, col(Person.id) == col(CascadeLink.manager_id)
            )
        ).all()
    return {mail.split("@")[0]: link for link, mail in rows}


def cascade_messages_per_person(runtime: Runtime) -> dict[str, int]:
    """How many cascade messages the outbox holds for each person (sent or not)."""
    with runtime.db.session() as session:
        rows = session.exec(
            select(Person.email)
            .join(Outbox, col(Outbox.person_id) == col(Person.id))
            .where(Outbox.kind == "cascade.message")
        ).all()
    counts: dict[str, int] = {}
    for mail in rows:
        counts[mail.split("@")[0]] = counts.get(mail.split("@")[0], 0) + 1
    return counts
