"""The freight rules of the search core on the real catalog (issue: freight rules a planner trusts).

Each test names the defect it guards against and the figure it expects, worked out by hand from
``data/geo/parameters.toml`` (values quoted in the comments) or from the rule itself.
"""

from __future__ import annotations

import itertools

import pytest

from corridors.engine import Engine
from corridors.models import Mode, Route
from corridors.params import Parameters, road_time_h

SEA_OR_AIR = {Mode.SEA, Mode.AIR, Mode.INLAND_WATERWAY}
BEIBU_GULF_PORTS = {"qinzhou_port", "beihai_port", "fangchenggang_port"}


def _places(route: Route) -> set[str]:
    return {p for leg in route.legs for p in (leg.from_id, leg.to_id)}


# ------------------------------------------------------------------- drivers' hours by region
@pytest.mark.parametrize(
    ("country", "km", "want_h"),
    [
        # EU (Reg. 561/2006): 1,000 km at 70 km/h = 14.2857 h of driving: two days (9 h a
        # day), one 11 h daily rest, one 45 min break each day (after 4.5 h) = 26.7857 h
        ("DE", 1000.0, 1000.0 / 70.0 + 11.0 + 2 * 0.75),
        # China, one driver: 1,246 km (Chengdu-Qinzhou) at 70 km/h = 17.8 h; 10 h a day:
        # one 8 h rest; 20 min after every 4 h: 2 breaks on day 1, 1 on day 2
        ("CN", 1246.0, 17.8 + 8.0 + 3 * 0.3333),
        # Eurasian AETR region, double crew: 3,162 km at 55 km/h = 57.4909 h; 18 h a day
        # (2 x 9): 4 days, three 11 h rests, no break stops (drivers change)
        ("KZ", 3162.0, 3162.0 / 55.0 + 3 * 11.0),
        # ASEAN: 481 km (Boten-Vientiane by road) at 45 km/h = 10.689 h; 10 h a day: one 8 h
        # rest; 15 min after every 4 h: 2 breaks on day 1, none on the last 0.69 h
        ("LA", 481.0, 481.0 / 45.0 + 8.0 + 2 * 0.25),
        # a drayage trip inside one driving block: no break, no rest
        ("CN", 200.0, 200.0 / 70.0),
    ],
)
def test_road_time_follows_each_regions_drivers_hours(
    engine: Engine, country: str, km: float, want_h: float
) -> None:
    driving, rest = engine.params.road_time_h(km, country)
    assert driving + rest == pytest.approx(want_h, abs=1e-3)


def test_road_time_function_by_hand() -> None:
    # 25 h of driving, 8 h a day, break 0.5 h after 3 h, rest 9 h: days 8, 8, 8, 1 ->
    # 3 rests (27 h); breaks: ceil(8/3)-1 = 2 per full day (6), 0 on the last hour
    driving, rest = road_time_h(
        1250.0,
        speed_kph=50.0,
        max_continuous_driving_h=3.0,
        break_h=0.5,
        max_daily_driving_h=8.0,
        daily_rest_h=9.0,
        crew=1,
    )
    assert driving == pytest.approx(25.0)
    assert rest == pytest.approx(27.0 + 6 * 0.5)


def test_every_road_leg_pays_handling(engine: Engine) -> None:
    # Defect: direct all-road routes had no handling, no fixed charge and no driver rest
    # (Chengdu-Qinzhou 1,246 km in 20.8 h). Now: 17.8 h + 9 h of rest and breaks + 2 h handling.
    result = engine.route("Chengdu", "Qinzhou", modes=["road"], alternatives=1)
    (route,) = result.routes
    (leg,) = route.legs
    p: Parameters = engine.params
    handling = p.mode("road").handling_h.value
    driving, rest = p.road_time_h(leg.distance_km, "CN")
    assert leg.time_h == pytest.approx(driving + rest + handling)
    assert leg.breakdown["handling_h"] == pytest.approx(handling)
    assert leg.breakdown["driver_rest_h"] > 8.0  # at least one overnight rest
    assert leg.breakdown["handling_cny"] == pytest.approx(p.fixed_cny("road", "FEU"))


# ----------------------------------------------------------------------- drayage and main haul
def test_china_laos_train_runs_to_vientiane(engine: Engine) -> None:
    # Defect: `--modes rail` rode the China-Laos railway to Boten, then trucked 481 km.
    result = engine.route("Kunming", "Vientiane", modes=["rail"], alternatives=1)
    (route,) = result.routes
    rail = [leg for leg in route.legs if leg.mode is Mode.RAIL]
    assert [leg.to_id for leg in rail][-1] == "vientiane"
    assert all(leg.distance_km < 50.0 for leg in route.legs if leg.mode is Mode.ROAD)


