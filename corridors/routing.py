"""Route queries over the service network: alternatives, Pareto set, explanations.

Owns: :class:`Router`, which answers a :class:`corridors.search.Query` with the best route and
meaningfully different alternatives, or the Pareto set over (time, cost, CO2), and explains
infeasible constraints. Nothing is relaxed silently: a constraint that cannot be met raises
:class:`corridors.errors.InfeasibleConstraintError` naming it. The edges, rules and the path
search are the shared search core, :mod:`corridors.search`.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Generic, TypeVar

from corridors.access import AccessModel, RoadAccess
from corridors.costing import CostModel
from corridors.errors import InfeasibleConstraintError, NoRoadAccessError, NoRouteError
from corridors.models import Cargo, Mode, Objective, RideLeg, Route, ServiceNetwork
from corridors.network import OFF_NETWORK_CIRCUITY
from corridors.search import (
    Endpoint,
    Query,
    SearchEdge,
    SearchGraph,
    access_cap_km,
    access_terminals,
    path_to_route,
    road_edges,
    service_edges,
)
from gis.crs import geodesic_distance_m

# Priced service edges kept per (cargo, avoided places and passages): they do not depend on the
# origin or destination, so repeated queries for one cargo reuse them.
SERVICE_EDGE_CACHE = 64

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LruCache(Generic[K, V]):
    """A small thread-safe least-recently-used cache of values made on demand.

    Two threads that miss the same key may both make the value; the last one is kept (the
    values here are pure functions of the key).
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_make(self, key: K, make: Callable[[], V]) -> V:
        """The value of *key*, made by *make* (outside the lock) when not cached."""
        with self._lock:
            hit = self._data.get(key)
            if hit is not None:
                self._data.move_to_end(key)
                return hit
        value = make()
        with self._lock:
            self._data[key] = value
            while len(self._data) > self.size:
                self._data.popitem(last=False)
        return value


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
    sea_reroute : callable, optional
        ``sea_reroute(ride, avoid)``: a sea hop measured again around the avoided passages.
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
        self.corridor_of = {sid: svc.corridor for sid, svc in network.services.items()}
        self._edges: LruCache[tuple[Cargo, frozenset[str]], list[SearchEdge]] = LruCache(
            SERVICE_EDGE_CACHE
        )
        self._graphs: LruCache[
            tuple[Cargo, frozenset[str], frozenset[Mode] | None, Objective], SearchGraph
        ] = LruCache(SERVICE_EDGE_CACHE)

    def sharing(self, *, access: AccessModel | None, costs: CostModel | None) -> Router:
        """A copy of this router with another access model and/or cost model answering the same.

        For :class:`corridors.engine.SharedWork`: *access* and *costs* must give exactly the
        trips and charges of this router's own (remembered ones), so the copy keeps sharing the
        caches of priced service edges and graphs with this router.
        """
        out = copy.copy(self)
        if access is not None:
            out.access = access
        if costs is not None:
            out.costs = costs
        return out

    def rides(self, q: Query) -> list[RideLeg]:
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

    def service_edges(self, q: Query) -> list[SearchEdge]:
        """The priced service edges of *q*'s cargo and avoid set (cached)."""
        return self._edges.get_or_make(
            (q.cargo, q.avoid),
            lambda: service_edges(self.network, self.costs, q.cargo, self.rides(q)),
        )

    def graph(self, edges: list[SearchEdge], q: Query) -> SearchGraph:
        """The search graph of *q* over *edges* (allowed edges, weighed)."""
        return SearchGraph.build(edges, q, vot=self.costs.value_of_time_cny_per_h(q.cargo))

    def query_graph(self, q: Query, road: list[SearchEdge]) -> SearchGraph:
        """The search graph of *q*: its cached service part plus the query's *road* edges."""
        vot = self.costs.value_of_time_cny_per_h(q.cargo)
        base = self._graphs.get_or_make(
            (q.cargo, q.avoid, q.modes, q.objective),
            lambda: SearchGraph.build(self.service_edges(q), q, vot=vot),
        )
        return base.extended(road, q, vot=vot)

    def shortest(
        self, edges: list[SearchEdge], q: Query, banned: frozenset[str] = frozenset()
    ) -> list[SearchEdge] | None:
        """The best path of *q* over *edges*, services in *banned* excluded."""
        return self.graph(edges, q).shortest(q, banned)

    def to_route(self, path: list[SearchEdge], q: Query, *, geometry: bool = True) -> Route:
        """The route of a path found for *q* (legs without lines unless ``geometry``)."""
        return path_to_route(path, self.network, q.limits, geometry=geometry)

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
        road = road_edges(self.network, self.costs, self.access, q)
        found = self._routes(q, road, geometry=True)
        if not found:
            self._explain_failure(q, [*self.service_edges(q), *road])
        return [Route(r.legs, r.corridor, rank=i + 1) for i, (r, _) in enumerate(found)]

    def _routes(
        self,
        q: Query,
        road: list[SearchEdge],
        *,
        geometry: bool,
        seen_paths: dict[tuple[int, ...], Route] | None = None,
    ) -> list[tuple[Route, list[SearchEdge]]]:
        """The routes of :meth:`route` with the path behind each, given the query's *road* edges.

        *seen_paths* (path edge ids -> route) lets several searches over one graph (the
        objectives of a Pareto set) turn each distinct path into a route once.
        """
        graph = self.query_graph(q, road)
        corridor_of = self.corridor_of
        routes: list[Route] = []
        paths: list[list[SearchEdge]] = []
        seen: set[tuple[str, ...]] = set()
        # Pass 1 bans whole corridors (another corridor or main mode); pass 2, if more routes are
        # asked for than corridors exist, bans single services (another gateway or line).
        for by_corridor in (True, False):
            banned: set[str] = set()
            direct = True
            for route in routes:
                self._ban(route, banned, corridor_of, by_corridor=by_corridor)
                if route.corridor == "road":
                    direct = False
            for _ in range(max(1, q.alternatives) * 4):
                if len(routes) >= q.alternatives:
                    break
                path = graph.shortest(q, frozenset(banned), direct=direct)
                if path is None:
                    break
                pkey = tuple(id(e) for e in path)
                known = seen_paths.get(pkey) if seen_paths is not None else None
                route = known or self.to_route(path, q, geometry=geometry)
                if seen_paths is not None:
                    seen_paths[pkey] = route
                if route.corridor == "road":
                    direct = False
                self._ban(route, banned, corridor_of, by_corridor=by_corridor)
                sig = self._signature(route)
                if sig in seen:
                    continue
                seen.add(sig)
                routes.append(route)
                paths.append(path)
            if len(routes) >= q.alternatives:
                break
        return list(zip(routes, paths, strict=True))

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
        """Routes not dominated in (time, cost, CO2), from alternatives under every objective.

        The search graph is built once and shared by the objectives; candidates are compared
        without their lines, which are drawn for the routes of the front only.
        """
        self._check_constraints(q)
        road = road_edges(self.network, self.costs, self.access, q)
        pool: list[tuple[Route, list[SearchEdge]]] = []
        seen_paths: dict[tuple[int, ...], Route] = {}
        for objective in Objective:
            qq = q.relaxed(objective=objective, alternatives=per_objective)
            pool.extend(self._routes(qq, road, geometry=False, seen_paths=seen_paths))
        if not pool:
            self._explain_failure(q, [*self.service_edges(q), *road])
        unique: dict[tuple[str, ...], tuple[Route, list[SearchEdge]]] = {}
        for r, path in pool:
            unique.setdefault((*r.services, r.corridor, str(round(r.distance_km, 3))), (r, path))
        cands = list(unique.values())

        def dominated(a: Route) -> bool:
            av = (a.time_h, a.cost_cny, a.co2_kg)
            for b, _ in cands:
                bv = (b.time_h, b.cost_cny, b.co2_kg)
                if b is not a and all(x <= y for x, y in zip(bv, av, strict=True)) and bv != av:
                    return True
            return False

        front = sorted(
            ((r, p) for r, p in cands if not dominated(r)),
            key=lambda rp: (rp[0].time_h, rp[0].cost_cny),
        )
        drawn = [self.to_route(p, q) for _, p in front]
        return [Route(r.legs, r.corridor, rank=i + 1) for i, r in enumerate(drawn)]

    # ---------------------------------------------------------------- errors
    def _check_constraints(self, q: Query) -> None:
        for place in (q.origin.id, q.destination.id):
            if place in q.avoid:
                msg = f"avoid={place}: the origin or destination itself cannot be avoided"
                raise InfeasibleConstraintError(f"avoid={place}", message=msg)
        clash = sorted(set(q.via) & q.avoid)
        if clash:
            msg = f"via and avoid both name {', '.join(clash)}"
            raise InfeasibleConstraintError(f"via/avoid={','.join(clash)}", message=msg)

    def _explain_failure(self, q: Query, edges: list[SearchEdge]) -> None:
        free = Query(q.origin, q.destination, q.cargo, q.limits, q.objective)
        if self.shortest(edges, free) is None:
            head = (
                f"no route from {q.origin.name_en} ({q.origin.id}) to {q.destination.name_en} "
                f"({q.destination.id})"
            )
            for end, point in (("origin", q.origin), ("destination", q.destination)):
                problem = self._road_access_problem(q, point, end=end, head=head)
                if problem is not None:
                    raise problem
            msg = f"{head} on the service network, even without constraints"
            raise NoRouteError(msg)
        culprits: list[str] = []
        checks: Iterable[tuple[str, Query]] = (
            (
                "modes=" + ",".join(sorted(m.value for m in q.modes or ())),
                q.relaxed(modes=None),
            ),
            ("via=" + ",".join(q.via), q.relaxed(via=())),
            ("avoid=" + ",".join(sorted(q.avoid)), q.relaxed(avoid=frozenset())),
        )
        for label, relaxed in checks:
            if label.endswith("=") or relaxed == q:
                continue
            if self.shortest(edges, relaxed) is not None:
                culprits.append(label)
        what = " and ".join(culprits) if culprits else "the combination of constraints"
        msg = (
            f"no route from {q.origin.id} to {q.destination.id} satisfies {what}; "
            "a route exists without it (constraints are never relaxed silently)"
        )
        raise InfeasibleConstraintError(what, message=msg)

    def _road_access_problem(
        self, q: Query, point: Endpoint, *, end: str, head: str
    ) -> NoRoadAccessError | None:
        """Why *point* reaches no terminal by road within the access rules, or None if it does.

        Only the road layer's access model (:class:`corridors.access.RoadAccess`) can say; the
        distances are those the rules use: the gap to the nearest road link the point may
        attach to, road km on the network, or geodesic x 1.3 where trips are estimated.
        """
        access = self.access
        if not isinstance(access, RoadAccess) or point.id in self.network.terminals:
            return None
        terms = access_terminals(self.network, point)
        if not terms:
            return None
        limits = q.limits

        def cap(tid: str) -> tuple[float, str]:
            if end == "destination":
                return limits.max_egress_km, "access.max_egress_km"
            km = access_cap_km(point, terms[tid], limits)
            home = km == limits.max_home_access_km and point.home and terms[tid].home
            return km, "access.max_home_access_km" if home else "access.max_access_km"

        trips = access.road_trips(point.lon, point.lat, terms)
        if any(t.distance_km <= cap(tid)[0] for tid, t in trips.items()):
            return None
        gap = access.snap(point.lon, point.lat).gap_km
        label = f"the {end} {point.name_en} ({point.id})"
        if gap > limits.max_offroad_km:
            geo = {
                tid: float(geodesic_distance_m(point.lon, point.lat, t.lon, t.lat)) / 1000.0
                for tid, t in terms.items()
            }
            tid = min(geo, key=lambda k: (geo[k], k))
            est = geo[tid] * OFF_NETWORK_CIRCUITY
            reason = (
                f"{label} lies {gap:.1f} km from the nearest road link, beyond the "
                f"{limits.max_offroad_km:g} km a road trip may start off the road network "
                f"(access.max_offroad_km); an estimated trip (geodesic x "
                f"{OFF_NETWORK_CIRCUITY:g}) reaches at most {limits.max_estimate_km:g} km "
                f"(access.max_estimate_km), and the nearest terminal, "
                f"{terms[tid].name_en} ({tid}), is {est:.0f} km away"
            )
            return NoRoadAccessError(
                f"{head}: {reason}",
                place_id=point.id,
                end=end,
                road_gap_km=round(gap, 6),
                parameter="access.max_offroad_km",
                limit_km=limits.max_offroad_km,
                nearest_terminal=tid,
                nearest_terminal_km=round(est, 6),
            )
        if trips:
            tid = min(trips, key=lambda k: (trips[k].distance_km, k))
            km = trips[tid].distance_km
            limit, key = cap(tid)
            reason = (
                f"{label} lies {gap:.1f} km from the nearest road link; the nearest terminal "
                f"by road, {terms[tid].name_en} ({tid}), is {km:.0f} km away, beyond the "
                f"{limit:g} km of road {'egress' if end == 'destination' else 'access'} ({key})"
            )
            return NoRoadAccessError(
                f"{head}: {reason}",
                place_id=point.id,
                end=end,
                road_gap_km=round(gap, 6),
                parameter=key,
                limit_km=limit,
                nearest_terminal=tid,
                nearest_terminal_km=round(km, 6),
            )
        reason = (
            f"{label} lies {gap:.1f} km from the nearest road link, and no terminal is "
            f"connected to that link by road within {limits.road_search_limit_km:g} km "
            "(access.road_search_limit_km)"
        )
        return NoRoadAccessError(
            f"{head}: {reason}",
            place_id=point.id,
            end=end,
            road_gap_km=round(gap, 6),
            parameter="access.road_search_limit_km",
            limit_km=limits.road_search_limit_km,
        )
