"""Shared fixtures: the curated data, the built layers, ONE loaded engine, and a no-network guard.

The engine is loaded once per test run (``engine``, session scope) and shared by the corridor,
map and API tests; :func:`reuse_engine` lets a CLI test run the real command line while its
``Engine.load`` returns that shared engine (a load with parameter overrides still loads anew).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from corridors.engine import Engine

REPO = Path(__file__).resolve().parent.parent
DATA_DIR = REPO / "data" / "geo"
# ``SHUDAO_BUILD_DIR`` points the tests at a private build (e.g. of a branch's changed tables).
BUILD_DIR = Path(os.environ.get("SHUDAO_BUILD_DIR") or DATA_DIR / "build")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that needs the built layers (its fixtures reach ``built_dir``) ``build``.

    ``pytest -m "not build"`` then runs the tests that need only the repository's files.
    """
    for item in items:
        if "built_dir" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.build)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The curated tables shipped in the repository (``data/geo``)."""
    return DATA_DIR


@pytest.fixture(scope="session")
def built_dir() -> Path:
    """The built layers (``data/geo/build`` or ``$SHUDAO_BUILD_DIR``), built here if no manifest.

    ``make test`` runs ``shudao data build`` before pytest, so this normally just returns the path.
    """
    if not (BUILD_DIR / "manifest.json").exists():
        from gis.build import build_all  # noqa: PLC0415

        build_all(BUILD_DIR, data_dir=DATA_DIR, finish=_measure_services)
    return BUILD_DIR


def _measure_services(out_dir: Path) -> None:
    """Store the measured service network in a new build, as ``shudao data build`` does."""
    from corridors.engine import endpoint_of  # noqa: PLC0415
    from corridors.netstore import build_network  # noqa: PLC0415
    from corridors.tables import load_tables  # noqa: PLC0415

    tables = load_tables(DATA_DIR, build_dir=out_dir)
    terminals = {p.id: endpoint_of(p) for p in tables.catalog.places}
    build_network(list(tables.records), terminals, data_dir=DATA_DIR, build_dir=out_dir)


@pytest.fixture(scope="session")
def engine(built_dir: Path, data_dir: Path) -> Engine:
    """The corridor engine on the real data, loaded once for the whole test run."""
    return Engine.load(data_dir=data_dir, build_dir=built_dir)


@pytest.fixture
def reuse_engine(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """Make ``Engine.load`` return the shared engine unless parameters are overridden.

    The CLI commands then run for real (parsing, settings, resolution, output, exit codes)
    without loading the engine again; ``--param``/``--params`` still load a fresh engine.
    """
    real: Callable[..., Engine] = Engine.load

    def load(
        _cls: type[Engine],
        *,
        overrides: Mapping[str, float] | None = None,
        parameters_path: Path | None = None,
        **kwargs: Any,
    ) -> Engine:
        if overrides or parameters_path is not None:
            return real(overrides=overrides, parameters_path=parameters_path, **kwargs)
        return engine

    monkeypatch.setattr(Engine, "load", classmethod(load))
    return engine


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test that tries to open a network connection (loopback stays allowed)."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and host not in {"127.0.0.1", "localhost", "::1"}:
            msg = f"network access attempted in a test: {address!r}"
            raise RuntimeError(msg)
        return real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)
