"""Import the organisation from CSV: validate everything first, then upsert in one transaction.

A file with any problem is refused whole, with the row and column named, and nothing is
written. Re-importing is idempotent; people missing from the file are deactivated (never
deleted: their history and their place in past cascades stay intact).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlmodel import Session, select

from handlers.people.workdays import region_problem
from prompts import available_locales
from prompts.languages import language_of
from storage.dashboard import revoke as revoke_dashboard_access
from storage.models import ROLES, Identity, Person
from storage.people import PLATFORM_ZONES, link_identity

REQUIRED = ("email", "name", "manager_email", "department", "role", "timezone")
OPTIONAL = ("slack_user_id", "teams_user_id", "country", "subdivision", "locale")


MAX_ERRORS = 50  # a bad file lists this many problems, then how many more there are
MAX_DEPTH = 100  # levels from the top leader down; deeper is a mistake (and overflows paths)
# the longest value a free-form column may hold (the person and identity tables' limits);
# role, timezone, country and subdivision are checked against what they may be instead
MAX_LENGTH = {
    "email": 320,
    "name": 200,
    "manager_email": 320,
    "department": 120,
    "slack_user_id": 200,
    "teams_user_id": 200,
}
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")
_DELIMITERS = (",", ";", "\t")


@dataclass(frozen=True)
class Problem:
    """What is wrong with one cell of the file; ``row`` counts the header as row 1."""

    row: int
    column: str
    problem: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.problem}"


class OrgImportError(Exception):
    """A refused file: every problem found (up to MAX_ERRORS), the first one also as
    ``row``/``column``/``problem``."""

    def __init__(self, row: int, column: str, problem: str) -> None:
        self.problems = [Problem(row, column, problem)]
        self.more = 0
        super().__init__(str(self.problems[0]))
        self.row, self.column, self.problem = row, column, problem

    @classmethod
    def of(cls, problems: list[Problem]) -> OrgImportError:
        first = problems[0]
        error = cls(first.row, first.column, first.problem)
        error.problems = problems[:MAX_ERRORS]
        error.more = len(problems) - len(error.problems)
        error.args = (error.describe(),)
        return error

    def describe(self) -> str:
        """One problem per line (the first MAX_ERRORS), then how many more there are."""
        lines = [str(p) for p in self.problems]
        if self.more:
            lines.append(f"... and {self.more} more problems")
        return "\n".join(lines)


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
    locale: str | None = None  # a language culturebot has ("de"; "de-DE" in the file)
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


def delimiter_of(text: str) -> str:
    """The delimiter the header line uses: ",", ";" or a tab (whichever it has most of)."""
    header = text.lstrip("\ufeff").partition("\n")[0]
    return max(_DELIMITERS, key=header.count)


def parse(text: str, *, default_timezone: str = "UTC") -> list[OrgRow]:
    """Read and check every row; raise OrgImportError listing every problem found."""
    text = text.lstrip("\ufeff")
    problems: list[Problem] = []
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, len(text) + 1))  # long cells are measured, not crashed on
    try:
        rows = _read(text, default_timezone, problems)
    finally:
        csv.field_size_limit(limit)
    if not problems:
        _check_chain(rows, problems)
    if problems:
        raise OrgImportError.of(problems)
    return rows


def _read(text: str, default_timezone: str, problems: list[Problem]) -> list[OrgRow]:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter_of(text))
    try:
        header = [h.strip().lower() for h in next(reader, [])]
    except csv.Error as error:
        problems.append(Problem(1, "(header)", f"not a CSV header line ({error})"))
        return []
    missing = [c for c in REQUIRED if c not in header]
    for column in missing:
        problems.append(Problem(1, column, "this column is missing from the header"))
    if missing:
        return []
    rows: list[OrgRow] = []
    first_seen: dict[tuple[str, str], int] = {}
    while True:
        try:
            values = next(reader, None)
        except csv.Error as error:
            problems.append(Problem(reader.line_num, "(whole row)", f"not CSV ({error})"))
            break
        if values is None:
            break
        number = reader.line_num
        if not any(v.strip() for v in values):
            continue  # a blank line
        cells = dict.fromkeys(header, "")  # a short row leaves its last cells empty
        cells.update((c, v.strip()) for c, v in zip(header, values, strict=False))
        before = len(problems)

        def bad(column: str, problem: str, number: int = number) -> None:
            problems.append(Problem(number, column, problem))

        if len(values) > len(header) and any(v.strip() for v in values[len(header) :]):
            bad("(whole row)", f"{len(values)} cells but the header names {len(header)}")
        for column, most in MAX_LENGTH.items():
            if len(cells.get(column, "")) > most:
                bad(column, f"{len(cells[column]):,} characters; the most is {most}")
        for column in ("role", "timezone", "country", "subdivision", "locale"):
            if len(cells.get(column, "")) > 200:  # not worth quoting back
                bad(column, f"{len(cells[column]):,} characters is not a {column}")
        for column, value in cells.items():
            control = next((c for c in value if unicodedata.category(c) == "Cc"), None)
            if control is not None:
                bad(column, f"holds a control character (U+{ord(control):04X})")
        if len(problems) > before:
            continue  # the cells are not worth reading further
        row = _row(number, cells, default_timezone, bad)
        for column in ("email", "slack_user_id", "teams_user_id"):
            value = cells.get(column, "")
            if not value:
                continue
            if (column, value.lower()) in first_seen:
                first = first_seen[column, value.lower()]
                bad(column, f"duplicate {column} {value} (first on row {first})")
            else:
                first_seen[column, value.lower()] = number
        if row is not None and len(problems) == before:
            rows.append(row)
    if not rows and not problems:
        problems.append(Problem(2, "email", "the file has a header but nobody in it"))
    return rows


def _row(
    number: int, cells: dict[str, str], default_timezone: str, bad: Callable[[str, str], None]
) -> OrgRow | None:
    """One row's person, or None after reporting through ``bad`` what is wrong with it."""
    problems = 0

    def refuse(column: str, problem: str) -> None:
        nonlocal problems
        problems += 1
        bad(column, problem)

    email = cells["email"].lower()
    if not _EMAIL.fullmatch(email):
        refuse("email", f"'{cells['email']}' is not an email address")
    manager_email = cells["manager_email"].lower()
    if manager_email and not _EMAIL.fullmatch(manager_email):
        refuse("manager_email", f"'{cells['manager_email']}' is not an email address")
    if not cells["name"]:
        refuse("name", "a name is required")
    if not cells["department"]:
        refuse("department", "a department is required")
    role = cells["role"].lower() or "employee"
    if role not in ROLES:
        refuse("role", f"unknown role '{cells['role']}' (use one of: {', '.join(ROLES)})")
    timezone = cells["timezone"] or default_timezone
    if not _valid_timezone(timezone):
        refuse("timezone", f"unknown IANA time zone '{timezone}' (e.g. Europe/Berlin)")
    country = cells.get("country", "").upper()
    subdivision = cells.get("subdivision", "").upper()
    if country and not (len(country) == 2 and country.isascii() and country.isalpha()):
        refuse("country", f"'{cells['country']}' is not a two-letter country code (e.g. DE)")
    elif subdivision and not country:
        refuse("subdivision", "a subdivision needs a country")
    elif subdivision and not _SUBDIVISION.fullmatch(subdivision):
        refuse(
            "subdivision",
            f"'{cells['subdivision']}' is not a subdivision code (e.g. BY for Bavaria)",
        )
    elif country and (unknown := region_problem(country, subdivision or None)):
        refuse(*unknown)  # well-formed, but no holiday calendar: say so rather than skip it
    locale = cells.get("locale", "")
    if locale and language_of(locale) is None:
        have = ", ".join(available_locales())
        refuse("locale", f"culturebot has no language '{locale}' (use one of: {have})")
    for column in ("slack_user_id", "teams_user_id"):
        if any(c.isspace() for c in cells.get(column, "")):
            refuse(column, f"'{cells[column]}' is not a {column.replace('_', ' ')} (no spaces)")
    if problems:
        return None
    return OrgRow(
        row=number,
        email=email,
        name=cells["name"],
        manager_email=manager_email,
        department=cells["department"],
        role=role,
        timezone=timezone,
        timezone_source="org" if cells["timezone"] else "default",
        slack_user_id=cells.get("slack_user_id", ""),
        teams_user_id=cells.get("teams_user_id", ""),
        country=country or None,
        subdivision=subdivision or None,
        locale=language_of(locale),
    )


