"""`culturebot person erase`: no row anywhere names the person afterwards (checked over every
table in the schema, including tables added later), and the reports keep their figures."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from sqlalchemy import select

from bot.app import run_due
from handlers.people.erase import is_text
from handlers.reports import pulse_reports as reports
from storage import audit
from storage.db import Database
from storage.models import Person
from storage.stories import Story
from storage.tables import metadata
from tests.handlers.cascade.helpers import NOTE, broadcast
from tests.support import import_org, org_csv

ORG = org_csv(
    "lea@x.io,Lea Leader,,Exec,leader,UTC",
    "sam@x.io,Sam Sales,lea@x.io,Sales,manager,UTC",
    *(f"p{i}@x.io,Pia Person{i},sam@x.io,Sales,employee,UTC" for i in range(1, 7)),
)
VICTIM = "p1@x.io"
STORY, IDEA = "1", "2"
NAMED, ANONYMOUS = "1", "2"


def naming_rows(db: Database, person_id: int, email: str, name: str) -> list[str]:
    """Every row, in every table, that points at the person or holds their email or name."""
    word = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)")
    found = []
    with db.engine.connect() as conn:
        for table in metadata.sorted_tables:
            refs = [fk.parent for fk in table.foreign_keys if fk.column.table.name == "person"]
            if table.name == "person":
                refs.append(table.c.id)
            texts = [c for c in table.columns if is_text(c)]
            for row in conn.execute(select(table)).mappings():
                for column in refs:
                    if row[column.name] == person_id:
                        found.append(f"{table.name}.{column.name} = {person_id}")
                for column in texts:
                    value = row[column.name]
                    if isinstance(value, str) and (
                        email in value.lower()
                        or word.search(value)
                        or json.dumps(name)[1:-1] in value
                    ):
                        found.append(f"{table.name}.{column.name}: {value[:80]!r}")
    return found


def figures(runtime) -> list[tuple]:  # type: ignore[no-untyped-def]
    with runtime.db.session() as session:
        report = reports.build(session, min_group_size=5)
    return [(r.kind, r.group, r.theme, r.respondents, r.mean) for r in report.rows]


def story_counts(runtime) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with runtime.db.session() as session:
        rows = session.exec(select(Story.consent)).all()  # type: ignore[call-overload]
    return {consent: sum(1 for (c,) in rows if c == consent) for (consent,) in set(rows)}


def a_busy_week(runtime, chat) -> None:  # type: ignore[no-untyped-def]
    """The person answers a check-in with a comment, shares a named story, an anonymous story
    and an idea, reacts, receives a cascade, asks about it; others mention them."""
    import_org(runtime, ORG)
    with runtime.db.session() as session:
        from storage.people import by_email, link_identity

        link_identity(session, by_email(session, VICTIM), "slack", "U0VICTIM", None)  # type: ignore[arg-type]
        audit.record(
            session, "report.open", actor=VICTIM, at=runtime.clock.now(), target="scope " + VICTIM
        )
    chat("sam@x.io").say("checkin")
    for i in range(1, 7):
        person = chat(f"p{i}@x.io")
        person.inbox()
        person.say("4", f"Customers liked it ({i})")
    broadcast(chat("lea@x.io"))
    sam = chat("sam@x.io")
    relay = re.search(r"\[(\d+)\] Relay to my team", sam.inbox())
    assert relay is not None
    sam.say(relay.group(1), NOTE)
    victim = chat(VICTIM)
    assert "[1] Acknowledge | [2] Ask a question" in victim.inbox()
    assert "Your question went to Sam Sales" in victim.say("2", "Does this include Umbrella?")
    victim.say("story", "Named story by Pia", "", "It changed things", STORY, NAMED)
    victim.say("story", "Anonymous story", "", "It changed things too", STORY, ANONYMOUS)
    victim.say("idea", "An idea of mine", "Customers happier", NAMED)
    chat("p2@x.io").say("story", "Pia Person1 helped a customer", "", "Thanks to Pia", STORY, NAMED)
    runtime.clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]
    run_due(runtime)


def test_erase_leaves_no_row_that_names_the_person_and_keeps_the_figures(
    runtime, chat, cli
) -> None:
    a_busy_week(runtime, chat)
    with runtime.db.session() as session:
        victim = session.exec(select(Person).where(Person.email == VICTIM)).scalars().one()  # type: ignore[call-overload]
    assert naming_rows(runtime.db, victim.id, VICTIM, victim.name)  # the check sees them
    before = figures(runtime)
    stories_before = story_counts(runtime)

    erased = cli("person", "erase", VICTIM, "--yes")
    assert erased.exit_code == 0, erased.output
    assert "1 anonymous stories kept" in erased.output

    assert naming_rows(runtime.db, victim.id, VICTIM, victim.name) == []
    assert figures(runtime) == before  # answers never named anyone: every figure stays
    assert story_counts(runtime) == {
        "named": stories_before["named"] - 2,  # their named story and idea are gone
        "anonymous": stories_before["anonymous"],  # kept, without an author
    }
    with runtime.db.session() as session:
        assert (
            session.exec(select(Story).where(Story.consent == "anonymous"))
            .scalars()
            .one()
            .author_id
            is None
        )  # type: ignore[call-overload]
    log = {row["action"]: row for row in json.loads(cli("audit", "--format", "json").output)}
    assert log["person.erase"]["actor"].startswith("cli:")
    assert log["report.open"]["actor"] == "(erased person)"
    # the bot keeps working for everyone else
    run_due(runtime)
    assert "Customers first" in chat("p2@x.io").inbox()
    assert "nobody with email p1@x.io" in cli("person", "erase", VICTIM, "--yes").output


def test_erasing_the_sender_of_a_cascade_removes_it_and_the_chain_goes_on(
    runtime, chat, cli
) -> None:
    a_busy_week(runtime, chat)
    org = ORG.replace("sam@x.io,Sam Sales,lea@x.io", "sam@x.io,Sam Sales,")
    org = org.replace("lea@x.io,Lea Leader,,Exec,leader,UTC\n", "")
    import_org(runtime, org)  # Lea left: Sam leads now
    with runtime.db.session() as session:
        lea = session.exec(select(Person).where(Person.email == "lea@x.io")).scalars().one()  # type: ignore[call-overload]
    erased = cli("person", "erase", "lea@x.io", "--yes")
    assert erased.exit_code == 0, erased.output
    assert naming_rows(runtime.db, lea.id, "lea@x.io", lea.name) == []
    run_due(runtime)  # nothing of hers is left to trip over


def test_a_person_with_a_team_is_refused_and_nothing_changes(runtime, chat, cli) -> None:
    import_org(runtime, ORG)
    refused = cli("person", "erase", "sam@x.io", "--yes")
    assert refused.exit_code == 2
    assert "6 active people still report to sam@x.io" in refused.output
    assert "Nothing was erased" in refused.output
    assert cli("person", "erase", "nobody@x.io", "--yes").exit_code == 2
    declined = cli("person", "erase", VICTIM, input="n\n")
    assert declined.exit_code == 2 and "nothing was erased" in declined.output
    with runtime.db.session() as session:
        assert session.exec(select(Person).where(Person.email == VICTIM)).first() is not None
