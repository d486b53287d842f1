"""ISO 14083 / GLEC emissions of a leg (corridors/emissions.py and the [emissions] parameters).

Every expectation is worked by hand from the factors of ``data/geo/parameters.toml``
``[emissions]`` (g CO2e per tonne-km, WTW / TTW):

    articulated_truck        94.5 / 72.5     diesel_train        28.0 / 21.5
    electric_train_cn        22.3 /  0       electric_train_eu   13.4 /  0
    container_ship            8.04 / 6.86    ropax_ferry        124.8 / 106.4
    inland_container_barge   25.5 / 21.0
    freighter_long_haul     630   / 498      freighter_short_haul 700 / 553.5
    belly_long_haul         630   / 498.1
    rail_electric_share: cn 1, eu 1, eurasia 0, la 1, default 0; air long haul from 1,500 km.

One FEU is 20 t (``payload.FEU``); kg = tonnes x km x g / 1000.
"""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest

from corridors.costing import Charge
from corridors.emissions import DEFAULT_VEHICLE, VEHICLES, leg_emissions, method, rail_region
from corridors.engine import Engine
from corridors.errors import ParameterError, UnknownParameterError
from corridors.models import Cargo, CargoUnit, Mode
from corridors.params import (
    Parameters,
    apply_overrides,
    default_parameters_path,
    load_parameters,
    parse_parameters,
)
from corridors.services import load_services
from corridors.tariffs import ParameterCostModel
from hubs.tables import load_catalog

DATA = default_parameters_path().parent
TOY = Path(__file__).resolve().parent.parent / "data" / "toy_parameters.toml"
FEU = Cargo(CargoUnit.FEU, 1.0, 20.0)


@pytest.fixture(scope="module")
def params() -> Parameters:
    return load_parameters(default_parameters_path())


def test_kazakh_rail_feu_is_diesel(params: Parameters) -> None:
    # 1 FEU = 20 t over 1,000 km departing Dostyk (KZ, region eurasia, electric share 0):
    # WTW 20 x 1,000 x 28.0 / 1,000 = 560 kg; TTW 20 x 1,000 x 21.5 / 1,000 = 430 kg.
    em = leg_emissions(params, Mode.RAIL, 1000.0, 20.0, country="KZ")
    assert em.wtw_kg == pytest.approx(560.0)
    assert em.ttw_kg == pytest.approx(430.0)
    assert em.keys == ("emissions.factors.diesel_train", "emissions.rail_electric_share.eurasia")


def test_chinese_electric_rail_has_no_tank_to_wheel(params: Parameters) -> None:
    # 20 t over 1,000 km departing Chengdu (CN, electric share 1): WTW 20 x 1,000 x 22.3 / 1,000
    # = 446 kg, all of it energy provision; TTW 0.
    em = leg_emissions(params, Mode.RAIL, 1000.0, 20.0, country="CN")
    assert em.wtw_kg == pytest.approx(446.0)
    assert em.ttw_kg == 0.0
    # EU electric (Malaszewicze, PL): 20 x 1,000 x 13.4 / 1,000 = 268 kg WTW, 0 TTW.
    eu = leg_emissions(params, Mode.RAIL, 1000.0, 20.0, country="PL")
    assert (eu.wtw_kg, eu.ttw_kg) == (pytest.approx(268.0), 0.0)


def test_rail_traction_share_blends_electric_and_diesel(params: Parameters) -> None:
    # With half the Chinese tonne-km hauled by diesel: WTW per t-km 0.5 x 22.3 + 0.5 x 28.0
    # = 25.15 g, TTW 0.5 x 0 + 0.5 x 21.5 = 10.75 g; 20 t x 1,000 km -> 503 kg and 215 kg.
    half = apply_overrides(params, {"emissions.rail_electric_share.cn": 0.5})
    em = leg_emissions(half, Mode.RAIL, 1000.0, 20.0, country="CN")
    assert em.wtw_kg == pytest.approx(503.0)
    assert em.ttw_kg == pytest.approx(215.0)


