"""Settings, read once from the environment (prefix ``SHUDAO_``) by pydantic-settings.

Owns: where the curated data (``data/geo``) and the build cache live. Nothing else in the project
reads the environment.
"""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

# The repository root when installed in editable/development mode (the supported install).
_REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Runtime settings.

    Attributes
    ----------
    data_dir : Path
        Curated tables (places, prefectures, parameters, services, network repair links).
    build_dir : Path
        Cache of built layers; ``shudao data build`` writes it.
    """

    model_config = SettingsConfigDict(env_prefix="SHUDAO_", extra="ignore", frozen=True)

    data_dir: Path = _REPO_ROOT / "data" / "geo"
    build_dir: Path = _REPO_ROOT / "data" / "geo" / "build"


def get_settings() -> Settings:
    """Read the settings from the environment (call once per process)."""
    return Settings()
