"""`culturebot prompts check`: how each language's catalog stands against English.

A missing key is said in English (listed as a warning); an extra key is never said (a typo, or
a key English removed) and a text whose placeholders differ from English's would fail or lose a
value when said: both fail the check, and start-up refuses the second.
"""

from __future__ import annotations

from pathlib import Path

import typer

from bot.cli.common import console, fail

prompts_app = typer.Typer(help="The words culturebot says, in every language.")


@prompts_app.command("check")
def check(
    locale: list[str] = typer.Option(
        [], "--locale", "-l", help="Only this language (repeat for more); every one by default."
    ),
    folder: Path | None = typer.Option(
        None,
        "--dir",
        help="A folder of language folders to check instead of prompts/locales/ "
        "(a translation before it is copied in).",
        file_okay=False,
    ),
) -> None:
    """Per language: keys missing (English is said instead), extra keys and keys whose
    placeholders differ from English. Exits 1 on an extra key or a placeholder mismatch."""
    import prompts

    if folder is not None and not folder.is_dir():
        raise fail(f"--dir {folder}: no such folder")
    found = (
        sorted(p.name for p in folder.iterdir() if p.is_dir())
        if folder is not None
        else [code for code in prompts.available_locales() if code != prompts.ENGLISH]
    )
    unknown = sorted(set(locale) - set(found))
    if unknown:
        raise fail(f"no catalog for {', '.join(unknown)}; there are: {', '.join(found) or 'none'}")
    failed = False
    for code in locale or found:
        report = prompts.check(code, folder)
        failed = failed or report.failed
        console.print(
            f"[bold]{code}[/bold]: {len(report.missing)} missing (said in English), "
            f"{len(report.extra)} extra, {len(report.mismatched)} with other placeholders"
            + (f", {len(report.broken)} broken" if report.broken else ""),
            highlight=False,
            soft_wrap=True,
        )
        for label, keys in (
            ("broken", report.broken),
            ("placeholders", report.mismatched),
            ("extra", report.extra),
            ("missing", report.missing),
        ):
            for key in keys:
                console.print(f"  {label:<12} {key}", highlight=False, markup=False, soft_wrap=True)
    if failed:
        raise typer.Exit(1)
