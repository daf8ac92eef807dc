"""Live counts: how far an open check-in, an open assessment or a cascade's acknowledgements
got, in words that polling any number of times cannot narrow to one person.

Part of the disclosure gate (``handlers/reports/disclosure.py`` owns every figure that leaves
culturebot; this is its rule for figures that move). ``progress`` is the only way a live count
is shown: chat ``checkin`` while a check-in runs, ``assess status`` and the launch refusal,
the cascade report (chat, CLI, JSON) and the dashboard's chain view.

The rule, for a group of ``asked`` people of whom ``done`` have answered so far:

- a group of fewer than ``k`` people (the minimum group size, 5) never shows progress: it
  says "fewer than k so far", which is always true of it;
- otherwise the figure is the largest step of the ladder ``k, 10, 20, 50, 100, 200`` that is
  at most ``min(done, asked - 2)``, said as "N or more"; under the first step it says "fewer
  than k so far". The asked count is never shown next to it.

Why that tells a poller nothing about one person
-------------------------------------------------
The poller knows the group (the org chart) and polls as often as they like, so they see a
sequence of figures, each one an interval for the count: "fewer than 5" is [0, 4], "10 or
more" is [10, next step] (or up to ``asked``). A person is given away when every way of
answering that fits all those intervals has them answered by some moment, or has them not
answered by then. The figure is the same for every member of the group (it counts; it names
no one), so any answering order can be replaced by one where a chosen person answers first,
or last. Hence, for every person and moment, both remain possible exactly when:

1. the interval's lower end is below ``asked - 1``: someone may still be missing, even to a
   poller who is in the group and knows their own answer (a manager asked the assessment
   reads ``assess status``; a reader of the digest its "found this helpful"). The cap at
   ``asked - 2`` makes sure "everyone has answered" is never shown, nor, to one of the group
   who has not answered, "everyone else has" (with a cap at ``asked - 1``, a manager who had
   not finished and read "5 or more" of the six asked knew that each of their five had);
2. the interval's upper end is at least 1 (someone may have answered): "fewer than 5" holds
   0 to 4, and a group is shown only with 5 or more people;
3. the figure never goes down while answers come in, so a person chosen to answer first or
   last fits every later poll too: ``done`` and ``asked`` only grow (answers are final, the
   group is fixed when the round, assessment or cascade starts; a cascade's group grows as it
   reaches people), and the ladder is monotone in both.

Erasure
-------
Erasing a person deletes their prompt, invite, receipt and reactions, so ``done`` and
``asked`` would shrink and the figure could step down, which tells a poller that the erased
person had answered. So before erasing, ``handlers/people/live_floors.hold`` writes the figure each
live count they were in shows at that moment onto the round, assessment, cascade or story
(``live_floor``), and the count is never shown below it. The floor is the figure anyone
polling could read at that moment, a band of the whole group: it says no more about the
erased person than that poll did, and nothing kept says whether they answered (their rows
are gone, and no count of erased people, answered or not, is kept). From then on the figure
is the larger of the floor and the people left's own figure, a whole group under the same
rule (conditions 1-3 hold for it); the floor is a statement about the group before the
erasure that a poller could already see, so the two together tell nothing that each does
not. Why a floor and not an anonymous "answered" marker: a marker would keep, in the
database, whether the erased person answered; the floor keeps only a shown figure. A round's
or an assessment's floor is cleared when it closes (its live count is no longer shown); a
cascade's and a story's stay with them, since their reports show the count for good.

Seeing the figure change from one poll to the next says that someone in the group answered in
between, never who. Each live figure counts one whole group (the whole check-in, the whole
assessment, everyone the cascade reached), never a part of it beside the whole: two nested
intervals could be subtracted ("fewer than 5 below Ben, 5 or more overall" would tell that
the one person outside Ben's part answered). ``tests/test_live_counts.py`` plays that
attacker over random organisations and answering orders.

What no count can hide: someone who learns from the others that all but one of them
answered, and sees the figure step up, learns about the last one; that is as true of the
closed figures (docs/privacy.md, "How anonymity is protected").
"""

from __future__ import annotations

import prompts
from handlers.reports.disclosure import BANDS


def steps(k: int) -> tuple[int, ...]:
    """The ladder of shown lower bounds: the minimum group size, then the band edges above."""
    return (k, *sorted(low for low, _ in BANDS if low > k))


def at_least(done: int, asked: int, k: int, floor: int | None = None) -> int | None:
    """The lower bound shown for ``done`` of ``asked``, or None for "fewer than k so far";
    never below ``floor``, the bound held when someone counted was erased (see above)."""
    shown = [step for step in steps(k) if asked >= k and step <= min(done, asked - 2)]
    bounds = [bound for bound in (shown[-1] if shown else None, floor) if bound is not None]
    return max(bounds) if bounds else None


def progress(done: int, asked: int, k: int, floor: int | None = None) -> str:
    """The words for a live count: "fewer than 5 so far" or "20 or more"."""
    bound = at_least(done, asked, k, floor)
    if bound is None:
        return prompts.text("disclosure.live_fewer", min=k)
    return prompts.text("disclosure.live_at_least", count=bound)
