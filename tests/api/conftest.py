"""Fixtures for the HTTP API: one service, around the session's engine, shared by every API test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.http.app import create_app
from api.service import Service
from api.settings import Settings
from corridors.engine import Engine


@pytest.fixture(scope="session")
def service(engine: Engine) -> Service:
    """The API's service around the session's one engine."""
    return Service.from_engine(engine, cache_size=256)


@pytest.fixture(scope="session")
def settings(built_dir: Path, data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, build_dir=built_dir, cache_size=256)


@pytest.fixture
def client(settings: Settings, service: Service) -> Iterator[TestClient]:
    with TestClient(create_app(settings, service=service), raise_server_exceptions=False) as c:
        yield c
