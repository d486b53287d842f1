"""The search core shared by route answers and matrices: search edges, rules, paths, routes.

Owns: :class:`Query` (one route question in routing terms) and :class:`AccessLimits` (road
drayage limits from ``parameters.toml`` ``[access]``); :class:`SearchEdge`, the typed edge of
the per-query search graph (terminals and service stops joined by road access, boarding,
riding, staying on board, alighting, road egress and the direct road route); the rules as
public functions: :func:`edge_weight` (an edge's weight under an objective), :func:`edge_allowed`
(which edges a query allows: modes, avoided places, crossings and passages, banned services),
:func:`same_customs_territory` (a truck crosses no customs border: same country or one customs
union), :func:`is_short_leg` (a road leg so short that the endpoint is the terminal); building
the edges (:func:`service_edges`, :func:`road_edges`); forward search for routes
(:class:`SearchGraph`) and reverse costs to a destination for matrices
(:class:`IndexedEdge`, :func:`index_edges`, :func:`reverse_costs`, with the tie rule
:func:`better`); and
:func:`path_to_route`, the one function that turns a path into a :class:`corridors.models.Route`.

:class:`corridors.routing.Router` (alternatives, Pareto set, explanations) and
:mod:`corridors.matrix` (all origins and destinations at once) are built on these, so a matrix
cell and a route follow the same rules by construction.

The search graph is small (a few hundred nodes), so a binary-heap Dijkstra over adjacency lists
is used; the large infrastructure graphs are only touched through :mod:`corridors.access`.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import LineString

from corridors.access import AccessModel, RoadTrip
from corridors.costing import Charge, CostModel
from corridors.models import (
    Cargo,
    Leg,
    Mode,
    Objective,
    RideLeg,
    Route,
    Service,
    ServiceNetwork,
    Terminal,
)
from corridors.params import Parameters

Node = tuple[str, ...]

# Customs unions whose internal borders a truck crosses without customs formalities (as of
# 2026-11-27). EU, the 27 member states:
# https://european-union.europa.eu/principles-countries-history/eu-countries_en
# EAEU, Armenia, Belarus, Kazakhstan, Kyrgyzstan, Russia: https://eec.eaeunion.org/en/
EU_MEMBERS = frozenset(
    {
        "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
        "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
    }
)  # fmt: skip
CUSTOMS_UNIONS: tuple[frozenset[str], ...] = (
    EU_MEMBERS,
    frozenset({"AM", "BY", "KZ", "KG", "RU"}),
)
ORIGIN: Node = ("origin",)
DESTINATION: Node = ("destination",)
# Edge kinds that belong to a service (the rest are road: access, egress, direct).
SERVICE_KINDS = frozenset({"ride", "board", "stay", "alight"})
# Modes that cross land borders; a sea, river or air leg between countries clears customs at
# its ports instead (reported as the leg's ``customs``, not as border crossings).
LAND_MODES = frozenset({Mode.RAIL, Mode.ROAD})

# An origin or destination is reduced to what routing needs, exactly a terminal's fields.
Endpoint = Terminal


@dataclass(frozen=True)
class AccessLimits:
    """Road drayage limits (km), from ``parameters.toml`` ``[access]``."""

    max_access_km: float
    max_home_access_km: float
    max_egress_km: float
    road_search_limit_km: float
    short_leg_km: float
    max_offroad_km: float
    max_estimate_km: float
    min_road_component_nodes: int

    @classmethod
    def from_parameters(cls, params: Parameters) -> AccessLimits:
        """The limits in force in *params*."""
        a = params.access
        return cls(
            a.max_access_km.value,
            a.max_home_access_km.value,
            a.max_egress_km.value,
            a.road_search_limit_km.value,
            a.short_leg_km.value,
            a.max_offroad_km.value,
            a.max_estimate_km.value,
            round(a.min_road_component_nodes.value),
        )


@dataclass(frozen=True)
class Query:
    """A route question in routing terms (resolved endpoints, enums, place ids)."""

    origin: Endpoint
    destination: Endpoint
    cargo: Cargo
    limits: AccessLimits
    objective: Objective = Objective.TIME
    modes: frozenset[Mode] | None = None
    via: tuple[str, ...] = ()
    avoid: frozenset[str] = frozenset()
    alternatives: int = 1

    def relaxed(self, **changes: object) -> Query:
        """A copy with some fields changed (constraints relaxed, another objective)."""
        return Query(**{**self.__dict__, **changes})


@dataclass(frozen=True)
class SearchEdge:
    """One edge of the search graph: its nodes, kind, mode, service, price and what it touches."""

    src: Node
    dst: Node
    kind: str  # access | egress | direct | board | ride | alight
    mode: Mode
    service: str | None
    from_id: str
    to_id: str
    distance_km: float
    charge: Charge
    geometry: LineString | Callable[[], LineString] | None = None
    places: frozenset[str] = frozenset()
    borders: tuple[str, ...] = ()
    gauges: tuple[str, ...] = ()
    passages: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()


def _reversed(build: Callable[[], LineString]) -> Callable[[], LineString]:
    return lambda: shapely.linestrings(shapely.get_coordinates(build())[::-1])


def _materialise(geometry: LineString | Callable[[], LineString] | None) -> LineString:
    if geometry is None:
        return LineString()
    if isinstance(geometry, LineString):
        return geometry
    return geometry()


def _joined(parts: list[NDArray[np.float64]]) -> LineString:
    pts = np.concatenate(parts) if parts else np.empty((0, 2))
    line: LineString = shapely.linestrings(pts) if len(pts) > 1 else LineString()
    return line


def edge_weight(charge: Charge, objective: Objective, vot: float) -> float:
    """The weight of a charge under *objective* (``vot``: CNY per hour, generalized cost only)."""
    if objective is Objective.TIME:
        return charge.time_h
    if objective is Objective.COST:
        return charge.cost_cny
    if objective is Objective.CO2:
        return charge.co2_kg
    return charge.cost_cny + vot * charge.time_h


def edge_weights(
    rows: NDArray[np.float64], objective: Objective, vot: float
) -> NDArray[np.float64]:
    """:func:`edge_weight` of many charges, given as rows of (time_h, cost_cny, co2_kg)."""
    if objective is Objective.TIME:
        return rows[:, 0].copy()
    if objective is Objective.COST:
        return rows[:, 1].copy()
    if objective is Objective.CO2:
        return rows[:, 2].copy()
    return rows[:, 1] + vot * rows[:, 0]


def same_customs_territory(a: str, b: str) -> bool:
    """True when a truck between countries *a* and *b* (ISO codes) crosses no customs border.

    Countries of one customs union count as one territory (EU; EAEU), so a container landed at
    Rotterdam may be trucked to Duisburg without a border charge. An unknown country ("")
    counts as the same territory.
    """
    if not a or not b or a == b:
        return True
    return any(a in union and b in union for union in CUSTOMS_UNIONS)


def is_short_leg(distance_km: float, limits: AccessLimits) -> bool:
    """True when a road access or egress leg is so short that the endpoint is the terminal."""
    return distance_km < limits.short_leg_km


def edge_allowed(edge: SearchEdge, q: Query, banned: frozenset[str] = frozenset()) -> bool:
    """Whether query *q* lets a path use *edge* (services in *banned* are excluded too)."""
    if edge.service is not None and edge.service in banned:
        return False
    if edge.kind in SERVICE_KINDS and q.modes is not None and edge.mode not in q.modes:
        return False
    if not q.avoid:  # the rest are avoided places, crossings and passages
        return True
    if edge.places & q.avoid:
        return False
    crossing_places = {p for b in edge.borders for p in b.split("-")}
    if crossing_places & q.avoid or set(edge.passages) & q.avoid:
        return False
    return not any(b in q.avoid for b in edge.borders)


def _country(network: ServiceNetwork, place_id: str) -> str:
    terminal = network.terminals.get(place_id)
    return terminal.country if terminal is not None else ""


def arriving_modes(network: ServiceNetwork) -> dict[str, frozenset[Mode]]:
    """Per place, the modes of the services that can set cargo down there for another service.

    Road services (international trucking, TIR) are left out: a truck that has crossed a
    border delivers to the door and never feeds another service (issue: trucks ran 3,162 km to
    Khorgos to board a weekly train).
    """
    out: dict[str, set[Mode]] = {}
    for svc in network.services.values():
        if svc.mode is Mode.ROAD:
            continue
        for stop in svc.waypoints[1:]:
            out.setdefault(stop, set()).add(svc.mode)
    return {k: frozenset(v) for k, v in out.items()}


def _stop_edge(
    svc: Service, src: Node, dst: Node, kind: str, stop: str, charge: Charge
) -> SearchEdge:
    """A board, stay or alight edge of *svc* at *stop* (no distance, no geometry)."""
    return SearchEdge(
        src, dst, kind, svc.mode, svc.id, stop, stop, 0.0, charge, None, frozenset({stop})
    )


def service_edges(
    network: ServiceNetwork, costs: CostModel, cargo: Cargo, rides: Iterable[RideLeg]
) -> list[SearchEdge]:
    """Board, ride, stay and alight edges of every service, priced for *cargo*.

    Nodes: ``("in", service, i)`` is the road access to stop *i* of a service (entered by the
    per-query access edges, see :func:`road_edges`); ``("dep"|"arr", service, i)`` are the
    departure and arrival at stop *i*; ``("out", service, i)`` leads to the road egress;
    ``("stop", place, mode)`` is cargo set down at *place* by a service of *mode*, waiting for
    another service. Boarding from a stop pays the change of mode (``transfer``) when the modes
    differ, and the place's ``transhipment`` dwell when they are the same. Road services
    have no ``stop`` node: they never feed another service.

    *rides* are the network's ride legs as the query sees them (sea hops may be re-routed
    around avoided passages); they do not depend on the origin or destination, so callers may
    cache the result per (cargo, rides).
    """
    edges: list[SearchEdge] = []
    service_dist: dict[str, float] = {}
    for ride in network.rides:
        service_dist[ride.service_id] = service_dist.get(ride.service_id, 0.0) + ride.distance_km
    for ride in rides:
        svc = network.services[ride.service_id]
        a: Node = ("dep", svc.id, str(ride.index))
        b: Node = ("arr", svc.id, str(ride.index + 1))
        share = None
        # A published all-in price is prorated by distance; it applies only to its own unit.
        published = svc.published_tariff_cny(cargo.unit.value)
        if published is not None and service_dist.get(svc.id):
            share = published * ride.distance_km / service_dist[svc.id]
        country = _country(network, ride.from_id)
        if svc.mode is Mode.ROAD:
            # an international road service: the drivers' hours of the region it drives in
            charge = costs.road_haul(ride.distance_km, cargo, country=country)
            if share is not None:
                charge = replace(
                    charge,
                    cost_cny=share * cargo.quantity,
                    breakdown={**charge.breakdown, "line_haul_cny": share * cargo.quantity},
                )
        else:
            charge = costs.line_haul(
                svc.mode,
                ride.distance_km,
                cargo,
                tariff_share_cny=share,
                vehicle=svc.vehicle,
                country=country,
            )
        borders: tuple[str, ...] = ()
        if (ride.from_id, ride.to_id) in svc.border_crossings:
            crossing = f"{ride.from_id}-{ride.to_id}"
            charge = charge + costs.border(ride.from_id, cargo)
            borders = (crossing,)
        gauges: tuple[str, ...] = ()
        for gb in svc.gauge_breaks:
            if gb.at == ride.to_id and ride.index + 2 <= len(svc.waypoints):
                charge = charge + costs.gauge_break(gb.kind, cargo)
                gauges = (f"{gb.at}:{gb.from_mm}->{gb.to_mm}",)
        edges.append(
            SearchEdge(
                a,
                b,
                "ride",
                svc.mode,
                svc.id,
                ride.from_id,
                ride.to_id,
                ride.distance_km,
                charge,
                ride.geometry,
                frozenset({ride.from_id, ride.to_id}),
                borders,
                gauges,
                ride.passages,
                tuple(dict.fromkeys((*svc.sources, *ride.sources))),
            )
        )
    arriving = arriving_modes(network)
    for svc in network.services.values():
        board = costs.board(svc.mode, svc.headway_h, cargo)
        for i, stop in enumerate(svc.waypoints):
            # Departure and arrival nodes are distinct, so boarding and alighting at the same
            # stop without riding is impossible; "stay" keeps the cargo on board.
            node: Node = ("dep", svc.id, str(i))
            arrival: Node = ("arr", svc.id, str(i))

            if 0 < i < len(svc.waypoints) - 1:
                edges.append(_stop_edge(svc, arrival, node, "stay", stop, Charge()))
            if i < len(svc.waypoints) - 1:
                # from the road (the access edges of the query end at the "in" node) ...
                edges.append(_stop_edge(svc, ("in", svc.id, str(i)), node, "board", stop, board))
                # ... or from another service that set the cargo down here
                for mode in sorted(arriving.get(stop, ()), key=lambda m: m.value):
                    if mode is not svc.mode:
                        change = costs.transfer(mode, svc.mode, cargo) + board
                    else:
                        # same mode, another service: a transhipment (vessel to vessel at
                        # Singapore, train to train at Malaszewicze), one dwell with its source
                        change = costs.transhipment(stop, cargo) + board
                    edges.append(
                        _stop_edge(svc, ("stop", stop, mode.value), node, "board", stop, change)
                    )
            if i > 0:
                alight = costs.alight(svc.mode, cargo)
                edges.append(
                    _stop_edge(svc, arrival, ("out", svc.id, str(i)), "alight", stop, alight)
                )
                if svc.mode is not Mode.ROAD:
                    edges.append(
                        _stop_edge(
                            svc, arrival, ("stop", stop, svc.mode.value), "alight", stop, alight
                        )
                    )
    return edges


def access_terminals(network: ServiceNetwork, endpoint: Endpoint) -> dict[str, Terminal]:
    """Terminals a truck from (or to) *endpoint* reaches without crossing a customs border.

    A border crossed by truck is a service of its own (``road_international``).
    """
    return {
        k: t
        for k, t in network.terminals.items()
        if same_customs_territory(endpoint.country, t.country)
    }


def access_cap_km(origin: Endpoint, terminal: Terminal, limits: AccessLimits) -> float:
    """Longest road access from *origin* to *terminal* (longer from home to a home terminal)."""
    home = origin.home and terminal.home
    return limits.max_home_access_km if home else limits.max_access_km


def first_nearest(stops: Sequence[str], km: Mapping[str, float], *, reverse: bool) -> set[int]:
    """Stops of one service a truck may use: none nearer along the way (the drayage rule).

    Cargo trucked to a service boards at stop *i* only if no earlier stop of the service is
    nearer by road (it would not drive past a stop the train calls at anyway); with
    ``reverse``, cargo leaves at stop *i* only if no later stop is nearer the destination (it
    stays on the train to the stop nearest the destination). *km* gives the road distance of
    the stops a truck can reach; the others are not candidates. Ties are allowed.

    Returns
    -------
    set of int
        The allowed stop indices.
    """
    order = range(len(stops) - 1, -1, -1) if reverse else range(len(stops))
    best = math.inf
    allowed: set[int] = set()
    for i in order:
        d = km.get(stops[i])
        if d is None:
            continue
        if d <= best + 1e-9:
            allowed.add(i)
        best = min(best, d)
    return allowed


def road_charge(
    costs: CostModel, cargo: Cargo, trip_km: float, *, country: str, limits: AccessLimits
) -> Charge:
    """The charge of a drayage trip of *trip_km*: nothing when it is a short leg."""
    if is_short_leg(trip_km, limits):
        return Charge()
    return costs.road_leg(trip_km, cargo, country=country)


def road_charge_arrays(
    costs: CostModel,
    cargo: Cargo,
    trip_km: NDArray[np.float64],
    *,
    country: str,
    limits: AccessLimits,
) -> NDArray[np.float64]:
    """:func:`road_charge` of many trips: rows of (time_h, cost_cny, co2_kg), the same floats.

    Travel matrices price every reachable (origin, terminal) leg with it at once.
    """
    km = np.asarray(trip_km, dtype=np.float64)
    out = np.zeros((km.shape[0], 3))
    long = ~(km < limits.short_leg_km)  # elementwise: not is_short_leg
    if long.any():
        out[long] = costs.road_leg_arrays(km[long], cargo, country=country)
    return out


def access_charge(costs: CostModel, q: Query, mode: Mode, trip: RoadTrip) -> Charge:
    """Road access by *trip* to a service of *mode*: the trucking leg and the change of mode.

    A short leg (the origin is the terminal) pays neither.
    """
    charge = road_charge(
        costs, q.cargo, trip.distance_km, country=q.origin.country, limits=q.limits
    )
    if mode is not Mode.ROAD and not is_short_leg(trip.distance_km, q.limits):
        charge = charge + costs.transfer(Mode.ROAD, mode, q.cargo)
    return charge


def egress_charge(costs: CostModel, q: Query, mode: Mode, trip: RoadTrip) -> Charge:
    """Road egress by *trip* from a service of *mode*: the change of mode and the trucking leg."""
    charge = road_charge(
        costs, q.cargo, trip.distance_km, country=q.destination.country, limits=q.limits
    )
    if mode is not Mode.ROAD and not is_short_leg(trip.distance_km, q.limits):
        charge = costs.transfer(mode, Mode.ROAD, q.cargo) + charge
    return charge


def access_edge(
    costs: CostModel,
    q: Query,
    svc: Service,
    index: int,
    trip: RoadTrip,
    *,
    charge: Charge | None = None,
) -> SearchEdge:
    """The road access edge from the origin of *q* to stop *index* of *svc* by *trip*.

    Priced by :func:`access_charge` unless its *charge* is given (one per terminal and mode).
    """
    terminal = svc.waypoints[index]
    if charge is None:
        charge = access_charge(costs, q, svc.mode, trip)
    return SearchEdge(
        ORIGIN,
        ("in", svc.id, str(index)),
        "access",
        Mode.ROAD,
        None,
        q.origin.id,
        terminal,
        trip.distance_km,
        charge,
        trip.line,
        frozenset({terminal}),
        sources=trip.sources,
    )


def egress_edge(
    costs: CostModel,
    q: Query,
    svc: Service,
    index: int,
    trip: RoadTrip,
    *,
    charge: Charge | None = None,
) -> SearchEdge:
    """The road egress edge from stop *index* of *svc* to the destination of *q*.

    *trip* is measured from the destination to the terminal (the road layer is undirected),
    so its geometry is reversed. Priced by :func:`egress_charge` unless *charge* is given.
    """
    terminal = svc.waypoints[index]
    if charge is None:
        charge = egress_charge(costs, q, svc.mode, trip)
    return SearchEdge(
        ("out", svc.id, str(index)),
        DESTINATION,
        "egress",
        Mode.ROAD,
        None,
        terminal,
        q.destination.id,
        trip.distance_km,
        charge,
        _reversed(trip.line),
        frozenset({terminal}),
        sources=trip.sources,
    )


def direct_charge(
    costs: CostModel, cargo: Cargo, distance_km: float, *, origin_country: str, dest_country: str
) -> tuple[Charge, tuple[str, ...]]:
    """The charge and border crossings of a direct all-road trip of *distance_km*.

    A whole trucking leg (handling, drivers' hours of the origin's region); it pays the
    default border charge when origin and destination lie in different countries.
    """
    charge = costs.road_leg(distance_km, cargo, country=origin_country)
    border, crossings = direct_border(
        costs, cargo, origin_country=origin_country, dest_country=dest_country
    )
    if border is not None:
        return charge + border, crossings
    return charge, ()


def direct_border(
    costs: CostModel, cargo: Cargo, *, origin_country: str, dest_country: str
) -> tuple[Charge | None, tuple[str, ...]]:
    """The border charge and crossing of a direct road trip, or (None, ()) within one country.

    The default border charge when origin and destination lie in different countries.
    """
    if origin_country and dest_country and origin_country != dest_country:
        return costs.border("default", cargo), (f"{origin_country}-{dest_country}",)
    return None, ()


def direct_charge_arrays(
    costs: CostModel,
    cargo: Cargo,
    distance_km: NDArray[np.float64],
    *,
    origin_country: str,
    dest_country: str,
) -> NDArray[np.float64]:
    """:func:`direct_charge` of many trips between two countries (travel matrices).

    Rows of (time_h, cost_cny, co2_kg): the same floats as :func:`direct_charge` trip by trip.
    """
    rows = costs.road_leg_arrays(distance_km, cargo, country=origin_country)
    border, _ = direct_border(
        costs, cargo, origin_country=origin_country, dest_country=dest_country
    )
    if border is not None:
        rows = rows + np.asarray([border.time_h, border.cost_cny, border.co2_kg])
    return rows


def direct_edge(costs: CostModel, q: Query, trip: RoadTrip | None) -> SearchEdge | None:
    """The direct all-road route of *q* by *trip*, or None (no trip, or road not allowed).

    Priced by :func:`direct_charge`.
    """
    if trip is None or (q.modes is not None and Mode.ROAD not in q.modes):
        return None
    o, d = q.origin, q.destination
    charge, borders = direct_charge(
        costs, q.cargo, trip.distance_km, origin_country=o.country, dest_country=d.country
    )
    return SearchEdge(
        ORIGIN,
        DESTINATION,
        "direct",
        Mode.ROAD,
        None,
        o.id,
        d.id,
        trip.distance_km,
        charge,
        trip.line,
        frozenset(),
        borders,
        sources=trip.sources,
    )


def at_terminal(endpoint: Endpoint, terminal_id: str, trip: RoadTrip) -> RoadTrip:
    """*trip*, of zero length when *endpoint* is the terminal itself (the place, not a snap).

    An endpoint resolved to a terminal (``Kunming`` is the Kunming rail terminal) and that
    terminal snap to the road a few metres apart; no road leg joins a place to itself.
    """
    if endpoint.id == terminal_id:
        return RoadTrip(0.0, LineString(), trip.sources)
    return trip


def road_edges(
    network: ServiceNetwork, costs: CostModel, access: AccessModel, q: Query
) -> list[SearchEdge]:
    """Road access, egress and the direct road route of *q*.

    Access and egress stay within the endpoint's customs territory (:func:`access_terminals`)
    and within the limits of ``q.limits``, and follow the drayage rule of
    :func:`first_nearest` per service; the direct road route is :func:`direct_edge`.
    """
    o, d = q.origin, q.destination
    edges: list[SearchEdge] = []
    terms = access_terminals(network, o)
    trips = {
        tid: at_terminal(o, tid, trip)
        for tid, trip in access.road_trips(o.lon, o.lat, terms).items()
        if trip.distance_km <= access_cap_km(o, terms[tid], q.limits)
    }
    # an avoided terminal is no candidate: the truck drives on to the next stop
    km = {tid: trip.distance_km for tid, trip in trips.items() if tid not in q.avoid}
    priced: dict[tuple[str, Mode], Charge] = {}  # one charge per terminal and mode
    for svc in network.services.values():
        stops = svc.waypoints[:-1]
        for i in sorted(first_nearest(stops, km, reverse=False)):
            trip = trips[stops[i]]
            key = (stops[i], svc.mode)
            if key not in priced:
                priced[key] = access_charge(costs, q, svc.mode, trip)
            edges.append(access_edge(costs, q, svc, i, trip, charge=priced[key]))
    terms = access_terminals(network, d)
    trips = {
        tid: at_terminal(d, tid, trip)
        for tid, trip in access.road_trips(d.lon, d.lat, terms).items()
        if trip.distance_km <= q.limits.max_egress_km
    }
    km = {tid: trip.distance_km for tid, trip in trips.items() if tid not in q.avoid}
    priced = {}
    for svc in network.services.values():
        stops = svc.waypoints
        for i in sorted(first_nearest(stops, km, reverse=True)):
            if i > 0:
                trip = trips[stops[i]]
                key = (stops[i], svc.mode)
                if key not in priced:
                    priced[key] = egress_charge(costs, q, svc.mode, trip)
                edges.append(egress_edge(costs, q, svc, i, trip, charge=priced[key]))
    direct = None
    if q.modes is None or Mode.ROAD in q.modes:
        direct = direct_edge(costs, q, access.road_trip((o.lon, o.lat), (d.lon, d.lat)))
    if direct is not None:
        edges.append(direct)
    return edges


@dataclass(frozen=True, eq=False)
class SearchGraph:
    """The search graph of one query: allowed edges by tail node, each with its weight.

    Built once per query (:meth:`build`); :meth:`shortest` then runs as often as alternatives
    need, excluding banned services (and the direct road edge) on the fly.
    """

    adj: dict[Node, list[tuple[float, SearchEdge]]]

    @classmethod
    def build(cls, edges: Iterable[SearchEdge], q: Query, *, vot: float) -> SearchGraph:
        """Keep the edges *q* allows (:func:`edge_allowed`) and weigh them under its objective."""
        adj: dict[Node, list[tuple[float, SearchEdge]]] = {}
        objective = q.objective
        for e in edges:
            if edge_allowed(e, q):
                w = max(edge_weight(e.charge, objective, vot), 0.0)
                adj.setdefault(e.src, []).append((w, e))
        return cls(adj)

    def extended(self, edges: Iterable[SearchEdge], q: Query, *, vot: float) -> SearchGraph:
        """A new graph: this one plus the allowed *edges* (the query's road edges).

        This graph is left unchanged, so the service part of a graph can be built once per
        (cargo, options) and shared by queries.
        """
        extra = SearchGraph.build(edges, q, vot=vot).adj
        adj = dict(self.adj)
        for node, out in extra.items():
            adj[node] = [*adj.get(node, ()), *out]
        return SearchGraph(adj)

    def shortest(
        self, q: Query, banned: frozenset[str] = frozenset(), *, direct: bool = True
    ) -> list[SearchEdge] | None:
        """Least-weight path from :data:`ORIGIN` to :data:`DESTINATION` through ``q.via``.

        A layered Dijkstra: state (node, k) where the first k vias have been visited, in order.
        Services in *banned* are not used; without *direct*, neither is the direct road edge.
        Returns the edges of the path, or None when the destination cannot be reached.
        """
        via = q.via
        n_via = len(via)
        start = (ORIGIN, 0)
        goal = (DESTINATION, n_via)
        inf = float("inf")
        adj = self.adj
        dist: dict[tuple[Node, int], float] = {start: 0.0}
        prev: dict[tuple[Node, int], tuple[tuple[Node, int], SearchEdge]] = {}
        counter = itertools.count()
        heap: list[tuple[float, int, tuple[Node, int]]] = [(0.0, next(counter), start)]
        while heap:
            du, _, state = heapq.heappop(heap)
            if state == goal:
                break
            if du > dist.get(state, inf):
                continue
            node, k = state
            for w, e in adj.get(node, ()):
                if e.service is not None and e.service in banned:
                    continue
                if not direct and e.kind == "direct":
                    continue
                nk = k
                while nk < n_via and via[nk] in e.places:
                    nk += 1
                if nk < n_via and e.dst == DESTINATION:
                    continue
                nstate = (e.dst, nk)
                nd = du + w
                if nd < dist.get(nstate, inf) - 1e-12:
                    dist[nstate] = nd
                    prev[nstate] = (state, e)
                    heapq.heappush(heap, (nd, next(counter), nstate))
        if goal not in dist:
            return None
        path: list[SearchEdge] = []
        st = goal
        while st != start:
            st, e = prev[st]
            path.append(e)
        return path[::-1]


@dataclass(frozen=True)
class IndexedEdge:
    """A :class:`SearchEdge` in array form: integer nodes, its weight and totals (matrices)."""

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
    from_id: str = ""
    to_id: str = ""


def index_edges(
    edges: Iterable[SearchEdge], objective: Objective, vot: float
) -> tuple[tuple[IndexedEdge, ...], dict[Node, int]]:
    """Number the nodes of *edges* and weigh them under *objective* (see :func:`edge_weight`).

    Returns the indexed edges and the node numbering; numbers are given in order of first
    appearance, so the caller may append nodes of its own after ``len(index)``.
    """
    index: dict[Node, int] = {}

    def node(n: Node) -> int:
        return index.setdefault(n, len(index))

    out = tuple(
        IndexedEdge(
            node(e.src),
            node(e.dst),
            max(edge_weight(e.charge, objective, vot), 0.0),
            e.charge.time_h,
            e.charge.cost_cny,
            e.charge.co2_kg,
            e.distance_km if e.kind == "ride" else 0.0,
            e.kind,
            e.mode.value,
            e.service or "",
            bool(e.borders),
            e.from_id,
            e.to_id,
        )
        for e in edges
    )
    return out, index


def better(w: float, t: float, best_w: float, best_t: float) -> bool:
    """Lower objective; among equal objectives (within 1e-9 relative) the faster."""
    tol = 1e-9 * max(1.0, abs(w))
    return w < best_w - tol or (w <= best_w + tol and t < best_t - 1e-12)


def reverse_costs(
    edges: Sequence[IndexedEdge],
    radj: Sequence[list[tuple[int, int]]],
    n_nodes: int,
    extra: Sequence[IndexedEdge],
) -> tuple[list[float], list[int]]:
    """Costs to go to the destination node (``n_nodes - 1``) from every node: a reverse Dijkstra.

    *radj* lists, per node, ``(tail node, edge index)`` of the *edges* entering it; *extra* are
    the edges entering the destination (a matrix column's road egress), coded as negative
    indices ``-(k + 1)`` in the returned successor list. Ties on the objective go to the faster
    path (:func:`better`; with the CO2 objective waits cost nothing, so services on one line
    tie often).

    Returns
    -------
    (dist, succ)
        Cost to go per node (``inf`` where the destination cannot be reached) and the code of
        the edge taken from each node (-1 where none).
    """
    dest = n_nodes - 1
    dist = [math.inf] * n_nodes
    time_h = [math.inf] * n_nodes
    succ = [-1] * n_nodes
    dist[dest] = 0.0
    time_h[dest] = 0.0
    local = list(radj)
    local[dest] = [(e.src, -(k + 1)) for k, e in enumerate(extra)]
    heap: list[tuple[float, float, int]] = [(0.0, 0.0, dest)]
    done = [False] * n_nodes
    while heap:
        du, tu, u = heapq.heappop(heap)
        if done[u] or du > dist[u] or (du == dist[u] and tu > time_h[u]):
            continue
        done[u] = True
        for v, code in local[u]:
            if done[v]:
                continue
            e = edges[code] if code >= 0 else extra[-code - 1]
            nd = du + e.weight
            nt = tu + e.time_h
            if better(nd, nt, dist[v], time_h[v]):
                dist[v] = nd
                time_h[v] = nt
                succ[v] = code
                heapq.heappush(heap, (nd, nt, v))
    return dist, succ


GENERIC_CORRIDORS = frozenset({"sea", "road"})


def main_haul_corridor(
    legs: Sequence[tuple[str, str, str, float]], corridor_of: Mapping[str, str]
) -> str:
    """The corridor of a route: that of its main haul.

    *legs* are the route's service legs in order, as (service id, country where the leg starts,
    country where it ends, km). The main haul is the first leg that leaves the country where
    the first service leg starts (the corridor by which the goods leave, or enter, the
    country); when that leg's corridor is generic ocean shipping (``sea``), an earlier leg's
    specific corridor names the route (the Yangtze barge before the Shanghai sailing). A route
    that never leaves one country is named by its longest leg; a route with no service is
    ``road``.
    """
    if not legs:
        return "road"
    home = legs[0][1]
    for k, (sid, a, b, _) in enumerate(legs):
        if (a and b and a != b) or (b and home and b != home):
            corridor = corridor_of[sid]
            if corridor in GENERIC_CORRIDORS:
                earlier = [
                    corridor_of[x[0]]
                    for x in legs[:k]
                    if corridor_of[x[0]] not in GENERIC_CORRIDORS
                ]
                if earlier:
                    return earlier[-1]
            return corridor
    return corridor_of[max(legs, key=lambda leg: leg[3])[0]]


def path_to_route(
    path: Sequence[SearchEdge],
    network: ServiceNetwork,
    limits: AccessLimits,
    *,
    geometry: bool = True,
) -> Route:
    """The :class:`Route` of a path: one leg per road trip and per service ridden.

    Road access and egress legs shorter than ``limits.short_leg_km`` are left out (the endpoint
    is the terminal). The corridor is that of the main haul (:func:`main_haul_corridor`).
    Without ``geometry`` the legs carry empty lines (for candidates that are only compared).
    """
    legs: list[Leg] = []
    i = 0
    while i < len(path):
        e = path[i]
        if e.kind in {"access", "egress", "direct"}:
            if e.kind != "direct" and is_short_leg(e.distance_km, limits):
                i += 1  # the endpoint is the terminal itself: no road leg to report
                continue
            legs.append(
                Leg(
                    e.from_id,
                    e.to_id,
                    Mode.ROAD,
                    None,
                    e.distance_km,
                    e.charge.time_h,
                    e.charge.cost_cny,
                    e.charge.co2_kg,
                    _materialise(e.geometry) if geometry else LineString(),
                    dict(e.charge.breakdown),
                    e.borders,
                    (),
                    (),
                    tuple(dict.fromkeys((*e.charge.sources, *e.sources))),
                    co2_ttw_kg=e.charge.co2_ttw_kg,
                )
            )
            i += 1
            continue
        # board, ride..., alight on one service -> one leg
        j = i
        charge = Charge()
        coords: list[NDArray[np.float64]] = []
        dist_km = 0.0
        borders: list[str] = []
        gauges: list[str] = []
        passages: list[str] = []
        sources: list[str] = []
        while j < len(path) and path[j].service == e.service and path[j].kind in SERVICE_KINDS:
            pj = path[j]
            charge = charge + pj.charge
            dist_km += pj.distance_km
            geom = _materialise(pj.geometry) if geometry else LineString()
            if not geom.is_empty:
                pts = shapely.get_coordinates(geom)
                coords.append(pts if not coords else pts[1:])
            borders += pj.borders
            gauges += pj.gauges
            passages += pj.passages
            sources += pj.sources
            j += 1
            if pj.kind == "alight":
                break
        rides = [p for p in path[i:j] if p.kind == "ride"]
        land = e.mode in LAND_MODES
        legs.append(
            Leg(
                rides[0].from_id,
                rides[-1].to_id,
                e.mode,
                e.service,
                dist_km,
                charge.time_h,
                charge.cost_cny,
                charge.co2_kg,
                _joined(coords),
                dict(charge.breakdown),
                tuple(borders) if land else (),
                tuple(gauges),
                tuple(passages),
                tuple(dict.fromkeys((*sources, *charge.sources))),
                () if land else tuple(borders),
                co2_ttw_kg=charge.co2_ttw_kg,
            )
        )
        i = j
    corridor = main_haul_corridor(
        [
            (
                str(leg.service),
                _country(network, leg.from_id),
                _country(network, leg.to_id),
                leg.distance_km,
            )
            for leg in legs
            if leg.service is not None
        ],
        {sid: svc.corridor for sid, svc in network.services.items()},
    )
    return Route(tuple(legs), corridor)
