"""Offline checks of the service layer catalog ``data/geo/services.toml``.

The catalog lists the scheduled freight services the corridor engine follows. These tests read it
with ``tomllib`` and ``data/geo/places.csv`` with ``csv`` only: no package code, no network.
"""

from __future__ import annotations

import csv
import itertools
import math
import re
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "geo"
SERVICES_TOML = DATA_DIR / "services.toml"
PLACES_CSV = DATA_DIR / "places.csv"

CORRIDORS = {
    "china_europe_rail",
    "middle_corridor",
    "ilstc",
    "china_laos",
    "china_vietnam",
    "road_international",
    "air_cargo",
    "yangtze",
    "sea",
}
MODES = {"rail", "road", "sea", "inland_waterway", "air"}
REQUIRED_KEYS = {
    "id",
    "name_en",
    "name_zh",
    "corridor",
    "mode",
    "operator",
    "waypoints",
    "border_crossings",
    "gauge_breaks",
    "passages",
    "frequency_per_week",
}
NUMERIC_FIELDS = (
    "frequency_per_week",
    "published_transit_h",
    "published_distance_km",
    "tariff_per_unit",
)
# Track gauges on these corridors: standard, Russian/CIS broad, metre (Vietnam, Thailand, Yunnan).
GAUGES_MM = {1000, 1435, 1520}
# Chokepoint names carried by the searoute marnet layer (field ``passage``).
SEAROUTE_PASSAGES = {
    "babalmandab",
    "bering",
    "bosporus",
    "chili",
    "dardanelles",
    "gibraltar",
    "malacca",
    "northwest",
    "ormuz",
    "panama",
    "south_africa",
    "suez",
    "sunda",
}
ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
# A coords polyline vertex must lie this close to each waypoint of an inland-waterway service.
MAX_WAYPOINT_TO_RIVER_KM = 10.0


def _load_catalog() -> dict[str, Any]:
    with SERVICES_TOML.open("rb") as fh:
        return tomllib.load(fh)


def _load_places() -> dict[str, dict[str, str]]:
    with PLACES_CSV.open(encoding="utf-8", newline="") as fh:
        return {row["id"]: row for row in csv.DictReader(fh)}


def _parse_coords(text: str) -> list[tuple[float, float]]:
    points = []
    for chunk in text.split(";"):
        lon, lat = (float(v) for v in chunk.split())
        points.append((lon, lat))
    return points


def _haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


CATALOG = _load_catalog()
SERVICES: list[dict[str, Any]] = CATALOG["service"]
SERVICE_IDS = [s.get("id", f"#{i}") for i, s in enumerate(SERVICES)]


@pytest.fixture(scope="module")
def places() -> dict[str, dict[str, str]]:
    if not PLACES_CSV.exists():
        pytest.skip("data/geo/places.csv does not exist yet (written by the places owner)")
    return _load_places()


def test_header_has_version_and_as_of() -> None:
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}\.\d+", CATALOG["version"])
    date.fromisoformat(CATALOG["as_of"])


def test_ids_unique_and_snake_case() -> None:
    assert len(SERVICE_IDS) == len(set(SERVICE_IDS)), "duplicate service ids"
    bad = [i for i in SERVICE_IDS if not ID_RE.match(i)]
    assert not bad, f"ids not lowercase snake_case: {bad}"


def test_all_corridors_present() -> None:
    present = {s["corridor"] for s in SERVICES}
    assert present >= CORRIDORS, f"corridors without a service: {sorted(CORRIDORS - present)}"


def test_all_modes_present() -> None:
    assert {s["mode"] for s in SERVICES} == MODES


@pytest.mark.parametrize("svc", SERVICES, ids=SERVICE_IDS)
def test_required_keys_and_enums(svc: dict[str, Any]) -> None:
    missing = REQUIRED_KEYS - svc.keys()
    assert not missing, f"missing keys {sorted(missing)}"
    assert svc["corridor"] in CORRIDORS
    assert svc["mode"] in MODES
    for key in ("name_en", "name_zh", "operator"):
        assert isinstance(svc[key], str)
        assert svc[key].strip()
    assert re.search(r"[\u4e00-\u9fff]", svc["name_zh"]), "name_zh has no Chinese characters"


@pytest.mark.parametrize("svc", SERVICES, ids=SERVICE_IDS)
def test_waypoints_shape(svc: dict[str, Any]) -> None:
    wps = svc["waypoints"]
    assert isinstance(wps, list)
    assert len(wps) >= 2
    assert all(isinstance(w, str) and ID_RE.match(w) for w in wps)
    assert all(a != b for a, b in itertools.pairwise(wps)), "repeated consecutive waypoint"


