"""Import the organisation from CSV: validate everything first, then upsert in one transaction.

A file with any problem is refused whole, with the row and column named, and nothing is
written. Re-importing is idempotent; people missing from the file are deactivated (never
deleted: their history and their place in past cascades stay intact).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlmodel import Session, select

from storage.models import ROLES, Person
from storage.people import link_identity

REQUIRED = ("email", "name", "manager_email", "department", "role", "timezone")
OPTIONAL = ("slack_user_id", "teams_user_id", "country", "subdivision")


class OrgImportError(Exception):
    """A problem with one cell of the file; ``row`` counts the header as row 1."""

    def __init__(self, row: int, column: str, problem: str) -> None:
        super().__init__(f"row {row}, column {column}: {problem}")
        self.row, self.column, self.problem = row, column, problem


@dataclass(frozen=True)
class OrgRow:
    row: int
    email: str
    name: str
    manager_email: str
    department: str
    role: str
    timezone: str
    slack_user_id: str = ""
    teams_user_id: str = ""
    country: str | None = None  # ISO 3166-1 alpha-2, upper case ("DE")
    subdivision: str | None = None  # the `holidays` package's code ("BY"), upper case
    timezone_source: str = "org"  # "default" when the file left it empty


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0


def _valid_timezone(name: str) -> bool:
    if name not in _ZONES:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


_ZONES = available_timezones()
_SUBDIVISION = re.compile(r"[A-Z0-9][A-Z0-9-]{0,9}")


def parse(text: str, *, default_timezone: str = "UTC") -> list[OrgRow]:
    """Read and check every row; raise OrgImportError on the first problem."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in reader.fieldnames or []]
    for column in REQUIRED:
        if column not in header:
            raise OrgImportError(1, column, "this column is missing from the header")
    rows: list[OrgRow] = []
    first_seen: dict[str, int] = {}
    for number, raw in enumerate(reader, start=2):
        cells = {k.strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        email = cells["email"].lower()
        if not email or "@" not in email:
            raise OrgImportError(number, "email", f"'{cells['email']}' is not an email address")
        if email in first_seen:
            raise OrgImportError(
                number, "email", f"duplicate email {email} (first on row {first_seen[email]})"
            )
        first_seen[email] = number
        if not cells["name"]:
            raise OrgImportError(number, "name", "a name is required")
        if not cells["department"]:
            raise OrgImportError(number, "department", "a department is required")
        role = cells["role"].lower() or "employee"
        if role not in ROLES:
            raise OrgImportError(
                number, "role", f"unknown role '{cells['role']}' (use one of: {', '.join(ROLES)})"
            )
        timezone = cells["timezone"] or default_timezone
        if not _valid_timezone(timezone):
            raise OrgImportError(
                number, "timezone", f"unknown IANA time zone '{timezone}' (e.g. Europe/Berlin)"
            )
        country = cells.get("country", "").upper()
        if country and not (len(country) == 2 and country.isascii() and country.isalpha()):
            raise OrgImportError(
                number,
                "country",
                f"'{cells['country']}' is not a two-letter country code (e.g. DE)",
            )
        subdivision = cells.get("subdivision", "").upper()
        if subdivision and not country:
            raise OrgImportError(number, "subdivision", "a subdivision needs a country")
        if subdivision and not _SUBDIVISION.fullmatch(subdivision):
            raise OrgImportError(
                number,
                "subdivision",
                f"'{cells['subdivision']}' is not a subdivision code (e.g. BY for Bavaria)",
            )
        rows.append(
            OrgRow(
                row=number,
                email=email,
                name=cells["name"],
                manager_email=cells["manager_email"].lower(),
                department=cells["department"],
                role=role,
                timezone=timezone,
                timezone_source="org" if cells["timezone"] else "default",
                slack_user_id=cells.get("slack_user_id", ""),
                teams_user_id=cells.get("teams_user_id", ""),
                country=country or None,
                subdivision=subdivision or None,
            )
        )
    _check_chain(rows)
    return rows


def _check_chain(rows: list[OrgRow]) -> None:
    by_email = {r.email: r for r in rows}
    tops = []
    for r in rows:
        if not r.manager_email:
            tops.append(r)
        elif r.manager_email not in by_email:
            raise OrgImportError(
                r.row, "manager_email", f"unknown manager {r.manager_email} (not in this file)"
            )
        elif r.manager_email == r.email:
            raise OrgImportError(r.row, "manager_email", "a person cannot be their own manager")
    if len(tops) > 1:
        raise OrgImportError(
            tops[1].row,
            "manager_email",
            f"a second top leader ({tops[1].email}) besides {tops[0].email} (row {tops[0].row}); "
            "give one of them a manager",
        )
    if rows and not tops:
        raise OrgImportError(
            rows[0].row, "manager_email", "nobody is at the top: the manager chain is a cycle"
        )
    reaches_top: set[str] = {t.email for t in tops}
    for r in rows:
        seen: list[str] = []
        current = r.email
        while current not in reaches_top:
            if current in seen:
                cycle = " -> ".join([*seen[seen.index(current) :], current])
                raise OrgImportError(
                    by_email[current].row, "manager_email", f"the manager chain is a cycle: {cycle}"
                )
            seen.append(current)
            current = by_email[current].manager_email
        reaches_top.update(seen)


def apply(
    session: Session, rows: list[OrgRow], progress: Callable[[int], None] | None = None
) -> ImportResult:
    """Upsert ``rows`` (already checked by ``parse``) in the caller's transaction."""
    result = ImportResult()
    existing = {p.email: p for p in session.exec(select(Person))}
    fields = ("name", "department", "role", "timezone", "country", "subdivision")
    created: set[str] = set()
    changed: set[str] = set()
    for r in rows:
        person = existing.get(r.email)
        r = _keep_synced_timezone(r, person)
        if person is None:
            person = Person(
                email=r.email,
                name=r.name,
                department=r.department,
                role=r.role,
                timezone=r.timezone,
                country=r.country,
                subdivision=r.subdivision,
            )
            existing[r.email] = person
            created.add(r.email)
        elif any(getattr(person, f) != getattr(r, f) for f in fields) or not person.active:
            for f in fields:
                setattr(person, f, getattr(r, f))
            person.active = True
            changed.add(r.email)
        person.timezone_source = r.timezone_source
        session.add(person)
        if progress:
            progress(1)
    session.flush()
    in_file = {r.email for r in rows}
    for email, person in existing.items():
        if email not in in_file and person.active:
            person.active = False
            person.manager_id = None
            result.deactivated += 1
    for r in rows:
        person = existing[r.email]
        manager_id = existing[r.manager_email].id if r.manager_email else None
        if person.manager_id != manager_id:
            person.manager_id = manager_id
            changed.add(r.email)
    compute_paths(existing.values(), rows)
    for person in existing.values():
        session.add(person)
    for r in rows:
        if r.slack_user_id:
            link_identity(session, existing[r.email], "slack", r.slack_user_id)
        if r.teams_user_id:
            link_identity(session, existing[r.email], "teams", r.teams_user_id)
    result.created = len(created)
    result.updated = len(changed - created)
    result.unchanged = len(rows) - result.created - result.updated
    return result


def _keep_synced_timezone(row: OrgRow, person: Person | None) -> OrgRow:
    """A row without a time zone keeps the one a directory sync (Slack's tz) filled in."""
    if row.timezone_source == "default" and person and person.timezone_source == "slack":
        return replace(row, timezone=person.timezone, timezone_source="slack")
    return row


def compute_paths(everyone: Iterable[Person], rows: list[OrgRow]) -> None:
    """Set each active person's path ("/top/.../self/") from the chain in ``rows``."""
    by_email = {p.email: p for p in everyone}
    row_of = {r.email: r for r in rows}
    done: dict[str, str] = {}

    def path_of(email: str) -> str:
        if email not in done:
            manager = row_of[email].manager_email
            prefix = path_of(manager) if manager else "/"
            done[email] = f"{prefix}{by_email[email].id}/"
        return done[email]

    for r in rows:
        by_email[r.email].path = path_of(r.email)
    for email, person in by_email.items():
        if email not in row_of:
            person.path = f"/x{person.id}/"


def import_text(
    session: Session,
    text: str,
    *,
    default_timezone: str = "UTC",
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    return apply(session, parse(text, default_timezone=default_timezone), progress)
