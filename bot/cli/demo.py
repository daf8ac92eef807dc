"""`culturebot demo`: the sample org through four simulated weeks on a fast clock.

Everything goes through the real path: the scheduler's tick opens pulse rounds in each
person's local time, fixes the weekly story digests and watches the cascade; the outbox
delivers to the console platform; and scripted people (bot.cli.demo_cast) answer by typing into a
console session, exactly as a person would: pulse scores, customer stories through the
``story`` form, "this helps my team" clicks, a leadership message through the ``cascade``
form, personal relays, acknowledgements and a question. A few lines tell what happened; the
reports at the end are the ones ``culturebot report`` and ``cascade report`` show.
"""

from __future__ import annotations

import asyncio
import io
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path

from rich.console import Console
from sqlalchemy import ColumnElement
from sqlmodel import col, select

from bot.app import build_router, run_due
from bot.cli.demo_cast import (
    ASSESSMENT_AT,
    ASSESSMENT_BY,
    ASSESSMENT_DAYS,
    LEADERSHIP,
    MOMENTS,
    OBJECTIVE,
    OBJECTIVE_AT,
    RESULTS_ACTION,
    RESULTS_AT,
    RESULTS_BY,
    Moment,
    Persona,
    Reply,
)
from bot.cli.printing import print_report
from bot.core.chat import Incoming, Message, Response
from bot.core.clock import FakeClock
from bot.core.config import Settings
from bot.core.router import Router
from bot.core.runtime import Runtime
from bot.platforms.console.platform import ConsoleChat
from handlers.people import org
from handlers.reports import pulse_reports as reports
from handlers.roadmap import baseline, objectives
from handlers.stories import reports as story_reports
from storage.cascade_models import Cascade, CascadeLink
from storage.db import open_database
from storage.models import Outbox, Person, PulseSchedule
from storage.results import ResultsMessage

SAMPLE_ORG = Path(__file__).resolve().parents[2] / "examples" / "people.csv"
START = datetime(2027, 3, 7, 12, 0, tzinfo=UTC)  # a Sunday; the US changes to DST a week later
ADHOC_AT = datetime(2027, 3, 16, 13, 0, tzinfo=UTC)
WEEK = timedelta(days=7)


def run_demo(path: Path, weeks: int, console: Console) -> None:
    """Create a fresh demo database, play ``weeks`` weeks of the sample org, print reports."""
    path = path.resolve()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    settings = Settings(database_url=f"sqlite:///{path}")
    runtime = Runtime(
        db=open_database(settings.database_url), clock=FakeClock(START), settings=settings
    )
    demo = Demo(runtime, build_router(), console, _import_sample_org(runtime))
    with demo.runner:
        demo.play(weeks)
        demo.print_reports(weeks)
    console.print(
        f"\nThe demo database is {path}\nLook around as anyone in the sample org, e.g.:\n"
        f"  CULTUREBOT_DATABASE_URL=sqlite:///{path} culturebot chat --as {demo.adhoc_by.email}",
        highlight=False,
        soft_wrap=True,
    )
    ended = demo.now.strftime("%Y-%m-%dT%H:%MZ")
    console.print(
        f"Open the dashboard as anyone in it (here {demo.adhoc_by.name}, a manager; or the top "
        f"leader {LEADERSHIP.email}, or an employee such as {demo.an_employee.email}), as of "
        f"the demo's last simulated day:\n"
        f"  CULTUREBOT_DATABASE_URL=sqlite:///{path} culturebot dashboard --as-of {ended} "
        f"--as {demo.adhoc_by.email} --as {LEADERSHIP.email} --as {demo.an_employee.email}\n"
        f"then open one of the links it prints, each made for the demo's clock, in a browser "
        f"(http://127.0.0.1:3978 by default; each link works once, within "
        f"{settings.dashboard_link_minutes} minutes).",
        highlight=False,
        soft_wrap=True,
    )
    runtime.db.dispose()


