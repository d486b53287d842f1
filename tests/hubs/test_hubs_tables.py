"""Validation of malformed tables (every problem at once) and county places."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box

from gis.errors import DataValidationError
from hubs import Catalog, PlaceKind, Region, county_places, load_catalog, load_places
from hubs.tables import PLACE_COLUMNS, english_county_name

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "geo"

HEADER = ",".join(PLACE_COLUMNS)
GOOD = "lodz,罗兹,Lodz,Łódź,city,19.466667,51.75,PL,,PLLOD,,,,unlocode:PLLOD,https://x,2026-01-01,"


def _write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "places.csv"
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def test_good_row_loads(tmp_path: Path) -> None:
    (place,) = load_places(_write(tmp_path, [GOOD]))
    assert place.id == "lodz"
    assert place.aliases == ("Łódź",)
    assert place.region is None


def test_every_problem_reported_at_once(tmp_path: Path) -> None:
    lines = [
        GOOD,
        # row 2: duplicate id, duplicate UN/LOCODE
        GOOD,
        # row 3: bad id, bad kind, lon not a number, lat out of range
        "Bad-Id,甲,A,,harbour,abc,95,CN,,,,,,x,https://x,2026-01-01,",
        # row 4: missing name_en, no provenance at all, bad date elsewhere? (none), bad IATA
        "b,乙,,,airport,10,10,DE,,,XX1,,,x,,,",
        # row 5: Sichuan adcode outside the bbox, adcode not a prefecture
        "c,丙,C,,city,120,30,CN,519900,,,,,x,https://x,2026-02-30,",
        # row 6: adcode with the wrong country, UN/LOCODE of another country, too many decimals
        "d,丁,D,,city,104.1234567,30,DE,510100,PLXXX,,,,x,,,assumed",
    ]
    with pytest.raises(DataValidationError) as err:
        load_places(_write(tmp_path, lines))
    found = {(p.row, p.column) for p in err.value.problems}
    expected = {
        (2, "id"),
        (2, "unlocode"),
        (3, "id"),
        (3, "kind"),
        (3, "lon"),
        (3, "lat"),
        (4, "name_en"),
        (4, "source"),
        (4, "iata"),
        (5, "lon"),
        (5, "as_of"),
        (6, "country"),
        (6, "unlocode"),
        (6, "lon"),
    }
    assert expected <= found
    assert all(p.file == "places.csv" for p in err.value.problems)
    assert "row 3, column 'kind'" in str(err.value)


def test_adcode_must_be_among_prefectures(tmp_path: Path, catalog: Catalog) -> None:
    row = "e,戊,E,,city,104,30,CN,519900,,,,,x,https://x,2026-01-01,"
    with pytest.raises(DataValidationError) as err:
        load_places(_write(tmp_path, [row]), prefectures=catalog.prefectures)
    assert [(p.row, p.column) for p in err.value.problems] == [(1, "adcode")]


def test_missing_column_and_unknown_kind_of_generated_places(tmp_path: Path) -> None:
    path = tmp_path / "places.csv"
    header = HEADER.replace(",assumption", "")
    path.write_text(header + "\nz,子,Z,,county,104,30,CN,,,,,,x,https://x,2026-01-01\n")
    with pytest.raises(DataValidationError) as err:
        load_places(path)
    found = {(p.row, p.column) for p in err.value.problems}
    assert (None, "assumption") in found
    assert (1, "kind") in found  # county places are generated, not curated


def test_catalog_reports_both_files(tmp_path: Path) -> None:
    prefs = (DATA_DIR / "prefectures.csv").read_text(encoding="utf-8").splitlines()
    # break row 1 (Chengdu): unknown region; drop the last prefecture (20 rows)
    prefs[1] = prefs[1].replace("chengdu_plain", "sichuan_basin")
    (tmp_path / "prefectures.csv").write_text("\n".join(prefs[:-1]) + "\n", encoding="utf-8")
    places = (DATA_DIR / "places.csv").read_text(encoding="utf-8")
    (tmp_path / "places.csv").write_text(places.replace(",city,", ",town,", 1), encoding="utf-8")
    with pytest.raises(DataValidationError) as err:
        load_catalog(tmp_path)
    by_file = {(p.file, p.column) for p in err.value.problems}
    assert ("prefectures.csv", "region") in by_file
    assert ("prefectures.csv", None) in by_file  # 20 rows instead of 21
    assert ("places.csv", "kind") in by_file


@pytest.mark.parametrize(
    ("zh", "en"),
    [
        ("郫都区", "Pidu District"),
        ("长宁县", "Changning County"),
        ("什邡市", "Shifang City"),
        ("北川羌族自治县", "Beichuan Qiang Autonomous County"),
        ("若尔盖县", "Ruo'ergai County"),
        ("蓬安县", "Peng'an County"),
    ],
)
def test_english_county_name(zh: str, en: str) -> None:
    assert english_county_name(zh) == en


def test_county_places_from_tiny_layer(catalog: Catalog) -> None:
    gdf = gpd.GeoDataFrame(
        {
            "adcode": ["510124", "511524"],
            "name_zh": ["郫都区", "长宁县"],
            "prefecture_adcode": ["510100", "511500"],
        },
        geometry=[box(103.8, 30.7, 104.0, 30.9), box(104.8, 28.4, 105.1, 28.7)],
        crs="EPSG:4326",
    )
    places = county_places(gdf, catalog.prefectures)
    assert [p.id for p in places] == ["county_510124", "county_511524"]
    pidu = places[0]
    assert pidu.kind is PlaceKind.COUNTY
    assert pidu.name_en == "Pidu District"
    assert pidu.region is Region.CHENGDU_PLAIN
    assert pidu.adcode == "510100"
    assert "510124" in pidu.aliases
    # the representative point of a box lies inside it
    assert 103.8 < pidu.lon < 104.0
    assert 30.7 < pidu.lat < 30.9
    assert "pinyin" in pidu.assumption
    assert places[1].region is Region.SOUTH_SICHUAN


def test_county_places_rejects_unknown_prefecture(catalog: Catalog) -> None:
    gdf = gpd.GeoDataFrame(
        {"adcode": ["990101"], "name_zh": ["某区"], "prefecture_adcode": ["990100"]},
        geometry=[box(0, 0, 1, 1)],
        crs="EPSG:4326",
    )
    with pytest.raises(DataValidationError) as err:
        county_places(gdf, catalog.prefectures)
    assert err.value.problems[0].column == "prefecture_adcode"
