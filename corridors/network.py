"""Measuring the service layer on the infrastructure network.

Owns: :class:`Infrastructure` (the built rail and road layers indexed for shortest paths),
:func:`build_service_network` (every hop of every curated service measured on its mode's
network: rail and road on the OSM-derived graphs, sea by ``searoute`` with its traversed passages,
air as a great circle, inland waterway along the curated river polyline; never straight lines
for surface modes), and the sea variants: every sea hop measured again with passages closed
(:func:`measure_sea_variants`, stored with the network) and looked up by :func:`sea_leg`, which
measures only what is not stored. Road access to terminals is :mod:`corridors.access`.
"""

from __future__ import annotations

import itertools
import json
import math
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import searoute
import shapely
from numpy.typing import NDArray
from scipy.sparse.csgraph import connected_components, dijkstra
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry
from shapely.ops import substring

from corridors.errors import ParameterError
from corridors.models import Mode, RideLeg, SeaVariant, SeaVariants, ServiceNetwork, Terminal
from corridors.services import ServiceRecord
from gis.crs import GEOD, geodesic_distance_m
from gis.errors import Problem
from gis.graph import CsrRouter, GraphError, load_lines
from gis.hierarchy import graph_path, lines_path
from gis.layers import read_layer
from gis.rail_attributes import RAIL_ATTRIBUTES_FILE, gauges_compatible

# Off-network stretch at either end of a surface trip (terminal to the nearest network node) is
# counted at its geodesic length times this circuity factor (assumption: typical road circuity
# 1.2-1.4 for short trips, Ballou et al. 2002, "Selected country circuity factors for road and
# rail network distances", Int. J. Phys. Distrib. & Logist. Mgmt 32(10); 1.3 is their mid value).
OFF_NETWORK_CIRCUITY = 1.3
# A terminal further than this from its mode's network is reported in the build notes.
SNAP_WARN_KM = 25.0
OSM_SOURCE = "© OpenStreetMap contributors via scgraph-data (ODbL)"


@dataclass(frozen=True)
class Snap:
    """A point attached to the nearest link of a network.

    Attributes
    ----------
    gap_km : float
        Geodesic distance from the point to the link (travelled off-network).
    ends : tuple
        For each end node of the link: (matrix index, km along the link from the
        attachment point to that node, coordinates from the attachment point to that node).
    """

    gap_km: float
    ends: tuple[tuple[int, float, tuple[tuple[float, float], ...]], ...]
    row: int = -1
    offset: float = 0.0


def best_ends(so: Snap, st: Snap, dist: NDArray[np.float64]) -> tuple[float, int, int] | None:
    """The shortest way between two snapped points over their links' end nodes.

    *dist* holds the network distances (m) from each end of ``so``'s link (one row each).
    Returns (km including the stretches along both links, end of ``so``, end of ``st``), or None
    when no end of ``st`` is reachable.
    """
    best: tuple[float, int, int] | None = None
    for i, (_, along_o, _) in enumerate(so.ends):
        for j, (tj, along_t, _) in enumerate(st.ends):
            d = dist[i, tj]
            if np.isfinite(d):
                total = along_o + float(d) / 1000.0 + along_t
                if best is None or total < best[0]:
                    best = (total, i, j)
    return best


