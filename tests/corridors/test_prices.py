"""Prices from one dated source per lane family (issue 11, item 6), worked out by hand.

Hand figures (sources quoted in ``data/geo/services.toml`` and ``parameters.toml``):

- sea, Asia-Europe: Drewry WCI assessment of 2025-03-13, Shanghai-Rotterdam USD 2,512 and
  Shanghai-Genoa USD 3,333 per FEU, x fx.USD 7.1072 = CNY 17,853.29 and CNY 23,688.30;
- rail, China-Europe: ERAI through rate from Chengdu, March 2025, USD 5,250 per FEU
  = CNY 37,312.80, over the 9,042 km measured for Chengdu-Łódź;
- air, China-Europe: WorldACD China and Hong Kong to Europe, June 2025, USD 3.97 per kg
  = CNY 28.2156 per kg, over the 7,885 km measured for Tianfu-Frankfurt.

And no route trucks between two seaports of one range to save sea freight.
"""

from __future__ import annotations

import pytest

from corridors.engine import Engine
from corridors.models import Leg, Route

USD = 7.1072  # fx.USD, CFETS central parity 2025-09-01 (parameters.toml)
WCI_ROTTERDAM_CNY = 2512 * USD  # 17,853.2864
WCI_GENOA_CNY = 3333 * USD  # 23,688.2976


def _sea_leg(route: Route) -> Leg:
    (leg,) = [leg for leg in route.legs if leg.mode.value == "sea"]
    return leg


@pytest.mark.parametrize(
    ("service", "cny"),
    [
        ("sea_shanghai_rotterdam", 17853.2864),
        ("sea_shanghai_hamburg", 17853.2864),
        ("sea_shanghai_antwerp", 17853.2864),
        ("sea_ningbo_rotterdam", 17853.2864),
        ("sea_ningbo_hamburg", 17853.2864),
        ("sea_ningbo_antwerp", 17853.2864),
        ("sea_shanghai_piraeus", 23688.2976),
        ("sea_ningbo_piraeus", 23688.2976),
        ("sea_shanghai_trieste", 23688.2976),
        ("sea_shanghai_koper", 23688.2976),
        ("sea_shanghai_constanta", 23688.2976),
    ],
)
def test_asia_europe_sea_lanes_carry_the_wci_price(
    engine: Engine, service: str, cny: float
) -> None:
    svc = engine.network.services[service]
    assert svc.tariff_unit == "FEU"
    assert svc.tariff_cny_per_unit == pytest.approx(cny, abs=0.01)
    assert svc.tariff_as_of == "2025-03-13"
    assert cny == pytest.approx(WCI_ROTTERDAM_CNY if cny < 20000 else WCI_GENOA_CNY)


def test_shanghai_and_ningbo_pay_the_same_sea_freight(engine: Engine) -> None:
    # Before: Shanghai flat USD 3,204, Ningbo per km from USD 2,046 -> trucks to Ningbo.
    prices = {}
    for port in ("Shanghai port", "Ningbo port"):
        res = engine.route(port, "Rotterdam", modes=["road", "sea"], objective="cost")
        leg = _sea_leg(res.routes[0])
        assert leg.from_id in {"shanghai_port", "ningbo_port"}
        prices[leg.from_id] = leg.breakdown["line_haul_cny"]
    assert prices == {
        "shanghai_port": pytest.approx(17853.2864, abs=0.01),
        "ningbo_port": pytest.approx(17853.2864, abs=0.01),
    }


def test_per_km_rates_reproduce_their_lane_sources(engine: Engine) -> None:
    p = engine.params
    lanes = ("sea_shanghai_rotterdam", "cr_express_chengdu_lodz_alashankou", "air_tfu_fra")
    measured = dict.fromkeys(lanes, 0.0)
    for ride in engine.network.rides:
        if ride.service_id in measured:
            measured[ride.service_id] += ride.distance_km
    # the calibration distances written in parameters.toml are still what the build measures
    assert measured["sea_shanghai_rotterdam"] == pytest.approx(19626, rel=5e-3)
    assert measured["cr_express_chengdu_lodz_alashankou"] == pytest.approx(9042, rel=5e-3)
    assert measured["air_tfu_fra"] == pytest.approx(7885, rel=5e-3)
    # USD 2,512 x 7.1072 / 19,626 km = 0.9097 CNY per FEU-km; TEU 60 % of it; tonne FEU / 20 t
    assert p.tariff_cny_per_km("sea", "FEU") == pytest.approx(17853.2864 / 19626, rel=1e-4)
    assert p.tariff_cny_per_km("sea", "TEU") == pytest.approx(0.6 * 0.90968, rel=1e-3)
    assert p.tariff_cny_per_km("sea", "tonne") == pytest.approx(0.90968 / 20, rel=1e-3)
    # USD 5,250 x 7.1072 / 9,042 km = 4.1266 CNY per FEU-km
    assert p.tariff_cny_per_km("rail", "FEU") == pytest.approx(37312.8 / 9042, rel=1e-4)
    # USD 3.97 x 7.1072 / 7,885 km = 0.003578 CNY per kg-km
    assert p.tariff_cny_per_km("air", "kg") == pytest.approx(28.215584 / 7885, rel=2e-4)


