"""Reachability: every county point reaches the terminals, and an unreachable point says why.

The four county points that once reached no terminal (issue 10): Cangxi attached to a
4-junction fragment of the road extract, Shiqu lay 811 km by road from Chengdu beyond the 800 km
home-access limit (its seat is 1,070 km from Chengdu, county profile), Jiuzhaigou and Zoigê
missed one gateway. The distance an unreachable point's error names is checked against pyproj's
geodesic to the nearest vertex of the road layer, computed here from the built layer itself.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Geod

from corridors.engine import Engine
from corridors.errors import NoRoadAccessError, NoRouteError
from corridors.matrix import destination_set, origin_set, travel_matrix
from gis.errors import ShudaoError

pytestmark = pytest.mark.build

GEOD = Geod(ellps="WGS84")
# Cangxi, Jiuzhaigou, Zoigê, Shiqu (GB/T 2260 county codes)
ONCE_UNREACHABLE = ("county_510824", "county_513225", "county_513232", "county_513332")
# Northern Shiqu, on the grassland between the Yalong headwaters and Qinghai: 70+ km from the
# trunk roads of the OSM-derived layer.
OFF_ROAD_POINT = (98.5, 33.8)


def _bonded_zones(data_dir: Path) -> list[str]:
    with (data_dir / "places.csv").open(encoding="utf-8") as fh:
        return sorted(r["id"] for r in csv.DictReader(fh) if r["kind"] == "bonded_zone")


def _nearest_road_vertex_km(built_dir: Path, lon: float, lat: float, *, step_deg: float) -> float:
    """Geodesic km from (lon, lat) to the nearest vertex of any road link (pyproj, WGS84).

    With ``step_deg`` < inf the links are first densified to vertices at most that far apart
    (in degrees), so the nearest vertex approaches the nearest point of a link.
    """
    edges = gpd.read_parquet(built_dir / "road_edges.parquet", columns=["geometry"])
    window = shapely.box(lon - 3.0, lat - 3.0, lon + 3.0, lat + 3.0)
    near = edges.geometry[edges.geometry.intersects(window)].to_numpy()
    if np.isfinite(step_deg):
        near = shapely.segmentize(near, step_deg)
    xy = shapely.get_coordinates(near)
    _, _, dist_m = GEOD.inv(np.full(len(xy), lon), np.full(len(xy), lat), xy[:, 0], xy[:, 1])
    return float(np.min(dist_m)) / 1000.0


def test_the_once_unreachable_counties_reach_every_bonded_zone(
    engine: Engine, data_dir: Path
) -> None:
    zones = _bonded_zones(data_dir)
    assert len(zones) == 6
    origins = [engine.resolver.resolve(c) for c in ONCE_UNREACHABLE]
    dests = [engine.resolver.resolve(z) for z in zones]
    m = travel_matrix(engine, origins, dests)
    assert np.isfinite(m.time_h).all(), m.to_frame()[["origin_id", "destination_id", "time_h"]]


def test_every_county_reaches_every_hub(engine: Engine) -> None:
    m = travel_matrix(engine, origin_set(engine, "counties"), destination_set(engine, "hubs"))
    empty = [
        (m.origins[i].id, m.destinations[j].id) for i, j in np.argwhere(~np.isfinite(m.time_h))
    ]
    assert not empty


def test_cangxi_is_reached_on_the_road_network_not_estimated(engine: Engine) -> None:
    """Cangxi's point attaches to the main network: its trip is measured on OSM roads."""
    p = engine.resolver.resolve("county_510824")
    irp = engine.network.terminals["chengdu_irp"]
    trip = engine.access.road_trips(p.lon, p.lat, {"chengdu_irp": irp})["chengdu_irp"]
    assert not any(s.startswith("estimate") for s in trip.sources)
    _, _, geo_m = GEOD.inv(p.lon, p.lat, irp.lon, irp.lat)
    # Cangxi-Chengdu is ~280 km apart; by road it is longer, but not absurdly so
    assert geo_m / 1000.0 < trip.distance_km < 2.0 * geo_m / 1000.0


def test_shiqu_reaches_chengdu_within_the_home_access_limit(engine: Engine) -> None:
    """Shiqu's seat is 1,070 km from Chengdu by road (county profile): the limit covers it."""
    assert engine.limits.max_home_access_km >= 1070.0
    res = engine.route("county_513332", "lodz", modes=["rail"])
    assert res.routes


def test_an_off_road_point_says_how_far_the_road_is(engine: Engine, built_dir: Path) -> None:
    lon, lat = OFF_ROAD_POINT
    with pytest.raises(NoRoadAccessError) as caught:
        engine.route(f"{lon},{lat}", "chengdu")
    err = caught.value
    assert isinstance(err, NoRouteError)
    assert isinstance(err, ShudaoError)
    assert (err.status, err.exit_code, err.type_slug) == (422, 5, "no-road-access")
    assert err.end == "origin"
    assert err.parameter == "access.max_offroad_km"
    assert err.limit_km == engine.limits.max_offroad_km
    msg = str(err)
    found = re.search(r"lies ([0-9.]+) km from the nearest road link", msg)
    assert found, msg
    said_km = float(found.group(1))
    # the nearest point of a link is never further than its nearest vertex (the layer's own
    # vertices: 78 km here, the links are long straight segments) ...
    assert said_km <= _nearest_road_vertex_km(built_dir, lon, lat, step_deg=np.inf) + 0.05
    # ... and lies within half a step of the nearest vertex of the links densified to 0.005°
    dense_km = _nearest_road_vertex_km(built_dir, lon, lat, step_deg=0.005)
    assert said_km == pytest.approx(dense_km, abs=0.4)
    assert said_km > engine.limits.max_offroad_km
    assert "access.max_offroad_km" in msg
    assert "access.max_estimate_km" in msg
    # the nearest terminal it names, at geodesic x 1.3 (the estimate rule), computed here
    t = engine.network.terminals[str(err.nearest_terminal)]
    _, _, geo_m = GEOD.inv(lon, lat, t.lon, t.lat)
    assert err.nearest_terminal_km is not None
    assert err.nearest_terminal_km == pytest.approx(geo_m / 1000.0 * 1.3, rel=1e-3)
    assert err.nearest_terminal_km > engine.limits.max_estimate_km
