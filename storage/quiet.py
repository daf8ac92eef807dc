"""An idle tick without the ORM: "nothing is due and nothing changed since the last full tick".

Most ticks find nothing to do, yet a full ``culturebot tick`` imports SQLAlchemy, SQLModel and
every table first (over 0.3 s). This module lets the command answer such a tick with the
standard library and the plain DB-API driver alone. It holds no rule of its own: the full tick
(bot.app.run_due) works out, with every job's own ``next_due``, the moment before which no job
can have work while the database stays as it is, and records it with the report it printed
(``storage.tick_state``). Here a tick trusts that record only while all of these hold:

- the clock is before that moment;
- nothing was written since: every table a tick job reads has triggers that add a row to
  ``tick_change`` on INSERT, UPDATE and DELETE (``TRIGGERS``; a test fails for a table without
  them unless ``UNTRACKED`` names it with its reason), and the record is only kept by a full tick
  during which no write at all was committed (the race is in ``storage.tick_state``);
- the code and the settings are those that made the record (``basis``), and the schema is at
  this code's newest migration.

Anything else, or any error on the way, and the full tick runs as before.
"""

from __future__ import annotations

import ast
import hashlib
import os
import re
from functools import cache
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = Path(__file__).parent / "migrations"
PACKAGES = ("bot", "handlers", "storage", "prompts")
DEFAULT_URL = "sqlite:///culturebot.db"  # bot.core.config.Settings.database_url's default

# Tables with no trigger, each with why no tick job's decision depends on its writes. A write
# that does matter to a tick and lands in one of these in the same transaction as a write to a
# tracked table is still seen (scrub marks are written with the deletes they ask to scrub).
UNTRACKED = {
    "tick_state": "the record itself: every full tick writes it",
    "tick_change": "the changes themselves",
    "alembic_version": "checked on its own: the fast path needs the schema at this code's head",
    "scheduler_lease": "which instance ticks; no job reads it",
    "processed_event": "inbound retries already handled; no job reads it",
    "rate_budget": "delivery's send pacing; no job reads it",
    "dashboard_session": "dashboard sign-ins; no job reads them",
    "dashboard_token_use": "dashboard links used; no job reads them",
    "job_mark": (
        "the jobs' own marks, written by the tick itself (the invitations' watermark each tick:"
        " an older one only makes the next full tick read further back); a scrub mark is"
        " written with the deletes it asks to scrub, which are tracked"
    ),
}
# Tables tracked for some statements only: delivery updates an outbox row's status many times
# a second while sending, and a tick reads the outbox only through the idempotency keys of
# what it queues (a row inserted or deleted changes those; a status does not).
PARTLY = {"outbox": ("INSERT", "DELETE")}
STATEMENTS = ("INSERT", "UPDATE", "DELETE")

# PostgreSQL: one tick_change row per transaction that writes (a transaction-local setting
# remembers it was added), so a bulk write of 10,000 rows adds one row, not 10,000, and
# concurrent writers never wait for each other on it (no shared counter row to lock).
PG_FUNCTION = """
CREATE OR REPLACE FUNCTION tick_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('culturebot.tick_changed', true), '') <> '1' THEN
        INSERT INTO tick_change DEFAULT VALUES;
        PERFORM set_config('culturebot.tick_changed', '1', true);
    END IF;
    RETURN NULL;
END $$
"""


def trigger_sql(dialect: str, table: str) -> list[str]:
    """The statements that make a write to ``table`` add a row to tick_change (a migration
    creating a table runs them: ``op.execute`` each)."""
    if table in UNTRACKED:
        return []
    events = PARTLY.get(table, STATEMENTS)
    if dialect == "postgresql":
        return [
            f'DROP TRIGGER IF EXISTS tick_change ON "{table}"',
            f'CREATE TRIGGER tick_change AFTER {" OR ".join(events)} ON "{table}"'
            " FOR EACH ROW EXECUTE FUNCTION tick_changed()",
        ]
    # SQLite writes one transaction at a time: one row (id 1) says "changed", kept if there
    return [
        f'CREATE TRIGGER IF NOT EXISTS "tick_change_{table}_{event.lower()}" AFTER {event}'
        f' ON "{table}" BEGIN INSERT OR IGNORE INTO tick_change (id) VALUES (1); END'
        for event in events
    ]


# a module-level ``revision = ...`` / ``down_revision = ...`` (annotated or not) and its value:
# a string, None, or a tuple of strings (which may span lines)
_ASSIGNMENT = re.compile(
    r"""^(revision|down_revision)\b[^=\n]*=\s*(\([^)]*\)|"[^"]*"|'[^']*'|None)""", re.M
)


