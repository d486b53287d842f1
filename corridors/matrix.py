"""Origin-destination matrices of time, cost, CO2 and best corridor, with array code.

Owns: :func:`prepare_matrix` (everything a matrix needs, reduced to plain arrays and small
records that pickle cheaply to Dask workers), :func:`solve_block` (one block of destination
columns; a pure function), :func:`travel_matrix` (the whole matrix, in one process or on Dask),
the named origin and destination sets (``counties``, ``prefectures``, ``hubs``, ``gateways``) and
writing the result (CSV, Parquet, JSON; sorted, 6 decimals).

How a cell is computed, without calling ``Engine.route`` per pair (about 120 ms each). A route
found by :class:`corridors.routing.Router` with ``alternatives=1`` is the cheaper of the direct
road trip and ``access(o, t) + h_d(t)`` over terminals ``t``, where ``access`` is the road trip
from the origin to the terminal (at most ``max_access_km``, same customs territory) and ``h_d(t)``
the least cost from boarding at ``t`` to the destination on the router's own search graph (its
service edges plus the egress edges of ``d``). So:

1. road distances from every terminal to every origin: one ``scipy.sparse.csgraph.dijkstra``
   from the two ends of each terminal's road link, bounded at the access limit (500 km; 800 km
   between a Sichuan origin and a Sichuan terminal), cheaper than one search per origin; the
   same arithmetic as :meth:`corridors.network.ModeNetwork.trips_from` and the same fallbacks
   as :class:`corridors.network.RoadAccess`;
2. per destination: one bounded road Dijkstra from its link ends (egress trips and the direct
   road trips to every origin), then one reverse Dijkstra over the service graph from the
   destination, giving ``h_d`` and the path behind it;
3. a min-plus product ``min_t access[o, t] + h[t, d]`` with numpy, ``argmin`` naming the
   boarding terminal, whose path gives the corridor, the modes and the time/cost/CO2 totals.

Differences from ``Engine.route(o, d, alternatives=1)``: ``via`` is not supported. Where two
routes tie exactly on the objective (with the CO2 or cost objective, services on one line at
different frequencies cost the same but wait differently), the matrix reports the fastest of
them, the router whichever its search reaches first: the objective is the same, the time may be
lower. Road distances are summed in the reverse direction along the same path (the last bits of a
float). Checked on 274 random county pairs under six option sets (2026-11-27): 268 equal
to 1e-15 relative, 6 ties of that kind, none different otherwise. Cells without a route (the
router raises ``NoRouteError`` or ``InfeasibleConstraintError``) are NaN.
"""

from __future__ import annotations

import heapq
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from shapely.geometry import LineString
from shapely.ops import substring

from corridors.engine import SEA_PASSAGES, Engine, endpoint_of
from corridors.errors import CorridorError
from corridors.models import Cargo, Mode, Objective, Terminal
from corridors.network import (
    OFF_NETWORK_CIRCUITY,
    ROAD_FALLBACK_MAX_KM,
    ROAD_SNAP_MAX_KM,
    ModeNetwork,
    Snap,
)
from corridors.routing import Query, Router, _Edge, _weight
from gis.crs import GEOD, geodesic_distance_m
from hubs.models import Place, PlaceKind

# The Sichuan hub kinds (``--to hubs``) and the kinds abroad offered as international
# destinations (``--to gateways``: every catalog place of these kinds outside China).
HUB_KINDS: tuple[PlaceKind, ...] = (
    PlaceKind.BONDED_ZONE,
    PlaceKind.BONDED_LOGISTICS_CENTRE,
    PlaceKind.RAIL_PORT,
    PlaceKind.AIRPORT,
    PlaceKind.RIVER_PORT,
)
GATEWAY_KINDS: tuple[PlaceKind, ...] = (
    PlaceKind.CITY,
    PlaceKind.SEAPORT,
    PlaceKind.AIRPORT,
    PlaceKind.BORDER_CROSSING,
    PlaceKind.RAIL_PORT,
    PlaceKind.RIVER_PORT,
    PlaceKind.OVERSEAS_WAREHOUSE,
)
# The router's direct road trip searches this far (RoadAccess default limit).
ROAD_LIMIT_KM = 3000.0
# Routes whose road access/egress is shorter than this are reported without that leg
# (corridors.routing.Router._to_route): the matrix drops its charge the same way.
SHORT_LEG_KM = 0.05
COLUMNS: tuple[str, ...] = (
    "origin_id",
    "origin_name_zh",
    "origin_name_en",
    "destination_id",
    "destination_name_zh",
    "destination_name_en",
    "objective",
    "time_h",
    "cost_cny",
    "co2_kg",
    "distance_km",
    "corridor",
    "modes",
    "terminal",
)


class MatrixError(CorridorError):
    """A matrix request that cannot be answered (bad set name, unsupported option)."""

    status = 422
    type_slug = "bad-matrix-request"
    exit_code = 64