def test_forced_traction_overrides_the_region(params: Parameters) -> None:
    # A diesel train in China: 20 t x 500 km x 28.0 g = 280 kg WTW, x 21.5 g = 215 kg TTW.
    d = leg_emissions(params, Mode.RAIL, 500.0, 20.0, vehicle="diesel_train", country="CN")
    assert (d.wtw_kg, d.ttw_kg) == (pytest.approx(280.0), pytest.approx(215.0))
    # An electric train in Kazakhstan (no Kazakh grid factor): China's, 20 x 500 x 22.3 = 223 kg.
    e = leg_emissions(params, Mode.RAIL, 500.0, 20.0, vehicle="electric_train", country="KZ")
    assert (e.wtw_kg, e.ttw_kg) == (pytest.approx(223.0), 0.0)


def test_rail_regions() -> None:
    assert [rail_region(c) for c in ("CN", "PL", "de", "KZ", "BY", "RU", "LA", "TH", "")] == [
        "cn",
        "eu",
        "eu",
        "eurasia",
        "eurasia",
        "eurasia",
        "la",
        "default",
        "default",
    ]


def test_caspian_ferry_services_use_the_ropax_factor(params: Parameters) -> None:
    catalog = load_catalog(DATA)
    records = load_services(
        DATA / "services.toml",
        known_places={p.id for p in catalog.places},
        to_cny=params.to_cny,
    )
    vehicles = {r.service.id: r.service.vehicle for r in records}
    assert vehicles["mc_ferry_kuryk_alat"] == "ropax_ferry"
    assert vehicles["mc_ferry_aktau_alat"] == "ropax_ferry"
    # a service without the key gets its mode's default
    assert vehicles["cr_express_chengdu_lodz_alashankou"] == "container_train"
    assert vehicles["air_ctu_fra_lh_cargo"] == "freighter"
    # 1 FEU (20 t) over the 430 km Kuryk-Alat crossing, priced through the cost model:
    # WTW 20 x 430 x 124.8 / 1,000 = 1,073.28 kg; TTW 20 x 430 x 106.4 / 1,000 = 915.04 kg,
    # 15.5 times what the container ship factor gave (20 x 430 x 8.04 / 1,000 = 69.144 kg).
    charge = ParameterCostModel(params).line_haul(Mode.SEA, 430.0, FEU, vehicle="ropax_ferry")
    assert charge.co2_kg == pytest.approx(1073.28)
    assert charge.co2_ttw_kg == pytest.approx(915.04)
    ship = ParameterCostModel(params).line_haul(Mode.SEA, 430.0, FEU)
    assert ship.co2_kg == pytest.approx(69.144)
    assert charge.co2_kg / ship.co2_kg == pytest.approx(124.8 / 8.04)


def test_well_to_wheel_is_at_least_tank_to_wheel(params: Parameters) -> None:
    assert params.emissions is not None
    for key, f in params.emissions.factors.items():
        if key.startswith("electric_train"):
            assert f.ttw.value == 0.0, key
            assert f.wtw.value > 0.0, key
        else:  # fossil fuels: energy provision adds to operation
            assert f.wtw.value > f.ttw.value > 0.0, key


def test_factors_rank_as_the_modes_do(params: Parameters) -> None:
    # per t-km: container ship < electric rail < diesel rail < truck < RoPax < aircraft, and a
    # barge between the ship and the truck
    assert params.emissions is not None
    w = {k: f.wtw.value for k, f in params.emissions.factors.items()}
    assert w["container_ship"] < w["electric_train_eu"] < w["electric_train_cn"]
    assert w["electric_train_cn"] < w["diesel_train"] < w["articulated_truck"]
    assert w["container_ship"] < w["inland_container_barge"] < w["articulated_truck"]
    assert w["articulated_truck"] < w["ropax_ferry"]
    assert w["ropax_ferry"] < w["freighter_long_haul"] <= w["freighter_short_haul"]


