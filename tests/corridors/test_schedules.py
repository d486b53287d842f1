"""Frequencies, waits and transhipment dwell (issue 11, item 3), against hand-worked figures.

The expected wait for a departure is half the headway: wait_h = 0.5 x 168 h / departures per
week. Each figure below is worked out by hand from the frequency in ``data/geo/services.toml``
(its source or reasoning is quoted in the comment), not read back from the engine.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from api.cli import app
from corridors.engine import Engine
from corridors.errors import ParameterError
from corridors.models import Cargo, CargoUnit, Leg, Mode
from corridors.params import apply_overrides, load_parameters, parse_parameters
from corridors.tariffs import ParameterCostModel

DATA = Path(__file__).resolve().parents[2] / "data" / "geo"

FEU = Cargo(CargoUnit.FEU, 1.0, 20.0)


def _leg(route: Any, service: str) -> Leg:
    legs: list[Leg] = [leg for leg in route.legs if leg.service == service]
    assert len(legs) == 1, [leg.service for leg in route.legs]
    return legs[0]


# ------------------------------------------------------------------ waits per service


@pytest.mark.parametrize(
    ("service", "wait_h"),
    [
        # 7 a week (flagship of ~27 westbound Chengdu trains a week in 2024): 84 / 7 = 12 h
        ("cr_express_chengdu_lodz_alashankou", 12.0),
        # 14 a week (Lodz 7 + Tilburg 3 + Duisburg 2 + Nuremberg 1 + Budapest 1): 84 / 14 = 6 h
        ("cr_express_chengdu_malaszewicze_alashankou", 21.0),
        # 63 a week (18 cross-border trains a day, 9 each way, 2025-01-02): 84 / 63 = 1.333 h
        ("cl_rail_kunming_vientiane", 4.0 / 3.0),
        # 3 a week (COSCO YCX weekly plus other Beibu Gulf strings calling Singapore): 28 h
        ("ilstc_sea_qinzhou_singapore", 28.0),
        # 7 a week (a quarter of the 28 weekly Asia-North Europe sailings of 2025): 12 h
        ("sea_shanghai_rotterdam", 12.0),
        # 2 a week (Lufthansa Cargo, summer 2023: two Shanghai rotations serve Chengdu): 42 h
        ("air_ctu_fra_lh_cargo", 42.0),
    ],
)
def test_boarding_wait_is_half_the_headway(engine: Engine, service: str, wait_h: float) -> None:
    svc = engine.network.services[service]
    charge = engine.costs.board(svc.mode, svc.headway_h, FEU)
    assert charge.breakdown["wait_h"] == pytest.approx(wait_h, rel=1e-9)


def test_no_service_keeps_the_old_weekly_default_on_the_main_lines(engine: Engine) -> None:
    # The defects of issue 11: these ran at 1 or 2 a week (waits of 42-84 h per boarding).
    services = engine.network.services
    for sid in (
        "cr_express_chengdu_lodz_alashankou",
        "ilstc_rail_chengdu_qinzhou",
        "ilstc_sea_qinzhou_singapore",
        "ilstc_sea_singapore_rotterdam",
        "sea_shanghai_rotterdam",
        "sea_ningbo_rotterdam",
    ):
        assert services[sid].frequency_per_week >= 3.0, sid


def test_malaszewicze_trains_are_not_counted_twice(engine: Engine) -> None:
    # The through trains to PL/DE/NL/HU call at Malaszewicze and are services of their own;
    # the Malaszewicze service counts only trains that end there. Together they stay within
    # the ~27 westbound Chengdu China-Europe trains a week of 2024 (5,700 / 52 / 2 / 2).
    s = engine.network.services
    through = [
        sid
        for sid, svc in s.items()
        if svc.mode is Mode.RAIL
        and svc.waypoints[0] == "chengdu_irp"
        and "alashankou" in svc.waypoints
        and "malaszewicze" in svc.waypoints[:-1]
    ]
    assert sorted(through) == sorted(
        [
            "cr_express_chengdu_lodz_alashankou",
            "cr_express_chengdu_tilburg_alashankou",
            "cr_express_chengdu_nuremberg_alashankou",
            "cr_express_chengdu_duisburg_alashankou",
            "cr_express_chengdu_budapest_alashankou",
        ]
    )
    total = sum(s[sid].frequency_per_week for sid in through)
    assert total == 7 + 3 + 1 + 2 + 1
    ending = s["cr_express_chengdu_malaszewicze_alashankou"].frequency_per_week
    assert ending < total
    assert total + ending <= 5700 / 52 / 2 / 2


# ---------------------------------------------------------- waits in the route result


def test_route_reports_the_wait_apart_from_moving_and_stops(engine: Engine) -> None:
    res = engine.route("Shanghai port", "Rotterdam", modes=["road", "sea"], objective="cost")
    (route,) = res.routes[:1]
    sea = _leg(route, "sea_shanghai_rotterdam")
    assert sea.wait_h == pytest.approx(84.0 / 7.0)  # 7 sailings a week
    # moving: the measured 19,626 km at modes.sea.speed_kph 28 km/h = 700.93 h
    assert sea.moving_h == pytest.approx(19626 / 28.0, rel=2e-3)
    # stops: sea handling 48 h (cut-off and release) + border.default 12 h at the EU entry
    assert sea.stops_h == pytest.approx(48.0 + 12.0, abs=1e-6)
    assert sea.time_h == pytest.approx(sea.moving_h + sea.wait_h + sea.stops_h)
    assert route.wait_h == pytest.approx(sum(leg.wait_h for leg in route.legs))
    assert route.time_h == pytest.approx(route.moving_h + route.wait_h + route.stops_h)

    out = res.to_dict()["routes"][0]
    assert out["wait_h"] == pytest.approx(12.0)
    legs = {leg["service"]: leg for leg in out["legs"]}
    assert legs["sea_shanghai_rotterdam"]["wait_h"] == pytest.approx(12.0)
    assert legs["sea_shanghai_rotterdam"]["stops_h"] == pytest.approx(60.0)
    for leg in out["legs"]:
        if leg["service"] is None:  # road trips wait for no departure
            assert leg["wait_h"] == 0.0


def test_wait_rule_override_halves_the_wait(engine: Engine) -> None:
    # wait_fraction_of_headway 0.25 instead of 0.5: 0.25 x 168 / 7 = 6 h on the Rotterdam loop
    other = engine.with_overrides({"services.defaults.wait_fraction_of_headway": 0.25})
    res = other.route("Shanghai port", "Rotterdam", modes=["road", "sea"], objective="cost")
    assert _leg(res.routes[0], "sea_shanghai_rotterdam").wait_h == pytest.approx(6.0)


def test_cli_table_shows_the_wait(built_dir: Path, data_dir: Path, reuse_engine: Engine) -> None:
    assert reuse_engine.network.services
    run: Callable[..., Result] = CliRunner().invoke
    env = {"SHUDAO_BUILD_DIR": str(built_dir), "SHUDAO_DATA_DIR": str(data_dir)}
    args = ["route", "Shanghai port", "Rotterdam", "--modes", "road,sea", "--objective", "cost"]
    res = run(app, args, env=env)
    assert res.exit_code == 0, res.output
    assert "wait h" in res.stdout
    assert "[sea_shanghai_rotterdam]" in res.stdout  # the service id is not eaten as markup
    assert "wait 12.0" in res.stdout
    js = run(app, [*args, "--json"], env=env)
    assert json.loads(js.stdout)["routes"][0]["wait_h"] == pytest.approx(12.0)


# ------------------------------------------------------------------- transhipment dwell


def test_transhipment_charge_at_a_listed_hub_and_the_default() -> None:
    costs = ParameterCostModel(load_parameters(DATA / "parameters.toml"))
    two = Cargo(CargoUnit.FEU, 2.0, 40.0)
    sg = costs.transhipment("singapore", two)
    assert sg.time_h == 24.0  # one day between feeder discharge and mother-vessel loading
    assert sg.cost_cny == 2 * 1200.0  # one port's handling, CNY 1,200 per FEU
    assert sg.breakdown == {"transhipment_h": 24.0, "transhipment_cny": 2400.0}
    assert sg.sources
    assert "transhipment.singapore" in sg.sources[0]
    # TEU row: CNY 800 per TEU; tonne row: CNY 60 per tonne -> 10 t = 600
    assert costs.transhipment("piraeus", Cargo(CargoUnit.TEU, 3.0, 30.0)).cost_cny == 2400.0
    assert costs.transhipment("singapore", Cargo(CargoUnit.TONNE, 10.0, 10.0)).cost_cny == 600.0
    # Małaszewicze: train to train, a day and two crane moves (CNY 800 per FEU)
    mala = costs.transhipment("malaszewicze", FEU)
    assert (mala.time_h, mala.cost_cny) == (24.0, 800.0)
    # a place without an entry falls back to [transhipment.default]: 24 h, CNY 800 per FEU
    other = costs.transhipment("colombo_port", FEU)
    assert (other.time_h, other.cost_cny) == (24.0, 800.0)
    assert "transhipment.default" in other.sources[0]
    # kg derived from the FEU row by mass: 800 CNY / 20,000 kg x 500 kg = 20 CNY
    assert costs.transhipment("colombo_port", Cargo(CargoUnit.KG, 500.0, 0.5)).cost_cny == (
        pytest.approx(20.0)
    )


def test_every_required_hub_has_a_sourced_or_reasoned_entry() -> None:
    params = load_parameters(DATA / "parameters.toml")
    table = params.transhipment_table
    for hub in ("default", "singapore", "piraeus", "malaszewicze"):
        assert hub in table, hub
    rows = [r for r in params.sources() if r.key.startswith("transhipment.")]
    assert rows
    assert all((r.source and r.as_of) or r.assumption for r in rows)


def test_transhipment_override_and_validation() -> None:
    params = load_parameters(DATA / "parameters.toml")
    longer = apply_overrides(params, {"transhipment.singapore.time_h": 48.0})
    assert ParameterCostModel(longer).transhipment("singapore", FEU).time_h == 48.0
    raw = params.model_dump(by_alias=True, mode="json")
    del raw["transhipment"]["default"]
    raw["transhipment"]["Bad-Id"] = raw["transhipment"]["singapore"]
    with pytest.raises(ParameterError) as err:
        parse_parameters(raw)
    text = str(err.value)
    assert "transhipment" in text
    # a file without the table prices no transhipment
    del raw["transhipment"]
    bare = parse_parameters(raw)
    assert ParameterCostModel(bare).transhipment("singapore", FEU).time_h == 0.0
