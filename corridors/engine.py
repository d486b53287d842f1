"""The assembled corridor engine: data in, route estimates out.

Owns: loading everything a route query needs once (place catalog and resolver, sourced
parameters with user overrides, the service catalog, the rail and road layers), measuring the
service network, answering queries in the result contract shared by ``shudao route --json``
and the HTTP API, and :class:`SharedWork` (what two engines answering one request, the baseline
and a scenario, may measure and price once for both).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from corridors.access import RoadAccess, SharedRoadAccess
from corridors.costing import SharedCostModel, changed_keys
from corridors.emissions import method as emissions_method
from corridors.errors import InfeasibleConstraintError
from corridors.models import (
    Cargo,
    CargoUnit,
    Objective,
    RideLeg,
    Route,
    ServiceNetwork,
    Terminal,
)
from corridors.netstore import input_digests, require_network
from corridors.network import Infrastructure, ModeNetwork, no_sea_route, sea_leg
from corridors.params import Parameters, apply_overrides
from corridors.request import RouteRequest, parse_request
from corridors.routing import Router
from corridors.search import AccessLimits, Endpoint, Query
from corridors.services import ServiceRecord
from corridors.tables import load_tables
from corridors.tariffs import ParameterCostModel
from gis.hierarchy import Hierarchy, read_order
from gis.integrity import verify_build
from gis.layers import read_layer
from hubs.models import Place
from hubs.resolver import PlaceResolver
from hubs.tables import Catalog, county_places

SEA_PASSAGES = frozenset(
    {
        "babalmandab", "bosporus", "gibraltar", "suez", "panama", "ormuz", "northwest",
        "malacca", "sunda", "chili", "south_africa", "bering",
    }
)  # fmt: skip


# Sichuan's bounding box (lon/lat), used to tell whether a bare coordinate origin is "home";
# it also covers slivers of neighbouring provinces (approximation, stated).
SICHUAN_BBOX = (97.3, 26.0, 108.6, 34.4)


def endpoint_of(place: Place) -> Terminal:
    """The routing view of a place; ``home`` when it lies in Sichuan.

    A place is home when it has a prefecture adcode, or when it is a bare coordinate inside
    :data:`SICHUAN_BBOX`.
    """
    home = bool(place.adcode) or (
        place.kind.value == "coordinate"
        and SICHUAN_BBOX[0] <= place.lon <= SICHUAN_BBOX[2]
        and SICHUAN_BBOX[1] <= place.lat <= SICHUAN_BBOX[3]
    )
    return Terminal(
        place.id,
        place.name_zh,
        place.name_en,
        place.lon,
        place.lat,
        place.country or "",
        home=home,
    )


@dataclass(frozen=True)
class RouteResult:
    """The answer to a route query (the result contract)."""

    origin: Place
    destination: Place
    cargo: Cargo
    objective: Objective
    routes: tuple[Route, ...]
    parameters_version: str
    names: dict[str, dict[str, str]] = field(default_factory=dict)
    emissions_method: str = ""  # how co2_kg (well-to-wheel) and co2_ttw_kg are computed

    def to_dict(self) -> dict[str, Any]:
        """JSON form shared by the CLI and the API."""
        return {
            "origin": self.origin.to_feature(),
            "destination": self.destination.to_feature(),
            "cargo": self.cargo.to_dict(),
            "objective": self.objective.value,
            "parameters_version": self.parameters_version,
            "emissions_method": self.emissions_method,
            "routes": [r.to_dict(self.names) for r in self.routes],
        }


class SharedWork:
    """Road trips and charges two engines answering one request measure and price once.

    Made by :meth:`between` for the baseline and a scenario engine (a route comparison) and
    passed to :meth:`Engine.answer` of each; every answer equals the one given without it.
    What is shared is keyed on exactly what it depends on:

    - road access and egress trips and the direct road trip (searches on the road layer and
      their drawn lines): when both engines' road access measures alike
      (:meth:`corridors.access.RoadAccess.measures_as`: the same road layer and the same
      ``access.*`` rules), per point and terminal, so closed or added terminals need no rule
      of their own (:class:`corridors.access.SharedRoadAccess`);
    - the charge of each step (:class:`corridors.costing.SharedCostModel`): every one when
      both engines have equal parameters (closures, withdrawn, re-timed or re-priced services,
      added places); when a scenario changes parameters (a border's dwell, the sea handling
      time), those whose charge reads none of the changed keys
      (:func:`corridors.costing.reads`).

    A scenario changing an ``access.*`` rule shares no road trip. An engine that is neither of
    the two is answered as without sharing.
    """

    def __init__(
        self,
        *,
        road: SharedRoadAccess | None,
        costs: tuple[tuple[Parameters, SharedCostModel], ...] = (),
    ) -> None:
        self.road = road
        self.costs = costs

    @classmethod
    def between(cls, a: Engine, b: Engine) -> SharedWork:
        """What engines *a* and *b* may share when both answer one request."""
        road = SharedRoadAccess(a.access) if a.access.measures_as(b.access) else None
        if not (type(a.costs) is type(b.costs) is ParameterCostModel):
            return cls(road=road)
        first = SharedCostModel(a.costs)
        if a.params is b.params or a.params == b.params:
            return cls(road=road, costs=((a.params, first),))
        changed = changed_keys(a.params, b.params)
        second = first.beside(b.costs, frozenset(changed))
        return cls(road=road, costs=((a.params, first), (b.params, second)))

    def cost_model_for(self, engine: Engine) -> SharedCostModel | None:
        """The shared cost model of *engine*'s parameters (None: it prices alone)."""
        if type(engine.costs) is not ParameterCostModel:
            return None
        for params, model in self.costs:
            if engine.params is params or engine.params == params:
                return model
        return None

    def router_for(self, engine: Engine) -> Router:
        """*engine*'s router using what it may share (its own router where it may not)."""
        road = self.road
        access = road if road is not None and engine.access.measures_as(road) else None
        costs = self.cost_model_for(engine)
        if access is None and costs is None:
            return engine.router
        return engine.router.sharing(access=access, costs=costs)