@pytest.mark.parametrize("svc", SERVICES, ids=SERVICE_IDS)
def test_waypoints_exist_in_places(svc: dict[str, Any], places: dict[str, dict[str, str]]) -> None:
    unknown = [w for w in svc["waypoints"] if w not in places]
    assert not unknown, f"waypoints not in places.csv: {unknown}"


def _dms(deg: int, minutes: int, seconds: int) -> float:
    return deg + minutes / 60 + seconds / 3600


# The stop-overs of the published CTU–GRU freighter routing (via Brussels, then Dakar), placed
# where independent references put them:
# - Brussels Airport (EBBR): 50°54′05″N 4°29′04″E (AIP Belgium aerodrome reference point, as
#   quoted by Wikipedia "Brussels Airport"). airportsdata 20260905 stores the same digits as
#   decimals (50.5405, 4.2904), a degrees-minutes-seconds slip, so it is not used for BRU.
# - Blaise Diagne International Airport (GOBD): 14.67111 N, -17.06694 E (airportsdata 20260905).
STOPOVERS = {
    "bru": (_dms(4, 29, 4), _dms(50, 54, 5)),
    "dss": (-17.06694, 14.67111),
}


@pytest.mark.parametrize("place_id", sorted(STOPOVERS))
def test_freighter_stopovers_are_placed_at_their_airports(
    place_id: str, places: dict[str, dict[str, str]]
) -> None:
    used = {w for s in SERVICES for w in s["waypoints"]}
    assert place_id in used
    row = places[place_id]
    assert row["kind"] == "airport"
    lon, lat = STOPOVERS[place_id]
    assert _haversine_km((float(row["lon"]), float(row["lat"])), (lon, lat)) < 1.0


@pytest.mark.parametrize("svc", SERVICES, ids=SERVICE_IDS)
def test_border_crossings_are_consecutive_pairs(svc: dict[str, Any]) -> None:
    wps = svc["waypoints"]
    legs = set(itertools.pairwise(wps))
    for pair in svc["border_crossings"]:
        assert isinstance(pair, list)
        assert len(pair) == 2
        assert tuple(pair) in legs, f"{pair} is not a consecutive waypoint pair"
    pairs = [tuple(p) for p in svc["border_crossings"]]
    assert len(pairs) == len(set(pairs)), "duplicate border crossing"


@pytest.mark.parametrize("svc", SERVICES, ids=SERVICE_IDS)
def test_gauge_breaks_at_waypoints(svc: dict[str, Any]) -> None:
    breaks = svc["gauge_breaks"]
    if svc["mode"] != "rail":
        assert breaks == [], "gauge breaks only make sense on rail services"
    for gb in breaks:
        assert set(gb) == {"at", "from_mm", "to_mm"}
        assert gb["at"] in svc["waypoints"], f"gauge break at {gb['at']} is not a waypoint"
        assert gb["from_mm"] in GAUGES_MM
        assert gb["to_mm"] in GAUGES_MM
        assert gb["from_mm"] != gb["to_mm"]
    # consecutive breaks must chain: what one break changes to, the next changes from
    for first, second in itertools.pairwise(breaks):
        assert first["to_mm"] == second["from_mm"]
        assert svc["waypoints"].index(first["at"]) < svc["waypoints"].index(second["at"])


@pytest.mark.parametrize("svc", SERVICES, ids=SERVICE_IDS)
def test_passages_known_and_only_at_sea(svc: dict[str, Any]) -> None:
    passages = svc["passages"]
    assert isinstance(passages, list)
    if svc["mode"] != "sea":
        assert passages == []
    assert set(passages) <= SEAROUTE_PASSAGES


@pytest.mark.parametrize("svc", SERVICES, ids=SERVICE_IDS)
def test_numeric_fields_have_provenance(svc: dict[str, Any]) -> None:
    for name in NUMERIC_FIELDS:
        if name not in svc:
            assert name != "frequency_per_week"
            continue
        field = svc[name]
        assert isinstance(field, dict), f"{name} must be a table"
        value = field.get("value")
        assert isinstance(value, int | float)
        assert not isinstance(value, bool)
        assert value > 0, f"{name} must be positive"
        has_source = bool(field.get("source")) and bool(field.get("as_of"))
        has_assumption = bool(str(field.get("assumption", "")).strip())
        assert has_source or has_assumption, f"{name} needs source+as_of or assumption"
        if "as_of" in field:
            assert date.fromisoformat(field["as_of"]) <= date.fromisoformat(CATALOG["as_of"])
        if "source" in field:
            assert field.get("as_of"), f"{name} has a source but no as_of"
        if name == "tariff_per_unit":
            assert field.get("unit"), "tariff needs a unit"


