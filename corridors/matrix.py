"""Origin-destination matrices of time, cost, CO2 and best corridor, with array code.

Owns: :func:`prepare_matrix` (everything a matrix needs, reduced to plain arrays and small
records that pickle cheaply to Dask workers), :func:`solve_block` (one block of destination
columns; a pure function), :func:`travel_matrix` (the whole matrix, in one process or on Dask),
the named origin and destination sets (``counties``, ``prefectures``, ``hubs``, ``gateways``) and
writing the result (CSV, Parquet, JSON; sorted, 6 decimals).

How a cell is computed, without calling ``Engine.route`` per pair, with the search core
(:mod:`corridors.search`) and road access (:mod:`corridors.access`) that routes use. A route
found by :class:`corridors.routing.Router` with ``alternatives=1`` is the cheaper of the direct
road trip and ``access(o, t) + h_d(t)`` over terminals ``t``, where ``access`` is the road trip
from the origin to the terminal (within the customs territory and the access caps of
``parameters.toml`` ``[access]``) and ``h_d(t)`` the least cost from boarding at ``t`` to the
destination over the router's own priced service edges plus the egress edges of ``d``. So:

1. road trips, all from :class:`corridors.access.RoadAccess` (one one-to-many hierarchy query
   each): from every origin to the terminals (access), from every destination to the
   terminals (egress) and from every destination to the origins within reach (the direct road
   trip; the road layer is undirected and trips are summed in whole decimetres, so these equal
   the router's trips from the origin exactly);
2. per destination: :func:`corridors.search.reverse_costs` over the indexed service graph,
   giving ``h_d`` and the path behind it;
3. a min-plus product ``min_t access[o, t] + h[t, d]`` with numpy, ``argmin`` naming the
   boarding terminal, whose path gives the corridor, the modes and the time/cost/CO2 totals.

Differences from ``Engine.route(o, d, alternatives=1)``: ``via`` is not supported. Where two
routes tie exactly on the objective (with the CO2 or cost objective, services on one line at
different frequencies cost the same but wait differently), the matrix reports the fastest of
them (:func:`corridors.search.better`), the router whichever its search reaches first: the
objective is the same, the time may be lower. Cells without a route (the router raises
``NoRouteError`` or ``InfeasibleConstraintError``) are NaN.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from shapely.geometry import LineString

from corridors.access import RoadTrip
from corridors.costing import Charge
from corridors.engine import SEA_PASSAGES, Engine, endpoint_of
from corridors.errors import CorridorError
from corridors.models import Cargo, Mode, Objective, Terminal
from corridors.request import RouteOptions, parse_options
from corridors.search import (
    IndexedEdge,
    Node,
    Query,
    access_cap_km,
    access_terminals,
    at_terminal,
    better,
    direct_charge_arrays,
    direct_edge,
    edge_allowed,
    edge_weight,
    edge_weights,
    index_edges,
    main_haul_corridor,
    reverse_costs,
    road_charge_arrays,
)
from gis.crs import geodesic_distance_m
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


# --------------------------------------------------------------------------- problem records
@dataclass(frozen=True)
class MatrixProblem:
    """Everything :func:`solve_block` needs; picklable (sent once to every Dask worker).

    Charges are arrays whose last axis is (weight, time_h, cost_cny, co2_kg). An *entry* is a
    (service, stop) pair: ``in_*`` where cargo trucked from an origin boards, ``out_*`` where
    it leaves for the road egress; ``in_allowed`` and ``out_allowed`` hold the access caps and
    the drayage rule (:func:`corridors.search.first_nearest`) per origin and per destination.
    """

    objective: Objective
    origins: tuple[Place, ...]
    destinations: tuple[Place, ...]
    terminal_ids: tuple[str, ...]
    access_km: NDArray[np.float64]  # (n_origins, n_terminals), inf where no access trip
    egress_km: NDArray[np.float64]  # (n_terminals, n_destinations), inf where no egress trip
    direct_km: NDArray[np.float64]  # (n_origins, n_destinations), inf where no direct road
    access_charge: NDArray[np.float64]  # (n_origins, n_terminals, 4): the road leg
    egress_charge: NDArray[np.float64]  # (n_terminals, n_destinations, 4)
    direct_charge: NDArray[np.float64]  # (n_origins, n_destinations, 4), border included
    cell_allowed: NDArray[np.bool_]  # (n_origins, n_destinations)
    edges: tuple[IndexedEdge, ...]
    n_nodes: int
    in_node: tuple[int, ...]  # per in-entry: its ("in", service, i) node
    in_terminal: tuple[int, ...]  # per in-entry: the terminal's position
    in_transfer: NDArray[np.float64]  # (n_in, 4): road -> the service's mode
    in_allowed: NDArray[np.bool_]  # (n_origins, n_in)
    out_node: tuple[int, ...]  # per out-entry: its ("out", service, i) node
    out_terminal: tuple[int, ...]
    out_transfer: NDArray[np.float64]  # (n_out, 4): the service's mode -> road
    out_allowed: NDArray[np.bool_]  # (n_out, n_destinations)
    corridor_of: Mapping[str, str]
    country_of: Mapping[str, str]
    short_leg_km: float


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
def _charge_rows(
    rows: NDArray[np.float64], objective: Objective, vot: float
) -> NDArray[np.float64]:
    """:func:`_charge_row` of many charges given as rows of (time_h, cost_cny, co2_kg)."""
    weight = np.maximum(edge_weights(rows, objective, vot), 0.0)
    return np.column_stack([weight, rows]) if len(rows) else np.zeros((0, 4))


def _charge_row(charge: Charge, objective: Objective, vot: float) -> NDArray[np.float64]:
    return np.asarray(
        [
            max(edge_weight(charge, objective, vot), 0.0),
            charge.time_h,
            charge.cost_cny,
            charge.co2_kg,
        ]
    )


def _entries(
    engine: Engine,
    index: Mapping[Node, int],
    tpos: Mapping[str, int],
    kind: str,
) -> list[tuple[int, int, str, int]]:
    """(node, terminal position, service id, stop index) of every in- or out-entry in *index*."""
    out = []
    for sid in sorted(engine.network.services):
        svc = engine.network.services[sid]
        for i, stop in enumerate(svc.waypoints):
            node = index.get((kind, sid, str(i)))
            if node is not None and stop in tpos:
                out.append((node, tpos[stop], sid, i))
    return out


def _drayage_allowed(
    entries: Sequence[tuple[int, int, str, int]],
    km: NDArray[np.float64],
    *,
    reverse: bool,
) -> NDArray[np.bool_]:
    """Per entry and per endpoint (rows of *km*: endpoints x terminals), the drayage rule.

    The vectorised form of :func:`corridors.search.first_nearest`: an entry at stop *i* of a
    service is allowed when its terminal is reachable and no earlier (``reverse``: later)
    reachable stop of the service is nearer.
    """
    n_end = km.shape[0]
    allowed = np.zeros((len(entries), n_end), dtype=bool)
    by_service: dict[str, list[tuple[int, int, int]]] = {}
    for k, (_, t, sid, i) in enumerate(entries):
        by_service.setdefault(sid, []).append((i, t, k))
    for items in by_service.values():
        items.sort(reverse=reverse)
        best = np.full(n_end, np.inf)
        for _, t, k in items:
            d = km[:, t]
            ok = np.isfinite(d) & (d <= best + 1e-9)
            allowed[k] = ok
            best = np.minimum(best, d)
    return allowed


def prepare_matrix(
    engine: Engine,
    origins: Sequence[Place],
    destinations: Sequence[Place],
    options: RouteOptions,
) -> MatrixProblem:
    """Reduce a matrix request to a :class:`MatrixProblem` (all road trips measured here).

    *options* are the route options (no ``via``; ``alternatives`` and ``pareto`` do not apply:
    a cell is the best route). Road trips come from the engine's own
    :class:`corridors.access.RoadAccess` with the rules of :mod:`corridors.search` (customs
    territory, access caps, the drayage rule, the direct road route) and are priced by the same
    cost model (:func:`corridors.search.road_charge`, transfers), so a cell prices the same road
    legs as the route: access trips from each origin, egress trips from each destination, and
    direct trips from each destination to every origin in one one-to-many query (the road
    layer is undirected; the lengths are symmetric by construction).
    """
    router = engine.router
    access = engine.access
    costs = router.costs
    cargo = engine.cargo(options.unit.value, options.quantity)
    obj = options.objective
    mode_set = frozenset(options.modes) if options.modes is not None else None
    avoid_ids = _avoid_ids(engine, options.avoid)
    if not origins or not destinations:
        msg = "a matrix needs at least one origin and one destination"
        raise MatrixError(msg)
    limits = engine.limits
    stub = Terminal("_o", "", "", 0.0, 0.0, "CN")
    q = Query(stub, stub, cargo, limits, obj, mode_set, (), frozenset(avoid_ids))
    vot = costs.value_of_time_cny_per_h(cargo)

    # Service graph: the router's own edges, filtered by the core's rule, nodes numbered.
    raw = [e for e in router.service_edges(q) if edge_allowed(e, q)]
    edges, index = index_edges(raw, obj, vot)
    net = engine.network
    terms = net.terminals
    tids = tuple(sorted(terms))
    tpos = {t: k for k, t in enumerate(tids)}
    o_ends = [endpoint_of(o) for o in origins]
    d_ends = [endpoint_of(d) for d in destinations]
    zero = np.zeros(4)

    def price_roads(legs: Sequence[tuple[int, int, float, str]], out: NDArray[np.float64]) -> None:
        """Price road legs (row, column, km, country) into *out* (rows x columns x 4).

        At once per country: the same floats as :func:`corridors.search.road_charge` leg by leg.
        """
        by_country: dict[str, list[tuple[int, int, float]]] = {}
        for r, c, km, country in legs:
            by_country.setdefault(country, []).append((r, c, km))
        for country, items in sorted(by_country.items()):
            r_idx, c_idx, kms = (np.asarray(x) for x in zip(*items, strict=True))
            rows = road_charge_arrays(
                costs, cargo, kms.astype(np.float64), country=country, limits=limits
            )
            out[r_idx, c_idx] = _charge_rows(rows, obj, vot)

    # Road access: one one-to-many query per origin, capped like the router's access edges.
    acc = np.full((len(origins), len(tids)), np.inf)
    acc_charge = np.zeros((len(origins), len(tids), 4))
    acc_legs: list[tuple[int, int, float, str]] = []
    for i, ep in enumerate(o_ends):
        if ep.id in avoid_ids:
            continue
        reach = {t: x for t, x in access_terminals(net, ep).items() if t not in avoid_ids}
        for tid, trip in access.road_trips(ep.lon, ep.lat, reach).items():
            if trip.distance_km <= access_cap_km(ep, terms[tid], limits):
                km = at_terminal(ep, tid, trip).distance_km
                acc[i, tpos[tid]] = km
                acc_legs.append((i, tpos[tid], km, ep.country))
    price_roads(acc_legs, acc_charge)
    # Road egress: one query per destination.
    egress = np.full((len(tids), len(destinations)), np.inf)
    egress_charge = np.zeros((len(tids), len(destinations), 4))
    egress_legs: list[tuple[int, int, float, str]] = []
    for j, ep in enumerate(d_ends):
        if ep.id in avoid_ids:
            continue
        reach = {t: x for t, x in access_terminals(net, ep).items() if t not in avoid_ids}
        for tid, trip in access.road_trips(ep.lon, ep.lat, reach).items():
            if trip.distance_km <= limits.max_egress_km:
                km = at_terminal(ep, tid, trip).distance_km
                egress[tpos[tid], j] = km
                egress_legs.append((tpos[tid], j, km, ep.country))
    price_roads(egress_legs, egress_charge)

    ins = _entries(engine, index, tpos, "in")
    outs = _entries(engine, index, tpos, "out")
    mode_of = {sid: svc.mode for sid, svc in net.services.items()}

    def change(a: Mode, b: Mode) -> NDArray[np.float64]:
        if a is b:
            return zero
        return _charge_row(costs.transfer(a, b, cargo), obj, vot)

    in_transfer = np.asarray([change(Mode.ROAD, mode_of[sid]) for _, _, sid, _ in ins])
    out_transfer = np.asarray([change(mode_of[sid], Mode.ROAD) for _, _, sid, _ in outs])
    in_allowed = _drayage_allowed(ins, acc, reverse=False).T
    out_allowed = _drayage_allowed(outs, egress.T, reverse=True)

    road_allowed = mode_set is None or Mode.ROAD in mode_set
    direct = np.full((len(origins), len(destinations)), np.inf)
    direct_rows = np.zeros((len(origins), len(destinations), 4))
    cell_ok = np.ones((len(origins), len(destinations)), dtype=bool)
    o_avoid = np.asarray([op.id in avoid_ids for op in o_ends])
    o_lon = np.asarray([op.lon for op in o_ends])
    o_lat = np.asarray([op.lat for op in o_ends])
    o_gap = np.asarray([access.snap(op.lon, op.lat).gap_km for op in o_ends])
    # The direct edge's rule depends only on the two countries (its border charge and whether
    # that crossing is avoided): ask the core once per country pair.
    direct_ok: dict[tuple[str, str], bool] = {}
    direct_legs: dict[tuple[str, str], list[tuple[int, int]]] = {}

    def direct_allowed(op: Terminal, dp: Terminal) -> bool:
        key = (op.country, dp.country)
        if key not in direct_ok:
            probe = direct_edge(
                costs, q.relaxed(origin=op, destination=dp), RoadTrip(0.0, LineString())
            )
            direct_ok[key] = probe is not None and edge_allowed(probe, q)
        return direct_ok[key]

    for j, dp in enumerate(d_ends):
        if dp.id in avoid_ids:
            cell_ok[:, j] = False
            continue
        cell_ok[o_avoid, j] = False
        if not road_allowed:
            continue
        # the same prune as RoadAccess.road_trip: a road trip is never shorter than the
        # geodesic between the attachment points
        geo_km = np.asarray(geodesic_distance_m(dp.lon, dp.lat, o_lon, o_lat)) / 1000.0
        near = geo_km <= access.limit_km + o_gap + access.snap(dp.lon, dp.lat).gap_km
        allowed = {
            str(i): Terminal(str(i), "", "", o_ends[i].lon, o_ends[i].lat)
            for i in np.flatnonzero(near & ~o_avoid).tolist()
            if direct_allowed(o_ends[i], dp)
        }
        if allowed:
            for key, trip in access.road_trips(dp.lon, dp.lat, allowed).items():
                i = int(key)
                direct[i, j] = trip.distance_km
                direct_legs.setdefault((o_ends[i].country, dp.country), []).append((i, j))
    # priced at once per country pair: the same floats as search.direct_charge trip by trip
    for (oc, dc), cells in sorted(direct_legs.items()):
        i_idx, j_idx = (np.asarray(x) for x in zip(*cells, strict=True))
        rows = direct_charge_arrays(
            costs, cargo, direct[i_idx, j_idx], origin_country=oc, dest_country=dc
        )
        direct_rows[i_idx, j_idx] = _charge_rows(rows, obj, vot)
    return MatrixProblem(
        objective=obj,
        origins=tuple(origins),
        destinations=tuple(destinations),
        terminal_ids=tids,
        access_km=acc,
        egress_km=egress,
        direct_km=direct,
        access_charge=acc_charge,
        egress_charge=egress_charge,
        direct_charge=direct_rows,
        cell_allowed=cell_ok,
        edges=edges,
        n_nodes=len(index) + 1,
        in_node=tuple(e[0] for e in ins),
        in_terminal=tuple(e[1] for e in ins),
        in_transfer=in_transfer.reshape(len(ins), 4),
        in_allowed=in_allowed,
        out_node=tuple(e[0] for e in outs),
        out_terminal=tuple(e[1] for e in outs),
        out_transfer=out_transfer.reshape(len(outs), 4),
        out_allowed=out_allowed,
        corridor_of=dict(router.corridor_of),
        country_of={t: terms[t].country for t in tids},
        short_leg_km=limits.short_leg_km,
    )


def _avoid_ids(engine: Engine, avoid: Iterable[str]) -> set[str]:
    out: set[str] = set()
    for item in avoid:
        key = item.strip().lower()
        out.add(key if key in SEA_PASSAGES else engine.resolver.resolve(item).id)
    return out


# --------------------------------------------------------------------------- solving
@dataclass(frozen=True)
class _Tail:
    """Best path from boarding at one in-entry to one destination, summarised."""

    weight: float
    totals: tuple[float, float, float, float]  # time_h, cost_cny, co2_kg, distance_km
    corridor: str
    modes: tuple[str, ...]


def _tail(
    problem: MatrixProblem, start: int, dist: Sequence[float], succ: Sequence[int], egress: Any
) -> _Tail:
    t = c = g = km = 0.0
    modes: list[str] = []
    # service legs as (service, from place, to place, km)
    legs: list[list[Any]] = []
    u = start
    dest = problem.n_nodes - 1
    while u != dest:
        code = succ[u]
        e: IndexedEdge = problem.edges[code] if code >= 0 else egress[-code - 1]
        if e.kind == "egress" and e.distance_km < problem.short_leg_km:
            pass  # reported without the road leg, like the router
        else:
            t += e.time_h
            c += e.cost_cny
            g += e.co2_kg
            km += e.distance_km
            if not modes or modes[-1] != e.mode:
                modes.append(e.mode)
        if e.kind == "board":
            legs.append([e.service, "", "", 0.0])
        elif e.kind == "ride" and legs:
            leg = legs[-1]
            leg[1] = leg[1] or e.from_id
            leg[2] = e.to_id
            leg[3] += e.distance_km
        u = e.dst
    country = problem.country_of
    corridor = main_haul_corridor(
        [(sid, country.get(a, ""), country.get(b, ""), dk) for sid, a, b, dk in legs],
        problem.corridor_of,
    )
    return _Tail(dist[start], (t, c, g, km), corridor, tuple(modes))


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
    cols = tuple(columns)
    shape = (n_o, len(cols))
    out_w = np.full(shape, np.nan)
    out_t, out_c, out_g, out_d = (np.full(shape, np.nan) for _ in range(4))
    corridor = [[""] * len(cols) for _ in range(n_o)]
    modes = [[""] * len(cols) for _ in range(n_o)]
    term = [[""] * len(cols) for _ in range(n_o)]
    in_t = np.asarray(problem.in_terminal, dtype=np.int64)
    acc_km = problem.access_km[:, in_t]  # (n_o, n_in)
    short = acc_km < problem.short_leg_km
    # the road leg to each in-entry plus the change of mode there (none for a short leg)
    lead = problem.access_charge[:, in_t, :] + np.where(
        short[:, :, None], 0.0, problem.in_transfer[None, :, :]
    )
    lead_w = np.where(problem.in_allowed, lead[:, :, 0], np.inf)
    for jj, j in enumerate(cols):
        egress: list[IndexedEdge] = []
        for m in np.flatnonzero(problem.out_allowed[:, j]).tolist():
            t = problem.out_terminal[m]
            km = float(problem.egress_km[t, j])
            ch = problem.egress_charge[t, j]
            if km >= problem.short_leg_km:
                ch = ch + problem.out_transfer[m]
            egress.append(
                IndexedEdge(
                    problem.out_node[m],
                    problem.n_nodes - 1,
                    float(ch[0]),
                    float(ch[1]),
                    float(ch[2]),
                    float(ch[3]),
                    km,
                    "egress",
                    Mode.ROAD.value,
                    "",
                    False,
                )
            )
        dist, succ = reverse_costs(problem.edges, radj, problem.n_nodes, egress)
        tails: list[_Tail | None] = []
        h = np.full(len(problem.in_node), np.inf)
        h_t = np.full(len(problem.in_node), np.inf)
        for k, node in enumerate(problem.in_node):
            if math.isfinite(dist[node]):
                tail = _tail(problem, node, dist, succ, egress)
                tails.append(tail)
                h[k] = tail.weight
                h_t[k] = tail.totals[0]
            else:
                tails.append(None)
        combo = lead_w + h[None, :]
        best_w = combo.min(axis=1) if combo.shape[1] else np.full(n_o, np.inf)
        # among entries tied on the objective, the fastest route
        combo_t = lead[:, :, 1] + h_t[None, :]
        tied = combo <= (best_w + 1e-9 * np.maximum(1.0, np.abs(best_w)))[:, None]
        best_k = (
            np.argmin(np.where(tied, combo_t, np.inf), axis=1)
            if combo.shape[1]
            else np.zeros(n_o, dtype=np.int64)
        )
        for i in range(n_o):
            if not problem.cell_allowed[i, j]:
                continue
            direct_km: float | None = None
            direct_w = direct_t = math.inf
            if math.isfinite(problem.direct_km[i, j]):
                direct_km = float(problem.direct_km[i, j])
                direct_w, direct_t = (float(x) for x in problem.direct_charge[i, j, :2])
            service_w = float(best_w[i])
            k = int(best_k[i])
            service_t = float(combo_t[i, k]) if math.isfinite(service_w) else math.inf
            if direct_km is not None and (
                better(direct_w, direct_t, service_w, service_t)
                or not better(service_w, service_t, direct_w, direct_t)
            ):
                _, dt, dc, dg = (float(x) for x in problem.direct_charge[i, j])
                out_w[i, jj] = direct_w
                out_t[i, jj] = dt
                out_c[i, jj] = dc
                out_g[i, jj] = dg
                out_d[i, jj] = direct_km
                corridor[i][jj], modes[i][jj] = "road", "road"
                continue
            if not math.isfinite(service_w):
                continue
            found = tails[k]
            if found is None:  # cannot happen: a finite weight has a path
                continue
            tail = found
            _, lt, lc, lg = (float(x) for x in lead[i, k])
            lead_km = 0.0 if short[i, k] else float(acc_km[i, k])
            tt, tc, tg, td = tail.totals
            out_w[i, jj] = service_w
            out_t[i, jj] = lt + tt
            out_c[i, jj] = lc + tc
            out_g[i, jj] = lg + tg
            out_d[i, jj] = lead_km + td
            seq = list(tail.modes)
            if not short[i, k] and (not seq or seq[0] != "road"):
                seq.insert(0, "road")
            corridor[i][jj] = tail.corridor
            modes[i][jj] = "/".join(seq)
            term[i][jj] = problem.terminal_ids[problem.in_terminal[k]]
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
    options: RouteOptions | None = None,
    block_size: int = 16,
    run_blocks: Callable[
        [Callable[[MatrixProblem, Sequence[int]], MatrixBlock], MatrixProblem, list[Any]],
        list[MatrixBlock],
    ]
    | None = None,
    progress: Callable[[int, int], None] | None = None,
    **option_values: Any,
) -> TravelMatrix:
    """Time, cost, CO2 and best corridor for every (origin, destination) pair.

    Parameters
    ----------
    engine : Engine
        The loaded corridor engine.
    origins, destinations : sequence of Place
        See :func:`origin_set` and :func:`destination_set`.
    options : RouteOptions, optional
        The route options (``via`` is refused); or give them as keywords (``unit``,
        ``quantity``, ``modes``, ``avoid``, ``objective``), validated by
        :func:`corridors.request.parse_options`.
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
    opts = options if options is not None else parse_options(option_values)
    if opts.via:
        msg = "via is not supported by matrices (a cell is the best route between its ends)"
        raise MatrixError(msg)
    with engine.hierarchy.session():
        problem = prepare_matrix(engine, origins, destinations, options=opts)
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
        problem,
        solved,
        cargo=engine.cargo(opts.unit.value, opts.quantity),
        version=engine.params.version,
    )
