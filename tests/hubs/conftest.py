from __future__ import annotations

from pathlib import Path

import pytest

from hubs import Catalog, PlaceResolver, load_catalog

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "geo"


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(DATA_DIR)


@pytest.fixture(scope="session")
def resolver(catalog: Catalog) -> PlaceResolver:
    return PlaceResolver(catalog.places)
