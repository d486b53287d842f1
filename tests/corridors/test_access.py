"""Road access through the contraction hierarchy against the scipy Dijkstra measurement."""

from __future__ import annotations

from pathlib import Path

import pytest

from corridors.access import RoadAccess
from corridors.engine import Engine
from corridors.models import Terminal

pytestmark = pytest.mark.build

POINTS = {
    "chengdu": (104.0657, 30.6595),
    "panzhihua": (101.7187, 26.5823),
    "kunming": (102.8329, 24.8801),
    "chongqing": (106.5516, 29.5630),
    "xichang": (102.2644, 27.8945),
    "garze_west": (99.0, 30.5),
}


@pytest.fixture(scope="module")
def engine(built_dir: Path, data_dir: Path) -> Engine:
    return Engine.load(data_dir=data_dir, build_dir=built_dir)


def test_trips_equal_an_independent_scipy_dijkstra(engine: Engine) -> None:
    """Same snapping and gap rule, network part by scipy's bounded Dijkstra (another method)."""
    access: RoadAccess = engine.access
    o = POINTS["chengdu"]
    targets = {k: Terminal(k, "", "", *p) for k, p in POINTS.items() if k != "chengdu"}
    got = access.road_trips(*o, targets)
    pts = [(targets[k].lon, targets[k].lat) for k in sorted(targets)]
    want = engine.road.trips_from(
        o,
        pts,
        limit_km=3000.0,
        min_component_nodes=access.min_component_nodes,
        local_metric=True,
    )
    for k, w in zip(sorted(targets), want, strict=True):
        if w is None or w[2] > 30.0:
            continue
        assert got[k].distance_km == pytest.approx(w[0], abs=0.05), k  # 50 m of rounding


def test_trips_are_symmetric(engine: Engine) -> None:
    """The road layer is undirected: a trip has one length whichever end it is measured from."""
    access = engine.access
    names = sorted(POINTS)
    for a in names:
        for b in names:
            if a >= b:
                continue
            ab = access.road_trip(POINTS[a], POINTS[b])
            ba = access.road_trip(POINTS[b], POINTS[a])
            assert (ab is None) == (ba is None), (a, b)
            if ab is not None and ba is not None:
                assert ab.distance_km == ba.distance_km, (a, b)


def test_direct_trip_is_the_one_to_many_trip(engine: Engine) -> None:
    access = engine.access
    a, b = POINTS["chengdu"], POINTS["kunming"]
    one = access.road_trip(a, b)
    many = access.road_trips(*b, {"o": Terminal("o", "", "", *a)})
    assert one is not None
    assert one.distance_km == many["o"].distance_km
    # the geometry runs from a to b along the road
    line = one.line()
    assert line.coords[0] == pytest.approx(a)
    assert line.coords[-1] == pytest.approx(b)
    assert len(line.coords) > 50


def test_no_targets_and_far_points(engine: Engine) -> None:
    access = engine.access
    assert access.road_trips(*POINTS["chengdu"], {}) == {}
    # Chengdu to Lisbon: the geodesic alone exceeds the 3,000 km limit
    assert access.road_trip(POINTS["chengdu"], (-9.14, 38.72)) is None
