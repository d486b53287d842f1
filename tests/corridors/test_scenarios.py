"""Scenarios: validation, application (whole or not at all) and comparison.

Figures are computed here from the parameters and the measured distances (the wait is half the
headway, a border stop is its parameter, a line haul is distance / speed), or bounded by great
circles (round the Cape of Good Hope).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner, Result

from corridors.engine import Engine
from corridors.errors import RequestError
from corridors.models import Leg, Mode, Route
from corridors.request import parse_request
from corridors.scenario_compare import compare_matrix, compare_route
from corridors.scenarios import (
    Scenario,
    ScenarioEngine,
    ScenarioError,
    apply_scenario,
    cache_fingerprint,
    load_scenario_file,
    parse_scenario,
    parse_scenario_text,
    scenario_fingerprint,
)

SCENARIOS_DIR = Path(__file__).resolve().parents[2] / "data" / "geo" / "scenarios"
SHIPPED = sorted(SCENARIOS_DIR.glob("*.toml")) + sorted(SCENARIOS_DIR.glob("*.json"))


def _haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance on a sphere of radius 6,371 km (independent of the code)."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2
    h += math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def _ride_km(engine: Engine, service: str, start: str, end: str) -> float:
    """Measured km of *service* from stop *start* to stop *end* (sum of its hops)."""
    rides = sorted(
        (r for r in engine.network.rides if r.service_id == service), key=lambda r: r.index
    )
    stops = [rides[0].from_id, *(r.to_id for r in rides)]
    i, j = stops.index(start), stops.index(end)
    return sum(r.distance_km for r in rides[i:j])


def _apply(engine: Engine, doc: dict[str, object]) -> ScenarioEngine:
    return apply_scenario(engine, parse_scenario(doc, engine=engine))


def _best(engine: Engine, origin: str, destination: str, **options: object) -> Route:
    return engine.answer(
        parse_request({"origin": origin, "destination": destination, **options})
    ).routes[0]


# ----------------------------------------------------------------------------- documents


def test_fingerprint_ignores_key_order_and_follows_content(engine: Engine) -> None:
    a = parse_scenario(
        {"title": "t", "changes": {"close": ["suez"], "parameters": {"modes.rail.speed_kph": 45}}},
        engine=engine,
    )
    b = parse_scenario(
        {
            "changes": {"parameters": {"modes.rail.speed_kph": 45.0}, "close": ["suez"]},
            "title": "t",
        },
        engine=engine,
    )
    c = parse_scenario(
        {"title": "t", "changes": {"close": ["suez"], "parameters": {"modes.rail.speed_kph": 46}}},
        engine=engine,
    )
    assert scenario_fingerprint(a) == scenario_fingerprint(b)
    assert scenario_fingerprint(a) != scenario_fingerprint(c)
    assert len(scenario_fingerprint(a)) == 64
    # a closure leaves the parameters alone, but caches must still tell the engines apart
    closed = _apply(engine, {"title": "t", "changes": {"close": ["khorgos"]}})
    assert closed.params.fingerprint() == engine.params.fingerprint()
    assert cache_fingerprint(closed) != cache_fingerprint(engine)


def test_every_problem_of_a_bad_document_is_reported_at_once(engine: Engine) -> None:
    doc = {
        "title": "",
        "surprise": 1,
        "changes": {
            "parameters": {"modes.rail.sped_kph": 45, "modes.rail.speed_kph": -5},
            "close": ["alashankoo", "suezz", "airspace:XYZ"],
            "services": {
                "cl_rail_kunming_vientian": {"frequency_per_week": 14},
                "cl_rail_chengdu_vientiane": {"frequency_per_week": 0},
            },
            "remove_services": ["no_such_service"],
            "borders": {"nowhere": {"time_h": 1}},
            "sea_routing": "arctic",
        },
    }
    with pytest.raises(ScenarioError) as info:
        parse_scenario(doc, engine=engine)
    exc = info.value
    assert isinstance(exc, RequestError)  # exit 64 / HTTP 422 like every bad option
    assert exc.exit_code == 64
    assert exc.status == 422
    locs = {".".join(str(p) for p in e["loc"]) for e in exc.errors}  # type: ignore[attr-defined]
    expected = {
        "title",
        "surprise",
        "changes.parameters.modes.rail.sped_kph",
        "changes.parameters",  # the negative speed, refused by the parameter model
        "changes.close.0",
        "changes.close.1",
        "changes.close.2",
        "changes.services.cl_rail_kunming_vientian",
        "changes.services.cl_rail_chengdu_vientiane.frequency_per_week",
        "changes.remove_services.0",
        "changes.borders.nowhere",
        "changes.sea_routing",
    }
    assert expected <= locs, expected - locs
    by_loc = {".".join(str(p) for p in e["loc"]): e for e in exc.errors}
    assert "alashankou" in by_loc["changes.close.0"]["suggestions"]  # type: ignore[operator]
    assert "suez" in by_loc["changes.close.1"]["suggestions"]  # type: ignore[operator]
    assert (
        "cl_rail_kunming_vientiane"
        in by_loc["changes.services.cl_rail_kunming_vientian"]["suggestions"]
    )  # type: ignore[operator]
    assert "modes.rail.speed_kph" in by_loc["changes.parameters.modes.rail.sped_kph"]["suggestions"]  # type: ignore[operator]


def test_toml_and_json_texts_give_the_same_scenario(engine: Engine) -> None:
    toml_text = 'title = "x"\n[changes]\nclose = ["khorgos", "malacca"]\n'
    json_text = json.dumps({"title": "x", "changes": {"close": ["khorgos", "malacca"]}})
    a = parse_scenario_text(toml_text, engine=engine, name="x.toml")
    b = parse_scenario_text(json_text, engine=engine, name="x.json")
    assert scenario_fingerprint(a) == scenario_fingerprint(b)
    with pytest.raises(ScenarioError, match="TOML syntax"):
        parse_scenario_text('title = "x\n', engine=engine, name="bad.toml")


def test_the_document_schema_is_published_for_openapi() -> None:
    schema = Scenario.model_json_schema()
    changes = schema["$defs"]["ScenarioChanges"]["properties"]
    for key in ("parameters", "close", "services", "remove_services", "add_services",
                "borders", "add_places", "sea_routing"):  # fmt: skip
        assert key in changes


# ----------------------------------------------------------------------------- applying


def test_a_scenario_with_one_bad_change_changes_nothing(engine: Engine) -> None:
    base_services = dict(engine.network.services)
    base_fp = engine.params.fingerprint()
    before = _best(engine, "Chengdu", "Lodz", modes="rail")
    doc = {
        "title": "half good",
        "changes": {
            "close": ["alashankou"],
            "parameters": {"modes.rail.speed_kph": 30},
            "services": {"no_such_service": {"frequency_per_week": 2}},
        },
    }
    with pytest.raises(ScenarioError):
        parse_scenario(doc, engine=engine)
    # a change that only fails when applied (a river service has no polyline to be measured on)
    scenario = parse_scenario(
        {
            "title": "fails at apply",
            "changes": {
                "close": ["alashankou"],
                "add_services": [
                    {
                        "id": "new_barge",
                        "name_zh": "新驳船",
                        "name_en": "new barge",
                        "corridor": "yangtze",
                        "mode": "inland_waterway",
                        "waypoints": ["yibin_port", "luzhou_port"],
                        "frequency_per_week": 2,
                        "assumption": "test",
                    }
                ],
            },
        },
        engine=engine,
    )
    with pytest.raises(ScenarioError, match="add_services"):
        apply_scenario(engine, scenario)
    assert engine.network.services == base_services
    assert engine.params.fingerprint() == base_fp
    after = _best(engine, "Chengdu", "Lodz", modes="rail")
    assert after.time_h == before.time_h
    assert after.border_crossings == before.border_crossings


def test_closing_alashankou_moves_chengdu_lodz_to_khorgos_by_the_hand_computed_hours(
    engine: Engine,
) -> None:
    scen = _apply(engine, {"title": "Alashankou closed", "changes": {"close": ["alashankou"]}})
    base = _best(engine, "Chengdu", "Lodz", modes="rail")
    new = _best(scen, "Chengdu", "Lodz", modes="rail")
    assert "alashankou-dostyk" in base.border_crossings
    assert not any("alashankou" in b for b in new.border_crossings)
    assert "khorgos-altynkol" in new.border_crossings
    # the baseline is untouched
    assert "cr_express_chengdu_lodz_alashankou" in engine.network.services
    assert "cr_express_chengdu_lodz_alashankou" not in scen.network.services

    # Hand computation of both rail rides to Małaszewicze (the road egress to Łódź is the
    # same 316 km leg in both): line haul km / speed, wait = 0.5 x 168 h / departures a week,
    # rail handling, both border stops and two breaks of gauge.
    p = engine.params
    speed = p.mode("rail").speed_kph.value
    handling = p.mode("rail").handling_h.value
    gauge = p.gauge_break("1435-1520").time_h.value
    brest = p.border("brest").time_h.value

    def rail_h(service: str, start: str, crossing: str, end: str) -> float:
        km = _ride_km(engine, service, start, end)
        freq = engine.network.services[service].frequency_per_week
        return (
            km / speed
            + 0.5 * 168.0 / freq
            + handling
            + p.border(crossing).time_h.value
            + brest
            + 2 * gauge
        )

    base_main = next(leg for leg in base.legs if leg.mode is Mode.RAIL)
    new_main = next(leg for leg in new.legs if leg.mode is Mode.RAIL)
    # the Lodz train itself (7 a week), or a train to Malaszewicze and a truck on
    assert base_main.service in {
        "cr_express_chengdu_lodz_alashankou",
        "cr_express_chengdu_malaszewicze_alashankou",
    }
    assert rail_h(base_main.service, "chengdu_irp", "alashankou", base_main.to_id) == pytest.approx(
        base_main.time_h, abs=1e-6
    )
    assert new_main.service is not None
    assert rail_h(new_main.service, new_main.from_id, "khorgos", new_main.to_id) == pytest.approx(
        new_main.time_h, abs=1e-6
    )
    # the whole route: the same road access to the Chengdu rail port, the hand-computed rail
    # ride, then (if the train ends short of Lodz) the rail-road transfer and a truck leg: the
    # Polish drivers' hours (corridors.params.road_time_h) plus the road handling
    before_base = base.legs[: base.legs.index(base_main)]
    before_new = new.legs[: new.legs.index(new_main)]
    assert [(g.to_id, g.time_h) for g in before_new] == [(g.to_id, g.time_h) for g in before_base]

    def on_carriage_h(route_legs: list[Leg]) -> float:
        total = 0.0
        for leg in route_legs:
            assert leg.mode is Mode.ROAD
            assert leg.service is None
            driving, rest = p.road_time_h(leg.distance_km, "PL")
            total += p.transfer("rail", "road").time_h.value + driving + rest
            total += p.mode("road").handling_h.value
        return total

    after_base = list(base.legs[base.legs.index(base_main) + 1 :])
    after_new = list(new.legs[new.legs.index(new_main) + 1 :])
    expected = (
        rail_h(new_main.service, new_main.from_id, "khorgos", new_main.to_id)
        + on_carriage_h(after_new)
        - rail_h(base_main.service, "chengdu_irp", "alashankou", base_main.to_id)
        - on_carriage_h(after_base)
    )
    assert new.time_h - base.time_h == pytest.approx(expected, abs=1e-6)
    assert new.time_h > base.time_h


def test_raising_a_frequency_from_1_to_14_cuts_the_wait_from_84_h_to_6_h(engine: Engine) -> None:
    sid = "cl_rail_chengdu_vientiane"
    assert engine.network.services[sid].frequency_per_week == 1.0
    scen = _apply(
        engine, {"title": "daily x2", "changes": {"services": {sid: {"frequency_per_week": 14}}}}
    )

    def wait(e: Engine) -> float:
        route = _best(e, "Chengdu", "Vientiane", modes="rail")
        leg = next(leg for leg in route.legs if leg.service == sid)
        return leg.breakdown["wait_h"]

    assert wait(engine) == pytest.approx(84.0)  # 0.5 x 168 / 1
    assert wait(scen) == pytest.approx(6.0)  # 0.5 x 168 / 14
    base = _best(engine, "Chengdu", "Vientiane", modes="rail")
    new = _best(scen, "Chengdu", "Vientiane", modes="rail")
    assert base.time_h - new.time_h == pytest.approx(78.0, abs=1e-6)


def test_a_service_speed_and_dwell_change_its_ride_time_only(engine: Engine) -> None:
    sid = "cl_rail_chengdu_vientiane"
    scen = _apply(
        engine,
        {"title": "faster", "changes": {"services": {sid: {"speed_kph": 80, "dwell_h": 2}}}},
    )
    # to Boten, the border station: the ride runs through Kunming and Mohan (two dwells)
    base = _best(engine, "Chengdu", "Boten", modes="rail")
    new = _best(scen, "Chengdu", "Boten", modes="rail")
    assert [leg.service for leg in base.legs if leg.service] == [sid]
    assert [leg.service for leg in new.legs if leg.service] == [sid]
    km = _ride_km(engine, sid, "chengdu_irp", "boten")
    speed = engine.params.mode("rail").speed_kph.value
    expected = km / 80.0 - km / speed + 2.0 * 2
    assert new.time_h - base.time_h == pytest.approx(expected, abs=1e-6)
    assert new.cost_cny == pytest.approx(base.cost_cny)


def test_malaszewicze_congestion_adds_exactly_the_extra_border_days(engine: Engine) -> None:
    scen = load_scenario_file(SCENARIOS_DIR / "malaszewicze-congestion.toml", engine=engine)
    applied = apply_scenario(engine, scen)
    base = _best(engine, "Chengdu", "Lodz", modes="rail")
    new = _best(applied, "Chengdu", "Lodz", modes="rail")
    assert new.services == base.services
    assert new.time_h - base.time_h == pytest.approx(240.0 - 48.0)


def test_red_sea_closed_sends_shanghai_rotterdam_round_the_cape(engine: Engine) -> None:
    scen = apply_scenario(
        engine, load_scenario_file(SCENARIOS_DIR / "red-sea-closed.toml", engine=engine)
    )
    base = _best(engine, "Shanghai port", "Rotterdam", modes="sea")
    new = _best(scen, "Shanghai port", "Rotterdam", modes="sea")
    assert "suez" in base.passages
    assert "suez" not in new.passages
    assert "south_africa" in new.passages
    # independent bound: a voyage round Cape Agulhas is at least the two great circles
    a = next(leg for leg in base.legs if leg.mode is Mode.SEA)
    ta, tb = engine.network.terminals[a.from_id], engine.network.terminals[a.to_id]
    cape = (20.0, -34.83)  # Cape Agulhas
    bound = _haversine_km((ta.lon, ta.lat), cape) + _haversine_km(cape, (tb.lon, tb.lat))
    sea_new = next(leg for leg in new.legs if leg.mode is Mode.SEA)
    assert a.distance_km < bound <= sea_new.distance_km
    # only the sea line haul changes: extra km / sea speed
    speed = engine.params.mode("sea").speed_kph.value
    assert new.time_h - base.time_h == pytest.approx(
        (sea_new.distance_km - a.distance_km) / speed, abs=1e-6
    )


def test_china_laos_suspension_leaves_no_rail_route_to_vientiane(engine: Engine) -> None:
    scen = apply_scenario(
        engine, load_scenario_file(SCENARIOS_DIR / "china-laos-suspended.toml", engine=engine)
    )
    req = parse_request({"origin": "Chengdu", "destination": "Vientiane", "modes": "rail"})
    cmp = compare_route(engine, scen, req)
    assert cmp.best_corridor_baseline == "china_laos"
    assert cmp.best_corridor_scenario is None
    assert cmp.best_corridor_changed
    assert cmp.scenario_problem is not None
    # by road (Mohan–Boten stays open) Vientiane is still reached
    assert _best(scen, "Chengdu", "Vientiane").legs


def test_kazakhstan_closure_moves_chengdu_moscow_to_erenhot_or_manzhouli(engine: Engine) -> None:
    scen = apply_scenario(
        engine,
        load_scenario_file(SCENARIOS_DIR / "kazakhstan-border-closed.toml", engine=engine),
    )
    new = _best(scen, "Chengdu", "Moscow", modes="rail")
    assert not any(("alashankou" in b or "khorgos" in b) for b in new.border_crossings)
    assert any(("erenhot" in b or "manzhouli" in b) for b in new.border_crossings)
    assert new.time_h > _best(engine, "Chengdu", "Moscow", modes="rail").time_h


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_every_shipped_scenario_loads_applies_and_cites_its_changes(
    engine: Engine, path: Path
) -> None:
    scenario = load_scenario_file(path, engine=engine)
    applied = apply_scenario(engine, scenario)
    assert applied.ref.fingerprint == scenario_fingerprint(scenario)
    # the stored JSON form reads back as the same scenario (what a store keeps)
    again = parse_scenario(json.loads(scenario.canonical_json()), engine=engine)
    assert scenario_fingerprint(again) == scenario_fingerprint(scenario)
    ch = scenario.changes
    cited_whole = bool(scenario.source or scenario.assumption)

    def cited(key: str, own: object = None) -> bool:
        note = ch.notes.get(key)
        return bool(getattr(own, "source", None) or getattr(own, "assumption", None)) or bool(
            note and note.cited
        )

    for k in ch.parameters:
        assert cited(f"parameters.{k}"), k
    for item in ch.close:
        assert cited(f"close.{item}") or cited_whole, item
    for sid in ch.remove_services:
        assert cited(f"remove_services.{sid}") or cited_whole, sid
    for sid, edit in ch.services.items():
        assert cited(f"services.{sid}", edit), sid
    for bid, b in ch.borders.items():
        assert cited(f"borders.{bid}", b), bid
    for p in ch.add_places:
        assert cited(f"add_places.{p.id}", p), p.id
    for s in ch.add_services:
        assert cited(f"add_services.{s.id}", s), s.id
    if ch.sea_routing:
        assert cited("sea_routing") or cited_whole
    # the result names the scenario and the baseline it changes
    out = applied.route("Chengdu", "Singapore").to_dict()
    assert out["scenario"]["title"] == scenario.title
    assert out["scenario"]["baseline"]["parameters_version"] == engine.params.version


def test_an_added_place_and_service_are_measured_and_routable(engine: Engine) -> None:
    scen = _apply(
        engine,
        {
            "title": "new gateway",
            "changes": {
                "add_places": [
                    {
                        "id": "test_hub",
                        "name_zh": "测试枢纽",
                        "name_en": "Test hub",
                        "lon": 103.0,
                        "lat": 1.3,
                        "country": "SG",
                        "kind": "seaport",
                        "assumption": "test",
                    }
                ],
                "add_services": [
                    {
                        "id": "test_air_ctu_hub",
                        "name_zh": "测试航线",
                        "name_en": "test air",
                        "corridor": "air_cargo",
                        "mode": "air",
                        "waypoints": ["ctu", "sin"],
                        "frequency_per_week": 14,
                        "assumption": "test",
                    }
                ],
            },
        },
    )
    assert scen.resolver.resolve("Test hub").id == "test_hub"
    rides = [r for r in scen.network.rides if r.service_id == "test_air_ctu_hub"]
    assert len(rides) == 1
    ctu, sin = scen.network.terminals["ctu"], scen.network.terminals["sin"]
    assert rides[0].distance_km == pytest.approx(
        _haversine_km((ctu.lon, ctu.lat), (sin.lon, sin.lat)), rel=0.01
    )
    assert "test_air_ctu_hub" not in engine.network.services


# ----------------------------------------------------------------------------- comparing


def test_compare_route_pairs_corridors_and_names_the_scenario(engine: Engine) -> None:
    scen = _apply(engine, {"title": "Alashankou closed", "changes": {"close": ["alashankou"]}})
    req = parse_request(
        {"origin": "Chengdu", "destination": "Lodz", "modes": "rail", "alternatives": 2}
    )
    cmp = compare_route(engine, scen, req)
    base = _best(engine, "Chengdu", "Lodz", modes="rail")
    new = _best(scen, "Chengdu", "Lodz", modes="rail")
    best = cmp.best
    assert best is not None
    assert best.delta_time_h == pytest.approx(new.time_h - base.time_h)
    assert best.borders_changed
    d = cmp.to_dict()
    assert d["scenario"]["title"] == "Alashankou closed"
    assert d["best_corridor_changed"] is False  # still the China–Europe railway
    assert {a["corridor"] for a in d["alternatives"]} >= {"china_europe_rail"}
    # with the baseline's answer given (from a cache), only the scenario is routed: same result
    again = compare_route(engine, scen, req, baseline_result=engine.answer(req))
    assert again.to_dict() == d


def test_compare_matrix_counts_the_counties_whose_best_corridor_changes(engine: Engine) -> None:
    scen = apply_scenario(
        engine, load_scenario_file(SCENARIOS_DIR / "plan-southbound-trains.toml", engine=engine)
    )
    origins = [engine.resolver.resolve(x) for x in ("Chengdu", "Yibin", "Nanchong")]
    dests = [engine.resolver.resolve(x) for x in ("Vientiane", "Hanoi", "Lodz")]
    cmp = compare_matrix(engine, scen, origins, dests, modes="rail")
    dt = cmp.delta_time_h
    j_lodz = 2
    assert all(abs(dt[i, j_lodz]) < 1e-9 for i in range(3))  # China–Europe untouched
    # Chengdu's through train to Vientiane: 3 a week instead of 1 cuts the wait by 84 - 28 h
    assert dt[0, 0] == pytest.approx(-(84.0 - 28.0), abs=1e-6)
    assert cmp.to_dict()["summary"]["cells"] == 9


# ----------------------------------------------------------------------------- the CLI


@pytest.fixture
def run(built_dir: Path, data_dir: Path, reuse_engine: Engine) -> Callable[..., Result]:
    """Invoke the real command line; its engine load returns the session's engine."""
    from api.cli import app  # noqa: PLC0415

    assert reuse_engine.network.services
    runner = CliRunner()
    env = {"SHUDAO_BUILD_DIR": str(built_dir), "SHUDAO_DATA_DIR": str(data_dir)}
    return lambda *args: runner.invoke(app, list(args), env=env)


