"""Route queries over the service network: objectives, constraints, alternatives, Pareto set.

Owns: the per-query search graph (origin and destination joined to terminals by road, boarding,
riding and alighting services), the constrained shortest path (``modes``, ordered ``via``, ``avoid``
for places, border crossings and sea passages), meaningfully different alternatives, the Pareto
set over (time, cost, CO2), and the explanation of infeasible constraints. Nothing is relaxed
silently: a constraint that cannot be met raises :class:`corridors.errors.InfeasibleConstraintError`
naming it.

The search graph is small (a few hundred nodes: terminals and service stops), so a plain binary-heap
Dijkstra over adjacency lists is used; the large infrastructure graphs are only used beforehand to
measure the ride legs and the road access trips (see :mod:`corridors.network`).
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from shapely.geometry import LineString

from corridors.costing import Charge, CostModel
from corridors.errors import InfeasibleConstraintError, NoRouteError
from corridors.models import (
    Cargo,
    Leg,
    Mode,
    Objective,
    RideLeg,
    Route,
    ServiceNetwork,
    Terminal,
)

Node = tuple[str, ...]

# Customs unions whose internal borders a truck crosses without customs formalities (as of
# 2026-11-27). EU, the 27 member states:
# https://european-union.europa.eu/principles-countries-history/eu-countries_en
# EAEU, Armenia, Belarus, Kazakhstan, Kyrgyzstan, Russia: https://eec.eaeunion.org/en/
_EU = "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE"
CUSTOMS_UNIONS: tuple[frozenset[str], ...] = (
    frozenset(_EU.split()),
    frozenset({"AM", "BY", "KZ", "KG", "RU"}),
)
ORIGIN: Node = ("origin",)
DESTINATION: Node = ("destination",)


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


# An origin or destination is reduced to what routing needs, exactly a terminal's fields.
Endpoint = Terminal


@dataclass(frozen=True)
class Query:
    """A route query (all options keyword-only at the public entry point)."""

    origin: Endpoint
    destination: Endpoint
    cargo: Cargo
    objective: Objective = Objective.TIME
    modes: frozenset[Mode] | None = None
    via: tuple[str, ...] = ()
    avoid: frozenset[str] = frozenset()
    alternatives: int = 1
    # Road drayage to and from terminals (assumption): up to 500 km, beyond which a shipper
    # books the stretch as a road trip of its own. An origin in the home province reaches the
    # home terminals (Chengdu rail port, airports, Yibin/Luzhou ports) up to 800 km, so that every
    # part of Sichuan (Panzhihua-Chengdu is about 600 km by road) reaches the corridors.
    max_access_km: float = 500.0
    max_home_access_km: float = 800.0
    max_egress_km: float = 500.0


@dataclass(frozen=True)
class _Edge:
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


@dataclass
class _SearchGraph:
    adj: dict[Node, list[_Edge]] = field(default_factory=dict)

    def add(self, edge: _Edge) -> None:
        self.adj.setdefault(edge.src, []).append(edge)


def _reversed(build: Callable[[], LineString]) -> Callable[[], LineString]:
    return lambda: LineString(list(build().coords)[::-1])


def _materialise(geometry: LineString | Callable[[], LineString] | None) -> LineString:
    if geometry is None:
        return LineString()
    if isinstance(geometry, LineString):
        return geometry
    return geometry()


def _weight(charge: Charge, objective: Objective, vot: float) -> float:
    if objective is Objective.TIME:
        return charge.time_h
    if objective is Objective.COST:
        return charge.cost_cny
    if objective is Objective.CO2:
        return charge.co2_kg
    return charge.cost_cny + vot * charge.time_h


class Router:
    """Answers route queries on one service network with one cost and access model.

    Parameters
    ----------
    network : ServiceNetwork
        Terminals, services and measured ride legs.
    costs : CostModel
        Prices every step for a cargo.
    access : AccessModel
        Road trips for access, egress and all-road routes.
    """

    def __init__(
        self,
        network: ServiceNetwork,
        costs: CostModel,
        access: AccessModel,
        *,
        sea_reroute: Callable[[RideLeg, frozenset[str]], RideLeg | None] | None = None,
    ) -> None:
        self.network = network
        self.costs = costs
        self.access = access
        self.sea_reroute = sea_reroute

    def _rides(self, q: Query) -> list[RideLeg]:
        """The ride legs for this query: sea hops re-routed around avoided passages."""
        out: list[RideLeg] = []
        for ride in self.network.rides:
            hit = frozenset(ride.passages) & q.avoid
            if ride.mode is Mode.SEA and hit and self.sea_reroute is not None:
                alt = self.sea_reroute(ride, q.avoid)
                if alt is not None and not (frozenset(alt.passages) & q.avoid):
                    out.append(alt)
                    continue
            out.append(ride)
        return out

    # ------------------------------------------------------------------ graph
    def _service_edges(self, q: Query) -> list[_Edge]:
        net = self.network
        edges: list[_Edge] = []
        service_dist: dict[str, float] = {}
        for ride in net.rides:
            service_dist[ride.service_id] = (
                service_dist.get(ride.service_id, 0.0) + ride.distance_km
            )
        for ride in self._rides(q):
            svc = net.services[ride.service_id]
            a: Node = ("dep", svc.id, str(ride.index))
            b: Node = ("arr", svc.id, str(ride.index + 1))
            share = None
            # A published all-in price is prorated by distance; it applies only to its own unit.
            if (
                svc.tariff_cny_per_unit is not None
                and svc.tariff_unit == q.cargo.unit.value
                and service_dist.get(svc.id)
            ):
                share = svc.tariff_cny_per_unit * ride.distance_km / service_dist[svc.id]
            charge = self.costs.line_haul(
                svc.mode, ride.distance_km, q.cargo, tariff_share_cny=share
            )
            borders: tuple[str, ...] = ()
            if (ride.from_id, ride.to_id) in svc.border_crossings:
                crossing = f"{ride.from_id}-{ride.to_id}"
                charge = charge + self.costs.border(ride.from_id, q.cargo)
                borders = (crossing,)
            gauges: tuple[str, ...] = ()
            for gb in svc.gauge_breaks:
                if gb.at == ride.to_id and ride.index + 2 <= len(svc.waypoints):
                    charge = charge + self.costs.gauge_break(gb.kind, q.cargo)
                    gauges = (f"{gb.at}:{gb.from_mm}->{gb.to_mm}",)
            edges.append(
                _Edge(
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
        for svc in net.services.values():
            for i, stop in enumerate(svc.waypoints):
                # Departure and arrival nodes are distinct, so boarding and alighting at the same
                # stop without riding is impossible; "stay" keeps the cargo on board.
                node: Node = ("dep", svc.id, str(i))
                arrival: Node = ("arr", svc.id, str(i))
                place: Node = ("stop", stop)
                if 0 < i < len(svc.waypoints) - 1:
                    edges.append(
                        _Edge(
                            arrival,
                            node,
                            "stay",
                            svc.mode,
                            svc.id,
                            stop,
                            stop,
                            0.0,
                            Charge(),
                            None,
                            frozenset({stop}),
                        )
                    )
                if i < len(svc.waypoints) - 1:
                    board = self.costs.board(svc.mode, svc.headway_h, q.cargo)
                    # Board from the stop (after another service) or from the road access
                    # node: access nodes lead only to services, so a road access trip can never
                    # run straight into a road egress trip (that is the direct road route).
                    for src in (place, ("in", stop)):
                        edges.append(
                            _Edge(
                                src,
                                node,
                                "board",
                                svc.mode,
                                svc.id,
                                stop,
                                stop,
                                0.0,
                                board,
                                None,
                                frozenset({stop}),
                            )
                        )
                if i > 0:
                    edges.append(
                        _Edge(
                            arrival,
                            place,
                            "alight",
                            svc.mode,
                            svc.id,
                            stop,
                            stop,
                            0.0,
                            self.costs.alight(svc.mode, q.cargo),
                            None,
                            frozenset({stop}),
                        )
                    )
        return edges

    @staticmethod
    def _same_country(endpoint: Endpoint, terminal: Terminal) -> bool:
        """True when a truck between the two crosses no customs border.

        Countries of one customs union count as one territory (EU; EAEU), so a container landed
        at Rotterdam may be trucked to Duisburg without a border charge.
        """
        a, b = endpoint.country, terminal.country
        if not a or not b or a == b:
            return True
        return any(a in union and b in union for union in CUSTOMS_UNIONS)

    def _road_edges(self, q: Query) -> list[_Edge]:
        """Road access, egress and the direct road route.

        Access and egress trips stay within the endpoint's country (a border crossed by truck is
        a service of its own, ``road_international``); the direct road route pays the default
        border charge when origin and destination lie in different countries.
        """
        edges: list[_Edge] = []
        o, d = q.origin, q.destination
        terms = {k: t for k, t in self.network.terminals.items() if self._same_country(o, t)}
        for tid, trip in self.access.road_trips(o.lon, o.lat, terms).items():
            home = o.home and terms[tid].home
            if trip.distance_km <= (q.max_home_access_km if home else q.max_access_km):
                charge = self.costs.line_haul(Mode.ROAD, trip.distance_km, q.cargo)
                edges.append(
                    _Edge(
                        ORIGIN,
                        ("in", tid),
                        "access",
                        Mode.ROAD,
                        None,
                        o.id,
                        tid,
                        trip.distance_km,
                        charge,
                        trip.line,
                        frozenset({tid}),
                        sources=trip.sources,
                    )
                )
        terms = {k: t for k, t in self.network.terminals.items() if self._same_country(d, t)}
        for tid, trip in self.access.road_trips(d.lon, d.lat, terms).items():
            if trip.distance_km <= q.max_egress_km:
                charge = self.costs.line_haul(Mode.ROAD, trip.distance_km, q.cargo)
                geom = _reversed(trip.line)
                edges.append(
                    _Edge(
                        ("stop", tid),
                        DESTINATION,
                        "egress",
                        Mode.ROAD,
                        None,
                        tid,
                        d.id,
                        trip.distance_km,
                        charge,
                        geom,
                        frozenset({tid}),
                        sources=trip.sources,
                    )
                )
        if q.modes is None or Mode.ROAD in q.modes:
            direct = self.access.road_trip((o.lon, o.lat), (d.lon, d.lat))
            if direct is not None:
                charge = self.costs.line_haul(Mode.ROAD, direct.distance_km, q.cargo)
                borders: tuple[str, ...] = ()
                if o.country and d.country and o.country != d.country:
                    charge = charge + self.costs.border("default", q.cargo)
                    borders = (f"{o.country}-{d.country}",)
                edges.append(
                    _Edge(
                        ORIGIN,
                        DESTINATION,
                        "direct",
                        Mode.ROAD,
                        None,
                        o.id,
                        d.id,
                        direct.distance_km,
                        charge,
                        direct.line,
                        frozenset(),
                        borders,
                        sources=direct.sources,
                    )
                )
        return edges

    # ---------------------------------------------------------------- search
    def _allowed(self, edge: _Edge, q: Query, banned: frozenset[str]) -> bool:
        if edge.service is not None and edge.service in banned:
            return False
        if (
            edge.kind in {"ride", "board", "stay", "alight"}
            and q.modes is not None
            and edge.mode not in q.modes
        ):
            return False
        if edge.places & q.avoid:
            return False
        crossing_places = {p for b in edge.borders for p in b.split("-")}
        if crossing_places & q.avoid or set(edge.passages) & q.avoid:
            return False
        return not any(b in q.avoid for b in edge.borders)

    def _shortest(
        self, edges: Sequence[_Edge], q: Query, banned: frozenset[str]
    ) -> list[_Edge] | None:
        graph = _SearchGraph()
        for e in edges:
            if self._allowed(e, q, banned):
                graph.add(e)
        vot = self.costs.value_of_time_cny_per_h(q.cargo)
        via = q.via
        # Layered search: state (node, k) where k vias have been visited in order.
        start = (ORIGIN, 0)
        goal = (DESTINATION, len(via))
        dist: dict[tuple[Node, int], float] = {start: 0.0}
        prev: dict[tuple[Node, int], tuple[tuple[Node, int], _Edge]] = {}
        counter = itertools.count()
        heap: list[tuple[float, int, tuple[Node, int]]] = [(0.0, next(counter), start)]
        while heap:
            du, _, state = heapq.heappop(heap)
            if state == goal:
                break
            if du > dist.get(state, float("inf")):
                continue
            node, k = state
            for e in graph.adj.get(node, ()):
                nk = k
                while nk < len(via) and via[nk] in e.places:
                    nk += 1
                nstate = (e.dst, nk)
                if e.dst == DESTINATION and nk < len(via):
                    continue
                w = max(_weight(e.charge, q.objective, vot), 0.0)
                nd = du + w
                if nd < dist.get(nstate, float("inf")) - 1e-12:
                    dist[nstate] = nd
                    prev[nstate] = (state, e)
                    heapq.heappush(heap, (nd, next(counter), nstate))
        if goal not in dist:
            return None
        path: list[_Edge] = []
        s = goal
        while s != start:
            s, e = prev[s]
            path.append(e)
        return path[::-1]

    # --------------------------------------------------------------- results
    def _to_route(self, path: Sequence[_Edge]) -> Route:
        legs: list[Leg] = []
        i = 0
        while i < len(path):
            e = path[i]
            if e.kind in {"access", "egress", "direct"}:
                if e.kind != "direct" and e.distance_km < 0.05:
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
                        _materialise(e.geometry),
                        dict(e.charge.breakdown),
                        e.borders,
                        (),
                        (),
                        tuple(dict.fromkeys((*e.charge.sources, *e.sources))),
                    )
                )
                i += 1
                continue
            # board, ride..., alight on one service -> one leg
            j = i
            charge = Charge()
            coords: list[tuple[float, float]] = []
            dist_km = 0.0
            borders: list[str] = []
            gauges: list[str] = []
            passages: list[str] = []
            sources: list[str] = []
            while (
                j < len(path)
                and path[j].service == e.service
                and path[j].kind in {"board", "ride", "stay", "alight"}
            ):
                pj = path[j]
                charge = charge + pj.charge
                dist_km += pj.distance_km
                geom = _materialise(pj.geometry)
                if not geom.is_empty:
                    pts = list(geom.coords)
                    coords.extend(pts if not coords else pts[1:])
                borders += pj.borders
                gauges += pj.gauges
                passages += pj.passages
                sources += pj.sources
                j += 1
                if pj.kind == "alight":
                    break
            rides = [p for p in path[i:j] if p.kind == "ride"]
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
                    LineString(coords) if len(coords) > 1 else LineString(),
                    dict(charge.breakdown),
                    tuple(borders),
                    tuple(gauges),
                    tuple(passages),
                    tuple(dict.fromkeys((*sources, *charge.sources))),
                )
            )
            i = j
        # The corridor is that of the longest international service leg (one that crosses a
        # border), else of the longest service leg; a route with no service is "road".
        service_legs = [leg for leg in legs if leg.service is not None]
        if service_legs:
            main = max(service_legs, key=lambda leg: (bool(leg.border_crossings), leg.distance_km))
            corridor = self.network.services[str(main.service)].corridor
        else:
            corridor = "road"
        return Route(tuple(legs), corridor)

    @staticmethod
    def _signature(route: Route) -> tuple[str, ...]:
        gateways = route.border_crossings or tuple(
            leg.from_id for leg in route.legs if leg.mode in {Mode.SEA, Mode.AIR}
        )
        return (route.corridor, *route.modes, *gateways[:1])

    def route(self, q: Query) -> list[Route]:
        """Best route and up to ``q.alternatives - 1`` meaningfully different alternatives.

        Alternatives differ in corridor, gateway (first border crossing, port or airport) or
        main-mode sequence. First every corridor already used is excluded in turn (so the
        alternatives are other corridors); if more routes are asked for than that yields, the
        search goes on excluding only the service of each route's longest leg (another gateway
        or line on the same corridor). Routes whose signature repeats one found are skipped.

        Raises
        ------
        InfeasibleConstraintError
            When a route exists without the query's constraints but none with them; the
            message names the constraint(s) that cannot be met.
        NoRouteError
            When no route exists at all between origin and destination.
        """
        self._check_constraints(q)
        edges = [*self._service_edges(q), *self._road_edges(q)]
        corridor_of = {sid: svc.corridor for sid, svc in self.network.services.items()}
        routes: list[Route] = []
        seen: set[tuple[str, ...]] = set()
        # Pass 1 bans whole corridors (another corridor or main mode); pass 2, if more routes are
        # asked for than corridors exist, bans single services (another gateway or line).
        for by_corridor in (True, False):
            banned: set[str] = set()
            pass_edges = list(edges)
            for route in routes:
                self._ban(route, banned, corridor_of, by_corridor=by_corridor)
                if route.corridor == "road":
                    pass_edges = [e for e in pass_edges if e.kind != "direct"]
            for _ in range(max(1, q.alternatives) * 4):
                if len(routes) >= q.alternatives:
                    break
                path = self._shortest(pass_edges, q, frozenset(banned))
                if path is None:
                    break
                route = self._to_route(path)
                if route.corridor == "road":
                    pass_edges = [e for e in pass_edges if e.kind != "direct"]
                self._ban(route, banned, corridor_of, by_corridor=by_corridor)
                sig = self._signature(route)
                if sig in seen:
                    continue
                seen.add(sig)
                routes.append(route)
            if len(routes) >= q.alternatives:
                break
        if not routes:
            self._explain_failure(q, edges)
        return [Route(r.legs, r.corridor, rank=i + 1) for i, r in enumerate(routes)]

    @staticmethod
    def _ban(
        route: Route, banned: set[str], corridor_of: Mapping[str, str], *, by_corridor: bool
    ) -> None:
        rides = [leg for leg in route.legs if leg.service is not None]
        if not rides:
            return
        main = max(rides, key=lambda leg: leg.distance_km)
        if by_corridor:
            banned.update(s for s, c in corridor_of.items() if c == route.corridor)
        else:
            banned.add(str(main.service))

    def pareto(self, q: Query, *, per_objective: int = 6) -> list[Route]:
        """Routes not dominated in (time, cost, CO2), from alternatives under every objective."""
        pool: list[Route] = []
        for objective in Objective:
            qq = Query(**{**q.__dict__, "objective": objective, "alternatives": per_objective})
            pool.extend(self.route(qq))
        unique: dict[tuple[str, ...], Route] = {}
        for r in pool:
            unique.setdefault((*r.services, r.corridor, str(round(r.distance_km, 3))), r)
        cands = list(unique.values())

        def dominated(a: Route) -> bool:
            av = (a.time_h, a.cost_cny, a.co2_kg)
            for b in cands:
                bv = (b.time_h, b.cost_cny, b.co2_kg)
                if b is not a and all(x <= y for x, y in zip(bv, av, strict=True)) and bv != av:
                    return True
            return False

        front = sorted((r for r in cands if not dominated(r)), key=lambda r: (r.time_h, r.cost_cny))
        return [Route(r.legs, r.corridor, rank=i + 1) for i, r in enumerate(front)]

    # ---------------------------------------------------------------- errors
    def _check_constraints(self, q: Query) -> None:
        for place in (q.origin.id, q.destination.id):
            if place in q.avoid:
                msg = f"--avoid {place}: the origin or destination itself cannot be avoided"
                raise InfeasibleConstraintError(f"avoid={place}", message=msg)
        clash = sorted(set(q.via) & q.avoid)
        if clash:
            msg = f"--via and --avoid both name {', '.join(clash)}"
            raise InfeasibleConstraintError(f"via/avoid={','.join(clash)}", message=msg)

    def _explain_failure(self, q: Query, edges: Sequence[_Edge]) -> None:
        free = Query(q.origin, q.destination, q.cargo, q.objective)
        if self._shortest(edges, free, frozenset()) is None:
            msg = (
                f"no route from {q.origin.name_en} ({q.origin.id}) to {q.destination.name_en} "
                f"({q.destination.id}) on the service network, even without constraints"
            )
            raise NoRouteError(msg)
        culprits: list[str] = []
        checks: Iterable[tuple[str, Query]] = (
            (
                "modes=" + ",".join(sorted(m.value for m in q.modes or ())),
                Query(**{**q.__dict__, "modes": None}),
            ),
            ("via=" + ",".join(q.via), Query(**{**q.__dict__, "via": ()})),
            ("avoid=" + ",".join(sorted(q.avoid)), Query(**{**q.__dict__, "avoid": frozenset()})),
        )
        for label, relaxed in checks:
            if label.endswith("=") or relaxed == q:
                continue
            if self._shortest(edges, relaxed, frozenset()) is not None:
                culprits.append(label)
        what = " and ".join(culprits) if culprits else "the combination of constraints"
        msg = (
            f"no route from {q.origin.id} to {q.destination.id} satisfies {what}; "
            "a route exists without it (constraints are never relaxed silently)"
        )
        raise InfeasibleConstraintError(what, message=msg)
