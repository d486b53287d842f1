"""Fixtures for the HTTP API: one service, around the session's engine, shared by every API test.

Also the browser tests' fixtures: ``module_settings`` (a state directory per module), ``browser``
and ``shots`` (their server and page helpers: ``browser_kit.py``).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient

from api.http.app import create_app
from api.service import Service
from api.settings import Settings
from corridors.engine import Engine

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

# browser_kit's asserts (nothing left 127.0.0.1) explain themselves like a test's
pytest.register_assert_rewrite("browser_kit")


@pytest.fixture(scope="session")
def service(engine: Engine) -> Service:
    """The API's service around the session's one engine."""
    return Service.from_engine(engine, cache_size=256)


@pytest.fixture(scope="session")
def settings(built_dir: Path, data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The server's settings, with a state directory of the test run's own.

    Never the user's ``SHUDAO_STATE_DIR`` or ``data/state``: the schema fuzzing stores
    scenarios and jobs, which must not appear in the store ``make run`` serves.
    """
    state = tmp_path_factory.mktemp("state")
    return Settings(data_dir=data_dir, build_dir=built_dir, cache_size=256, state_dir=state)


@pytest.fixture(scope="module")
def module_settings(
    built_dir: Path, data_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    """:func:`settings` with a state directory of the test module's own: an empty scenario store.

    For the browser tests, whose pages list every stored scenario: the session's store holds
    what other modules (the schema fuzzing among them) saved.
    """
    state = tmp_path_factory.mktemp("state")
    return Settings(data_dir=data_dir, build_dir=built_dir, cache_size=256, state_dir=state)


@pytest.fixture
def client(settings: Settings, service: Service) -> Iterator[TestClient]:
    with TestClient(create_app(settings, service=service), raise_server_exceptions=False) as c:
        yield c


# --------------------------------------------------------------- the browser tests
@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    """One headless Chromium per browser test module, with a fresh profile.

    Only the browser test modules ask for it; they skip without Selenium or Chromium first.
    """
    from browser_kit import chromium_driver  # noqa: PLC0415

    driver = chromium_driver(tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the browser tests save screenshots: ``$SHUDAO_SCREENSHOTS``, or a temporary folder."""
    folder = os.environ.get("SHUDAO_SCREENSHOTS")
    if folder:
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return tmp_path_factory.mktemp("screenshots")


# --------------------------------------------------------------- the scenario store's databases
@dataclass(frozen=True)
class StoreConfig:
    """Where a test's scenario store lives: a database URL (None: SQLite) and a state dir."""

    url: str | None
    state_dir: Path


def _fresh_postgres_database(base_url: str) -> tuple[str, Callable[[], None]]:
    """A new empty database on the test server, and the function that drops it."""
    import sqlalchemy as sa  # noqa: PLC0415

    from api.store import database_url  # noqa: PLC0415

    name = f"shudao_t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(
        database_url(url=base_url, state_dir=Path()), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = base_url.rsplit("/", 1)[0] + "/" + name

    def drop() -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    return url, drop


@pytest.fixture(params=["sqlite", "postgresql"])
def store_config(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreConfig]:
    """A fresh, empty scenario store on SQLite, then on PostgreSQL (a new database per test).

    PostgreSQL is the server of ``SHUDAO_TEST_DATABASE_URL`` (``make test`` starts a throw-away
    cluster with ``tests/pg_cluster.sh`` and sets it). Without it the PostgreSQL cases skip,
    except in CI (``CI`` set), where a missing server is a failure.
    """
    if request.param == "sqlite":
        yield StoreConfig(None, tmp_path / "state")
        return
    base = os.environ.get("SHUDAO_TEST_DATABASE_URL")
    if not base:
        reason = "no PostgreSQL test server: SHUDAO_TEST_DATABASE_URL is unset (make test sets it)"
        if os.environ.get("CI"):
            pytest.fail(reason + "; CI must run the store tests on PostgreSQL too")
        pytest.skip(reason)
    url, drop = _fresh_postgres_database(base)
    try:
        yield StoreConfig(url, tmp_path / "state")
    finally:
        drop()