def _check_chain(rows: list[OrgRow], problems: list[Problem]) -> None:
    """One top leader, every manager in the file, no cycle, at most MAX_DEPTH levels.
    Iterative, so a chain of any length listed in any order is checked without recursion."""
    by_email = {r.email: r for r in rows}
    tops = [r for r in rows if not r.manager_email]
    for r in rows:
        if r.manager_email == r.email:
            problems.append(Problem(r.row, "manager_email", "a person cannot be their own manager"))
        elif r.manager_email and r.manager_email not in by_email:
            problems.append(
                Problem(
                    r.row, "manager_email", f"unknown manager {r.manager_email} (not in this file)"
                )
            )
    for extra in tops[1:]:
        problems.append(
            Problem(
                extra.row,
                "manager_email",
                f"a second top leader ({extra.email}) besides {tops[0].email} "
                f"(row {tops[0].row}); give one of them a manager",
            )
        )
    if problems:
        return
    if not tops:
        problems.append(
            Problem(
                rows[0].row, "manager_email", "nobody is at the top: the manager chain is a cycle"
            )
        )
    depth: dict[str, int] = {t.email: 1 for t in tops}
    in_cycle: set[str] = set()
    too_deep = False
    for r in rows:
        walk: list[str] = []
        on_walk: set[str] = set()
        current = r.email
        while current not in depth and current not in in_cycle:
            if current in on_walk:
                cycle = walk[walk.index(current) :]
                in_cycle.update(cycle)
                problems.append(
                    Problem(
                        by_email[current].row,
                        "manager_email",
                        f"the manager chain is a cycle: {' -> '.join([*cycle[:10], current])}"
                        + (f" (and {len(cycle) - 10} more)" if len(cycle) > 10 else ""),
                    )
                )
                break
            walk.append(current)
            on_walk.add(current)
            current = by_email[current].manager_email
        if current in in_cycle:
            in_cycle.update(walk)
            continue
        level = depth[current]
        for email in reversed(walk):
            level += 1
            depth[email] = level
        if not too_deep and depth[r.email] > MAX_DEPTH:
            too_deep = True
            problems.append(
                Problem(
                    r.row,
                    "manager_email",
                    f"{r.email} is {depth[r.email]} levels below the top leader; "
                    f"culturebot supports at most {MAX_DEPTH}",
                )
            )