@dataclass(frozen=True, eq=False)
class ModeNetwork:
    """One mode's built layers, indexed for nearest-link lookup and shortest paths.

    Points attach to the nearest *link* (not the nearest junction: merged links can be tens of
    km long), and trips run from the attachment point along the link to either of its ends.
    """

    mode: Mode
    edges: gpd.GeoDataFrame
    router: CsrRouter
    tree: shapely.STRtree
    _snaps: dict[tuple[float, float, int, bool], Snap] = field(default_factory=dict)
    # The last bounded search (key, dist, pred): a route query asks for the access trips and the
    # direct road trip from the same origin, which one search answers. Replaced as one tuple,
    # so concurrent readers see either the old or the new search, never a mix.
    _last_search: (
        tuple[tuple[tuple[int, ...], float], NDArray[np.float64], NDArray[np.int32]] | None
    ) = None
    _flat_cache: tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.int64]] | None = None
    _component_nodes: NDArray[np.int64] | None = None

    @classmethod
    def from_layers(
        cls,
        mode: Mode,
        nodes: gpd.GeoDataFrame | None,
        edges: gpd.GeoDataFrame,
        *,
        router: CsrRouter | None = None,
    ) -> ModeNetwork:
        """Index a node and an edge layer (or an edge layer and its stored *router*)."""
        edges = edges.reset_index(drop=True)
        if router is None:
            if nodes is None:
                msg = "from_layers needs the node layer or a stored router"
                raise ValueError(msg)
            router = CsrRouter.from_layers(nodes, edges)
        return cls(mode, edges, router, shapely.STRtree(edges.geometry.to_numpy()))

    def snap(
        self, lon: float, lat: float, *, min_component_nodes: int = 1, local_metric: bool = False
    ) -> Snap:
        """Attach (lon, lat) to the nearest link (planar nearest in degrees, then geodesic).

        With ``min_component_nodes`` > 1, only links of connected components of at least that
        many nodes are candidates (fragments of the extract lead nowhere). With
        ``local_metric``, "nearest" is measured with longitudes scaled by cos(latitude), which
        matches the geodesic to well under 1 % near the point (plain degrees overstate east-west
        distances: at 34 N a link 71 km away to the west loses to one 72 km away to the north).
        """
        key = (lon, lat, min_component_nodes, local_metric)
        cached = self._snaps.get(key)
        if cached is None:
            cached = self._snap(lon, lat, min_component_nodes, local_metric=local_metric)
            if len(self._snaps) < 100_000:
                self._snaps[key] = cached
        return cached

    def link_component_nodes(self) -> NDArray[np.int64]:
        """For each link (edge row), the number of nodes of its connected component."""
        cached = self._component_nodes
        if cached is None:
            _, labels = connected_components(self.router.matrix, directed=False)
            sizes = np.bincount(labels)
            us = self.edges["u"].to_numpy(dtype=np.int64)
            idx = np.searchsorted(self.router.node_ids, us)
            cached = sizes[labels[idx]].astype(np.int64)
            object.__setattr__(self, "_component_nodes", cached)
        return cached

    def _nearest_row(self, pt: Point, min_component_nodes: int, *, local_metric: bool) -> int:
        row = int(self.tree.nearest(pt))
        ok = self.link_component_nodes() >= min_component_nodes
        if not ok.any():  # no component is large enough: every link is a candidate
            ok = np.ones_like(ok)
        if ok[row] and not local_metric:
            return row
        geoms = self.edges.geometry.to_numpy()
        scale = max(math.cos(math.radians(pt.y)), 0.05)
        # every link nearer (in the scaled metric) than the planar nearest lies within this
        # many plain degrees of the point
        radius = max(float(geoms[row].distance(pt)), 1e-6) / scale
        while True:
            cand = self.tree.query(pt, predicate="dwithin", distance=radius)
            cand = cand[ok[cand]]
            if cand.size:
                if not local_metric:
                    return int(cand[int(np.argmin(shapely.distance(geoms[cand], pt)))])
                scaled = shapely.transform(geoms[cand], lambda xy: xy * np.array([scale, 1.0]))
                spt = Point(pt.x * scale, pt.y)
                return int(cand[int(np.argmin(shapely.distance(scaled, spt)))])
            radius *= 2.0

    def _snap(
        self, lon: float, lat: float, min_component_nodes: int = 1, *, local_metric: bool = False
    ) -> Snap:
        pt = Point(lon, lat)
        row = self._nearest_row(pt, min_component_nodes, local_metric=local_metric)
        line: LineString = self.edges.geometry.iat[row]
        if local_metric:
            # the nearest point in the scaled metric, mapped back (scaling is affine, so it
            # stays on the line)
            scale = max(math.cos(math.radians(lat)), 0.05)
            sline = shapely.transform(line, lambda xy: xy * np.array([scale, 1.0]))
            sat = sline.interpolate(sline.project(Point(lon * scale, lat)))
            d = line.project(Point(sat.x / scale, sat.y))
        else:
            d = line.project(pt)
        at = line.interpolate(d)
        gap_km = float(geodesic_distance_m(lon, lat, at.x, at.y)) / 1000.0
        to_u = list(substring(line, 0.0, d).coords)[::-1] if d > 0 else [(at.x, at.y)]
        to_v = list(substring(line, d, line.length).coords) if d < line.length else [(at.x, at.y)]
        r = self.router
        ends = []
        for node_col, coords in (("u", to_u), ("v", to_v)):
            idx = r.index_of(int(self.edges[node_col].iat[row]))
            pts = tuple((float(x), float(y)) for x, y in coords)
            along = GEOD.geometry_length(LineString(pts)) / 1000.0 if len(pts) > 1 else 0.0
            ends.append((idx, along, pts))
        return Snap(gap_km, tuple(ends), row, float(d))

    def path_geometry(
        self, node_ids: Sequence[int], edge_rows: Sequence[int]
    ) -> list[tuple[float, float]]:
        """Coordinates along a path given by its nodes and the edge rows used."""
        flat, start, us = self._flat()
        parts: list[NDArray[np.float64]] = []
        for k, row in enumerate(edge_rows):
            pts = flat[start[row] : start[row + 1]]
            if int(us[row]) != int(node_ids[k]):
                pts = pts[::-1]
            parts.append(pts if not parts else pts[1:])
        if not parts:
            return []
        return [(float(x), float(y)) for x, y in np.concatenate(parts)]

    def _flat(self) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.int64]]:
        """Every link's vertices in one array, with each link's first index and ``u`` node."""
        cached = self._flat_cache
        if cached is None:
            coords, owner = shapely.get_coordinates(
                self.edges.geometry.to_numpy(), return_index=True
            )
            start = np.searchsorted(owner, np.arange(len(self.edges) + 1)).astype(np.int64)
            cached = (coords, start, self.edges["u"].to_numpy(dtype=np.int64))
            object.__setattr__(self, "_flat_cache", cached)
        return cached

    def _node_path(self, pred: NDArray[np.int32], s: int, t: int) -> list[tuple[float, float]]:
        path = [t]
        while path[-1] != s:
            path.append(int(pred[path[-1]]))
        path.reverse()
        return self.geometry_of(path)

    def geometry_of(self, path: Sequence[int]) -> list[tuple[float, float]]:
        """Coordinates along a path given by its node matrix indices (consecutive, linked)."""
        r = self.router
        node_ids = [int(r.node_ids[i]) for i in path]
        idx = np.asarray(path)
        if idx.size < 2:
            return self.path_geometry(node_ids, [])
        picked = r.best_row[idx[:-1], idx[1:]]
        dense = picked.toarray() if hasattr(picked, "toarray") else np.asarray(picked)
        rows = (dense.ravel().astype(np.int64) - 1).tolist()
        return self.path_geometry(node_ids, rows)

    def _search(self, so: Snap, limit_km: float) -> tuple[NDArray[np.float64], NDArray[np.int32]]:
        sources = [e[0] for e in so.ends]
        key = (tuple(sources), limit_km)
        last = self._last_search
        if last is not None and last[0] == key:
            return last[1], last[2]
        dist, pred = dijkstra(
            self.router.matrix,
            directed=True,
            indices=sources,
            return_predecessors=True,
            limit=limit_km * 1000.0,
        )
        object.__setattr__(self, "_last_search", (key, dist, pred))
        return dist, pred

    def trips_from(
        self,
        origin: tuple[float, float],
        targets: Sequence[tuple[float, float]],
        *,
        limit_km: float,
        count_gaps: bool = True,
        min_component_nodes: int = 1,
        local_metric: bool = False,
    ) -> list[tuple[float, Callable[[], LineString], float] | None]:
        """Shortest trips from *origin* to each target: (km, geometry builder, max gap km).

        None for a target that cannot be reached. The geometry is built only when the returned
        callable is called (path reconstruction costs more than the search itself).

        One bounded Dijkstra from the two ends of the origin's link serves every target. With
        ``count_gaps`` the off-network gaps at both ends count at their geodesic length x
        :data:`OFF_NETWORK_CIRCUITY` (a truck drives them); without it only the on-network
        distance counts (a train passes the point of the line nearest to a waypoint).
        ``min_component_nodes`` and ``local_metric`` are the snapping options of :meth:`snap`.
        """
        so = self.snap(*origin, min_component_nodes=min_component_nodes, local_metric=local_metric)
        dist, pred = self._search(so, limit_km)
        out: list[tuple[float, LineString, float] | None] = []
        for tgt in targets:
            st = self.snap(*tgt, min_component_nodes=min_component_nodes, local_metric=local_metric)
            gap = (so.gap_km + st.gap_km) * OFF_NETWORK_CIRCUITY if count_gaps else 0.0
            worst_gap = max(so.gap_km, st.gap_km)
            if so.row == st.row:
                # Both points on one link: travel along it between the attachment points.
                line: LineString = self.edges.geometry.iat[so.row]
                lo, hi = sorted((so.offset, st.offset))
                part = list(substring(line, lo, hi).coords) if hi > lo else []
                if so.offset > st.offset:
                    part.reverse()
                line_pts = LineString([origin, *part, tgt])
                on_km = GEOD.geometry_length(LineString(part)) / 1000.0 if len(part) > 1 else 0.0
                out.append((on_km + gap, lambda g=line_pts: g, worst_gap))
                continue
            best = best_ends(so, st, dist)
            if best is None:
                out.append(None)
                continue
            total, i, j = best

            def build(
                i: int = i, j: int = j, st: Snap = st, tgt: tuple[float, float] = tgt
            ) -> LineString:
                mid = self._node_path(pred[i], so.ends[i][0], st.ends[j][0])
                return LineString([origin, *so.ends[i][2], *mid, *reversed(st.ends[j][2]), tgt])

            out.append((total + gap, build, worst_gap))
        return out

    def trip(
        self,
        a: tuple[float, float],
        b: tuple[float, float],
        *,
        limit_km: float = 25000.0,
        count_gaps: bool = True,
    ) -> tuple[float, LineString, float]:
        """Shortest trip between two points: (distance_km, geometry, max gap km).

        Raises
        ------
        GraphError
            If the two points are not connected on this network.
        """
        (res,) = self.trips_from(a, [b], limit_km=limit_km, count_gaps=count_gaps)
        if res is None:
            msg = f"no {self.mode.value} path from {a} to {b}"
            raise GraphError(msg)
        km, build, gap = res
        return km, build(), gap


