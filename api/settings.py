"""Settings, read once from the environment (prefix ``SHUDAO_``) by pydantic-settings.

Owns: where the curated data (``data/geo``) and the build cache live, and the HTTP service's
limits and switches (CORS origins, optional API key, request timeout, batch size, cache size,
the Tianditu key for online basemaps, the public base URL of links, the durable state). Nothing
else in the project reads the environment. Lists are given comma-separated
(``SHUDAO_CORS_ORIGINS=https://a.example,https://b.example``) or as JSON; a bad value raises
:class:`SettingsError` listing every bad variable, one line each (exit 2, no traceback).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from gis.errors import ShudaoError

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
    public_url : str or None
        Base URL of absolute links (OGC links, job ``href``), e.g. ``https://gis.example/shudao``;
        when unset, links use the request's host only if it is in ``trusted_hosts``, else the
        address the server listens on (never an arbitrary ``Host`` header).
    trusted_hosts : list of str
        Host names whose ``Host`` header may be used for links when ``public_url`` is unset.
    max_body_bytes : int
        Largest request body accepted (413 above).
    max_url_chars : int
        Longest request target (path and query) accepted (414 above).
    state_dir : Path
        Durable service state (the matrix job store ``jobs.sqlite3``); git-ignored.
    max_pending_jobs : int
        Most matrix jobs queued or running at once; more are answered 429 with Retry-After.
    job_keep_s : float
        Seconds a finished job and its result are kept before they are purged.
    cache_mb : float
        Most MiB of route JSON the estimate cache holds (with ``cache_size`` entries at most).
    database_url : str or None
        The scenario store's database, e.g. ``postgresql://user@host/shudao`` (psycopg 3, with
        PostGIS); unset, the store is the SQLite file ``scenarios.sqlite3`` in ``state_dir``.
    worker_processes : int
        Processes that render maps and compute matrices (direct and jobs) apart from the event
        loop and the route threads (:mod:`api.pool`); each holds a loaded service (about
        0.75 GB after maps and matrices, 2026-12-05). 0 runs that work in threads of the
        server process, as before.
    """

    model_config = SettingsConfigDict(env_prefix="SHUDAO_", extra="ignore", frozen=True)

    data_dir: Path = _REPO_ROOT / "data" / "geo"
    build_dir: Path = _REPO_ROOT / "data" / "geo" / "build"
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    api_key: str | None = None
    request_timeout_s: float = Field(default=30.0, gt=0)
    batch_timeout_s: float = Field(default=300.0, gt=0)
    max_batch_rows: int = Field(default=1000, ge=1, le=1000)
    cache_size: int = Field(default=4096, ge=0)
    tianditu_key: str | None = None
    public_url: str | None = None
    trusted_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # assumption: a full 1,000-row estimates batch of long place names is ~150 KB; 1 MiB leaves
    # room and refuses the 10 MB body of the issue.
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    # assumption: 8 KiB is the usual proxy limit (nginx large_client_header_buffers 8k).
    max_url_chars: int = Field(default=8192, ge=256)
    state_dir: Path = _REPO_ROOT / "data" / "state"
    max_pending_jobs: int = Field(default=8, ge=1, le=1000)
    job_keep_s: float = Field(default=86_400.0, gt=0)
    cache_mb: float = Field(default=64.0, ge=0)
    database_url: str | None = None
    # assumption: 2 on the 2-core machine, one for a matrix job and one for maps and direct
    # matrices (README, "Load and soak": RSS per worker measured there)
    worker_processes: int = Field(default=2, ge=0, le=16)

    @field_validator("cors_origins", "trusted_hosts", mode="before")
    @classmethod
    def _split_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [item.strip() for item in text.split(",") if item.strip()]
        return value

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            if origin == "*":
                continue
            parts = urlsplit(origin)
            if parts.scheme not in {"http", "https"} or not parts.netloc or parts.path:
                msg = f"{origin!r} is not an origin (scheme://host[:port], no path), or '*'"
                raise ValueError(msg)
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        scheme = value.partition("://")[0]
        if scheme not in {"postgresql", "postgres", "postgresql+psycopg", "sqlite"}:
            msg = f"{scheme!r} is not a supported database (postgresql://... or sqlite:///...)"
            raise ValueError(msg)
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.netloc or parts.query:
            msg = f"{value!r} is not an http(s) base URL without a query"
            raise ValueError(msg)
        return value.rstrip("/")


class SettingsError(ShudaoError, ValueError):
    """One or more ``SHUDAO_*`` environment values are invalid (every one is listed)."""

    status = 500
    type_slug = "settings"
    exit_code = 64

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{len(problems)} bad setting(s) in the environment:\n{lines}")


def get_settings() -> Settings:
    """Read the settings from the environment (call once per process).

    Raises
    ------
    SettingsError
        Listing every bad ``SHUDAO_*`` value, one line each, with what is accepted.
    """
    try:
        return Settings()
    except ValidationError as exc:
        problems = []
        for e in exc.errors():
            name = "SHUDAO_" + "_".join(str(p) for p in e["loc"][:1]).upper()
            given = e.get("input")
            msg = str(e["msg"]).removeprefix("Value error, ")
            problems.append(f"{name}={given!s}: {msg}" if given is not None else f"{name}: {msg}")
        raise SettingsError(problems) from None
    except (ValueError, json.JSONDecodeError) as exc:  # e.g. a list that is not valid JSON
        raise SettingsError([str(exc)]) from None
