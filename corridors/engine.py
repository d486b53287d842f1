"""The assembled corridor engine: data in, route estimates out.

Owns: loading everything a route query needs once (place catalog and resolver, sourced
parameters with user overrides, the service catalog, the rail and road layers), measuring the
service network, and answering queries in the result contract shared by ``shudao route --json``
and the HTTP API.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from corridors.access import RoadAccess
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
from corridors.network import Infrastructure, ModeNetwork, sea_trip
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
        self.network = network
        self.road = road
        self.hierarchy = hierarchy
        self.timings = timings
        self.build_dir = build_dir
        self.limits = AccessLimits.from_parameters(params)
        self.access = RoadAccess(road, hierarchy, limit_km=self.limits.road_search_limit_km)
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

    def _sea_reroute(self, ride: RideLeg, avoid: frozenset[str]) -> RideLeg | None:
        blocked = tuple(sorted((avoid & SEA_PASSAGES) | {"northwest"}))
        a = self.network.terminals[ride.from_id]
        b = self.network.terminals[ride.to_id]
        km, geom, passages = sea_trip((a.lon, a.lat), (b.lon, b.lat), blocked)
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

    def answer(self, req: RouteRequest) -> RouteResult:
        """The routes of a validated request.

        ``avoid`` takes places (resolved like origin and destination: cities, border crossings,
        ports) and sea passages (``suez``, ``babalmandab``, ``malacca``, ``panama``, ...).

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
        with self.hierarchy.session():  # one set of road query objects for the whole answer
            routes = self.router.pareto(q) if pareto else self.router.route(q)
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
