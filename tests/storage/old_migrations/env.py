"""Alembic environment: runs on the engine the application hands in (see storage.db)."""

from alembic import context

from storage.tables import metadata

engine = context.config.attributes["engine"]

with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # SQLite alters a table by copying it, dropping the old one and renaming the copy
        # (batch mode): with foreign keys enforced, dropping a table that other rows point at
        # fails, so upgrading any database with data would. SQLite ignores this pragma inside
        # a transaction, so it is set (and committed) before the migrations' transaction.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
    try:
        with connection.begin():
            context.configure(
                connection=connection,
                target_metadata=metadata,
                render_as_batch=sqlite,
                compare_type=True,
            )
            context.run_migrations()
    finally:
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()
