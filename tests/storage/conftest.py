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
    """``blank()`` makes another empty database (a SQLite file, or a PostgreSQL schema dropped
    after the test): SQLite always, PostgreSQL when configured."""
    if request.param == "postgres" and not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("CULTUREBOT_REQUIRE_POSTGRES=1 but CULTUREBOT_TEST_POSTGRES_URL is empty")
        pytest.skip("CULTUREBOT_TEST_POSTGRES_URL is not set")
    made: list[Database] = []
    schemas: list[str] = []

    def make() -> Database:
        if request.param == "sqlite":
            db = Database(f"sqlite:///{tmp_path / f'blank{len(made)}.db'}")
        else:
            schema = f"cb_blank_{uuid.uuid4().hex[:12]}"
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            schemas.append(schema)
            db = Database(_with_schema(POSTGRES_URL or "", schema))
        made.append(db)
        return db

    admin = create_engine(normalise_url(POSTGRES_URL)) if request.param == "postgres" else None
    yield make
    for db in made:
        db.dispose()
    if admin is not None:
        with admin.begin() as conn:
            for schema in schemas:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
