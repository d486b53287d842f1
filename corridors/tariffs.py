"""The cost model over the sourced parameter file (``data/geo/parameters.toml``).

Owns: how each step of a route is priced from :class:`corridors.params.Parameters`:

- line haul: time = distance / mode speed; cost = per-km tariff x distance x quantity, or the
  service's published all-in price prorated by distance; CO2e well-to-wheel and tank-to-wheel
  = distance x tonnes x the factor of the leg's vehicle (:mod:`corridors.emissions`; road
  access, egress and direct legs take the road default);
- boarding a service: the mode's terminal handling time and fixed charge, plus the average wait
  for the next departure (``wait_fraction_of_headway`` x headway);
- border crossings and breaks of gauge: time and fee from their tables (``default`` where a
  crossing has no entry of its own).

Road access and egress trips are charged line haul only: the terminal handling at their service
end is already in the service's boarding charge.
"""

from __future__ import annotations

from corridors.costing import Charge
from corridors.emissions import leg_emissions
from corridors.models import Cargo, Mode
from corridors.params import Parameters


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
        vehicle: str | None = None,
        country: str = "",
    ) -> Charge:
        """Move *cargo* *distance_km* by *mode* (by *vehicle*, departing in *country*)."""
        mp = self.params.mode(mode.value)
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
                *self._src(f"modes.{mode.value}.speed_kph"),
                *self._src(cost_key),
                *(s for key in em.keys for s in self._src(key)),
            ),
            em.ttw_kg,
        )

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
        fee = b.fee_cny.per(cargo.unit.value, self.params.payload) * cargo.quantity
        key = crossing if crossing in self.params.border_table else "default"
        return Charge(
            b.time_h.value,
            fee,
            0.0,
            {"border_h": b.time_h.value, "border_cny": fee},
            self._src(f"border.{key}"),
        )

    def gauge_break(self, kind: str, cargo: Cargo) -> Charge:
        """Transshipment at a break of gauge."""
        g = self.params.gauge_break(kind)
        cost = g.cost_cny.per(cargo.unit.value, self.params.payload) * cargo.quantity
        return Charge(
            g.time_h.value,
            cost,
            0.0,
            {"gauge_h": g.time_h.value, "gauge_cny": cost},
            self._src(f"gauge_break.{kind}"),
        )

    def value_of_time_cny_per_h(self, cargo: Cargo) -> float:
        """Value of time of the whole consignment per hour."""
        return self.params.value_of_time_cny_per_h(cargo.unit.value) * cargo.quantity
