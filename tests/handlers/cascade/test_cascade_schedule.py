"""Cascades: a dry run shows the audience by level, the relaying managers and who cannot be
reached; a cascade scheduled at each person's local 09:00 arrives then in three zones, with
each relay window starting on arrival; a scheduled cascade can be cancelled until it goes out."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from bot.app import run_due
from handlers.cascade import actions as cascade
from storage import audit
from storage.cascade_models import Cascade
from storage.models import Outbox, Person
from storage.people import by_email, link_identity, mark_unreachable
from tests.handlers.cascade.helpers import links, org
from tests.support import import_org, org_csv


def message_file(tmp_path) -> str:  # type: ignore[no-untyped-def]
    path = tmp_path / "msg.md"
    path.write_text("# Customers first\n\nWe call every customer who churned.\n")
    return str(path)


def test_a_dry_run_shows_levels_relayers_and_who_cannot_be_reached(
    runtime, cli, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_org(runtime, org())
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")  # deliver on Slack: links matter
    with runtime.db.session() as session:
        for name in ("m1", "a1", "a2", "m2", "t1", "c1", "b1"):
            link_identity(session, by_email(session, f"{name}@x.io"), "slack", f"U{name}", None)  # type: ignore[arg-type]
        mark_unreachable(session, "slack", "Ub1", "account deactivated")
        by_email(session, "t1@x.io").paused_until = datetime(2027, 3, 12).date()  # type: ignore[union-attr]
    shown = cli(
        "cascade", "send", "--from", "vp@x.io", "--file", message_file(tmp_path), "--dry-run"
    )
    assert shown.exit_code == 0, shown.output
    out = shown.output
    assert "This cascade would reach 8 people in your team:" in out
    assert "- level 1: 2 people\n- level 2: 4 people\n- level 3: 2 people" in out
    assert "3 managers will be asked to relay it" in out
    assert "- Max Two (level 1)\n- Mia One (level 1)\n" in out
    assert "- Tia T1 (level 2), on leave until 2027-03-12: their relay window waits" in out
    assert "2 people cannot be reached on chat:" in out
    assert "- Bo B1: account deactivated" in out
    assert "- Cat C2: not linked to slack" in out
    assert "dry run: nothing was sent" in out
    with runtime.db.session() as session:
        assert session.exec(select(Cascade)).first() is None
        assert session.exec(select(Outbox)).first() is None


THREE_ZONES = org_csv(
    "vp@x.io,Vera Vp,,Sales,leader,UTC",
    "tokyo@x.io,Taro Tokyo,vp@x.io,Sales,manager,Asia/Tokyo",
    "berlin@x.io,Bea Berlin,vp@x.io,Sales,manager,Europe/Berlin",
    "ny@x.io,Ned York,vp@x.io,Sales,manager,America/New_York",
    "t2@x.io,Tom T2,tokyo@x.io,Sales,employee,Asia/Tokyo",
    "b2@x.io,Ben B2,berlin@x.io,Sales,employee,Europe/Berlin",
    "n2@x.io,Nia N2,ny@x.io,Sales,employee,America/New_York",
)


def arrivals(runtime) -> dict[str, datetime]:  # type: ignore[no-untyped-def]
    """When each person's cascade message was queued, in their own time zone."""
    with runtime.db.session() as session:
        rows = session.exec(
            select(Outbox, Person)
            .join(Person, col(Person.id) == col(Outbox.person_id))
            .where(Outbox.kind == "cascade.message")
        ).all()
    return {p.email.split("@")[0]: o.created_at.astimezone(ZoneInfo(p.timezone)) for o, p in rows}


def tick_until(runtime, end: datetime, step: timedelta = timedelta(minutes=15)) -> None:  # type: ignore[no-untyped-def]
    while runtime.clock.now() < end:
        run_due(runtime)
        runtime.clock.advance(step)


def test_a_scheduled_cascade_arrives_at_each_persons_local_nine(runtime) -> None:
    import_org(runtime, THREE_ZONES)
    runtime.clock.set(datetime(2027, 3, 4, 12, tzinfo=UTC))  # Thursday noon UTC
    with runtime.db.session() as session:
        said = cascade.send(
            session,
            runtime,
            by_email(session, "vp@x.io"),  # type: ignore[arg-type]
            title="Customers first",
            body="We call every customer who churned.",
            local_time="09:00",
        )
    assert 'Scheduled "Customers first" (cascade 1) for each person\'s local 09:00' in said
    assert "cascade cancel 1" in said
    # Thursday 09:00 had passed in Tokyo and Berlin, not yet in New York
    tick_until(runtime, datetime(2027, 3, 4, 14, 30, tzinfo=UTC))
    assert {k: v.strftime("%a %H:%M") for k, v in arrivals(runtime).items()} == {"ny": "Thu 09:00"}
    tick_until(runtime, datetime(2027, 3, 5, 12, tzinfo=UTC))
    seen = arrivals(runtime)
    assert {k: v.strftime("%a %H:%M") for k, v in seen.items()} == {
        "ny": "Thu 09:00",
        "tokyo": "Fri 09:00",
        "berlin": "Fri 09:00",
    }
    # each manager's relay window started when it reached them: 2 working days, their own
    due = {name: link.due_at for name, link in links(runtime).items() if link.level == 1}
    assert {k: v.astimezone(seen[k].tzinfo).strftime("%a %H:%M") for k, v in due.items()} == {
        "ny": "Mon 09:00",
        "tokyo": "Tue 09:00",
        "berlin": "Tue 09:00",
    }
    with runtime.db.session() as session:
        sent = session.exec(select(Cascade)).one()
    assert sent.status == "running"