class Engine:
    """Everything loaded once; :meth:`route` answers queries.

    Build it with :meth:`load`.
    """

    def __init__(
        self,
        *,
        catalog: Catalog,
        resolver: PlaceResolver,
        params: Parameters,
        records: tuple[ServiceRecord, ...],
        network: ServiceNetwork,
        road: ModeNetwork,
        hierarchy: Hierarchy,
        timings: dict[str, float],
        build_dir: Path,
    ) -> None:
        self.catalog = catalog
        self.resolver = resolver
        self.params = params
        self.records = records
        self._records_by_id = {r.service.id: r for r in records}
        self.network = network
        self.road = road
        self.hierarchy = hierarchy
        self.timings = timings
        self.build_dir = build_dir
        self.limits = AccessLimits.from_parameters(params)
        self.access = RoadAccess(
            road,
            hierarchy,
            limit_km=self.limits.road_search_limit_km,
            max_offroad_km=self.limits.max_offroad_km,
            max_estimate_km=self.limits.max_estimate_km,
            min_component_nodes=self.limits.min_road_component_nodes,
        )
        self.costs = ParameterCostModel(params)
        self.router = Router(network, self.costs, self.access, sea_reroute=self._sea_reroute)
        self.names = {p.id: {"name_zh": p.name_zh, "name_en": p.name_en} for p in resolver.places}

    @property
    def infra(self) -> Infrastructure:
        """The rail and road layers, loaded on first use.

        Only measuring and checking services need them: route queries use the road layer and
        the stored service network alone.
        """
        cached: Infrastructure | None = getattr(self, "_infra", None)
        if cached is None:
            cached = Infrastructure.load(self.build_dir)
            self._infra = cached
        return cached

    def with_parameters(self, params: Parameters) -> Engine:
        """The same engine priced with other parameters: nothing is loaded or measured again.

        Tariffs, speeds, frequencies' waits, dwell times, emission factors and access limits
        change; the measured network, the road layer and its hierarchy are shared.
        """
        return Engine(
            catalog=self.catalog,
            resolver=self.resolver,
            params=params,
            records=self.records,
            network=self.network,
            road=self.road,
            hierarchy=self.hierarchy,
            timings=dict(self.timings),
            build_dir=self.build_dir,
        )

    def with_overrides(self, overrides: Mapping[str, float]) -> Engine:
        """:meth:`with_parameters` with dotted-key overrides of the current parameters."""
        return self.with_parameters(apply_overrides(self.params, overrides))

    @classmethod
    def load(
        cls,
        *,
        data_dir: Path,
        build_dir: Path,
        parameters_path: Path | None = None,
        overrides: Mapping[str, float] | None = None,
    ) -> Engine:
        """Load the data, apply parameter overrides and read the measured service network.

        Parameters
        ----------
        data_dir : Path
            Curated tables (``places.csv``, ``prefectures.csv``, ``services.toml``,
            ``parameters.toml``).
        build_dir : Path
            Built layers (``shudao data build``).
        parameters_path : Path, optional
            A parameter file replacing ``data_dir/parameters.toml``.
        overrides : mapping, optional
            Dotted-key overrides, e.g. ``{"modes.rail.speed_kph": 45}``.

        Raises
        ------
        gis.integrity.BuildIntegrityError
            (exit 4, HTTP 503) for a partial, altered or corrupt build, and for a stored
            service network measured before ``services.toml``, ``places.csv`` (or another
            input) changed: the tables and the build must be rebuilt together.
        """
        # a partial, altered or corrupt build is refused (exit 4 / 503)
        digests = verify_build(build_dir)
        t0 = time.perf_counter()
        # every problem of every curated table at once (places checked against country extents)
        tables = load_tables(data_dir, parameters_path=parameters_path)
        catalog, params, records = tables.catalog, tables.params, tables.records
        places: list[Place] = list(catalog.places)
        counties_path = build_dir / "counties.parquet"
        if counties_path.exists():
            places += county_places(read_layer(counties_path), catalog.prefectures)
        resolver = PlaceResolver(places)
        if overrides:
            params = apply_overrides(params, overrides)
        t1 = time.perf_counter()
        road = Infrastructure.load_road(build_dir)
        hierarchy = Hierarchy.from_router(road.router, read_order(build_dir, "road"))
        t2 = time.perf_counter()
        terminals = {p.id: endpoint_of(p) for p in catalog.places}
        # the network `shudao data build` measured; refused (never re-measured into the build,
        # which other checkouts may share) when the tables changed since
        inputs = input_digests(data_dir, build_dir, digests=digests)
        network = require_network(build_dir, records, terminals, inputs=inputs)
        t3 = time.perf_counter()
        timings = {
            "tables_s": round(t1 - t0, 3),
            "road_s": round(t2 - t1, 3),
            "service_network_s": round(t3 - t2, 3),
        }
        return cls(
            catalog=catalog,
            resolver=resolver,
            params=params,
            records=records,
            network=network,
            road=road,
            hierarchy=hierarchy,
            timings=timings,
            build_dir=build_dir,
        )

    def sea_closed(self, ride: RideLeg) -> frozenset[str]:
        """The passages *ride* (a sea hop) was measured around: its service's sea routing.

        ``northwest`` always; ``suez`` too for a service routed round the Cape
        (``sea_via = "cape"`` in ``services.toml``).
        """
        rec = self._records_by_id.get(ride.service_id)
        if rec is not None and rec.sea_via == "cape":
            return frozenset({"northwest", "suez"})
        return frozenset({"northwest"})

    def _sea_reroute(self, ride: RideLeg, avoid: frozenset[str]) -> RideLeg | None:
        # the ride's own closures stay closed (a Cape-routed service avoiding Malacca does not
        # sail through Suez); stored variants answer most sets, the rest is measured now
        blocked = tuple(sorted(self.sea_closed(ride) | (avoid & SEA_PASSAGES)))
        a = self.network.terminals[ride.from_id]
        b = self.network.terminals[ride.to_id]
        km, geom, passages = sea_leg(
            self.network.sea_variants, (a.lon, a.lat), (b.lon, b.lat), blocked
        )
        if no_sea_route(km):
            return None  # no voyage avoids them: the ride stays as it was, and avoided
        return RideLeg(
            ride.service_id,
            ride.index,
            ride.from_id,
            ride.to_id,
            ride.mode,
            km,
            geom,
            passages,
            f"avoiding {','.join(blocked)}",
            ride.sources,
        )

    def endpoint(self, query: str) -> tuple[Place, Endpoint]:
        """Resolve a place query to a place and a routing endpoint."""
        place = self.resolver.resolve(query)
        return place, endpoint_of(place)

    def cargo(self, unit: str, quantity: float) -> Cargo:
        """A cargo of *quantity* *unit* with its mass from the parameters."""
        cu = CargoUnit(unit)
        return Cargo(cu, quantity, self.params.tonnes(cu.value, quantity))

    def route(self, origin: str, destination: str, **options: Any) -> RouteResult:
        """Routes between two places (names, codes or ``lon,lat``) for a cargo.

        *options* are the fields of :class:`corridors.request.RouteOptions` (``unit``,
        ``quantity``, ``modes``, ``via``, ``avoid``, ``objective``, ``alternatives``,
        ``pareto``), validated by :func:`corridors.request.parse_request`; see :meth:`answer`.
        """
        return self.answer(parse_request({"origin": origin, "destination": destination, **options}))

    def answer(self, req: RouteRequest, *, shared: SharedWork | None = None) -> RouteResult:
        """The routes of a validated request.

        ``avoid`` takes places (resolved like origin and destination: cities, border crossings,
        ports) and sea passages (``suez``, ``babalmandab``, ``malacca``, ``panama``, ...).
        *shared*: road trips and charges shared with another engine answering the same request
        (:class:`SharedWork`); the answer is the same as without.

        Raises
        ------
        UnknownPlaceError
            For a place that is not known (with suggestions).
        InfeasibleConstraintError, NoRouteError
            See :meth:`corridors.routing.Router.route`.
        """
        origin, destination = req.origin, req.destination
        modes, via, avoid = req.modes, req.via, req.avoid
        objective, alternatives, pareto = req.objective, req.alternatives, req.pareto
        unit, quantity = req.unit.value, req.quantity
        o_place, o = self.endpoint(origin)
        d_place, d = self.endpoint(destination)
        mode_set = frozenset(modes) if modes is not None else None
        avoid_ids: set[str] = set()
        for item in avoid:
            key = item.strip().lower()
            if key in SEA_PASSAGES:
                avoid_ids.add(key)
            else:
                avoid_ids.add(self.resolver.resolve(item).id)
        via_ids = tuple(self.resolver.resolve(v).id for v in via)
        unknown_via = [v for v in via_ids if v not in self.network.terminals]
        if unknown_via:
            msg = (
                f"via {', '.join(unknown_via)}: not a terminal of any service, so no route "
                "can pass through it"
            )
            raise InfeasibleConstraintError(f"via={','.join(unknown_via)}", message=msg)
        q = Query(
            origin=o,
            destination=d,
            cargo=self.cargo(unit, quantity),
            limits=self.limits,
            objective=Objective(objective),
            modes=mode_set,
            via=via_ids,
            avoid=frozenset(avoid_ids),
            alternatives=alternatives,
        )
        router = self.router if shared is None else shared.router_for(self)
        with self.hierarchy.session():  # one set of road query objects for the whole answer
            routes = router.pareto(q) if pareto else router.route(q)
        dated = tuple(self.price_dated(r, q.cargo) for r in routes)
        return RouteResult(
            o_place,
            d_place,
            q.cargo,
            q.objective,
            dated,
            self.params.version,
            self.names,
            emissions_method(self.params),
        )

    def price_dated(self, route: Route, cargo: Cargo) -> Route:
        """*route* with each leg's ``prices_as_of``: the date of the line-haul price it uses."""
        services = self.network.services
        legs = tuple(
            replace(
                leg,
                prices_as_of=self.costs.prices_as_of(
                    leg.mode, cargo, services.get(leg.service) if leg.service else None
                ),
            )
            for leg in route.legs
        )
        return replace(route, legs=legs)
