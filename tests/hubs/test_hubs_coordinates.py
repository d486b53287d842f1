"""Coordinates of a sample of places against independent data, with stated tolerances."""

from __future__ import annotations

import json
import tomllib
from importlib import resources
from pathlib import Path

import airportsdata
import pytest
import shapely

from gis.crs import geodesic_distance_m
from gis.layers import read_layer
from hubs import Catalog

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "geo"


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(geodesic_distance_m(a[0], a[1], b[0], b[1])) / 1000.0


@pytest.fixture(scope="module")
def searoute_ports() -> dict[str, tuple[float, float]]:
    text = resources.files("searoute").joinpath("data/ports.geojson").read_text(encoding="utf-8")
    feats = json.loads(text)["features"]
    return {f["properties"]["port"]: tuple(f["geometry"]["coordinates"]) for f in feats}


@pytest.mark.parametrize(
    "code", ["ctu", "tfu", "fra", "lgg", "ams", "bud", "gru", "sin", "bkk", "han"]
)
def test_airports_match_airportsdata_within_2_km(catalog: Catalog, code: str) -> None:
    ref = airportsdata.load("IATA")[code.upper()]
    place = catalog.places_by_id[code]
    assert _km(place.lonlat, (ref["lon"], ref["lat"])) <= 2.0


def test_kmg_is_changshui_not_the_closed_wujiaba_point(catalog: Catalog) -> None:
    # airportsdata 20260905 still places KMG at Wujiaba (closed 2012); Changshui is ~20 km NE.
    ref = airportsdata.load("IATA")["KMG"]
    kmg = catalog.places_by_id["kmg"]
    assert 15.0 <= _km(kmg.lonlat, (ref["lon"], ref["lat"])) <= 30.0
    # Changshui lies 24.5 km north-east of Kunming city centre (Wikipedia); allow 20-32 km.
    assert 20.0 <= _km(kmg.lonlat, catalog.places_by_id["kunming"].lonlat) <= 32.0


@pytest.mark.parametrize(
    ("place_id", "locode"),
    [
        ("qinzhou_port", "CNQZH"),
        ("fangchenggang_port", "CNFAN"),
        ("shanghai_port", "CNSHA"),
        ("singapore", "SGSIN"),
        ("haiphong_port", "VNHPH"),
        ("port_klang", "MYPKG"),
        ("jakarta_port", "IDTPP"),
        ("laem_chabang", "THLCH"),
        ("rotterdam", "NLRTM"),
        ("hamburg", "DEHAM"),
        ("piraeus", "GRPIR"),
        ("aktau", "KZAAU"),
        ("poti", "GEPTI"),
        # Cat Lai comes from UN/LOCODE VNCLI; searoute only has VNSGN (Ho Chi Minh City).
        ("hcmc_port", "VNSGN"),
        # Baku city comes from Natural Earth; searoute has the Baku port node.
        ("baku", "AZBAK"),
    ],
)
def test_ports_match_searoute_within_10_km(
    catalog: Catalog, searoute_ports: dict[str, tuple[float, float]], place_id: str, locode: str
) -> None:
    assert _km(catalog.places_by_id[place_id].lonlat, searoute_ports[locode]) <= 10.0


# UN/LOCODE 2024 official coordinates (degrees and minutes, converted), recorded here so the test
# needs no UN/LOCODE file. Our coordinates for these cities come from Natural Earth instead.
UNLOCODE_POINTS = {
    "chengdu": ("CNCDU", 104 + 4 / 60, 30 + 40 / 60),
    "leshan": ("CNLES", 103 + 44 / 60, 29 + 36 / 60),
    "deyang": ("CNDEY", 104 + 24 / 60, 31 + 8 / 60),
    "zigong": ("CNZGO", 104 + 46 / 60, 29 + 23 / 60),
    "suining": ("CNSNN", 105 + 32 / 60, 30 + 32 / 60),
    "mianyang": ("CNMYG", 104 + 42 / 60, 31 + 30 / 60),
}


@pytest.mark.parametrize("place_id", sorted(UNLOCODE_POINTS))
def test_cities_match_unlocode_within_15_km(catalog: Catalog, place_id: str) -> None:
    code, lon, lat = UNLOCODE_POINTS[place_id]
    place = catalog.places_by_id[place_id]
    assert place.unlocode == code
    assert _km(place.lonlat, (lon, lat)) <= 15.0


