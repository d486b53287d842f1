"""The cost model over the sourced parameter file (``data/geo/parameters.toml``).

Owns: how each step of a route is priced from :class:`corridors.params.Parameters`:

- line haul: time = distance / mode speed; cost = per-km tariff x distance x quantity, or the
  service's published all-in price prorated by distance; CO2e well-to-wheel and tank-to-wheel
  = distance x tonnes x the factor of the leg's vehicle (:mod:`corridors.emissions`; road
  access, egress and direct legs take the road default);
- boarding a service: the mode's terminal handling time and fixed charge, plus the average wait
  for the next departure (``wait_fraction_of_headway`` x headway);
- border crossings and breaks of gauge: time and fee from their tables (``default`` where a
  crossing has no entry of its own);
- transhipment, a change from one service to another of the same mode at a place (Singapore,
  Piraeus, Małaszewicze): dwell time and handling charge from ``[transhipment]``;
- the date of the prices a leg uses (:meth:`ParameterCostModel.prices_as_of`): the service's
  published all-in price, else the mode's per-km tariff row.

- road: time from the region's speed and drivers' hours (``[road_regions]``: breaks, daily
  rests, crew); every trucking leg (drayage and the direct road route) also pays the road
  handling time and fixed charge (:meth:`ParameterCostModel.road_leg`);
- a change of mode at a terminal: the ``[transfer]`` time and charge of the two modes
  (:meth:`ParameterCostModel.transfer`), on top of each leg's own handling.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from corridors.costing import Charge
from corridors.emissions import intensity, leg_emissions
from corridors.models import Cargo, Mode, Service
from corridors.params import Parameters, PerUnit, SourcedValue


class ParameterCostModel:
    """Prices steps with one :class:`Parameters` object (see the module docstring)."""

    def __init__(self, params: Parameters) -> None:
        self.params = params

    def _src(self, key: str) -> tuple[str, ...]:
        return (f"parameters:{key}@{self.params.version}",)

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
        """Move *cargo* *distance_km* by *mode* (by *vehicle*, departing in *country*).

        *time_h* given: the moving time is known (road: from the region's drivers' hours).
        """
        mp = self.params.mode(mode.value)
        speed_key = f"modes.{mode.value}.speed_kph"
        if time_h is None:
            if mp.speed_kph is None:
                msg = f"{mode.value} line haul needs its time (speeds are per region)"
                raise ValueError(msg)
            time_h = distance_km / mp.speed_kph.value
        if tariff_share_cny is not None:
            cost = tariff_share_cny * cargo.quantity
            cost_key = "service tariff"
        else:
            cost = self.params.tariff_cny_per_km(mode.value, cargo.unit.value) * distance_km
            cost *= cargo.quantity
            cost_key = f"modes.{mode.value}.tariff_cny_per_km"
        em = leg_emissions(
            self.params, mode, distance_km, cargo.tonnes, vehicle=vehicle, country=country
        )
        return Charge(
            time_h,
            cost,
            em.wtw_kg,
            {"line_haul_h": time_h, "line_haul_cny": cost},
            (
                *(self._src(speed_key) if mp.speed_kph is not None else ()),
                *self._src(cost_key),
                *(s for key in em.keys for s in self._src(key)),
            ),
            em.ttw_kg,
        )

    def road_haul(self, distance_km: float, cargo: Cargo, *, country: str) -> Charge:
        """Drive *cargo* *distance_km* in *country*'s road region: driving, breaks and rests.

        The time follows the region's speed and drivers' hours (:func:`corridors.params.
        road_time_h`); the rest time is also reported as ``driver_rest_h``.
        """
        region, _ = self.params.road_region(country)
        driving_h, rest_h = self.params.road_time_h(distance_km, country)
        charge = self.line_haul(Mode.ROAD, distance_km, cargo, time_h=driving_h, country=country)
        return charge + Charge(
            rest_h,
            0.0,
            0.0,
            {"driver_rest_h": rest_h},
            self._src(f"road_regions.{region}"),
        )

    def road_leg(self, distance_km: float, cargo: Cargo, *, country: str) -> Charge:
        """A whole trucking leg (drayage or the direct road route): haul plus handling.

        Every road leg pays the road handling time and fixed charge (pick-up and drop) on top
        of :meth:`road_haul`.
        """
        mp = self.params.mode(Mode.ROAD.value)
        fixed = self.params.fixed_cny(Mode.ROAD.value, cargo.unit.value) * cargo.quantity
        handling_h = mp.handling_h.value
        return self.road_haul(distance_km, cargo, country=country) + Charge(
            handling_h,
            fixed,
            0.0,
            {"handling_h": handling_h, "handling_cny": fixed},
            (*self._src("modes.road.handling_h"), *self._src("modes.road.fixed_cny")),
        )

    def road_leg_arrays(
        self, distance_km: NDArray[np.float64], cargo: Cargo, *, country: str
    ) -> NDArray[np.float64]:
        """:meth:`road_leg` of many distances at once: rows of (time_h, cost_cny, co2_kg).

        For travel matrices, which price thousands of trucking legs. Elementwise the same
        floats as :meth:`road_leg` (the same operations in the same order: driving plus rest
        plus handling; per-km tariff x distance x quantity plus the fixed charge; t-km x the
        road vehicle's well-to-wheel factor, which does not depend on the distance).
        """
        km = np.asarray(distance_km, dtype=np.float64)
        road = Mode.ROAD.value
        driving_h, rest_h = self.params.road_times_h(km, country)
        fixed = self.params.fixed_cny(road, cargo.unit.value) * cargo.quantity
        handling_h = self.params.mode(road).handling_h.value
        cost = self.params.tariff_cny_per_km(road, cargo.unit.value) * km
        cost = cost * cargo.quantity
        if self.params.emissions is None:
            g = self.params.mode(road).co2_g_per_tkm.value
        else:
            g, _, _ = intensity(
                self.params.emissions, Mode.ROAD, None, distance_km=0.0, country=country
            )
        co2 = km * cargo.tonnes * g / 1000.0
        time_h = (driving_h + rest_h) + handling_h
        cost = (cost + 0.0) + fixed
        return np.stack([time_h, cost, co2], axis=-1)

    def _stop(
        self, part: str, time_h: SourcedValue, cost: PerUnit, cargo: Cargo, key: str
    ) -> Charge:
        """A stop of *time_h* with a per-unit *cost*, reported as ``<part>_h``/``<part>_cny``."""
        cny = cost.per(cargo.unit.value, self.params.payload) * cargo.quantity
        return Charge(
            time_h.value,
            cny,
            0.0,
            {f"{part}_h": time_h.value, f"{part}_cny": cny},
            self._src(key),
        )

    def transfer(self, mode_a: Mode, mode_b: Mode, cargo: Cargo) -> Charge:
        """A change of mode at a terminal (``[transfer]``, order-free; ``default`` otherwise)."""
        t = self.params.transfer(mode_a.value, mode_b.value)
        key = "-".join(sorted((mode_a.value, mode_b.value)))
        key = key if key in self.params.transfer_table else "default"
        return self._stop("transfer", t.time_h, t.cost_cny, cargo, f"transfer.{key}")

    def board(self, mode: Mode, headway_h: float, cargo: Cargo) -> Charge:
        """Terminal handling in (time and fixed charge) plus the average wait for a departure."""
        mp = self.params.mode(mode.value)
        wait_h = self.params.average_wait_h(
            self.params.services.defaults.hours_per_week.value / headway_h
        )
        handling_h = mp.handling_h.value
        fixed = self.params.fixed_cny(mode.value, cargo.unit.value) * cargo.quantity
        return Charge(
            wait_h + handling_h,
            fixed,
            0.0,
            {"wait_h": wait_h, "handling_h": handling_h, "handling_cny": fixed},
            (
                *self._src(f"modes.{mode.value}.handling_h"),
                *self._src(f"modes.{mode.value}.fixed_cny"),
                *self._src("services.defaults"),
            ),
        )

    def alight(self, mode: Mode, cargo: Cargo) -> Charge:  # noqa: ARG002 (priced at boarding)
        """Handling out is part of the mode's fixed charge, paid at boarding."""
        return Charge()

    def border(self, crossing: str, cargo: Cargo) -> Charge:
        """Customs and inspection at a border crossing."""
        b = self.params.border(crossing)
        key = crossing if crossing in self.params.border_table else "default"
        return self._stop("border", b.time_h, b.fee_cny, cargo, f"border.{key}")

    def gauge_break(self, kind: str, cargo: Cargo) -> Charge:
        """Transshipment at a break of gauge."""
        g = self.params.gauge_break(kind)
        return self._stop("gauge", g.time_h, g.cost_cny, cargo, f"gauge_break.{kind}")

    def value_of_time_cny_per_h(self, cargo: Cargo) -> float:
        """Value of time of the whole consignment per hour."""
        return self.params.value_of_time_cny_per_h(cargo.unit.value) * cargo.quantity

    def transhipment(self, place_id: str, cargo: Cargo) -> Charge:
        """Dwell and handling where cargo changes between two services of one mode.

        ``[transhipment.<place_id>]``, else ``[transhipment.default]``; nothing when the
        parameter file has no ``[transhipment]`` table.
        """
        t = self.params.transhipment(place_id)
        if t is None:
            return Charge()
        key = place_id if place_id in self.params.transhipment_table else "default"
        return self._stop("transhipment", t.time_h, t.cost_cny, cargo, f"transhipment.{key}")

    def prices_as_of(self, mode: Mode, cargo: Cargo, service: Service | None) -> str | None:
        """ISO date of the line-haul price a leg of *mode* (on *service*, if any) uses.

        The service's published all-in price when it has one for the cargo's unit, else the
        per-km tariff row of the mode that prices the unit; None when that price is an undated
        assumption.
        """
        if service is not None and service.published_tariff_cny(cargo.unit.value) is not None:
            return service.tariff_as_of
        as_of = self.params.tariff_as_of(mode.value, cargo.unit.value)
        return as_of.isoformat() if as_of is not None else None