@pytest.mark.parametrize("svc", SERVICES, ids=SERVICE_IDS)
def test_coords_only_and_always_on_inland_waterway(svc: dict[str, Any]) -> None:
    if svc["mode"] != "inland_waterway":
        assert "coords" not in svc
        return
    points = _parse_coords(svc["coords"])
    assert len(points) >= 2
    for lon, lat in points:
        assert -180 <= lon <= 180
        assert -90 <= lat <= 90


@pytest.mark.parametrize(
    "svc", [s for s in SERVICES if s["mode"] == "inland_waterway"], ids=lambda s: s["id"]
)
def test_river_polyline_passes_its_waypoints(
    svc: dict[str, Any], places: dict[str, dict[str, str]]
) -> None:
    points = _parse_coords(svc["coords"])
    for wp in svc["waypoints"]:
        here = (float(places[wp]["lon"]), float(places[wp]["lat"]))
        nearest = min(_haversine_km(here, p) for p in points)
        assert nearest <= MAX_WAYPOINT_TO_RIVER_KM, f"{wp} is {nearest:.1f} km from the polyline"
    first = (float(places[svc["waypoints"][0]]["lon"]), float(places[svc["waypoints"][0]]["lat"]))
    last = (float(places[svc["waypoints"][-1]]["lon"]), float(places[svc["waypoints"][-1]]["lat"]))
    assert _haversine_km(first, points[0]) <= MAX_WAYPOINT_TO_RIVER_KM
    assert _haversine_km(last, points[-1]) <= MAX_WAYPOINT_TO_RIVER_KM


def test_yangtze_published_distance_is_plausible() -> None:
    svc = next(s for s in SERVICES if s["id"] == "yz_iww_yibin_shanghai")
    points = _parse_coords(svc["coords"])
    polyline_km = sum(_haversine_km(a, b) for a, b in itertools.pairwise(points))
    published = svc["published_distance_km"]["value"]
    # a 1:10M generalised river line is shorter than the fairway, but not by more than a fifth
    assert 0.8 * published <= polyline_km <= 1.05 * published


def test_expected_services_present() -> None:
    ids = set(SERVICE_IDS)
    expected = {
        "cr_express_chengdu_lodz_alashankou",
        "cr_express_chengdu_duisburg_khorgos",
        "cr_express_chengdu_moscow_erenhot",
        "cr_express_chengdu_moscow_manzhouli",
        "cr_express_chengdu_almaty_alashankou",
        "cr_express_chengdu_tashkent_khorgos",
        "mc_ferry_aktau_alat",
        "mc_rail_alat_kars_istanbul",
        "ilstc_rail_chengdu_qinzhou",
        "ilstc_sea_singapore_rotterdam",
        "cl_rail_kunming_vientiane",
        "cv_rail_kunming_haiphong_metre",
        "road_chengdu_vientiane_bangkok",
        "air_ctu_gru_via_bru_dss",
        "yz_iww_yibin_shanghai",
        "sea_shanghai_rotterdam",
    }
    assert expected <= ids, f"missing: {sorted(expected - ids)}"


def test_every_exit_of_china_europe_rail_is_covered() -> None:
    exits = {s["border_crossings"][0][0] for s in SERVICES if s["corridor"] == "china_europe_rail"}
    assert {"alashankou", "khorgos", "erenhot", "manzhouli"} <= exits


def test_middle_corridor_splits_rail_and_sea() -> None:
    mc = [s for s in SERVICES if s["corridor"] == "middle_corridor"]
    caspian = [s for s in mc if {"aktau", "alat"} <= set(s["waypoints"])]
    assert caspian
    assert all(s["mode"] == "sea" for s in caspian)
    assert any(s["mode"] == "rail" and "aktau" in s["waypoints"] for s in mc)
    assert any(s["mode"] == "rail" and "poti" in s["waypoints"] for s in mc)
    assert any(s["mode"] == "rail" and "kars" in s["waypoints"] for s in mc)


def test_metre_gauge_breaks_where_expected() -> None:
    by_id = {s["id"]: s for s in SERVICES}
    laos_thai = by_id["cl_rail_kunming_bangkok"]["gauge_breaks"]
    assert laos_thai == [{"at": "thanaleng", "from_mm": 1435, "to_mm": 1000}]
    vietnam = by_id["cv_rail_kunming_haiphong_metre"]["gauge_breaks"]
    assert vietnam[0]["to_mm"] == 1000
