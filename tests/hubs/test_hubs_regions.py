"""GeoJSON collections of regions and places."""

from __future__ import annotations

import itertools

import geopandas as gpd
import pytest
from shapely.geometry import Polygon

from gis.errors import DataValidationError
from hubs import Catalog, places_feature_collection, regions_feature_collection


def _tiny_prefectures() -> gpd.GeoDataFrame:
    # Chengdu: clockwise exterior with 7-decimal coordinates; Yibin: counter-clockwise.
    cw = Polygon([(103.0, 30.0), (103.0, 31.1234567), (104.5, 31.1234567), (104.5, 30.0)])
    ccw = Polygon([(104.0, 28.0), (105.0, 28.0), (105.0, 29.0), (104.0, 29.0)])
    return gpd.GeoDataFrame({"adcode": ["511500", "510100"]}, geometry=[ccw, cw], crs="EPSG:4326")


def test_regions_feature_collection(catalog: Catalog) -> None:
    table = [catalog.prefectures_by_adcode[a] for a in ("510100", "511500")]
    fc = regions_feature_collection(_tiny_prefectures(), table)
    assert fc["type"] == "FeatureCollection"
    assert [f["id"] for f in fc["features"]] == ["510100", "511500"]
    chengdu = fc["features"][0]
    assert chengdu["properties"]["region"] == "chengdu_plain"
    assert chengdu["properties"]["region_zh"] == "成都平原经济区"
    ring = chengdu["geometry"]["coordinates"][0]
    assert [104.5, 31.123457] in ring  # rounded to 6 dp
    # RFC 7946: exterior ring counter-clockwise (positive shoelace area)
    area2 = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(ring))
    assert area2 > 0
    assert fc["features"][1]["properties"]["region"] == "south_sichuan"


def test_regions_feature_collection_reports_missing(catalog: Catalog) -> None:
    with pytest.raises(DataValidationError) as err:
        regions_feature_collection(_tiny_prefectures(), catalog.prefectures)
    assert len(err.value.problems) == 19  # 21 prefectures, 2 in the layer


def test_places_feature_collection_filters(catalog: Catalog) -> None:
    fc = places_feature_collection(catalog.places, kind="bonded_zone", region="chengdu_plain")
    ids = [f["id"] for f in fc["features"]]
    assert ids == sorted(ids)
    assert ids == [
        "cbz_chengdu_hitech",
        "cbz_chengdu_irp",
        "cbz_chengdu_tianfu_airport",
        "cbz_mianyang",
    ]
    q = places_feature_collection(catalog.places, q="Łódź")
    # the city, the Chengdu rail port's operation centre (Xinhua 2020-01-16) and Hatrans' warehouse
    assert [f["id"] for f in q["features"]] == ["lodz", "ow_lodz_cdirp", "ow_lodz_hatrans"]