@dataclass(frozen=True, eq=False)
class Infrastructure:
    """The rail and road networks from the build cache."""

    rail: ModeNetwork
    road: ModeNetwork
    rail_nodes: gpd.GeoDataFrame | None = None
    iso3_of: dict[str, str] = field(default_factory=dict)
    countries_path: Path | None = None
    _airspace: dict[tuple[str, ...], BaseGeometry] = field(default_factory=dict)
    _freight: dict[frozenset[str], ModeNetwork] = field(default_factory=dict)

    @staticmethod
    def load_road(build_dir: Path) -> ModeNetwork:
        """Read and index the road layer only (all that route queries need).

        The CSR graph and the lines stored by the build (``road_graph.npz``,
        ``road_lines.npz``) are used when present, which spares reading the layers, decoding
        their WKB and sorting 800,000 arcs.
        """
        stored = graph_path(build_dir, "road")
        lines = lines_path(build_dir, "road")
        if stored.exists() and lines.exists():
            return ModeNetwork.from_layers(
                Mode.ROAD, None, load_lines(lines), router=CsrRouter.load(stored)
            )
        edges = read_layer(build_dir / "road_edges.parquet")
        return ModeNetwork.from_layers(
            Mode.ROAD, read_layer(build_dir / "road_nodes.parquet"), edges
        )

    @classmethod
    def load(cls, build_dir: Path) -> Infrastructure:
        """Read and index ``{rail,road}_{nodes,edges}.parquet`` from *build_dir*."""
        rail_nodes = read_layer(build_dir / "rail_nodes.parquet")
        iso_path = build_dir / RAIL_ATTRIBUTES_FILE
        iso3_of = json.loads(iso_path.read_text("utf-8"))["iso3_of"] if iso_path.exists() else {}
        return cls(
            ModeNetwork.from_layers(
                Mode.RAIL, rail_nodes, read_layer(build_dir / "rail_edges.parquet")
            ),
            ModeNetwork.from_layers(
                Mode.ROAD,
                read_layer(build_dir / "road_nodes.parquet"),
                read_layer(build_dir / "road_edges.parquet"),
            ),
            rail_nodes,
            iso3_of,
            build_dir / "world_countries.parquet",
        )

    def closed_airspace(self, iso3: tuple[str, ...]) -> BaseGeometry | None:
        """The union of the countries *iso3* (the boundaries layer), or None when not built."""
        geom = self._airspace.get(iso3)
        if geom is None:
            if self.countries_path is None or not self.countries_path.exists():
                return None
            w = read_layer(self.countries_path)
            geom = shapely.union_all(w.loc[w["iso3"].isin(iso3)].geometry.to_numpy())
            shapely.prepare(geom)
            self._airspace[iso3] = geom
        return geom

    def freight_rail(self, countries: frozenset[str]) -> ModeNetwork:
        """The rail links a freight train may use inside *countries* (ISO alpha-3).

        Passenger-dedicated high-speed links (``hsr``) are left out, and so is every link whose
        middle lies in another country. Built once per country set.

        Raises
        ------
        GraphError
            When the rail layer has no ``country``/``hsr`` attributes (an old build).
        """
        net = self._freight.get(countries)
        if net is None:
            edges = self.rail.edges
            if "hsr" not in edges.columns or self.rail_nodes is None:
                msg = "the rail layer has no freight attributes: run `shudao data build` again"
                raise GraphError(msg)
            inside = edges["country"].isin(countries).to_numpy(dtype=bool)
            sliver = edges["length_m"].to_numpy() < SLIVER_KM * 1000.0
            keep = (~edges["hsr"].to_numpy(dtype=bool)) & (inside | sliver)
            sub = edges[keep].assign(full_row=np.flatnonzero(keep))
            net = ModeNetwork.from_layers(Mode.RAIL, self.rail_nodes, sub)
            self._freight[countries] = net
        return net


