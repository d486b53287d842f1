"""Settings, read once from the environment (prefix ``SHUDAO_``) by pydantic-settings.

Owns: where the curated data (``data/geo``) and the build cache live, and the HTTP service's
limits and switches (CORS origins, optional API key, request timeout, batch size, cache size,
the Tianditu key for online basemaps). Nothing else in the project reads the environment.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# The repository root when installed in editable/development mode (the supported install).
_REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Runtime settings (environment variables ``SHUDAO_<NAME>``).

    Attributes
    ----------
    data_dir : Path
        Curated tables (places, prefectures, parameters, services, network repair links).
    build_dir : Path
        Cache of built layers; ``shudao data build`` writes it.
    cors_origins : list of str
        Origins allowed by CORS; empty (the default) means CORS is closed.
    api_key : str or None
        When set, every ``/v1``, OGC and ``/maps`` request must send it in ``X-API-Key``.
    request_timeout_s : float
        A single route or map request that takes longer is answered 504.
    batch_timeout_s : float
        Time budget of one ``POST /v1/estimates`` batch; rows not reached are reported per row.
    max_batch_rows : int
        Largest batch accepted by ``POST /v1/estimates``.
    cache_size : int
        Route estimates kept in the in-memory LRU cache (0 disables the cache).
    tianditu_key : str or None
        Key for Tianditu basemap tiles (online maps only).
    """

    model_config = SettingsConfigDict(env_prefix="SHUDAO_", extra="ignore", frozen=True)

    data_dir: Path = _REPO_ROOT / "data" / "geo"
    build_dir: Path = _REPO_ROOT / "data" / "geo" / "build"
    cors_origins: list[str] = Field(default_factory=list)
    api_key: str | None = None
    request_timeout_s: float = Field(default=30.0, gt=0)
    batch_timeout_s: float = Field(default=300.0, gt=0)
    max_batch_rows: int = Field(default=1000, ge=1, le=1000)
    cache_size: int = Field(default=4096, ge=0)
    tianditu_key: str | None = None


def get_settings() -> Settings:
    """Read the settings from the environment (call once per process)."""
    return Settings()
