"""What `culturebot run` writes to its log, from a real process: JSON lines whose times are
RFC 3339 with milliseconds, and nothing at INFO on each tick (APScheduler's lines are DEBUG),
so a quiet bot's log stays quiet however long it runs."""

from __future__ import annotations

import json
import re
import signal
import sqlite3
from collections import Counter
from datetime import datetime
from pathlib import Path

from tests.procs import Bot, _base_env, cli, wait_until

RFC3339_MS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d)")


def test_a_running_bot_logs_rfc3339_times_and_no_line_per_tick(tmp_path: Path) -> None:
    path = tmp_path / "culturebot.db"
    env = _base_env(f"sqlite:///{path}", tick_seconds=1, log_format="json")
    cli(["status"], env)  # the database, upgraded
    seen: set[str] = set()

    def ticked_five_times() -> bool:
        """Each tick renews the scheduler lease: five renewals, five ticks at least."""
        with sqlite3.connect(path) as db:
            row = db.execute("SELECT expires_at FROM scheduler_lease").fetchone()
        if row:
            seen.add(row[0])
        return len(seen) >= 5

    bot = Bot(env, tmp_path / "run.log")
    try:
        wait_until(ticked_five_times, 60, "five scheduler ticks")
        bot.signal(signal.SIGTERM)
        assert bot.wait(60) == 0
        output = bot.output()
    finally:
        bot.end()
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
    assert lines, output
    for line in lines:
        assert RFC3339_MS.fullmatch(line["time"]), line
        assert datetime.fromisoformat(line["time"]).tzinfo is not None
    loud = [line for line in lines if line["level"] != "DEBUG"]
    assert not [line for line in loud if line["logger"].startswith("apscheduler")], output
    repeated = Counter((line["logger"], line["message"]) for line in loud).most_common(1)
    assert repeated[0][1] == 1, repeated  # said once, at start or stop: nothing per tick
