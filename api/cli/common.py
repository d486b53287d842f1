"""Helpers shared by the ``shudao`` commands: settings, error handling, output, option parsing.

Owns: reading the settings once per command, printing JSON to stdout and errors to stderr, the
mapping of domain errors to exit codes (each error class carries ``exit_code``), and the parsing
of list and ``--param KEY=VALUE`` options. Command modules (``api.cli``, ``api.cli.maps``,
``api.cli.access``) import from here, never from each other.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console

from api.settings import Settings, get_settings

if TYPE_CHECKING:
    from api.store import ScenarioStore
    from corridors.engine import Engine
    from corridors.request import RouteOptions, RouteRequest

P = ParamSpec("P")
R = TypeVar("R")

err = Console(stderr=True, highlight=False)
EXIT_BAD_OPTION = 64  # EX_USAGE


def cli_settings() -> Settings:
    """The settings of this command (read from the environment)."""
    return get_settings()


def emit_json(payload: Any) -> None:
    """Print *payload* as one line of JSON on stdout."""
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


# Options shared by every command that prices routes (route, map route, matrix).
UnitOpt = Annotated[str, typer.Option(help="Cargo unit: FEU, TEU, tonne or kg.")]
QuantityOpt = Annotated[float, typer.Option(help="Number of units (finite, > 0).")]
AlternativesOpt = Annotated[int, typer.Option(help="How many routes (1-10).")]
ParetoOpt = Annotated[bool, typer.Option(help="Return the Pareto set (time, cost, CO2).")]
ModesOpt = Annotated[
    str | None, typer.Option(help="Main modes allowed, e.g. rail,sea (road access always).")
]
ViaOpt = Annotated[list[str] | None, typer.Option(help="Place(s) to pass, in order.")]
AvoidOpt = Annotated[
    list[str] | None,
    typer.Option(help="Places, border crossings or sea passages (suez, malacca, ...)."),
]
ObjectiveOpt = Annotated[str, typer.Option(help="time, cost, co2 or generalized.")]
ParamOpt = Annotated[
    list[str] | None,
    typer.Option(help="Parameter override KEY=VALUE, e.g. modes.rail.speed_kph=45."),
]
ParamsOpt = Annotated[Path | None, typer.Option(help="TOML file of parameter overrides.")]
StoredScenarioOpt = Annotated[
    str | None,
    typer.Option(
        "--scenario",
        help="Id of a stored scenario (shudao scenario list) to compute under / 情景编号.",
    ),
]


def route_request(origin: str, destination: str, **options: Any) -> RouteRequest:
    """Validate a route's CLI arguments with the one set of rules (:mod:`corridors.request`).

    Comma lists are split and every bad option is named at once (exit 64).
    """
    from corridors.request import parse_request  # noqa: PLC0415

    return parse_request({"origin": origin, "destination": destination, **options})


def route_options(**options: Any) -> RouteOptions:
    """Validate route options without ends (``shudao matrix``); see :func:`route_request`."""
    from corridors.request import parse_options  # noqa: PLC0415

    return parse_options(options)


def load_engine(
    param: list[str] | None = None, params: Path | None = None, *, scenario: str | None = None
) -> Engine:
    """Load the corridor engine from the settings, with ``--param``/``--params`` overrides.

    With *scenario* (a stored scenario's id) the engine is the baseline with that scenario
    applied (validated against the data first; its results name the scenario and version).
    """
    from corridors.engine import Engine  # noqa: PLC0415 (keep `--help` fast)

    settings = cli_settings()
    stored = cli_store().get(scenario) if scenario else None  # an unknown id fails before loading
    err.print("loading the engine ...")
    engine = Engine.load(
        data_dir=settings.data_dir,
        build_dir=settings.build_dir,
        overrides=_overrides(param, params),
    )
    if stored is None:
        return engine
    from api.service import engine_under  # noqa: PLC0415

    return engine_under(engine, stored)


def cli_store() -> ScenarioStore:
    """The scenario store of the settings (the server's: same state dir or database URL)."""
    from api.store import open_store  # noqa: PLC0415 (SQLAlchemy only when needed)

    settings = cli_settings()
    return open_store(url=settings.database_url, state_dir=settings.state_dir, pooled=False)


UUID_TEXT = re.compile(r"^[0-9A-Fa-f]{8}-?(?:[0-9A-Fa-f]{4}-?){3}[0-9A-Fa-f]{12}$")


def is_scenario_id(text: str | None) -> bool:
    """Whether *text* has the form of a stored scenario's id (a UUID)."""
    return bool(text and UUID_TEXT.match(text.strip()))
