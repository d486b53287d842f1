"""Rasters: grid alignment, metric cell sizes, friction, cost-distance by hand, GeoTIFF metadata."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import rasterio
from shapely.geometry import LineString, box

from gis.crs import GEOD
from gis.raster import (
    ARC_SECONDS_30,
    NODATA,
    Grid,
    RasterError,
    cell_sizes_m,
    cost_distance,
    friction_surface,
    read_resampled,
    slope_deg,
    tobler_speed_kph,
    write_geotiff,
    zonal_stats,
)


def _geod_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    return float(GEOD.inv(lon1, lat1, lon2, lat2)[2])


def test_grid_is_aligned_to_30_arc_seconds() -> None:
    g = Grid.covering((97.3474, 26.0493, 108.5424, 34.3147))
    assert g.res_deg == ARC_SECONDS_30
    # corners are whole multiples of 30" and the grid covers the bounds
    assert abs(g.west * 120 - round(g.west * 120)) < 1e-6
    assert abs(g.north * 120 - round(g.north * 120)) < 1e-6
    w, s, e, n = g.bounds
    assert w <= 97.3474 < w + g.res_deg
    assert n - g.res_deg < 34.3147 <= n
    assert e >= 108.5424
    assert s <= 26.0493
    assert g.shape == (993, 1345)
    assert g.cell_of(w + 1e-9, n - 1e-9) == (0, 0)
    assert g.cell_of(w - 0.01, n) is None


def test_cell_sizes_shrink_with_latitude() -> None:
    g = Grid(0.0, 61.0, 1.0, 1, 61)  # rows centred on 60.5 ... 0.5 degrees N
    dy, dx = cell_sizes_m(g)
    # one degree of longitude on the equator of the WGS84 ellipsoid: a * pi / 180
    assert dx[-1] == pytest.approx(6378137.0 * math.pi / 180 * math.cos(math.radians(0.5)), 1e-3)
    assert dx[0] / dx[-1] == pytest.approx(0.49, abs=0.01)  # ~cos(60.5)
    assert dy[-1] == pytest.approx(_geod_m(0, 0, 0, 1), rel=1e-6)


def test_tobler_speed_on_flat_and_steep_ground() -> None:
    flat, up = tobler_speed_kph(np.array([0.0, 30.0]))
    assert flat == pytest.approx(6 * math.exp(-0.175))  # 5.04 km/h
    assert up == pytest.approx(6 * math.exp(-3.5 * (math.tan(math.radians(30)) + 0.05)))


def test_friction_burns_lines_at_their_speed() -> None:
    g = Grid(100.0, 30.03, 0.01, 3, 3)
    road = LineString([(100.0, 30.015), (100.03, 30.015)])  # along the middle row
    f = friction_surface(g, [(road, 60.0)], offroad_speed_kph=5.0)
    assert f.dtype == np.float32
    np.testing.assert_allclose(f[1], 60 / 60_000, rtol=1e-6)  # 0.001 min per metre
    np.testing.assert_allclose(f[0], 60 / 5_000, rtol=1e-6)
    with pytest.raises(RasterError):
        friction_surface(g, [(road, 0.0)], offroad_speed_kph=5.0)


def test_cost_distance_matches_hand_computation_on_one_row() -> None:
    # One row at 30 N; friction 1, 2, 3 min/m; the source is the west cell.
    g = Grid(100.0, 30.005, 0.01, 3, 1)
    fr = np.array([[1.0, 2.0, 3.0]], dtype=np.float32)
    minutes = cost_distance(fr, g, [(0, 0)])
    dx = _geod_m(99.995, 30.0, 100.005, 30.0)  # the width of a 0.01-degree cell at 30 N
    assert minutes[0, 0] == 0.0
    assert minutes[0, 1] == pytest.approx((1 + 2) / 2 * dx, rel=1e-9)
    assert minutes[0, 2] == pytest.approx((1 + 2) / 2 * dx + (2 + 3) / 2 * dx, rel=1e-9)


def test_cost_distance_takes_the_diagonal_and_detours_round_a_wall() -> None:
    g = Grid(100.0, 30.03, 0.01, 3, 3)
    dy, dx = cell_sizes_m(g)
    fr = np.ones((3, 3), dtype=np.float32)
    minutes = cost_distance(fr, g, [(1, 1)])
    # corner cell: one diagonal step across half of each of the two rows
    diag = math.hypot((dx[0] + dx[1]) / 2, (dy[0] + dy[1]) / 2)
    assert minutes[0, 0] == pytest.approx(diag, rel=1e-9)
    assert minutes[1, 0] == pytest.approx(dx[1], rel=1e-9)
    # A wall (impassable cells) in the middle column of rows 0-1: going round it through row 2.
    walled = fr.copy()
    walled[0, 1] = np.inf
    walled[1, 1] = np.inf
    m2 = cost_distance(walled, g, [(0, 0)])
    # from (0,0) to (0,2): down to (1,0), diagonal to (2,1), diagonal up to (1,2), up to (0,2)
    d10 = (dy[0] + dy[1]) / 2
    d_diag_lo = math.hypot((dx[1] + dx[2]) / 2, (dy[1] + dy[2]) / 2)
    expected = d10 + 2 * d_diag_lo + d10
    assert m2[0, 2] == pytest.approx(expected, rel=1e-9)
    assert not np.isfinite(m2[0, 1])  # an impassable cell is never reached


def test_cost_distance_needs_a_source_inside() -> None:
    g = Grid(100.0, 30.03, 0.01, 3, 3)
    with pytest.raises(RasterError):
        cost_distance(np.ones((3, 3), dtype=np.float32), g, [(5, 5)])


def test_geotiff_metadata(tmp_path: Path) -> None:
    g = Grid(100.0, 31.0, ARC_SECONDS_30, 300, 260)
    values = np.linspace(0, 10, 300 * 260).reshape(260, 300)
    values[0, 0] = np.nan
    path = write_geotiff(
        tmp_path / "t.tif",
        values,
        g,
        description="travel_time_to_test",
        units="hours",
        tags={"method": "test", "friction_units": "minutes/metre", "source": "synthetic"},
    )
    with rasterio.open(path) as ds:
        prof = ds.profile
        assert prof["dtype"] == "float32"
        assert prof["tiled"] is True
        assert (prof["blockxsize"], prof["blockysize"]) == (256, 256)
        assert prof["compress"] == "deflate"
        assert ds.nodata == NODATA
        assert ds.crs.to_epsg() == 4326
        assert ds.descriptions == ("travel_time_to_test",)
        assert ds.units == ("hours",)
        tags = ds.tags()
        assert tags["AREA_OR_POINT"] == "Area"
        assert tags["friction_units"] == "minutes/metre"
        assert tags["method"] == "test"
        assert ds.transform.a == pytest.approx(1 / 120)
        assert ds.overviews(1) == [2, 4, 8]
        band = ds.read(1)
        assert band[0, 0] == NODATA
        assert band[-1, -1] == pytest.approx(10.0)
    # read back through the resampler on the same grid: identity
    again = read_resampled(path, g)
    assert np.isnan(again[0, 0])
    np.testing.assert_allclose(again[1:, 1:], values[1:, 1:], rtol=1e-6)


def test_zonal_stats_by_hand() -> None:
    g = Grid(0.0, 4.0, 1.0, 4, 4)
    values = np.arange(16, dtype=np.float64).reshape(4, 4)  # row 0 is the north row
    values[0, 0] = np.nan
    west = box(0, 2, 2, 4)  # cells (0,0),(0,1),(1,0),(1,1): nan, 1, 4, 5
    south_east = box(2, 0, 4, 2)  # cells (2,2),(2,3),(3,2),(3,3): 10, 11, 14, 15
    tiny = box(3.1, 3.1, 3.2, 3.2)  # holds no cell centre: takes the cell at its point (0,3)
    a, b, c = zonal_stats(values, g, [west, south_east, tiny])
    assert (a.cells, a.mean, a.max) == (3, pytest.approx(10 / 3), 5.0)
    assert (b.cells, b.mean, b.max) == (4, 12.5, 15.0)
    assert (c.cells, c.mean, c.max) == (1, 3.0, 3.0)


def test_slope_of_a_tilted_plane() -> None:
    g = Grid(100.0, 0.05, 0.01, 10, 10)  # near the equator: dx ~ dy ~ 1.1 km
    _, dx = cell_sizes_m(g)
    # rises 100 m per column eastwards
    z = np.tile(np.arange(10) * 100.0, (10, 1))
    s = slope_deg(z, g)
    expected = np.degrees(np.arctan(100.0 / dx[5]))
    assert s[5, 5] == pytest.approx(expected, rel=1e-3)
