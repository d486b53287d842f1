"""Tests of gis.crs: GCJ-02 conversion, geodesic distances and lon/lat parsing."""

from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import LineString

from gis.crs import (
    gcj02_to_wgs84,
    geodesic_distance_m,
    geodesic_length_m,
    parse_lonlat,
    wgs84_to_gcj02,
)


def test_forward_matches_published_coordtransform_vector() -> None:
    # wandergis/coordtransform README (github.com/wandergis/coordtransform, found with the
    # `search` tool, code corpus): wgs84togcj02(116.404, 39.915)
    # -> [116.41024449916938, 39.91640428150164]. Same formula, so agreement to 1e-9 deg.
    lon, lat = wgs84_to_gcj02(116.404, 39.915)
    assert float(lon) == pytest.approx(116.41024449916938, abs=1e-9)
    assert float(lat) == pytest.approx(39.91640428150164, abs=1e-9)


def test_shift_near_chengdu_is_a_few_hundred_metres() -> None:
    # Staged cross-check notes report a GCJ-02 shift of about 0.0025 deg near Chengdu.
    lon, lat = wgs84_to_gcj02(104.06, 30.67)
    dlon, dlat = float(lon) - 104.06, float(lat) - 30.67
    assert 0.0015 < abs(dlon) < 0.0035
    assert 0.0015 < abs(dlat) < 0.0035
    shift_m = float(geodesic_distance_m(104.06, 30.67, lon, lat))
    assert 150.0 < shift_m < 450.0


def test_round_trip_residual_across_china() -> None:
    lon, lat = np.meshgrid(np.linspace(73.6, 134.9, 41), np.linspace(18.2, 53.4, 37))
    glon, glat = wgs84_to_gcj02(lon.ravel(), lat.ravel())
    # the grid is inside the box, so every point really moved
    assert np.all(np.hypot(glon - lon.ravel(), glat - lat.ravel()) > 1e-4)
    wlon, wlat = gcj02_to_wgs84(glon, glat)
    assert np.max(np.abs(wlon - lon.ravel())) < 1e-8
    assert np.max(np.abs(wlat - lat.ravel())) < 1e-8


@pytest.mark.parametrize(
    ("lon", "lat"),
    [(2.3522, 48.8566), (-74.006, 40.7128), (151.2093, -33.8688), (6.76, 51.43)],
)
def test_points_outside_china_unchanged(lon: float, lat: float) -> None:
    glon, glat = wgs84_to_gcj02(lon, lat)
    assert (float(glon), float(glat)) == (lon, lat)
    wlon, wlat = gcj02_to_wgs84(lon, lat)
    assert (float(wlon), float(wlat)) == (lon, lat)


def test_one_degree_of_latitude_at_equator() -> None:
    # WGS84 meridian arc from 0 to 1 deg N is 110,574 m (standard table, e.g. the
    # "length of a degree of latitude" table in Wikipedia's "Latitude" article); tolerance 1 m.
    assert float(geodesic_distance_m(0.0, 0.0, 0.0, 1.0)) == pytest.approx(110_574.0, abs=1.0)


def test_distance_broadcasts_and_length_adds_up() -> None:
    d = geodesic_distance_m([0.0, 0.0], [0.0, 1.0], 0.0, [1.0, 2.0])
    assert d.shape == (2,)
    line = LineString([(0.0, 0.0), (0.0, 1.0), (0.0, 2.0)])
    assert geodesic_length_m(line) == pytest.approx(float(d.sum()), rel=1e-12)
    # the 1-2 deg arc is slightly longer than 0-1 (meridian curvature grows with latitude)
    assert d[1] > d[0]


def test_parse_lonlat() -> None:
    assert parse_lonlat("104.06,30.67") == (104.06, 30.67)
    assert parse_lonlat(" 104.06 , 30.67 ") == (104.06, 30.67)
    assert parse_lonlat("Chengdu") is None
    assert parse_lonlat("成都") is None
    assert parse_lonlat("1,2,3") is None
    with pytest.raises(ValueError, match="out of range"):
        parse_lonlat("200,30")
    with pytest.raises(ValueError, match="out of range"):
        parse_lonlat("104,95")
    with pytest.raises(ValueError, match="out of range"):
        parse_lonlat("nan,30")
