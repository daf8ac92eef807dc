"""The cascade tables as migrated match the models, and the uniqueness they rely on holds."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from storage.models import ProcessedEvent
from storage.sql import insert_ignore
from storage.tables import metadata


def test_migrated_schema_matches_the_models(database) -> None:
    with database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_insert_ignore_tells_new_rows_from_repeats(runtime) -> None:
    """Exactly-once reaching depends on this answer, on SQLite and on PostgreSQL."""
    row = {"platform": "console", "event_id": "e1", "created_at": runtime.clock.now()}
    with runtime.db.session() as session:
        assert insert_ignore(session, ProcessedEvent, row) is True
        assert insert_ignore(session, ProcessedEvent, row) is False
        assert insert_ignore(session, ProcessedEvent, {**row, "event_id": "e2"}) is True