@dataclass
class ImportPlan:
    """What importing the rows would do, person by person (``org import --dry-run``)."""

    added: list[str] = field(default_factory=list)  # "email (name)"
    changed: list[str] = field(default_factory=list)  # "email: department Sales -> Ops"
    moved: list[str] = field(default_factory=list)  # "email: manager a@x -> b@x"
    deactivated: list[str] = field(default_factory=list)
    reactivated: list[str] = field(default_factory=list)
    unchanged: int = 0
    active_before: int = 0

    @property
    def deactivated_share(self) -> float:
        return len(self.deactivated) / self.active_before if self.active_before else 0.0

    def sections(self) -> list[tuple[str, list[str]]]:
        return [
            ("added", self.added),
            ("changed", self.changed),
            ("moved", self.moved),
            ("deactivated", self.deactivated),
            ("reactivated", self.reactivated),
        ]


class DeactivationRefused(Exception):
    """The file would deactivate more of the active people than the configured share."""

    def __init__(self, plan: ImportPlan, max_share: float) -> None:
        super().__init__(
            f"this file would deactivate {len(plan.deactivated)} of the {plan.active_before} "
            f"active people ({plan.deactivated_share:.0%}), more than "
            f"CULTUREBOT_MAX_DEACTIVATE_SHARE ({max_share:.0%}) allows. Check the file (is "
            "it the whole organisation?), look with --dry-run, or, if it is right, run again "
            "with --allow-deactivate"
        )
        self.plan = plan


