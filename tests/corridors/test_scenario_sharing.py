"""A route comparison shares road trips and charges between its two answers, and changes nothing.

The reference is the two answers computed independently, each on its own fresh engine
(``Engine.answer`` of the baseline, then of the scenario engine), without sharing. Each shipped
scenario below exercises one case: a closed terminal the origin's road access reaches
(Alashankou), a changed parameter (a border's dwell: charges not shared, road trips shared),
re-routed sea hops (Red Sea closed) and an added place. A scenario changing an ``access.*``
rule must share nothing, and the test shows that sharing would have changed its answer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from corridors.access import RoadAccess, SharedRoadAccess
from corridors.engine import Engine, SharedWork
from corridors.request import RouteRequest, parse_request
from corridors.scenario_compare import compare_route
from corridors.scenarios import (
    ScenarioEngine,
    apply_scenario,
    load_scenario_file,
    parse_scenario,
)
from corridors.search import access_terminals

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
    ("name", "costs_shared"),
    [
        ("alashankou-closed", True),  # closes a terminal of Chengdu's road access
        ("malaszewicze-congestion", False),  # changes a parameter (border.brest)
        ("red-sea-closed", True),  # re-routes sea hops, parameters unchanged
        ("plan-overseas-warehouses", True),  # adds a place
    ],
)
def test_a_comparison_equals_two_independent_answers(
    engine: Engine, name: str, costs_shared: bool
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
        assert (shared.costs is not None) is costs_shared
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
    shared = SharedWork.between(_fresh(engine), _fresh(scen))
    assert shared.road is None
    assert shared.costs is None
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
    assert shared.costs is not None
    router = shared.router_for(other)
    assert router is other.router  # its rules and parameters differ: its own router
