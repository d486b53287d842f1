"""``/maps``: the briefing maps over HTTP: self-contained HTML (iframe-ready), print layouts.

Owns: the map endpoints (``regions``, ``corridors``, ``route``, ``access``, ``flows``; ``.html``,
and the print layout as ``.png``, ``.pdf`` and ``.svg`` with ``paper``, ``orientation``, ``dpi``,
``labels`` and ``scenario``), their size and basemap parameters, the picklable description of
a map (:class:`MapTask`) and its renderer (:func:`render_map`), run in the worker processes of
:mod:`api.pool` with the request timeout (never on the server's GIL; the flow map, whose trade
model is cached in the server, runs in the server's lane of seconds-long work), the title-block
label of a map drawn under a stored scenario (``scenario=ID``: its title and version), the
per-service cache of accessibility rasters (one per hub kind on the baseline, and the most recent
:data:`SCENARIO_ACCESS_RASTERS` per (hub kind, scenario id, version); each computed on first
use, about 3 s; a worker process keeps its own), and the per-service cache of rendered flow maps
(:data:`FLOW_MAPS` answers, keyed by the trade scenario key, which holds a stored scenario's id
and version, the measure, the format and every option). The maps themselves are :mod:`maps`'
business.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.http.deps import (
    ScenarioQuery,
    get_service,
    lookup_scenario,
    run_heavy,
    run_limited,
)
from api.http.problems import problem, problem_responses
from api.http.routes import RouteReq
from api.http.trade_routes import TradeScenarioQuery, trade_engine, trade_report
from api.service import Service
from api.settings import Settings
from corridors.request import RouteRequest
from corridors.scenarios import ScenarioRef
from maps.access_map import access_scene, scenario_subtitle
from maps.briefings import corridors_scene, regions_scene, route_scene
from maps.export import export, scene_html
from maps.layout import MEDIA_TYPES, OutputFormat, PrintOptions
from maps.scenario_map import title_block_label
from maps.scene import Scene
from maps.trade_map import flow_map_label, trade_flow_scene

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from api.store import StoredScenario
    from corridors.accessibility import AccessRaster
    from corridors.engine import Engine

router = APIRouter(
    prefix="/maps", tags=["maps"], responses=problem_responses(401, 422, 500, 503, 504)
)
ServiceDep = Annotated[Service, Depends(get_service)]
Width = Annotated[int, Query(ge=200, le=4000, description="Pixels (PNG; HTML when given).")]
Height = Annotated[int, Query(ge=200, le=4000, description="Pixels (PNG; HTML when given).")]
Tiles = Annotated[
    str | None,
    Query(pattern=r"^(osm|tianditu|amap)$", description="Online basemap; default offline."),
]
PNG: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/png": {}}, "description": "PNG image"}
}
PRINT: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"application/pdf": {}, "image/svg+xml": {}},
        "description": "Print layout, vector PDF or SVG",
    }
}


class Paper(StrEnum):
    """ISO 216 paper sizes of the print layouts."""

    A4 = "A4"
    A3 = "A3"


class Orientation(StrEnum):
    """Page orientation of the print layouts."""

    landscape = "landscape"
    portrait = "portrait"


class Labels(StrEnum):
    """Language of the place names."""

    zh = "zh"
    en = "en"
    both = "both"


def print_options(
    paper: Annotated[Paper, Query(description="Paper size (print layouts).")] = Paper.A4,
    orientation: Annotated[
        Orientation, Query(description="Page orientation (print layouts).")
    ] = Orientation.landscape,
    dpi: Annotated[int, Query(ge=30, le=600, description="PNG resolution, in its metadata.")] = 150,
    labels: Annotated[Labels, Query(description="Place names: zh, en or both.")] = Labels.both,
    scenario: Annotated[
        str, Query(max_length=80, description="Scenario named in the title block.")
    ] = "基准 Baseline",
) -> PrintOptions:
    """The print options of a map request (query parameters)."""
    return PrintOptions(
        paper=paper.value,
        orientation=orientation.value,
        dpi=dpi,
        labels=labels.value,
        scenario=scenario,
    )


PrintDep = Annotated[PrintOptions, Depends(print_options)]
OptWidth = Annotated[
    int | None, Query(ge=200, le=4000, description="PNG: exact pixel width (with height).")
]
OptHeight = Annotated[
    int | None, Query(ge=200, le=4000, description="PNG: exact pixel height (with width).")
]
HTML: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {}}, "description": "Self-contained HTML page"}
}


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


Built = tuple[Scene, ScenarioRef | None]
"""What a map builder returns: the scene, and the stored scenario it was drawn under (or None)."""


def scenario_ref(engine: Engine) -> ScenarioRef | None:
    """The scenario an engine was built from (None for the baseline engine)."""
    ref = getattr(engine, "ref", None)
    return ref if isinstance(ref, ScenarioRef) else None


def _named(scene: Scene, ref: ScenarioRef | None) -> Scene:
    """*scene* with the scenario it was drawn under named in its subtitle (HTML and print)."""
    if ref is None:
        return scene
    parts = [scene.subtitle, scenario_subtitle(ref)]
    return replace(scene, subtitle=" · ".join(p for p in parts if p))


@dataclass(frozen=True)
class MapTask:
    """One map to draw, picklable: rendered by :func:`render_map` in a worker process.

    ``map`` is ``regions``, ``corridors``, ``route`` (with ``req``) or ``access`` (with
    ``access_kind``); ``scenario`` is the stored scenario already looked up (or None).
    """

    map: str
    fmt: OutputFormat
    req: RouteRequest | None = None
    scenario: StoredScenario | None = None
    access_kind: str | None = None
    show_counties: bool = False
    tiles: str | None = None
    tianditu_key: str | None = None
    width: int | None = None
    height: int | None = None
    labels: str = "both"
    options: PrintOptions | None = None


def map_scene(service: Service, task: MapTask) -> Built:
    """The scene of *task* on *service* (the baseline, or the engine of its scenario).

    Returns the scene and the stored scenario it was drawn under (None on the baseline); the
    scenario is named in the subtitle.
    """
    engine = service.engine_for(task.scenario)
    ref = scenario_ref(engine)
    if task.map == "access":
        raster, summary, counties = access_inputs(service, str(task.access_kind), task.scenario)
        scene = access_scene(
            data=service.map_data,
            catalog=engine.catalog,
            raster=raster,
            summary=summary,
            counties=counties,
            show_counties=task.show_counties,
            scenario=ref,
        )
        return scene, ref
    if task.map == "route":
        if task.req is None:
            msg = "a route map needs its request"
            raise ValueError(msg)
        result = service.route_result(task.req, scenario=task.scenario)
        scene = route_scene(data=service.map_data, result=result, network=engine.network)
        return _named(scene, ref), ref
    scene_fn = {"regions": regions_scene, "corridors": corridors_scene}[task.map]
    overview: Scene = scene_fn(
        data=service.map_data,
        catalog=engine.catalog,
        network=engine.network,
        parameters_version=engine.params.version,
    )
    return _named(overview, ref), ref


def render_map(service: Service, task: MapTask) -> bytes:
    """*task* drawn on *service*: the HTML page (UTF-8) or the print layout (PNG, PDF, SVG).

    A task of :func:`api.http.deps.run_heavy`: it runs in a worker process (or a route thread
    without them) and returns the bytes sent. Drawn under a stored scenario, the title block's
    scenario line is its title and version (``title_block_label``), whatever ``scenario`` held
    as a label.
    """
    scene, ref = map_scene(service, task)
    if task.fmt is OutputFormat.HTML:
        return scene_html(
            scene,
            tiles=task.tiles,
            tianditu_key=task.tianditu_key,
            width_px=task.width,
            height_px=task.height,
            labels=task.labels,
        ).encode("utf-8")
    opts = task.options
    if ref is not None:
        opts = replace(opts or PrintOptions(), scenario=title_block_label(ref))
    exact = task.fmt is OutputFormat.PNG and task.width is not None and task.height is not None
    return export(
        scene,
        task.fmt,
        options=opts,
        width_px=task.width if exact else None,
        height_px=task.height if exact else None,
    )


async def _render(request: Request, service: Service, task: MapTask) -> Any:
    """The response to *task*: rendered off the server's GIL, 504 beyond the timeout."""
    settings = _settings(request)
    html = task.fmt is OutputFormat.HTML
    timeout_s = settings.request_timeout_s if html else max(60.0, settings.request_timeout_s)
    try:
        body = await run_heavy(request, service, render_map, task, timeout_s=timeout_s)
    except TimeoutError:
        return problem(504, "The map took longer than the request timeout.", slug="timeout")
    if html:
        return HTMLResponse(body)
    return Response(body, media_type=MEDIA_TYPES[task.fmt])


