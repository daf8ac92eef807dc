"""`culturebot assess ...` and `culturebot objective ...`: the baseline assessment and the
roadmap of objectives, from the command line (the same handlers as chat)."""

from __future__ import annotations

import typer

from bot.cli.common import cli_runtime, console, fail, person_named, row_id, whole_number


def _named(refusal: Exception) -> str:
    """A refusal with the option at fault named, as the command line spells it."""
    field = getattr(refusal, "field", None)
    words = str(refusal)
    return f"--{field}: {words}" if field and not words.startswith(f"{field}:") else words


assess_app = typer.Typer(help="The baseline assessment.", no_args_is_help=True)


@assess_app.command("launch")
def assess_launch(
    by: str = typer.Option(..., "--by", help="The leader's email: everyone below them is asked."),
    window_days: int = typer.Option(
        14, "--window-days", help="Days to answer (1-60).", parser=whole_number(1, 60)
    ),
) -> None:
    """Launch the assessment for everyone below a leader."""
    from bot.core.chat import UserError
    from handlers.roadmap import assessment
    from storage import people

    runtime = cli_runtime()
    try:
        with runtime.db.session() as session:
            leader = people.by_email(session, by)
            if leader is None or not leader.active:
                raise fail(f"--by: nobody active with email {by}; nothing was launched")
            launched = assessment.launch(session, runtime, leader, window_days=window_days)
            words = assessment.launched_text(
                session, launched, leader, runtime.settings.min_group_size
            )
    except UserError as refusal:
        raise fail(f"{_named(refusal)} Nothing was launched.") from None
    console.print(words, highlight=False)


@assess_app.command("status")
def assess_status(
    as_: str = typer.Option(..., "--as", help="The manager's email."),
) -> None:
    """How far the latest assessment has got in a manager's part of the organisation."""
    from handlers.roadmap import assessment

    runtime = cli_runtime()
    with runtime.db.session() as session:
        person = person_named(session, as_, option="--as: ")
        assert person is not None  # --as is required
        words = assessment.status_text(
            session, person, runtime.clock.now(), runtime.settings.min_group_size
        )
    console.print(words, highlight=False)


@assess_app.command("baseline")
def assess_baseline(
    as_: str | None = typer.Option(None, "--as", help="What this person sees; default all."),
    assessment_id: int | None = typer.Option(
        None, "--assessment", help="Default: the latest.", parser=row_id
    ),
    format: str = typer.Option("table", "--format", help="table, json or csv"),
    full: bool = typer.Option(False, "--full", help="Every group, not only the summary."),
) -> None:
    """Baseline and progress per group and dimension: mean, spread, participation, the change
    since the scope's first assessment, and the pulse of the last 4 weeks (small groups
    withheld, saying why)."""
    from handlers.roadmap import baseline
    from storage import audit

    if format not in ("table", "json", "csv"):
        raise fail("--format: one of table, json, csv")
    runtime = cli_runtime()
    with runtime.db.session() as session:
        viewer = person_named(session, as_, option="--as: ")
        result = baseline.view(
            session,
            viewer,
            runtime.clock.now(),
            runtime.settings,
            assessment_id=assessment_id,
            full=full,
        )
        audit.viewed(
            session,
            f"assessment baseline as {as_}" if as_ else "assessment baseline",
            actor=audit.cli_actor(),
            at=runtime.clock.now(),
            format=format,
        )
    if format == "json":
        print(result.to_json() if result else "null")
    elif format == "csv":
        print(result.to_csv() if result else "", end="")
    else:
        console.print(
            baseline.as_text(result, limit=10_000, command=None), highlight=False, soft_wrap=True
        )


@assess_app.command("comments")
def assess_comments(
    as_: str | None = typer.Option(None, "--as", help="What this person sees; default all."),
    format: str = typer.Option("csv", "--format", help="csv or json"),
) -> None:
    """The assessment comments the gate lets this viewer read (groups of at least the comment
    minimum), without names, dates or sub-groups; spreadsheet formulas neutralised in CSV."""
    from handlers.roadmap import baseline
    from storage import audit

    if format not in ("json", "csv"):
        raise fail("--format: one of csv, json")
    runtime = cli_runtime()
    with runtime.db.session() as session:
        viewer = person_named(session, as_, option="--as: ")
        groups = baseline.comment_groups(session, viewer)
        audit.viewed(
            session,
            f"assessment comments as {as_}" if as_ else "assessment comments",
            actor=audit.cli_actor(),
            at=runtime.clock.now(),
            format=format,
        )
    print(
        baseline.comments_json(groups) if format == "json" else baseline.comments_csv(groups),
        end="",
    )


objective_app = typer.Typer(help="Objectives and the roadmap.", no_args_is_help=True)


def _actor(session, email: str):
    from storage import people

    person = people.by_email(session, email)
    if person is None or not person.active:
        raise fail(f"--by: nobody active with email {email}; nothing was written")
    return person


