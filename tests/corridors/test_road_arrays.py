"""Road legs priced many at once (travel matrices) equal the legs priced one by one.

The matrix prices every reachable (origin, terminal) leg and every direct trip with the array
forms; these must give the very floats of the per-leg functions the routes use (whose figures
are checked by hand in ``test_freight_rules.py``), so a cell never differs from its route by
rounding. Drivers' hours are checked at the day and break boundaries, where ``ceil`` turns.
"""

from __future__ import annotations

import numpy as np
import pytest

from corridors.engine import Engine
from corridors.models import Objective
from corridors.params import road_time_h, road_time_h_array
from corridors.search import (
    direct_charge,
    direct_charge_arrays,
    edge_weight,
    edge_weights,
    road_charge,
    road_charge_arrays,
)

COUNTRIES = ("CN", "PL", "DE", "KZ", "RU", "VN", "LA", "TH", "")


def _distances(speed_kph: float, daily_h: float, cont_h: float) -> np.ndarray:
    """Random distances plus the ones where a day or a break starts (and just either side)."""
    rng = np.random.default_rng(20261205)
    edges = [k * daily_h * speed_kph for k in range(1, 6)]
    edges += [k * cont_h * speed_kph for k in range(1, 6)]
    near = [x + d for x in edges for d in (-1e-6, 0.0, 1e-6)]
    return np.asarray([0.0, 0.5, 1.0, 4.999, 5.0, *near, *rng.uniform(0, 6000, 300)])


@pytest.mark.parametrize("crew", [1, 2])
def test_drivers_hours_array_equals_one_by_one(crew: int) -> None:
    rules = {
        "speed_kph": 60.0,
        "max_continuous_driving_h": 4.5,
        "break_h": 0.75,
        "max_daily_driving_h": 9.0,
        "daily_rest_h": 11.0,
        "crew": crew,
    }
    km = _distances(60.0, 9.0 * crew, 4.5)
    driving, rest = road_time_h_array(km, **rules)  # type: ignore[arg-type]
    for k, d, r in zip(km, driving, rest, strict=True):
        assert (float(d), float(r)) == road_time_h(float(k), **rules)  # type: ignore[arg-type]


def test_road_and_direct_charges_array_equal_one_by_one(engine: Engine) -> None:
    costs, limits = engine.costs, engine.limits
    for unit, quantity in (("FEU", 1.0), ("tonne", 7.5), ("TEU", 3.0)):
        cargo = engine.cargo(unit, quantity)
        for country in COUNTRIES:
            _, region = engine.params.road_region(country)
            km = _distances(
                region.speed_kph.value,
                region.max_daily_driving_h.value * (2 if region.crew.value == 2 else 1),
                region.max_continuous_driving_h.value,
            )
            km = np.concatenate([km, [limits.short_leg_km, limits.short_leg_km - 1e-9]])
            rows = road_charge_arrays(costs, cargo, km, country=country, limits=limits)
            for k, row in zip(km, rows, strict=True):
                c = road_charge(costs, cargo, float(k), country=country, limits=limits)
                assert tuple(row) == (c.time_h, c.cost_cny, c.co2_kg), (unit, country, k)
            for dest in ("CN", "PL", ""):
                rows = direct_charge_arrays(
                    costs, cargo, km, origin_country=country, dest_country=dest
                )
                for k, row in zip(km, rows, strict=True):
                    c, _ = direct_charge(
                        costs, cargo, float(k), origin_country=country, dest_country=dest
                    )
                    assert tuple(row) == (c.time_h, c.cost_cny, c.co2_kg), (country, dest, k)


def test_a_long_leg_is_priced_and_a_short_one_is_free(engine: Engine) -> None:
    """Independent of the arrays' code: 0 below the short-leg limit, haul + handling above."""
    cargo = engine.cargo("FEU", 1.0)
    limits = engine.limits
    km = np.asarray([limits.short_leg_km / 2, 100.0])
    rows = road_charge_arrays(engine.costs, cargo, km, country="CN", limits=limits)
    assert tuple(rows[0]) == (0.0, 0.0, 0.0)
    speed = engine.params.road_region("CN")[1].speed_kph.value
    handling = engine.params.mode("road").handling_h.value
    # 100 km: under one continuous-driving stint, so no break or rest
    assert rows[1][0] == pytest.approx(100.0 / speed + handling)
    assert rows[1][1] > 0.0
    assert rows[1][2] > 0.0


@pytest.mark.parametrize("objective", list(Objective))
def test_edge_weights_array_equal_one_by_one(engine: Engine, objective: Objective) -> None:
    cargo = engine.cargo("FEU", 1.0)
    vot = engine.costs.value_of_time_cny_per_h(cargo)
    charges = [engine.costs.road_leg(k, cargo, country="CN") for k in (10.0, 300.0, 2500.0)]
    rows = np.asarray([[c.time_h, c.cost_cny, c.co2_kg] for c in charges])
    got = edge_weights(rows, objective, vot)
    assert list(got) == [edge_weight(c, objective, vot) for c in charges]
