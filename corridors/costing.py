"""Cost model: what one ride, transfer, border crossing or gauge break costs in time, money, CO2.

Owns: the :class:`CostModel` protocol the router relies on, and :class:`Charge`, the priced
outcome of one step. Costs are pure functions of (step, cargo, parameters), so a tariff what-if
never rebuilds the graph. The implementation over the sourced parameter file is
:class:`corridors.tariffs.ParameterCostModel`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

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