def test_cli_scenario_diff_json_and_table(run: Callable[..., Result]) -> None:
    path = str(SCENARIOS_DIR / "alashankou-closed.toml")
    res = run("scenario", "diff", path, "Chengdu", "Lodz", "--modes", "rail", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["scenario"]["title"] == "Alashankou closed"
    assert out["best"]["delta_time_h"] > 0
    res = run("scenario", "diff", path, "Chengdu", "Lodz", "--modes", "rail")
    assert res.exit_code == 0, res.output
    assert "通道" in res.stdout
    assert "khorgos" in res.stdout


def test_cli_scenario_diff_bad_file_exits_64(run: Callable[..., Result], tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"title": "x", "changes": {"close": ["atlantis"]}}), "utf-8")
    res = run("scenario", "diff", str(bad), "Chengdu", "Lodz")
    assert res.exit_code == 64
    assert "atlantis" in res.output


def test_closing_russian_airspace_detours_only_the_flights_that_crossed_it(
    engine: Engine,
) -> None:
    scen = _apply(engine, {"title": "no RUS", "changes": {"close": ["airspace:RUS"]}})

    def km(e: Engine, sid: str) -> float:
        return sum(r.distance_km for r in e.network.rides if r.service_id == sid)

    # Lufthansa's CTU–PVG–FRA is measured round Russia already (its overflight rights): unchanged
    assert km(scen, "air_ctu_fra_lh_cargo") == pytest.approx(km(engine, "air_ctu_fra_lh_cargo"))
    # CTU–Budapest flies the great circle (over Russia) in the baseline; round Russia it is
    # longer than the great circle
    ctu, bud = engine.network.terminals["ctu"], engine.network.terminals["bud"]
    gc = _haversine_km((ctu.lon, ctu.lat), (bud.lon, bud.lat))
    assert km(engine, "air_ctu_bud_sichuan_airlines") == pytest.approx(gc, rel=0.01)
    assert km(scen, "air_ctu_bud_sichuan_airlines") > gc * 1.01
    # Chengdu–Singapore never crossed Russia
    assert km(scen, "air_ctu_sin") == pytest.approx(km(engine, "air_ctu_sin"))