def test_cargo_stays_on_its_train_to_the_stop_nearest_the_destination(engine: Engine) -> None:
    # Defect: `--modes rail` routes left the Lodz train at Malaszewicze and trucked 317 km.
    # A route may still take the more frequent Malaszewicze train and truck on (14 vs 7 trains
    # a week, and the truck pays handling, the rail-road transfer and drivers' hours), but it
    # never leaves a service at a stop when a later stop of that service is nearer.
    for dest in ("Lodz", "Duisburg", "Tilburg", "Vientiane", "Budapest", "Tashkent"):
        for route in engine.route("Chengdu", dest, modes=["rail"], alternatives=3).routes:
            last = [leg for leg in route.legs if leg.service is not None][-1]
            stops = engine.network.services[last.service].waypoints
            later = stops[stops.index(last.to_id) + 1 :]
            if route.legs[-1].mode is Mode.ROAD and later:
                egress_km = route.legs[-1].distance_km
                place = engine.resolver.resolve(dest)
                for stop in later:
                    t = engine.network.terminals[stop]
                    trip = engine.access.road_trip((t.lon, t.lat), (place.lon, place.lat))
                    assert trip is None or trip.distance_km >= egress_km - 1.0, (dest, stop)


def test_no_long_truck_to_a_far_gateway(engine: Engine) -> None:
    # Defect: an "ilstc" alternative trucked 1,239 km from Chengdu to Boten. Road legs of a
    # route are drayage within the access caps, or a service of its own.
    caps = engine.limits
    for dest in ("Duisburg", "Rotterdam", "Singapore", "Bangkok", "Almaty"):
        for route in engine.route("成都", dest, alternatives=3).routes:
            for leg in route.legs:
                if leg.mode is Mode.ROAD and leg.service is None and len(route.legs) > 1:
                    assert leg.distance_km <= max(caps.max_home_access_km, caps.max_egress_km)


def test_international_trucks_never_feed_another_service(engine: Engine) -> None:
    # Defect: trucks ran 3,162 km to Khorgos to board a weekly train.
    for dest in ("Almaty", "Tashkent", "Moscow", "Bangkok", "Hanoi", "Duisburg"):
        for route in engine.route("Chengdu", dest, alternatives=5).routes:
            services = [leg for leg in route.legs if leg.service is not None]
            for a, b in itertools.pairwise(services):
                assert a.mode is not Mode.ROAD, (dest, a.service, b.service)


# ---------------------------------------------------------------------------------- transfers
def test_a_transfer_override_moves_the_route_by_exactly_its_change(engine: Engine) -> None:
    # Defect: `--param transfer.rail-sea.time_h=500` left every route unchanged. The land-sea
    # corridor changes from rail to sea once, at the Beibu Gulf: +500 - 12 h (parameters.toml).
    base = engine.route("Chengdu", "Singapore", modes=["rail", "sea"], alternatives=1).routes[0]
    assert BEIBU_GULF_PORTS & _places(base)
    was = engine.params.transfer("rail", "sea").time_h.value
    slow = engine.with_overrides({"transfer.rail-sea.time_h": 500.0})
    after = slow.route("Chengdu", "Singapore", modes=["rail", "sea"], alternatives=1).routes[0]
    assert after.services == base.services
    assert after.time_h - base.time_h == pytest.approx(500.0 - was)


def test_each_change_of_mode_is_priced_once(engine: Engine) -> None:
    # road -> rail at Chengdu, rail -> sea at the Beibu Gulf, sea -> road (none when the
    # destination is the port itself): the transfer hours of the route are their sum.
    (route,) = engine.route("Chengdu", "Singapore", modes=["rail", "sea"], alternatives=1).routes
    p = engine.params
    want = 0.0
    modes = [leg.mode.value for leg in route.legs]
    for a, b in itertools.pairwise(modes):
        if a != b:
            want += p.transfer(a, b).time_h.value
    got = sum(leg.breakdown.get("transfer_h", 0.0) for leg in route.legs)
    assert got == pytest.approx(want)
    assert want > 0


# --------------------------------------------------------------------------- honest summaries
def test_sea_hops_are_customs_not_border_crossings(engine: Engine) -> None:
    # Defect: summaries counted sea hops such as singapore-rotterdam as border crossings.
    for route in engine.route("Chengdu", "Rotterdam", alternatives=4).routes:
        for leg in route.legs:
            if leg.mode in SEA_OR_AIR:
                assert leg.border_crossings == ()
        for crossing in route.border_crossings:
            a, b = crossing.split("-")
            assert engine.network.terminals[a].country != engine.network.terminals[b].country
    sea = engine.route("Shanghai port", "Rotterdam", modes=["sea"], alternatives=1).routes[0]
    assert sea.border_crossings == ()
    assert any(leg.customs for leg in sea.legs)


def test_a_routes_corridor_is_its_main_haul(engine: Engine) -> None:
    # Defect: "ilstc" on a route that never touches the Beibu Gulf.
    for dest in ("Duisburg", "Rotterdam", "Singapore", "Bangkok", "Vientiane"):
        for route in engine.route("成都", dest, alternatives=4).routes:
            if route.corridor == "ilstc":
                assert BEIBU_GULF_PORTS & _places(route), (dest, route.services)
            if route.corridor == "china_laos":
                assert "mohan-boten" in route.border_crossings, (dest, route.services)