async def _html(
    request: Request,
    service: Service,
    map_name: str,
    width: int | None,
    height: int | None,
    tiles: str | None,
    labels: str = "both",
    **what: Any,
) -> Any:
    task = MapTask(
        map_name,
        OutputFormat.HTML,
        tiles=tiles,
        tianditu_key=_settings(request).tianditu_key,
        width=width,
        height=height,
        labels=labels,
        **what,
    )
    return await _render(request, service, task)


async def _png(
    request: Request,
    service: Service,
    map_name: str,
    width: int | None,
    height: int | None,
    options: PrintOptions | None = None,
    fmt: OutputFormat = OutputFormat.PNG,
    **what: Any,
) -> Any:
    """A print layout (PNG, PDF or SVG); a PNG of exactly width x height when both are given."""
    task = MapTask(map_name, fmt, width=width, height=height, options=options, **what)
    return await _render(request, service, task)


class VectorFormat(StrEnum):
    """Vector formats of the print layouts."""

    pdf = "pdf"
    svg = "svg"


@router.get("/regions.html", response_class=HTMLResponse, responses=HTML, summary="Regions map")
async def regions_html(
    request: Request,
    service: ServiceDep,
    width: Width | None = None,
    height: Height | None = None,
    tiles: Tiles = None,
    labels: Labels = Labels.both,
) -> Any:
    """Sichuan's prefectures by economic region, hubs, growth poles and corridors (offline)."""
    return await _html(request, service, "regions", width, height, tiles, labels.value)