def great_circle(
    a: tuple[float, float], b: tuple[float, float], *, step_km: float = 100.0
) -> LineString:
    """Geodesic polyline between two points with a vertex every ~``step_km``."""
    _, _, dist = GEOD.inv(a[0], a[1], b[0], b[1])
    n = max(int(dist / 1000.0 / step_km), 0)
    mid = GEOD.npts(a[0], a[1], b[0], b[1], n) if n else []
    return LineString([a, *mid, b])


def _in_europe(p: tuple[float, float]) -> bool:
    return -25.0 <= p[0] <= 45.0 and 30.0 <= p[1] <= 72.0


def _in_asia(p: tuple[float, float]) -> bool:
    return 45.0 < p[0] <= 180.0 and -12.0 <= p[1] <= 60.0


def _asia_europe(a: tuple[float, float], b: tuple[float, float]) -> bool:
    """True for a voyage between Asia (east of 45°E) and Europe (incl. the Mediterranean)."""
    return (_in_asia(a) and _in_europe(b)) or (_in_europe(a) and _in_asia(b))


def sea_restrictions(
    a: tuple[float, float], b: tuple[float, float], restrictions: Iterable[str]
) -> tuple[str, ...]:
    """The passages the sea router is told to avoid for a voyage a -> b (sorted, no repeats).

    Asia–Europe rule: when Suez is closed (*restrictions* holds ``suez``) a voyage between
    Asia and Europe sails round the Cape of Good Hope, as carriers avoiding the Red Sea do
    (SWZ|Maritime, "Maersk continues to re-route around Cape of Good Hope", 2024-01-09: Maersk,
    Hapag-Lloyd, MSC and Evergreen divert round South Africa,
    https://swzmaritime.nl/news/2024/01/09/maersk-continues-to-re-route-around-cape-of-good-hope/;
    still so on 2025-01-26, https://www.sh-sgl.com/en/News/list.aspx?page=28), never via
    Panama: ``panama`` is then restricted too.
    """
    out = set(restrictions)
    if "suez" in out and _asia_europe(a, b):
        out.add("panama")
    return tuple(sorted(out))


def sea_trip(
    a: tuple[float, float], b: tuple[float, float], restrictions: tuple[str, ...] = ("northwest",)
) -> tuple[float, LineString, tuple[str, ...]]:
    """Sea route by ``searoute``: (distance_km, geometry, traversed passages).

    *restrictions* are normalised by :func:`sea_restrictions` (the Asia–Europe rule). The
    geometry keeps continuous longitudes (they may exceed 180°); GeoJSON output splits it at the
    antimeridian (:func:`gis.crs.split_antimeridian`). When the closures leave no sea route
    (e.g. Piraeus with Suez and Gibraltar closed) the distance is infinite (:func:`no_sea_route`)
    and the geometry the straight segment a -> b, never a voyage to price.
    """
    return _searoute_trip(a, b, sea_restrictions(a, b, restrictions))


def clear_sea_trip_cache() -> None:
    """Forget every voyage :func:`sea_trip` measured in this process (benchmarks, tests)."""
    _searoute_trip.cache_clear()


def no_sea_route(distance_km: float) -> bool:
    """True when :func:`sea_trip` (or :func:`sea_leg`) found no voyage under its closures."""
    return math.isinf(distance_km)


@lru_cache(maxsize=4096)
def _searoute_trip(
    a: tuple[float, float], b: tuple[float, float], restrictions: tuple[str, ...]
) -> tuple[float, LineString, tuple[str, ...]]:
    with warnings.catch_warnings(record=True) as caught:
        # the router warns "No path found" when the closures leave no voyage (and then returns
        # the straight segment): recorded here, reported as an infinite distance
        warnings.simplefilter("always")
        feat = searoute.searoute(
            list(a),
            list(b),
            units="km",
            return_passages=True,
            append_orig_dest=True,
            restrictions=list(restrictions),
        )
    if any("No path found" in str(w.message) for w in caught):
        return math.inf, LineString([a, b]), ()
    props = feat["properties"]
    coords = [tuple(c) for c in feat["geometry"]["coordinates"]]
    if len(coords) < 2:
        coords = [a, b]
    return (
        float(props["length"]),
        LineString(coords),
        tuple(sorted(props.get("traversed_passages", []))),
    )


def sea_leg(
    variants: SeaVariants,
    a: tuple[float, float],
    b: tuple[float, float],
    restrictions: Iterable[str],
) -> tuple[float, LineString, tuple[str, ...]]:
    """A sea hop a -> b avoiding *restrictions*: stored at build time when it can be, else measured.

    A lookup in *variants* (see :class:`corridors.models.SeaVariants` for when a stored voyage
    answers a set of closed passages); anything not stored is measured now by
    :func:`sea_trip`, so the answer is the same either way.
    """
    blocked = sea_restrictions(a, b, restrictions)
    hit = variants.lookup(a, b, blocked)
    if hit is not None:
        return hit.distance_km, hit.geometry, hit.passages
    return sea_trip(a, b, blocked)


# Sea variants measured at build time for every sea hop: each hop under these closures (open
# Suez: the default routing; Suez closed: the Cape routing of services.toml's ``sea_via`` and
# of the Red Sea scenarios) and under each of them plus up to SEA_VARIANT_DEPTH passages the
# voyage traverses (closed one after another). Depth 2 covers any one or two passages a
# scenario closes or ``avoid`` names on a voyage, together with the Suez/Cape setting; deeper
# combinations are measured when asked. Assumption: a build-cost choice (about 25 ms per
# measurement, a few hundred measurements), not a figure of the model.
SEA_VARIANT_ROOTS: tuple[tuple[str, ...], ...] = (("northwest",), ("northwest", "suez"))
SEA_VARIANT_DEPTH = 2