def test_air_distance_band(params: Parameters) -> None:
    # 1 t by freighter: 1,499 km is short haul (700 g) -> 1,049.3 kg; 1,500 km long haul (630 g)
    # -> 945 kg WTW and 1,500 x 498 / 1,000 = 747 kg TTW. Belly long haul 630 / 498.1 g.
    short = leg_emissions(params, Mode.AIR, 1499.0, 1.0)
    long_ = leg_emissions(params, Mode.AIR, 1500.0, 1.0)
    assert short.wtw_kg == pytest.approx(1049.3)
    assert (long_.wtw_kg, long_.ttw_kg) == (pytest.approx(945.0), pytest.approx(747.0))
    belly = leg_emissions(params, Mode.AIR, 2000.0, 1.0, vehicle="belly")
    assert (belly.wtw_kg, belly.ttw_kg) == (pytest.approx(1260.0), pytest.approx(996.2))


def test_road_and_barge_defaults_through_the_cost_model(params: Parameters) -> None:
    costs = ParameterCostModel(params)
    # a 100 km road access leg with 1 FEU: 20 x 100 x 94.5 / 1,000 = 189 kg WTW, 145 kg TTW
    road = costs.road_haul(100.0, FEU, country="CN")
    assert (road.co2_kg, road.co2_ttw_kg) == (pytest.approx(189.0), pytest.approx(145.0))
    assert f"parameters:emissions.factors.articulated_truck@{params.version}" in road.sources
    # Yibin-Shanghai by barge, 2,561 km: 20 x 2,561 x 25.5 / 1,000 = 1,306.11 kg WTW,
    # x 21.0 -> 1,075.62 kg TTW
    barge = costs.line_haul(Mode.INLAND_WATERWAY, 2561.0, FEU)
    assert barge.co2_kg == pytest.approx(1306.11)
    assert barge.co2_ttw_kg == pytest.approx(1075.62)


def test_charges_add_tank_to_wheel() -> None:
    a = Charge(1.0, 2.0, 3.0, {}, (), 1.5)
    b = Charge(co2_kg=4.0, co2_ttw_kg=2.5)
    assert (a + b).co2_kg == 7.0
    assert (a + b).co2_ttw_kg == 4.0


def test_unknown_vehicle_is_refused(params: Parameters) -> None:
    with pytest.raises(UnknownParameterError):
        leg_emissions(params, Mode.SEA, 100.0, 1.0, vehicle="container_train")


def test_default_vehicle_of_every_mode_is_one_of_its_vehicles() -> None:
    assert set(DEFAULT_VEHICLE) == set(Mode)
    assert all(DEFAULT_VEHICLE[m] in VEHICLES[m] for m in Mode)


def test_without_the_section_the_mode_factor_applies() -> None:
    toy = load_parameters(TOY)
    assert toy.emissions is None
    g = toy.mode("rail").co2_g_per_tkm.value
    em = leg_emissions(toy, Mode.RAIL, 100.0, 20.0, country="CN")
    assert em.wtw_kg == pytest.approx(100.0 * 20.0 * g / 1000.0)
    assert em.ttw_kg == em.wtw_kg
    assert "co2_g_per_tkm" in method(toy)


def _raw() -> dict[str, Any]:
    return tomllib.loads(default_parameters_path().read_text("utf-8"))


def test_bad_emission_entries_are_all_named() -> None:
    raw = _raw()
    em = raw["emissions"]
    del em["factors"]["ropax_ferry"]
    em["factors"]["diesel_train"]["ttw"]["value"] = 99.0  # above its wtw of 28
    em["rail_electric_share"]["eurasia"]["value"] = 1.5
    em["rail_electric_share"]["default"]["value"] = 0.5  # electric, but no electric_train_default
    em["rail_electric_share"]["mars"] = {"value": 0.0, "unit": "1", "assumption": "x"}
    with pytest.raises(ParameterError) as info:
        parse_parameters(raw, file="parameters.toml")
    text = "\n".join(f"{p.file} {p.column}: {p.message}" for p in info.value.problems)
    assert text.startswith("parameters.toml emissions:")
    assert "factors.diesel_train: ttw (99) must not exceed wtw (28)" in text
    assert "missing ropax_ferry" in text
    assert "rail_electric_share.eurasia: must be between 0 and 1" in text
    assert "rail_electric_share.default > 0 needs factors.electric_train_default" in text
    assert "rail_electric_share.mars: unknown region" in text


