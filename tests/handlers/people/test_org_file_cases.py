"""The org file as an HR lead really writes it: dry runs, the deactivation guard, every problem
of a bad file listed with row and column, `;` and tab delimiters, and each file that used to
end in a traceback (or worse, in silence) refused clearly with nothing written."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from handlers.people import org
from storage.audit import AuditEvent
from storage.models import Identity, Person
from tests.support import import_org, org_csv

HEADER = "email,name,manager_email,department,role,timezone"
BASE = [
    "ceo@x.io,Cea,,Exec,leader,Europe/Berlin",
    "vp@x.io,Vic,ceo@x.io,Sales,manager,America/New_York",
    "rep@x.io,Rae,vp@x.io,Sales,employee,Asia/Kolkata",
]


def everyone(runtime) -> dict[str, Person]:
    with runtime.db.session() as session:
        return {p.email: p for p in session.exec(select(Person))}


def refused(runtime, text: str) -> org.OrgImportError:
    """Import ``text``, expecting a refusal; nothing may have changed."""
    before = {e: (p.active, p.path, p.name) for e, p in everyone(runtime).items()}
    with pytest.raises(org.OrgImportError) as error:
        import_org(runtime, text)
    assert {e: (p.active, p.path, p.name) for e, p in everyone(runtime).items()} == before
    return error.value


@pytest.fixture
def cli(cli, tmp_path):  # type: ignore[no-untyped-def]
    """The shared `cli`, given ``file`` as the org file; returns (exit code, output)."""

    def run(*args: str, file: str | None = None) -> tuple[int, str]:
        argv = list(args)
        if file is not None:
            path = tmp_path / "people.csv"
            path.write_text(file, encoding="utf-8")
            argv.append(str(path))
        result = cli(*argv)
        return result.exit_code, result.output

    return run


# --- the cases from the issue ------------------------------------------------------------


def test_a_header_only_file_is_refused_and_deactivates_nobody(runtime) -> None:
    import_org(runtime, org_csv(*BASE))
    error = refused(runtime, HEADER + "\n")
    assert (error.row, error.column) == (2, "email")
    assert "a header but nobody in it" in str(error)
    assert all(p.active for p in everyone(runtime).values())


def test_a_duplicate_slack_user_id_is_refused_instead_of_moving_the_link(runtime) -> None:
    text = (
        HEADER
        + ",slack_user_id\n"
        + "ceo@x.io,Cea,,Exec,leader,UTC,U1\n"
        + "vp@x.io,Vic,ceo@x.io,Sales,manager,UTC,U2\n"
        + "rep@x.io,Rae,vp@x.io,Sales,employee,UTC,U1\n"
    )
    error = refused(runtime, text)
    assert (error.row, error.column) == (4, "slack_user_id")
    assert "duplicate slack_user_id U1 (first on row 2)" in str(error)
    with runtime.db.session() as session:
        assert session.exec(select(Identity)).all() == []


@pytest.mark.parametrize("email", ["john smith@x", "john@x", "@x.io", "a@@x.io", "a@x."])
def test_an_email_that_is_not_one_is_refused(runtime, email: str) -> None:
    error = refused(runtime, org_csv(*BASE, f"{email},John,vp@x.io,Sales,employee,UTC"))
    assert (error.row, error.column) == (5, "email")
    assert "is not an email address" in str(error)


def test_a_field_over_128_kb_is_refused_by_its_column(runtime) -> None:
    huge = "x" * 140_000
    error = refused(runtime, org_csv(*BASE, f"big@x.io,{huge},vp@x.io,Sales,employee,UTC"))
    assert (error.row, error.column) == (5, "name")
    assert "140,000 characters; the most is 200" in str(error)
    assert huge not in str(error)


def test_a_name_over_200_characters_is_refused(runtime) -> None:
    long_name = "N" * 201
    error = refused(runtime, org_csv(*BASE, f"n@x.io,{long_name},vp@x.io,Sales,employee,UTC"))
    assert (error.row, error.column) == (5, "name")
    assert "201 characters; the most is 200" in str(error)
    assert import_org(runtime, org_csv(*BASE, f"n@x.io,{'N' * 200},vp@x.io,S,employee,UTC"))


def chain(length: int) -> list[str]:
    """A single chain p0 (the top) -> p1 -> ... listed bottom-up."""
    rows = [f"p{i}@x.io,P{i},p{i - 1}@x.io,Ops,employee,UTC" for i in range(1, length)]
    return [*reversed(rows), "p0@x.io,P0,,Ops,leader,UTC"]


@pytest.mark.parametrize("length", [1200, 460])
def test_a_chain_too_deep_is_refused_whole(runtime, length: int) -> None:
    error = refused(runtime, org_csv(*chain(length)))
    assert error.column == "manager_email"
    assert f"culturebot supports at most {org.MAX_DEPTH}" in str(error)
    assert everyone(runtime) == {}


def test_a_deep_chain_listed_bottom_up_is_imported(runtime) -> None:
    result = import_org(runtime, org_csv(*chain(org.MAX_DEPTH)))
    assert result.created == org.MAX_DEPTH
    people = everyone(runtime)
    bottom = people[f"p{org.MAX_DEPTH - 1}@x.io"]
    assert bottom.path.count("/") == org.MAX_DEPTH + 1
    assert bottom.path.startswith(f"/{people['p0@x.io'].id}/{people['p1@x.io'].id}/")


def test_every_problem_is_listed_up_to_50_with_row_and_column(runtime) -> None:
    bad = [f"x{i}@x.io,,vp@x.io,Sales,wizard,UTC" for i in range(30)]  # 2 problems each
    error = refused(runtime, org_csv(*BASE, *bad))
    assert len(error.problems) == 50 and error.more == 10
    assert [(p.row, p.column) for p in error.problems[:4]] == [
        (5, "name"),
        (5, "role"),
        (6, "name"),
        (6, "role"),
    ]
    assert str(error).endswith("... and 10 more problems")


def test_chain_problems_are_all_listed(runtime) -> None:
    text = org_csv(
        *BASE,
        "a@x.io,A,nobody@x.io,S,employee,UTC",
        "b@x.io,B,b@x.io,S,employee,UTC",
        "c@x.io,C,,S,leader,UTC",
    )
    error = refused(runtime, text)
    assert [(p.row, p.column) for p in error.problems] == [
        (5, "manager_email"),
        (6, "manager_email"),
        (7, "manager_email"),
    ]


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_delimiters_are_recognised(runtime, delimiter: str) -> None:
    text = org_csv(*BASE).replace(",", delimiter)
    assert import_org(runtime, text).created == 3
    assert everyone(runtime)["rep@x.io"].timezone == "Asia/Kolkata"


def test_a_nul_byte_is_refused_with_its_row(runtime) -> None:
    error = refused(runtime, org_csv(*BASE, "n@x.io,Ann\0,vp@x.io,Sales,employee,UTC"))
    assert error.row == 5


# --- dry run and the deactivation guard ---------------------------------------------------


def test_dry_run_lists_who_is_added_changed_moved_deactivated_and_reactivated(runtime, cli) -> None:
    import_org(
        runtime,
        org_csv(
            *BASE,
            "gone@x.io,Gus,vp@x.io,Sales,employee,UTC",
            "back@x.io,Bea,vp@x.io,Sales,employee,UTC",
            "same@x.io,Sam,ceo@x.io,Exec,employee,UTC",
        ),
    )
    import_org(
        runtime,
        org_csv(
            *BASE,
            "gone@x.io,Gus,vp@x.io,Sales,employee,UTC",
            "same@x.io,Sam,ceo@x.io,Exec,employee,UTC",
        ),
    )  # Bea leaves
    new_file = org_csv(
        "ceo@x.io,Cea,,Exec,leader,Europe/Berlin",
        "vp@x.io,Vic,ceo@x.io,Marketing,manager,America/New_York",  # changed department
        "rep@x.io,Rae,ceo@x.io,Sales,employee,Asia/Kolkata",  # moved
        "back@x.io,Bea,vp@x.io,Sales,employee,UTC",  # reactivated
        "new@x.io,Ned,vp@x.io,Sales,employee,UTC",  # added
        "same@x.io,Sam,ceo@x.io,Exec,employee,UTC",  # unchanged
    )  # gone@x.io is missing: deactivated
    code, out = cli("org", "import", "--dry-run", "--allow-deactivate", file=new_file)
    assert code == 0, out
    assert out.splitlines() == [
        "added (1):",
        "  new@x.io (Ned)",
        "changed (1):",
        "  vp@x.io: department Sales -> Marketing",
        "moved (1):",
        "  rep@x.io: manager vp@x.io -> ceo@x.io",
        "deactivated (1):",
        "  gone@x.io (Gus)",
        "reactivated (1):",
        "  back@x.io (Bea)",
        "unchanged: 2",
        "1 of 5 active people (20%) would be deactivated",
        "dry run: nothing was written",
    ]
    people = everyone(runtime)
    assert "new@x.io" not in people and people["gone@x.io"].active
    assert not people["back@x.io"].active and people["vp@x.io"].department == "Sales"


def sixty() -> list[str]:
    return [
        "ceo@x.io,Cea,,Exec,leader,UTC",
        *(f"p{i}@x.io,P{i},ceo@x.io,Ops,employee,UTC" for i in range(1, 60)),
    ]


def test_a_file_that_would_deactivate_most_people_is_refused(runtime, cli) -> None:
    import_org(runtime, org_csv(*sixty()))
    code, out = cli("org", "import", file=org_csv(*sixty()[:2]))
    assert code == 2
    assert "would deactivate 58 of the 60 active people (97%)" in " ".join(out.split())
    assert "--allow-deactivate" in out and "nothing was imported" in " ".join(out.split())
    assert sum(p.active for p in everyone(runtime).values()) == 60

    code, out = cli("org", "import", "--dry-run", file=org_csv(*sixty()[:2]))
    assert code == 0
    assert "58 of 60 active people (97%) would be deactivated" in out
    assert "the import will be refused unless you add --allow-deactivate" in out

    code, out = cli("org", "import", "--allow-deactivate", file=org_csv(*sixty()[:2]))
    assert code == 0, out
    assert "58 deactivated" in out
    assert sum(p.active for p in everyone(runtime).values()) == 2


def test_the_guard_allows_up_to_the_configured_share(runtime, cli, monkeypatch) -> None:
    import_org(runtime, org_csv(*sixty()))
    assert cli("org", "import", file=org_csv(*sixty()[:-6]))[0] == 0  # 6 of 60: 10%
    assert cli("org", "import", file=org_csv(*sixty()[:-12]))[0] == 2  # 6 of 54: 11%
    monkeypatch.setenv("CULTUREBOT_MAX_DEACTIVATE_SHARE", "0.2")
    assert cli("org", "import", file=org_csv(*sixty()[:-12]))[0] == 0


def test_the_cli_lists_every_problem_and_writes_nothing(runtime, cli) -> None:
    bad = org_csv(
        *BASE,
        "john smith@x,John,vp@x.io,Sales,employee,UTC",
        "x@x.io,X,vp@x.io,Sales,wizard,Mars/Olympus",
    )
    code, out = cli("org", "import", file=bad)
    assert code == 2
    out = " ".join(out.split())
    assert "3 problems; nothing was imported" in out
    assert "row 5, column email: 'john smith@x' is not an email address" in out
    assert "row 6, column role: unknown role 'wizard'" in out
    assert "row 6, column timezone: unknown IANA time zone 'Mars/Olympus'" in out
    assert everyone(runtime) == {}


def test_a_cell_that_looks_like_markup_is_shown_as_typed(runtime, cli) -> None:
    code, out = cli("org", "import", file=org_csv(*BASE, "[/red]@x,X,vp@x.io,S,employee,UTC"))
    assert code == 2 and "'[/red]@x' is not an email address" in " ".join(out.split())


def test_an_import_is_audited(runtime, cli) -> None:
    assert cli("org", "import", file=org_csv(*BASE))[0] == 0
    with runtime.db.session() as session:
        [event] = session.exec(
            select(AuditEvent).where(col(AuditEvent.action) == "org.import")
        ).all()
    assert event.target == "people.csv" and '"created": 3' in (event.details or "")


def test_dry_run_shows_a_platform_id_moving_to_another_person(runtime, cli) -> None:
    header = HEADER + ",slack_user_id\n"
    import_org(
        runtime, header + "\n".join(f"{row},{uid}" for row, uid in zip(BASE, "ABC", strict=True))
    )
    moved = "\n".join(f"{row},{uid}" for row, uid in zip(BASE, ["A", "C", "B"], strict=True))
    code, out = cli("org", "import", "--dry-run", file=header + moved + "\n")
    assert code == 0, out
    assert "vp@x.io: slack_user_id C moves here from rep@x.io" in out
    assert "rep@x.io: slack_user_id B moves here from vp@x.io" in out


def test_a_short_row_is_refused_by_its_missing_cells(runtime) -> None:
    error = refused(runtime, org_csv(*BASE, "short@x.io,Sho"))
    assert [(p.row, p.column) for p in error.problems] == [(5, "department")]