# --------------------------------------------------------------------------- road arithmetic
@dataclass(frozen=True)
class RoadPoint:
    """A point attached to the road layer: coordinates, country and its :class:`Snap`."""

    id: str
    lon: float
    lat: float
    country: str
    snap: Snap
    reach_km: float = field(init=False)

    def __post_init__(self) -> None:
        # How far the point can be from either end node of its link (bounds pruning).
        along = max((e[1] for e in self.snap.ends), default=0.0)
        object.__setattr__(self, "reach_km", self.snap.gap_km + along)


def _estimate_km(a: RoadPoint, b: RoadPoint) -> float | None:
    km = float(geodesic_distance_m(a.lon, a.lat, b.lon, b.lat)) / 1000.0 * OFF_NETWORK_CIRCUITY
    return km if km <= ROAD_FALLBACK_MAX_KM else None


def _same_link_km(a: RoadPoint, b: RoadPoint, line: LineString) -> float:
    lo, hi = sorted((a.snap.offset, b.snap.offset))
    part = list(substring(line, lo, hi).coords) if hi > lo else []
    return GEOD.geometry_length(LineString(part)) / 1000.0 if len(part) > 1 else 0.0


def road_km(
    src: RoadPoint,
    dist_m: NDArray[np.float64],
    tgt: RoadPoint,
    *,
    line_of: Callable[[int], LineString],
    limit_km: float = ROAD_LIMIT_KM,
    cap_km: float = ROAD_LIMIT_KM,
    component: NDArray[np.int32] | None = None,
) -> tuple[float | None, bool]:
    """Road trip km from *src* to *tgt* as :class:`corridors.network.RoadAccess` measures it.

    Parameters
    ----------
    src, tgt : RoadPoint
        End points of the trip.
    dist_m : ndarray, shape (2, n_nodes)
        Network distances (m) from the two end nodes of ``src``'s link (a Dijkstra bounded at
        ``limit_km``).
    line_of : callable
        Row of the edge layer -> its geometry (for two points on one link).
    limit_km : float
        The bound of the search behind ``dist_m``.
    cap_km : float
        Trips longer than this are of no interest to the caller (access and egress: 500 km).
    component : ndarray, optional
        Connected component of every node: ends in different components have no path at all.

    Returns
    -------
    (km or None, exact)
        ``exact`` is False when the answer could differ from the router's (which searches
        3,000 km) because of the tighter bound: search again with :data:`ROAD_LIMIT_KM`.
    """
    gap = (src.snap.gap_km + tgt.snap.gap_km) * OFF_NETWORK_CIRCUITY
    worst = max(src.snap.gap_km, tgt.snap.gap_km)
    if worst > ROAD_SNAP_MAX_KM:
        # RoadAccess estimates every trip with an end this far off the road layer.
        return _estimate_km(src, tgt), True
    if src.snap.row == tgt.snap.row:
        return _same_link_km(src, tgt, line_of(src.snap.row)) + gap, True
    best: float | None = None
    for i, (_, along_o, _) in enumerate(src.snap.ends):
        for tj, along_t, _ in tgt.snap.ends:
            d = float(dist_m[i, tj])
            if math.isfinite(d):
                total = along_o + d / 1000.0 + along_t
                if best is None or total < best:
                    best = total
    if limit_km >= ROAD_LIMIT_KM:
        return (best + gap, True) if best is not None else (_estimate_km(src, tgt), True)
    # Any path not found has a network part longer than the bound.
    floor = limit_km + min(e[1] for e in src.snap.ends) + min(e[1] for e in tgt.snap.ends)
    if best is not None:
        return best + gap, best <= floor or (best + gap > cap_km and floor + gap >= cap_km)
    est = _estimate_km(src, tgt)
    if component is not None:
        ca = {int(component[e[0]]) for e in src.snap.ends}
        if not ca & {int(component[e[0]]) for e in tgt.snap.ends}:
            return est, True  # not connected at any bound: the router estimates too
    return est, est is None and floor + gap >= cap_km


def _search(matrix: csr_matrix, pt: RoadPoint, limit_km: float) -> NDArray[np.float64]:
    idx = [e[0] for e in pt.snap.ends]
    out = dijkstra(matrix, directed=True, indices=idx, limit=limit_km * 1000.0)
    return np.asarray(out, dtype=np.float64)


# Road circuity assumed for the first, tighter Dijkstra bound towards the origins (a search
# bound only: pairs it does not settle exactly are searched again with the full bound).
BOUND_CIRCUITY = 1.6


def _bound_km(dpt: RoadPoint, problem: MatrixProblem, j: int) -> float:
    """A Dijkstra bound likely to settle the direct road trips to column *j*'s origins."""
    pts = [p for i, p in enumerate(problem.origin_points) if problem.direct_allowed[i, j]]
    lon = np.asarray([p.lon for p in pts])
    lat = np.asarray([p.lat for p in pts])
    reach = np.asarray([p.reach_km for p in pts])
    geo_km = np.asarray(geodesic_distance_m(dpt.lon, dpt.lat, lon, lat), dtype=np.float64) / 1e3
    need = float(np.max(geo_km * BOUND_CIRCUITY + reach)) + dpt.reach_km
    return min(ROAD_LIMIT_KM, max(need, 500.0))


