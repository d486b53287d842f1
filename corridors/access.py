"""Road access: trips from any point to the terminals, and the direct road trip.

Owns: :class:`RoadTrip` (a measured or estimated road trip, geometry built on demand),
:class:`AccessModel` (what the search core needs from road access), :class:`RoadAccess` (the
implementation on the road layer through its contraction hierarchy,
:class:`gis.hierarchy.Hierarchy`), :class:`SharedRoadAccess` (the same trips remembered, so two
engines answering one request, the baseline and a scenario, measure each trip once), and the
road-coverage constants. Routes and matrices both
take their road distances from here, so a matrix cell and a route price the same road trip
with the same number.

How a trip is measured: the point attaches to the nearest road link of a connected component
of at least ``access.min_road_component_nodes`` junctions (``ModeNetwork.snap``: fragments of
the extract lead to no terminal); the network part runs from either end of that link to either
end of the target's link (one one-to-many hierarchy query from the point reaches every terminal
at once); the off-network gaps at both ends count at their geodesic length x
:data:`OFF_NETWORK_CIRCUITY`. Where an end lies more than ``access.max_offroad_km`` from the road
layer (outside its coverage, e.g. South America), trips up to ``access.max_estimate_km`` are
estimated from the geodesic and say so (all three in ``parameters.toml``; the module constants
are the defaults of a bare :class:`RoadAccess`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np
from shapely.geometry import LineString
from shapely.ops import substring

from corridors.models import Terminal
from corridors.network import OFF_NETWORK_CIRCUITY, OSM_SOURCE, ModeNetwork, Snap
from gis.crs import GEOD, geodesic_distance_m
from gis.hierarchy import Hierarchy

# Defaults of a bare RoadAccess (the engine passes access.max_offroad_km and
# access.max_estimate_km from parameters.toml): beyond ROAD_SNAP_MAX_KM from the road network a
# point is outside its coverage and trips up to ROAD_FALLBACK_MAX_KM are estimated.
ROAD_SNAP_MAX_KM = 30.0
ROAD_FALLBACK_MAX_KM = 300.0
ESTIMATE_SOURCE = "estimate: outside road coverage, geodesic x 1.3 (assumption)"


@dataclass(frozen=True)
class RoadTrip:
    """A road trip measured on the road network (or estimated, with the reason in ``sources``).

    ``geometry`` may be given directly or built on demand by ``build_geometry`` (most trips
    priced for a query never appear in an answer, so their geometry is never built).
    """

    distance_km: float
    geometry: LineString | None
    sources: tuple[str, ...] = ()
    build_geometry: Callable[[], LineString] | None = None

    def line(self) -> LineString:
        """The trip's geometry (built now if it was deferred)."""
        if self.geometry is not None:
            return self.geometry
        if self.build_geometry is not None:
            return self.build_geometry()
        return LineString()


class AccessModel(Protocol):
    """Road distances for access (origin -> terminals) and egress (terminals -> destination)."""

    def road_trips(
        self, lon: float, lat: float, targets: Mapping[str, Terminal]
    ) -> dict[str, RoadTrip]:
        """Road trips from (lon, lat) to each reachable target terminal."""

    def road_trip(self, a: tuple[float, float], b: tuple[float, float]) -> RoadTrip | None:
        """A direct road trip from a to b, or None when there is no road connection."""


def estimate_trip(
    a: tuple[float, float], b: tuple[float, float], *, max_km: float = ROAD_FALLBACK_MAX_KM
) -> RoadTrip | None:
    """A road trip estimated from the geodesic (outside road coverage), or None beyond *max_km*."""
    km = float(geodesic_distance_m(a[0], a[1], b[0], b[1])) / 1000.0 * OFF_NETWORK_CIRCUITY
    if km > max_km:
        return None
    return RoadTrip(km, LineString([a, b]), (ESTIMATE_SOURCE,))


