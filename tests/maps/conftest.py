"""Fixtures of the map tests: one engine and one set of display layers per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from corridors.engine import Engine
from maps.briefings import MapData


@pytest.fixture(scope="session")
def engine(data_dir: Path, built_dir: Path) -> Engine:
    """The corridor engine, loaded once (about 8 s)."""
    return Engine.load(data_dir=data_dir, build_dir=built_dir)


@pytest.fixture(scope="session")
def map_data(built_dir: Path) -> MapData:
    """The boundary layers simplified for display, loaded once."""
    return MapData.load(built_dir)
