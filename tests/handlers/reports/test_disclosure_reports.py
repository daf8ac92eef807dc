"""Reports read the published cells: a report in chat fits the platform (about 40 lines) and
says where the rest is; the CLI's JSON lists every group; figures never change later."""

from __future__ import annotations

import json
import re

from sqlmodel import select
from typer.testing import CliRunner

from bench.history import HistorySpec, seed
from bot.cli.main import app
from bot.core.config import Settings
from handlers.reports import pulse_reports as reports
from storage.models import Person


def test_chat_report_is_short_and_points_to_the_rest(database) -> None:
    seed(database.engine, HistorySpec(people=400, weeks=4))
    settings = Settings(database_url=database.url, _env_file=None)  # type: ignore[call-arg]
    with database.session() as session:
        top = session.exec(select(Person).where(Person.manager_id.is_(None))).one()  # type: ignore[union-attr]
        report = reports.build(session, min_group_size=settings.min_group_size, viewer=top)
        text = reports.as_text(report, email=top.email)
        full = reports.build(session, min_group_size=settings.min_group_size, viewer=top, full=True)
    lines = text.splitlines()
    assert len(lines) <= 40 and len(text) < 8000  # Slack: 40,000 characters, Teams: 28 KB
    assert "mean" in text and "withheld" not in text  # one line counts the withheld figures
    assert len(full.rows) > len(report.rows) > 39
    assert lines[-2].startswith("... and ") and "type dashboard" in lines[-2]
    assert re.fullmatch(
        r"\d+ figures of smaller groups are not shown, to protect anonymity\. "
        r"Type report details to see which\.",
        lines[-1],
    )
    assert "culturebot" not in text  # chat never sends a person to the command line

    exported = CliRunner().invoke(
        app, ["report", "--format", "json"], env={"CULTUREBOT_DATABASE_URL": database.url}
    )
    data = json.loads(exported.output)
    assert len(data["rows"]) >= len(full.rows)
    assert {r["kind"] for r in data["rows"]} == {"org", "department", "subtree", "team"}
    assert all(r["respondents"] is None for r in data["rows"] if r["withheld"])
