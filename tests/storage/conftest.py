"""Empty databases (no migration run yet) on each backend, for tests of the migrations."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from storage.db import Database, normalise_url
from tests.conftest import BACKENDS, POSTGRES_URL, REQUIRE_POSTGRES, _with_schema


@pytest.fixture(params=BACKENDS)
def blank(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], Database]]:
    """``blank()`` makes another empty database: a SQLite file, or a PostgreSQL schema of its
    own (dropped after the test) when the test server is configured."""
    if request.param == "postgres" and not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("CULTUREBOT_REQUIRE_POSTGRES=1 but CULTUREBOT_TEST_POSTGRES_URL is empty")
        pytest.skip("CULTUREBOT_TEST_POSTGRES_URL is not set")
    admin = create_engine(normalise_url(POSTGRES_URL)) if POSTGRES_URL else None
    made: list[Database] = []
    schemas: list[str] = []

    def make() -> Database:
        if admin is None or request.param == "sqlite":
            made.append(Database(f"sqlite:///{tmp_path / f'blank{len(made)}.db'}"))
            return made[-1]
        schemas.append(f"cb_blank_{uuid.uuid4().hex[:12]}")
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schemas[-1]}"'))
        made.append(Database(_with_schema(str(POSTGRES_URL), schemas[-1])))
        return made[-1]

    yield make
    for db in made:
        db.dispose()
    if admin is not None:
        with admin.begin() as conn:
            for schema in schemas:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
