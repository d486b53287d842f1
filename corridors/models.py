"""Typed values of the corridor engine: modes, cargo, services, ride legs, routes.

Owns: the frozen dataclasses that cross package boundaries (``Service``, ``RideLeg``,
``SeaVariant``/``SeaVariants``, ``ServiceNetwork``, ``Cargo``, ``Leg``, ``Route``,
``RouteResult``) and their JSON form (the result contract of ``shudao route --json`` and
``GET /v1/route``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from shapely.geometry import LineString

from gis.crs import split_antimeridian


class Mode(StrEnum):
    """Main transport modes (names used everywhere: CLI, API, parameters, services)."""

    ROAD = "road"
    RAIL = "rail"
    SEA = "sea"
    INLAND_WATERWAY = "inland_waterway"
    AIR = "air"


class Objective(StrEnum):
    """What a route query minimises."""

    TIME = "time"
    COST = "cost"
    CO2 = "co2"
    GENERALIZED = "generalized"


class CargoUnit(StrEnum):
    """Units a cargo quantity is given in."""

    FEU = "FEU"
    TEU = "TEU"
    TONNE = "tonne"
    KG = "kg"


@dataclass(frozen=True)
class Cargo:
    """A consignment: ``quantity`` of ``unit`` weighing ``tonnes`` in total."""

    unit: CargoUnit
    quantity: float
    tonnes: float

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"unit": self.unit.value, "quantity": self.quantity, "tonnes": round(self.tonnes, 6)}


@dataclass(frozen=True)
class GaugeBreak:
    """A break of gauge at a waypoint (transshipment or bogie exchange)."""

    at: str
    from_mm: int
    to_mm: int

    @property
    def kind(self) -> str:
        """Parameter key of this break, e.g. ``1435_1520`` (direction-free)."""
        lo, hi = sorted((self.from_mm, self.to_mm))
        return f"{lo}_{hi}"


@dataclass(frozen=True)
class Service:
    """A scheduled service: ordered waypoints (place ids) served by one mode."""

    id: str
    name_en: str
    name_zh: str
    corridor: str
    mode: Mode
    operator: str
    waypoints: tuple[str, ...]
    frequency_per_week: float
    border_crossings: tuple[tuple[str, str], ...] = ()
    gauge_breaks: tuple[GaugeBreak, ...] = ()
    passages: tuple[str, ...] = ()
    tariff_cny_per_unit: float | None = None
    tariff_unit: str | None = None
    sources: tuple[str, ...] = ()
    tariff_as_of: str | None = None
    vehicle: str | None = None  # emission vehicle type (corridors.emissions); None = mode default

    @property
    def headway_h(self) -> float:
        """Hours between departures."""
        return 168.0 / self.frequency_per_week

    def published_tariff_cny(self, unit: str) -> float | None:
        """The service's published all-in price per *unit* (CNY), or None when it has none.

        A published price applies only to its own unit; other units pay the mode's per-km
        tariff.
        """
        if self.tariff_cny_per_unit is not None and self.tariff_unit == unit:
            return self.tariff_cny_per_unit
        return None


@dataclass(frozen=True)
class RideLeg:
    """One hop of a service between consecutive waypoints, measured on the infrastructure."""

    service_id: str
    index: int
    from_id: str
    to_id: str
    mode: Mode
    distance_km: float
    geometry: LineString
    passages: tuple[str, ...] = ()
    variant: str = "default"
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Terminal:
    """A place where services stop (or a route endpoint): id, names, lon/lat, country.

    ``home`` marks places in the home province (Sichuan): a home origin reaches home terminals by
    road over a longer distance than other trips (see :class:`corridors.routing.Query`).
    """

    id: str
    name_zh: str
    name_en: str
    lon: float
    lat: float
    country: str = ""
    home: bool = False


LonLat = tuple[float, float]


@dataclass(frozen=True)
class SeaVariant:
    """One sea hop measured by the sea router with some passages closed.

    ``restrictions`` are the passages the router was told to avoid (sorted, as
    :func:`corridors.network.sea_restrictions` normalises them); ``passages`` those the measured
    voyage traverses.
    """

    from_id: str
    to_id: str
    origin: LonLat
    destination: LonLat
    restrictions: tuple[str, ...]
    distance_km: float
    geometry: LineString
    passages: tuple[str, ...]


@dataclass(frozen=True)
class SeaVariants:
    """Sea hops measured at build time under several passage closures, looked up at apply time.

    Keyed by the hop's (origin, destination) lon/lat, so that any service sailing between the
    same two ports finds them. :meth:`lookup` answers a set of closed passages *R* with

    - the variant measured under exactly *R*, or else
    - a variant measured under a subset *S* of *R* whose voyage traverses no passage of *R*:
      the sea router gives closed passages an infinite weight and snaps the ends regardless of
      closures, so a shortest voyage under *S* that avoids *R* is feasible under *R*, and no
      voyage under *R* (a subset of those allowed under *S*) is shorter: it is the shortest
      under *R* too (its length; an exact tie could pick another geometry of the same length).

    Anything else is not stored (None): the caller measures it.
    """

    by_hop: Mapping[tuple[LonLat, LonLat], tuple[SeaVariant, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, variants: Iterable[SeaVariant]) -> SeaVariants:
        """Group *variants* by hop (each hop's variants sorted by restrictions)."""
        hops: dict[tuple[LonLat, LonLat], list[SeaVariant]] = {}
        for v in variants:
            hops.setdefault((v.origin, v.destination), []).append(v)
        return cls(
            {k: tuple(sorted(vs, key=lambda v: (len(v.restrictions), v.restrictions)))
             for k, vs in sorted(hops.items())}
        )  # fmt: skip

    def __len__(self) -> int:
        return sum(len(vs) for vs in self.by_hop.values())

    def __iter__(self) -> Iterator[SeaVariant]:
        for vs in self.by_hop.values():
            yield from vs

    def lookup(
        self, origin: LonLat, destination: LonLat, restrictions: Iterable[str]
    ) -> SeaVariant | None:
        """The stored voyage under *restrictions* (normalised), or None when none answers it."""
        found = self.by_hop.get((origin, destination))
        if not found:
            return None
        want = frozenset(restrictions)
        answer: SeaVariant | None = None
        for v in found:  # fewest restrictions first: the exact match or the widest subset wins
            have = frozenset(v.restrictions)
            if have == want:
                return v
            if have <= want and not want.intersection(v.passages):
                answer = v
        return answer


@dataclass(frozen=True)
class ServiceNetwork:
    """The service layer: terminals, services and their measured ride legs."""

    terminals: dict[str, Terminal]
    services: dict[str, Service]
    rides: tuple[RideLeg, ...]
    notes: tuple[str, ...] = ()
    # service id -> corridors.network.ServiceMeasurement (what the build measured and checked)
    measurements: dict[str, Any] = field(default_factory=dict)
    # sea hops measured with passages closed (Suez, the Cape, ...): scenarios and ``avoid``
    # look them up instead of running the sea router again
    sea_variants: SeaVariants = field(default_factory=SeaVariants)


@dataclass(frozen=True)
class Leg:
    """One leg of a route as reported: a road access/egress trip or a ride on one service."""

    from_id: str
    to_id: str
    mode: Mode
    service: str | None
    distance_km: float
    time_h: float
    cost_cny: float
    co2_kg: float
    geometry: LineString
    breakdown: dict[str, float] = field(default_factory=dict)
    border_crossings: tuple[str, ...] = ()
    gauge_breaks: tuple[str, ...] = ()
    passages: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    customs: tuple[str, ...] = ()
    prices_as_of: str | None = None
    co2_ttw_kg: float = 0.0  # tank-to-wheel; co2_kg is well-to-wheel (ISO 14083)

    @property
    def wait_h(self) -> float:
        """Expected wait for a departure (half the headway), from the breakdown's ``wait_h``."""
        return self.breakdown.get("wait_h", 0.0)

    @property
    def moving_h(self) -> float:
        """Time moving on the line (the breakdown's ``line_haul_h``)."""
        return self.breakdown.get("line_haul_h", 0.0)

    @property
    def stops_h(self) -> float:
        """Time neither moving nor waiting for a departure (``time_h - moving_h - wait_h``).

        Terminal handling, borders, gauge breaks, transfers, transhipment dwell, rest.
        """
        return self.time_h - self.moving_h - self.wait_h

    def to_dict(self, names: dict[str, dict[str, str]]) -> dict[str, Any]:
        """JSON form (numbers rounded to 6 decimals; ``co2_kg`` is well-to-wheel).

        ``border_crossings`` are land borders crossed by rail or road; ``customs`` are the
        customs clearances of a sea, river or air leg between countries (port of loading to
        port of discharge), which cross no land border.
        """
        return {
            "from": self.from_id,
            "from_name": names.get(self.from_id, {}),
            "to": self.to_id,
            "to_name": names.get(self.to_id, {}),
            "mode": self.mode.value,
            "service": self.service,
            "distance_km": round(self.distance_km, 6),
            "time_h": round(self.time_h, 6),
            "cost_cny": round(self.cost_cny, 6),
            "co2_kg": round(self.co2_kg, 6),
            "co2_ttw_kg": round(self.co2_ttw_kg, 6),
            "breakdown": {k: round(v, 6) for k, v in sorted(self.breakdown.items())},
            "border_crossings": list(self.border_crossings),
            "gauge_breaks": list(self.gauge_breaks),
            "passages": list(self.passages),
            "sources": list(self.sources),
            "customs": list(self.customs),
            "moving_h": round(self.moving_h, 6),
            "wait_h": round(self.wait_h, 6),
            "stops_h": round(self.stops_h, 6),
            "prices_as_of": self.prices_as_of,
        }


@dataclass(frozen=True)
class Route:
    """A complete origin-to-destination route; totals are the sums of its legs."""

    legs: tuple[Leg, ...]
    corridor: str
    rank: int = 0

    @property
    def modes(self) -> tuple[str, ...]:
        """Modes in travel order, without repeats in a row."""
        out: list[str] = []
        for leg in self.legs:
            if not out or out[-1] != leg.mode.value:
                out.append(leg.mode.value)
        return tuple(out)

    @property
    def distance_km(self) -> float:
        """Total distance."""
        return sum(leg.distance_km for leg in self.legs)

    @property
    def time_h(self) -> float:
        """Total time."""
        return sum(leg.time_h for leg in self.legs)

    @property
    def cost_cny(self) -> float:
        """Total cost."""
        return sum(leg.cost_cny for leg in self.legs)

    @property
    def co2_kg(self) -> float:
        """Total CO2e, well-to-wheel."""
        return sum(leg.co2_kg for leg in self.legs)

    @property
    def co2_ttw_kg(self) -> float:
        """Total CO2e, tank-to-wheel."""
        return sum(leg.co2_ttw_kg for leg in self.legs)

    @property
    def border_crossings(self) -> tuple[str, ...]:
        """Border crossings in travel order."""
        return tuple(b for leg in self.legs for b in leg.border_crossings)

    @property
    def gauge_breaks(self) -> tuple[str, ...]:
        """Gauge breaks in travel order."""
        return tuple(g for leg in self.legs for g in leg.gauge_breaks)

    @property
    def passages(self) -> tuple[str, ...]:
        """Sea passages in travel order."""
        return tuple(p for leg in self.legs for p in leg.passages)

    @property
    def services(self) -> tuple[str, ...]:
        """Services used, in order."""
        return tuple(leg.service for leg in self.legs if leg.service)

    @property
    def wait_h(self) -> float:
        """Total expected wait for departures (part of :attr:`time_h`)."""
        return sum(leg.wait_h for leg in self.legs)

    @property
    def moving_h(self) -> float:
        """Total time moving on the lines (part of :attr:`time_h`)."""
        return sum(leg.moving_h for leg in self.legs)

    @property
    def stops_h(self) -> float:
        """Total time at terminals, borders and transfers (``time_h - moving_h - wait_h``)."""
        return sum(leg.stops_h for leg in self.legs)

    @property
    def prices_as_of(self) -> str | None:
        """Date of the oldest dated price the route uses (ISO date), None if none is dated.

        An estimate is no fresher than its oldest price; legs priced on an undated assumption
        carry ``prices_as_of = None``.
        """
        dates = [leg.prices_as_of for leg in self.legs if leg.prices_as_of]
        return min(dates) if dates else None

    def geometry(self) -> dict[str, Any]:
        """GeoJSON MultiLineString of the legs (WGS84, 6 decimals)."""
        parts = [
            [(round(x, 6), round(y, 6)) for x, y in part]
            for leg in self.legs
            if not leg.geometry.is_empty and len(leg.geometry.coords) > 1
            for part in split_antimeridian(list(leg.geometry.coords))
        ]
        return {
            "type": "MultiLineString",
            "coordinates": [[list(p) for p in part] for part in parts],
        }

    def to_dict(self, names: dict[str, dict[str, str]]) -> dict[str, Any]:
        """JSON form of the route (the result contract)."""
        return {
            "rank": self.rank,
            "corridor": self.corridor,
            "modes": list(self.modes),
            "services": list(self.services),
            "distance_km": round(self.distance_km, 6),
            "time_h": round(self.time_h, 6),
            "cost_cny": round(self.cost_cny, 6),
            "co2_kg": round(self.co2_kg, 6),
            "co2_ttw_kg": round(self.co2_ttw_kg, 6),
            "border_crossings": list(self.border_crossings),
            "gauge_breaks": list(self.gauge_breaks),
            "passages": list(self.passages),
            "legs": [leg.to_dict(names) for leg in self.legs],
            "geometry": self.geometry(),
            "moving_h": round(self.moving_h, 6),
            "wait_h": round(self.wait_h, 6),
            "stops_h": round(self.stops_h, 6),
            "prices_as_of": self.prices_as_of,
        }
