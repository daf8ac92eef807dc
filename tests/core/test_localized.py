"""Dates, times and numbers in the reader's language: English as culturebot always wrote
them, the others as Babel (CLDR) writes them, rounded the same way in every language."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

import prompts
from bot.core import localized
from handlers.common.formatting import week_words, weeks_words
from tests.handlers.roadmap.helpers import ORG
from tests.handlers.roadmap.test_objectives_chat import set_objective
from tests.support import import_org

MARCH_3 = datetime(2027, 3, 3, 8, 0, tzinfo=UTC)

# language: day, week, weeks, moment in Berlin, 3.45 -> number, -0.25 signed, 1234.5, 45.6%
EXPECTED = {
    "en": (
        "Wed 30 Jun 2027",
        "week of 15 Mar 2027",
        "1 Mar to 28 Mar 2027",
        "Wed 03 Mar 09:00",
        "3.5",
        "-0.2",
        "1234.5",
        "46%",
    ),
    "de": (
        "Mi., 30. Juni 2027",
        "15. März 2027",
        "1.–28. März 2027",
        "Mi., 3. März, 09:00",
        "3,5",
        "-0,2",
        "1.234,5",
        "46\xa0%",
    ),
    "fr": (
        "mer. 30 juin 2027",
        "15 mars 2027",
        "1–28 mars 2027",
        "mer. 3 mars, 09:00",
        "3,5",
        "-0,2",
        "1\u202f234,5",
        "46\xa0%",
    ),
    "ja": (
        "2027年6月30日(水)",
        "2027年3月15日",
        "2027年3月1日～28日",
        "3月3日(水) 9:00",
        "3.5",
        "-0.2",
        "1,234.5",
        "46%",
    ),
}


@pytest.mark.parametrize("locale", sorted(EXPECTED))
def test_dates_times_and_numbers_follow_the_readers_language(locale: str) -> None:
    day, week, weeks, moment, mean, signed, big, share = EXPECTED[locale]
    with prompts.speaking(locale):
        assert localized.day(date(2027, 6, 30)) == day
        assert week in week_words("2027-W11")  # "week of" is the catalog's words
        assert weeks_words("2027-W09", "2027-W12") == weeks
        assert localized.moment(MARCH_3, "Europe/Berlin") == moment
        assert localized.number(3.45) == mean  # 3.45 is 3.4499... as a float: 3.5 in all
        assert localized.number(-0.25, "+.1f") == signed
        assert localized.number(1234.5) == big
        assert localized.percent(0.456) == share


def test_a_sign_is_kept_and_rounding_is_the_same_in_every_language() -> None:
    for locale in EXPECTED:
        with prompts.speaking(locale):
            assert localized.number(0.3, "+.1f").startswith("+0")
            assert localized.number(12.5, "+.0f") == "+12"  # half to even, as Python rounds


def test_a_german_reader_sees_an_objectives_due_day_and_figures_in_german(runtime, chat) -> None:  # type: ignore[no-untyped-def]
    header, *rows = ORG.strip().splitlines()
    german = [row + (",de" if row.startswith("s2@") else ",") for row in rows]
    import_org(
        runtime, "\n".join([header + ",locale", *german])
    )  # the org file says s2 reads German
    set_objective(runtime, "sam@x.io", "s1@x.io", ["Weekly customer review => s2@x.io"])
    listed = chat("s2@x.io").say("objectives")
    assert "Mi., 30. Juni 2027" in listed and "Wed 30 Jun 2027" not in listed
    assert "3,1 -> 3,8" in listed, listed
