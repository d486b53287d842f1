"""Module boundaries: one-way imports between packages, and no import of private names."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("gis", "hubs", "corridors", "maps", "api")
LAYER = {name: i for i, name in enumerate(PACKAGES)}


def _imports(path: Path) -> list[tuple[int, str, tuple[str, ...]]]:
    tree = ast.parse(path.read_text("utf-8"))
    out: list[tuple[int, str, tuple[str, ...]]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append((node.lineno, node.module, tuple(a.name for a in node.names)))
        elif isinstance(node, ast.Import):
            out.extend((node.lineno, a.name, ()) for a in node.names)
    return out


def _sources() -> list[Path]:
    roots = [*PACKAGES, "bench", "tests"]
    return sorted(p for r in roots for p in (REPO / r).rglob("*.py"))


def test_no_module_imports_another_modules_private_names() -> None:
    hits = []
    for path in _sources():
        for line, module, names in _imports(path):
            if module.split(".")[0] not in PACKAGES:
                continue
            hits += [
                f"{path.relative_to(REPO)}:{line} {module}.{n}"
                for n in names
                if n.startswith("_") and not n.startswith("__")
            ]
    assert hits == []


def test_imports_flow_one_way_between_packages() -> None:
    """Packages import only those below them (gis <- hubs <- corridors <- maps <- api)."""
    hits = []
    for pkg in PACKAGES:
        for path in sorted((REPO / pkg).rglob("*.py")):
            for line, module, _ in _imports(path):
                top = module.split(".")[0]
                if top in LAYER and LAYER[top] > LAYER[pkg]:
                    hits.append(f"{path.relative_to(REPO)}:{line} imports {module}")
    assert hits == []
