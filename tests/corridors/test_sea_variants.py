"""Sea variants: sea hops measured at build time with passages closed, looked up at apply time.

The stored voyages are checked against the sea router called directly here (``searoute``, not
the engine's wrapper); a scenario or ``avoid`` answered from the store is checked against the
same engine with no stored variants (everything measured then); the lookup rule against a
hand-made table.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
import searoute
from shapely.geometry import LineString

import corridors.network
from corridors.engine import Engine
from corridors.errors import InfeasibleConstraintError
from corridors.models import Mode, SeaVariant, SeaVariants
from corridors.request import parse_request
from corridors.scenarios import apply_scenario, load_scenario_file, parse_scenario

SCENARIOS_DIR = Path(__file__).resolve().parents[2] / "data" / "geo" / "scenarios"
SHIPPED = sorted(SCENARIOS_DIR.glob("*.toml"))


def _direct(
    a: tuple[float, float], b: tuple[float, float], restrictions: list[str]
) -> tuple[float, tuple[str, ...], list[tuple[float, float]]]:
    """The sea router itself: (km, traversed passages, coordinates); no route: infinite km."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        feat = searoute.searoute(
            list(a),
            list(b),
            units="km",
            return_passages=True,
            append_orig_dest=True,
            restrictions=restrictions,
        )
    if any("No path found" in str(w.message) for w in caught):
        return math.inf, (), [a, b]
    coords = [tuple(c) for c in feat["geometry"]["coordinates"]]
    return (
        float(feat["properties"]["length"]),
        tuple(sorted(feat["properties"]["traversed_passages"])),
        coords,  # type: ignore[return-value]
    )


def _unstored(engine: Engine) -> Engine:
    """*engine* with no stored sea variants: every re-routed sea hop is measured when asked."""
    net = dataclasses.replace(engine.network, sea_variants=SeaVariants())
    return Engine(
        catalog=engine.catalog,
        resolver=engine.resolver,
        params=engine.params,
        records=engine.records,
        network=net,
        road=engine.road,
        hierarchy=engine.hierarchy,
        timings=dict(engine.timings),
        build_dir=engine.build_dir,
    )


def _sea_rides(engine: Engine) -> dict[tuple[str, int], tuple[float, tuple[str, ...], tuple]]:
    return {
        (r.service_id, r.index): (
            round(r.distance_km, 6),
            tuple(r.passages),
            tuple(r.geometry.coords),
        )
        for r in engine.network.rides
        if r.mode is Mode.SEA
    }


