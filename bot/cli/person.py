"""`culturebot person ...`: erase a person on request (GDPR article 17), run the retention
purge now."""

from __future__ import annotations

import json

import typer

from bot.cli.common import cli_runtime, console, fail

person_app = typer.Typer(help="People's data: erasure and retention.", no_args_is_help=True)


@person_app.command("erase")
def erase(
    email: str = typer.Argument(..., help="The email of the person to erase."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
) -> None:
    """Remove the person and everything that names them; figures that never named them stay."""
    from handlers.people import erase as erasure
    from storage import audit, people

    runtime = cli_runtime()
    with runtime.db.session() as session:
        person = people.by_email(session, email)
        if person is None:
            raise fail(f"nobody with email {email}")
        label = f"{person.name} <{person.email}>"
    if not yes and not typer.confirm(
        f"Erase {label} and everything that names them? This cannot be undone."
    ):
        raise fail("nothing was erased")
    with runtime.db.session() as session:
        person = people.by_email(session, email)
        if person is None:
            raise fail(f"nobody with email {email}")
        try:
            done = erasure.erase(
                session, person, runtime.settings.min_group_size, runtime.clock.now()
            )
        except erasure.EraseRefused as refusal:
            raise fail(f"{refusal} Nothing was erased.") from None
        summary = done.summary()
        audit.record(
            session,
            "person.erase",
            actor=audit.cli_actor(),
            at=runtime.clock.now(),
            target="a person (erased)",
            details={"deleted": sum(done.deleted.values()), **summary},
        )
    console.print(
        f"erased {label}: {sum(done.deleted.values())} rows deleted, "
        f"{done.kept_anonymous} anonymous stories kept without their author",
        highlight=False,
    )
    console.print(json.dumps(summary, indent=2), highlight=False)


@person_app.command("retention")
def retention_now() -> None:
    """Delete comments and story texts older than CULTUREBOT_RETENTION_MONTHS now (the
    scheduler does this each night)."""
    from handlers.people import retention

    runtime = cli_runtime()
    if runtime.settings.retention_months <= 0:
        console.print("CULTUREBOT_RETENTION_MONTHS is 0: everything is kept")
        return
    done = retention.nightly(runtime)
    console.print(
        f"older than {runtime.settings.retention_months} months: "
        f"{done.pulse_comments} pulse comments, {done.stories} story texts, "
        f"{done.assessment_comments} assessment comments, {done.form_drafts} forms in progress "
        "deleted",
        highlight=False,
        soft_wrap=True,
    )
