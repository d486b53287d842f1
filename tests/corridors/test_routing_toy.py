"""The router on a hand-checkable toy network (every expected figure is worked out below).

Toy parameters (tests/data/toy_parameters.toml), per FEU of 20 t:
road 50 km/h, 10 CNY/km, 100 g/tkm, no handling; drivers' hours: a break of 0.5 h after 4 h of
driving, at most 10 h of driving a day, then a 10 h rest, one driver;
rail 50 km/h, 4 CNY/km, fixed 100, handling 2 h, 20 g/tkm;
sea 25 km/h, 1 CNY/km, fixed 200, handling 10 h, 10 g/tkm; wait = half the headway;
transfers: rail-road 3 h, 300 CNY; rail-sea 5 h, 500 CNY; road-sea 4 h, 400 CNY;
border b1: 10 h, 1,000 CNY; gauge break 1435/1520: 6 h, 600 CNY; value of time 100 CNY/h.

Network: origin A, destination X.
  rail1 (7/week): r1 -1000 km- b1 -10 km- b2 -990 km- xt; border b1->b2; gauge break at b2.
  rail2 (14/week): r1 -500 km- p1.   sea1 (3.5/week): p1 -5000 km- p2, passage suez.
  road: A-r1 20 km, xt-X 10 km, p2-X 30 km; direct A-X 2,500 km.

Rail route A-r1-(rail1)-xt-X:
  road A-r1 0.4 h + transfer road-rail 3 h = 3.4 h, 200 + 300 = 500 CNY, 40 kg;
  rail1 (12 wait + 2 handling) + 20 + 0.2 + 10 border + 6 gauge + 19.8 = 70 h,
    100 + 4000 + 40 + 1000 + 600 + 3960 = 9,700 CNY, 400 + 4 + 396 = 800 kg;
  transfer rail-road 3 h + road xt-X 0.2 h = 3.2 h, 300 + 100 = 400 CNY, 20 kg;
  total 76.6 h, 10,600 CNY, 860 kg.
Sea route A-r1-(rail2)-p1-(sea1)-p2-X:
  road 3.4 h, 500 CNY, 40 kg (as above); rail2 6 wait + 2 + 10 = 18 h, 2,100 CNY, 200 kg;
  transfer rail-sea 5 h, 500 CNY + sea1 24 wait + 10 + 200 = 239 h, 5,700 CNY, 1,000 kg;
  transfer sea-road 4 h + road 0.6 h = 4.6 h, 400 + 300 = 700 CNY, 60 kg;
  total 265 h, 9,000 CNY, 1,300 kg.
Road route: 2,500 km = 50 h of driving: five days of 10 h, four 10 h rests (40 h) and two
  breaks a day (10 x 0.5 h = 5 h): 95 h; 25,000 CNY; 5,000 kg. (Without drivers' hours it
  was 50 h and beat rail on time; transfers were not priced at all.)
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest
from shapely.geometry import LineString

from corridors.access import RoadTrip
from corridors.errors import InfeasibleConstraintError, NoRouteError
from corridors.models import (
    Cargo,
    CargoUnit,
    GaugeBreak,
    Mode,
    Objective,
    RideLeg,
    Service,
    ServiceNetwork,
    Terminal,
)
from corridors.params import load_parameters
from corridors.routing import Router
from corridors.search import AccessLimits, Endpoint, Query
from corridors.tariffs import ParameterCostModel

TOY = Path(__file__).resolve().parent.parent / "data" / "toy_parameters.toml"

# Toy coordinates only serve the geometry; distances are given explicitly.
XY = {
    "a": (0.0, 0.0),
    "r1": (0.1, 0.0),
    "b1": (10.0, 0.0),
    "b2": (10.1, 0.0),
    "xt": (20.0, 0.0),
    "x": (20.1, 0.0),
    "p1": (5.0, -5.0),
    "p2": (20.0, -5.0),
}
ROAD_KM = {("a", "r1"): 20.0, ("x", "xt"): 10.0, ("x", "p2"): 30.0}
DIRECT_KM = {("a", "x"): 2500.0}


class ToyAccess:
    """Road distances from a table (a real network is tested elsewhere)."""

    def __init__(self, *, direct: bool = True, extra: Mapping[tuple[str, str], float] = {}) -> None:
        self.direct = direct
        self.road_km = {**ROAD_KM, **extra}

    def _name(self, lon: float, lat: float) -> str:
        return next(k for k, v in XY.items() if v == (lon, lat))

    def road_trips(
        self, lon: float, lat: float, targets: Mapping[str, Terminal]
    ) -> dict[str, RoadTrip]:
        here = self._name(lon, lat)
        out = {}
        for (p, q), km in self.road_km.items():
            if p == here and q in targets:
                out[q] = RoadTrip(km, LineString([XY[p], XY[q]]))
        return out

    def road_trip(self, a: tuple[float, float], b: tuple[float, float]) -> RoadTrip | None:
        key = (self._name(*a), self._name(*b))
        if not self.direct or key not in DIRECT_KM:
            return None
        return RoadTrip(DIRECT_KM[key], LineString([a, b]))


def _ride(
    svc: str, i: int, a: str, b: str, mode: Mode, km: float, passages: tuple[str, ...] = ()
) -> RideLeg:
    return RideLeg(svc, i, a, b, mode, km, LineString([XY[a], XY[b]]), passages)


def _network() -> ServiceNetwork:
    terms = {k: Terminal(k, k, k.upper(), *XY[k]) for k in ("r1", "b1", "b2", "xt", "p1", "p2")}
    services = {
        "rail1": Service(
            "rail1",
            "Rail 1",
            "铁路1",
            "toy_rail",
            Mode.RAIL,
            "op",
            ("r1", "b1", "b2", "xt"),
            7.0,
            border_crossings=(("b1", "b2"),),
            gauge_breaks=(GaugeBreak("b2", 1435, 1520),),
        ),
        "rail2": Service(
            "rail2", "Rail 2", "铁路2", "toy_feeder", Mode.RAIL, "op", ("r1", "p1"), 14.0
        ),
        "sea1": Service(
            "sea1",
            "Sea 1",
            "海运1",
            "toy_sea",
            Mode.SEA,
            "op",
            ("p1", "p2"),
            3.5,
            passages=("suez",),
        ),
    }
    rides = (
        _ride("rail1", 0, "r1", "b1", Mode.RAIL, 1000.0),
        _ride("rail1", 1, "b1", "b2", Mode.RAIL, 10.0),
        _ride("rail1", 2, "b2", "xt", Mode.RAIL, 990.0),
        _ride("rail2", 0, "r1", "p1", Mode.RAIL, 500.0),
        _ride("sea1", 0, "p1", "p2", Mode.SEA, 5000.0, ("suez",)),
    )
    return ServiceNetwork(terms, services, rides)


@pytest.fixture(scope="module")
def router() -> Router:
    return Router(_network(), ParameterCostModel(load_parameters(TOY)), ToyAccess())


def _query(**kw: object) -> Query:
    quantity = float(kw.pop("quantity", 1.0))  # type: ignore[arg-type]
    cargo = Cargo(CargoUnit.FEU, quantity, 20.0 * quantity)  # 20 t per FEU in the toy parameters
    base: dict[str, object] = {
        "origin": Endpoint("a", "甲", "A", *XY["a"]),
        "destination": Endpoint("x", "乙", "X", *XY["x"]),
        "cargo": cargo,
        "limits": AccessLimits.from_parameters(load_parameters(TOY)),
    }
    base.update(kw)
    return Query(**base)  # type: ignore[arg-type]


def test_drivers_hours_make_the_direct_road_slower_than_rail(router: Router) -> None:
    (best,) = router.route(_query(objective=Objective.TIME))
    assert best.services == ("rail1",)
    assert best.time_h == pytest.approx(76.6)
    (road,) = router.route(_query(objective=Objective.TIME, modes=frozenset({Mode.ROAD})))
    assert road.modes == ("road",)
    assert road.time_h == pytest.approx(95.0)
    assert road.legs[0].breakdown["driver_rest_h"] == pytest.approx(45.0)
    assert road.cost_cny == pytest.approx(25000.0)
    assert road.co2_kg == pytest.approx(5000.0)


def test_rail_route_accounts_for_wait_handling_border_gauge_and_transfers(router: Router) -> None:
    (best,) = router.route(_query(objective=Objective.TIME, modes=frozenset({Mode.RAIL, Mode.SEA})))
    assert best.services == ("rail1",)
    assert best.modes == ("road", "rail", "road")
    assert best.time_h == pytest.approx(76.6)
    assert best.cost_cny == pytest.approx(10600.0)
    assert best.co2_kg == pytest.approx(860.0)
    assert best.border_crossings == ("b1-b2",)
    assert best.gauge_breaks == ("b2:1435->1520",)
    rail = best.legs[1]
    assert rail.breakdown["wait_h"] == pytest.approx(12.0)
    assert rail.breakdown["border_h"] == pytest.approx(10.0)
    assert rail.breakdown["gauge_cny"] == pytest.approx(600.0)
    assert rail.distance_km == pytest.approx(2000.0)
    assert best.legs[0].breakdown["transfer_h"] == pytest.approx(3.0)
    assert best.legs[2].breakdown["transfer_cny"] == pytest.approx(300.0)


def test_each_leg_of_the_sea_route_is_priced_as_worked_out(router: Router) -> None:
    # Leg by leg (module docstring); each change of mode is priced once: road-rail on the
    # road leg to r1, rail-sea on boarding sea1 at p1, sea-road on the road leg from p2.
    (best,) = router.route(_query(objective=Objective.COST))
    got = [(leg.distance_km, leg.time_h, leg.cost_cny, leg.co2_kg) for leg in best.legs]
    want = [
        (20.0, 3.4, 500.0, 40.0),
        (500.0, 18.0, 2100.0, 200.0),
        (5000.0, 239.0, 5700.0, 1000.0),
        (30.0, 4.6, 700.0, 60.0),
    ]
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert g == pytest.approx(w)
    assert (best.distance_km, best.time_h, best.cost_cny) == pytest.approx((5550.0, 265.0, 9000.0))
    transfers = sum(leg.breakdown.get("transfer_h", 0.0) for leg in best.legs)
    assert transfers == pytest.approx(3.0 + 5.0 + 4.0)


def test_egress_stays_on_the_train_to_the_stop_nearest_the_destination() -> None:
    # A 400 km road from b2 to X: trucking from b2 (transfer 3 h + 8 h driving + one 0.5 h
    # break = 11.5 h) beats riding on to xt (19.8 h + 3 h transfer + 0.2 h), but xt is nearer
    # X (10 km), so the cargo stays on the train: the drayage rule, not a price, decides.
    r = Router(
        _network(),
        ParameterCostModel(load_parameters(TOY)),
        ToyAccess(extra={("x", "b2"): 400.0}),
    )
    (best,) = r.route(_query(objective=Objective.TIME, modes=frozenset({Mode.RAIL})))
    assert [leg.to_id for leg in best.legs] == ["r1", "xt", "x"]
    assert best.time_h == pytest.approx(76.6)


def test_access_never_drives_past_a_nearer_stop_of_the_service() -> None:
    # A 300 km road from A to b1 (6 h + one break, 6.5 h + 3 h transfer) would skip 20 h of
    # rail from r1, but r1 (20 km) is a nearer stop of the same train: board there.
    r = Router(
        _network(),
        ParameterCostModel(load_parameters(TOY)),
        ToyAccess(extra={("a", "b1"): 300.0}),
    )
    (best,) = r.route(_query(objective=Objective.TIME, modes=frozenset({Mode.RAIL})))
    assert best.legs[0].to_id == "r1"
    assert best.time_h == pytest.approx(76.6)


@pytest.mark.parametrize(
    ("objective", "services", "value"),
    [
        (Objective.COST, ("rail2", "sea1"), 9000.0),
        (Objective.CO2, ("rail1",), 860.0),
        (Objective.GENERALIZED, ("rail1",), 10600.0 + 100.0 * 76.6),
    ],
)
def test_each_objective(
    router: Router, objective: Objective, services: tuple[str, ...], value: float
) -> None:
    (best,) = router.route(_query(objective=objective))
    assert best.services == services
    got = {
        Objective.COST: best.cost_cny,
        Objective.CO2: best.co2_kg,
        Objective.GENERALIZED: best.cost_cny + 100.0 * best.time_h,
    }[objective]
    assert got == pytest.approx(value)


def test_sea_route_figures(router: Router) -> None:
    (best,) = router.route(_query(objective=Objective.COST))
    assert best.time_h == pytest.approx(265.0)
    assert best.co2_kg == pytest.approx(1300.0)
    assert best.passages == ("suez",)
    assert [leg.mode.value for leg in best.legs] == ["road", "rail", "sea", "road"]


def test_alternatives_are_different_corridors(router: Router) -> None:
    routes = router.route(_query(objective=Objective.TIME, alternatives=3))
    assert [r.corridor for r in routes] == ["toy_rail", "road", "toy_sea"]
    assert [r.rank for r in routes] == [1, 2, 3]
    assert [r.time_h for r in routes] == pytest.approx([76.6, 95.0, 265.0])


def test_quantity_scales_cost_and_co2_not_time(router: Router) -> None:
    q = _query(objective=Objective.CO2)
    q2 = Query(**{**q.__dict__, "cargo": Cargo(CargoUnit.FEU, 2.0, 40.0)})
    (one,), (two,) = router.route(q), router.route(q2)
    assert two.time_h == pytest.approx(one.time_h)
    assert two.cost_cny == pytest.approx(2 * one.cost_cny)
    assert two.co2_kg == pytest.approx(2 * one.co2_kg)


def test_avoid_border_place_switches_corridor(router: Router) -> None:
    (best,) = router.route(
        _query(
            objective=Objective.TIME,
            modes=frozenset({Mode.RAIL, Mode.SEA}),
            avoid=frozenset({"b1"}),
        )
    )
    assert best.services == ("rail2", "sea1")
    assert best.time_h == pytest.approx(265.0)


def test_via_forces_the_port(router: Router) -> None:
    (best,) = router.route(_query(objective=Objective.TIME, via=("p1",)))
    assert "p1" in {leg.to_id for leg in best.legs}
    assert best.time_h == pytest.approx(265.0)


def test_infeasible_avoid_names_the_constraint(router: Router) -> None:
    q = _query(modes=frozenset({Mode.RAIL, Mode.SEA}), avoid=frozenset({"b1", "suez"}))
    with pytest.raises(InfeasibleConstraintError) as exc:
        router.route(q)
    assert "avoid=b1,suez" in exc.value.constraint
    assert "never relaxed" in str(exc.value)


def test_infeasible_modes_names_the_constraint(router: Router) -> None:
    with pytest.raises(InfeasibleConstraintError) as exc:
        router.route(_query(modes=frozenset({Mode.AIR})))
    assert exc.value.constraint == "modes=air"


def test_avoiding_the_origin_is_rejected(router: Router) -> None:
    with pytest.raises(InfeasibleConstraintError, match="origin or destination"):
        router.route(_query(avoid=frozenset({"a"})))


def test_no_route_at_all() -> None:
    net = _network()
    lonely = Router(
        ServiceNetwork(net.terminals, {}, ()),
        ParameterCostModel(load_parameters(TOY)),
        ToyAccess(direct=False),
    )
    with pytest.raises(NoRouteError):
        lonely.route(_query())


def test_pareto_front(router: Router) -> None:
    # rail (76.6 h, 10,600 CNY) now dominates the direct road (95 h, 25,000 CNY); sea is
    # cheapest (9,000 CNY) and rail fastest
    front = router.pareto(_query())
    assert sorted(r.corridor for r in front) == ["toy_rail", "toy_sea"]