class RoadAccess:
    """Road trips on the road layer, answered by its contraction hierarchy.

    Parameters
    ----------
    road : ModeNetwork
        The road layer (snapping and path geometry).
    hierarchy : Hierarchy
        The customized hierarchy of the same layer.
    limit_km : float
        Network distance beyond which a road trip is not offered (the direct road route's
        search limit, ``access.road_search_limit_km`` in ``parameters.toml``).
    max_offroad_km : float
        A point further than this from the road layer is outside its coverage: its trips are
        estimated (``access.max_offroad_km``).
    max_estimate_km : float
        Longest estimated trip (``access.max_estimate_km``).
    min_component_nodes : int
        Points attach to links of components of at least this many nodes
        (``access.min_road_component_nodes``).
    """

    def __init__(
        self,
        road: ModeNetwork,
        hierarchy: Hierarchy,
        *,
        limit_km: float = 3000.0,
        max_offroad_km: float = ROAD_SNAP_MAX_KM,
        max_estimate_km: float = ROAD_FALLBACK_MAX_KM,
        min_component_nodes: int = 1,
    ) -> None:
        self.road = road
        self.hierarchy = hierarchy
        self.limit_km = limit_km
        self.max_offroad_km = max_offroad_km
        self.max_estimate_km = max_estimate_km
        self.min_component_nodes = min_component_nodes

    @property
    def rules(self) -> tuple[float, float, float, int]:
        """What a trip depends on besides its two ends and the road layer.

        ``(limit_km, max_offroad_km, max_estimate_km, min_component_nodes)``: the
        ``access.*`` parameters the engine passes.
        """
        return (self.limit_km, self.max_offroad_km, self.max_estimate_km, self.min_component_nodes)

    def measures_as(self, other: RoadAccess) -> bool:
        """True when *other* measures every trip as this one does: same layer, same rules."""
        same_layer = self.road is other.road and self.hierarchy is other.hierarchy
        return same_layer and self.rules == other.rules

    def snap(self, lon: float, lat: float) -> Snap:
        """(lon, lat) attached to the nearest link of a component the rule admits."""
        return self.road.snap(
            lon, lat, min_component_nodes=self.min_component_nodes, local_metric=True
        )

    def estimate(self, a: tuple[float, float], b: tuple[float, float]) -> RoadTrip | None:
        """A trip estimated from the geodesic, or None beyond ``max_estimate_km``."""
        return estimate_trip(a, b, max_km=self.max_estimate_km)

    # ------------------------------------------------------------------ geometry
    def _builder(
        self,
        origin: tuple[float, float],
        so: Snap,
        target: tuple[float, float],
        st: Snap,
    ) -> Callable[[], LineString]:
        def build() -> LineString:
            found = self.hierarchy.path(
                [(e[0], e[1] * 1000.0) for e in so.ends], [(e[0], e[1] * 1000.0) for e in st.ends]
            )
            if found is None:
                return LineString([origin, target])
            nodes = found.nodes
            i = next(k for k, e in enumerate(so.ends) if e[0] == nodes[0])
            j = next(k for k, e in enumerate(st.ends) if e[0] == nodes[-1])
            node_ids = self.road.router.node_ids[np.asarray(nodes, dtype=np.int64)].tolist()
            mid = self.road.path_geometry(node_ids, found.rows)
            return LineString([origin, *so.ends[i][2], *mid, *reversed(st.ends[j][2]), target])

        return build

    def _same_link(
        self, origin: tuple[float, float], so: Snap, target: tuple[float, float], st: Snap
    ) -> tuple[float, LineString]:
        line: LineString = self.road.edges.geometry.iat[so.row]
        lo, hi = sorted((so.offset, st.offset))
        part = list(substring(line, lo, hi).coords) if hi > lo else []
        if so.offset > st.offset:
            part.reverse()
        on_km = GEOD.geometry_length(LineString(part)) / 1000.0 if len(part) > 1 else 0.0
        return on_km, LineString([origin, *part, target])

    # ------------------------------------------------------------------ trips
    def road_trips(
        self, lon: float, lat: float, targets: Mapping[str, Terminal]
    ) -> dict[str, RoadTrip]:
        """Road trips from (lon, lat) to every target terminal within ``limit_km``.

        One one-to-many hierarchy query from the two ends of the point's link reaches every
        target; offsets along the links are rounded to decimetres at both ends, so a trip
        measured from either end has the same length (the road layer is undirected).
        """
        origin = (lon, lat)
        ids = sorted(targets)
        pts = [(targets[t].lon, targets[t].lat) for t in ids]
        out: dict[str, RoadTrip] = {}
        if not ids:
            return out
        so = self.snap(lon, lat)
        if so.gap_km > self.max_offroad_km:
            for tid, p in zip(ids, pts, strict=True):
                est = self.estimate(origin, p)
                if est is not None:
                    out[tid] = est
            return out
        snaps = [self.snap(*p) for p in pts]
        nodes = sorted({e[0] for st in snaps for e in st.ends})
        dist_m = self.hierarchy.distances_from([(e[0], e[1] * 1000.0) for e in so.ends], nodes)
        at = {n: k for k, n in enumerate(nodes)}
        for tid, p, st in zip(ids, pts, snaps, strict=True):
            if st.gap_km > self.max_offroad_km:
                est = self.estimate(origin, p)
                if est is not None:
                    out[tid] = est
                continue
            gap = (so.gap_km + st.gap_km) * OFF_NETWORK_CIRCUITY
            if so.row == st.row:
                on_km, geom = self._same_link(origin, so, p, st)
                out[tid] = RoadTrip(on_km + gap, geom, (OSM_SOURCE,))
                continue
            # whole decimetres, summed as integers: the same length from either end
            ends_dm = [
                round(float(dist_m[at[e[0]]]) * 10.0) + round(e[1] * 1e4)
                for e in st.ends
                if np.isfinite(dist_m[at[e[0]]])
            ]
            net_m = min(ends_dm) / 10.0 if ends_dm else np.inf
            if not np.isfinite(net_m) or net_m > self.limit_km * 1000.0:
                est = self.estimate(origin, p)
                if est is not None:
                    out[tid] = est
                continue
            out[tid] = RoadTrip(
                net_m / 1000.0 + gap, None, (OSM_SOURCE,), self._builder(origin, so, p, st)
            )
        return out

    def road_trip(self, a: tuple[float, float], b: tuple[float, float]) -> RoadTrip | None:
        """Direct road trip between two points, or None when not connected within the limit.

        Exactly :meth:`road_trips` from *a* to the single target *b*, so a matrix that measures
        trips from the destination to many origins gets the same lengths.
        """
        so, st = self.snap(*a), self.snap(*b)
        # A road trip is never shorter than the geodesic between the attachment points: spare
        # the query when even that exceeds the limit.
        geo_km = float(geodesic_distance_m(a[0], a[1], b[0], b[1])) / 1000.0
        if geo_km > self.limit_km + so.gap_km + st.gap_km:
            return None
        target = Terminal("_b", "", "", b[0], b[1])
        return self.road_trips(a[0], a[1], {"_b": target}).get("_b")