@router.get("/regions.png", response_class=Response, responses=PNG, summary="Regions map (PNG)")
async def regions_png(
    request: Request,
    service: ServiceDep,
    options: PrintDep,
    width: OptWidth = None,
    height: OptHeight = None,
) -> Any:
    """The regions map's print layout as a PNG (paper and dpi, or exactly width x height)."""
    return await _png(request, service, "regions", width, height, options)


@router.get(
    "/regions.{fmt}", response_class=Response, responses=PRINT, summary="Regions map (PDF, SVG)"
)
async def regions_vector(
    request: Request, service: ServiceDep, fmt: VectorFormat, options: PrintDep
) -> Any:
    """The regions map's print layout as vector PDF or SVG."""
    return await _png(request, service, "regions", None, None, options, OutputFormat(fmt.value))


@router.get(
    "/corridors.html",
    response_class=HTMLResponse,
    responses={**HTML, **problem_responses(404)},
    summary="Corridors map",
)
async def corridors_html(
    request: Request,
    service: ServiceDep,
    width: Width | None = None,
    height: Height | None = None,
    tiles: Tiles = None,
    labels: Labels = Labels.both,
    scenario: ScenarioQuery = None,
) -> Any:
    """Every service of the corridors, Eurasia and ASEAN (offline)."""
    stored = await lookup_scenario(request, scenario)
    return await _html(
        request, service, "corridors", width, height, tiles, labels.value, scenario=stored
    )


@router.get(
    "/corridors.png",
    response_class=Response,
    responses={**PNG, **problem_responses(404)},
    summary="Corridors map (PNG)",
)
async def corridors_png(
    request: Request,
    service: ServiceDep,
    options: PrintDep,
    width: OptWidth = None,
    height: OptHeight = None,
    scenario: ScenarioQuery = None,
) -> Any:
    """The corridors map's print layout as a PNG."""
    stored = await lookup_scenario(request, scenario)
    return await _png(request, service, "corridors", width, height, options, scenario=stored)


@router.get(
    "/corridors.{fmt}",
    response_class=Response,
    responses={**PRINT, **problem_responses(404)},
    summary="Corridors map (PDF, SVG)",
)
async def corridors_vector(
    request: Request,
    service: ServiceDep,
    fmt: VectorFormat,
    options: PrintDep,
    scenario: ScenarioQuery = None,
) -> Any:
    """The corridors map's print layout as vector PDF or SVG."""
    stored = await lookup_scenario(request, scenario)
    fmt_ = OutputFormat(fmt.value)
    return await _png(request, service, "corridors", None, None, options, fmt_, scenario=stored)


@router.get(
    "/route.html",
    response_class=HTMLResponse,
    responses={**HTML, **problem_responses(404)},
    summary="Route comparison map",
)
async def route_html(
    request: Request,
    service: ServiceDep,
    req: RouteReq,
    width: Width | None = None,
    height: Height | None = None,
    tiles: Tiles = None,
    labels: Labels = Labels.both,
    scenario: ScenarioQuery = None,
) -> Any:
    """The alternatives in distinct colours with a comparison panel and a popup per leg."""
    stored = await lookup_scenario(request, scenario)
    return await _html(
        request, service, "route", width, height, tiles, labels.value, req=req, scenario=stored
    )


