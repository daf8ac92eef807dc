"""The audit log: rows written with the action, read back with `culturebot audit`."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from storage import audit


def test_an_empty_log_says_so(cli) -> None:
    empty = cli("audit")
    assert empty.exit_code == 0, empty.output
    assert "nothing yet" in empty.output
    assert json.loads(cli("audit", "--format", "json").output) == []


def test_rows_are_listed_oldest_first_and_filtered(cli, runtime) -> None:
    with runtime.db.session() as session:
        audit.record(
            session,
            "org.import",
            actor="cli:hr",
            at=datetime(2027, 3, 1, 9, tzinfo=UTC),
            target="org.csv",
            details={"created": 60},
        )
        audit.record(
            session,
            "cascade.send",
            actor="vp@x.io",
            at=datetime(2027, 3, 2, 9, tzinfo=UTC),
            target="cascade 1",
        )
    rows = json.loads(cli("audit", "--format", "json").output)
    assert [(r["action"], r["actor"], r["target"]) for r in rows] == [
        ("org.import", "cli:hr", "org.csv"),
        ("cascade.send", "vp@x.io", "cascade 1"),
    ]
    assert rows[0]["details"] == {"created": 60}
    assert rows[0]["at"] == "2027-03-01T09:00:00+00:00"

    since = json.loads(cli("audit", "--since", "2027-03-02", "--format", "json").output)
    assert [r["action"] for r in since] == ["cascade.send"]
    later = json.loads(cli("audit", "--since", "2027-03-02 09:01", "--format", "json").output)
    assert later == []
    grouped = json.loads(cli("audit", "--action", "cascade", "--format", "json").output)
    assert [r["action"] for r in grouped] == ["cascade.send"]

    table = cli("audit")
    assert table.exit_code == 0
    assert "org.import" in table.output and "cascade.send" in table.output


def test_a_bad_since_is_refused_clearly(cli) -> None:
    bad = cli("audit", "--since", "2027-02-30")
    assert bad.exit_code == 2
    assert "--since must be a date YYYY-MM-DD" in bad.output


def test_an_unknown_action_is_refused(runtime) -> None:
    with runtime.db.session() as session, pytest.raises(ValueError, match="unknown audit action"):
        audit.record(session, "cascade.sent", actor="x", at=datetime(2027, 3, 1, tzinfo=UTC))


def test_scrub_removes_an_email_wherever_the_log_holds_it(runtime) -> None:
    at = datetime(2027, 3, 1, tzinfo=UTC)
    with runtime.db.session() as session:
        audit.record(session, "report.open", actor="a_b@x.io", at=at, target="scope a_b@x.io")
        audit.record(session, "export", actor="cli:hr", at=at, details={"as": "a_b@x.io"})
        audit.record(session, "export", actor="aXb@x.io", at=at)  # _ is not a wildcard
    with runtime.db.session() as session:
        audit.scrub(session, "a_b@x.io")
    with runtime.db.session() as session:
        rows = audit.events(session)
    assert [(r.actor, r.target) for r in rows] == [
        (audit.ERASED, f"scope {audit.ERASED}"),
        ("cli:hr", ""),
        ("aXb@x.io", ""),
    ]
    assert "a_b@x.io" not in (rows[1].details or "")
