"""``shudao map ...``: briefing maps as offline HTML and PNG.

Owns: the ``map`` typer sub-app (``regions``, ``route``, ``corridors``, ``access``), registered by
``api.cli`` with ``app.add_typer(map_app, name="map")``. Each command writes ``--out FILE.html``
(self-contained, offline unless ``--tiles`` is given) and optionally ``--png FILE.png``
(headless Chromium, or matplotlib when no browser is installed or ``--static-png``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from api.cli.common import (
    AlternativesOpt,
    AvoidOpt,
    ModesOpt,
    ObjectiveOpt,
    ParamOpt,
    ParamsOpt,
    ParetoOpt,
    QuantityOpt,
    UnitOpt,
    ViaOpt,
    cli_settings,
    err,
    handle_errors,
    route_request,
)
from api.cli.common import (
    load_engine as _engine,
)

map_app = typer.Typer(
    help="Briefing maps: offline HTML and PNG (regions, route, corridors, access).",
    no_args_is_help=True,
)

OutOpt = Annotated[Path, typer.Option("--out", help="HTML file to write (self-contained).")]
PngOpt = Annotated[Path | None, typer.Option("--png", help="Also write a PNG screenshot.")]
WidthOpt = Annotated[int, typer.Option("--width", help="PNG width in pixels.", min=100, max=10000)]
HeightOpt = Annotated[
    int, typer.Option("--height", help="PNG height in pixels.", min=100, max=10000)
]
TilesOpt = Annotated[
    str | None,
    typer.Option(
        "--tiles",
        help="Online basemap: osm, tianditu (key from SHUDAO_TIANDITU_KEY), amap or an XYZ URL. "
        "Default: none (offline vector basemap).",
    ),
]
StaticOpt = Annotated[
    bool, typer.Option("--static-png", help="Draw the PNG with matplotlib, not Chromium.")
]


def _tianditu_key() -> str | None:
    key = getattr(cli_settings(), "tianditu_key", None)
    return str(key) if key else None


def _write(scene: Any, *, out: Path, png: Path | None, width: int, height: int, tiles: str | None,
           static: bool) -> None:  # fmt: skip
    from maps.export import scene_html, scene_png  # noqa: PLC0415

    key = _tianditu_key()
    html = scene_html(scene, tiles=tiles, tianditu_key=key)
    out.write_text(html, encoding="utf-8")
    err.print(f"wrote {out} ({len(html.encode('utf-8')) / 1e6:.2f} MB)")
    if png is not None:
        res = scene_png(
            scene,
            width_px=width,
            height_px=height,
            tiles=None,
            renderer="matplotlib" if static else "auto",
        )
        png.write_bytes(res.png)
        err.print(f"wrote {png} ({width}x{height}, {res.renderer})")


def _map_data() -> Any:
    from maps.briefings import MapData  # noqa: PLC0415

    return MapData.load(cli_settings().build_dir)


@map_app.command("regions")
@handle_errors
def regions_cmd(
    out: OutOpt,
    png: PngOpt = None,
    width: WidthOpt = 1600,
    height: HeightOpt = 1000,
    tiles: TilesOpt = None,
    static_png: StaticOpt = False,
) -> None:
    """Sichuan's 21 prefectures by economic region, hubs, growth poles and corridors out."""
    from maps.briefings import regions_scene  # noqa: PLC0415

    engine = _engine()
    scene = regions_scene(data=_map_data(), catalog=engine.catalog, network=engine.network)
    _write(scene, out=out, png=png, width=width, height=height, tiles=tiles, static=static_png)


@map_app.command("corridors")
@handle_errors
def corridors_cmd(
    out: OutOpt,
    png: PngOpt = None,
    width: WidthOpt = 1600,
    height: HeightOpt = 1000,
    tiles: TilesOpt = None,
    static_png: StaticOpt = False,
) -> None:
    """The international view (Eurasia and ASEAN) with every service."""
    from maps.briefings import corridors_scene  # noqa: PLC0415

    engine = _engine()
    scene = corridors_scene(data=_map_data(), catalog=engine.catalog, network=engine.network)
    _write(scene, out=out, png=png, width=width, height=height, tiles=tiles, static=static_png)


@map_app.command("route")
@handle_errors
def route_cmd(
    origin: Annotated[str, typer.Argument(help="Origin: name (zh/en), code or 'lon,lat'.")],
    destination: Annotated[str, typer.Argument(help="Destination: name, code or 'lon,lat'.")],
    out: OutOpt,
    png: PngOpt = None,
    width: WidthOpt = 1600,
    height: HeightOpt = 1000,
    tiles: TilesOpt = None,
    static_png: StaticOpt = False,
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
) -> None:
    """Map the routes from ORIGIN to DESTINATION: alternatives, comparison, legs, borders."""
    from maps.briefings import route_scene  # noqa: PLC0415

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
    engine = _engine(param, params)
    result = engine.answer(req)
    scene = route_scene(data=_map_data(), result=result, network=engine.network)
    _write(scene, out=out, png=png, width=width, height=height, tiles=tiles, static=static_png)


@map_app.command("access")
@handle_errors
def access_cmd(
    to: Annotated[
        str,
        typer.Option(
            "--to", help="Hub kind: bonded_zone, rail_port, airport, river_port, border_crossing."
        ),
    ],
    out: OutOpt,
    png: PngOpt = None,
    width: WidthOpt = 1600,
    height: HeightOpt = 1000,
    tiles: TilesOpt = None,
    static_png: StaticOpt = False,
    counties: Annotated[
        bool, typer.Option("--counties", help="Open with the county choropleth shown.")
    ] = False,
    res_arcsec: Annotated[
        float, typer.Option(help="Raster cell size in arc-seconds.", min=1.0, max=3600.0)
    ] = 30.0,
) -> None:
    """Hours to the nearest hub of a kind: raster overlay with a colour bar, county choropleth."""
    import time  # noqa: PLC0415

    from corridors.accessibility import access_raster, county_summary  # noqa: PLC0415
    from gis.layers import read_layer  # noqa: PLC0415
    from maps.access_map import access_scene  # noqa: PLC0415

    engine = _engine()
    build_dir = cli_settings().build_dir
    t0 = time.perf_counter()
    raster = access_raster(engine, to, build_dir=build_dir, res_deg=res_arcsec / 3600.0)
    county_layer = read_layer(build_dir / "counties.parquet")
    summary = county_summary(raster, county_layer)
    err.print(
        f"raster {raster.grid.width} x {raster.grid.height} in {time.perf_counter() - t0:.1f} s"
    )
    scene = access_scene(
        data=_map_data(),
        catalog=engine.catalog,
        raster=raster,
        summary=summary,
        counties=county_layer,
        show_counties=counties,
    )
    _write(scene, out=out, png=png, width=width, height=height, tiles=tiles, static=static_png)
