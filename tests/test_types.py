"""Types are checked (issue 22): mypy, configured in pyproject.toml ([tool.mypy]), finds no
error in bot/, handlers/ or storage/, and the few `type: ignore`s left each name their error
code and say why.

One test, as one mypy run is slow-ish (its cache in .mypy_cache/ makes reruns quick).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent
PACKAGES = ("bot", "handlers", "storage")
MOST_IGNORES = 20
# `# type: ignore[code, ...]  # why`: the codes and a reason after them
EXPLAINED = re.compile(r"# type: ignore\[[a-z-]+(, [a-z-]+)*\]  # \S")


def test_mypy_finds_no_error_and_every_ignore_says_why() -> None:
    ignores = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "type: ignore" in line
    ]
    unexplained = [line for line in ignores if not EXPLAINED.search(line)]
    assert not unexplained, "name the error code and the reason:\n" + "\n".join(unexplained)
    assert len(ignores) <= MOST_IGNORES, "\n".join(ignores)

    done = subprocess.run(
        [sys.executable, "-m", "mypy", *PACKAGES],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert "Success: no issues found" in done.stdout
