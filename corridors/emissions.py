"""Greenhouse-gas emissions of a leg per ISO 14083:2023 and the GLEC Framework v3.

Owns: the vehicle types a service may name (``vehicle`` in ``services.toml``) and each mode's
default (:data:`VEHICLES`, :data:`DEFAULT_VEHICLE`); the region of a rail ride
(:func:`rail_region`, from the country of its departure terminal); which factor of
``parameters.toml`` ``[emissions]`` applies to a leg (:func:`intensity`); and the well-to-wheel
(WTW) and tank-to-wheel (TTW) kilograms of a leg (:func:`leg_emissions`). The factors
themselves, with their sources, are parameters (:class:`corridors.params.Emissions`).

Rules (every number comes from the parameters):

- emissions = tonnes of cargo x distance_km x factor (g CO2e per t-km) / 1000, for WTW and TTW;
- road: ``articulated_truck`` (one factor for every region: no regional GLEC table reachable);
- rail: a ``container_train`` (the default) blends electric and diesel traction by the share of
  electric traction in the region of the ride's departure terminal
  (``rail_electric_share.<region>``): ``s x electric_train_<region> + (1 - s) x diesel_train``;
  ``electric_train`` or ``diesel_train`` force one traction (an electric train in a region
  without its own grid factor takes ``electric_train_cn``);
- sea: the service's vehicle (trade-lane container ship, feeder, RoPax ferry; default the
  generic ``container_ship``); inland waterway: ``inland_container_barge``;
- air: ``freighter`` (default) or ``belly``, long haul from ``air_long_haul_min_km`` on,
  otherwise short haul.

A parameter file without ``[emissions]`` falls back to ``modes.<m>.co2_g_per_tkm`` for both
WTW and TTW (no split is known then).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from corridors.errors import UnknownParameterError
from corridors.models import Mode
from corridors.params import Emissions, Parameters

__all__ = [
    "DEFAULT_VEHICLE",
    "EURASIA",
    "VEHICLES",
    "LegEmissions",
    "intensity",
    "leg_emissions",
    "method",
    "rail_region",
]

VEHICLES: dict[Mode, tuple[str, ...]] = {
    Mode.ROAD: ("articulated_truck",),
    Mode.RAIL: ("container_train", "electric_train", "diesel_train"),
    Mode.SEA: (
        "container_ship",
        "container_ship_asia_europe",
        "container_ship_transpacific",
        "container_ship_intra_asia",
        "container_ship_feeder",
        "ropax_ferry",
    ),
    Mode.INLAND_WATERWAY: ("inland_container_barge",),
    Mode.AIR: ("freighter", "belly"),
}
"""Vehicle types a service of each mode may name."""

DEFAULT_VEHICLE: dict[Mode, str] = {mode: names[0] for mode, names in VEHICLES.items()}
"""The vehicle of a service (or road leg) that names none."""

# Kazakhstan, Russia, Belarus, Kyrgyzstan, Uzbekistan, Turkmenistan, Tajikistan, Mongolia and
# the South Caucasus: 1,520 mm networks (and Mongolia's), one rail traction region.
EURASIA = frozenset({"KZ", "RU", "BY", "KG", "UZ", "TM", "TJ", "MN", "AZ", "GE", "AM"})

FALLBACK_METHOD = "mode factors modes.<mode>.co2_g_per_tkm (no [emissions] section)"


@dataclass(frozen=True)
class LegEmissions:
    """WTW and TTW kilograms of CO2e of one leg, and the parameter keys they came from."""

    wtw_kg: float
    ttw_kg: float
    keys: tuple[str, ...]


def rail_region(country: str) -> str:
    """Rail traction region of a ride departing in *country* (ISO 3166 alpha-2).

    One of :data:`corridors.params.RAIL_REGIONS`: ``cn``, ``eu`` (EU member states), ``eurasia``
    (:data:`EURASIA`), ``la`` (Laos) or ``default``.
    """
    # Imported here: corridors.search imports the catalog (corridors.services), which imports
    # this module for the vehicle vocabulary.
    from corridors.search import EU_MEMBERS  # noqa: PLC0415

    code = country.strip().upper()
    if code == "CN":
        return "cn"
    if code in EU_MEMBERS:
        return "eu"
    if code in EURASIA:
        return "eurasia"
    if code == "LA":
        return "la"
    return "default"


def method(params: Parameters) -> str:
    """The emission method in force, named once per answer."""
    return params.emissions.method if params.emissions is not None else FALLBACK_METHOD


def _vehicle(mode: Mode, vehicle: str | None) -> str:
    name = DEFAULT_VEHICLE[mode] if vehicle is None else vehicle
    if name not in VEHICLES[mode]:
        raise UnknownParameterError(
            [name], {name: difflib.get_close_matches(name, VEHICLES[mode])}, what="vehicle"
        )
    return name


def intensity(
    em: Emissions, mode: Mode, vehicle: str | None, *, distance_km: float, country: str = ""
) -> tuple[float, float, tuple[str, ...]]:
    """WTW and TTW g CO2e per t-km of a leg, and the parameter keys used.

    Parameters
    ----------
    em : corridors.params.Emissions
        The ``[emissions]`` parameters.
    mode : corridors.models.Mode
        Mode of the leg.
    vehicle : str | None
        Vehicle type (one of ``VEHICLES[mode]``); None for the mode's default.
    distance_km : float
        Length of the leg (chooses the air distance band).
    country : str
        ISO alpha-2 country of the leg's departure terminal (chooses the rail region).

    Returns
    -------
    (wtw, ttw, keys)
        Intensities in g CO2e per t-km and the dotted parameter keys they came from.

    Raises
    ------
    UnknownParameterError
        When *vehicle* is not a vehicle of *mode*.
    """
    name = _vehicle(mode, vehicle)
    if mode is Mode.RAIL:
        region = rail_region(country)
        diesel = em.factors["diesel_train"]
        electric_key = f"electric_train_{region}"
        if electric_key not in em.factors:
            electric_key = "electric_train_cn"
        electric = em.factors[electric_key]
        keys = [f"emissions.factors.{electric_key}", "emissions.factors.diesel_train"]
        if name == "container_train":
            share = em.rail_electric_share[region].value
            keys.append(f"emissions.rail_electric_share.{region}")
        else:
            share = 1.0 if name == "electric_train" else 0.0
        if share >= 1.0:
            keys.remove("emissions.factors.diesel_train")
        elif share <= 0.0:
            keys.remove(f"emissions.factors.{electric_key}")
        wtw = share * electric.wtw.value + (1.0 - share) * diesel.wtw.value
        ttw = share * electric.ttw.value + (1.0 - share) * diesel.ttw.value
        return wtw, ttw, tuple(keys)
    key = name
    if mode is Mode.AIR:
        band = "long_haul" if distance_km >= em.air_long_haul_min_km.value else "short_haul"
        key = f"{name}_{band}"
    f = em.factors[key]
    return f.wtw.value, f.ttw.value, (f"emissions.factors.{key}",)


def leg_emissions(
    params: Parameters,
    mode: Mode,
    distance_km: float,
    tonnes: float,
    *,
    vehicle: str | None = None,
    country: str = "",
) -> LegEmissions:
    """WTW and TTW kg CO2e of moving *tonnes* over *distance_km* by *mode* (module rules).

    Parameters
    ----------
    params : corridors.params.Parameters
        Parameters in force.
    mode : corridors.models.Mode
        Mode of the leg.
    distance_km : float
        Distance moved, km.
    tonnes : float
        Cargo mass, t.
    vehicle : str | None
        Vehicle type of the service; None for the mode's default.
    country : str
        ISO alpha-2 country of the departure terminal (rail region).

    Returns
    -------
    LegEmissions
        Kilograms WTW and TTW and the parameter keys used.
    """
    if params.emissions is None:
        _vehicle(mode, vehicle)
        g = params.mode(mode.value).co2_g_per_tkm.value
        kg = distance_km * tonnes * g / 1000.0
        return LegEmissions(kg, kg, (f"modes.{mode.value}.co2_g_per_tkm",))
    wtw, ttw, keys = intensity(
        params.emissions, mode, vehicle, distance_km=distance_km, country=country
    )
    tkm = distance_km * tonnes
    return LegEmissions(tkm * wtw / 1000.0, tkm * ttw / 1000.0, keys)
