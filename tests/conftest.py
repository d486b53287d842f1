"""Shared fixtures: where the curated data and the built layers are, and a no-network guard."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DATA_DIR = REPO / "data" / "geo"
BUILD_DIR = DATA_DIR / "build"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The curated tables shipped in the repository (``data/geo``)."""
    return DATA_DIR


@pytest.fixture(scope="session")
def built_dir() -> Path:
    """The built layers (``data/geo/build``), built once here if the cache has no manifest.

    ``make test`` runs ``shudao data build`` before pytest, so this normally just returns the path.
    """
    if not (BUILD_DIR / "manifest.json").exists():
        from gis.build import build_all  # noqa: PLC0415

        build_all(BUILD_DIR, data_dir=DATA_DIR)
    return BUILD_DIR


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