def sea_hops(
    network: ServiceNetwork,
) -> list[tuple[str, str, tuple[float, float], tuple[float, float]]]:
    """Every distinct sea hop of *network*: (from id, to id, origin, destination lon/lat)."""
    t = network.terminals
    hops = {(r.from_id, r.to_id) for r in network.rides if r.mode is Mode.SEA}
    return [(a, b, (t[a].lon, t[a].lat), (t[b].lon, t[b].lat)) for a, b in sorted(hops)]


def measure_sea_variants(
    hops: Iterable[tuple[str, str, tuple[float, float], tuple[float, float]]],
    *,
    roots: Sequence[tuple[str, ...]] = SEA_VARIANT_ROOTS,
    depth: int = SEA_VARIANT_DEPTH,
) -> SeaVariants:
    """Measure each sea hop (from id, to id, origin, destination) under its passage closures.

    From each of *roots*, every passage the measured voyage traverses is closed in turn, down to
    *depth* added passages; a closure set that a voyage already measured answers (the subset
    rule of :class:`corridors.models.SeaVariants`) is not measured again.
    """
    out: list[SeaVariant] = []
    for from_id, to_id, a, b in sorted(set(hops)):
        done = SeaVariants()
        mine: list[SeaVariant] = []
        level = sorted({sea_restrictions(a, b, r) for r in roots})
        for step in range(depth + 1):
            nxt: set[tuple[str, ...]] = set()
            for blocked in level:
                hit = done.lookup(a, b, blocked)
                if hit is None:
                    km, geom, passages = sea_trip(a, b, blocked)
                    hit = SeaVariant(from_id, to_id, a, b, blocked, km, geom, passages)
                    mine.append(hit)
                    done = SeaVariants.of(mine)
                if step < depth:
                    nxt |= {sea_restrictions(a, b, {*blocked, p}) for p in hit.passages}
            level = sorted(nxt)
        out.extend(mine)
    return SeaVariants.of(out)


# A measured rail path must be within this share of the published distance of its service or
# section (the acceptance rule of the service catalog, issue 10: "within 10 %").
DISTANCE_TOLERANCE = 0.10
# Runs of a country shorter than this along a path are border slivers of the generalised
# boundary polygons, not a crossing (assumption: e.g. the Taraz–Shymkent line, wholly in
# Kazakhstan, has a 23 km link whose ends and middle fall in Kyrgyzstan's polygon). Freight
# paths may use such short foreign links; longer foreign runs are excluded or rejected.
SLIVER_KM = 25.0
# A catalog gauge break and the network's break must lie within this distance of each other
# (the network puts the break at the border, the catalog at the transhipment station).
GAUGE_BREAK_MATCH_KM = 60.0


@dataclass(frozen=True)
class RailPath:
    """A measured rail path: km, coordinates and the edge rows (of the full rail layer) used."""

    km: float
    coords: tuple[tuple[float, float], ...]
    rows: tuple[int, ...]
    row_km: tuple[float, ...]
    gap_km: float


