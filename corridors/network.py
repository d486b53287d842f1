"""Measuring the service layer on the infrastructure network.

Owns: :class:`Infrastructure` (the built rail and road layers indexed for shortest paths),
:func:`build_service_network` (every hop of every curated service measured on its mode's
network: rail and road on the OSM-derived graphs, sea by ``searoute`` with its traversed passages,
air as a great circle, inland waterway along the curated river polyline; never straight lines
for surface modes). Road access to terminals is :mod:`corridors.access`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import searoute
import shapely
from numpy.typing import NDArray
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import LineString, Point
from shapely.ops import substring

from corridors.models import Mode, RideLeg, ServiceNetwork, Terminal
from corridors.services import ServiceRecord
from gis.crs import GEOD, geodesic_distance_m
from gis.graph import CsrRouter, GraphError, load_lines
from gis.hierarchy import graph_path, lines_path
from gis.layers import read_layer

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
    _snaps: dict[tuple[float, float], Snap] = field(default_factory=dict)
    # The last bounded search (key, dist, pred): a route query asks for the access trips and the
    # direct road trip from the same origin, which one search answers. Replaced as one tuple,
    # so concurrent readers see either the old or the new search, never a mix.
    _last_search: (
        tuple[tuple[tuple[int, ...], float], NDArray[np.float64], NDArray[np.int32]] | None
    ) = None
    _flat_cache: tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.int64]] | None = None

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

    def snap(self, lon: float, lat: float) -> Snap:
        """Attach (lon, lat) to the nearest link (planar nearest in degrees, then geodesic)."""
        key = (lon, lat)
        cached = self._snaps.get(key)
        if cached is None:
            cached = self._snap(lon, lat)
            if len(self._snaps) < 100_000:
                self._snaps[key] = cached
        return cached

    def _snap(self, lon: float, lat: float) -> Snap:
        pt = Point(lon, lat)
        row = int(self.tree.nearest(pt))
        line: LineString = self.edges.geometry.iat[row]
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
    ) -> list[tuple[float, Callable[[], LineString], float] | None]:
        """Shortest trips from *origin* to each target: (km, geometry builder, max gap km).

        None for a target that cannot be reached. The geometry is built only when the returned
        callable is called (path reconstruction costs more than the search itself).

        One bounded Dijkstra from the two ends of the origin's link serves every target. With
        ``count_gaps`` the off-network gaps at both ends count at their geodesic length x
        :data:`OFF_NETWORK_CIRCUITY` (a truck drives them); without it only the on-network
        distance counts (a train passes the point of the line nearest to a waypoint).
        """
        so = self.snap(*origin)
        dist, pred = self._search(so, limit_km)
        out: list[tuple[float, LineString, float] | None] = []
        for tgt in targets:
            st = self.snap(*tgt)
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
            best: tuple[float, int, int] | None = None
            for i, (_, along_o, _) in enumerate(so.ends):
                for j, (tj, along_t, _) in enumerate(st.ends):
                    d = dist[i, tj]
                    if np.isfinite(d):
                        total = along_o + float(d) / 1000.0 + along_t
                        if best is None or total < best[0]:
                            best = (total, i, j)
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
        return cls(
            ModeNetwork.from_layers(
                Mode.RAIL,
                read_layer(build_dir / "rail_nodes.parquet"),
                read_layer(build_dir / "rail_edges.parquet"),
            ),
            ModeNetwork.from_layers(
                Mode.ROAD,
                read_layer(build_dir / "road_nodes.parquet"),
                read_layer(build_dir / "road_edges.parquet"),
            ),
        )


def great_circle(
    a: tuple[float, float], b: tuple[float, float], *, step_km: float = 100.0
) -> LineString:
    """Geodesic polyline between two points with a vertex every ~``step_km``."""
    _, _, dist = GEOD.inv(a[0], a[1], b[0], b[1])
    n = max(int(dist / 1000.0 / step_km), 0)
    mid = GEOD.npts(a[0], a[1], b[0], b[1], n) if n else []
    return LineString([a, *mid, b])


@lru_cache(maxsize=4096)
def sea_trip(
    a: tuple[float, float], b: tuple[float, float], restrictions: tuple[str, ...] = ("northwest",)
) -> tuple[float, LineString, tuple[str, ...]]:
    """Sea route by ``searoute``: (distance_km, geometry, traversed passages)."""
    feat = searoute.searoute(
        list(a),
        list(b),
        units="km",
        return_passages=True,
        append_orig_dest=True,
        restrictions=list(restrictions),
    )
    props = feat["properties"]
    coords = [tuple(c) for c in feat["geometry"]["coordinates"]]
    if len(coords) < 2:
        coords = [a, b]
    return (
        float(props["length"]),
        LineString(coords),
        tuple(sorted(props.get("traversed_passages", []))),
    )


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

    Returns
    -------
    ServiceNetwork
        Terminals used by services, services and their measured ride legs, and notes on
        terminals that lie far from their network.
    """
    rides: list[RideLeg] = []
    notes: list[str] = []
    used: dict[str, Terminal] = {}
    for rec in records:
        svc = rec.service
        if progress:
            progress(f"measuring {svc.id} ({svc.mode.value}, {len(svc.waypoints)} stops)")
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
                km, geom, passages = sea_trip(a, b)
                srcs = ("searoute (Eurostat SeaRoute network)",)
            elif svc.mode is Mode.AIR:
                km = float(geodesic_distance_m(a[0], a[1], b[0], b[1])) / 1000.0
                geom = great_circle(a, b)
                srcs = ("great circle (WGS84 geodesic)",)
            else:
                km, geom = _river_hop(rec.coords, a, b)
                srcs = ("curated river polyline in services.toml",)
            rides.append(RideLeg(svc.id, i, fa, fb, svc.mode, km, geom, passages, "default", srcs))
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
    )
