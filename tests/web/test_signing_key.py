"""The dashboard's signing key: a new SQLite database (which may hold it) is private to its
user (0600; culturebot creates no directory: a mistyped path stays an error), an operator is told when the key lives in the database or the file is readable by
others, and the key rotates with a command."""

from __future__ import annotations

import stat
from pathlib import Path

from bot.core.config import Settings
from storage.db import open_database
from storage.models import Person


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_database_is_private(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    url = f"sqlite:///{path}"
    db = open_database(url)
    with db.session() as session:
        session.add(Person(email="a@x.io", name="A", department="D"))
    with db.engine.connect():  # a connection open: the -wal and -shm files exist
        wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
        assert wal.exists() and shm.exists()
        assert (mode(path), mode(wal), mode(shm)) == (0o600, 0o600, 0o600)
    from storage.db import exposed

    assert exposed(url) == []
    db.dispose()


def test_the_operator_is_told_where_the_key_lives(tmp_path: Path) -> None:
    from handlers.dashboard.access import key_warnings

    path = tmp_path / "bot.db"
    url = f"sqlite:///{path}"
    open_database(url).dispose()
    kept = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
    (warning,) = key_warnings(kept)
    assert "CULTUREBOT_DASHBOARD_SECRET is not set" in warning
    path.chmod(0o644)  # as main created it before
    assert [str(path) in w and "0644" in w for w in key_warnings(kept)] == [False, True]
    configured = Settings(_env_file=None, database_url=url, dashboard_secret="s" * 40)  # type: ignore[call-arg]
    assert key_warnings(configured) == []