@router.get(
    "/route.png",
    response_class=Response,
    responses={**PNG, **problem_responses(404)},
    summary="Route comparison map (PNG)",
)
async def route_png(
    request: Request,
    service: ServiceDep,
    req: RouteReq,
    options: PrintDep,
    width: OptWidth = None,
    height: OptHeight = None,
    scenario: ScenarioQuery = None,
) -> Any:
    """The route comparison map's print layout as a PNG."""
    stored = await lookup_scenario(request, scenario)
    return await _png(request, service, "route", width, height, options, req=req, scenario=stored)


@router.get(
    "/route.{fmt}",
    response_class=Response,
    responses={**PRINT, **problem_responses(404)},
    summary="Route comparison map (PDF, SVG)",
)
async def route_vector(
    request: Request,
    service: ServiceDep,
    req: RouteReq,
    fmt: VectorFormat,
    options: PrintDep,
    scenario: ScenarioQuery = None,
) -> Any:
    """The route comparison map's print layout as vector PDF or SVG."""
    stored = await lookup_scenario(request, scenario)
    fmt_ = OutputFormat(fmt.value)
    return await _png(
        request, service, "route", None, None, options, fmt_, req=req, scenario=stored
    )


# ----------------------------------------------------------------------------- access
class AccessKind(StrEnum):
    """Hub kinds of the accessibility map (``corridors.accessibility.ACCESS_KINDS``)."""

    bonded_zone = "bonded_zone"
    rail_port = "rail_port"
    airport = "airport"
    river_port = "river_port"
    border_crossing = "border_crossing"


AccessTo = Annotated[AccessKind, Query(description="Hub kind: hours to the nearest of them.")]
ShowCounties = Annotated[
    bool, Query(description="Open with the county choropleth shown (it covers the raster).")
]


SCENARIO_ACCESS_RASTERS = 8
"""Accessibility rasters under stored scenarios kept per service, least recently used evicted.

Assumption, sized by memory: a 30-arc-second raster of Sichuan is 1,345 x 993 float32 cells
(5.3 MB) plus its 183-row county summary, so eight cost about 43 MB; eight is also the number of
scenario engines :class:`api.service.ScenarioEngines` keeps. Baseline rasters (at most one per
hub kind, five) are never evicted.
"""

AccessKey = tuple[str, str | None, int | None]
"""(hub kind, scenario id, scenario version); id and version None on the baseline."""


