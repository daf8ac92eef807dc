"""The released migration chain (0001 to 0016, with its merges), frozen before it was squashed
into storage/migrations/versions/0016_baseline.py: tests build databases as released
versions left them, and check the baseline against it."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

from storage.db import alembic_config

FOLDER = Path(__file__).parent / "old_migrations"
HEAD = "0016_person_spacing"  # the released head, which the baseline keeps as its id


def config(engine: Engine) -> Config:
    """Alembic's configuration for the frozen chain, on ``engine``."""
    cfg = alembic_config(engine)
    cfg.set_main_option("script_location", str(FOLDER))
    return cfg


def upgrade(engine: Engine, revision: str = HEAD) -> None:
    """Run the frozen chain up to ``revision``, as a released version did."""
    command.upgrade(config(engine), revision)
    engine.dispose()  # the chain changes SQLite's foreign_keys pragma on its connections
