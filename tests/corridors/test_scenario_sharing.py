"""A route comparison shares road trips and charges between its two answers, and changes nothing.

The reference is the two answers computed independently, each on its own fresh engine
(``Engine.answer`` of the baseline, then of the scenario engine), without sharing. Each shipped
scenario below exercises one case: a closed terminal the origin's road access reaches
(Alashankou), a changed parameter (a border's dwell: charges not shared, road trips shared),
re-routed sea hops (Red Sea closed) and an added place. A scenario changing an ``access.*``
rule must share no road trip, and the test shows that sharing would have changed its answer.
Which charges a changed parameter leaves alone (:func:`corridors.costing.reads`) is checked by
changing every parameter in turn and pricing every step an answer prices.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from corridors.access import RoadAccess, SharedRoadAccess
from corridors.costing import Charge, CostModel, SharedCostModel, changed_keys, reads
from corridors.engine import Engine, SharedWork
from corridors.errors import ShudaoError
from corridors.params import apply_overrides
from corridors.request import RouteRequest, parse_request
from corridors.scenario_compare import compare_route
from corridors.scenarios import (
    ScenarioEngine,
    apply_scenario,
    load_scenario_file,
    parse_scenario,
)
from corridors.search import Query, access_terminals, road_edges, service_edges
from corridors.tariffs import ParameterCostModel

SCENARIOS = Path(__file__).resolve().parents[2] / "data" / "geo" / "scenarios"
REQUESTS = (
    {"origin": "Chengdu", "destination": "Duisburg", "alternatives": 3},
    {"origin": "Chengdu", "destination": "Lodz", "modes": "rail", "alternatives": 2},
)


def _fresh(engine: Engine) -> Engine:
    """The engine with nothing priced yet (its own router and caches)."""
    return engine.with_parameters(engine.params)


def _shipped(engine: Engine, name: str) -> ScenarioEngine:
    return apply_scenario(engine, load_scenario_file(SCENARIOS / f"{name}.toml", engine=engine))


def _independent(base: Engine, scen: Engine, req: RouteRequest) -> dict[str, Any]:
    """The comparison built from two answers computed apart, on fresh engines, unshared."""
    alone = _fresh(base).answer(req)
    return compare_route(base, _fresh(scen), req, baseline_result=alone).to_dict()


@pytest.mark.parametrize(
    ("name", "changed"),
    [
        ("alashankou-closed", set()),  # closes a terminal of Chengdu's road access
        ("malaszewicze-congestion", {"border.brest"}),  # a border's dwell
        ("plan-smart-port", {"modes.sea.handling_h"}),  # the sea port dwell
        ("red-sea-closed", set()),  # re-routes sea hops
        ("plan-overseas-warehouses", set()),  # adds a place
    ],
)
def test_a_comparison_equals_two_independent_answers(
    engine: Engine, name: str, changed: set[str]
) -> None:
    scen = _shipped(engine, name)
    for raw in REQUESTS:
        req = parse_request(raw)
        assert compare_route(_fresh(engine), _fresh(scen), req).to_dict() == _independent(
            engine, scen, req
        )
        # the whole answers too (legs, lines, sources), each beside its unshared twin
        b, s = _fresh(engine), _fresh(scen)
        shared = SharedWork.between(b, s)
        assert shared.road is not None  # no shipped scenario changes an access.* rule
        base_costs, scen_costs = shared.cost_model_for(b), shared.cost_model_for(s)
        assert base_costs is not None
        assert scen_costs is not None
        # equal parameters share one model; changed ones name exactly the scenario's keys
        assert (base_costs is scen_costs) == (not changed)
        assert all(any(k.startswith(f"{p}.") for p in changed) for k in scen_costs.changed)
        assert {p for p in changed if any(k.startswith(p) for k in scen_costs.changed)} == changed
        assert b.answer(req, shared=shared).to_dict() == _fresh(engine).answer(req).to_dict()
        measured = shared.road.measured
        assert s.answer(req, shared=shared).to_dict() == _fresh(scen).answer(req).to_dict()
        # the scenario's road searches were the baseline's: nothing measured again
        assert shared.road.measured == measured


def test_a_closed_terminal_is_simply_not_asked_for(engine: Engine) -> None:
    """Trips to the other terminals do not depend on it: the same as measured without it."""
    _, chengdu = engine.endpoint("Chengdu")
    terms = access_terminals(engine.network, chengdu)
    assert "alashankou" in terms
    rest = {k: t for k, t in terms.items() if k != "alashankou"}
    shared = SharedRoadAccess(engine.access)
    every = shared.road_trips(chengdu.lon, chengdu.lat, terms)
    again = shared.road_trips(chengdu.lon, chengdu.lat, rest)
    assert shared.measured == len(terms)  # the second call measured nothing
    alone = engine.access.road_trips(chengdu.lon, chengdu.lat, rest)
    assert list(again) == list(alone) == [k for k in every if k != "alashankou"]
    for k, trip in alone.items():
        assert again[k].distance_km == trip.distance_km
        assert again[k].line().equals_exact(trip.line(), 0.0)


def test_a_scenario_changing_a_road_rule_shares_nothing(engine: Engine) -> None:
    # 2 km: terminals further than that from the road layer get estimated trips
    doc = {"title": "Short first mile", "changes": {"parameters": {"access.max_offroad_km": 2.0}}}
    scen = apply_scenario(engine, parse_scenario(doc, engine=engine))
    b, s = _fresh(engine), _fresh(scen)
    shared = SharedWork.between(b, s)
    assert shared.road is None
    scen_costs = shared.cost_model_for(s)
    assert scen_costs is not None
    assert "access.max_offroad_km.value" in scen_costs.changed
    req = parse_request(REQUESTS[0])
    assert compare_route(_fresh(engine), _fresh(scen), req).to_dict() == _independent(
        engine, scen, req
    )
    # sharing the baseline's trips would have been wrong: some trip is measured differently
    _, chengdu = engine.endpoint("Chengdu")
    terms = access_terminals(engine.network, chengdu)
    base_trips = engine.access.road_trips(chengdu.lon, chengdu.lat, terms)
    scen_trips = scen.access.road_trips(chengdu.lon, chengdu.lat, terms)
    assert isinstance(scen.access, RoadAccess)
    assert not scen.access.measures_as(engine.access)
    assert {k: t.distance_km for k, t in base_trips.items()} != {
        k: t.distance_km for k, t in scen_trips.items()
    }


def test_an_engine_that_is_neither_of_the_two_is_answered_unshared(engine: Engine) -> None:
    doc = {"title": "Short first mile", "changes": {"parameters": {"access.max_offroad_km": 2.0}}}
    other = apply_scenario(engine, parse_scenario(doc, engine=engine))
    shared = SharedWork.between(_fresh(engine), _fresh(engine))
    assert shared.road is not None
    assert shared.cost_model_for(engine) is not None
    assert shared.cost_model_for(other) is None
    router = shared.router_for(other)
    assert router is other.router  # its rules and parameters differ: its own router


def _price(model: CostModel, key: tuple[object, ...]) -> Charge:
    """The charge of the step remembered under *key* (a :class:`SharedCostModel` key)."""
    method, *args = key
    if method == "line_haul":
        mode, km, cargo, share, time_h, vehicle, country = args
        return model.line_haul(
            mode, km, cargo, tariff_share_cny=share, time_h=time_h, vehicle=vehicle, country=country
        )  # type: ignore[arg-type]
    if method in ("road_haul", "road_leg"):
        km, cargo, country = args
        return getattr(model, method)(km, cargo, country=country)  # type: ignore[no-any-return]
    return getattr(model, str(method))(*args)  # type: ignore[no-any-return]


def test_a_changed_parameter_changes_only_the_charges_declared_to_read_it(engine: Engine) -> None:
    """Every parameter changed in turn: a charge that does not read it is priced the same.

    The steps are those answers price: every service edge and the road legs of
    Chengdu -> Duisburg, for a container and for 20 tonnes.
    """
    record = SharedCostModel(engine.costs)
    _, o = engine.endpoint("Chengdu")
    _, d = engine.endpoint("Duisburg")
    for unit, quantity in (("FEU", 1.0), ("tonne", 20.0)):
        cargo = engine.cargo(unit, quantity)
        service_edges(engine.network, record, cargo, engine.network.rides)
        road_edges(engine.network, record, engine.access, Query(o, d, cargo, engine.limits))
    steps = dict(record.priced)
    assert {str(k[0]) for k in steps} >= {"line_haul", "board", "border", "transfer", "road_leg"}
    checked = differing = 0
    for row in engine.params.sources():
        value = row.value if isinstance(row.value, float | int) else None
        if value is None:
            continue
        try:
            params = apply_overrides(engine.params, {row.key: value * 0.8 if value else 0.5})
        except ShudaoError:  # a value the validation refuses (e.g. a share above 1)
            continue
        changed = frozenset(changed_keys(engine.params, params))
        assert f"{row.key}.value" in changed  # and its source or assumption, nothing else
        assert all(k.startswith(f"{row.key}.") for k in changed)
        model = ParameterCostModel(params)
        for key, charge in steps.items():
            touched = any(k == p or k.startswith(f"{p}.") for k in changed for p in reads(*key[:3]))
            again = _price(model, key)
            if touched:
                differing += again != charge
            else:
                assert again == charge, (row.key, key)
                checked += 1
    assert checked > 10_000
    assert differing > 100  # the perturbations do change the charges that read them