@dataclass(frozen=True)
class ServiceMeasurement:
    """What the build measured for one service, and what it checked.

    Attributes
    ----------
    distance_km : float
        Sum of the measured hops.
    countries : tuple of str
        ISO alpha-3 codes in the order the path crosses them (slivers dropped).
    expected_countries : tuple of str
        The same from the itinerary's points (empty for services without an itinerary).
    gauge_breaks : tuple of (lon, lat, from, to)
        Where the path changes between incompatible gauges.
    hsr_km : float
        Length on passenger-dedicated high-speed links (must be 0).
    sections_km : dict
        Section id -> measured km.
    problems : tuple of str
        Failed structural checks: no path, a point off the network, a high-speed link, the
        countries or the breaks of gauge (the service then keeps its old measurement).
    distance_problems : tuple of str
        Measured km more than 10 % from a published figure (reported; the itinerary is used).
    """

    service_id: str
    distance_km: float
    countries: tuple[str, ...] = ()
    expected_countries: tuple[str, ...] = ()
    gauge_breaks: tuple[tuple[float, float, str, str], ...] = ()
    hsr_km: float = 0.0
    sections_km: dict[str, float] = field(default_factory=dict)
    problems: tuple[str, ...] = ()
    distance_problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when every check passed."""
        return not self.problems and not self.distance_problems


def _rail_path(net: ModeNetwork, a: tuple[float, float], b: tuple[float, float]) -> RailPath:
    """Shortest rail path from the line point nearest *a* to the one nearest *b*."""
    so, st = net.snap(*a), net.snap(*b)
    base = net.edges["full_row"].to_numpy()  # rows of the full rail layer
    lengths = net.edges["length_m"].to_numpy() / 1000.0
    gap = max(so.gap_km, st.gap_km)
    if so.row == st.row:
        line: LineString = net.edges.geometry.iat[so.row]
        lo, hi = sorted((so.offset, st.offset))
        part = list(substring(line, lo, hi).coords) if hi > lo else [a, b]
        if so.offset > st.offset:
            part.reverse()
        pts = tuple((float(x), float(y)) for x, y in part)
        km = GEOD.geometry_length(LineString(pts)) / 1000.0 if len(pts) > 1 else 0.0
        return RailPath(km, pts, (int(base[so.row]),), (km,), gap)
    # A rail path longer than 4x the geodesic + 500 km is not a line between two consecutive
    # stations; bounding the search keeps it local (the shortest path is unchanged below it).
    limit_km = 4.0 * float(geodesic_distance_m(a[0], a[1], b[0], b[1])) / 1000.0 + 500.0
    dist, pred = dijkstra(
        net.router.matrix,
        directed=True,
        indices=[e[0] for e in so.ends],
        return_predecessors=True,
        limit=limit_km * 1000.0,
    )
    best = best_ends(so, st, dist)
    if best is None:
        msg = f"no freight rail path from {a} to {b}"
        raise GraphError(msg)
    total, i, j = best
    s_idx, t_idx = so.ends[i][0], st.ends[j][0]
    path = [t_idx]
    while path[-1] != s_idx:
        path.append(int(pred[i][path[-1]]))
    path.reverse()
    r = net.router
    rows: list[int] = []
    if len(path) > 1:
        idx = np.asarray(path)
        picked = r.best_row[idx[:-1], idx[1:]]
        dense = picked.toarray() if hasattr(picked, "toarray") else np.asarray(picked)
        rows = (dense.ravel().astype(np.int64) - 1).tolist()
    mid = net.path_geometry([int(r.node_ids[k]) for k in path], rows)
    coords = [*so.ends[i][2], *mid, *reversed(st.ends[j][2])]
    used = [so.row, *rows, st.row]
    row_km = [so.ends[i][1], *[float(lengths[k]) for k in rows], st.ends[j][1]]
    return RailPath(
        total,
        tuple((float(x), float(y)) for x, y in coords),
        tuple(int(base[k]) for k in used),
        tuple(row_km),
        gap,
    )


def _runs(values: Sequence[str], kms: Sequence[float]) -> list[tuple[str, float, int]]:
    """Collapse consecutive equal values: (value, km, index of first element)."""
    out: list[tuple[str, float, int]] = []
    for k, (v, km) in enumerate(zip(values, kms, strict=True)):
        if out and out[-1][0] == v:
            out[-1] = (v, out[-1][1] + km, out[-1][2])
        else:
            out.append((v, km, k))
    return out


def _km_to_line(lon: float, lat: float, line: LineString) -> float:
    """Geodesic km from a point to the nearest point of *line*."""
    near = line.interpolate(line.project(Point(lon, lat)))
    return float(geodesic_distance_m(lon, lat, near.x, near.y)) / 1000.0


def _dedupe(seq: Sequence[str]) -> tuple[str, ...]:
    out: list[str] = []
    for x in seq:
        if x and (not out or out[-1] != x):
            out.append(x)
    return tuple(out)


def _point_of(
    pid: str, rec: ServiceRecord, terminals: Mapping[str, Terminal]
) -> tuple[float, float, str]:
    if pid in terminals:
        t = terminals[pid]
        return t.lon, t.lat, t.country
    pt = rec.points[pid]
    return pt.lon, pt.lat, pt.country


def measure_rail_itinerary(
    rec: ServiceRecord,
    terminals: Mapping[str, Terminal],
    infra: Infrastructure,
    iso3_of: Mapping[str, str],
) -> tuple[list[tuple[float, LineString, float]], ServiceMeasurement]:
    """Measure a rail service along its itinerary and check it.

    Each pair of consecutive itinerary points is measured on the freight rail links of the two
    points' countries (:meth:`Infrastructure.freight_rail`), so the path never uses a
    passenger-dedicated high-speed link, never enters a country outside the itinerary and never
    re-enters one it has left. The hops between the service's waypoints are the sums of those
    pieces.

    Returns
    -------
    tuple
        Per waypoint hop ``(km, geometry, max gap km)``, and the measurement with the failed
        checks (countries crossed, gauge breaks against the catalog, published distances).
    """
    svc = rec.service
    edges = infra.rail.edges
    country_col = edges["country"].to_numpy()
    gauge_col = edges["gauge"].to_numpy()
    hsr_col = edges["hsr"].to_numpy(dtype=bool)
    problems: list[str] = []
    seq = rec.itinerary
    pts = [_point_of(pid, rec, terminals) for pid in seq]
    iso = [iso3_of.get(c, "") for _, _, c in pts]
    for pid, (_, _, c), i3 in zip(seq, pts, iso, strict=True):
        if not i3:
            problems.append(f"point {pid!r}: country {c!r} has no row in rail_gauge.csv")
    pieces: list[RailPath] = []
    for k in range(len(seq) - 1):
        # First the two points' own countries; where a border station's link lies across the
        # border (or the line leaves and re-enters), all the itinerary's countries. The country
        # sequence check below rejects any path that re-enters a country it has left.
        piece = None
        err = ""
        for allowed in (
            frozenset(x for x in (iso[k], iso[k + 1]) if x),
            frozenset(x for x in iso if x),
        ):
            try:
                cand = _rail_path(infra.freight_rail(allowed), pts[k][:2], pts[k + 1][:2])
            except GraphError as exc:
                err = f"{exc} within {sorted(allowed)}"
                continue
            if piece is None or cand.gap_km < piece.gap_km - 5.0:
                piece = cand
            if piece.gap_km <= SNAP_WARN_KM:
                break
        if piece is None:
            problems.append(f"{seq[k]}->{seq[k + 1]}: {err}")
            piece = RailPath(0.0, (pts[k][:2], pts[k + 1][:2]), (), (), 0.0)
        if piece.gap_km > SNAP_WARN_KM:
            problems.append(
                f"{seq[k]}->{seq[k + 1]}: a point lies {piece.gap_km:.0f} km from the freight rail"
            )
        pieces.append(piece)
    # per waypoint hop
    hops: list[tuple[float, LineString, float]] = []
    wpos = [seq.index(svc.waypoints[0])]
    for w in svc.waypoints[1:]:
        wpos.append(seq.index(w, wpos[-1] + 1))
    for a_i, b_i in itertools.pairwise(wpos):
        part = pieces[a_i:b_i]
        coords: list[tuple[float, float]] = []
        for pc in part:
            coords.extend(pc.coords if not coords else pc.coords[1:])
        if len(coords) < 2:
            coords = [pts[a_i][:2], pts[b_i][:2]]
        hops.append(
            (
                sum(pc.km for pc in part),
                LineString(coords),
                max((pc.gap_km for pc in part), default=0.0),
            )
        )
    rows = [r for pc in pieces for r in pc.rows]
    kms = [x for pc in pieces for x in pc.row_km]
    total = sum(pc.km for pc in pieces)
    hsr_km = float(sum(km for r, km in zip(rows, kms, strict=True) if hsr_col[r]))
    if hsr_km > 0:
        problems.append(f"{hsr_km:.0f} km on passenger-dedicated high-speed links")
    all_runs = _runs([str(country_col[r]) for r in rows], kms)
    # the first and last runs are the end points' own countries, however short
    c_runs = [x for k, x in enumerate(all_runs) if x[1] >= SLIVER_KM or k in {0, len(all_runs) - 1}]
    countries = _dedupe([c for c, _, _ in c_runs])
    expected = _dedupe(iso)
    if countries != expected:
        problems.append(f"crosses {'-'.join(countries)} but the itinerary is {'-'.join(expected)}")
    g_runs = [x for x in _runs([str(gauge_col[r]) for r in rows], kms) if x[1] >= 5.0 or not x[0]]
    breaks: list[tuple[float, float, str, str]] = []
    break_links: list[tuple[LineString, LineString]] = []
    for (g0, _, _), (g1, _, k1) in itertools.pairwise(g_runs):
        if not g0 or not g1:
            problems.append("a link of the path has no gauge (country missing in rail_gauge.csv)")
            continue
        if not gauges_compatible(g0, g1):
            # The change happens where the link of gauge g0 meets the link of gauge g1.
            before, after = edges.geometry.iat[rows[k1 - 1]], edges.geometry.iat[rows[k1]]
            at = shapely.shortest_line(before, after).coords[0]
            breaks.append((float(at[0]), float(at[1]), g0, g1))
            break_links.append((before, after))
    if len(breaks) != len(svc.gauge_breaks):
        problems.append(
            f"{len(breaks)} break(s) of gauge on the network, "
            f"{len(svc.gauge_breaks)} in the catalog"
        )
    else:
        for (_x, _y, g0, g1), links, gb in zip(breaks, break_links, svc.gauge_breaks, strict=True):
            t = _point_of(gb.at, rec, terminals)
            # distance from the catalog's transhipment station to the two links that meet there
            d_km = min(_km_to_line(t[0], t[1], ln) for ln in links)
            if d_km > GAUGE_BREAK_MATCH_KM:
                problems.append(f"gauge break {g0}/{g1} lies {d_km:.0f} km from {gb.at!r}")
    sections_km: dict[str, float] = {}
    far: list[str] = []
    k0 = 0
    for sec in rec.sections:
        n = len(sec.points) - 1
        km = sum(pc.km for pc in pieces[k0 : k0 + n])
        k0 += n
        sections_km[sec.id] = km
        pub = sec.published_km
        if pub is not None and abs(km - pub.value) > DISTANCE_TOLERANCE * pub.value:
            far.append(f"section {sec.id}: measured {km:.0f} km, published {pub.value:.0f} km")
    pub = rec.published_distance_km
    if pub is not None and abs(total - pub.value) > DISTANCE_TOLERANCE * pub.value:
        far.append(f"measured {total:.0f} km, published {pub.value:.0f} km")
    return hops, ServiceMeasurement(
        svc.id,
        total,
        countries,
        expected,
        tuple(breaks),
        hsr_km,
        sections_km,
        tuple(problems),
        tuple(far),
    )


class ServiceCheckError(ParameterError):
    """One or more services do not follow their itinerary (named in the problems)."""


def air_trip(
    a: tuple[float, float],
    b: tuple[float, float],
    *,
    closed: BaseGeometry | None = None,
    corridor: Sequence[tuple[float, float]] = (),
) -> tuple[float, LineString, bool]:
    """An air leg: the great circle, or around *closed* airspace through *corridor* points.

    The detour is the shortest chain of great circles between *a*, *b* and the corridor points
    whose every segment stays out of *closed*.

    Returns
    -------
    tuple
        (km, geometry, detoured). When no chain avoids the closed airspace the great circle is
        returned with ``detoured`` False and the caller reports it.
    """
    direct = great_circle(a, b, step_km=50.0)
    km_direct = float(geodesic_distance_m(a[0], a[1], b[0], b[1])) / 1000.0
    if closed is None or not closed.intersects(direct):
        return km_direct, great_circle(a, b), False
    nodes = [a, b, *corridor]
    n = len(nodes)
    seg: dict[tuple[int, int], float] = {}
    for i in range(n):
        for j in range(i + 1, n):
            line = great_circle(nodes[i], nodes[j], step_km=50.0)
            if not closed.intersects(line):
                d = float(geodesic_distance_m(*nodes[i], *nodes[j])) / 1000.0
                seg[(i, j)] = seg[(j, i)] = d
    dist = [float("inf")] * n
    prev = [-1] * n
    dist[0] = 0.0
    todo = set(range(n))
    while todo:
        u = min(todo, key=lambda k: dist[k])
        todo.discard(u)
        if u == 1 or dist[u] == float("inf"):
            break
        for v in todo:
            w = seg.get((u, v))
            if w is not None and dist[u] + w < dist[v]:
                dist[v], prev[v] = dist[u] + w, u
    if dist[1] == float("inf"):
        return km_direct, great_circle(a, b), False
    chain = [1]
    while chain[-1] != 0:
        chain.append(prev[chain[-1]])
    chain.reverse()
    coords: list[tuple[float, float]] = []
    for i, j in itertools.pairwise(chain):
        part = list(great_circle(nodes[i], nodes[j]).coords)
        coords.extend(part if not coords else part[1:])
    return dist[1], LineString(coords), True


def _river_hop(
    coords: Sequence[tuple[float, float]], a: tuple[float, float], b: tuple[float, float]
) -> tuple[float, LineString]:
    line = LineString(coords)
    da, db = line.project(Point(a)), line.project(Point(b))
    part = substring(line, min(da, db), max(da, db))
    pts = list(part.coords) if part.geom_type == "LineString" else [a, b]
    if da > db:
        pts.reverse()
    geom = LineString([a, *pts, b])
    return GEOD.geometry_length(geom) / 1000.0, geom


def build_service_network(
    records: Sequence[ServiceRecord],
    terminals: Mapping[str, Terminal],
    infra: Infrastructure,
    *,
    progress: Callable[[str], None] | None = None,
    iso3: Mapping[str, str] | None = None,
    check: bool = False,
) -> ServiceNetwork:
    """Measure every hop of every service on its mode's network.

    Parameters
    ----------
    records : sequence of ServiceRecord
        The validated service catalog.
    terminals : mapping
        Place id -> Terminal for every waypoint.
    infra : Infrastructure
        Indexed rail and road layers.
    progress : callable, optional
        Receives one message per service.
    iso3 : mapping, optional
        ISO alpha-2 -> alpha-3 for the itinerary checks (default: the build's
        ``rail_attributes.json``).
    check : bool, optional
        Raise :class:`ServiceCheckError` naming every service whose itinerary fails a check
        (``shudao validate`` does); otherwise such a service keeps its waypoint-to-waypoint
        measurement and a note says why.

    Returns
    -------
    ServiceNetwork
        Terminals used by services, services and their measured ride legs, and notes on
        terminals that lie far from their network.
    """
    rides: list[RideLeg] = []
    notes: list[str] = []
    used: dict[str, Terminal] = {}
    measurements: dict[str, ServiceMeasurement] = {}
    failed: list[Problem] = []
    iso3_of = dict(iso3 or infra.iso3_of)
    for rec in records:
        svc = rec.service
        if progress:
            progress(f"measuring {svc.id} ({svc.mode.value}, {len(svc.waypoints)} stops)")
        if svc.mode is Mode.RAIL and rec.itinerary:
            hops, m = measure_rail_itinerary(rec, terminals, infra, iso3_of)
            measurements[svc.id] = m
            for msg in (*m.problems, *m.distance_problems):
                failed.append(Problem("services.toml", None, f"service({svc.id})", msg))
            if m.problems:
                # Not yet consistent: keep the waypoint-to-waypoint measurement for routing and
                # say so (``shudao validate`` lists every failed check, naming the service).
                notes.append(f"{svc.id}: itinerary checks failed ({'; '.join(m.problems)})")
                hops = []
        else:
            hops = []
        if hops:
            for i, ((fa, fb), (km, geom, _gap)) in enumerate(
                zip(itertools.pairwise(svc.waypoints), hops, strict=True)
            ):
                used[fa], used[fb] = terminals[fa], terminals[fb]
                rides.append(
                    RideLeg(
                        svc.id,
                        i,
                        fa,
                        fb,
                        svc.mode,
                        km,
                        geom,
                        (),
                        "default",
                        (OSM_SOURCE, "itinerary: data/geo/rail_sections.toml"),
                    )
                )
            continue
        if svc.mode is Mode.RAIL and svc.id not in measurements:
            measurements[svc.id] = ServiceMeasurement(
                svc.id, 0.0, problems=("no itinerary (sections) in services.toml",)
            )
        for i, (fa, fb) in enumerate(itertools.pairwise(svc.waypoints)):
            ta, tb = terminals[fa], terminals[fb]
            used[fa], used[fb] = ta, tb
            a, b = (ta.lon, ta.lat), (tb.lon, tb.lat)
            passages: tuple[str, ...] = ()
            srcs: tuple[str, ...] = ()
            if svc.mode in {Mode.RAIL, Mode.ROAD}:
                net = infra.rail if svc.mode is Mode.RAIL else infra.road
                try:
                    km, geom, snap_km = net.trip(a, b, count_gaps=False)
                except GraphError as exc:
                    notes.append(
                        f"{svc.id}: {fa}->{fb} not connected on the "
                        f"{svc.mode.value} network ({exc})"
                    )
                    continue
                if snap_km > SNAP_WARN_KM:
                    notes.append(
                        f"{svc.id}: {fa}->{fb} has a terminal {snap_km:.1f} km "
                        f"off the {svc.mode.value} network"
                    )
                srcs = (OSM_SOURCE,)
            elif svc.mode is Mode.SEA:
                blocked = ("northwest", "suez") if rec.sea_via == "cape" else ("northwest",)
                km, geom, passages = sea_trip(a, b, blocked)
                if no_sea_route(km):
                    notes.append(f"{svc.id}: {fa}->{fb} has no sea route avoiding {blocked}")
                    continue
                srcs = ("searoute (Eurostat SeaRoute network)",)
            elif svc.mode is Mode.AIR:
                closed = infra.closed_airspace(rec.airspace_closed) if rec.airspace_closed else None
                corridor = [(terminals[c].lon, terminals[c].lat) for c in rec.air_corridor]
                km, geom, detoured = air_trip(a, b, closed=closed, corridor=corridor)
                srcs = ("great circle (WGS84 geodesic)",)
                if detoured:
                    srcs = (
                        "great circles around closed airspace "
                        f"({', '.join(rec.airspace_closed)}) via the air_routing corridor",
                    )
                elif closed is not None and closed.intersects(great_circle(a, b, step_km=50.0)):
                    notes.append(f"{svc.id}: {fa}->{fb} crosses closed airspace, no detour found")
            else:
                km, geom = _river_hop(rec.coords, a, b)
                srcs = ("curated river polyline in services.toml",)
            rides.append(RideLeg(svc.id, i, fa, fb, svc.mode, km, geom, passages, "default", srcs))
    if failed and check:
        raise ServiceCheckError(failed)
    services = {rec.service.id: rec.service for rec in records}
    # Keep only services whose every hop was measured.
    measured: dict[str, int] = {}
    for r in rides:
        measured[r.service_id] = measured.get(r.service_id, 0) + 1
    complete = {sid for sid, s in services.items() if measured.get(sid, 0) == len(s.waypoints) - 1}
    return ServiceNetwork(
        dict(sorted(used.items())),
        {sid: s for sid, s in sorted(services.items()) if sid in complete},
        tuple(r for r in rides if r.service_id in complete),
        tuple(notes),
        measurements,
    )
