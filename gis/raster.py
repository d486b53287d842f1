"""Travel-time rasters: grids, friction surfaces, cost-distance, GeoTIFF output, zonal stats.

Owns the generic raster side of accessibility, in the manner of Weiss et al. (2018), "A global
map of travel time to cities to assess inequalities in accessibility in 2015", *Nature* 553:333
(https://doi.org/10.1038/nature25181): a **friction surface** in minutes per metre on a WGS84
grid (30 arc-seconds by default), least-cost travel time from every cell to the nearest target,
written as a tiled, compressed GeoTIFF with nodata, band description, units and tags.

- :class:`Grid` — a north-up WGS84 grid snapped to multiples of its resolution.
- :func:`cell_sizes_m` — metric cell height and the width of every row (dx shrinks with
  cos(latitude)), measured on the WGS84 ellipsoid.
- :func:`tobler_speed_kph` and :func:`slope_deg` — off-road speed on sloping ground.
- :func:`friction_surface` — lines burned with their speed (``rasterio.features.rasterize``),
  off-road speed elsewhere; minutes per metre.
- :func:`cost_distance` — minutes from every cell to the nearest source cell. An 8-neighbour
  grid graph with each row's own metric cell sizes, edge cost (f_a + f_b) / 2 x step length (the
  rule of ``skimage.graph.MCP_Geometric``), solved by one multi-source
  ``scipy.sparse.csgraph.dijkstra``. ``MCP_Geometric`` takes one constant ``sampling`` per axis,
  so it cannot model the change of dx with latitude exactly (about +-4 % across Sichuan); the
  benchmark compares the two.
- :func:`write_geotiff` and :func:`zonal_stats`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import rasterio  # type: ignore[import-untyped]
import rasterio.features  # type: ignore[import-untyped]
import rasterio.warp  # type: ignore[import-untyped]
from affine import Affine
from numpy.typing import NDArray
from rasterio.enums import Resampling  # type: ignore[import-untyped]
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra
from shapely.geometry.base import BaseGeometry

from gis.crs import GEOD, WGS84
from gis.errors import GisError

__all__ = [
    "ARC_SECONDS_30",
    "NODATA",
    "Grid",
    "RasterError",
    "cell_sizes_m",
    "cost_distance",
    "friction_surface",
    "read_resampled",
    "slope_deg",
    "tobler_speed_kph",
    "write_geotiff",
    "zonal_stats",
]

ARC_SECONDS_30 = 1.0 / 120.0
NODATA = -9999.0


class RasterError(GisError, ValueError):
    """A raster request that cannot be met (empty grid, no source cell, bad speed)."""

    status = 422
    type_slug = "bad-raster-request"
    exit_code = 64


@dataclass(frozen=True)
class Grid:
    """A north-up WGS84 grid: top-left corner, resolution in degrees and shape."""

    west: float
    north: float
    res_deg: float
    width: int
    height: int

    @classmethod
    def covering(
        cls, bounds: tuple[float, float, float, float], *, res_deg: float = ARC_SECONDS_30
    ) -> Grid:
        """The smallest grid aligned to multiples of ``res_deg`` covering (W, S, E, N)."""
        w, s, e, n = bounds
        if not (e > w and n > s and res_deg > 0):
            msg = f"empty bounds {bounds} or resolution {res_deg}"
            raise RasterError(msg)
        west = math.floor(w / res_deg + 1e-9) * res_deg
        north = math.ceil(n / res_deg - 1e-9) * res_deg
        width = math.ceil((e - west) / res_deg - 1e-9)
        height = math.ceil((north - s) / res_deg - 1e-9)
        return cls(round(west, 9), round(north, 9), res_deg, width, height)

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns)."""
        return self.height, self.width

    @property
    def transform(self) -> Affine:
        """The affine transform (pixel corner convention, ``AREA_OR_POINT=Area``)."""
        return Affine(self.res_deg, 0.0, self.west, 0.0, -self.res_deg, self.north)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(W, S, E, N)."""
        return (
            self.west,
            self.north - self.height * self.res_deg,
            self.west + self.width * self.res_deg,
            self.north,
        )

    def row_lats(self) -> NDArray[np.float64]:
        """Latitude of every row's centre."""
        rows = np.arange(self.height, dtype=np.float64)
        out: NDArray[np.float64] = self.north - (rows + 0.5) * self.res_deg
        return out

    def cell_of(self, lon: float, lat: float) -> tuple[int, int] | None:
        """(row, col) of the cell containing (lon, lat), or None outside the grid."""
        col = math.floor((lon - self.west) / self.res_deg)
        row = math.floor((self.north - lat) / self.res_deg)
        if 0 <= row < self.height and 0 <= col < self.width:
            return row, col
        return None


