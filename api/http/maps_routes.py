"""``/maps``: the briefing maps over HTTP: self-contained HTML (iframe-ready), print layouts.

Owns: the map endpoints (``regions``, ``corridors``, ``route``, ``access``; ``.html``, and the
print layout as ``.png``, ``.pdf`` and ``.svg`` with ``paper``, ``orientation``, ``dpi``,
``labels`` and ``scenario``), their size and basemap parameters, the picklable description of
a map (:class:`MapTask`) and its renderer (:func:`render_map`), run in the worker processes of
:mod:`api.pool` (never on the server's GIL) with the request timeout, and the per-service
cache of accessibility rasters (one per hub kind, computed on first use, about 3 s). The maps
themselves are :mod:`maps`' business.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.http.deps import ScenarioQuery, get_service, lookup_scenario, run_heavy
from api.http.problems import problem, problem_responses
from api.http.routes import RouteReq
from api.service import Service
from api.settings import Settings
from api.store import StoredScenario
from corridors.request import RouteRequest
from maps.access_map import access_scene
from maps.briefings import corridors_scene, regions_scene, route_scene
from maps.export import export, scene_html
from maps.layout import MEDIA_TYPES, OutputFormat, PrintOptions
from maps.scene import Scene

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from corridors.accessibility import AccessRaster

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


def map_scene(service: Service, task: MapTask) -> Scene:
    """The scene of *task* on *service* (the baseline, or the engine of its scenario)."""
    if task.map == "access":
        raster, summary, counties = access_inputs(service, str(task.access_kind))
        return access_scene(
            data=service.map_data,
            catalog=service.engine.catalog,
            raster=raster,
            summary=summary,
            counties=counties,
            show_counties=task.show_counties,
        )
    engine = service.engine_for(task.scenario)
    if task.map == "route":
        assert task.req is not None
        result = service.route_result(task.req, scenario=task.scenario)
        return route_scene(data=service.map_data, result=result, network=engine.network)
    scene_fn = {"regions": regions_scene, "corridors": corridors_scene}[task.map]
    scene: Scene = scene_fn(
        data=service.map_data,
        catalog=engine.catalog,
        network=engine.network,
        parameters_version=engine.params.version,
    )
    return scene


def render_map(service: Service, task: MapTask) -> bytes:
    """*task* drawn on *service*: the HTML page (UTF-8) or the print layout (PNG, PDF, SVG).

    A task of :func:`api.http.deps.run_heavy`: it runs in a worker process (or a route thread
    without them) and returns the bytes sent.
    """
    scene = map_scene(service, task)
    if task.fmt is OutputFormat.HTML:
        return scene_html(
            scene,
            tiles=task.tiles,
            tianditu_key=task.tianditu_key,
            width_px=task.width,
            height_px=task.height,
            labels=task.labels,
        ).encode("utf-8")
    exact = task.fmt is OutputFormat.PNG and task.width is not None and task.height is not None
    return export(
        scene,
        task.fmt,
        options=task.options,
        width_px=task.width if exact else None,
        height_px=task.height if exact else None,
    )


async def _render(request: Request, service: Service, task: MapTask) -> Any:
    """The response to *task*: rendered off the event loop, 504 beyond the timeout."""
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


class _AccessCache:
    """Rasters and county summaries per hub kind, and the county layer, of one service."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counties: gpd.GeoDataFrame | None = None
        self.by_kind: dict[str, tuple[AccessRaster, pd.DataFrame]] = {}


_ACCESS: weakref.WeakKeyDictionary[Service, _AccessCache] = weakref.WeakKeyDictionary()
_ACCESS_LOCK = threading.Lock()


def access_inputs(
    service: Service, kind: str
) -> tuple[AccessRaster, pd.DataFrame, gpd.GeoDataFrame]:
    """The raster, county summary and county layer for *kind*, computed once per service.

    The first request for a kind computes the raster (30 arc-seconds, about 3 s) under a lock
    held for that service, so concurrent first requests compute it once.
    """
    from corridors.accessibility import access_raster, county_summary  # noqa: PLC0415
    from gis.layers import read_layer  # noqa: PLC0415

    with _ACCESS_LOCK:
        cache = _ACCESS.get(service)
        if cache is None:
            cache = _ACCESS[service] = _AccessCache()
    with cache.lock:
        if cache.counties is None:
            cache.counties = read_layer(service.build_dir / "counties.parquet")
        if kind not in cache.by_kind:
            raster = access_raster(service.engine, kind, build_dir=service.build_dir)
            cache.by_kind[kind] = (raster, county_summary(raster, cache.counties))
        raster, summary = cache.by_kind[kind]
        return raster, summary, cache.counties


@router.get(
    "/access.html", response_class=HTMLResponse, responses=HTML, summary="Accessibility map"
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
) -> Any:
    """Hours to the nearest hub of a kind: raster with a colour bar, county choropleth (offline)."""
    return await _html(
        request, service, "access", width, height, tiles, labels.value,
        access_kind=to.value, show_counties=counties,
    )  # fmt: skip


@router.get(
    "/access.png", response_class=Response, responses=PNG, summary="Accessibility map (PNG)"
)
async def access_png(
    request: Request,
    service: ServiceDep,
    to: AccessTo,
    options: PrintDep,
    width: OptWidth = None,
    height: OptHeight = None,
    counties: ShowCounties = False,
) -> Any:
    """The accessibility map's print layout as a PNG."""
    return await _png(
        request, service, "access", width, height, options,
        access_kind=to.value, show_counties=counties,
    )  # fmt: skip


@router.get(
    "/access.{fmt}",
    response_class=Response,
    responses=PRINT,
    summary="Accessibility map (PDF, SVG)",
)
async def access_vector(
    request: Request,
    service: ServiceDep,
    to: AccessTo,
    fmt: VectorFormat,
    options: PrintDep,
    counties: ShowCounties = False,
) -> Any:
    """The accessibility map's print layout as vector PDF or SVG."""
    return await _png(
        request, service, "access", None, None, options, OutputFormat(fmt.value),
        access_kind=to.value, show_counties=counties,
    )  # fmt: skip