def _might_reach(a: RoadPoint, others: Sequence[RoadPoint], limit_km: float) -> bool:
    """False only when no point of *others* can be within *limit_km* by road of *a*."""
    if not others:
        return False
    lon = np.asarray([p.lon for p in others])
    lat = np.asarray([p.lat for p in others])
    reach = np.asarray([p.reach_km for p in others])
    geo_km = np.asarray(geodesic_distance_m(a.lon, a.lat, lon, lat), dtype=np.float64) / 1000.0
    return bool(np.any(geo_km - reach - a.reach_km <= limit_km + 1.0))


# --------------------------------------------------------------------------- problem records
@dataclass(frozen=True)
class SearchEdge:
    """One edge of the router's search graph, reduced to what the matrix needs."""

    src: int
    dst: int
    weight: float
    time_h: float
    cost_cny: float
    co2_kg: float
    distance_km: float
    kind: str
    mode: str
    service: str
    border: bool


@dataclass(frozen=True)
class MatrixProblem:
    """Everything :func:`solve_block` needs; picklable (sent once to every Dask worker)."""

    objective: Objective
    origins: tuple[Place, ...]
    destinations: tuple[Place, ...]
    origin_points: tuple[RoadPoint, ...]
    destination_points: tuple[RoadPoint, ...]
    terminal_ids: tuple[str, ...]
    terminal_points: tuple[RoadPoint, ...]
    terminal_countries: tuple[str, ...]
    road_matrix: csr_matrix
    road_component: NDArray[np.int32]
    road_lines: Mapping[int, LineString]
    access_km: NDArray[np.float64]  # (n_origins, n_terminals), inf where no access edge
    road_per_km: tuple[float, float, float, float]  # weight, time_h, cost_cny, co2_kg per km
    direct_border: tuple[float, float, float, float]  # weight, time_h, cost_cny, co2_kg
    direct_allowed: NDArray[np.bool_]  # (n_origins, n_destinations)
    egress_allowed: NDArray[np.bool_]  # (n_terminals, n_destinations)
    cell_allowed: NDArray[np.bool_]  # (n_origins, n_destinations)
    edges: tuple[SearchEdge, ...]
    n_nodes: int
    in_node: tuple[int, ...]  # per terminal: its ("in", t) node, -1 if none
    stop_node: tuple[int, ...]  # per terminal: its ("stop", t) node, -1 if none
    corridor_of: Mapping[str, str]
    max_access_km: float
    max_egress_km: float


