"""culturebot imports only the public API of each dependency: no private module (``_text``)
or private name of another package, and nothing from msrest (unmaintained since 2022 and not
botbuilder's API), so an upgrade of a dependency cannot break it without notice."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OURS = {"bot", "handlers", "storage", "prompts", "tests", "bench", "__future__"}
DEAD = {"msrest"}


def imports(path: Path) -> list[tuple[int, str, str]]:
    """(line, module, name) for each import in the file; name is "" for ``import module``."""
    found: list[tuple[int, str, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name, "") for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.extend((node.lineno, node.module, alias.name) for alias in node.names)
    return found


def test_only_public_apis_of_dependencies_are_imported() -> None:
    wrong = []
    for directory in ("bot", "handlers", "storage", "prompts", "bench", "tests"):
        for path in sorted((ROOT / directory).rglob("*.py")):
            for line, module, name in imports(path):
                top = module.split(".")[0]
                if top in OURS:
                    continue
                private = [p for p in [*module.split(".")[1:], name] if p.startswith("_")]
                if top in DEAD or [p for p in private if not p.startswith("__")]:
                    wrong.append(f"{path.relative_to(ROOT)}:{line}: {module} {name}".strip())
    assert wrong == []