def test_unsourced_factor_is_refused() -> None:
    raw = _raw()
    raw["emissions"]["factors"]["ropax_ferry"]["wtw"] = {"value": 124.8, "unit": "g CO2e/t-km"}
    with pytest.raises(ParameterError) as info:
        parse_parameters(raw, file="parameters.toml")
    cols = [p.column for p in info.value.problems]
    assert "emissions.factors.ropax_ferry.wtw" in cols


def test_emission_factors_are_published_and_overridable(params: Parameters) -> None:
    rows = {r.key: r for r in params.sources()}
    assert rows["emissions.factors.ropax_ferry.wtw"].value == 124.8
    assert "Table 14" in str(rows["emissions.factors.ropax_ferry.wtw"].source)
    changed = apply_overrides(params, {"emissions.factors.ropax_ferry.wtw": 130.0})
    assert changed.fingerprint() != params.fingerprint()
    # 20 t x 100 km x 130 g / 1,000 = 260 kg
    em = leg_emissions(changed, Mode.SEA, 100.0, 20.0, vehicle="ropax_ferry")
    assert em.wtw_kg == pytest.approx(260.0)


def test_unknown_vehicle_in_the_catalog_is_named(tmp_path: Path, params: Parameters) -> None:
    for name in ("rail_sections.toml", "itinerary_points.csv"):
        shutil.copy(DATA / name, tmp_path / name)
    text = (DATA / "services.toml").read_text("utf-8")
    text = text.replace('vehicle = "ropax_ferry"', 'vehicle = "ropax_ferri"', 1)
    (tmp_path / "services.toml").write_text(text, "utf-8")
    catalog = load_catalog(DATA)
    with pytest.raises(ParameterError) as info:
        load_services(
            tmp_path / "services.toml",
            known_places={p.id for p in catalog.places},
            to_cny=params.to_cny,
        )
    bad = [p for p in info.value.problems if str(p.column).endswith(".vehicle")]
    assert len(bad) == 1
    assert "unknown sea vehicle 'ropax_ferri'" in bad[0].message


def test_route_reports_both_scopes_and_the_method(engine: Engine) -> None:
    result = engine.route("Chengdu", "Istanbul", via=["Alat"])
    d = result.to_dict()
    assert d["emissions_method"].startswith("ISO 14083:2023; GLEC Framework v3")
    route = d["routes"][0]
    assert route["co2_ttw_kg"] == pytest.approx(sum(leg["co2_ttw_kg"] for leg in route["legs"]))
    assert route["co2_kg"] == pytest.approx(sum(leg["co2_kg"] for leg in route["legs"]))
    ferry = [leg for leg in route["legs"] if leg["service"] == "mc_ferry_aktau_alat"]
    assert len(ferry) == 1
    # the ferry leg by hand: 20 t x its km x 124.8 g / 1,000 (WTW), x 106.4 g (TTW)
    km = ferry[0]["distance_km"]
    assert ferry[0]["co2_kg"] == pytest.approx(20.0 * km * 124.8 / 1000.0)
    assert ferry[0]["co2_ttw_kg"] == pytest.approx(20.0 * km * 106.4 / 1000.0)
    assert route["co2_kg"] >= route["co2_ttw_kg"]


def test_chinese_rail_leg_is_electric_in_a_real_route(engine: Engine) -> None:
    # Chengdu -> Qinzhou on the Land-Sea corridor train: every ride departs in China, so the
    # leg's TTW is zero and its WTW is 20 t x km x 22.3 g / 1,000.
    result = engine.route("Chengdu", "Qinzhou", modes=["rail"])
    rail = [leg for leg in result.routes[0].legs if leg.mode is Mode.RAIL]
    assert rail
    for leg in rail:
        assert leg.co2_ttw_kg == 0.0
        assert leg.co2_kg == pytest.approx(20.0 * leg.distance_km * 22.3 / 1000.0)