def test_air_per_kg_price_is_the_2025_china_europe_average(engine: Engine) -> None:
    # 1,000 kg Tianfu -> Frankfurt: line haul = 1,000 x 0.003578 x 7,885 ~ CNY 28,213,
    # i.e. USD 3.97 per kg (the old TAC 2020 level, USD 3.2, was 19 % below it).
    res = engine.route("TFU", "FRA", unit="kg", quantity=1000, modes=["road", "air"])
    (air,) = [leg for leg in res.routes[0].legs if leg.mode.value == "air"]
    assert air.service == "air_tfu_fra"
    per_kg_usd = air.breakdown["line_haul_cny"] / 1000 / USD
    assert per_kg_usd == pytest.approx(3.97, rel=2e-3)
    assert air.prices_as_of == "2025-06-30"


def test_every_estimate_shows_its_price_date(engine: Engine) -> None:
    res = engine.route("Shanghai port", "Rotterdam", modes=["road", "sea"], objective="cost")
    route = res.routes[0]
    assert _sea_leg(route).prices_as_of == "2025-03-13"  # the WCI assessment
    for leg in route.legs:
        if leg.mode.value == "road":
            assert leg.prices_as_of is None  # road tariffs are undated assumptions
    out = res.to_dict()["routes"][0]
    assert out["prices_as_of"] == "2025-03-13"
    assert [leg["prices_as_of"] for leg in out["legs"] if leg["mode"] == "sea"] == ["2025-03-13"]
    # TEU cargo has no published price on the lane: the per-km TEU row, same WCI date
    teu = engine.route("Shanghai port", "Rotterdam", unit="TEU", modes=["road", "sea"])
    assert _sea_leg(teu.routes[0]).prices_as_of == "2025-03-13"
    # a rail route is dated by the ERAI rate (March 2025, dated at its last day)
    rail = engine.route("Chengdu", "Lodz", modes=["rail"])
    assert {leg.prices_as_of for leg in rail.routes[0].legs if leg.mode.value == "rail"} == {
        "2025-03-31"
    }
    assert rail.routes[0].prices_as_of == "2025-03-31"


# ------------------------------------------------------------------ no port-range arbitrage

# (origin port, the other port of its range, deep-sea destinations)
ORIGIN_RANGES = [
    ("shanghai_port", "ningbo_port", ("rotterdam", "hamburg", "antwerp", "piraeus")),
    ("ningbo_port", "shanghai_port", ("rotterdam", "hamburg", "antwerp", "piraeus")),
    ("qinzhou_port", "fangchenggang_port", ("singapore", "rotterdam")),
    # passes since every road leg pays its handling and the road-sea transfer: the 82 km
    # truck to Qinzhou no longer undercuts the MSC string's second customs charge at HCMC
    ("fangchenggang_port", "qinzhou_port", ("singapore", "rotterdam")),
]


@pytest.mark.parametrize(("origin", "other", "destinations"), ORIGIN_RANGES)
def test_no_route_trucks_to_the_other_port_of_its_range(
    engine: Engine, origin: str, other: str, destinations: tuple[str, ...]
) -> None:
    for dest in destinations:
        res = engine.route(origin, dest, modes=["road", "sea"], objective="cost")
        first = res.routes[0].legs[0]
        assert not (first.mode.value == "road" and first.to_id == other), (origin, dest)
        assert _first_sea_port(res.routes[0]) == origin, (origin, dest)


@pytest.mark.parametrize(("dest", "other"), [("rotterdam", "antwerp"), ("antwerp", "rotterdam")])
def test_no_route_sails_to_the_other_port_of_its_range_and_trucks(
    engine: Engine, dest: str, other: str
) -> None:
    # Before: Shanghai -> Rotterdam sailed to Antwerp (per km) and trucked, to beat the flat price.
    for origin in ("shanghai_port", "ningbo_port"):
        res = engine.route(origin, dest, modes=["road", "sea"], objective="cost")
        last = res.routes[0].legs[-1]
        assert not (last.mode.value == "road" and last.from_id == other), (origin, dest)


def _first_sea_port(route: Route) -> str:
    return next(leg.from_id for leg in route.legs if leg.mode.value == "sea")