def test_pingxiang_dong_dang_are_a_border_pair(catalog: Catalog) -> None:
    # Dong Dang station is ~4 km from the border and Pingxiang station ~15 km on the Chinese side.
    d = _km(catalog.places_by_id["pingxiang"].lonlat, catalog.places_by_id["dong_dang"].lonlat)
    assert 5.0 <= d <= 30.0


# --- sites of Sichuan's customs zones, river ports and border stations (issue 10, item 5) ---

BONDED_KINDS = ("bonded_zone", "bonded_logistics_centre")


def test_every_bonded_zone_and_centre_lies_in_its_prefecture(
    catalog: Catalog, built_dir: Path
) -> None:
    # The prefecture polygons (boundary build) are independent of the places' coordinates:
    # a zone anchored in the wrong city, or a typo in a coordinate, falls outside its own one.
    prefs = read_layer(built_dir / "prefectures.parquet")
    poly = dict(zip(prefs["adcode"].astype(str), prefs.geometry, strict=True))
    zones = [p for p in catalog.places if p.kind.value in BONDED_KINDS]
    assert len([p for p in zones if p.kind.value == "bonded_zone"]) == 6
    outside = [p.id for p in zones if not poly[p.adcode].contains(shapely.Point(p.lonlat))]
    assert outside == []
    # every one states its status and where its point comes from
    assert all(p.status and p.coord_source and p.source for p in zones)


def test_yibin_port_is_down_river_of_the_city_on_the_waterway(catalog: Catalog) -> None:
    # CNR 2018-03-30: the port lies 14 km downstream of the Min–Jinsha confluence. The river
    # winds, so the straight line is shorter than 14 km but not by much (the reach is straight).
    port, city = catalog.places_by_id["yibin_port"], catalog.places_by_id["yibin"]
    confluence = (104.59929, 28.78437)  # end of the Natural Earth Min line (Hejiangmen)
    assert 11.0 <= _km(port.lonlat, confluence) <= 14.0
    assert port.lon > confluence[0]  # the Yangtze flows east from Yibin
    # no longer the city point: the city centre is on the confluence, the port down river
    assert _km(port.lonlat, city.lonlat) > 10.0
    # and it lies on the engine's Yangtze polyline (services.toml), within 1.5 km
    assert _km_to_waterway(port.lonlat) <= 1.5


def _km_to_waterway(lonlat: tuple[float, float]) -> float:
    """Km from a point to the engine's Yangtze polyline (Yibin–Shanghai, services.toml)."""
    svc = next(
        s
        for s in tomllib.loads((DATA_DIR / "services.toml").read_text("utf-8"))["service"]
        if s["id"] == "yz_iww_yibin_shanghai"
    )
    line = shapely.LineString(
        [tuple(map(float, c.split())) for c in svc["coords"].split(";") if c.strip()]
    )
    near = line.interpolate(line.project(shapely.Point(lonlat)))
    return _km(lonlat, (near.x, near.y))


def test_guoyuan_is_the_yuzui_port_not_central_chongqing(catalog: Catalog) -> None:
    # Guoyuan port: Yuzui, on the Yangtze north bank, about 30 km from Chaotianmen (press report
    # 2012); central Chongqing (the city point, Chaotianmen) lies about 20-25 km up river of it.
    port, city = catalog.places_by_id["chongqing_guoyuan"], catalog.places_by_id["chongqing"]
    chaotianmen = (106.585, 29.565)  # the Jialing mouth (Natural Earth Jialing line ends here)
    assert 18.0 <= _km(port.lonlat, chaotianmen) <= 30.0
    assert _km(port.lonlat, city.lonlat) > 15.0
    assert port.lon > chaotianmen[0]  # down river, to the east
    assert _km_to_waterway(port.lonlat) <= 1.5


@pytest.mark.parametrize(
    ("place", "iso3"),
    [("altynkol", "KAZ"), ("khorgos", "CHN"), ("dostyk", "KAZ"), ("alashankou", "CHN")],
)
def test_border_stations_lie_on_their_own_side(
    catalog: Catalog, built_dir: Path, place: str, iso3: str
) -> None:
    # Altynkol once had Khorgos's coordinates; the boundary layer is independent of places.csv
    world = read_layer(built_dir / "world_countries.parquet")
    country = world.loc[world["iso3"] == iso3].geometry.iloc[0]
    assert country.contains(shapely.Point(catalog.places_by_id[place].lonlat))