def _import_sample_org(runtime: Runtime) -> list[Person]:
    """The sample org plus a weekly pulse for everyone, Mondays 09:00 local."""
    with runtime.db.session() as session:
        org.import_text(session, SAMPLE_ORG.read_text(encoding="utf-8"))
        session.add(
            PulseSchedule(
                name="Weekly customer pulse",
                audience_kind="org",
                weekday=0,
                local_time="09:00",
                start_date=date(2027, 3, 8),
                answer_window_hours=72,
                reminder_after_hours=24,
            )
        )
        return list(session.exec(select(Person).order_by(col(Person.id))))


class Demo:
    """The simulation's state: the clock, who acts when, and what to tell about each week."""

    def __init__(
        self, runtime: Runtime, router: Router, console: Console, everyone: list[Person]
    ) -> None:
        self.runtime, self.router, self.console = runtime, router, console
        self.by_email = {p.email: p for p in everyone}
        rng = random.Random(42)
        self.personas = {p.email: Persona(rng, p) for p in everyone}
        self.adhoc_by = next(
            p for p in everyone if p.department == "Engineering" and p.role != "employee"
        )
        self.an_employee = next(p for p in everyone if p.manager_id == self.adhoc_by.id)
        self.waiting: dict[str, datetime] = {}  # when each person's unread messages began
        self.counts: Counter[str] = Counter()  # this week's events, for its summary line
        self.transcript_shown = False
        self.cascade_sent = False
        self.objective_set = False
        # one event loop for every console session: asyncio.run per session starts a new
        # loop and thread pool each time (about 2 s of the demo's 14)
        self.runner = asyncio.Runner()
        console.print(
            f"Imported the sample organisation: {len(everyone)} people in "
            f"{len({p.department for p in everyone})} departments.",
            highlight=False,
        )

    @property
    def now(self) -> datetime:
        return self.runtime.clock.now()

    def tell(self, what: str) -> None:
        """One line of the story, dated in the simulated weeks."""
        week = (self.now - START) // WEEK + 1
        self.console.print(
            f"Week {week}, {self.now:%a %d %b}: {what}",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )

    def play(self, weeks: int) -> None:
        """Hourly ticks: the scheduler's jobs, the scripted scenes, then everyone's inbox."""
        scenes = self.scenes()
        clock = self.runtime.clock
        assert isinstance(clock, FakeClock)
        for hour in range(weeks * 7 * 24):
            clock.advance(timedelta(hours=1))
            self.after_tick(run_due(self.runtime))
            for scene in scenes.get(self.now, []):
                scene()
            self.read_inboxes()
            if (hour + 1) % (7 * 24) == 0:
                self.summarise_week((hour + 1) // (7 * 24))

    def scenes(self) -> dict[datetime, list[Callable[[], None]]]:
        """What scripted people start on their own, by the hour it happens."""
        plan: list[tuple[datetime, Callable[[], None]]] = [
            (m.at, partial(self.share, m)) for m in MOMENTS
        ]
        plan += [(LEADERSHIP.at, self.send_cascade), (ADHOC_AT, self.adhoc_checkin)]
        plan += [(ASSESSMENT_AT, self.launch_assessment), (OBJECTIVE_AT, self.set_objective)]
        plan += [(RESULTS_AT, self.act_on_results)]
        by_time: dict[datetime, list[Callable[[], None]]] = {}
        for at, scene in plan:
            by_time.setdefault(at, []).append(scene)
        return by_time

    def type_as(self, email: str, line: str, *answers: str) -> str:
        """Type ``line`` (and ``answers`` to the prompts it brings) as ``email``; what they saw."""
        out = io.StringIO()
        chat = ConsoleChat(self.runtime, self.router, email, out, _script(list(answers)))
        self.runner.run(chat.say(line))
        return out.getvalue().rstrip()

    def _show(self, console_output: str) -> None:
        """What a person saw in their console, as they saw it (no markup, no re-wrapping)."""
        self.console.print(console_output, highlight=False, markup=False, soft_wrap=True)

    # --- scenes -----------------------------------------------------------------------------

    def share(self, moment: Moment) -> None:
        """A scripted person shares a story or an idea through the console form. Told as the
        product would: an author is named only when they shared with their name."""
        person = self.by_email[moment.email]
        self.type_as(moment.email, *moment.typed())
        who = f"{person.name} ({person.department})"
        if moment.kind == "idea":
            self.tell(f"{who} shares an idea; it goes to their manager")
        elif moment.consent == "named":
            self.tell(f"{who} shares a customer story with their name")
        elif moment.consent == "anonymous":
            self.tell(f"Someone in {person.department} shares a customer story anonymously")
        else:
            self.tell(
                f"Someone in {person.department} shares a customer story with their manager only"
            )

    def send_cascade(self) -> None:
        """The top leader sends a leadership message down the chain with the cascade form."""
        leader = self.by_email[LEADERSHIP.email]
        self.type_as(leader.email, *LEADERSHIP.typed())  # the form, then its preview
        with self.runtime.db.session() as session:
            draft = session.exec(select(Cascade.id).where(Cascade.status == "draft")).first()
        self.router.handle(  # ...and the preview's Send button
            self.runtime,
            Incoming(
                platform="console",
                user_id=leader.email,
                kind="action",
                name="cascade.confirm",
                value=str(draft),
            ),
        )
        self.cascade_sent = True
        self.tell(
            f'{leader.name} sends the leadership message "{LEADERSHIP.title}" to the '
            f"department heads, to relay with a personal note within "
            f"{LEADERSHIP.window_days} working days"
        )

    def adhoc_checkin(self) -> None:
        """A manager starts a check-in for their team; shown as they saw it."""
        person = self.adhoc_by
        self.tell(f"{person.name} (manager, {person.department}) starts an ad-hoc check-in:")
        self._show(self.type_as(person.email, "checkin"))

    def launch_assessment(self) -> None:
        """The top leader launches the baseline assessment from chat."""
        leader = self.by_email[ASSESSMENT_BY]
        self.tell(f'{leader.name} types "assess launch {ASSESSMENT_DAYS}":')
        self._show(self.type_as(leader.email, f"assess launch {ASSESSMENT_DAYS}"))

    def set_objective(self) -> None:
        """Once the baseline is in, the leader reads it and sets an objective on the weakest
        dimension: from the baseline figure to half a point more, with two actions."""
        leader = self.by_email[ASSESSMENT_BY]
        self.tell(f'{leader.name} types "baseline" (the organisation\'s lines):')
        with self.runtime.db.session() as session:
            result = baseline.view(session, leader, self.now, self.runtime.settings)
            if result is None:
                self.tell("no baseline: too few answers")
                return
            org_only = replace(result, figures=[f for f in result.figures if f.kind == "org"])
            self._show(baseline.as_text(org_only))
            start = next(f.mean for f in org_only.figures if f.dimension == "leadership")
            target = min(5.0, round((start or 3.0) + 0.8, 1))
            objective = objectives.add(session, leader, self.now, **OBJECTIVE, target=str(target))
            self.tell(
                f"{leader.name} sets an objective. {objectives.added_text(session, objective)}"
            )
        self.objective_set = True

    def press(self, email: str, action: str, value: str = "", **fields: str) -> Response:
        """``email`` presses a button (or sends a form) of a message, as a platform would."""
        ref = fields.pop("ref", "")
        return self.router.handle(
            self.runtime,
            Incoming(
                platform="console",
                user_id=email,
                kind="action",
                name=action,
                value=value,
                ref=ref,
                fields=fields,
            ),
        )

    def act_on_results(self) -> None:
        """A manager reads their team's results message, presses "Plan an action" (the
        objective form, pre-filled for the weakest theme; she adds one action) and then
        "Share with my team": the figures she saw and her plan go to each of her people."""
        manager = self.by_email[RESULTS_BY]
        with self.runtime.db.session() as session:
            row = session.exec(
                select(ResultsMessage)
                .where(ResultsMessage.person_id == manager.id)
                .order_by(col(ResultsMessage.id).desc())
            ).first()
            sent = (
                session.exec(
                    select(Outbox.payload).where(
                        Outbox.idempotency_key == f"results:{row.period}:{manager.id}"
                    )
                ).first()
                if row
                else None
            )
        if row is None or sent is None:
            self.tell(f"{manager.name} has no team results to act on")
            return
        message = Message.from_json(sent)
        self.tell(f"{manager.name} reads the results message for her team:")
        lines = [p.text for p in message.parts if p.type == "text"]
        labels = [b.label for p in message.parts if p.type == "buttons" for b in p.buttons]
        self._show("\n".join([*lines, " | ".join(f"[{label}]" for label in labels)]))
        form = self.press(manager.email, "results.plan", str(row.id)).form
        if form is not None:
            fields = {f.name: f.initial for f in form.fields} | {"actions": RESULTS_ACTION}
            said = self.press(manager.email, form.action, ref=form.ref, **fields)
            self.tell(f'{manager.name} presses "Plan an action": {said.replies[0].summary}')
        shared = self.press(manager.email, "results.share", str(row.id))
        self.tell(f'{manager.name} presses "Share with my team": {shared.replies[0].summary}')

    def print_progress(self) -> None:
        """The organisation's baseline against the pulse of the last weeks."""
        leader = self.by_email[ASSESSMENT_BY]
        with self.runtime.db.session() as session:
            result = baseline.view(session, leader, self.now, self.runtime.settings)
        if result is None:
            return
        self.console.print(f'\n{leader.name} types "baseline" (the organisation\'s lines):')
        org_only = replace(result, figures=[f for f in result.figures if f.kind == "org"])
        self._show(baseline.as_text(org_only))

    # --- what the bot did on its own ----------------------------------------------------------

    def after_tick(self, done: dict[str, object]) -> None:
        """Count digests sent; tell about nudges and escalations as they happen."""
        stories = done.get("stories")
        if isinstance(stories, dict):
            self.counts["digest"] += stories.get("digests_sent", 0)
        published = done.get("disclosure")
        if isinstance(published, dict) and published.get("results"):
            self.tell(
                f"a week's results are published: {published['results']} managers with a team "
                f"big enough to show get theirs, each at the next working hour where they are"
            )
        chain = done.get("cascade")
        if not isinstance(chain, dict):
            return
        if chain.get("nudged"):
            names = self._link_managers(
                col(CascadeLink.nudged).is_(True),
                col(CascadeLink.nudge_at) > self.now - timedelta(hours=1),
            )
            self.tell(f"culturebot nudges {names}: the relay window is half over")
        if chain.get("escalated"):
            names = self._link_managers(
                col(CascadeLink.status) == "escalated", col(CascadeLink.acted_at) == self.now
            )
            self.tell(
                f"{names} did not relay in time: culturebot escalates, sending the message to "
                f"their team directly and telling their manager"
            )

    def _link_managers(self, *where: ColumnElement[bool]) -> str:
        with self.runtime.db.session() as session:
            names = session.exec(
                select(Person.name)
                .join(CascadeLink, col(CascadeLink.manager_id) == col(Person.id))
                .where(col(CascadeLink.level) > 0, *where)
            ).all()
        return ", ".join(names)

    # --- scripted people reading their messages -----------------------------------------------

    def read_inboxes(self) -> None:
        """Everyone with unread messages reads them once their persona's delay has passed."""
        for email in _with_messages(self.runtime):
            persona = self.personas[email]
            self.waiting.setdefault(email, self.now)
            if self.now - self.waiting[email] < timedelta(hours=persona.delay_hours):
                continue
            del self.waiting[email]
            out = io.StringIO()
            chat = ConsoleChat(self.runtime, self.router, email, out, _script([]))
            did = self.runner.run(_work_through(chat, persona))
            self.counts.update(reply.did for reply in did)
            for reply in did:
                if reply.news:
                    self.tell(reply.news)
            if not self.transcript_shown and any(reply.did == "pulse" for reply in did):
                self._show_transcript(email, out.getvalue())

    def _show_transcript(self, email: str, seen: str) -> None:
        """The first pulse answered, in full: what a person sees and types in the console."""
        self.console.print(f"\nWhat {email} saw and typed in the console:")
        self._show(seen.rstrip())
        self.console.print()
        self.transcript_shown = True

    def summarise_week(self, week: int) -> None:
        """One line per week with what many people did, instead of a line per message."""
        c = self.counts
        said = [
            f"{c['pulse']} pulse answers" if c["pulse"] else "",
            f"{c['assess']} people answered the assessment" if c["assess"] else "",
            f"story digests reached {c['digest']} people" if c["digest"] else "",
            f'{c["helps"]} clicked "this helps my team"' if c["helps"] else "",
            f"{c['relay']} managers relayed the leadership message" if c["relay"] else "",
            f"{c['ack']} people acknowledged it" if c["ack"] else "",
        ]
        self.console.print(
            f"Week {week} in short: {'; '.join(s for s in said if s) or 'quiet'}.\n",
            highlight=False,
            soft_wrap=True,
        )
        self.counts.clear()

    # --- the end --------------------------------------------------------------------------------

    def print_reports(self, weeks: int) -> None:
        """The pulse report, its stories section, and the leader's chain report."""
        settings = self.runtime.settings
        with self.runtime.db.session() as session:
            pulse = reports.build(session, min_group_size=settings.min_group_size)
            stories = story_reports.build(session, self.now, min_group_size=settings.min_group_size)
        plural = "s" if weeks != 1 else ""
        self.console.print(f"Simulated {weeks} week{plural} ({weeks * 7 * 24} hourly ticks).")
        print_report(pulse)
        leader = self.by_email[LEADERSHIP.email]
        self.console.print(
            f'\n{leader.name} types "comments" (only groups where at least '
            f"{settings.min_comment_group_size} people commented; no names, no dates):"
        )
        self._show("\n".join(self.type_as(leader.email, "comments").splitlines()[:14]))
        story_reports.print_section(stories, self.console)
        if self.cascade_sent:
            leader = self.by_email[LEADERSHIP.email]
            self.console.print(f'\n{leader.name} types "cascade report":')
            self._show(self.type_as(leader.email, "cascade report"))
        if self.objective_set:
            self.print_progress()
            someone = next(p for p in self.by_email.values() if p.role == "employee")
            self.console.print(f'\n{someone.name} (employee) types "objectives":')
            self._show(self.type_as(someone.email, "objectives"))


def _script(lines: list[str]) -> Callable[[str], str]:
    """A reader that types ``lines`` and then reaches the end of input."""
    queue = list(lines)

    def read(_prompt: str) -> str:
        if not queue:
            raise EOFError
        return queue.pop(0)

    return read


async def _work_through(chat: ConsoleChat, persona: Persona) -> list[Reply]:
    """Show what is waiting, then answer each message as the persona would; what they did."""
    await chat.refresh()
    did: list[Reply] = []
    inbox = chat.platform.inbox
    while inbox:
        pending = inbox[0]
        reply = persona.reply_to(pending.part)
        if reply is None:
            inbox.pop(0)  # read, not answered (e.g. a story invitation)
            continue
        chat.read = _script(reply.typed[1:])
        await chat.say(f"{pending.label} {reply.typed[0]}")  # this prompt, by its label
        if inbox and inbox[0] is pending:  # the form was abandoned: never loop on it
            inbox.pop(0)
        did.append(reply)
    return did


def _with_messages(runtime: Runtime) -> list[str]:
    with runtime.db.session() as session:
        return list(
            session.exec(
                select(Person.email)
                .distinct()
                .join(Outbox, col(Outbox.person_id) == col(Person.id))
                .where(Outbox.status == "pending", Outbox.platform == "console")
            )
        )