def cell_sizes_m(grid: Grid) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Cell height and width in metres, per row, on the WGS84 ellipsoid.

    Returns
    -------
    (dy_m, dx_m) : ndarray, ndarray
        Each of shape (rows,): the geodesic length of a cell's meridian side and of the
        parallel through its centre.
    """
    lat = grid.row_lats()
    half = grid.res_deg / 2.0
    zeros = np.zeros_like(lat)
    _, _, dy = GEOD.inv(zeros, lat - half, zeros, lat + half)
    _, _, dx = GEOD.inv(zeros - half, lat, zeros + half, lat)
    return np.asarray(dy, dtype=np.float64), np.asarray(dx, dtype=np.float64)


def tobler_speed_kph(slope: NDArray[np.float64]) -> NDArray[np.float64]:
    """Walking speed on ground of the given slope (degrees): Tobler's hiking function.

    ``6 exp(-3.5 |tan(slope) + 0.05|)`` km/h, 5.04 km/h on flat ground; Tobler, W. (1993),
    "Three presentations on geographical analysis and modeling", NCGIA Technical Report 93-1.
    Used, as by Weiss et al. (2020, *Nature Medicine* 26:1835) for walking-only travel, as the
    speed where there is no road. The slope is taken as the steepest slope of the cell (the
    direction of travel is not known to a cell-based surface).
    """
    out: NDArray[np.float64] = 6.0 * np.exp(-3.5 * np.abs(np.tan(np.radians(slope)) + 0.05))
    return out


def read_resampled(
    path: Path, grid: Grid, *, band: int = 1, src_crs: str = WGS84
) -> NDArray[np.float64]:
    """Read one band of a raster (any GDAL format, e.g. netCDF) bilinearly resampled to *grid*.

    Cells without data become NaN. ``src_crs`` is used when the file declares no CRS.
    """
    out = np.full(grid.shape, np.nan, dtype=np.float64)
    with rasterio.open(path) as src:
        nodata = src.nodata
        rasterio.warp.reproject(
            source=rasterio.band(src, band),
            destination=out,
            src_crs=src.crs or src_crs,
            src_nodata=nodata,
            dst_transform=grid.transform,
            dst_crs=WGS84,
            dst_nodata=np.nan,
            resampling=Resampling.bilinear,
        )
    return out


def slope_deg(elevation_m: NDArray[np.float64], grid: Grid) -> NDArray[np.float64]:
    """Steepest slope (degrees) of an elevation grid, with each row's metric cell sizes.

    NaN elevations give a slope of 0.
    """
    dy, dx = cell_sizes_m(grid)
    z = np.where(np.isfinite(elevation_m), elevation_m, np.nan)
    fill = np.nanmean(z) if np.isfinite(z).any() else 0.0
    z = np.where(np.isfinite(z), z, fill)
    gy = np.gradient(z, axis=0) / dy.mean()
    gx = np.gradient(z, axis=1) / dx[:, None]
    out: NDArray[np.float64] = np.degrees(np.arctan(np.hypot(gx, gy)))
    return out


def friction_surface(
    grid: Grid,
    lines: Iterable[tuple[BaseGeometry, float]],
    *,
    offroad_speed_kph: NDArray[np.float64] | float,
) -> NDArray[np.float32]:
    """Minutes needed to cross one metre of every cell (Weiss et al. 2018 convention).

    Parameters
    ----------
    grid : Grid
        The grid.
    lines : iterable of (geometry, speed_kph)
        Network lines and their speed; every cell a line touches
        (``rasterize(all_touched=True)``) takes the fastest speed burned into it.
    offroad_speed_kph : ndarray or float
        Speed where no line passes (an array of the grid's shape, or one value).

    Returns
    -------
    ndarray of float32, the grid's shape
        ``60 / (1000 * speed_kph)`` minutes per metre of the fastest mode in each cell.

    Raises
    ------
    RasterError
        If a speed is not positive.
    """
    base = np.broadcast_to(np.asarray(offroad_speed_kph, dtype=np.float64), grid.shape)
    if not np.all(base > 0):
        msg = "off-road speeds must be positive"
        raise RasterError(msg)
    speed = np.array(base, dtype=np.float64)
    by_speed: dict[float, list[BaseGeometry]] = {}
    for geom, kph in lines:
        if not kph > 0:
            msg = f"line speed must be positive, got {kph}"
            raise RasterError(msg)
        by_speed.setdefault(float(kph), []).append(geom)
    for kph, geoms in sorted(by_speed.items()):
        burned = rasterio.features.rasterize(
            ((g, 1) for g in geoms),
            out_shape=grid.shape,
            transform=grid.transform,
            fill=0,
            all_touched=True,
            dtype="uint8",
        )
        speed = np.where(burned == 1, np.maximum(speed, kph), speed)
    return (60.0 / (1000.0 * speed)).astype(np.float32)


def _grid_graph(friction: NDArray[np.float32], grid: Grid) -> coo_matrix:
    rows, cols = grid.shape
    dy, dx = cell_sizes_m(grid)
    f = friction.astype(np.float64)
    idx = np.arange(rows * cols, dtype=np.int64).reshape(rows, cols)
    parts_a: list[NDArray[np.int64]] = []
    parts_b: list[NDArray[np.int64]] = []
    parts_w: list[NDArray[np.float64]] = []
    # east, south, south-east, south-west neighbours (the graph is undirected)
    for dr, dc in ((0, 1), (1, 0), (1, 1), (1, -1)):
        r0, r1 = 0, rows - dr
        c0, c1 = max(0, -dc), cols - max(0, dc)
        a = idx[r0:r1, c0:c1]
        b = idx[r0 + dr : r1 + dr, c0 + dc : c1 + dc]
        fa = f[r0:r1, c0:c1]
        fb = f[r0 + dr : r1 + dr, c0 + dc : c1 + dc]
        if dr == 0:
            step = np.broadcast_to(dx[r0:r1, None], a.shape)
        elif dc == 0:
            step = np.broadcast_to(((dy[r0:r1] + dy[r0 + 1 : r1 + 1]) / 2.0)[:, None], a.shape)
        else:
            # a diagonal step spans half a cell in each of the two rows it crosses
            mx = (dx[r0:r1] + dx[r0 + 1 : r1 + 1]) / 2.0
            my = (dy[r0:r1] + dy[r0 + 1 : r1 + 1]) / 2.0
            step = np.broadcast_to(np.hypot(mx, my)[:, None], a.shape)
        parts_a.append(a.ravel())
        parts_b.append(b.ravel())
        parts_w.append(((fa + fb) / 2.0 * step).ravel())
    n = rows * cols
    return coo_matrix(
        (np.concatenate(parts_w), (np.concatenate(parts_a), np.concatenate(parts_b))),
        shape=(n, n),
    )


def cost_distance(
    friction: NDArray[np.float32],
    grid: Grid,
    sources: Sequence[tuple[int, int]],
    *,
    graph: Any = None,
) -> NDArray[np.float64]:
    """Least travel time (minutes) from every cell to the nearest source cell.

    Parameters
    ----------
    friction : ndarray
        Minutes per metre (:func:`friction_surface`), the grid's shape; ``inf`` or NaN cells
        are impassable.
    grid : Grid
        The grid (for the metric cell sizes of each row).
    sources : sequence of (row, col)
        Cells with travel time 0.
    graph : scipy sparse matrix, optional
        A graph built before by this function's rule (:func:`grid_graph`), to reuse.

    Returns
    -------
    ndarray of float64
        Minutes; ``inf`` where no source can be reached.

    Raises
    ------
    RasterError
        If there is no source cell inside the grid.
    """
    rows, cols = grid.shape
    if friction.shape != grid.shape:
        msg = f"friction shape {friction.shape} differs from the grid's {grid.shape}"
        raise RasterError(msg)
    cells = sorted({r * cols + c for r, c in sources if 0 <= r < rows and 0 <= c < cols})
    if not cells:
        msg = "no source cell inside the grid"
        raise RasterError(msg)
    g = graph if graph is not None else grid_graph(friction, grid)
    dist = dijkstra(g, directed=False, indices=cells, min_only=True)
    return np.asarray(dist, dtype=np.float64).reshape(rows, cols)


def grid_graph(friction: NDArray[np.float32], grid: Grid) -> Any:
    """The 8-neighbour cost graph of a friction surface (CSR; impassable cells left out)."""
    coo = _grid_graph(friction, grid)
    keep = np.isfinite(coo.data)
    coo = coo_matrix((coo.data[keep], (coo.row[keep], coo.col[keep])), shape=coo.shape)
    return coo.tocsr()


def write_geotiff(
    path: Path,
    values: NDArray[np.floating[Any]],
    grid: Grid,
    *,
    description: str,
    units: str,
    tags: Mapping[str, str],
    nodata: float = NODATA,
    overviews: Sequence[int] = (2, 4, 8),
) -> Path:
    """Write one float32 band as a tiled (256), deflate-compressed GeoTIFF.

    NaN and infinite values become ``nodata``. The file carries the band description and
    units, ``AREA_OR_POINT=Area`` and *tags*; overviews (average) are added for display.
    """
    data = np.asarray(values, dtype=np.float64)
    if data.shape != grid.shape:
        msg = f"values shape {data.shape} differs from the grid's {grid.shape}"
        raise RasterError(msg)
    out = np.where(np.isfinite(data), data, nodata).astype(np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    profile = {
        "driver": "GTiff",
        "width": grid.width,
        "height": grid.height,
        "count": 1,
        "dtype": "float32",
        "crs": WGS84,
        "transform": grid.transform,
        "nodata": nodata,
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
        "compress": "deflate",
        "predictor": 3,
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(out, 1)
        dst.set_band_description(1, description)
        dst.units = (units,)
        dst.update_tags(AREA_OR_POINT="Area", **dict(tags))
        levels = [f for f in overviews if min(grid.shape) // f >= 1]
        if levels:
            dst.build_overviews(levels, Resampling.average)
            dst.update_tags(ns="rio_overview", resampling="average")
    return path


@dataclass(frozen=True)
class ZoneStats:
    """Mean and max of the valid cells of one zone (cells whose centre lies in it)."""

    cells: int
    mean: float
    max: float


def zonal_stats(
    values: NDArray[np.floating[Any]], grid: Grid, zones: Sequence[BaseGeometry]
) -> list[ZoneStats]:
    """Mean and max of *values* over each zone (NaN/inf cells ignored).

    All zones are rasterized at once into a label grid (cell centres; later zones win where
    zones overlap); a zone too small to hold a cell centre takes the cell at its representative
    point.
    """
    labels = rasterio.features.rasterize(
        ((g, i + 1) for i, g in enumerate(zones)),
        out_shape=grid.shape,
        transform=grid.transform,
        fill=0,
        dtype="int32",
    )
    v = np.asarray(values, dtype=np.float64)
    valid = np.isfinite(v) & (labels > 0)
    lab = labels[valid]
    vals = v[valid]
    n = len(zones) + 1
    count = np.bincount(lab, minlength=n)
    total = np.bincount(lab, weights=vals, minlength=n)
    top = np.full(n, -np.inf)
    np.maximum.at(top, lab, vals)
    out: list[ZoneStats] = []
    for i, g in enumerate(zones):
        k = i + 1
        if count[k] > 0:
            out.append(ZoneStats(int(count[k]), float(total[k] / count[k]), float(top[k])))
            continue
        pt = g.representative_point()
        cell = grid.cell_of(pt.x, pt.y)
        x = float(v[cell]) if cell is not None else math.nan
        if math.isfinite(x):
            out.append(ZoneStats(1, x, x))
        else:
            out.append(ZoneStats(0, math.nan, math.nan))
    return out
