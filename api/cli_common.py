"""Helpers shared by the ``shudao`` commands: settings, error handling, output, option parsing.

Owns: reading the settings once per command, printing JSON to stdout and errors to stderr, the
mapping of domain errors to exit codes (each error class carries ``exit_code``), and the parsing
of list and ``--param KEY=VALUE`` options. Command modules (``api.cli``, ``api.cli_maps``,
``api.cli_access``) import from here, never from each other.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console

from api.settings import Settings, get_settings

P = ParamSpec("P")
R = TypeVar("R")

err = Console(stderr=True, highlight=False)
EXIT_BAD_OPTION = 64  # EX_USAGE


def _settings() -> Settings:
    return get_settings()


def _emit_json(payload: Any) -> None:
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, sort_keys=False) + "\n")


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn domain errors into a message on stderr and their exit code."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except typer.Exit:
            raise
        except Exception as exc:
            code = getattr(exc, "exit_code", None)
            if code is None:
                raise
            err.print("[bold red]error:[/] ", end="", markup=True)
            err.print(str(exc), markup=False, soft_wrap=True)
            raise typer.Exit(int(code)) from None

    return wrapper


def _split(values: list[str] | None) -> list[str]:
    out: list[str] = []
    for v in values or []:
        out.extend(x.strip() for x in v.split(",") if x.strip())
    return out


def _overrides(param: list[str] | None, params_file: Path | None) -> dict[str, float]:
    from corridors.params import load_overrides  # noqa: PLC0415

    out: dict[str, float] = load_overrides(params_file) if params_file else {}
    for item in param or []:
        key, sep, value = item.partition("=")
        try:
            if not sep:
                raise ValueError(item)
            out[key.strip()] = float(value)
        except ValueError:
            err.print(f"error: --param expects KEY=NUMBER, got {item!r}")
            raise typer.Exit(EXIT_BAD_OPTION) from None
    return out
