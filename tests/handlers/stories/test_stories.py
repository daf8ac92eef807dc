"""Stories and ideas end to end on the console platform, through the real router, outbox and
scheduler tick, with the injected clock: capture, bad input, consent in the digest, the
digest's choice, reactions, connectedness, ideas and their status, the weekly invitation."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from sqlalchemy import func
from sqlmodel import col, select

from bot.app import run_due
from bot.core.chat import Incoming
from bot.core.clock import FakeClock
from bot.core.config import Settings
from bot.core.router import Router
from bot.core.runtime import Runtime
from handlers.reports import publish
from handlers.stories import reports as story_reports
from handlers.stories.capture import StoriesSettings, clean, has_words, tick
from storage import people
from storage.models import Outbox, PulseAnswerPending
from storage.stories import Story, StoryReaction
from tests.support import import_org, org_csv

# Two departments under a leader, plus a third with one person, all in UTC except Dan.
ORG = org_csv(
    "lea@x.io,Lea Leader,,Exec,leader,UTC",
    "sam@x.io,Sam Sales,lea@x.io,Sales,manager,UTC",
    "sal@x.io,Sal Seller,sam@x.io,Sales,employee,UTC",
    "sue@x.io,Sue Seller,sam@x.io,Sales,employee,UTC",
    "pat@x.io,Pat Support,lea@x.io,Support,manager,UTC",
    "dan@x.io,Dan Desk,pat@x.io,Support,employee,Europe/Berlin",
    "dot@x.io,Dot Desk,pat@x.io,Support,employee,UTC",
)
THURSDAY_10 = datetime(2027, 3, 4, 10, 0, tzinfo=UTC)  # the default digest time, UTC people

STORY, IDEA = "1", "2"
NAMED, ANONYMOUS, MANAGER_ONLY = "1", "2", "3"


def share(chat, what: str, changed: str, *, kind: str = STORY, consent: str = NAMED, customer=""):  # type: ignore[no-untyped-def]
    """Type ``story`` and fill the form as a person would on the console."""
    return chat.say("story", what, customer, changed, kind, consent)


def stories(runtime: Runtime) -> list[Story]:
    with runtime.db.session() as session:
        return list(session.exec(select(Story).order_by(col(Story.id))))


def at(clock: FakeClock, when: datetime, runtime: Runtime) -> dict[str, object]:
    clock.set(when)
    return run_due(runtime)


@pytest.fixture
def org(runtime: Runtime) -> Runtime:
    import_org(runtime, ORG)
    return runtime


# --- capture -------------------------------------------------------------------------------


def test_capture_a_story_on_the_console(org, chat) -> None:  # type: ignore[no-untyped-def]
    sal = chat("sal@x.io")
    shown = share(
        sal,
        "The customer loved how fast we fixed their invoice run",
        "They could close their month on time",
        customer="ACME Ltd",
    )
    assert "## Share a customer moment" in shown
    assert "1) A story | 2) An idea" in shown
    assert "1) Share it with my name | 2) Share it anonymously | 3) Only my manager" in shown
    assert "Thanks for sharing!" in shown and "with your name" in shown
    [story] = stories(org)
    assert (story.kind, story.consent, story.department, story.customer) == (
        "story",
        "named",
        "Sales",
        "ACME Ltd",
    )
    assert story.what_changed == "They could close their month on time"
    assert story.polarity > 0.05 and 0.0 <= story.subjectivity <= 1.0


def test_capture_an_idea_with_the_idea_command(org, chat) -> None:  # type: ignore[no-untyped-def]
    shown = chat("sal@x.io").say(
        "idea", "Call every new customer after week one", "", "Fewer surprises", ANONYMOUS
    )
    assert "Share an idea" in shown
    assert "Is it a story or an idea?" not in shown  # the kind is not asked again
    # anonymous: Sam's team is two people, so it goes up to whoever holds a group of 5
    assert "Lea Leader will see it" in shown
    [idea] = stories(org)
    assert (idea.kind, idea.consent, idea.status, idea.customer) == (
        "idea",
        "anonymous",
        "new",
        None,
    )


def test_the_invitation_button_opens_the_form(org, chat, router: Router) -> None:  # type: ignore[no-untyped-def]
    response = router.handle(
        org,
        Incoming(
            platform="console",
            user_id="sal@x.io",
            kind="action",
            name="stories.start",
            value="story",
        ),
    )
    assert response.form is not None and response.form.action == "stories.submit"
    assert [f.name for f in response.form.fields] == [
        "what_happened",
        "customer",
        "what_changed",
        "kind",
        "consent",
    ]
    assert all(f.max_length <= 3000 for f in response.form.fields)


# --- bad input -----------------------------------------------------------------------------


def _submit(router: Router, runtime: Runtime, ref: str, **fields: str):  # type: ignore[no-untyped-def]
    values = {
        "what_happened": "We walked the customer through the new export",
        "customer": "",
        "what_changed": "They saved a day of work",
        "kind": "story",
        "consent": "named",
    }
    values.update(fields)
    return router.handle(
        runtime,
        Incoming(
            platform="console",
            user_id="sal@x.io",
            kind="action",
            name="stories.submit",
            ref=ref,
            fields=values,
        ),
    )


def _reply(response) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(part.text for message in response.replies for part in message.parts)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"what_happened": ""}, 'Please fill in "What happened?"'),
        ({"what_happened": "   \n\t "}, 'Please fill in "What happened?"'),
        ({"what_changed": ""}, 'Please fill in "What did it change for the customer?"'),
        ({"what_happened": "🎉🎉🎉 👍"}, "has only emoji, symbols or spaces"),
        ({"what_happened": ":tada: :+1: !!!"}, "has only emoji, symbols or spaces"),
        ({"what_changed": "x" * 3001}, "3001 characters long; the limit is 3000"),
        ({"customer": "c" * 201}, "201 characters long; the limit is 200"),
        ({"kind": "poem"}, 'Please pick one of the options for "Is it a story or an idea?"'),
        ({"consent": "everyone"}, 'Please pick one of the options for "Who may see it?"'),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(org, router, fields, expected) -> None:  # type: ignore[no-untyped-def]
    assert expected in _reply(_submit(router, org, "any.t1", **fields))
    assert stories(org) == []


def test_a_story_of_exactly_3000_characters_is_kept(org, router) -> None:  # type: ignore[no-untyped-def]
    assert "Thanks" in _reply(_submit(router, org, "any.t1", what_happened="a" * 3000))
    assert len(stories(org)[0].what_happened) == 3000


def test_empty_field_on_the_console_is_asked_again(org, chat) -> None:  # type: ignore[no-untyped-def]
    shown = chat("sal@x.io").say(
        "story", "", "Helped a customer migrate", "", "They went live", "1", "1"
    )
    assert "This field is required." in shown
    assert stories(org)[0].what_happened == "Helped a customer migrate"


def test_markup_is_kept_as_plain_text(org, chat, clock) -> None:  # type: ignore[no-untyped-def]
    markup = "<!channel> *bold* <https://evil.example|click> & </div><script>x</script>"
    share(chat("sal@x.io"), markup, "Nothing <b>broke</b>")
    assert stories(org)[0].what_happened == markup
    at(clock, THURSDAY_10, org)
    shown = chat("dot@x.io").inbox()
    assert f"  > {markup}" in shown  # carried verbatim as text; Slack/Teams escape it
    with org.db.session() as session:
        payload = session.exec(
            select(Outbox.payload).where(Outbox.kind == "stories.digest")
        ).first()
    parts = json.loads(payload)["parts"]  # type: ignore[arg-type]
    assert {"type": "text", "text": markup, "style": "quote"} in parts


def test_control_characters_are_dropped_and_line_ends_normalised() -> None:
    assert clean(" a\r\nb\x00c\x07\td ") == "a\nbc\td"
    assert has_words("ok 👍") and not has_words("👍 :thumbsup: ...")


def test_a_double_submit_is_kept_once(org, router) -> None:  # type: ignore[no-untyped-def]
    form = router.handle(
        org, Incoming(platform="console", user_id="sal@x.io", kind="command", name="story")
    ).form
    assert form is not None
    first = _submit(router, org, form.ref)
    second = _submit(router, org, form.ref)
    assert "Thanks for sharing" in _reply(first)
    assert "we kept it once" in _reply(second)
    assert len(stories(org)) == 1


def test_an_identical_story_moments_later_is_kept_once_even_without_a_token(
    org, router, clock
) -> None:  # type: ignore[no-untyped-def]
    _submit(router, org, "")
    clock.advance(timedelta(seconds=2))
    assert "we kept it once" in _reply(_submit(router, org, ""))
    clock.advance(timedelta(hours=1))
    _submit(router, org, "", what_happened="A different moment with the same customer")
    assert len(stories(org)) == 2


def test_a_platform_retry_of_the_same_event_is_handled_once(org, router) -> None:  # type: ignore[no-untyped-def]
    incoming = Incoming(
        platform="console",
        user_id="sal@x.io",
        kind="action",
        name="stories.submit",
        ref="any.retry",
        event_id="evt-1",
        fields={
            "what_happened": "Fixed it",
            "what_changed": "Happy",
            "kind": "story",
            "consent": "named",
        },
    )
    router.handle(org, incoming)
    assert router.handle(org, incoming).replies == []
    assert len(stories(org)) == 1


# --- the digest ----------------------------------------------------------------------------


def test_digest_respects_consent(org, chat, clock) -> None:  # type: ignore[no-untyped-def]
    sal = chat("sal@x.io")
    share(sal, "Named story about ACME", "ACME was happy", consent=NAMED)
    clock.advance(timedelta(minutes=1))
    share(sal, "Anonymous story about Globex", "Globex was happy", consent=ANONYMOUS)
    clock.advance(timedelta(minutes=1))
    share(sal, "Private story about Initech", "Initech was happy", consent=MANAGER_ONLY)
    clock.advance(timedelta(minutes=1))
    chat("sal@x.io").say("idea", "An idea about Umbrella", "Umbrella would be happy", NAMED)

    at(clock, THURSDAY_10, org)
    digest = chat("dot@x.io").inbox()
    assert "Customer stories from other departments" in digest
    assert "Named story about ACME" in digest and "Sales, shared by Sal Seller" in digest
    # Sales has three people: an anonymous story of theirs names no department
    assert "Anonymous story about Globex" in digest and ". Shared anonymously" in digest
    assert "Sales, shared anonymously" not in digest
    anonymous_block = digest.split("Anonymous story about Globex")[0].rsplit("##", 1)[1]
    assert "Sal Seller" not in anonymous_block
    assert digest.count("Sal Seller") == 1  # only on the named story
    assert "Initech" not in digest  # private: never in a digest
    assert "Umbrella" not in digest  # ideas go to the manager, not to the digest
    # ... while the private story did reach Sal's manager, and only them
    assert "Private story about Initech" in chat("sam@x.io").inbox()
    assert "Initech" not in chat("lea@x.io").inbox()


def test_digest_excludes_the_readers_own_department(org, chat, clock) -> None:  # type: ignore[no-untyped-def]
    share(chat("sal@x.io"), "Sales helped a customer", "Good result")
    share(chat("dot@x.io"), "Support helped a customer", "Good result")
    at(clock, THURSDAY_10, org)
    sales_view = chat("sue@x.io").inbox()
    support_view = chat("dot@x.io").inbox()
    exec_view = chat("lea@x.io").inbox()
    assert "Support helped a customer" in sales_view and "Sales helped" not in sales_view
    assert "Sales helped a customer" in support_view and "Support helped" not in support_view
    assert "Sales helped" in exec_view and "Support helped" in exec_view


def test_digest_arrives_at_each_readers_local_time_and_once(org, chat, clock) -> None:  # type: ignore[no-untyped-def]
    share(chat("sal@x.io"), "Sales helped a customer", "Good result")
    at(clock, THURSDAY_10 - timedelta(hours=1), org)  # 10:00 in Berlin, 09:00 UTC
    assert "Sales helped a customer" in chat("dan@x.io").inbox()
    assert "Sales helped" not in chat("dot@x.io").inbox()  # Dot is on UTC: not yet
    at(clock, THURSDAY_10, org)
    assert "Sales helped a customer" in chat("dot@x.io").inbox()
    at(clock, THURSDAY_10 + timedelta(minutes=5), org)
    assert chat("dan@x.io").inbox() == "" and chat("dot@x.io").inbox() == ""


def test_digest_picks_most_helpful_then_most_recent_and_never_repeats(
    org, chat, clock, router
) -> None:  # type: ignore[no-untyped-def]
    config = StoriesSettings(digest_size=2, _env_file=None)  # type: ignore[call-arg]
    for name in ("old", "helpful", "newest"):
        share(chat("dot@x.io"), f"Support story {name}", "Good")
        clock.advance(timedelta(hours=1))
    helpful = next(s for s in stories(org) if s.what_happened.endswith("helpful"))
    with org.db.session() as session:  # two readers elsewhere found it helpful earlier
        for email in ("lea@x.io", "sam@x.io"):
            person = people.by_email(session, email)
            session.add(
                StoryReaction(
                    story_id=helpful.id,
                    person_id=person.id,
                    department=person.department,
                    created_at=clock.now(),
                )  # type: ignore[union-attr, arg-type]
            )
    clock.set(THURSDAY_10)
    tick(org, config)
    first = chat("sal@x.io").inbox()
    assert first.index("Support story helpful") < first.index("Support story newest")
    assert "Support story old" not in first
    assert "found this helpful" not in first  # two clicks: under 5, no figure (live counts)
    clock.set(THURSDAY_10 + timedelta(weeks=1))
    tick(org, config)
    second = chat("sal@x.io").inbox()
    assert "Support story old" in second
    assert "Support story newest" not in second and "Support story helpful" not in second


def test_no_digest_when_nothing_to_show(org, chat, clock) -> None:  # type: ignore[no-untyped-def]
    share(chat("sal@x.io"), "Sales helped a customer", "Good result")
    at(clock, THURSDAY_10, org)
    assert chat("sue@x.io").inbox() == ""  # Sales has nothing from other departments


# --- reactions and connectedness -----------------------------------------------------------


def test_a_reaction_counts_once_per_person(org, chat, clock) -> None:  # type: ignore[no-untyped-def]
    share(chat("sal@x.io"), "Sales helped a customer", "Good result")
    at(clock, THURSDAY_10, org)
    dot = chat("dot@x.io")
    assert "[1] #1 helps my team" in dot.inbox()
    assert "helps your team" in dot.say("1")
    story_id = stories(org)[0].id
    again = Incoming(
        platform="console",
        user_id="dot@x.io",
        kind="action",
        name="stories.helps",
        value=str(story_id),
    )
    assert "it counts once" in _reply(dot.console.router.handle(org, again))
    assert "it counts once" in _reply(dot.console.router.handle(org, again))
    with org.db.session() as session:
        count = session.exec(select(func.count()).select_from(StoryReaction)).one()
    assert count == 1


def test_own_department_and_private_stories_cannot_be_reacted_to(org, chat, router) -> None:  # type: ignore[no-untyped-def]
    share(chat("sal@x.io"), "Shared story", "Good")
    share(chat("sal@x.io"), "Private story", "Good", consent=MANAGER_ONLY)
    shared, private = stories(org)

    def react(email: str, story_id: int) -> str:
        return _reply(
            router.handle(
                org,
                Incoming(
                    platform="console",
                    user_id=email,
                    kind="action",
                    name="stories.helps",
                    value=str(story_id),
                ),
            )
        )

    assert "your own department" in react("sue@x.io", shared.id)  # type: ignore[arg-type]
    assert "can't find" in react("dot@x.io", private.id)  # type: ignore[arg-type]
    assert "can't find" in react("dot@x.io", 999)


def test_connectedness_on_a_hand_checked_example() -> None:
    # Four departments. Reactions (reader -> story's department): A->B, B->A, A->C, D->C.
    # Unordered pairs connected: {A,B}, {A,C}, {C,D} = 3 of C(4,2) = 6 -> 50%.
    # A found B and C helpful (2), found helpful by B (1), connected to B, C (2).
    # B: to A (1), by A (1), connected 1. C: to none, by A and D (2), connected 2.
    # D: to C (1), by none, connected 1.
    rows, connected, possible = story_reports.connectedness_from(
        {"A", "B", "C", "D"}, {("A", "B"), ("B", "A"), ("A", "C"), ("D", "C")}
    )
    assert (connected, possible) == (3, 6)
    assert [(r.department, r.reacted_to, r.reacted_by, r.connected) for r in rows] == [
        ("A", 2, 1, 2),
        ("B", 1, 1, 1),
        ("C", 0, 2, 2),
        ("D", 1, 0, 1),
    ]


def test_connectedness_is_published_per_closed_four_week_block(org, chat, clock, router) -> None:  # type: ignore[no-untyped-def]
    clock.set(datetime(2027, 3, 1, 9, tzinfo=UTC))  # a Monday; its block runs to 21 March
    share(chat("sal@x.io"), "Sales story", "Good")
    share(chat("dot@x.io"), "Support story", "Good")
    sales_story, support_story = stories(org)
    two = Settings(database_url=org.db.url, min_group_size=2, _env_file=None)  # type: ignore[call-arg]

    def react(email: str, story_id: int) -> None:
        router.handle(
            org,
            Incoming(
                platform="console",
                user_id=email,
                kind="action",
                name="stories.helps",
                value=str(story_id),
            ),
        )

    def figure() -> story_reports.Connectedness:
        with org.db.session() as session:
            publish.publish_due(session, clock.now(), two)
        with org.db.session() as session:
            return story_reports.connectedness(session)

    react("dot@x.io", sales_story.id)  # Support -> Sales: two people
    react("dan@x.io", sales_story.id)
    react("lea@x.io", support_story.id)  # Exec -> Support: one person, never shown
    live = figure()
    assert live.span == "no closed 4-week block yet" and live.pairs_connected == 0
    clock.set(datetime(2027, 3, 24, 9, tzinfo=UTC))  # the block closed two days ago
    closed = figure()
    assert closed.span == "Mon 22 Feb 2027 to Sun 21 Mar 2027"
    assert [(p.reader, p.story, p.people) for p in closed.pairs] == [("Support", "Sales", "2-4")]
    assert (closed.pairs_connected, closed.pairs_possible, closed.share) == (1, 3, 0.333)
    assert closed.most_connected == ["Sales", "Support"] and closed.least_connected == ["Exec"]
    by_name = {r.department: r for r in closed.departments}
    assert (by_name["Support"].reacted_to, by_name["Sales"].reacted_by) == (1, 1)
    react("pat@x.io", sales_story.id)  # a late click counts in the block it was made in
    assert figure() == closed


# --- ideas ---------------------------------------------------------------------------------


def test_idea_goes_to_the_manager_and_status_is_reported_back(org, chat) -> None:  # type: ignore[no-untyped-def]
    sal = chat("sal@x.io")
    sal.say("idea", "Send a monthly usage summary to customers", "They see the value", NAMED)
    sam = chat("sam@x.io")
    shown = sam.inbox()
    assert "Sal Seller (Sales) has an idea" in shown
    assert "Status: new" in shown and "[1] Trying it | [2] Done | [3] Not now" in shown
    assert 'marked idea #1 as "trying it"' in sam.say("1")
    told = sal.inbox()
    assert (
        'Your idea "Send a monthly usage summary to customers" is now marked "trying it" by Sam Sales.'
        in told
    )
    # a later change is reported too; the same status again is not
    idea_id = stories(org)[0].id
    router = sam.console.router

    def set_status(email: str, status: str) -> str:
        return _reply(
            router.handle(
                org,
                Incoming(
                    platform="console",
                    user_id=email,
                    kind="action",
                    name="stories.idea_status",
                    value=f"{idea_id}:{status}",
                ),
            )
        )

    assert "already marked" in set_status("sam@x.io", "trying")
    assert 'as "done"' in set_status("lea@x.io", "done")  # a leader above may set it too
    assert '"done" by Lea Leader' in sal.inbox()
    assert "Only the author's manager" in set_status("pat@x.io", "not_now")  # a peer manager
    assert "Only the author's manager" in set_status("sal@x.io", "done")  # the author
    assert stories(org)[0].status == "done"


def test_leaders_view_groups_ideas_by_department(org, chat) -> None:  # type: ignore[no-untyped-def]
    chat("sal@x.io").say("idea", "Sales idea named", "Better", NAMED)
    chat("sue@x.io").say("idea", "Sales idea anonymous", "Better", ANONYMOUS)
    chat("sue@x.io").say("idea", "Sales idea for my manager only", "Better", MANAGER_ONLY)
    chat("dot@x.io").say("idea", "Support idea", "Better", NAMED)
    view = chat("lea@x.io").say("ideas")
    assert "Ideas below Lea Leader, by department" in view
    assert view.index("## Sales") < view.index("Sales idea named") < view.index("## Support")
    assert "Sales idea named (Sal Seller" in view
    assert view.index("## Support") < view.index("## Shared anonymously")
    assert "Sales idea anonymous (anonymous" in view  # under no department: Sales is 3
    assert "manager only" not in view  # private to Sam
    assert "[new] Support idea (Dot Desk" in view
    sams = chat("sam@x.io").say("ideas")
    assert "manager only" in sams and "Support idea" not in sams
    assert "Ideas of a team are shown to its managers" in chat("sal@x.io").say("ideas")


def test_an_idea_in_another_language_is_tagged_with_it_for_its_reader(org, chat) -> None:  # type: ignore[no-untyped-def]
    """The tag is the text's detected language, not its author's: Sal speaks German with
    culturebot and writes one idea in German, one in English."""
    chat("sal@x.io").say("language de")
    german = "Wir sollten den Kunden jeden Monat eine kurze Zusammenfassung schicken"
    english = "Send a monthly usage summary to every customer"
    chat("sal@x.io").say("idea", german, "Sie sehen den Nutzen", NAMED)
    chat("sal@x.io").say("idea", english, "They see the value", NAMED)
    sam = chat("sam@x.io")
    told = sam.inbox()  # the idea as it reaches the manager
    assert f"[de] {german}" in told and f"[de] {english}" not in told
    view = chat("lea@x.io").say("ideas")
    assert f"[de] {german}" in view and f"[new] {english} (Sal Seller" in view
    chat("lea@x.io").say("language de")
    view = chat("lea@x.io").say("ideas")
    assert f"[en] {english}" in view and f"[de] {german}" not in view and german in view


def test_idea_of_someone_without_a_manager(org, chat) -> None:  # type: ignore[no-untyped-def]
    shown = chat("lea@x.io").say("idea", "Quarterly customer day", "Closer ties", NAMED)
    assert "listed in the leaders' view" in shown


# --- the weekly invitation -----------------------------------------------------------------


def test_invitation_goes_with_the_pulse_once_per_person_per_week(org, chat, clock) -> None:  # type: ignore[no-untyped-def]
    sam = chat("sam@x.io")
    sam.say("checkin")  # the pulse goes to Sal and Sue now
    run_due(org)
    sal = chat("sal@x.io").inbox()
    assert "customer-focus check-in" in sal
    assert "Got a customer moment from this week?" in sal and "[1] Share a customer moment" in sal
    assert "Got a customer moment" not in chat("dot@x.io").inbox()  # no pulse, no invitation
    clock.advance(timedelta(days=3, hours=1))  # the check-in closed; a second one, same week
    sam.say("checkin")
    run_due(org)
    assert "Got a customer moment" not in chat("sal@x.io").inbox()
    clock.advance(timedelta(weeks=1))
    sam.say("checkin")
    run_due(org)
    assert "Got a customer moment" in chat("sal@x.io").inbox()


def test_invitation_can_be_less_often_or_off(org, chat, clock) -> None:  # type: ignore[no-untyped-def]
    every_two = StoriesSettings(invite_every_weeks=2, _env_file=None)  # type: ignore[call-arg]
    sam = chat("sam@x.io")
    weeks_invited = []
    for week in range(4):
        clock.set(datetime(2027, 3, 1, 9, tzinfo=UTC) + timedelta(weeks=week))
        sam.say("checkin")
        tick(org, every_two)
        if "Got a customer moment" in chat("sal@x.io").inbox():
            weeks_invited.append(week)
    assert weeks_invited == [0, 2]
    off = StoriesSettings(invite_every_weeks=0, _env_file=None)  # type: ignore[call-arg]
    clock.advance(timedelta(weeks=1))
    sam.say("checkin")
    assert tick(org, off)["invited"] == 0


def test_the_invitation_button_leads_to_a_saved_story(org, chat) -> None:  # type: ignore[no-untyped-def]
    chat("sam@x.io").say("checkin")
    run_due(org)
    sal = chat("sal@x.io")
    sal.inbox()
    sal.say("4", "")  # answers the pulse: of the two shown, only the question takes a 4
    shown = sal.say("1", "Helped a customer", "", "They were happy", STORY, NAMED)
    assert "Thanks for sharing" in shown
    assert len(stories(org)) == 1


# --- sentiment on stories and pulse comments -----------------------------------------------


def test_pulse_comments_and_stories_get_the_project_scorer(org, chat) -> None:  # type: ignore[no-untyped-def]
    chat("sam@x.io").say("checkin")
    sal = chat("sal@x.io")
    sal.inbox()
    sal.say("2", "not happy with the release, customers complained")
    share(sal, "The customer loved the fix", "They were really happy with it")
    with org.db.session() as session:
        answer = session.exec(select(PulseAnswerPending)).one()
    assert answer.polarity is not None and answer.polarity < -0.05
    assert stories(org)[0].polarity > 0.05


# --- reports -------------------------------------------------------------------------------


def test_report_section_publishes_closed_weeks_in_bands(org, chat, clock) -> None:  # type: ignore[no-untyped-def]
    # (this test read exact live counts and authors before issue 19; they now go through the
    # gate: closed weeks only, bands of people, small groups left out)
    share(chat("sal@x.io"), "Great call with ACME", "They were delighted")
    share(chat("sue@x.io"), "Terrible outage for Globex", "They were angry", consent=ANONYMOUS)
    chat("dot@x.io").say("idea", "Status page", "Fewer tickets", NAMED)
    two = Settings(database_url=org.db.url, min_group_size=2, _env_file=None)  # type: ignore[call-arg]
    with org.db.session() as session:
        publish.publish_due(session, clock.now(), two)
        live = story_reports.build(session, clock.now(), min_group_size=2)
    assert live.shared == [] and live.sentiment == []  # the week is open: nothing yet
    clock.set(datetime(2027, 3, 10, 9, tzinfo=UTC))  # Wednesday after: week 9 is closed
    with org.db.session() as session:
        publish.publish_due(session, clock.now(), two)
    with org.db.session() as session:
        section = story_reports.build(session, clock.now(), min_group_size=2)
    rows = {(r.group, r.week): (r.stories, r.ideas) for r in section.shared}
    assert rows[("Whole organisation", "2027-W09")] == ("2-4", None)  # one idea: withheld
    assert rows[("Sales", "2027-W09")] == ("2-4", None)
    assert ("Support", "2027-W09") not in rows  # one person shared there
    [sales_team] = [t for t in section.sentiment if t.team == "Team of Sam Sales"]
    assert [(w.week, w.authors) for w in sales_team.weeks] == [("2027-W09", "2-4")]
    assert sales_team.weeks[0].polarity is not None and sales_team.trend is None
    data = json.loads(story_reports.merge_json('{"rows": []}', section))
    assert data["rows"] == [] and data["stories"]["connectedness"]["pairs_possible"] == 3
    assert data["stories"]["shared"][0]["stories"] == "2-4"
    out = io.StringIO()
    story_reports.print_section(section, Console(file=out, width=160))
    printed = out.getvalue()
    assert "Connectedness, no closed 4-week block yet: 0 of 3 department pairs connected" in printed
    assert "Least connected: Exec, Sales, Support" in printed
    assert "People who shared stories and ideas" in printed and "2-4" in printed


def test_culturebot_report_has_the_stories_section(org, chat, clock) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from bot.cli import main as cli

    # shared three weeks ago (the CLI reads the system clock): five people, a closed week
    today = datetime.now(UTC)
    clock.set(today - timedelta(weeks=3, days=today.weekday()))
    for email in ("sal@x.io", "sue@x.io", "dot@x.io", "dan@x.io", "sam@x.io"):
        share(chat(email), "Great call with ACME", "They were delighted")
    env = {"CULTUREBOT_DATABASE_URL": org.db.url}
    result = CliRunner().invoke(cli.app, ["report", "--format", "json"], env=env)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    # (before issue 19 this read Sales' exact count of the live week: Sales is three people)
    assert [(r["group"], r["stories"]) for r in data["stories"]["shared"]] == [
        ("Whole organisation", "5-9")
    ]
    assert "share" in data["stories"]["connectedness"]
    table = CliRunner().invoke(cli.app, ["report"], env=env)
    assert table.exit_code == 0, table.output
    assert re.search(r"Connectedness, [^:]+: 0 of 3 department pairs connected", table.output)


# --- storage -------------------------------------------------------------------------------


def test_migrations_match_the_story_tables(database) -> None:  # type: ignore[no-untyped-def]
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from storage.tables import metadata

    database.upgrade()
    with database.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    story_diff = [d for d in diff if "story" in repr(d)]
    assert story_diff == []


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_clean_keeps_plain_text_only_and_is_stable(raw: str) -> None:
    cleaned = clean(raw)
    assert "\r" not in cleaned and "\x00" not in cleaned
    assert all(ch in "\n\t" or ord(ch) >= 32 and not 0x7F <= ord(ch) <= 0x9F for ch in cleaned)
    assert clean(cleaned) == cleaned
    assert cleaned == cleaned.strip()
