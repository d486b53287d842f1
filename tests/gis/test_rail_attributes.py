"""Freight attributes of rail links: gauge rules, country of a link, high-speed matching."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from gis.crs import WGS84, split_antimeridian
from gis.errors import DataValidationError
from gis.rail_attributes import (
    GaugeRules,
    annotate_rail_edges,
    gauges_compatible,
    read_gauge_rules,
    read_hsr_lines,
)

DATA = Path(__file__).resolve().parents[2] / "data" / "geo"


def test_gauge_compatibility_dual_gauge_serves_both() -> None:
    assert gauges_compatible("1435", "1435")
    assert not gauges_compatible("1435", "1520")
    assert not gauges_compatible("1000", "1435")
    # Pingxiang–Đồng Đăng–Hanoi is dual gauge: standard-gauge wagons run on, no break
    assert gauges_compatible("1435", "1435+1000")
    assert gauges_compatible("1435+1000", "1000")


def test_curated_gauge_table_has_the_known_gauges() -> None:
    rules = read_gauge_rules(DATA / "rail_gauge.csv")
    # 1,520 mm: former USSR and Mongolia; 1,000 mm: Vietnam, Thailand; 1,435 mm: China, Laos,
    # Poland, Turkey (Wikipedia "Russian gauge", "Metre-gauge railway", CGTN 2021-12-03)
    for iso3 in ("KAZ", "RUS", "BLR", "MNG", "GEO", "AZE", "UZB"):
        assert rules.by_country[iso3] == "1520"
    for iso3 in ("VNM", "THA", "MYS"):
        assert rules.by_country[iso3] == "1000"
    for iso3 in ("CHN", "LAO", "POL", "DEU", "TUR"):
        assert rules.by_country[iso3] == "1435"
    assert rules.iso3_of["KZ"] == "KAZ"
    assert any(label == "1435+1000" for _, _, _, label in rules.lines)


def test_gauge_table_errors_name_row_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "rail_gauge.csv"
    bad.write_text(
        "rule_id,kind,iso3,iso2,name,coords,buffer_km,gauge,source,as_of,assumption\n"
        "a,country,KAZ,KZ,Kazakhstan,,,1524,src,2026-01-01,\n"
        "b,planet,,,X,,,1435,,,\n"
        "c,line,,,L,1 1;2 2,50,1000,src,not-a-date,\n",
        encoding="utf-8",
    )
    with pytest.raises(DataValidationError) as exc:
        read_gauge_rules(bad)
    text = str(exc.value)
    assert "1524" in text  # gauge not allowed
    assert "planet" in text
    assert "buffer_km" in text
    assert "as_of" in text


def _edges(lines: list[shapely.LineString]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"u": range(len(lines)), "v": range(1, len(lines) + 1), "length_m": 1.0},
        geometry=lines,
        crs=WGS84,
    )


def test_link_country_gauge_and_hsr() -> None:
    a = shapely.box(0, 0, 10, 10)
    b = shapely.box(10, 0, 20, 10)
    sliver = shapely.box(4, 4, 6, 6)  # a generalised neighbour polygon over the line's middle
    countries = gpd.GeoDataFrame(
        {"iso3": ["AAA", "BBB", "SLV"]},
        geometry=[a.difference(sliver), b, sliver],
        crs=WGS84,
    )
    rules = GaugeRules(
        {"AAA": "1435", "BBB": "1520", "SLV": "1000"},
        (("dual", shapely.LineString([(15, 1), (19, 1)]), 20.0, "1435+1000"),),
        {"AA": "AAA", "BB": "BBB"},
    )
    hsr = pd.DataFrame(
        {
            "point_id": ["p"],
            "line_id": ["hs1"],
            "lon": [2.0],
            "lat": [8.0],
            "radius_km": [1.0],
        }
    )
    edges = _edges(
        [
            shapely.LineString([(1, 5), (9, 5)]),  # ends in AAA, middle in the sliver
            shapely.LineString([(8, 2), (14, 2)]),  # crosses: middle (11) in BBB
            shapely.LineString([(16, 1), (18, 1)]),  # inside the dual-gauge zone
            shapely.LineString([(1, 8), (3, 8)]),  # passes the high-speed point
        ]
    )
    out = annotate_rail_edges(edges, countries, rules, hsr)
    assert list(out["country"]) == ["AAA", "BBB", "BBB", "AAA"]
    assert list(out["gauge"]) == ["1435", "1520", "1435+1000", "1435"]
    assert list(out["hsr"]) == [False, False, False, True]
    assert out["hsr_line"].iloc[3] == "hs1"


def test_hsr_table_is_sourced() -> None:
    hsr = read_hsr_lines(DATA / "hsr_lines.csv")
    assert {"lanzhou_urumqi_hsr", "xian_chengdu_hsr"} <= set(hsr["line_id"])
    assert (hsr["radius_km"] <= 5).all()


def test_split_antimeridian() -> None:
    # a trans-Pacific line with unwrapped longitudes (as searoute returns them)
    parts = split_antimeridian([(170.0, 0.0), (190.0, 10.0), (200.0, 20.0)])
    assert len(parts) == 2
    assert parts[0] == [(170.0, 0.0), (180.0, 5.0)]
    assert parts[1][0] == (-180.0, 5.0)
    assert parts[1][-1] == (-160.0, 20.0)
    for part in parts:
        assert all(-180.0 <= x <= 180.0 for x, _ in part)
    # no crossing: one part, unchanged
    assert split_antimeridian([(100.0, 0.0), (120.0, 5.0)]) == [[(100.0, 0.0), (120.0, 5.0)]]