@pytest.fixture
def no_sea_router(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any call of the sea router (directly or through the engine's cached wrapper)."""

    def boom(*_args: object, **_kwargs: object) -> None:
        msg = "the sea router ran: this voyage should have come from the stored variants"
        raise AssertionError(msg)

    monkeypatch.setattr(searoute, "searoute", boom)
    monkeypatch.setattr(corridors.network, "sea_trip", boom)


# ----------------------------------------------------------------------------- the lookup rule

A, B = (0.0, 0.0), (10.0, 0.0)


def _v(restrictions: tuple[str, ...], km: float, passages: tuple[str, ...]) -> SeaVariant:
    return SeaVariant("a", "b", A, B, restrictions, km, LineString([A, B]), passages)


def test_lookup_exact_then_widest_subset_whose_voyage_avoids_the_closures() -> None:
    store = SeaVariants.of(
        [
            _v(("northwest",), 100.0, ("malacca", "suez")),
            _v(("northwest", "suez"), 150.0, ("south_africa", "sunda")),
            _v(("malacca", "northwest"), 120.0, ("sunda", "suez")),
        ]
    )
    assert len(store) == 3
    # exact
    assert store.lookup(A, B, ("northwest", "suez")).distance_km == 150.0  # type: ignore[union-attr]
    # Suez + Bab-el-Mandeb closed: the Suez-closed voyage avoids both -> 150
    hit = store.lookup(A, B, ("babalmandab", "northwest", "suez"))
    assert hit is not None
    assert hit.distance_km == 150.0
    # Gibraltar closed: the open voyage does not pass it -> the open voyage, 100
    hit = store.lookup(A, B, ("gibraltar", "northwest"))
    assert hit is not None
    assert hit.distance_km == 100.0
    # Suez and Sunda closed: the only stored subsets' voyages pass Sunda or Suez -> not stored
    assert store.lookup(A, B, ("northwest", "suez", "sunda")) is None
    # another hop, or the reverse direction: not stored
    assert store.lookup(B, A, ("northwest",)) is None


# ------------------------------------------------------------------ stored = measured directly


def test_every_sea_hop_has_its_suez_and_cape_variants(engine: Engine) -> None:
    store = engine.network.sea_variants
    hops = {(r.from_id, r.to_id) for r in engine.network.rides if r.mode is Mode.SEA}
    assert hops, "no sea hops in the network"
    t = engine.network.terminals
    for a_id, b_id in hops:
        a, b = (t[a_id].lon, t[a_id].lat), (t[b_id].lon, t[b_id].lat)
        for closed in (("northwest",), ("northwest", "suez")):
            hit = store.lookup(a, b, corridors.network.sea_restrictions(a, b, closed))
            assert hit is not None, (a_id, b_id, closed)


def test_stored_variants_equal_the_sea_router_called_directly(engine: Engine) -> None:
    store = engine.network.sea_variants
    # every variant of the hops through Suez (the Asia–Europe voyages) and of one short hop
    hops = {
        ("shanghai_port", "rotterdam"),
        ("ningbo_port", "piraeus"),
        ("qinzhou_port", "colombo_port"),
        ("qinzhou_port", "jebel_ali"),
    }
    chosen = [v for v in store if (v.from_id, v.to_id) in hops]
    assert len(chosen) >= 10
    for v in chosen:
        km, passages, coords = _direct(v.origin, v.destination, list(v.restrictions))
        assert v.distance_km == pytest.approx(km, rel=1e-9), v.restrictions
        assert v.passages == passages, v.restrictions
        np.testing.assert_allclose(np.asarray(v.geometry.coords), np.asarray(coords), atol=1e-9)
        assert not set(passages) & set(v.restrictions)


def test_shanghai_rotterdam_variants_by_hand_chosen_closures(engine: Engine) -> None:
    """Closures a planner names, looked up, against the router asked with those closures."""
    t = engine.network.terminals
    a = (t["shanghai_port"].lon, t["shanghai_port"].lat)
    b = (t["rotterdam"].lon, t["rotterdam"].lat)
    cases = {
        # the Red Sea closed (Suez and Bab-el-Mandeb), never via Panama (the Asia–Europe rule)
        ("babalmandab", "northwest", "panama", "suez"): ("south_africa",),
        ("gibraltar", "northwest"): (),
        ("malacca", "northwest"): (),
        ("malacca", "northwest", "panama", "suez"): ("south_africa",),
    }
    for closed, must_pass in cases.items():
        hit = engine.network.sea_variants.lookup(a, b, closed)
        assert hit is not None, closed
        km, passages, _ = _direct(a, b, list(closed))
        assert hit.distance_km == pytest.approx(km, rel=1e-9), closed
        assert hit.passages == passages, closed
        assert set(must_pass) <= set(passages), closed


# ----------------------------------------------------------- from the store = measured fallback


@pytest.mark.usefixtures("no_sea_router")
@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_scenarios_apply_without_running_the_sea_router(engine: Engine, path: Path) -> None:
    # no_sea_router raises if any voyage is measured instead of looked up
    scenario = load_scenario_file(path, engine=engine)
    applied = apply_scenario(engine, scenario)
    assert applied.ref.title == scenario.title
    assert applied.network.sea_variants is engine.network.sea_variants  # the stored table


def test_red_sea_closed_from_the_store_equals_the_measured_fallback(engine: Engine) -> None:
    scenario = load_scenario_file(SCENARIOS_DIR / "red-sea-closed.toml", engine=engine)
    stored = apply_scenario(engine, scenario)
    measured = apply_scenario(_unstored(engine), scenario)
    rides_s, rides_m = _sea_rides(stored), _sea_rides(measured)
    assert rides_s == rides_m
    assert any("south_africa" in p for _, p, _ in rides_s.values())
    req = parse_request(
        {"origin": "Shanghai port", "destination": "Rotterdam", "modes": "sea", "alternatives": 2}
    )
    assert stored.answer(req).to_dict() == measured.answer(req).to_dict()


@pytest.mark.parametrize("closed", [["malacca"], ["gibraltar"], ["suez", "malacca"], ["ormuz"]])
def test_passage_closures_from_the_store_equal_the_measured_fallback(
    engine: Engine, closed: list[str]
) -> None:
    doc = {"title": f"closed {closed}", "changes": {"close": closed}}
    stored = apply_scenario(engine, parse_scenario(doc, engine=engine))
    base = _unstored(engine)
    measured = apply_scenario(base, parse_scenario(doc, engine=base))
    assert _sea_rides(stored) == _sea_rides(measured)
    assert set(stored.network.services) == set(measured.network.services)


@pytest.mark.parametrize("avoid", [["suez"], ["malacca"], ["gibraltar", "suez"]])
def test_avoid_from_the_store_equals_the_measured_fallback(
    engine: Engine, avoid: list[str]
) -> None:
    req = parse_request(
        {"origin": "Chengdu", "destination": "Rotterdam", "alternatives": 3, "avoid": avoid}
    )
    stored = engine.with_parameters(engine.params).answer(req).to_dict()
    measured = _unstored(engine).answer(req).to_dict()
    assert stored == measured
    for route in stored["routes"]:
        for leg in route["legs"]:
            assert not set(leg.get("passages", ())) & set(avoid)


def test_avoid_under_a_scenario_keeps_the_scenarios_closures(engine: Engine) -> None:
    """Red Sea closed, then avoid Sunda: the voyage must neither pass Sunda nor Suez."""
    scen = apply_scenario(
        engine, load_scenario_file(SCENARIOS_DIR / "red-sea-closed.toml", engine=engine)
    )
    req = parse_request(
        {"origin": "Shanghai port", "destination": "Piraeus", "modes": "sea", "avoid": ["sunda"]}
    )
    route = scen.answer(req).routes[0]
    sea = [leg for leg in route.legs if leg.mode is Mode.SEA]
    assert sea
    for leg in sea:
        assert not {"suez", "babalmandab", "sunda"} & set(leg.passages), leg.passages
        assert "south_africa" in leg.passages
    # and the voyage is the router's own under all four closures (Panama: Asia–Europe rule)
    t = engine.network.terminals
    km, _, _ = _direct(
        (t[sea[0].from_id].lon, t[sea[0].from_id].lat),
        (t[sea[0].to_id].lon, t[sea[0].to_id].lat),
        ["babalmandab", "northwest", "panama", "suez", "sunda"],
    )
    assert sea[0].distance_km == pytest.approx(km, rel=1e-9)


def test_measuring_the_variants_stores_only_what_the_subset_rule_cannot_answer() -> None:
    """Shanghai -> Rotterdam from scratch: roots and their passages closed, no duplicates."""
    a, b = (121.8, 31.0), (4.0, 51.95)
    store = corridors.network.measure_sea_variants([("sh", "rtm", a, b)], depth=1)
    keys = [v.restrictions for v in store]
    assert len(keys) == len(set(keys))
    open_voyage = store.lookup(a, b, ("northwest",))
    assert open_voyage is not None
    assert "suez" in open_voyage.passages
    # each passage of the open voyage closed in turn is answered
    for p in open_voyage.passages:
        closed = corridors.network.sea_restrictions(a, b, ("northwest", p))
        assert store.lookup(a, b, closed) is not None, p
    # the stored entries are each the router's own answer
    for v in store:
        km, passages, _ = _direct(a, b, list(v.restrictions))
        assert (round(v.distance_km, 6), v.passages) == (round(km, 6), passages)
    assert list(itertools.islice(store, 1))  # iterable


def test_no_sea_route_is_refused_not_drawn_over_land(engine: Engine) -> None:
    """The Mediterranean is entered by Suez or Gibraltar only: avoiding both leaves no voyage.

    (Before: the sea router's "no path" came back as the straight segment, an 8,540 km
    "voyage" from Shanghai to Piraeus across Asia.)
    """
    req = parse_request(
        {
            "origin": "Shanghai port",
            "destination": "Piraeus",
            "modes": "sea",
            "avoid": ["suez", "gibraltar"],
        }
    )
    with pytest.raises(InfeasibleConstraintError, match="avoid"):
        engine.with_parameters(engine.params).answer(req)
    # a scenario closing both withdraws the Piraeus services instead
    doc = {"title": "Mediterranean shut", "changes": {"close": ["suez", "gibraltar"]}}
    scen = apply_scenario(engine, parse_scenario(doc, engine=engine))
    assert "sea_shanghai_piraeus" in engine.network.services
    assert "sea_shanghai_piraeus" not in scen.network.services
    assert all(
        r.distance_km < 1e9 and len(r.geometry.coords) > 2
        for r in scen.network.rides
        if r.mode is Mode.SEA
    )
