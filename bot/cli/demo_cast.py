"""The cast of `culturebot demo`: what scripted people share, and how each one answers what
reaches them.

A scripted person never calls a handler: they look at a message's question or buttons, as a
person looking at the console would, and say what they would type (a number, then the form's
fields). ``bot.cli.demo`` types it into a real console session.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import prompts
from bot.core.chat import Buttons, Form, Question
from storage.models import Person
from storage.stories import CONSENTS, KINDS

COMMENTS = {
    5: [
        "Customers loved the new onboarding call, great teamwork!",
        "Support helped us close a tricky case fast.",
    ],
    4: ["Good week, we heard a lot from customers.", "Helpful data from Sales this week."],
    3: ["Hard to tell what the leadership message means for us.", "Okay week, nothing special."],
    2: [
        "Not happy with the release, customers complained.",
        "Hand-offs with other teams were slow.",
    ],
    1: [
        "Nobody told us why customers are leaving. Frustrating.",
        "Terrible week for our customers.",
    ],
}


ASSESSMENT_COMMENTS = [
    "The customer message gets lost between the top and my team.",
    "My manager talks about customers but our targets are all internal.",
    "Leaders visit customers; I would like to hear what they learn.",
]

# the baseline assessment: the top leader launches it at the start of week 1
ASSESSMENT_BY = "ava.adams@example.com"
ASSESSMENT_AT = datetime(2027, 3, 7, 14, tzinfo=UTC)
ASSESSMENT_DAYS = 5
# once it has closed, she sets an objective on its weakest dimension
OBJECTIVE_AT = datetime(2027, 3, 13, 10, tzinfo=UTC)
OBJECTIVE: dict[str, Any] = {
    "title": "The customer message reaches every team",
    "dimension": "leadership",
    "due": "2027-06-30",
    "owner": "ben.hughes@example.com",
    "actions": [
        "Every department head relays the monthly customer update in person",
        "Each manager brings one customer story to the team meeting => ben.hughes@example.com",
    ],
}
# the first week's results reach each manager on the Wednesday after it (09:00 where they
# work); that afternoon one of them plans an action from the message and shares both
RESULTS_BY = "bea.hughes@example.com"
RESULTS_AT = datetime(2027, 3, 17, 15, tzinfo=UTC)
RESULTS_ACTION = "Each week one of us calls a customer and tells the team what we heard"


@dataclass(frozen=True)
class Moment:
    """A customer story or idea one person shares through the console ``story``/``idea`` form."""

    at: datetime
    email: str
    kind: str  # "story" or "idea"
    consent: str  # "named", "anonymous" or "manager"
    what_happened: str
    customer: str
    what_changed: str

    def typed(self) -> list[str]:
        """The command, then each form field as the person types it (choices by number)."""
        lines = [self.kind, self.what_happened, self.customer, self.what_changed]
        if self.kind == "story":  # the story form asks story-or-idea; the idea form does not
            lines.append(str(KINDS.index("story") + 1))
        return [*lines, str(CONSENTS.index(self.consent) + 1)]


def _utc(day: int, hour: int) -> datetime:
    return datetime(2027, 3, day, hour, tzinfo=UTC)


MOMENTS = [
    Moment(
        _utc(9, 8),
        "olga.ueda@example.com",
        "story",
        "named",
        "A clinic could not book patients after their update; we stayed on the call until "
        "their first booking went through.",
        "Riverside Clinics",
        "They opened on time on Monday and now send us their release notes early.",
    ),
    Moment(
        _utc(10, 15),
        "chloe.okafor@example.com",
        "story",
        "named",
        "Instead of pitching the upgrade I asked what slows their warehouse down; we found "
        "a report they rebuild by hand every week.",
        "Northwind Traders",
        "We switched on scheduled exports for them: two hours saved every week.",
    ),
    Moment(
        _utc(16, 9),
        "carl.okafor@example.com",
        "story",
        "anonymous",
        "I read support tickets for a day and fixed the slow search that kept coming up.",
        "",
        "Search is five times faster and the tickets about it stopped.",
    ),
    Moment(
        _utc(16, 11),
        "zack.fischer@example.com",
        "story",
        "manager",
        "A delivery went to the wrong depot and I drove the parts over myself.",
        "Harbour Foods",
        "They kept their Saturday opening; I think our routing rules need a look.",
    ),
    Moment(
        _utc(17, 14),
        "hal.jones@example.com",
        "story",
        "named",
        "A customer was confused by our invoices, so I walked them through every line and "
        "rewrote our invoice notes.",
        "Blue Fern Studio",
        "They paid on time and told us our invoices are now the clearest they get.",
    ),
    Moment(
        _utc(18, 16),
        "pam.bauer@example.com",
        "idea",
        "named",
        "Invite one customer to every sprint review.",
        "",
        "We would hear what matters to them before we build it, not after.",
    ),
    Moment(
        _utc(19, 9),
        "vera.khan@example.com",
        "story",
        "named",
        "We called customers who had cancelled and asked what we got wrong.",
        "Three former customers",
        "Two came back, and the third told us exactly which feature to fix first.",
    ),
    # Engineering's customer hour (Bea's note on the leadership message): five people share
    # in one week, enough for the team's first published story figure
    *(
        Moment(
            _utc(day, hour),
            email,
            "story",
            "named",
            what,
            customer,
            changed,
        )
        for day, hour, email, what, customer, changed in (
            (
                22,
                10,
                "eli.chen@example.com",
                "I sat with a customer's finance team while they closed their month.",
                "Harbour Foods",
                "We fixed the export they retype by hand.",
            ),
            (
                22,
                15,
                "fay.jones@example.com",
                "A customer showed me how they work around our bulk edit.",
                "Blue Fern Studio",
                "Bulk edit now keeps their filters.",
            ),
            (
                23,
                11,
                "gus.quist@example.com",
                "I answered support calls for an hour.",
                "Riverside Clinics",
                "Two error messages now say what to do next.",
            ),
            (
                24,
                9,
                "hana.xu@example.com",
                "I visited a depot that uses our scanner app.",
                "Northwind Traders",
                "The app works offline in their cold store now.",
            ),
            (
                25,
                14,
                "ivan.evans@example.com",
                "A customer's IT team walked me through their sign-in set-up.",
                "Three former customers",
                "Single sign-on took them ten minutes instead of a day.",
            ),
        )
    ),
]


@dataclass(frozen=True)
class Leadership:
    """The leadership message the top leader sends down the chain with the ``cascade`` form."""

    at: datetime
    email: str
    title: str
    message: str
    customers: str
    window_days: str

    def typed(self) -> list[str]:
        return ["cascade", self.title, self.message, self.customers, self.window_days]


LEADERSHIP = Leadership(
    at=_utc(15, 8),
    email="ava.adams@example.com",
    title="Every team talks to a customer this month",
    message="This month every team, not only Sales and Support, spends an hour with a "
    "customer and brings back one thing we should change.",
    customers="They meet the people who build what they use, and we fix what bothers them.",
    window_days="2",
)
# Support reads the other departments' stories closely: every reader finds the first story of
# their digest helpful, so at least 5 people connect one pair of departments within a closed
# four-week block, and the report shows a connection (handlers/reports/connection_periods.py)
LEARNERS = "Support"
STALLER = "gil.chen@example.com"  # a department head who never relays
ASKER = "dana.varga@example.com"
QUESTION = "Does a call with a customer's IT team count, or should it be the people who use it?"
ANSWER = "Both count, but try to meet someone who uses our product every day."
NOTES = {
    "ben.hughes@example.com": "Sales already talks to customers: this month, bring a colleague "
    "from another team along to one of your calls.",
    "noah.nair@example.com": "Support, please invite an engineer to sit with you for an hour "
    "of calls; that counts for both teams.",
    "bea.hughes@example.com": "Engineering, let's pick one customer each from the support "
    "queue and book the hour by Friday.",
    "omar.ueda@example.com": "Product, this is our chance to test the roadmap: ask each "
    "customer what they would cut.",
    "yara.young@example.com": "Operations, our customers are the depots too; each of us visits "
    "one this month.",
}
DEFAULT_NOTE = "Please read this and book your customer hour; ask me anything about it."


@dataclass(frozen=True)
class Reply:
    """What a scripted person types for one message: a number, then follow-up answers.

    ``did`` is what it counts as in the week's summary; ``news`` a line worth telling alone.
    """

    typed: list[str]
    did: str
    news: str = ""


class Persona:
    """How one simulated person acts: some never answer pulses, some wait for the reminder,
    some find a colleague's story helpful; the cast above has its own parts to play."""

    def __init__(self, rng: random.Random, person: Person) -> None:
        self.person = person
        self.silent = rng.random() < 0.15
        self.delay_hours = rng.choice([0, 1, 3, 8, 30])
        self.mood = {"Support": 4.2, "Sales": 3.6, "Engineering": 3.3, "Product": 3.8}.get(
            person.department, 3.5
        )
        self.rng = rng
        self.acted_on: set[tuple[str, str]] = set()

    def lines(self) -> tuple[str, str]:
        """What this person types for a pulse: a score, then a comment (empty to skip it)."""
        score = min(5, max(1, round(self.rng.gauss(self.mood, 0.9))))
        comment = self.rng.choice(COMMENTS[score]) if self.rng.random() < 0.5 else ""
        return str(score), comment

    def reply_to(self, part: Question | Buttons | Form) -> Reply | None:
        """What to type for a message offering ``part``; None to read it and move on.

        Nobody acts twice on the same thing: a reminder of a pulse already answered, a nudge
        after relaying, or an idea shown again with its new status is only read."""
        if isinstance(part, Form):
            return None
        first = part if isinstance(part, Question) else part.buttons[0]
        key = (first.action, first.ref if isinstance(first, Question) else first.value)
        if key in self.acted_on:
            return None
        reply = self._reply(part)
        if reply is not None:
            self.acted_on.add(key)
        return reply

    def _reply(self, part: Question | Buttons) -> Reply | None:
        if isinstance(part, Question):
            return None if self.silent else Reply(list(self.lines()), "pulse")
        act = {
            "assess.open": self._assess,
            "stories.helps": self._helps,
            "stories.idea_status": self._idea_status,
            "cascade.relay": self._relay,
            "cascade.ack": self._ack,
            "cascade.answer": self._answer,
        }.get(part.buttons[0].action)
        return act(part) if act else None  # e.g. the story invitation: read, not answered

    def _assess(self, _buttons: Buttons) -> Reply | None:
        """The baseline assessment, statement by statement; the leadership chain is where this
        organisation starts weakest, and a few people say why."""
        if self.silent:
            return None
        bank = prompts.assessment()
        typed = ["1"]
        for dimension in bank.dimensions:
            centre = self.mood - (0.6 if dimension == "leadership" else 0.0)
            for _ in bank.of(dimension):
                typed.append(str(min(5, max(1, round(self.rng.gauss(centre, 0.8))))))
            wants = dimension == "leadership" and self.rng.random() < 0.3
            typed.append(self.rng.choice(ASSESSMENT_COMMENTS) if wants else "")
        return Reply(typed, "assess")

    def _helps(self, digest: Buttons) -> Reply | None:
        if self.person.department == LEARNERS:
            return Reply(["1"], "helps")
        if self.rng.random() >= 0.12:
            return None
        return Reply([str(self.rng.randint(1, len(digest.buttons)))], "helps")

    def _idea_status(self, buttons: Buttons) -> Reply:
        first = buttons.buttons[0].label
        return Reply(["1"], "idea", f'{self.person.name} marks the idea "{first}"')

    def _relay(self, _buttons: Buttons) -> Reply | None:
        if self.person.email == STALLER:
            return None
        return Reply(["1", NOTES.get(self.person.email, DEFAULT_NOTE)], "relay")

    def _ack(self, _buttons: Buttons) -> Reply | None:
        if self.person.email == ASKER:
            return Reply(
                ["2", QUESTION],
                "asked",
                # unnamed, as in the chain report: asking up the chain stays safe
                f"Someone in {self.person.department} asks their manager a question about it",
            )
        return Reply(["1"], "ack") if self.rng.random() < 0.6 else None

    def _answer(self, _buttons: Buttons) -> Reply:
        return Reply(["1", ANSWER], "answered", f"{self.person.name} answers the question in chat")
