"""``shudao map ...``: briefing maps as offline HTML and as print layouts (PNG, PDF, SVG).

Owns: the ``map`` typer sub-app (``regions``, ``route``, ``corridors``, ``access``, ``flows``),
registered by ``api.cli`` with ``app.add_typer(map_app, name="map")``, and :func:`write_map`,
which writes a scene (also for ``shudao flows --map``). Each command writes ``--out FILE``, the
format following its suffix (``.html`` self-contained and offline unless ``--tiles`` is given;
``.png``, ``.pdf``, ``.svg`` the print layout with ``--paper``, ``--orientation``, ``--dpi``),
and optionally ``--png FILE.png`` as well.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

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
    UnitOpt,
    ViaOpt,
    cli_settings,
    err,
    handle_errors,
    is_scenario_id,
    route_request,
)
from api.cli.common import (
    load_engine as _engine,
)

map_app = typer.Typer(
    help="Briefing maps: offline HTML, print layouts as PNG, PDF or SVG (regions, route, "
    "corridors, access, flows).",
    no_args_is_help=True,
)

OutOpt = Annotated[
    Path,
    typer.Option(
        "--out",
        help="File to write; its suffix sets the format: .html (interactive, offline), .png, "
        ".pdf or .svg (print layout).",
    ),
]
PngOpt = Annotated[
    Path | None, typer.Option("--png", help="Also write the print layout as this PNG.")
]
WidthOpt = Annotated[
    int | None,
    typer.Option("--width", help="HTML: map width in px. PNG: with --height, an exact pixel "
                 "size instead of a paper size.", min=100, max=10000),
]  # fmt: skip
HeightOpt = Annotated[int | None, typer.Option("--height", help="See --width.", min=100, max=10000)]
PaperOpt = Annotated[str, typer.Option("--paper", help="Paper size: A4 or A3.")]
OrientOpt = Annotated[
    str, typer.Option("--orientation", help="Page orientation: landscape or portrait.")
]
DpiOpt = Annotated[int, typer.Option("--dpi", help="PNG resolution (150 or 300 for print).")]
LabelsOpt = Annotated[str, typer.Option("--labels", help="Place names: zh, en or both (stacked).")]
ScenarioOpt = Annotated[
    str,
    typer.Option(
        "--scenario",
        help="Scenario named in the title block; a stored scenario's id (shudao scenario list) "
        "draws the map under that scenario and names its title and version.",
    ),
]
DateOpt = Annotated[
    str | None, typer.Option("--date", help="Date in the title block (default today, UTC).")
]
TilesOpt = Annotated[
    str | None,
    typer.Option(
        "--tiles",
        help="Online basemap of the HTML map: osm, tianditu (key from SHUDAO_TIANDITU_KEY), "
        "amap or an XYZ URL. Default: none (offline vector basemap).",
    ),
]


@dataclass(frozen=True)
class MapOut:
    """Where and how to write a map (the common options of every command)."""

    out: Path
    png: Path | None = None
    width: int | None = None
    height: int | None = None
    tiles: str | None = None
    paper: str = "A4"
    orientation: str = "landscape"
    dpi: int = 150
    labels: str = "both"
    scenario: str = "基准 Baseline"
    date: str | None = None


def _tianditu_key() -> str | None:
    key = getattr(cli_settings(), "tianditu_key", None)
    return str(key) if key else None


def write_map(scene: Any, o: MapOut) -> None:
    """Write *scene* to ``o.out`` in the format of its suffix (and ``o.png`` as well)."""
    from maps.export import export  # noqa: PLC0415
    from maps.layout import OutputFormat, PrintOptions, output_format  # noqa: PLC0415

    fmt = output_format(o.out)
    options = PrintOptions(
        paper=o.paper.upper(),
        orientation=o.orientation.lower(),
        dpi=o.dpi,
        fmt=OutputFormat.PNG,
        labels=o.labels,
        date=o.date or "",
        scenario=o.scenario,
    )
    targets = [(o.out, fmt)]
    if o.png is not None:
        targets.append((o.png, OutputFormat.PNG))
    for path, kind in targets:
        data = export(
            scene, kind, options=options, tiles=o.tiles, tianditu_key=_tianditu_key(),
            width_px=o.width, height_px=o.height,
        )  # fmt: skip
        path.write_bytes(data)
        what = kind.value.upper()
        if kind is OutputFormat.PNG and not (o.width and o.height):
            w, h = options.size_px
            what += f" {options.paper} {options.orientation} {w}x{h} px at {options.dpi} dpi"
        elif kind in {OutputFormat.PDF, OutputFormat.SVG}:
            what += f" {options.paper} {options.orientation} (vector)"
        err.print(f"wrote {path} ({what}, {len(data) / 1e6:.2f} MB)")


def _map_data() -> Any:
    from maps.briefings import MapData  # noqa: PLC0415

    return MapData.load(cli_settings().build_dir)


def _stored_id(scenario: str) -> str | None:
    """The stored scenario id given as ``--scenario``, or None for a plain title-block label."""
    return scenario.strip() if is_scenario_id(scenario) else None


def _label(engine: Any, scenario: str) -> str:
    """The title-block label: a stored scenario's title and version, else *scenario* as given."""
    from maps.scenario_map import title_block_label  # noqa: PLC0415

    ref = _ref(engine)
    return scenario if ref is None else title_block_label(ref)


