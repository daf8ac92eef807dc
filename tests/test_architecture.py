"""The house (docs/architecture.md): arrows point down, no circles, a package per capability.

The contracts live in pyproject.toml ([tool.importlinter]); this runs them, so a change that
makes a floor import the one above it fails here with the offending import named.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).parent.parent
PACKAGES = ("bot", "handlers", "storage", "prompts")


def test_the_import_contracts_hold() -> None:
    lint = Path(sys.executable).parent / "lint-imports"
    done = subprocess.run(
        [str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "BROKEN" not in done.stdout and " KEPT" in done.stdout


def test_no_culturebot_module_imports_itself_round_a_circle() -> None:
    # every import counts, a function-level one too; imports only for type checkers do not run
    sys.path.insert(0, str(ROOT))
    try:
        graph = grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True, cache_dir=None)
    finally:
        sys.path.remove(str(ROOT))
    circles = []
    for module in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            back = graph.find_shortest_chain(importer=imported, imported=module)
            if back:
                circles.append(" -> ".join((module, *back)))
    assert not circles, "\n".join(circles)


def test_handlers_holds_only_capability_packages() -> None:
    handlers = ROOT / "handlers"
    loose = sorted(p.name for p in handlers.glob("*.py") if p.name != "__init__.py")
    assert not loose, f"modules outside a capability package: {loose}"
    packages = sorted(p for p in handlers.iterdir() if (p / "__init__.py").exists())
    assert {p.name for p in packages} >= {"pulse", "cascade", "stories", "roadmap", "reports"}
    for package in packages:
        text = (package / "__init__.py").read_text()
        docstring = text.strip()
        assert docstring.startswith('"""') and docstring.endswith('"""'), package
        assert len(docstring.splitlines()) <= 3, f"{package.name}: at most three lines"


def test_the_command_line_is_a_package_that_keeps_its_entry_points() -> None:
    assert (ROOT / "bot" / "cli" / "__init__.py").exists()
    assert not (ROOT / "bot" / "cli.py").exists()
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--version"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and done.stdout.strip(), done.stderr