@objective_app.command("add")
def objective_add(
    by: str = typer.Option(..., "--by", help="The leader's or manager's email (their subtree)."),
    title: str = typer.Option(..., "--title"),
    dimension: str = typer.Option(..., "--dimension", help="An assessment dimension id."),
    target: str = typer.Option(..., "--target", help="1-5, e.g. 3.8"),
    due: str = typer.Option(..., "--due", help="YYYY-MM-DD, after today."),
    owner: str = typer.Option(..., "--owner", help="Someone in the subtree."),
    start: str | None = typer.Option(
        None, "--from", help="Where it starts; default: the latest figure."
    ),
    action: list[str] = typer.Option(
        [], "--action", help="'what to do => owner@email' (repeat for more)."
    ),
) -> None:
    """Set an objective with its actions for your own part of the organisation."""
    from bot.core.chat import UserError
    from handlers.roadmap import objectives
    from storage import audit

    runtime = cli_runtime()
    try:
        with runtime.db.session() as session:
            objective = objectives.add(
                session,
                _actor(session, by),
                runtime.clock.now(),
                title=title,
                dimension=dimension,
                target=target,
                due=due,
                owner=owner,
                start=start,
                actions=action,
                by=audit.cli_actor(),
            )
            words = objectives.added_text(session, objective)
    except UserError as refusal:
        raise fail(f"{_named(refusal)} Nothing was written.") from None
    console.print(words, highlight=False)


@objective_app.command("list")
def objective_list(
    as_: str | None = typer.Option(None, "--as", help="What this person sees; default all."),
    format: str = typer.Option("table", "--format", help="table, json or csv"),
) -> None:
    """Objectives with their state (on track, at risk, reached, missed) and actions."""
    from handlers.roadmap import objectives
    from storage import audit

    if format not in ("table", "json", "csv"):
        raise fail("--format: one of table, json, csv")
    runtime = cli_runtime()
    with runtime.db.session() as session:
        viewer = person_named(session, as_, option="--as: ")
        views = objectives.visible(session, viewer, runtime.clock.now())
        audit.viewed(
            session,
            f"objectives as {as_}" if as_ else "objectives",
            actor=audit.cli_actor(),
            at=runtime.clock.now(),
            format=format,
        )
    if format == "json":
        print(objectives.to_json(views))
    elif format == "csv":
        print(objectives.to_csv(views), end="")
    else:
        console.print(objectives.as_text(views), highlight=False, soft_wrap=True)


@objective_app.command("update")
def objective_update(
    objective_id: int = typer.Argument(..., help="The objective's number.", parser=row_id),
    by: str = typer.Option(..., "--by"),
    title: str | None = typer.Option(None, "--title"),
    target: str | None = typer.Option(None, "--target"),
    due: str | None = typer.Option(None, "--due"),
    owner: str | None = typer.Option(None, "--owner"),
    add_action: list[str] = typer.Option([], "--add-action", help="'what => owner@email'"),
    action_status: list[str] = typer.Option(
        [], "--action-status", help="ACTION_ID=planned|doing|done (repeat for more)."
    ),
) -> None:
    """Change an objective's target, due date, owner or title, add actions, move actions on."""
    from bot.core.chat import UserError
    from bot.core.parsing import parse_id
    from handlers.roadmap import objectives
    from storage import audit

    statuses: dict[int, str] = {}
    for spec in action_status:
        number, _, status = spec.partition("=")
        action_id = parse_id(number)
        if action_id is None:
            raise fail(f"--action-status: write ACTION_ID=STATUS, not {spec[:40]!r}")
        statuses[action_id] = status.strip().lower()
    runtime = cli_runtime()
    try:
        with runtime.db.session() as session:
            objectives.update(
                session,
                _actor(session, by),
                runtime.clock.now(),
                objective_id,
                title=title,
                target=target,
                due=due,
                owner=owner,
                add_actions=add_action,
                action_status=statuses,
                by=audit.cli_actor(),
            )
    except UserError as refusal:
        raise fail(f"{_named(refusal)} Nothing was written.") from None
    import prompts

    console.print(prompts.text("objective.updated", id=objective_id), highlight=False)


@objective_app.command("close")
def objective_close(
    objective_id: int = typer.Argument(..., help="The objective's number.", parser=row_id),
    by: str = typer.Option(..., "--by"),
    dropped: bool = typer.Option(False, "--dropped", help="Closed without being reached."),
) -> None:
    """Close an objective: reached or missed from the latest figure, or dropped."""
    from bot.core.chat import UserError
    from handlers.roadmap import objectives
    from storage import audit

    runtime = cli_runtime()
    try:
        with runtime.db.session() as session:
            state = objectives.close(
                session,
                _actor(session, by),
                runtime.clock.now(),
                objective_id,
                dropped=dropped,
                by=audit.cli_actor(),
            )
    except UserError as refusal:
        raise fail(f"{_named(refusal)} Nothing was written.") from None
    import prompts

    console.print(prompts.text("objective.closed_msg", id=objective_id, state=state))