@dataclass(frozen=True)
class MatrixBlock:
    """The solved columns ``columns`` of a matrix (arrays shaped (n_origins, len(columns)))."""

    columns: tuple[int, ...]
    weight: NDArray[np.float64]
    time_h: NDArray[np.float64]
    cost_cny: NDArray[np.float64]
    co2_kg: NDArray[np.float64]
    distance_km: NDArray[np.float64]
    corridor: tuple[tuple[str, ...], ...]
    modes: tuple[tuple[str, ...], ...]
    terminal: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class TravelMatrix:
    """A solved matrix: one row per (origin, destination) pair, NaN where there is no route."""

    objective: Objective
    cargo: Cargo
    parameters_version: str
    origins: tuple[Place, ...]
    destinations: tuple[Place, ...]
    weight: NDArray[np.float64]
    time_h: NDArray[np.float64]
    cost_cny: NDArray[np.float64]
    co2_kg: NDArray[np.float64]
    distance_km: NDArray[np.float64]
    corridor: tuple[tuple[str, ...], ...]
    modes: tuple[tuple[str, ...], ...]
    terminal: tuple[tuple[str, ...], ...]

    def to_frame(self) -> pd.DataFrame:
        """Long table (:data:`COLUMNS`), sorted by origin then destination id, 6 decimals."""
        rows: list[dict[str, Any]] = []
        for i, o in enumerate(self.origins):
            for j, d in enumerate(self.destinations):
                rows.append(
                    {
                        "origin_id": o.id,
                        "origin_name_zh": o.name_zh,
                        "origin_name_en": o.name_en,
                        "destination_id": d.id,
                        "destination_name_zh": d.name_zh,
                        "destination_name_en": d.name_en,
                        "objective": self.objective.value,
                        "time_h": self.time_h[i, j],
                        "cost_cny": self.cost_cny[i, j],
                        "co2_kg": self.co2_kg[i, j],
                        "distance_km": self.distance_km[i, j],
                        "corridor": self.corridor[i][j],
                        "modes": self.modes[i][j],
                        "terminal": self.terminal[i][j],
                    }
                )
        frame = pd.DataFrame(rows, columns=list(COLUMNS))
        for col in ("time_h", "cost_cny", "co2_kg", "distance_km"):
            frame[col] = frame[col].astype("float64").round(6)
        return frame.sort_values(["origin_id", "destination_id"], kind="stable").reset_index(
            drop=True
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON form: the query and ``cells`` (rows of :meth:`to_frame`, null where no route)."""
        frame = self.to_frame()
        cells = json.loads(frame.to_json(orient="records", force_ascii=False, double_precision=6))
        return {
            "objective": self.objective.value,
            "cargo": self.cargo.to_dict(),
            "parameters_version": self.parameters_version,
            "origins": len(self.origins),
            "destinations": len(self.destinations),
            "cells": cells,
        }

    def write(self, path: Path) -> Path:
        """Write to ``.csv``, ``.parquet`` or ``.json`` (by suffix); returns *path*."""
        suffix = path.suffix.lower()
        if suffix not in {".csv", ".parquet", ".json"}:
            msg = f"out={path}: the file must end in .csv, .parquet or .json"
            raise MatrixError(msg)
        path.parent.mkdir(parents=True, exist_ok=True)
        if suffix == ".json":
            text = json.dumps(self.to_dict(), ensure_ascii=False, indent=1)
            path.write_text(text + "\n", encoding="utf-8")
        elif suffix == ".csv":
            self.to_frame().to_csv(path, index=False, float_format="%.6f", lineterminator="\n")
        else:
            self.to_frame().to_parquet(path, index=False)
        return path


# --------------------------------------------------------------------------- named sets
def origin_set(engine: Engine, spec: str) -> list[Place]:
    """Origins named by *spec*: ``counties`` (183), ``prefectures`` (21 seats) or a place list.

    A place list is comma-separated; each item is resolved like ``shudao route`` does.
    """
    key = spec.strip().lower()
    if key == "counties":
        out = [p for p in engine.resolver.places if p.kind is PlaceKind.COUNTY]
        if not out:
            msg = "origins=counties: counties.parquet is not built (run `shudao data build`)"
            raise MatrixError(msg)
        return sorted(out, key=lambda p: p.id)
    if key == "prefectures":
        return sorted(
            (p for p in engine.catalog.places if p.kind is PlaceKind.PREFECTURE_SEAT),
            key=lambda p: p.id,
        )
    return _place_list(engine, spec)


def destination_set(engine: Engine, spec: str) -> list[Place]:
    """Destinations named by *spec*: a comma-separated mix of ``hubs``, ``gateways`` and places.

    ``hubs`` are the catalog places in China of :data:`HUB_KINDS` in Sichuan (adcode 51....);
    ``gateways`` every catalog place outside China of :data:`GATEWAY_KINDS`. ``hubs,gateways``
    asks for both in one call; duplicates are dropped, first occurrence kept.
    """
    named = {
        "hubs": lambda: sorted(
            (
                p
                for p in engine.catalog.places
                if p.kind in HUB_KINDS and p.country == "CN" and (p.adcode or "").startswith("51")
            ),
            key=lambda p: p.id,
        ),
        "gateways": lambda: sorted(
            (p for p in engine.catalog.places if p.kind in GATEWAY_KINDS and p.country != "CN"),
            key=lambda p: p.id,
        ),
    }
    items = [s.strip() for s in spec.split(",") if s.strip()]
    seen: dict[str, Place] = {}
    places: list[str] = []
    for item in items:
        if item.lower() in named:
            for p in named[item.lower()]():
                seen.setdefault(p.id, p)
        else:
            places.append(item)
    if places:
        for p in _place_list(engine, ",".join(places)):
            seen.setdefault(p.id, p)
    if not seen:
        msg = f"no destinations in {spec!r}"
        raise MatrixError(msg)
    return list(seen.values())


def _place_list(engine: Engine, spec: str) -> list[Place]:
    items = [s.strip() for s in spec.split(",") if s.strip()]
    if not items:
        msg = f"no places in {spec!r}"
        raise MatrixError(msg)
    seen: dict[str, Place] = {}
    for item in items:
        place = engine.resolver.resolve(item)
        seen.setdefault(place.id, place)
    return list(seen.values())


# --------------------------------------------------------------------------- preparation
def _road_point(road: ModeNetwork, pid: str, lon: float, lat: float, country: str) -> RoadPoint:
    return RoadPoint(pid, lon, lat, country, road.snap(lon, lat))


def prepare_matrix(
    engine: Engine,
    origins: Sequence[Place],
    destinations: Sequence[Place],
    *,
    unit: str = "FEU",
    quantity: float = 1.0,
    modes: Iterable[str] | None = None,
    avoid: Iterable[str] = (),
    objective: str = "time",
) -> MatrixProblem:
    """Reduce a matrix request to a :class:`MatrixProblem` (road access done here).

    Parameters are those of :meth:`corridors.engine.Engine.route` (no ``via``).
    """
    router = engine.router
    road = engine.infra.road
    cargo = engine.cargo(unit, quantity)
    obj = Objective(objective)
    mode_set = frozenset(Mode(m) for m in modes) if modes is not None else None
    avoid_ids = _avoid_ids(engine, avoid)
    o0 = origins[0] if origins else None
    if o0 is None or not destinations:
        msg = "a matrix needs at least one origin and one destination"
        raise MatrixError(msg)
    stub = Terminal("_o", "", "", 0.0, 0.0, "CN")
    q = Query(stub, stub, cargo, obj, mode_set, (), frozenset(avoid_ids))
    vot = router.costs.value_of_time_cny_per_h(cargo)

    # Service graph: the router's own edges, filtered by its own rule, nodes numbered.
    raw = [e for e in router._service_edges(q) if router._allowed(e, q, frozenset())]
    index: dict[tuple[str, ...], int] = {}

    def node(n: tuple[str, ...]) -> int:
        return index.setdefault(n, len(index))

    edges = tuple(
        SearchEdge(
            node(e.src),
            node(e.dst),
            max(_weight(e.charge, obj, vot), 0.0),
            e.charge.time_h,
            e.charge.cost_cny,
            e.charge.co2_kg,
            e.distance_km if e.kind == "ride" else 0.0,
            e.kind,
            e.mode.value,
            e.service or "",
            bool(e.borders),
        )
        for e in raw
    )
    terms = engine.network.terminals
    tids = tuple(sorted(terms))
    in_node = tuple(index.get(("in", t), -1) for t in tids)
    stop_node = tuple(index.get(("stop", t), -1) for t in tids)

    def rp(p: Place | Terminal) -> RoadPoint:
        return _road_point(road, p.id, p.lon, p.lat, p.country or "")

    opts = tuple(rp(p) for p in origins)
    dpts = tuple(rp(p) for p in destinations)
    tpts = tuple(rp(terms[t]) for t in tids)
    line_of = _line_getter(road)
    _, component = connected_components(road.router.matrix, directed=False)
    component = component.astype(np.int32)

    # Road access: one bounded Dijkstra per terminal that can be in reach of an origin. A home
    # (Sichuan) origin reaches a home terminal up to max_home_access_km, like the router.
    access = np.full((len(opts), len(tids)), np.inf)
    ends = [endpoint_of(o) for o in origins]
    for k, (tid, tp) in enumerate(zip(tids, tpts, strict=True)):
        if tid in avoid_ids:
            continue
        term = terms[tid]
        caps = {
            i: (q.max_home_access_km if ep.home and term.home else q.max_access_km)
            for i, ep in enumerate(ends)
            if Router._same_country(ep, term) and ep.id not in avoid_ids
        }
        if not caps:
            continue
        bound = max(caps.values())
        cand = [opts[i] for i in caps]
        if not _might_reach(tp, cand, bound) and not any(
            _estimate_km(tp, c) is not None for c in cand
        ):
            continue
        dist = _search(road.router.matrix, tp, bound)
        full: NDArray[np.float64] | None = None
        for i, cap in caps.items():
            km, exact = road_km(
                tp,
                dist,
                opts[i],
                line_of=line_of,
                limit_km=bound,
                cap_km=cap,
                component=component,
            )
            if not exact:
                if full is None:
                    full = _search(road.router.matrix, tp, ROAD_LIMIT_KM)
                km, _ = road_km(tp, full, opts[i], line_of=line_of)
            if km is not None and km <= cap:
                access[i, k] = km

    per_km = router.costs.line_haul(Mode.ROAD, 1.0, cargo)
    border = router.costs.border("default", cargo)
    road_allowed = mode_set is None or Mode.ROAD in mode_set
    direct_ok = np.zeros((len(origins), len(destinations)), dtype=bool)
    cell_ok = np.ones_like(direct_ok)
    for i, o in enumerate(origins):
        for j, d in enumerate(destinations):
            if o.id in avoid_ids or d.id in avoid_ids:
                cell_ok[i, j] = False
                continue
            if not road_allowed:
                continue
            oc, dc = o.country or "", d.country or ""
            borders = (f"{oc}-{dc}",) if oc and dc and oc != dc else ()
            probe = _Edge(
                ("origin",),
                ("destination",),
                "direct",
                Mode.ROAD,
                None,
                o.id,
                d.id,
                0.0,
                per_km,
                None,
                frozenset(),
                borders,
            )
            direct_ok[i, j] = router._allowed(probe, q, frozenset())
    egress_ok = np.zeros((len(tids), len(destinations)), dtype=bool)
    for k, tid in enumerate(tids):
        if tid in avoid_ids or stop_node[k] < 0:
            continue
        for j, d in enumerate(destinations):
            egress_ok[k, j] = Router._same_country(endpoint_of(d), terms[tid])
    rows = {o.snap.row for o in (*opts, *dpts, *tpts)}
    return MatrixProblem(
        objective=obj,
        origins=tuple(origins),
        destinations=tuple(destinations),
        origin_points=opts,
        destination_points=dpts,
        terminal_ids=tids,
        terminal_points=tpts,
        terminal_countries=tuple(terms[t].country for t in tids),
        road_matrix=road.router.matrix,
        road_component=component,
        road_lines={r: line_of(r) for r in sorted(rows)},
        access_km=access,
        road_per_km=(
            max(_weight(per_km, obj, vot), 0.0),
            per_km.time_h,
            per_km.cost_cny,
            per_km.co2_kg,
        ),
        direct_border=(_weight(border, obj, vot), border.time_h, border.cost_cny, border.co2_kg),
        direct_allowed=direct_ok,
        egress_allowed=egress_ok,
        cell_allowed=cell_ok,
        edges=edges,
        n_nodes=len(index) + 1,
        in_node=in_node,
        stop_node=stop_node,
        corridor_of={sid: s.corridor for sid, s in engine.network.services.items()},
        max_access_km=q.max_access_km,
        max_egress_km=q.max_egress_km,
    )


def _line_getter(road: ModeNetwork) -> Callable[[int], LineString]:
    geoms = road.edges.geometry.to_numpy()

    def line_of(row: int) -> LineString:
        line: LineString = geoms[row]
        return line

    return line_of


def _avoid_ids(engine: Engine, avoid: Iterable[str]) -> set[str]:
    out: set[str] = set()
    for item in avoid:
        key = item.strip().lower()
        out.add(key if key in SEA_PASSAGES else engine.resolver.resolve(item).id)
    return out


# --------------------------------------------------------------------------- solving
@dataclass(frozen=True)
class _Tail:
    """Best path from boarding at one terminal to one destination, summarised."""

    weight: float
    totals: tuple[float, float, float, float]  # time_h, cost_cny, co2_kg, distance_km
    corridor: str
    modes: tuple[str, ...]
    legs: tuple[tuple[str, float, bool], ...]  # (service, km, crosses a border)


def _better(w: float, t: float, best_w: float, best_t: float) -> bool:
    """Lower objective; among equal objectives (within 1e-9 relative) the faster."""
    tol = 1e-9 * max(1.0, abs(w))
    return w < best_w - tol or (w <= best_w + tol and t < best_t - 1e-12)


def _reverse_search(
    problem: MatrixProblem, radj: Sequence[list[tuple[int, int]]], egress: Sequence[SearchEdge]
) -> tuple[list[float], list[int]]:
    """Dijkstra towards the destination node: cost to go and the edge taken from each node.

    Ties on the objective go to the faster path (the router takes whichever its heap reaches
    first; with the CO2 objective, waits cost nothing, so services on one line tie often).
    """
    n = problem.n_nodes
    dest = n - 1
    dist = [math.inf] * n
    time_h = [math.inf] * n
    succ = [-1] * n
    dist[dest] = 0.0
    time_h[dest] = 0.0
    local = list(radj)
    local[dest] = [(e.src, -(k + 1)) for k, e in enumerate(egress)]
    heap: list[tuple[float, float, int]] = [(0.0, 0.0, dest)]
    edges = problem.edges
    done = [False] * n
    while heap:
        du, tu, u = heapq.heappop(heap)
        if done[u] or du > dist[u] or (du == dist[u] and tu > time_h[u]):
            continue
        done[u] = True
        for v, code in local[u]:
            if done[v]:
                continue
            e = edges[code] if code >= 0 else egress[-code - 1]
            nd = du + e.weight
            nt = tu + e.time_h
            if _better(nd, nt, dist[v], time_h[v]):
                dist[v] = nd
                time_h[v] = nt
                succ[v] = code
                heapq.heappush(heap, (nd, nt, v))
    return dist, succ


def _tail(
    problem: MatrixProblem, start: int, dist: Sequence[float], succ: Sequence[int], egress: Any
) -> _Tail:
    t = c = g = km = 0.0
    modes: list[str] = []
    legs: list[tuple[str, float, bool]] = []
    u = start
    dest = problem.n_nodes - 1
    while u != dest:
        code = succ[u]
        e: SearchEdge = problem.edges[code] if code >= 0 else egress[-code - 1]
        if e.kind == "egress" and e.distance_km < SHORT_LEG_KM:
            pass  # reported without the road leg, like the router
        else:
            t += e.time_h
            c += e.cost_cny
            g += e.co2_kg
            km += e.distance_km
            if not modes or modes[-1] != e.mode:
                modes.append(e.mode)
        if e.service:
            if legs and legs[-1][0] == e.service and e.kind != "board":
                s, dk, b = legs[-1]
                legs[-1] = (s, dk + e.distance_km, b or e.border)
            elif e.kind == "board":
                legs.append((e.service, 0.0, False))
        u = e.dst
    corridor = "road"
    if legs:
        best = max(legs, key=lambda leg: (leg[2], leg[1]))
        corridor = problem.corridor_of[best[0]]
    return _Tail(dist[start], (t, c, g, km), corridor, tuple(modes), tuple(legs))


def solve_block(problem: MatrixProblem, columns: Sequence[int]) -> MatrixBlock:
    """Solve the destination columns *columns* of *problem* (a pure function).

    Returns
    -------
    MatrixBlock
        Arrays of shape (n_origins, len(columns)); NaN and empty strings where no route.
    """
    n_o = len(problem.origins)
    radj: list[list[tuple[int, int]]] = [[] for _ in range(problem.n_nodes)]
    for k, e in enumerate(problem.edges):
        radj[e.dst].append((e.src, k))
    w_km, t_km, c_km, g_km = problem.road_per_km
    line_of = problem.road_lines.__getitem__
    cols = tuple(columns)
    shape = (n_o, len(cols))
    out_w = np.full(shape, np.nan)
    out_t, out_c, out_g, out_d = (np.full(shape, np.nan) for _ in range(4))
    corridor = [[""] * len(cols) for _ in range(n_o)]
    modes = [[""] * len(cols) for _ in range(n_o)]
    term = [[""] * len(cols) for _ in range(n_o)]
    acc = problem.access_km
    acc_w = acc * w_km
    short = acc < SHORT_LEG_KM
    no_path = np.full((2, problem.road_matrix.shape[0]), np.inf)
    for jj, j in enumerate(cols):
        dpt = problem.destination_points[j]
        allowed = [p for i, p in enumerate(problem.origin_points) if problem.direct_allowed[i, j]]
        needs_direct = _might_reach(dpt, allowed, ROAD_LIMIT_KM)
        egress_terms = [k for k in range(len(problem.terminal_ids)) if problem.egress_allowed[k, j]]
        limit = _bound_km(dpt, problem, j) if needs_direct else problem.max_egress_km
        dist_m = no_path
        if dpt.snap.gap_km <= ROAD_SNAP_MAX_KM and (needs_direct or egress_terms):
            dist_m = _search(problem.road_matrix, dpt, limit)
        wide: list[NDArray[np.float64] | None] = [dist_m if limit >= ROAD_LIMIT_KM else None]

        def trip(
            other: RoadPoint,
            cap_km: float,
            dist_m: Any = dist_m,
            wide: Any = wide,
            dpt: RoadPoint = dpt,
            limit: float = limit,
        ) -> float | None:
            km, exact = road_km(
                dpt,
                dist_m,
                other,
                line_of=line_of,
                limit_km=limit,
                cap_km=cap_km,
                component=problem.road_component,
            )
            if not exact:
                if wide[0] is None:
                    wide[0] = _search(problem.road_matrix, dpt, ROAD_LIMIT_KM)
                km, _ = road_km(dpt, wide[0], other, line_of=line_of)
            return km

        egress: list[SearchEdge] = []
        for k in egress_terms:
            km = trip(problem.terminal_points[k], problem.max_egress_km)
            if km is None or km > problem.max_egress_km:
                continue
            egress.append(
                SearchEdge(
                    problem.stop_node[k],
                    problem.n_nodes - 1,
                    km * w_km,
                    km * t_km,
                    km * c_km,
                    km * g_km,
                    km,
                    "egress",
                    Mode.ROAD.value,
                    "",
                    False,
                )
            )
        dist, succ = _reverse_search(problem, radj, egress)
        tails: list[_Tail | None] = []
        h = np.full(len(problem.terminal_ids), np.inf)
        for k, node in enumerate(problem.in_node):
            if node >= 0 and math.isfinite(dist[node]):
                tail = _tail(problem, node, dist, succ, egress)
                tails.append(tail)
                h[k] = tail.weight
            else:
                tails.append(None)
        combo = acc_w + h[None, :]
        best_w = combo.min(axis=1)
        # among terminals tied on the objective, the fastest route
        h_t = np.asarray([t.totals[0] if t is not None else np.inf for t in tails])
        combo_t = np.where(short, 0.0, acc) * t_km + h_t[None, :]
        tied = combo <= (best_w + 1e-9 * np.maximum(1.0, np.abs(best_w)))[:, None]
        best_t = np.argmin(np.where(tied, combo_t, np.inf), axis=1)
        bw, bt, bc, bg = problem.direct_border  # border charge of a direct road trip
        for i in range(n_o):
            if not problem.cell_allowed[i, j]:
                continue
            direct_w = direct_t = math.inf
            direct_km: float | None = None
            crosses = _crosses(problem.origins[i], problem.destinations[j])
            if needs_direct and problem.direct_allowed[i, j]:
                direct_km = trip(problem.origin_points[i], ROAD_LIMIT_KM)
                if direct_km is not None:
                    direct_w = max(direct_km * w_km + (bw if crosses else 0.0), 0.0)
                    direct_t = direct_km * t_km + (bt if crosses else 0.0)
            service_t = float(combo_t[i, best_t[i]]) if math.isfinite(best_w[i]) else math.inf
            if direct_km is not None and (
                _better(direct_w, direct_t, float(best_w[i]), service_t)
                or not _better(float(best_w[i]), service_t, direct_w, direct_t)
            ):
                extra = (bt, bc, bg) if crosses else (0.0, 0.0, 0.0)
                out_w[i, jj] = direct_w
                out_t[i, jj] = direct_km * t_km + extra[0]
                out_c[i, jj] = direct_km * c_km + extra[1]
                out_g[i, jj] = direct_km * g_km + extra[2]
                out_d[i, jj] = direct_km
                corridor[i][jj], modes[i][jj] = "road", "road"
                continue
            if not math.isfinite(best_w[i]):
                continue
            k = int(best_t[i])
            found = tails[k]
            if found is None:  # cannot happen: a finite weight has a path
                continue
            tail = found
            a_km = float(acc[i, k])
            lead = 0.0 if short[i, k] else a_km
            tt, tc, tg, td = tail.totals
            out_w[i, jj] = best_w[i]
            out_t[i, jj] = lead * t_km + tt
            out_c[i, jj] = lead * c_km + tc
            out_g[i, jj] = lead * g_km + tg
            out_d[i, jj] = lead + td
            seq = list(tail.modes)
            if not short[i, k] and (not seq or seq[0] != "road"):
                seq.insert(0, "road")
            corridor[i][jj] = tail.corridor
            modes[i][jj] = "/".join(seq)
            term[i][jj] = problem.terminal_ids[k]
    return MatrixBlock(
        cols,
        out_w,
        out_t,
        out_c,
        out_g,
        out_d,
        tuple(tuple(r) for r in corridor),
        tuple(tuple(r) for r in modes),
        tuple(tuple(r) for r in term),
    )


def _crosses(o: Place, d: Place) -> bool:
    return bool(o.country and d.country and o.country != d.country)


def column_blocks(n_columns: int, *, block_size: int) -> list[tuple[int, ...]]:
    """Split ``range(n_columns)`` into consecutive blocks of at most *block_size*."""
    size = max(1, block_size)
    return [tuple(range(s, min(s + size, n_columns))) for s in range(0, n_columns, size)]


def assemble(
    problem: MatrixProblem, blocks: Iterable[MatrixBlock], *, cargo: Cargo, version: str
) -> TravelMatrix:
    """Put solved blocks (in any order) together into a :class:`TravelMatrix`."""
    n_o, n_d = len(problem.origins), len(problem.destinations)
    arrays = {k: np.full((n_o, n_d), np.nan) for k in ("w", "t", "c", "g", "d")}
    texts = {k: [[""] * n_d for _ in range(n_o)] for k in ("corridor", "modes", "terminal")}
    filled = np.zeros(n_d, dtype=bool)
    for b in blocks:
        cols = list(b.columns)
        filled[cols] = True
        for key, arr in zip(
            ("w", "t", "c", "g", "d"),
            (b.weight, b.time_h, b.cost_cny, b.co2_kg, b.distance_km),
            strict=True,
        ):
            arrays[key][:, cols] = arr
        for key, rows in (("corridor", b.corridor), ("modes", b.modes), ("terminal", b.terminal)):
            for i in range(n_o):
                for jj, j in enumerate(cols):
                    texts[key][i][j] = rows[i][jj]
    if not filled.all():
        msg = f"{int((~filled).sum())} destination column(s) were not solved"
        raise MatrixError(msg)
    return TravelMatrix(
        problem.objective,
        cargo,
        version,
        problem.origins,
        problem.destinations,
        arrays["w"],
        arrays["t"],
        arrays["c"],
        arrays["g"],
        arrays["d"],
        tuple(tuple(r) for r in texts["corridor"]),
        tuple(tuple(r) for r in texts["modes"]),
        tuple(tuple(r) for r in texts["terminal"]),
    )


def travel_matrix(
    engine: Engine,
    origins: Sequence[Place],
    destinations: Sequence[Place],
    *,
    unit: str = "FEU",
    quantity: float = 1.0,
    modes: Iterable[str] | None = None,
    avoid: Iterable[str] = (),
    objective: str = "time",
    block_size: int = 16,
    run_blocks: Callable[
        [Callable[[MatrixProblem, Sequence[int]], MatrixBlock], MatrixProblem, list[Any]],
        list[MatrixBlock],
    ]
    | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> TravelMatrix:
    """Time, cost, CO2 and best corridor for every (origin, destination) pair.

    Parameters
    ----------
    engine : Engine
        The loaded corridor engine.
    origins, destinations : sequence of Place
        See :func:`origin_set` and :func:`destination_set`.
    unit, quantity, modes, avoid, objective
        As for :meth:`corridors.engine.Engine.route`.
    block_size : int
        Destination columns per partition.
    run_blocks : callable, optional
        ``run_blocks(solve_block, problem, blocks) -> list of MatrixBlock``; runs the
        partitions elsewhere (see :func:`corridors.accessibility.dask_runner`). Default: here.
    progress : callable, optional
        ``progress(done, total)`` in destination columns, after each block solved here (for a
        job with progress); with ``run_blocks`` once, at the end.

    Returns
    -------
    TravelMatrix
    """
    problem = prepare_matrix(
        engine,
        origins,
        destinations,
        unit=unit,
        quantity=quantity,
        modes=modes,
        avoid=avoid,
        objective=objective,
    )
    blocks = column_blocks(len(destinations), block_size=block_size)
    total = len(destinations)
    if run_blocks is None:
        solved = []
        for b in blocks:
            solved.append(solve_block(problem, b))
            if progress is not None:
                progress(sum(len(x.columns) for x in solved), total)
    else:
        solved = run_blocks(solve_block, problem, blocks)
        if progress is not None:
            progress(total, total)
    return assemble(
        problem, solved, cargo=engine.cargo(unit, quantity), version=engine.params.version
    )
