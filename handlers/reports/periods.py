"""The period of a report: ``--since``, ``--until`` and ``--weeks N`` on the command line, the
same words in chat (``report since 2027-03-01 until 2027-03-31``, ``report weeks 8``).

One meaning for every report, so "the last 8 weeks" is the same weeks in the pulse report,
the story figures, the cascade list and the ideas: ``since`` and ``until`` are calendar days,
both included; ``weeks N`` starts on the Monday N weeks before this week's, so it covers this
week so far and the N whole weeks before it. Giving both ``weeks`` and ``since``, or an
``until`` before the ``since``, is refused naming the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import prompts
from bot.core.chat import UserError
from bot.core.parsing import WEEKS_MAX, looks_numeric, parse_date, parse_int
from handlers.common.formatting import day_words


class PeriodError(ValueError):
    """A period refused; ``field`` is the flag (or chat word) at fault, without dashes."""

    def __init__(self, field: str, key: str, **values: object) -> None:
        self.field, self.key, self.values = field, key, values
        super().__init__(self.words(""))

    def words(self, prefix: str) -> str:
        """The refusal, flags spelled with ``prefix`` ("--" on the command line)."""
        return prompts.text(f"period.{self.key}", p=prefix, **self.values)


def weeks_back(today: date, weeks: int) -> date:
    """The first day of a period over the last ``weeks`` weeks (whole ISO weeks)."""
    return today - timedelta(days=today.weekday()) - timedelta(weeks=weeks)


@dataclass(frozen=True)
class Period:
    """Days from ``since`` to ``until`` (both included); None: open on that side."""

    since: date | None = None
    until: date | None = None

    def __bool__(self) -> bool:
        return self.since is not None or self.until is not None

    def words(self) -> str:
        """ "Mon 1 Mar 2027 to Wed 31 Mar 2027", "since Mon 1 Mar 2027", "until ...", or ""
        (all time)."""
        if self.since and self.until:
            return f"{day_words(self.since)} to {day_words(self.until)}"
        if self.since:
            return f"since {day_words(self.since)}"
        if self.until:
            return f"until {day_words(self.until)}"
        return ""

    def start(self) -> datetime | None:
        """The first instant (UTC) of the period, None when open."""
        return datetime.combine(self.since, time(), UTC) if self.since else None

    def end(self) -> datetime | None:
        """The instant (UTC) just after the period, None when open."""
        return datetime.combine(self.until + timedelta(days=1), time(), UTC) if self.until else None

    def window(self, now: datetime, default_weeks: int) -> tuple[datetime, datetime]:
        """(after, up to) for figures over a time window: the period, clipped to ``now``;
        without a period the ``default_weeks`` up to ``now``."""
        if not self:
            return now - timedelta(weeks=default_weeks), now
        start = self.start() or datetime(1970, 1, 1, tzinfo=UTC)
        end = min(self.end() or now, now)
        return start - timedelta(microseconds=1), end


def make(
    today: date, *, since: date | None = None, until: date | None = None, weeks: int | None = None
) -> Period:
    """The period three options give; refused (``PeriodError``) when they contradict."""
    if weeks is not None:
        if since is not None:
            raise PeriodError("weeks", "both")
        since = weeks_back(today, weeks)
    if since and until and until < since:
        raise PeriodError("until", "reversed", since=since, until=until)
    return Period(since=since, until=until)


def from_words(text: str, today: date, *, bare_weeks: bool = False) -> tuple[Period, list[str]]:
    """The period typed in a chat line ("since 2027-03-01", "until ...", "weeks 8"; with
    ``bare_weeks`` a lone number is weeks too), and the words that were not about it."""
    words = text.split()
    found: dict[str, str] = {}
    rest: list[str] = []
    i = 0
    while i < len(words):
        word = words[i].lower().removeprefix("--")
        if word in ("since", "until", "weeks") and i + 1 < len(words):
            if word in found:
                raise PeriodError(word, "twice", name=word)
            found[word] = words[i + 1]
            i += 2
            continue
        if word in ("since", "until", "weeks"):
            raise PeriodError(word, "missing", name=word)
        if bare_weeks and "weeks" not in found and looks_numeric(word):
            found["weeks"] = word
        else:
            rest.append(words[i])
        i += 1
    since = until = None
    weeks = None
    for name in ("since", "until"):
        if name in found:
            day = parse_date(found[name])
            if day is None:
                raise PeriodError(name, "bad_date", name=name, value=found[name][:20])
            since, until = (day, until) if name == "since" else (since, day)
    if "weeks" in found:
        weeks = parse_int(found["weeks"], 1, WEEKS_MAX)
        if weeks is None:
            raise PeriodError("weeks", "bad_weeks", value=found["weeks"][:20], max=WEEKS_MAX)
    return make(today, since=since, until=until, weeks=weeks), rest


def typed(
    text: str, today: date, command: str, *, bare_weeks: bool = False
) -> tuple[Period, list[str]]:
    """``from_words`` for a chat command: a refusal becomes a polite ``UserError`` naming the
    word at fault, with an example for ``command``."""
    try:
        return from_words(text, today, bare_weeks=bare_weeks)
    except PeriodError as refusal:
        problem = refusal.words("")
        raise UserError(
            prompts.text("period.chat_hint", problem=problem, command=command),
            field=refusal.field,
        ) from None