def test_send_at_a_time_in_the_senders_zone(runtime) -> None:
    import_org(
        runtime,
        THREE_ZONES.replace(
            "vp@x.io,Vera Vp,,Sales,leader,UTC", "vp@x.io,Vera Vp,,Sales,leader,Europe/Berlin"
        ),
    )
    runtime.clock.set(datetime(2027, 3, 1, 6, tzinfo=UTC))
    with runtime.db.session() as session:
        cascade.send(
            session,
            runtime,
            by_email(session, "vp@x.io"),  # type: ignore[arg-type]
            title="Customers first",
            body="We call every customer who churned.",
            send_at=datetime(2027, 3, 1, 10, tzinfo=ZoneInfo("Europe/Berlin")),
        )
    tick_until(runtime, datetime(2027, 3, 1, 8, 55, tzinfo=UTC))
    assert arrivals(runtime) == {}
    tick_until(runtime, datetime(2027, 3, 1, 9, 15, tzinfo=UTC))
    assert {v.astimezone(UTC).strftime("%H:%M") for v in arrivals(runtime).values()} == {"09:00"}
    assert set(arrivals(runtime)) == {"tokyo", "berlin", "ny"}


def test_cancel_before_it_goes_out_and_not_after(runtime, chat, cli) -> None:
    import_org(runtime, THREE_ZONES)
    runtime.clock.set(datetime(2027, 3, 1, 6, tzinfo=UTC))
    with runtime.db.session() as session:
        vp = by_email(session, "vp@x.io")
        for hour in (12, 13):
            cascade.send(
                session,
                runtime,
                vp,  # type: ignore[arg-type]
                title=f"Message {hour}",
                body="We call every customer who churned.",
                send_at=datetime(2027, 3, 1, hour, tzinfo=UTC),
            )
    assert "Only the leader who scheduled" in chat("tokyo@x.io").say("cascade cancel 1")
    assert 'Cancelled cascade 1 "Message 12": nothing was sent.' in chat("vp@x.io").say(
        "cascade cancel 1"
    )
    assert "can no longer be cancelled: it is cancelled" in chat("vp@x.io").say("cascade cancel 1")
    tick_until(runtime, datetime(2027, 3, 1, 13, 30, tzinfo=UTC))
    with runtime.db.session() as session:
        titles = session.exec(select(Outbox.payload).where(Outbox.kind == "cascade.message")).all()
    assert titles and all("Message 13" in t and "Message 12" not in t for t in titles)
    late = cli("cascade", "cancel", "2")
    assert late.exit_code == 2 and "can no longer be cancelled: it is going out" in late.output
    assert cli("cascade", "cancel", "99").exit_code == 2
    with runtime.db.session() as session:
        actions = [(e.action, e.target) for e in audit.events(session)]
    assert actions == [
        ("cascade.schedule", "cascade 1"),
        ("cascade.schedule", "cascade 2"),
        ("cascade.cancel", "cascade 1"),
    ]


def test_a_send_time_in_the_past_is_refused(runtime, cli, tmp_path) -> None:
    import_org(runtime, THREE_ZONES)
    past = cli(
        "cascade",
        "send",
        "--from",
        "vp@x.io",
        "--file",
        message_file(tmp_path),
        "--at",
        "2020-01-01 09:00",
    )
    assert past.exit_code == 2 and "not in the past" in past.output
    bad = cli(
        "cascade",
        "send",
        "--from",
        "vp@x.io",
        "--file",
        message_file(tmp_path),
        "--at",
        "2027-02-30 09:00",
    )
    assert bad.exit_code == 2 and "YYYY-MM-DD HH:MM" in bad.output
    bad = cli(
        "cascade", "send", "--from", "vp@x.io", "--file", message_file(tmp_path), "--local", "25:00"
    )
    assert bad.exit_code == 2 and "HH:MM" in bad.output
    later = cli(
        "cascade",
        "send",
        "--from",
        "vp@x.io",
        "--file",
        message_file(tmp_path),
        "--at",
        "2099-01-01 09:00",
    )
    assert later.exit_code == 0, later.output
    assert "Scheduled" in later.output
    log = json.loads(cli("audit", "--format", "json").output)
    assert [(r["action"], r["actor"][:4]) for r in log] == [("cascade.schedule", "cli:")]


def test_the_chat_form_previews_before_anything_is_sent(runtime, chat) -> None:
    import_org(runtime, org())
    vp = chat("vp@x.io")
    preview = vp.say("cascade", "Customers first", "We call every customer.", "", "")
    assert "This cascade would reach 8 people in your team:" in preview
    assert "- level 3: 2 people" in preview and "3 managers will be asked" in preview
    assert "[1] Send | [2] Don't send" in preview
    assert "Not sent" in vp.say("2")
    with runtime.db.session() as session:
        assert session.exec(select(Cascade)).first() is None
        assert session.exec(select(Outbox)).first() is None
    vp.say("cascade", "Customers first", "We call every customer.", "", "")
    assert 'Sent "Customers first" to your 2 direct reports' in vp.say("1")
    with runtime.db.session() as session:
        assert [e.action for e in audit.events(session)] == ["cascade.send"]


def test_a_preview_nobody_sends_is_forgotten_after_a_week(runtime, chat) -> None:
    import_org(runtime, org())
    vp = chat("vp@x.io")
    vp.say("cascade", "Customers first", "We call every customer.", "", "")
    runtime.clock.advance(timedelta(days=8))
    run_due(runtime)
    with runtime.db.session() as session:
        assert session.exec(select(Cascade)).first() is None
    assert "already sent or discarded" in vp.say("1")