def _ref(engine: Any) -> Any:
    """The :class:`corridors.scenarios.ScenarioRef` of a scenario's engine (None: baseline)."""
    from corridors.scenarios import ScenarioRef  # noqa: PLC0415

    ref = getattr(engine, "ref", None)
    return ref if isinstance(ref, ScenarioRef) else None


@map_app.command("regions")
@handle_errors
def regions_cmd(
    out: OutOpt,
    png: PngOpt = None,
    width: WidthOpt = None,
    height: HeightOpt = None,
    tiles: TilesOpt = None,
    paper: PaperOpt = "A4",
    orientation: OrientOpt = "landscape",
    dpi: DpiOpt = 150,
    labels: LabelsOpt = "both",
    scenario: ScenarioOpt = "基准 Baseline",
    date: DateOpt = None,
) -> None:
    """Sichuan's 21 prefectures by economic region, hubs, growth poles and corridors out."""
    from maps.briefings import regions_scene  # noqa: PLC0415

    engine = _engine(scenario=_stored_id(scenario))
    scenario = _label(engine, scenario)
    scene = regions_scene(
        data=_map_data(),
        catalog=engine.catalog,
        network=engine.network,
        parameters_version=engine.params.version,
    )
    opts = MapOut(out, png, width, height, tiles, paper, orientation, dpi, labels, scenario, date)
    write_map(scene, opts)


@map_app.command("corridors")
@handle_errors
def corridors_cmd(
    out: OutOpt,
    png: PngOpt = None,
    width: WidthOpt = None,
    height: HeightOpt = None,
    tiles: TilesOpt = None,
    paper: PaperOpt = "A4",
    orientation: OrientOpt = "landscape",
    dpi: DpiOpt = 150,
    labels: LabelsOpt = "both",
    scenario: ScenarioOpt = "基准 Baseline",
    date: DateOpt = None,
) -> None:
    """The international view (Eurasia and ASEAN) with every service."""
    from maps.briefings import corridors_scene  # noqa: PLC0415

    engine = _engine(scenario=_stored_id(scenario))
    scenario = _label(engine, scenario)
    scene = corridors_scene(
        data=_map_data(),
        catalog=engine.catalog,
        network=engine.network,
        parameters_version=engine.params.version,
    )
    opts = MapOut(out, png, width, height, tiles, paper, orientation, dpi, labels, scenario, date)
    write_map(scene, opts)


@map_app.command("route")
@handle_errors
def route_cmd(
    origin: Annotated[str, typer.Argument(help="Origin: name (zh/en), code or 'lon,lat'.")],
    destination: Annotated[str, typer.Argument(help="Destination: name, code or 'lon,lat'.")],
    out: OutOpt,
    png: PngOpt = None,
    width: WidthOpt = None,
    height: HeightOpt = None,
    tiles: TilesOpt = None,
    paper: PaperOpt = "A4",
    orientation: OrientOpt = "landscape",
    dpi: DpiOpt = 150,
    labels: LabelsOpt = "both",
    scenario: ScenarioOpt = "基准 Baseline",
    date: DateOpt = None,
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
    engine = _engine(param, params, scenario=_stored_id(scenario))
    scenario = _label(engine, scenario)
    result = engine.answer(req)
    scene = route_scene(data=_map_data(), result=result, network=engine.network)
    opts = MapOut(out, png, width, height, tiles, paper, orientation, dpi, labels, scenario, date)
    write_map(scene, opts)


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
    width: WidthOpt = None,
    height: HeightOpt = None,
    tiles: TilesOpt = None,
    paper: PaperOpt = "A4",
    orientation: OrientOpt = "landscape",
    dpi: DpiOpt = 150,
    labels: LabelsOpt = "both",
    scenario: ScenarioOpt = "基准 Baseline",
    date: DateOpt = None,
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

    engine = _engine(scenario=_stored_id(scenario))
    scenario = _label(engine, scenario)
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
        scenario=_ref(engine),
    )
    opts = MapOut(out, png, width, height, tiles, paper, orientation, dpi, labels, scenario, date)
    write_map(scene, opts)


@map_app.command("flows")
@handle_errors
def flows_cmd(
    out: OutOpt,
    png: PngOpt = None,
    width: WidthOpt = None,
    height: HeightOpt = None,
    tiles: TilesOpt = None,
    paper: PaperOpt = "A4",
    orientation: OrientOpt = "landscape",
    dpi: DpiOpt = 150,
    labels: LabelsOpt = "both",
    scenario: Annotated[
        str | None,
        typer.Option(
            "--scenario",
            help="A stored scenario's id, a shipped scenario's name (e.g. red-sea-closed) or a "
            "scenario file (.toml/.json): the flows are assigned under it and the title block "
            "names it.",
        ),
    ] = None,
    date: DateOpt = None,
    by: Annotated[
        str, typer.Option("--by", help="Line widths and circle areas by value (CNY) or tonnes.")
    ] = "value",
) -> None:
    """Sichuan's modelled trade on the corridors: line width by value or tonnes, gateway areas."""
    from api.cli.trade import report_and_engine  # noqa: PLC0415
    from maps.trade_map import MEASURES, flow_map_label, trade_flow_scene  # noqa: PLC0415

    if by not in MEASURES:
        err.print(f"error: --by must be value or tonnes, got {by!r}")
        raise typer.Exit(EXIT_BAD_OPTION)
    report, engine, key = report_and_engine(scenario)
    scene = trade_flow_scene(report, engine, key, data=_map_data(), measure=by)
    label = flow_map_label(engine)
    write_map(
        scene, MapOut(out, png, width, height, tiles, paper, orientation, dpi, labels, label, date)
    )