_COMPARED = ("name", "department", "role", "timezone", "country", "subdivision", "locale")


def plan(session: Session, rows: list[OrgRow]) -> ImportPlan:
    """What ``apply`` would do with ``rows`` (already checked by ``parse``); writes nothing."""
    result = ImportPlan()
    existing = {p.email: p for p in session.exec(select(Person))}
    email_of = {p.id: p.email for p in existing.values()}
    result.active_before = sum(p.active for p in existing.values())
    linked = {
        (i.platform, i.external_id): (i.person_id, email_of.get(i.person_id, ""))
        for i in session.exec(select(Identity))
    }
    for r in rows:
        person = existing.get(r.email)
        if person is None:
            result.added.append(f"{r.email} ({r.name})")
            continue
        r = _keep_synced_timezone(r, person)
        differs = [
            f"{f} {getattr(person, f) or '-'} -> {getattr(r, f) or '-'}"
            for f in _COMPARED
            if getattr(person, f) != getattr(r, f)
        ]
        for platform, external_id in (("slack", r.slack_user_id), ("teams", r.teams_user_id)):
            owner_id, owner = linked.get((platform, external_id), (None, ""))
            if external_id and owner_id is not None and owner_id != person.id:
                differs.append(f"{platform}_user_id {external_id} moves here from {owner}")
        old_manager = email_of.get(person.manager_id, "") if person.manager_id else ""
        if not person.active:
            result.reactivated.append(f"{r.email} ({r.name})")
        if differs:
            result.changed.append(f"{r.email}: {'; '.join(differs)}")
        if person.active and old_manager != r.manager_email:
            result.moved.append(
                f"{r.email}: manager {old_manager or '(none)'} -> {r.manager_email or '(none)'}"
            )
        if person.active and not differs and old_manager == r.manager_email:
            result.unchanged += 1
    in_file = {r.email for r in rows}
    result.deactivated = sorted(
        f"{p.email} ({p.name})" for p in existing.values() if p.active and p.email not in in_file
    )
    return result


def guard_deactivation(plan: ImportPlan, max_share: float, *, allow: bool) -> None:
    """Refuse a file that would deactivate more than ``max_share`` of the active people."""
    if not allow and plan.deactivated_share > max_share:
        raise DeactivationRefused(plan, max_share)


def apply(
    session: Session, rows: list[OrgRow], progress: Callable[[int], None] | None = None
) -> ImportResult:
    """Upsert ``rows`` (already checked by ``parse``) in the caller's transaction."""
    result = ImportResult()
    existing = {p.email: p for p in session.exec(select(Person))}
    fields = _COMPARED
    created: set[str] = set()
    changed: set[str] = set()
    revoked: list[int | None] = []  # deactivated or back: their dashboard access ends
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
                locale=r.locale,
            )
            existing[r.email] = person
            created.add(r.email)
        elif any(getattr(person, f) != getattr(r, f) for f in fields) or not person.active:
            for f in fields:
                setattr(person, f, getattr(r, f))
            if not person.active:
                revoked.append(person.id)  # back, with no link or session of before
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
            revoked.append(person.id)
    revoke_dashboard_access(session, revoked)
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
    """A row without a time zone keeps the one a chat platform filled in (Slack's ``tz``,
    Teams' ``localTimezone``)."""
    if row.timezone_source == "default" and person and person.timezone_source in PLATFORM_ZONES:
        return replace(row, timezone=person.timezone, timezone_source=person.timezone_source)
    return row


def compute_paths(everyone: Iterable[Person], rows: list[OrgRow]) -> None:
    """Set each active person's path ("/top/.../self/") from the chain in ``rows``."""
    by_email = {p.email: p for p in everyone}
    row_of = {r.email: r for r in rows}
    done: dict[str, str] = {}
    for r in rows:  # iterative: rows may list a chain bottom-up
        walk: list[str] = []
        current = r.email
        while current and current not in done:
            walk.append(current)
            current = row_of[current].manager_email
        prefix = done[current] if current else "/"
        for email in reversed(walk):
            prefix = done[email] = f"{prefix}{by_email[email].id}/"
        by_email[r.email].path = done[r.email]
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
