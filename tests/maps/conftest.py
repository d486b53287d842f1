"""Fixtures of the map tests: one set of display layers per session (the engine: tests/conftest)."""

from __future__ import annotations

from pathlib import Path

import pytest

from maps.briefings import MapData


@pytest.fixture(scope="session")
def map_data(built_dir: Path) -> MapData:
    """The boundary layers simplified for display, loaded once."""
    return MapData.load(built_dir)
