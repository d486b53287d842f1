"""Cost model: what one ride, transfer, border crossing or gauge break costs in time, money, CO2.

Owns: the :class:`CostModel` protocol the router relies on, :class:`Charge`, the priced
outcome of one step, and :class:`SharedCostModel` (a cost model whose charges are remembered, so
two engines price each step once where their parameters agree, with :func:`reads`, the
parameters each step's charge depends on). Costs are pure functions of (step,
cargo, parameters), so a tariff what-if never rebuilds the graph. The implementation over the
sourced parameter file is :class:`corridors.tariffs.ParameterCostModel`.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel

from corridors.models import Cargo, Mode


@dataclass(frozen=True)
class Charge:
    """Time, money and CO2 of one step, with a named breakdown and the sources used.

    ``co2_kg`` is well-to-wheel (the objective uses it), ``co2_ttw_kg`` tank-to-wheel
    (ISO 14083; see :mod:`corridors.emissions`).
    """

    time_h: float = 0.0
    cost_cny: float = 0.0
    co2_kg: float = 0.0
    breakdown: dict[str, float] = field(default_factory=dict)
    sources: tuple[str, ...] = ()
    co2_ttw_kg: float = 0.0

    def __add__(self, other: Charge) -> Charge:
        merged = dict(self.breakdown)
        for key, value in other.breakdown.items():
            merged[key] = merged.get(key, 0.0) + value
        srcs = tuple(dict.fromkeys((*self.sources, *other.sources)))
        return Charge(
            self.time_h + other.time_h,
            self.cost_cny + other.cost_cny,
            self.co2_kg + other.co2_kg,
            merged,
            srcs,
            self.co2_ttw_kg + other.co2_ttw_kg,
        )


class CostModel(Protocol):
    """What the router needs to price a route."""

    def line_haul(
        self,
        mode: Mode,
        distance_km: float,
        cargo: Cargo,
        *,
        tariff_share_cny: float | None = None,
        time_h: float | None = None,
        vehicle: str | None = None,
        country: str = "",
    ) -> Charge:
        """Moving *cargo* *distance_km* by *mode*: time, cost, CO2 well-to-wheel and tank-to-wheel.

        ``time_h`` is given when the moving time is known (road: drivers' hours).
        ``tariff_share_cny`` replaces the per-km tariff when a service publishes an all-in price
        (the share of that price for this hop, per unit of cargo). ``vehicle`` is the service's
        vehicle type (None: the mode's default) and ``country`` the ISO alpha-2 country of the
        departure terminal (the rail traction region), see :mod:`corridors.emissions`.
        """

    def road_haul(self, distance_km: float, cargo: Cargo, *, country: str) -> Charge:
        """Driving *cargo* *distance_km* by truck in *country*'s region (breaks and rests in)."""

    def road_leg(self, distance_km: float, cargo: Cargo, *, country: str) -> Charge:
        """A whole trucking leg: :meth:`road_haul` plus road handling and the fixed charge."""

    def road_leg_arrays(
        self, distance_km: NDArray[np.float64], cargo: Cargo, *, country: str
    ) -> NDArray[np.float64]:
        """:meth:`road_leg` of many distances: rows of (time_h, cost_cny, co2_kg), same floats."""

    def transfer(self, mode_a: Mode, mode_b: Mode, cargo: Cargo) -> Charge:
        """A change from *mode_a* to *mode_b* at one terminal (time and charge)."""

    def board(self, mode: Mode, headway_h: float, cargo: Cargo) -> Charge:
        """Boarding a service at a terminal: handling in plus the wait implied by the headway."""

    def alight(self, mode: Mode, cargo: Cargo) -> Charge:
        """Leaving a service at a terminal: handling out."""

    def border(self, crossing: str, cargo: Cargo) -> Charge:
        """Customs and inspection at a border crossing (named by its exit/entry place ids)."""

    def gauge_break(self, kind: str, cargo: Cargo) -> Charge:
        """Transshipment at a break of gauge (``kind`` like ``1435_1520``)."""

    def value_of_time_cny_per_h(self, cargo: Cargo) -> float:
        """Value of time of the whole consignment, for the generalized objective."""

    def transhipment(self, place_id: str, cargo: Cargo) -> Charge:
        """Dwell and handling at *place_id* between two services of one mode.

        Vessel to vessel or train to train, e.g. at Singapore, Piraeus, Małaszewicze.
        """


def changed_keys(a: object, b: object, prefix: str = "") -> set[str]:
    """Dotted keys whose values differ between two parameter trees (pydantic models, mappings).

    Keys are those of ``model_dump(by_alias=True)`` (``border.brest.time_h.value``); equal
    subtrees are skipped whole. A key present on one side only counts as changed (a border
    entry a scenario adds).
    """
    if a == b:
        return set()
    sides: tuple[dict[str, object], dict[str, object]] | None = None
    if isinstance(a, BaseModel) and type(a) is type(b):
        fields = type(a).model_fields
        sides = (
            {f.alias or name: getattr(a, name) for name, f in fields.items()},
            {f.alias or name: getattr(b, name) for name, f in fields.items()},
        )
    elif isinstance(a, Mapping) and isinstance(b, Mapping):
        sides = ({str(k): v for k, v in a.items()}, {str(k): v for k, v in b.items()})
    if sides is None:
        return {prefix}
    out: set[str] = set()
    for key in sides[0].keys() | sides[1].keys():
        path = f"{prefix}.{key}" if prefix else key
        out |= changed_keys(sides[0].get(key, _MISSING), sides[1].get(key, _MISSING), path)
    return out


_MISSING = object()


def reads(method: str, *args: object) -> tuple[str, ...]:
    """The parameter keys (dotted prefixes) a :class:`CostModel` method's charge depends on.

    As :class:`corridors.tariffs.ParameterCostModel` prices them: every charge names the
    parameter version in its sources and converts per-unit amounts with ``payload``; a mode's
    steps read ``modes.<mode>``; line hauls read ``emissions``; road hauls ``road_regions``;
    boarding the waits in ``services``; and the border, transfer, transhipment and gauge-break
    charges their whole table (the row of the place, or ``default`` when it has none). The
    declaration is checked against the cost model by perturbing every parameter in turn
    (tests/corridors/test_scenario_sharing.py).
    """
    common = ("version", "payload")
    if method in ("line_haul", "board"):
        mode = args[0]
        extra = ("emissions",) if method == "line_haul" else ("services",)
        return (*common, f"modes.{getattr(mode, 'value', mode)}", *extra)
    if method in ("road_haul", "road_leg"):
        return (*common, "modes.road", "emissions", "road_regions")
    if method == "transfer":
        modes = tuple(f"modes.{getattr(m, 'value', m)}" for m in args[:2])
        return (*common, "transfer", *modes)
    if method in ("border", "gauge_break", "transhipment"):
        return (*common, method)
    if method == "alight":
        return ()
    msg = f"no parameter reads declared for {method!r}"
    raise ValueError(msg)


def _touches(prefixes: tuple[str, ...], changed: frozenset[str]) -> bool:
    return any(k == p or k.startswith(f"{p}.") for k in changed for p in prefixes)


class SharedCostModel:
    """*inner*'s charges, each priced once and remembered, possibly shared with another model.

    Costs are pure functions of (step, cargo, parameters). Two engines answering one request
    (the baseline and a scenario, :class:`corridors.engine.SharedWork`) share the remembered
    charges: the baseline's model is made with :meth:`__init__`, the scenario's with
    :meth:`beside`, which takes the *changed* parameter keys (:func:`changed_keys`): a step
    whose charge reads none of them (:func:`reads`) takes the charge already priced, the
    others are priced with the scenario's own parameters and not shared. With equal parameters
    every charge is shared. Not thread-safe: one request's answers, one thread.
    """

    def __init__(
        self,
        inner: CostModel,
        *,
        charges: dict[Hashable, Charge] | None = None,
        changed: frozenset[str] = frozenset(),
    ) -> None:
        self.inner = inner
        self._charges: dict[Hashable, Charge] = {} if charges is None else charges
        self.changed = changed
        self._touched: dict[tuple[str, ...], bool] = {}

    @property
    def priced(self) -> Mapping[Hashable, Charge]:
        """The charges remembered so far, by step: ``(method, *arguments)``."""
        return MappingProxyType(self._charges)

    def beside(self, inner: CostModel, changed: frozenset[str]) -> SharedCostModel:
        """A model over *inner* sharing this one's charges except those reading *changed*."""
        return SharedCostModel(inner, charges=self._charges, changed=changed)

    def _once(self, key: tuple[Any, ...], make: Callable[[], Charge]) -> Charge:
        if self.changed:
            what = reads(key[0], *key[1:3])
            touched = self._touched.get(what)
            if touched is None:
                touched = self._touched[what] = _touches(what, self.changed)
            if touched:
                return make()  # priced with this model's own parameters, not shared
        hit = self._charges.get(key)
        if hit is None:
            hit = self._charges[key] = make()
        return hit

    def line_haul(
        self,
        mode: Mode,
        distance_km: float,
        cargo: Cargo,
        *,
        tariff_share_cny: float | None = None,
        time_h: float | None = None,
        vehicle: str | None = None,
        country: str = "",
    ) -> Charge:
        """:meth:`CostModel.line_haul`, remembered."""
        return self._once(
            ("line_haul", mode, distance_km, cargo, tariff_share_cny, time_h, vehicle, country),
            lambda: self.inner.line_haul(
                mode,
                distance_km,
                cargo,
                tariff_share_cny=tariff_share_cny,
                time_h=time_h,
                vehicle=vehicle,
                country=country,
            ),
        )

    def road_haul(self, distance_km: float, cargo: Cargo, *, country: str) -> Charge:
        """:meth:`CostModel.road_haul`, remembered."""
        return self._once(
            ("road_haul", distance_km, cargo, country),
            lambda: self.inner.road_haul(distance_km, cargo, country=country),
        )

    def road_leg(self, distance_km: float, cargo: Cargo, *, country: str) -> Charge:
        """:meth:`CostModel.road_leg`, remembered."""
        return self._once(
            ("road_leg", distance_km, cargo, country),
            lambda: self.inner.road_leg(distance_km, cargo, country=country),
        )

    def road_leg_arrays(
        self, distance_km: NDArray[np.float64], cargo: Cargo, *, country: str
    ) -> NDArray[np.float64]:
        """:meth:`CostModel.road_leg_arrays` (not remembered: arrays are not keys)."""
        return self.inner.road_leg_arrays(distance_km, cargo, country=country)

    def transfer(self, mode_a: Mode, mode_b: Mode, cargo: Cargo) -> Charge:
        """:meth:`CostModel.transfer`, remembered."""
        return self._once(
            ("transfer", mode_a, mode_b, cargo),
            lambda: self.inner.transfer(mode_a, mode_b, cargo),
        )

    def board(self, mode: Mode, headway_h: float, cargo: Cargo) -> Charge:
        """:meth:`CostModel.board`, remembered."""
        return self._once(
            ("board", mode, headway_h, cargo), lambda: self.inner.board(mode, headway_h, cargo)
        )

    def alight(self, mode: Mode, cargo: Cargo) -> Charge:
        """:meth:`CostModel.alight`, remembered."""
        return self._once(("alight", mode, cargo), lambda: self.inner.alight(mode, cargo))

    def border(self, crossing: str, cargo: Cargo) -> Charge:
        """:meth:`CostModel.border`, remembered."""
        return self._once(("border", crossing, cargo), lambda: self.inner.border(crossing, cargo))

    def gauge_break(self, kind: str, cargo: Cargo) -> Charge:
        """:meth:`CostModel.gauge_break`, remembered."""
        return self._once(("gauge_break", kind, cargo), lambda: self.inner.gauge_break(kind, cargo))

    def value_of_time_cny_per_h(self, cargo: Cargo) -> float:
        """:meth:`CostModel.value_of_time_cny_per_h` (a product, not worth remembering)."""
        return self.inner.value_of_time_cny_per_h(cargo)

    def transhipment(self, place_id: str, cargo: Cargo) -> Charge:
        """:meth:`CostModel.transhipment`, remembered."""
        return self._once(
            ("transhipment", place_id, cargo), lambda: self.inner.transhipment(place_id, cargo)
        )
