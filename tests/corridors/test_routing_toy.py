"""The router on a hand-checkable toy network (every expected figure is worked out below).

Toy parameters (tests/data/toy_parameters.toml), per FEU of 20 t:
road 50 km/h, 10 CNY/km, 100 g/tkm; rail 50 km/h, 4 CNY/km, fixed 100, handling 2 h, 20 g/tkm;
sea 25 km/h, 1 CNY/km, fixed 200, handling 10 h, 10 g/tkm; wait = half the headway;
border b1: 10 h, 1,000 CNY; gauge break 1435/1520: 6 h, 600 CNY; value of time 100 CNY/h.

Network: origin A, destination X.
  rail1 (7/week): r1 -1000 km- b1 -10 km- b2 -990 km- xt; border b1->b2; gauge break at b2.
  rail2 (14/week): r1 -500 km- p1.   sea1 (3.5/week): p1 -5000 km- p2, passage suez.
  road: A-r1 20 km, xt-X 10 km, p2-X 30 km; direct A-X 2,500 km.

Rail route A-r1-(rail1)-xt-X:
  time 0.4 + (12 wait + 2 handling) + 20 + 0.2 + 10 border + 6 gauge + 19.8 + 0.2 = 70.6 h
  cost 200 + 100 + 4000 + 40 + 1000 + 600 + 3960 + 100 = 10,000 CNY
  co2  40 + 400 + 4 + 396 + 20 = 860 kg
Sea route A-r1-(rail2)-p1-(sea1)-p2-X:
  time 0.4 + (6+2) + 10 + (24+10) + 200 + 0.6 = 253 h; cost 200+100+2000+200+5000+300 = 7,800;
  co2 40 + 200 + 1000 + 60 = 1,300 kg
Road route: 50 h, 25,000 CNY, 5,000 kg.
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

    def __init__(self, *, direct: bool = True) -> None:
        self.direct = direct

    def _name(self, lon: float, lat: float) -> str:
        return next(k for k, v in XY.items() if v == (lon, lat))

    def road_trips(
        self, lon: float, lat: float, targets: Mapping[str, Terminal]
    ) -> dict[str, RoadTrip]:
        here = self._name(lon, lat)
        out = {}
        for (p, q), km in ROAD_KM.items():
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


def test_time_objective_prefers_the_direct_road(router: Router) -> None:
    (best,) = router.route(_query(objective=Objective.TIME))
    assert best.modes == ("road",)
    assert best.time_h == pytest.approx(50.0)
    assert best.cost_cny == pytest.approx(25000.0)
    assert best.co2_kg == pytest.approx(5000.0)


def test_rail_route_accounts_for_wait_handling_border_and_gauge(router: Router) -> None:
    (best,) = router.route(_query(objective=Objective.TIME, modes=frozenset({Mode.RAIL, Mode.SEA})))
    assert best.services == ("rail1",)
    assert best.modes == ("road", "rail", "road")
    assert best.time_h == pytest.approx(70.6)
    assert best.cost_cny == pytest.approx(10000.0)
    assert best.co2_kg == pytest.approx(860.0)
    assert best.border_crossings == ("b1-b2",)
    assert best.gauge_breaks == ("b2:1435->1520",)
    rail = best.legs[1]
    assert rail.breakdown["wait_h"] == pytest.approx(12.0)
    assert rail.breakdown["border_h"] == pytest.approx(10.0)
    assert rail.breakdown["gauge_cny"] == pytest.approx(600.0)
    assert rail.distance_km == pytest.approx(2000.0)


def test_each_leg_of_the_sea_route_is_priced_as_worked_out(router: Router) -> None:
    # Leg by leg (module docstring): road A-r1 20 km: 0.4 h, 200 CNY (10/km), 40 kg (100 g/tkm);
    # rail2 r1-p1 500 km: 6 wait + 2 handling + 10 run = 18 h, 100 + 2,000 CNY, 200 kg;
    # sea1 p1-p2 5,000 km: 24 wait + 10 handling + 200 run = 234 h, 200 + 5,000 CNY, 1,000 kg;
    # road p2-X 30 km: 0.6 h, 300 CNY, 60 kg.
    (best,) = router.route(_query(objective=Objective.COST))
    got = [(leg.distance_km, leg.time_h, leg.cost_cny, leg.co2_kg) for leg in best.legs]
    want = [
        (20.0, 0.4, 200.0, 40.0),
        (500.0, 18.0, 2100.0, 200.0),
        (5000.0, 234.0, 5200.0, 1000.0),
        (30.0, 0.6, 300.0, 60.0),
    ]
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert g == pytest.approx(w)
    assert (best.distance_km, best.time_h, best.cost_cny) == pytest.approx((5550.0, 253.0, 7800.0))


@pytest.mark.parametrize(
    ("objective", "services", "value"),
    [
        (Objective.COST, ("rail2", "sea1"), 7800.0),
        (Objective.CO2, ("rail1",), 860.0),
        (Objective.GENERALIZED, ("rail1",), 10000.0 + 100.0 * 70.6),
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
    assert best.time_h == pytest.approx(253.0)
    assert best.co2_kg == pytest.approx(1300.0)
    assert best.passages == ("suez",)
    assert [leg.mode.value for leg in best.legs] == ["road", "rail", "sea", "road"]


def test_alternatives_are_different_corridors(router: Router) -> None:
    routes = router.route(_query(objective=Objective.TIME, alternatives=3))
    assert [r.corridor for r in routes] == ["road", "toy_rail", "toy_sea"]
    assert [r.rank for r in routes] == [1, 2, 3]
    assert [r.time_h for r in routes] == pytest.approx([50.0, 70.6, 253.0])


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
    assert best.time_h == pytest.approx(253.0)


def test_via_forces_the_port(router: Router) -> None:
    (best,) = router.route(_query(objective=Objective.TIME, via=("p1",)))
    assert "p1" in {leg.to_id for leg in best.legs}
    assert best.time_h == pytest.approx(253.0)


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
    front = router.pareto(_query())
    assert sorted(r.corridor for r in front) == ["road", "toy_rail", "toy_sea"]
