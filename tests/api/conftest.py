"""Fixtures for the HTTP API: one loaded service shared by every API test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.http.app import create_app
from api.service import Service
from api.settings import Settings


@pytest.fixture(scope="session")
def service(built_dir: Path, data_dir: Path) -> Service:
    return Service.load(data_dir=data_dir, build_dir=built_dir, cache_size=256)


@pytest.fixture(scope="session")
def settings(built_dir: Path, data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, build_dir=built_dir, cache_size=256)


@pytest.fixture
def client(settings: Settings, service: Service) -> Iterator[TestClient]:
    with TestClient(create_app(settings, service=service), raise_server_exceptions=False) as c:
        yield c