def _once(build: Callable[[], LineString]) -> Callable[[], LineString]:
    """*build*, run at most once: later calls return the line of the first."""
    made: list[LineString] = []

    def line() -> LineString:
        if not made:
            made.append(build())
        return made[0]

    return line


class SharedRoadAccess(RoadAccess):
    """Road trips of one :class:`RoadAccess`, each measured once and remembered.

    For answers that ask for the same trips, e.g. a request answered on the baseline and under
    a scenario (:func:`corridors.scenario_compare.compare_route`): both engines are given one
    instance when their road access :meth:`RoadAccess.measures_as` the same, and the second
    answer reuses the first's road searches and drawn lines.

    A trip is remembered per (point, terminal id, terminal coordinates), not per set of
    terminals: the distance to one terminal does not depend on which others are measured with
    it (the hierarchy's one-to-many distances are exact integer decimetres, the snaps are
    per point), so an engine whose scenario closes a terminal simply never asks for it, and a
    terminal only one engine has (an added place) is measured when asked for. Trips too long
    for the rules are remembered as absent. Not thread-safe: one request's answers, one thread.
    """

    def __init__(self, inner: RoadAccess) -> None:
        super().__init__(
            inner.road,
            inner.hierarchy,
            limit_km=inner.limit_km,
            max_offroad_km=inner.max_offroad_km,
            max_estimate_km=inner.max_estimate_km,
            min_component_nodes=inner.min_component_nodes,
        )
        self._trips: dict[tuple[float, float, str, float, float], RoadTrip | None] = {}
        self.measured = 0  # trips measured (not found remembered), for tests and benchmarks

    def road_trips(
        self, lon: float, lat: float, targets: Mapping[str, Terminal]
    ) -> dict[str, RoadTrip]:
        """:meth:`RoadAccess.road_trips`, measuring only the trips not remembered yet."""
        keys = {tid: (lon, lat, tid, t.lon, t.lat) for tid, t in targets.items()}
        missing = {tid: targets[tid] for tid, key in keys.items() if key not in self._trips}
        if missing:
            found = super().road_trips(lon, lat, missing)
            self.measured += len(missing)
            for tid in missing:
                trip = found.get(tid)
                if trip is not None and trip.build_geometry is not None:
                    trip = replace(trip, build_geometry=_once(trip.build_geometry))
                self._trips[keys[tid]] = trip
        out: dict[str, RoadTrip] = {}
        for tid in sorted(targets):
            trip = self._trips[keys[tid]]
            if trip is not None:
                out[tid] = trip
        return out
