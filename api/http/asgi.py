"""ASGI entry point for process managers: ``uvicorn api.http.asgi:app`` (settings from the env)."""

from __future__ import annotations

from api.http.app import create_app
from api.settings import get_settings

app = create_app(get_settings())