@cache
def script_heads() -> frozenset[str]:
    """The newest migrations shipped with this code: revisions no other revision builds on.

    Read from the revision files' ``revision``/``down_revision`` assignments without importing
    them or Alembic, and without parsing them whole (every command checks the heads: a regular
    expression takes a tenth of ``ast.parse``'s time); a test checks the answer against
    Alembic's own ``get_heads``."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        for name, value in _ASSIGNMENT.findall(path.read_text(encoding="utf-8")):
            parsed = ast.literal_eval(value)
            if name == "revision":
                revisions.add(parsed)
            else:
                parents.update([parsed] if isinstance(parsed, str) else parsed or ())
    return frozenset(revisions - parents)


@cache
def _code() -> str:
    """The code this process runs, as the name, size and time of each of its files when it
    first asked (a deployment changes them; reading them all would cost more)."""
    digest = hashlib.sha256()
    for package in PACKAGES:
        for folder, subfolders, files in sorted(os.walk(ROOT / package)):
            subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
            for name in sorted(files):
                info = os.stat(os.path.join(folder, name))
                digest.update(f"{folder}/{name}:{info.st_size}:{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _settings_input() -> tuple[dict[str, str], bytes]:
    """What the settings are read from: the environment's variables they may read and the
    bytes of ./.env (pydantic-settings' ``env_file``)."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name.upper().startswith(("CULTUREBOT_", "SLACK_", "MICROSOFTAPP"))
    }
    try:
        dotenv = Path(".env").read_bytes()
    except OSError:
        dotenv = b""
    return env, dotenv


def basis() -> str:
    """What a recorded quiet time was worked out with: the code and the settings' input."""
    env, dotenv = _settings_input()
    digest = hashlib.sha256(_code().encode())
    for name in sorted(env):
        digest.update(f"{name}={env[name]}\n".encode())
    digest.update(dotenv)
    return digest.hexdigest()


def database_url() -> str:
    """``Settings().database_url`` without pydantic: the environment (any case), else ./.env,
    else the default (a test checks the two agree)."""
    env, dotenv = _settings_input()
    for name, value in env.items():
        if name.upper() == "CULTUREBOT_DATABASE_URL":
            return value
    if dotenv:
        from dotenv import dotenv_values

        for name, found in dotenv_values(".env").items():
            if name.upper() == "CULTUREBOT_DATABASE_URL" and found is not None:
                return found
    return DEFAULT_URL


READ = (
    "SELECT quiet_until, basis, report,"
    " (SELECT count(*) FROM tick_change) FROM tick_state WHERE id = 1"
)


def idle_report(url: str, now: float) -> str | None:
    """The report of the last full tick when it still holds at ``now`` (seconds since the
    epoch): nothing due before its quiet time, nothing written since, same code, settings and
    schema. None means "run the full tick" (also when anything here fails)."""
    try:
        row, versions = _read(url)
    except Exception:  # noqa: BLE001 - any doubt (no file, no table, old schema): full tick
        return None
    if row is None or versions != script_heads():
        return None
    quiet_until, recorded_basis, report, changes = row
    if quiet_until is None or now >= quiet_until or changes or recorded_basis != basis():
        return None
    return str(report)


def _read(url: str) -> tuple[tuple | None, frozenset[str]]:
    """The tick_state row and the schema's revisions, read in one transaction."""
    scheme, _, rest = url.partition("://")
    if scheme.split("+")[0] in ("postgresql", "postgres"):
        import psycopg
        from psycopg.conninfo import make_conninfo

        # the query's parameters as SQLAlchemy reads them (a "+" is a space), given to libpq
        parts = urlsplit(f"postgresql://{rest}")
        params = dict(parse_qsl(parts.query))
        conninfo = make_conninfo(urlunsplit(parts._replace(query="")), **params)
        with psycopg.connect(conninfo) as conn, conn.transaction():
            row = conn.execute(READ).fetchone()
            versions = conn.execute("SELECT version_num FROM alembic_version").fetchall()
        return row, frozenset(v for (v,) in versions)
    if scheme.split("+")[0] != "sqlite" or not rest.startswith("/") or "?" in rest:
        raise ValueError(f"not a SQLite file: {url}")
    import sqlite3

    # mode=rw: a missing file stays missing (the full tick says why)
    lite = sqlite3.connect(f"file:{quote(rest[1:])}?mode=rw", uri=True, isolation_level=None)
    try:
        lite.execute("BEGIN")
        found = lite.execute(READ).fetchone()
        revisions = lite.execute("SELECT version_num FROM alembic_version").fetchall()
        lite.execute("COMMIT")
    finally:
        lite.close()
    return found, frozenset(v for (v,) in revisions)