def test_accessibility_delta_new_bonded_zone_closer_closed_one_farther(
    engine: Engine, built_dir: Path, tmp_path: Path
) -> None:
    from corridors.scenario_compare import compare_access  # noqa: PLC0415

    scen = _apply(
        engine,
        {
            "title": "Xichang bonded zone",
            "changes": {
                "add_places": [
                    {
                        "id": "cbz_xichang_test",
                        "name_zh": "西昌综合保税区（测试）",
                        "name_en": "Xichang bonded zone (test)",
                        "lon": 102.26,
                        "lat": 27.89,
                        "country": "CN",
                        "kind": "bonded_zone",
                        "assumption": "test",
                    }
                ],
                "close": ["cbz_mianyang"],
            },
        },
    )
    cmp = compare_access(
        engine, scen, "bonded_zone", build_dir=built_dir, res_deg=1 / 15, use_dem=False
    )
    d = cmp.delta_hours
    grid = cmp.baseline.grid
    finite = np.isfinite(d)
    assert finite.any()

    def cell(lon: float, lat: float) -> float:
        col = int((lon - grid.west) / grid.res_deg)
        row = int((grid.north - lat) / grid.res_deg)
        return float(d[row, col])

    assert cell(102.26, 27.89) < -1.0  # Xichang: a bonded zone next door now
    assert cell(104.7, 31.5) > 0.0  # Mianyang: its bonded zone closed
    assert {h.id for h in cmp.scenario_raster.hubs} - {h.id for h in cmp.baseline.hubs} == {
        "cbz_xichang_test"
    }
    out = cmp.write(tmp_path / "delta.tif")
    assert out.stat().st_size > 0


def test_wrongly_typed_border_pairs_are_problems_not_crashes(engine: Engine) -> None:
    # A border pair holding an object (or a bare string) crashed validation with a TypeError;
    # it is a problem of the document, named by its path, beside the document's other problems.
    doc = {
        "title": "bad pairs",
        "changes": {
            "add_services": [
                {
                    "id": "new_rail",
                    "corridor": "china_laos",
                    "mode": "rail",
                    "waypoints": ["kunming", "mohan", "boten"],
                    "border_crossings": [["mohan", {}], "mohan-boten", ["mohan", "boten"]],
                    "frequency_per_week": 7,
                    "assumption": "test",
                }
            ]
        },
    }
    with pytest.raises(ScenarioError) as info:
        parse_scenario(doc, engine=engine)
    locs = {".".join(str(p) for p in e["loc"]) for e in info.value.errors}  # type: ignore[attr-defined]
    base = "changes.add_services.0.border_crossings"
    assert f"{base}.0" in locs
    assert f"{base}.1" in locs
    assert f"{base}.2" not in locs  # a valid consecutive pair
