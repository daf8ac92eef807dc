"""Importing the organisation: success, idempotent re-import, and every refusal named by row
and column with nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import col, select
from typer.testing import CliRunner

from bot.cli.main import app
from handlers.people import org
from storage.models import Identity, Person
from tests.support import import_org, org_csv

BASE = [
    "ceo@x.io,Cea,,Exec,leader,Europe/Berlin",
    "vp@x.io,Vic,ceo@x.io,Sales,manager,America/New_York",
    "rep@x.io,Rae,vp@x.io,Sales,employee,Asia/Kolkata",
]


def people_in(runtime) -> dict[str, Person]:
    with runtime.db.session() as session:
        return {p.email: p for p in session.exec(select(Person))}


def test_import_builds_the_chain_and_reimport_is_idempotent(runtime) -> None:
    first = import_org(runtime, org_csv(*BASE))
    assert (first.created, first.updated, first.deactivated) == (3, 0, 0)
    everyone = people_in(runtime)
    ceo, vp, rep = everyone["ceo@x.io"], everyone["vp@x.io"], everyone["rep@x.io"]
    assert rep.manager_id == vp.id and vp.manager_id == ceo.id and ceo.manager_id is None
    assert rep.path == f"/{ceo.id}/{vp.id}/{rep.id}/"
    assert rep.timezone == "Asia/Kolkata"

    again = import_org(runtime, org_csv(*BASE))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert people_in(runtime)["rep@x.io"].id == rep.id


def test_people_missing_from_the_file_are_deactivated_not_deleted(runtime) -> None:
    import_org(runtime, org_csv(*BASE))
    result = import_org(runtime, org_csv(*BASE[:2]))
    assert result.deactivated == 1
    rep = people_in(runtime)["rep@x.io"]
    assert rep.active is False
    back = import_org(runtime, org_csv(*BASE))
    assert back.updated == 1 and people_in(runtime)["rep@x.io"].active


def test_moving_a_person_updates_their_path(runtime) -> None:
    import_org(runtime, org_csv(*BASE))
    moved = org_csv(BASE[0], BASE[1], "rep@x.io,Rae,ceo@x.io,Sales,employee,Asia/Kolkata")
    assert import_org(runtime, moved).updated == 1
    everyone = people_in(runtime)
    assert everyone["rep@x.io"].path == f"/{everyone['ceo@x.io'].id}/{everyone['rep@x.io'].id}/"


def test_platform_ids_become_identities(runtime) -> None:
    text = (
        "email,name,manager_email,department,role,timezone,slack_user_id,teams_user_id\n"
        "ceo@x.io,Cea,,Exec,leader,UTC,U123,aad-1\n"
    )
    import_org(runtime, text)
    with runtime.db.session() as session:
        linked = {(i.platform, i.external_id) for i in session.exec(select(Identity))}
    assert linked == {("slack", "U123"), ("teams", "aad-1")}


@pytest.mark.parametrize(
    ("rows", "row", "column", "words"),
    [
        ([*BASE, "x@x.io,X,nobody@x.io,Sales,employee,UTC"], 5, "manager_email", "unknown manager"),
        (
            [BASE[0], "a@x.io,A,b@x.io,S,employee,UTC", "b@x.io,B,a@x.io,S,employee,UTC"],
            3,
            "manager_email",
            "cycle",
        ),
        ([*BASE, "ceo2@x.io,C2,,Exec,leader,UTC"], 5, "manager_email", "second top leader"),
        ([*BASE, "x@x.io,X,vp@x.io,Sales,employee,Mars/Olympus"], 5, "timezone", "unknown IANA"),
        ([*BASE, "REP@x.io,Dup,vp@x.io,Sales,employee,UTC"], 5, "email", "duplicate email"),
        ([*BASE, "x@x.io,X,vp@x.io,Sales,wizard,UTC"], 5, "role", "unknown role"),
        ([*BASE, "x@x.io,,vp@x.io,Sales,employee,UTC"], 5, "name", "required"),
        ([*BASE, "not-an-email,X,vp@x.io,Sales,employee,UTC"], 5, "email", "not an email"),
    ],
)
def test_bad_files_are_refused_whole(runtime, rows, row, column, words) -> None:
    with pytest.raises(org.OrgImportError) as refused:
        import_org(runtime, org_csv(*rows))
    assert (refused.value.row, refused.value.column) == (row, column)
    assert words in str(refused.value)
    assert people_in(runtime) == {}


def test_missing_column_is_named() -> None:
    with pytest.raises(org.OrgImportError) as refused:
        org.parse("email,name,department,role,timezone\n")
    assert (refused.value.row, refused.value.column) == (1, "manager_email")


def test_cli_names_the_row_and_column_and_writes_nothing(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CULTUREBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    bad = tmp_path / "people.csv"
    bad.write_text(org_csv(*BASE, "x@x.io,X,vp@x.io,Sales,employee,Nowhere/Land"))
    runner = CliRunner()
    result = runner.invoke(app, ["org", "import", str(bad)])
    assert result.exit_code == 2
    assert "row 5, column timezone" in result.output and "nothing was imported" in result.output
    header = "email,name,manager_email,department,role,timezone,country,subdivision\n"
    bad.write_text(
        header + "ceo@x.io,Cea,,Exec,leader,UTC,DE,BY\nvp@x.io,Vic,ceo@x.io,Sales,manager,UTC,ZZ,\n"
    )
    result = runner.invoke(app, ["org", "import", str(bad)])
    assert result.exit_code == 2
    assert "row 3, column country: 'ZZ' is not a country with a public holiday calendar" in (
        result.output
    )
    good = tmp_path / "good.csv"
    good.write_text(org_csv(*BASE))
    result = runner.invoke(app, ["org", "import", str(good)])
    assert result.exit_code == 0, result.output
    assert "3 new" in result.output


def test_sample_org_is_sound() -> None:
    """The shipped sample: about 60 people, 6 departments, 3 levels, 4+ time zones."""
    sample = Path(__file__).resolve().parents[3] / "examples" / "people.csv"
    rows = org.parse(sample.read_text())
    assert 55 <= len(rows) <= 65
    assert len({r.department for r in rows}) == 6
    assert len({r.timezone for r in rows}) >= 4
    by_email = {r.email: r for r in rows}

    def depth(email: str) -> int:
        manager = by_email[email].manager_email
        return 1 if not manager else 1 + depth(manager)

    assert max(depth(r.email) for r in rows) == 3


def test_deactivated_people_are_not_in_subtrees(runtime) -> None:
    import_org(runtime, org_csv(*BASE))
    import_org(runtime, org_csv(*BASE[:2]))
    with runtime.db.session() as session:
        active = session.exec(select(Person.email).where(col(Person.active).is_(True))).all()
    assert sorted(active) == ["ceo@x.io", "vp@x.io"]


def test_country_and_subdivision_are_optional_columns(runtime) -> None:
    text = (
        "email,name,manager_email,department,role,timezone,country,subdivision\n"
        "ceo@x.io,Cea,,Exec,leader,Europe/Berlin,de,by\n"
        "vp@x.io,Vic,ceo@x.io,Sales,manager,America/New_York,US,\n"
        "rep@x.io,Rae,vp@x.io,Sales,employee,Asia/Kolkata,,\n"
    )
    import_org(runtime, text)
    everyone = people_in(runtime)
    assert (everyone["ceo@x.io"].country, everyone["ceo@x.io"].subdivision) == ("DE", "BY")
    assert (everyone["vp@x.io"].country, everyone["vp@x.io"].subdivision) == ("US", None)
    assert (everyone["rep@x.io"].country, everyone["rep@x.io"].subdivision) == (None, None)
    moved = text.replace("America/New_York,US,", "America/New_York,CA,ON")
    assert import_org(runtime, moved).updated == 1
    assert people_in(runtime)["vp@x.io"].subdivision == "ON"


@pytest.mark.parametrize(
    ("country", "subdivision", "column", "words"),
    [
        ("Germany", "", "country", "two-letter country code"),
        ("D1", "", "country", "two-letter country code"),
        ("", "BY", "subdivision", "needs a country"),
        ("DE", "Bay ern", "subdivision", "not a subdivision code"),
        # well-formed, but no public holiday calendar: they would silently get no holidays
        ("ZZ", "", "country", "'ZZ' is not a country with a public holiday calendar"),
        ("XX", "", "country", "'XX' is not a country with a public holiday calendar"),
        ("DE", "ZZ", "subdivision", "'ZZ' is not a subdivision of DE (one of: "),
        ("US", "BY", "subdivision", "'BY' is not a subdivision of US"),
    ],
)
def test_bad_country_or_subdivision_is_refused(
    runtime, country, subdivision, column, words
) -> None:
    text = (
        "email,name,manager_email,department,role,timezone,country,subdivision\n"
        f"ceo@x.io,Cea,,Exec,leader,UTC,{country},{subdivision}\n"
    )
    with pytest.raises(org.OrgImportError) as refused:
        import_org(runtime, text)
    assert (refused.value.row, refused.value.column) == (2, column)
    assert words in str(refused.value)


LOCALE_HEADER = "email,name,manager_email,department,role,timezone,locale\n"


def test_the_locale_column_names_each_persons_language(runtime, languages) -> None:
    languages(de={}, fr={})
    text = (
        LOCALE_HEADER + "ceo@x.io,Cea,,Exec,leader,UTC,de\n"
        "vp@x.io,Vic,ceo@x.io,Sales,manager,UTC,fr-FR\n"
        "rep@x.io,Rae,vp@x.io,Sales,employee,UTC,\n"
    )
    import_org(runtime, text)
    everyone = people_in(runtime)
    assert [everyone[e].locale for e in ("ceo@x.io", "vp@x.io", "rep@x.io")] == ["de", "fr", None]
    assert import_org(runtime, text.replace("UTC,fr-FR", "UTC,de")).updated == 1
    assert people_in(runtime)["vp@x.io"].locale == "de"


def test_an_unknown_locale_is_refused_naming_the_row_and_nothing_is_imported(
    runtime, languages, cli, tmp_path: Path
) -> None:
    languages(de={})
    bad = tmp_path / "people.csv"
    bad.write_text(
        LOCALE_HEADER + "ceo@x.io,Cea,,Exec,leader,UTC,de\n"
        "vp@x.io,Vic,ceo@x.io,Sales,manager,UTC,pt-BR\n"
    )
    result = cli("org", "import", str(bad))
    assert result.exit_code == 2
    assert "row 3, column locale: culturebot has no language 'pt-BR' (use one of: en, de)" in (
        result.output
    )
    assert "nothing was imported" in result.output
    assert people_in(runtime) == {}
