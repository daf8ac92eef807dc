"""Pulse comments through the gate: at least 10 people who commented, no names, no finer
date than the week, never in a group that what is shown could narrow down."""

from __future__ import annotations

from datetime import timedelta

from bot.app import run_due
from tests.support import comment, import_org, org_csv


def team(size: int, manager: str = "max", dept: str = "Support") -> list[str]:
    return [
        f"{manager}{i}@x.io,{manager.title()}{i},{manager}@x.io,{dept},employee,UTC"
        for i in range(1, size + 1)
    ]


def run_week(runtime, chat, router, commenters: list[str]) -> None:
    chat("cea@x.io").say("checkin")
    for i, email in enumerate(commenters):
        comment(runtime, router, email, f"remark number {i} about customers")
    runtime.clock.advance(timedelta(days=10))
    run_due(runtime)


def test_nine_commenters_show_nothing_ten_show_their_words_without_names(
    runtime, chat, router
) -> None:
    import_org(runtime, org_csv("cea@x.io,Cea,,Support,leader,UTC", *team(12, "cea")))
    run_week(runtime, chat, router, [f"cea{i}@x.io" for i in range(1, 10)])
    assert "No comments to show yet" in chat("cea@x.io").say("comments")

    run_week(runtime, chat, router, [f"cea{i}@x.io" for i in range(1, 11)])
    shown = chat("cea@x.io").say("comments")
    assert "(10 comments, in no particular order)" in shown
    assert all(f"remark number {i} about customers" in shown for i in range(10))
    assert "Cea1" not in shown and "cea1@" not in shown and "2027-03" not in shown
    # the same for an employee of that team, who sees the organisation's comments
    assert "remark number 3" in chat("cea5@x.io").say("comments")


def test_comments_never_in_a_group_that_subtraction_narrows_down(runtime, chat, router) -> None:
    """Team of Max: 10 commenters, team of Mia: 3. The whole organisation's 13 minus Max's 10
    would be Mia's 3, so only one of the two may be listed."""
    import_org(
        runtime,
        org_csv(
            "cea@x.io,Cea,,Exec,leader,UTC",
            "max@x.io,Max,cea@x.io,Support,manager,UTC",
            "mia@x.io,Mia,cea@x.io,Sales,manager,UTC",
            *team(10, "max"),
            *team(3, "mia", "Sales"),
        ),
    )
    writers = [f"max{i}@x.io" for i in range(1, 11)] + [f"mia{i}@x.io" for i in range(1, 4)]
    run_week(runtime, chat, router, writers)
    for viewer in ("cea@x.io", "max@x.io", "max1@x.io", "mia1@x.io"):
        shown = chat(viewer).say("comments")
        groups = [block for block in shown.split("\n") if "in no particular order" in block]
        # one group (the organisation's 13, or Max's 10), never both: Mia's team's 3
        # comments are never the difference between two lists
        assert len(groups) == 1, shown


def test_more_comments_than_one_reply_holds_are_paged_in_chat(runtime, chat, router) -> None:
    """Comments past one reply are reached with `comments page 2`, not a command line."""
    import_org(runtime, org_csv("cea@x.io,Cea,,Support,leader,UTC", *team(45, "cea")))
    run_week(runtime, chat, router, [f"cea{i}@x.io" for i in range(1, 46)])
    first = chat("cea@x.io").say("comments")
    assert "culturebot" not in first and "ask your admin" not in first
    assert first.strip().splitlines()[-1] == (
        "... more comments: type comments page 2 for the next ones."
    )
    second = chat("cea@x.io").say("comments page 2")
    assert "comments, in no particular order" in second.splitlines()[0]  # its heading again
    both = first + second
    assert all(both.count(f"remark number {i} about customers") == 1 for i in range(45))
    assert "There is no page 9" in chat("cea@x.io").say("comments page 9")
    assert "for example comments page 2" in chat("cea@x.io").say("comments page")