class _AccessCache:
    """Rasters and county summaries per hub kind (and scenario), and the county layer."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counties: gpd.GeoDataFrame | None = None
        self.baseline: dict[AccessKey, tuple[AccessRaster, pd.DataFrame]] = {}
        self.scenarios: OrderedDict[AccessKey, tuple[AccessRaster, pd.DataFrame]] = OrderedDict()
        self.computing: dict[AccessKey, threading.Lock] = {}

    def get(self, key: AccessKey) -> tuple[AccessRaster, pd.DataFrame] | None:
        """The cached entry of *key* (refreshing a scenario entry's recency); call with lock."""
        if key[1] is None:
            return self.baseline.get(key)
        hit = self.scenarios.get(key)
        if hit is not None:
            self.scenarios.move_to_end(key)
        return hit

    def put(self, key: AccessKey, value: tuple[AccessRaster, pd.DataFrame]) -> None:
        """Keep *value* under *key*, evicting the oldest scenario entries; call with lock."""
        if key[1] is None:
            self.baseline[key] = value
            return
        self.scenarios[key] = value
        self.scenarios.move_to_end(key)
        while len(self.scenarios) > SCENARIO_ACCESS_RASTERS:
            self.scenarios.popitem(last=False)


_ACCESS: weakref.WeakKeyDictionary[Service, _AccessCache] = weakref.WeakKeyDictionary()
_ACCESS_LOCK = threading.Lock()


def access_inputs(
    service: Service, kind: str, scenario: StoredScenario | None = None
) -> tuple[AccessRaster, pd.DataFrame, gpd.GeoDataFrame]:
    """The raster, county summary and county layer for *kind*, computed once per service.

    Parameters
    ----------
    service : Service
        The loaded service (its engine, build directory and scenario engines).
    kind : str
        A hub kind of :class:`AccessKind`.
    scenario : StoredScenario, optional
        Compute under this stored scenario (its engine: closed hubs gone, added ones in, its
        road speed); cached by (kind, id, version), so a new version is computed afresh.

    Returns
    -------
    tuple
        ``(raster, county summary, county layer)``.

    Notes
    -----
    The first request for a key computes the raster (30 arc-seconds, about 3 s) under a lock
    of that key, so concurrent first requests compute it once while other keys are served.
    """
    from corridors.accessibility import access_raster, county_summary  # noqa: PLC0415
    from gis.layers import read_layer  # noqa: PLC0415

    key: AccessKey = (
        (kind, None, None) if scenario is None else (kind, scenario.id, scenario.version)
    )
    with _ACCESS_LOCK:
        cache = _ACCESS.get(service)
        if cache is None:
            cache = _ACCESS[service] = _AccessCache()
    with cache.lock:
        if cache.counties is None:
            cache.counties = read_layer(service.build_dir / "counties.parquet")
        counties = cache.counties
        hit = cache.get(key)
        if hit is not None:
            return hit[0], hit[1], counties
        key_lock = cache.computing.setdefault(key, threading.Lock())
    with key_lock:
        with cache.lock:
            hit = cache.get(key)
        if hit is None:
            engine = service.engine_for(scenario)
            raster = access_raster(engine, kind, build_dir=service.build_dir)
            hit = (raster, county_summary(raster, counties))
            with cache.lock:
                cache.put(key, hit)
                cache.computing.pop(key, None)
    return hit[0], hit[1], counties


@router.get(
    "/access.html",
    response_class=HTMLResponse,
    responses={**HTML, **problem_responses(404)},
    summary="Accessibility map",
)
async def access_html(
    request: Request,
    service: ServiceDep,
    to: AccessTo,
    width: Width | None = None,
    height: Height | None = None,
    tiles: Tiles = None,
    counties: ShowCounties = False,
    labels: Labels = Labels.both,
    scenario: ScenarioQuery = None,
) -> Any:
    """Hours to the nearest hub of a kind: raster with a colour bar, county choropleth (offline).

    With ``scenario=ID`` the hours are computed under that stored scenario (a hub it closes no
    longer counts, one it adds does), and the subtitle names it and its version.
    """
    stored = await lookup_scenario(request, scenario)
    return await _html(
        request, service, "access", width, height, tiles, labels.value,
        access_kind=to.value, show_counties=counties, scenario=stored,
    )  # fmt: skip


@router.get(
    "/access.png",
    response_class=Response,
    responses={**PNG, **problem_responses(404)},
    summary="Accessibility map (PNG)",
)
async def access_png(
    request: Request,
    service: ServiceDep,
    to: AccessTo,
    options: PrintDep,
    width: OptWidth = None,
    height: OptHeight = None,
    counties: ShowCounties = False,
    scenario: ScenarioQuery = None,
) -> Any:
    """The accessibility map's print layout as a PNG (under ``scenario=ID`` if given)."""
    stored = await lookup_scenario(request, scenario)
    return await _png(
        request, service, "access", width, height, options,
        access_kind=to.value, show_counties=counties, scenario=stored,
    )  # fmt: skip


@router.get(
    "/access.{fmt}",
    response_class=Response,
    responses={**PRINT, **problem_responses(404)},
    summary="Accessibility map (PDF, SVG)",
)
async def access_vector(
    request: Request,
    service: ServiceDep,
    to: AccessTo,
    fmt: VectorFormat,
    options: PrintDep,
    counties: ShowCounties = False,
    scenario: ScenarioQuery = None,
) -> Any:
    """The accessibility map's print layout as vector PDF or SVG (under ``scenario=ID``)."""
    stored = await lookup_scenario(request, scenario)
    return await _png(
        request, service, "access", None, None, options, OutputFormat(fmt.value),
        access_kind=to.value, show_counties=counties, scenario=stored,
    )  # fmt: skip


# ----------------------------------------------------------------------------- flows
class Measure(StrEnum):
    """What the flow map's line widths and circle areas are proportional to."""

    value = "value"
    tonnes = "tonnes"


MeasureQuery = Annotated[
    Measure, Query(description="Line widths and gateway areas by value (CNY) or tonnes.")
]
FLOW_MAPS = 16
"""Rendered flow maps kept per service, least recently used evicted (assumption, sized by memory:
an A4 PNG at 150 dpi is about 0.7 MB, the HTML about 2 MB, so 16 cost at most about 32 MB)."""
_FLOWS: weakref.WeakKeyDictionary[Service, OrderedDict[tuple[Any, ...], bytes]] = (
    weakref.WeakKeyDictionary()
)
_FLOWS_LOCK = threading.Lock()


async def _flow_map(
    request: Request,
    service: Service,
    *,
    scenario: str | None,
    measure: Measure,
    fmt: OutputFormat,
    options: PrintOptions | None = None,
    width: int | None = None,
    height: int | None = None,
    tiles: str | None = None,
    labels: str = "both",
) -> Any:
    """The flow map (HTML or a print layout), rendered once per scenario key and options.

    The trade scenario's key names a stored scenario by id and version, so a new version is
    drawn afresh; under a scenario the title block names it (title and version).
    """
    settings = _settings(request)

    def work() -> bytes:
        report = trade_report(request, service)
        engine, key = trade_engine(request, service, report, scenario)
        opts = options
        if opts is not None and engine is not None:
            opts = replace(opts, scenario=flow_map_label(engine))
        date = opts.print_date if opts is not None else ""
        cache_key = (key, measure.value, fmt.value, opts, date, width, height, tiles, labels)
        with _FLOWS_LOCK:
            cache = _FLOWS.setdefault(service, OrderedDict())
            hit = cache.get(cache_key)
            if hit is not None:
                cache.move_to_end(cache_key)
                return hit
        scene = trade_flow_scene(report, engine, key, data=service.map_data, measure=measure.value)
        if fmt is OutputFormat.HTML:
            body = scene_html(
                scene,
                tiles=tiles,
                tianditu_key=settings.tianditu_key,
                width_px=width,
                height_px=height,
                labels=labels,
            ).encode()
        else:
            exact = fmt is OutputFormat.PNG and width is not None and height is not None
            body = export(
                scene,
                fmt,
                options=opts,
                width_px=width if exact else None,
                height_px=height if exact else None,
            )
        with _FLOWS_LOCK:
            cache[cache_key] = body
            while len(cache) > FLOW_MAPS:
                cache.popitem(last=False)
        return body

    try:
        body = await run_limited(
            settings, work, timeout_s=max(60.0, settings.request_timeout_s), slow=True
        )
    except TimeoutError:
        return problem(504, "The map took longer than the request timeout.", slug="timeout")
    if fmt is OutputFormat.HTML:
        return HTMLResponse(body)
    return Response(body, media_type=MEDIA_TYPES[fmt])


@router.get(
    "/flows.html",
    response_class=HTMLResponse,
    responses={**HTML, **problem_responses(404)},
    summary="Trade-flow map",
)
async def flows_html(
    request: Request,
    service: ServiceDep,
    measure: MeasureQuery = Measure.value,
    width: Width | None = None,
    height: Height | None = None,
    tiles: Tiles = None,
    labels: Labels = Labels.both,
    scenario: TradeScenarioQuery = None,
) -> Any:
    """Sichuan's modelled trade on the corridors: line width by value or tonnes (offline).

    ``scenario`` is a stored scenario's id or a shipped scenario's name, as on ``/v1/flows``.
    """
    return await _flow_map(
        request, service, scenario=scenario, measure=measure, fmt=OutputFormat.HTML,
        width=width, height=height, tiles=tiles, labels=labels.value,
    )  # fmt: skip


@router.get(
    "/flows.png",
    response_class=Response,
    responses={**PNG, **problem_responses(404)},
    summary="Trade-flow map (PNG)",
)
async def flows_png(
    request: Request,
    service: ServiceDep,
    options: PrintDep,
    measure: MeasureQuery = Measure.value,
    width: OptWidth = None,
    height: OptHeight = None,
    scenario: TradeScenarioQuery = None,
) -> Any:
    """The flow map's print layout as a PNG (paper and dpi, or exactly width x height)."""
    return await _flow_map(
        request, service, scenario=scenario, measure=measure, fmt=OutputFormat.PNG,
        options=options, width=width, height=height,
    )  # fmt: skip


@router.get(
    "/flows.{fmt}",
    response_class=Response,
    responses={**PRINT, **problem_responses(404)},
    summary="Trade-flow map (PDF, SVG)",
)
async def flows_vector(
    request: Request,
    service: ServiceDep,
    fmt: VectorFormat,
    options: PrintDep,
    measure: MeasureQuery = Measure.value,
    scenario: TradeScenarioQuery = None,
) -> Any:
    """The flow map's print layout as vector PDF or SVG."""
    return await _flow_map(
        request, service, scenario=scenario, measure=measure, fmt=OutputFormat(fmt.value),
        options=options,
    )  # fmt: skip
