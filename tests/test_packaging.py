"""The top-level packages come from this project, not from unrelated PyPI distributions.

PyPI has distributions called ``gis`` and ``maps``; if one were installed and shadowed ours, every
import below would silently load foreign code.
"""

from __future__ import annotations

import importlib
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", ["gis", "hubs", "corridors", "maps", "api"])
def test_package_is_ours(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__file__ is not None
    assert Path(module.__file__).resolve().parent == REPO / name
    assert module.__doc__, f"{name} must say what it owns"


def test_console_script_declared() -> None:
    meta = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))
    assert meta["project"]["scripts"]["shudao"] == "api.cli:main"
    assert meta["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"] == [
        "gis",
        "hubs",
        "corridors",
        "maps",
        "api",
    ]
