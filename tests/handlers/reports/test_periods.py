"""--since, --until and --weeks on every report, with the pulse report's meaning: the cascade
report and the stories figures keep to the period on the command line and in chat, an empty
period says so, and a bad period is refused naming the flag (one error line) or, in chat,
politely naming the word."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from handlers.cascade import chain as cascade_chain
from handlers.reports.periods import weeks_back
from storage import people
from tests.handlers.cascade.helpers import org as cascade_org
from tests.support import import_org, org_csv


def error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("error:")]


def send_cascade(runtime, title: str) -> None:  # type: ignore[no-untyped-def]
    """The vp sends a cascade at the runtime clock's now."""
    with runtime.db.session() as session:
        vp = people.by_email(session, "vp@x.io")
        cascade_chain.start(
            session, runtime, vp, title=title, body="Call them.", customer_line=None, window_days=2
        )


# --- the cascade report -------------------------------------------------------------------


@pytest.fixture
def two_cascades(runtime, clock):  # type: ignore[no-untyped-def]
    """ "Old news" 20 days ago and "This week" 2 days ago, on the system clock the CLI reads."""
    import_org(runtime, cascade_org())
    now = datetime.now(UTC).replace(microsecond=0)
    clock.set(now - timedelta(days=20))
    send_cascade(runtime, "Old news")
    clock.set(now - timedelta(days=2))
    send_cascade(runtime, "This week")
    return now


def test_cascade_report_on_the_command_line_keeps_to_a_period(cli, two_cascades) -> None:
    recent = cli("cascade", "report", "--weeks", "1")
    assert recent.exit_code == 0, recent.output
    assert "This week" in recent.output and "Old news" not in recent.output

    until = (two_cascades - timedelta(days=10)).date().isoformat()
    early = json.loads(cli("cascade", "report", "--until", until, "--format", "json").output)
    assert [c["title"] for c in early] == ["Old news"]
    assert early[0]["audience"] == 8 and early[0]["reached"] == 2

    every = cli("cascade", "report")  # no number, no period: every cascade sent
    assert "This week" in every.output and "Old news" in every.output

    empty = cli("cascade", "report", "--since", "2099-01-01")
    assert empty.exit_code == 0
    assert "No cascades were sent in this period (since Thu 1 Jan 2099)." in empty.output
    assert "┃" not in empty.output  # no empty table

    both = cli("cascade", "report", "--weeks", "2", "--since", "2027-01-01")
    assert both.exit_code == 2
    assert error_lines(both.output) == [
        "error: --weeks and --since do not go together: give one of them"
    ]
    backwards = cli("cascade", "report", "--since", "2027-03-02", "--until", "2027-03-01")
    assert backwards.exit_code == 2
    assert error_lines(backwards.output) == [
        "error: --until 2027-03-01 is before --since 2027-03-02"
    ]
    number_and_period = cli("cascade", "report", "1", "--weeks", "2")
    assert number_and_period.exit_code == 2
    [line] = error_lines(number_and_period.output)
    assert line.startswith("error: --weeks: a period lists the cascades")
    assert "reached 1" not in cli("cascade", "report", "2").output  # one still works
    assert "This week" in cli("cascade", "report", "2").output


def test_cascade_report_in_chat_keeps_to_a_period(runtime, chat, two_cascades) -> None:
    vp = chat("vp@x.io")
    recent = vp.say("cascade report weeks 1")
    assert "Cascades sent, since" in recent
    assert '"This week"' in recent and "Old news" not in recent
    assert "reached 2 of 8 (25%)" in recent
    since = (two_cascades - timedelta(days=30)).date().isoformat()
    assert "Old news" in vp.say(f"cascade report since {since}")
    assert "No cascades were sent in this period (since Thu 1 Jan 2099)" in vp.say(
        "cascade report since 2099-01-01"
    )
    # a leader sees only their own cascades in the list
    assert "No cascades were sent" in chat("ceo@x.io").say("cascade report weeks 4")
    # one cascade by number, and the latest without one, as before
    assert 'Cascade 1 "Old news"' in vp.say("cascade report 1")
    assert 'Cascade 2 "This week"' in vp.say("cascade report")

    refused = vp.say("cascade report since 2027-02-30")
    assert "Sorry, I could not read that period" in refused
    assert "since: expected a real date as YYYY-MM-DD, got 2027-02-30" in refused
    assert "cascade report weeks 8" in refused  # an example of what works
    assert "weeks: expected a whole number of weeks from 1 to 520" in vp.say(
        "cascade report weeks 0"
    )
    assert "either a cascade number" in vp.say("cascade report 1 weeks 4")


# --- stories and ideas --------------------------------------------------------------------

STORY_ORG = org_csv(
    "lea@x.io,Lea Leader,,Exec,leader,UTC",
    "sam@x.io,Sam Sales,lea@x.io,Sales,manager,UTC",
    "sal@x.io,Sal Seller,sam@x.io,Sales,employee,UTC",
    "pat@x.io,Pat Support,lea@x.io,Support,manager,UTC",
    "dot@x.io,Dot Desk,pat@x.io,Support,employee,UTC",
)


