"""How the command line prints a pulse report: `culturebot report` and the demo's ending."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.cli.common import console

if TYPE_CHECKING:
    from handlers.reports import pulse_reports as reports


def print_report(result: reports.Report, *, details: bool = False) -> None:
    """One row per group and theme with a figure; the withheld ones counted in one line below
    the table, or with ``details`` listed, one line per group and reason."""
    from rich.console import Console
    from rich.table import Table

    import prompts
    from handlers.common.formatting import sparkline, week_words
    from handlers.reports import pulse_reports as reports

    themes = prompts.theme_names()
    out = console if console.is_terminal else Console(width=max(console.width, 140))
    table = Table(title=f"Customer-focus pulse: {result.scope}{reports.period_words(result)}")
    headers = ("group", "theme", "week", "people", "participation", "mean", "trend", "4 weeks")
    for header in (*headers, "sentiment", "weekly"):
        table.add_column(
            header, justify="left" if header in ("group", "theme", "week") else "right"
        )
    withheld = [
        (
            r.group,
            themes.get(r.theme, r.theme),
            reports.withheld_text(r.reason, result.min_group_size),
        )
        for r in result.rows
        if r.withheld
    ]
    for r in result.rows:
        if r.withheld:
            continue
        enps = r.theme == prompts.ENPS  # its "mean" is the eNPS, in points
        figure = "{:+.0f}" if enps else "{:.1f}"
        table.add_row(
            reports.row_name(r),
            reports.enps_words(r) if enps else themes.get(r.theme, r.theme),
            week_words(r.period) if r.period else "",
            (r.respondents or "")
            + ("" if r.asked is None else f" ({reports.asked_words(r.asked, r.of)})"),
            f"{r.participation:.0%}" if r.participation is not None else "",
            figure.format(r.mean) if r.mean is not None else "",
            (f"{r.trend:+.0f}" if enps else f"{r.trend:+.1f}") if r.trend is not None else "",
            figure.format(r.recent_mean) if r.recent_mean is not None else "",
            " ".join(
                part
                for part in (
                    f"{r.sentiment:+.1f}" if r.sentiment is not None else "",
                    f"({reports.unscored_words(r.unscored)})" if r.unscored else "",
                )
                if part
            ),
            sparkline(r.series),
        )
    if not result.rows:
        out.print(reports.empty_text(result), highlight=False)
        return
    if len(withheld) < len(result.rows):
        out.print(table)
    if details or not withheld:
        for line in reports.withheld_lines(
            withheld, min_size=result.min_group_size, command="", details=details
        ):
            out.print(line, highlight=False)
    else:
        out.print(prompts.text("disclosure.withheld_cli", count=len(withheld)), highlight=False)
    out.print("people = respondents, in bands", highlight=False)
    if any(r.theme == prompts.ENPS and not r.withheld for r in result.rows):
        out.print(
            "eNPS = % promoters (9-10) - % detractors (0-6), shown in its mean column",
            highlight=False,
        )
