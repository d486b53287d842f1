"""``/maps``: the briefing maps over HTTP, as self-contained HTML (iframe-ready) or PNG.

Owns: the map endpoints (``regions``, ``corridors``, ``route``, ``access``; ``.html`` and
``.png``), their size and basemap parameters, running the renderers off the event loop with the
request timeout, and the per-service cache of accessibility rasters (one per hub kind, computed
on first use, about 3 s). The maps themselves are :mod:`maps`' business.
"""

from __future__ import annotations

import threading
import weakref
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.http.deps import get_service, run_limited
from api.http.problems import problem, problem_responses
from api.http.routes import RouteReq
from api.service import Service
from api.settings import Settings
from corridors.request import RouteRequest
from maps.access_map import access_scene
from maps.briefings import corridors_scene, regions_scene, route_scene
from maps.export import scene_html, scene_png
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
HTML: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {}}, "description": "Self-contained HTML page"}
}


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _html(
    request: Request, build: Any, width: int | None, height: int | None, tiles: str | None
) -> Any:
    settings = _settings(request)

    def work() -> str:
        scene: Scene = build()
        return scene_html(
            scene, tiles=tiles, tianditu_key=settings.tianditu_key, width_px=width, height_px=height
        )

    try:
        return HTMLResponse(await run_limited(settings, work))
    except TimeoutError:
        return problem(504, "The map took longer than the request timeout.", slug="timeout")


async def _png(request: Request, build: Any, width: int, height: int) -> Any:
    settings = _settings(request)

    def work() -> bytes:
        scene: Scene = build()
        return scene_png(scene, width_px=width, height_px=height).png

    try:
        return Response(
            await run_limited(settings, work, timeout_s=max(60.0, settings.request_timeout_s)),
            media_type="image/png",
        )
    except TimeoutError:
        return problem(504, "The map took longer than the request timeout.", slug="timeout")


def _overview(service: Service, scene_fn: Any) -> Any:
    """Builder of a map that needs only the catalog and the service network."""
    return lambda: scene_fn(
        data=service.map_data, catalog=service.engine.catalog, network=service.engine.network
    )


@router.get("/regions.html", response_class=HTMLResponse, responses=HTML, summary="Regions map")
async def regions_html(
    request: Request,
    service: ServiceDep,
    width: Width | None = None,
    height: Height | None = None,
    tiles: Tiles = None,
) -> Any:
    """Sichuan's prefectures by economic region, hubs, growth poles and corridors (offline)."""
    return await _html(
        request,
        _overview(service, regions_scene),
        width,
        height,
        tiles,
    )


@router.get("/regions.png", response_class=Response, responses=PNG, summary="Regions map (PNG)")
async def regions_png(
    request: Request, service: ServiceDep, width: Width = 1600, height: Height = 1000
) -> Any:
    """The regions map as a PNG of the requested size."""
    return await _png(
        request,
        _overview(service, regions_scene),
        width,
        height,
    )


@router.get("/corridors.html", response_class=HTMLResponse, responses=HTML, summary="Corridors map")
async def corridors_html(
    request: Request,
    service: ServiceDep,
    width: Width | None = None,
    height: Height | None = None,
    tiles: Tiles = None,
) -> Any:
    """Every service of the corridors, Eurasia and ASEAN (offline)."""
    return await _html(
        request,
        _overview(service, corridors_scene),
        width,
        height,
        tiles,
    )


@router.get("/corridors.png", response_class=Response, responses=PNG, summary="Corridors map (PNG)")
async def corridors_png(
    request: Request, service: ServiceDep, width: Width = 1600, height: Height = 1000
) -> Any:
    """The corridors map as a PNG of the requested size."""
    return await _png(
        request,
        _overview(service, corridors_scene),
        width,
        height,
    )


def _route_builder(service: Service, req: RouteRequest) -> Any:
    def build() -> Scene:
        result = service.route_result(req)
        return route_scene(data=service.map_data, result=result, network=service.engine.network)

    return build


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
) -> Any:
    """The alternatives in distinct colours with a comparison panel and a popup per leg."""
    return await _html(request, _route_builder(service, req), width, height, tiles)


@router.get(
    "/route.png",
    response_class=Response,
    responses={**PNG, **problem_responses(404)},
    summary="Route comparison map (PNG)",
)
async def route_png(
    request: Request, service: ServiceDep, req: RouteReq, width: Width = 1600, height: Height = 1000
) -> Any:
    """The route comparison map as a PNG."""
    return await _png(request, _route_builder(service, req), width, height)


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


def _access_builder(service: Service, kind: AccessKind, show_counties: bool) -> Any:
    def build() -> Scene:
        raster, summary, counties = access_inputs(service, kind.value)
        return access_scene(
            data=service.map_data,
            catalog=service.engine.catalog,
            raster=raster,
            summary=summary,
            counties=counties,
            show_counties=show_counties,
        )

    return build


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
) -> Any:
    """Hours to the nearest hub of a kind: raster with a colour bar, county choropleth (offline)."""
    return await _html(request, _access_builder(service, to, counties), width, height, tiles)


@router.get(
    "/access.png", response_class=Response, responses=PNG, summary="Accessibility map (PNG)"
)
async def access_png(
    request: Request,
    service: ServiceDep,
    to: AccessTo,
    width: Width = 1600,
    height: Height = 1000,
    counties: ShowCounties = False,
) -> Any:
    """The accessibility map as a PNG of the requested size."""
    return await _png(request, _access_builder(service, to, counties), width, height)