def share(person, what: str, *, idea: bool = False) -> None:  # type: ignore[no-untyped-def]
    """Fill the story form on the console: a story (or an idea) shared with one's name."""
    shown = person.say("story", what, "", "It went well", "2" if idea else "1", "1")
    assert "Thanks" in shown, shown


def test_stories_in_the_report_keep_to_its_period(runtime, chat, clock, cli) -> None:
    # (before issue 19 this read one person's exact counts; story figures are now published
    # per closed week, in bands of at least 5 people, so everyone shares)
    import_org(runtime, STORY_ORG)
    everyone = ("lea@x.io", "sam@x.io", "sal@x.io", "pat@x.io", "dot@x.io")
    now = datetime.now(UTC).replace(microsecond=0)
    clock.set(now - timedelta(days=40))
    for email in everyone:
        share(chat(email), "An old story")
        share(chat(email), "An old idea to serve them faster", idea=True)
    clock.set(now - timedelta(days=10))  # a closed week inside the last two
    for email in everyone:
        share(chat(email), "A fresh story")

    def weeks_of(days: int) -> str:
        year, week, _ = (now - timedelta(days=days)).isocalendar()
        return f"{year}-W{week:02d}"

    recent = json.loads(cli("report", "--weeks", "2", "--format", "json").output)
    shared = recent["stories"]["shared"]
    assert [(r["group"], r["week"], r["stories"], r["ideas"]) for r in shared] == [
        ("Whole organisation", weeks_of(10), "5-9", None)
    ]
    links = recent["stories"]["connectedness"]  # the closed four-week blocks it touches, whole
    assert links["until"] is None or links["until"] >= weeks_back(now.date(), 2).isoformat()
    assert links["since"] is None or links["since"] <= weeks_back(now.date(), 2).isoformat()

    until = (now - timedelta(days=30)).date().isoformat()
    early = json.loads(cli("report", "--until", until, "--format", "json").output)
    assert [(r["group"], r["stories"], r["ideas"]) for r in early["stories"]["shared"]] == [
        ("Whole organisation", "5-9", "5-9")
    ]

    table = cli("report", "--since", "2099-01-01")
    assert table.exit_code == 0, table.output
    assert "┃" not in table.output  # not one empty table
    said = " ".join(table.output.split())
    assert "Nothing was published for this period (since Thu 1 Jan 2099)" in said
    assert (
        "People who shared stories and ideas, per week, since Thu 1 Jan 2099: "
        "nothing in this period" in said
    )
    assert "Connectedness by department, since Thu 1 Jan 2099: nothing in this period" in said
    default = " ".join(cli("report").output.split())  # no period: the usual weeks
    assert re.search(
        r"Connectedness, \w{3} \d+ \w{3} \d{4} to \w{3} \d+ \w{3} \d{4}:", default
    )  # latest block
    assert "People who shared stories and ideas, per week, last 8 weeks" in default

    bad = cli("report", "--weeks", "0")
    assert (
        bad.exit_code == 2 and "--weeks" in bad.output and "expected a whole number" in bad.output
    )


def test_ideas_in_chat_keep_to_a_period(runtime, chat, clock) -> None:
    import_org(runtime, STORY_ORG)
    clock.set(datetime(2027, 3, 1, 9, 0, tzinfo=UTC))
    share(chat("sal@x.io"), "Call back within the hour", idea=True)
    clock.set(datetime(2027, 4, 5, 9, 0, tzinfo=UTC))
    share(chat("sal@x.io"), "A customer corner in the newsletter", idea=True)
    lea = chat("lea@x.io")
    recent = lea.say("ideas weeks 1")
    assert "A customer corner" in recent and "Call back" not in recent
    assert "Call back" in lea.say("ideas until 2027-03-31")
    both = lea.say("ideas")
    assert "A customer corner" in both and "Call back" in both
    assert "No ideas below Lea Leader were shared in this period (since Tue 1 Jan 2030)" in lea.say(
        "ideas since 2030-01-01"
    )
    assert "until 2027-03-01 is before since 2027-03-31" in lea.say(
        "ideas since 2027-03-31 until 2027-03-01"
    )
    assert "weeks and since do not go together: give one of them" in lea.say(
        "ideas weeks 2 since 2027-03-01"
    )
    assert "Sorry, I did not understand that. Type ideas" in lea.say("ideas lately")


# --- the pulse report and comments in chat: the same words --------------------------------


def test_report_and_comments_in_chat_take_dates(runtime, chat) -> None:
    import_org(runtime, STORY_ORG)
    said = chat("sal@x.io").say("report since 2027-01-04 until 2027-01-10")
    assert "Nothing was published for this period (Mon 4 Jan 2027 to Sun 10 Jan 2027)" in said
    assert "No comments to show for this period (since Mon 4 Jan 2027)" in chat("sal@x.io").say(
        "comments since 2027-01-04"
    )
    assert "until: give it once" in chat("sal@x.io").say("report until 2027-01-04 until 2027-01-05")
