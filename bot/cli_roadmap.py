"""`culturebot assess ...` and `culturebot objective ...`: the baseline assessment and the
roadmap of objectives, from the command line (the same handlers as chat)."""

from __future__ import annotations

import typer

from bot.cli_common import cli_runtime, console, fail, whole_number


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
    from bot.chat import UserError
    from handlers import assessment
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
    from handlers import assessment
    from storage import people

    runtime = cli_runtime()
    with runtime.db.session() as session:
        person = people.by_email(session, as_)
        if person is None:
            raise fail(f"--as: nobody with email {as_}")
        words = assessment.status_text(session, person, runtime.clock.now())
    console.print(words, highlight=False)
