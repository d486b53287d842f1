"""The corridor engine's cost, time and CO2 parameters: typed, sourced, validated once.

This module owns the schema of ``data/geo/parameters.toml`` and everything that reads it:

- :class:`SourcedValue`: one number with its unit and either a ``source`` + ``as_of`` date or an
  ``assumption`` (both may be present);
- :class:`Parameters`: the whole file, typed per section, with lookup helpers (``tonnes``,
  ``mode``, ``border``, ``gauge_break``, ``transfer``, ``to_cny``, per-unit tariffs), a stable
  :meth:`Parameters.fingerprint` and a flat :meth:`Parameters.sources` listing;
- :func:`load_parameters`: parse and validate a file, reporting every problem at once as a
  :class:`corridors.errors.ParameterError` whose problems name the dotted TOML key path;
- :func:`apply_overrides` and :func:`load_overrides`: dotted-key overrides
  (``{"modes.rail.speed_kph": 45}``) as used by the CLI's ``--param`` / ``--params``.

Units of cargo are ``FEU``, ``TEU``, ``tonne`` and ``kg``; every per-unit table may give any
subset of them, the others are derived through the payload masses (``[payload]``).
Nothing is read at import time and no environment is consulted.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import re
import tomllib
from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any, Literal, NamedTuple, get_args

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from corridors.errors import ParameterError, QuantityError, UnknownParameterError
from gis.errors import Problem

__all__ = [
    "EMISSION_FACTOR_KEYS",
    "MODES",
    "RAIL_REGIONS",
    "UNITS",
    "Border",
    "EmissionFactor",
    "Emissions",
    "Mode",
    "ModeParams",
    "Modes",
    "Parameters",
    "Payload",
    "PerUnit",
    "RoadRegion",
    "ServiceDefaults",
    "Services",
    "SourceEntry",
    "SourcedValue",
    "TimeCost",
    "Unit",
    "apply_overrides",
    "default_parameters_path",
    "load_overrides",
    "load_parameters",
    "road_time_h",
]

Mode = Literal["road", "rail", "sea", "inland_waterway", "air"]
Unit = Literal["FEU", "TEU", "tonne", "kg"]
MODES: tuple[str, ...] = get_args(Mode)
UNITS: tuple[str, ...] = get_args(Unit)

_VERSION_RE = re.compile(r"^\d{4}-\d{2}-\d{2}\.\d+$")
_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_GAUGE_RE = re.compile(r"^(\d{3,4})-(\d{3,4})$")
_CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
_TOML_POS_RE = re.compile(r"at line (\d+), column (\d+)")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SourcedValue(_Frozen):
    """One number that drives a result, with where it comes from.

    Attributes
    ----------
    value : float
        The number (finite).
    unit : str
        Its unit, in words or symbols (``"km/h"``, ``"CNY/(FEU*km)"``).
    source : str | None
        URL or publication the value was taken or derived from.
    as_of : datetime.date | None
        Date the source refers to (needed together with ``source``).
    assumption : str | None
        Reasoning, when the value is (partly) assumed or derived.
    """

    value: float
    unit: str = Field(min_length=1)
    source: str | None = None
    as_of: date | None = None
    assumption: str | None = None

    @field_validator("value")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            msg = "value must be a finite number"
            raise ValueError(msg)
        return value

    @model_validator(mode="after")
    def _provenance(self) -> SourcedValue:
        has_source = bool(self.source and self.source.strip())
        has_assumption = bool(self.assumption and self.assumption.strip())
        if has_source and self.as_of is None:
            msg = "a value with a 'source' needs an 'as_of' date"
            raise ValueError(msg)
        if not has_source and not has_assumption:
            msg = "every value needs 'source' and 'as_of', or an 'assumption' with its reasoning"
            raise ValueError(msg)
        return self


def _require(sv: SourcedValue | None, *, name: str, positive: bool) -> None:
    if sv is None:
        return
    if positive and sv.value <= 0:
        msg = f"{name} must be > 0 (got {sv.value:g})"
        raise ValueError(msg)
    if not positive and sv.value < 0:
        msg = f"{name} must be >= 0 (got {sv.value:g})"
        raise ValueError(msg)


class Payload(_Frozen):
    """Average loaded cargo mass per unit, in tonnes (``[payload]``)."""

    FEU: SourcedValue
    TEU: SourcedValue
    tonne: SourcedValue
    kg: SourcedValue

    @model_validator(mode="after")
    def _positive(self) -> Payload:
        for unit in UNITS:
            _require(getattr(self, unit), name=f"payload.{unit}", positive=True)
        return self

    def tonnes_per(self, unit: str) -> float:
        """Tonnes of cargo in one ``unit``."""
        if unit not in UNITS:
            raise UnknownParameterError(
                [unit], {unit: difflib.get_close_matches(unit, UNITS)}, what="unit"
            )
        sv: SourcedValue = getattr(self, unit)
        return sv.value


class PerUnit(_Frozen):
    """A non-negative amount per cargo unit; any subset of FEU, TEU, tonne, kg (at least one).

    Units not given are derived from a given one in proportion to cargo mass
    (see :meth:`per`), preferring ``tonne``, then ``kg``, ``FEU``, ``TEU``.
    """

    FEU: SourcedValue | None = None
    TEU: SourcedValue | None = None
    tonne: SourcedValue | None = None
    kg: SourcedValue | None = None

    @model_validator(mode="after")
    def _some_and_non_negative(self) -> PerUnit:
        if all(getattr(self, u) is None for u in UNITS):
            msg = f"give at least one of {', '.join(UNITS)}"
            raise ValueError(msg)
        for unit in UNITS:
            _require(getattr(self, unit), name=unit, positive=False)
        return self

    def per(self, unit: str, payload: Payload) -> float:
        """Amount for one ``unit``, derived by cargo mass when not given directly.

        Parameters
        ----------
        unit : str
            One of ``FEU``, ``TEU``, ``tonne``, ``kg``.
        payload : Payload
            Tonnes per unit, used for the derivation.

        Returns
        -------
        float
            The amount per ``unit``.
        """
        src, sv = self.basis(unit)
        if src == unit:
            return sv.value
        return sv.value * payload.tonnes_per(unit) / payload.tonnes_per(src)

    def basis(self, unit: str) -> tuple[str, SourcedValue]:
        """The row :meth:`per` uses for ``unit``: its own, else ``tonne``, ``kg``, ``FEU``, ``TEU``.

        Returns
        -------
        tuple[str, SourcedValue]
            The unit of the row used and the row (its source and date apply to the amount).
        """
        for src in (unit, "tonne", "kg", "FEU", "TEU"):
            sv: SourcedValue | None = getattr(self, src, None)
            if sv is not None:
                return src, sv
        msg = "PerUnit without any value"  # unreachable: the validator requires one
        raise UnknownParameterError([unit], what=msg)


class ModeParams(_Frozen):
    """Parameters of one transport mode (``[modes.<mode>]``).

    Attributes
    ----------
    speed_kph : SourcedValue
        Average commercial speed on the line, stops included, km/h. Not given for road:
        road speeds and drivers' hours are per region (``[road_regions]``).
    tariff_cny_per_km : PerUnit
        Line-haul price per unit and km, CNY.
    fixed_cny : PerUnit
        Fixed charge per unit for one leg of this mode (terminal handling at its two ends), CNY.
    handling_h : SourcedValue
        Terminal dwell time per leg of this mode, h.
    co2_g_per_tkm : SourcedValue
        Well-to-wheel GHG intensity, g CO2e per tonne-km.
    """

    tariff_cny_per_km: PerUnit
    fixed_cny: PerUnit
    handling_h: SourcedValue
    co2_g_per_tkm: SourcedValue
    speed_kph: SourcedValue | None = None

    @model_validator(mode="after")
    def _ranges(self) -> ModeParams:
        if self.speed_kph is not None:
            _require(self.speed_kph, name="speed_kph", positive=True)
        _require(self.handling_h, name="handling_h", positive=False)
        _require(self.co2_g_per_tkm, name="co2_g_per_tkm", positive=False)
        return self


class Modes(_Frozen):
    """The five modes (``[modes]``)."""

    road: ModeParams
    rail: ModeParams
    sea: ModeParams
    inland_waterway: ModeParams
    air: ModeParams

    @model_validator(mode="after")
    def _speeds(self) -> Modes:
        if self.road.speed_kph is not None:
            msg = "modes.road.speed_kph is not used: road speeds are per region ([road_regions])"
            raise ValueError(msg)
        missing = [m for m in MODES if m != "road" and getattr(self, m).speed_kph is None]
        if missing:
            msg = f"speed_kph is required for {', '.join(missing)}"
            raise ValueError(msg)
        return self


class TimeCost(_Frozen):
    """Time and per-unit cost of one operation (a transfer between modes, a gauge break)."""

    time_h: SourcedValue
    cost_cny: PerUnit

    @model_validator(mode="after")
    def _ranges(self) -> TimeCost:
        _require(self.time_h, name="time_h", positive=False)
        return self


class Border(_Frozen):
    """Customs / inspection at one border crossing (``[border.<id>]``)."""

    time_h: SourcedValue
    fee_cny: PerUnit

    @model_validator(mode="after")
    def _ranges(self) -> Border:
        _require(self.time_h, name="time_h", positive=False)
        return self


class ServiceDefaults(_Frozen):
    """Frequency-wait rule (``[services.defaults]``): wait = fraction x hours/week / departures."""

    hours_per_week: SourcedValue
    wait_fraction_of_headway: SourcedValue

    @model_validator(mode="after")
    def _ranges(self) -> ServiceDefaults:
        _require(self.hours_per_week, name="hours_per_week", positive=True)
        _require(self.wait_fraction_of_headway, name="wait_fraction_of_headway", positive=False)
        return self


class AccessPolicy(_Frozen):
    """Road drayage to and from terminals, and the direct road route (``[access]``).

    Attributes
    ----------
    max_access_km, max_home_access_km, max_egress_km : SourcedValue
        Longest road trip from an origin to a terminal (from a Sichuan origin to a Sichuan
        terminal: ``max_home_access_km``) and from a terminal to the destination.
    road_search_limit_km : SourcedValue
        Longest direct all-road route offered.
    short_leg_km : SourcedValue
        A road access or egress leg shorter than this is not reported (the endpoint is the
        terminal itself); its charge is dropped too.
    max_offroad_km : SourcedValue
        Longest gap from a point to the road layer still counted as a trip on the network;
        beyond it the point is outside the layer's coverage and its trips are estimated.
    max_estimate_km : SourcedValue
        Longest road trip estimated from the geodesic outside the layer's coverage.
    min_road_component_nodes : SourcedValue
        Points attach to the nearest road link of a connected component of at least this
        many junctions (smaller components are fragments of the extract).
    """

    max_access_km: SourcedValue
    max_home_access_km: SourcedValue
    max_egress_km: SourcedValue
    road_search_limit_km: SourcedValue
    short_leg_km: SourcedValue
    max_offroad_km: SourcedValue
    max_estimate_km: SourcedValue
    min_road_component_nodes: SourcedValue

    @model_validator(mode="after")
    def _ranges(self) -> AccessPolicy:
        for name in type(self).model_fields:
            _require(getattr(self, name), name=name, positive=True)
        return self


class RoadRegion(_Frozen):
    """Road speed and drivers' hours of one region (``[road_regions.<id>]``).

    A road leg's time is its driving time plus the breaks and daily rests the region's
    hours-of-service rules impose (:meth:`Parameters.road_time_h`).

    Attributes
    ----------
    countries : list[str]
        ISO 3166-1 alpha-2 codes of the countries in the region (empty for ``default``).
    speed_kph : SourcedValue
        Average moving speed of a loaded container truck, km/h (breaks and rests excluded).
    max_continuous_driving_h, break_h : SourcedValue
        Longest driving without a break, and the break then due.
    max_daily_driving_h, daily_rest_h : SourcedValue
        Longest driving of one driver in a day, and the daily rest then due.
    crew : SourcedValue
        Drivers per truck on long hauls (1 or 2). With two, the co-driver drives during the
        other's breaks (no break stops) and the truck may drive twice the daily limit before
        the daily rest.
    """

    countries: list[str] = Field(default_factory=list)
    speed_kph: SourcedValue
    max_continuous_driving_h: SourcedValue
    break_h: SourcedValue
    max_daily_driving_h: SourcedValue
    daily_rest_h: SourcedValue
    crew: SourcedValue

    @model_validator(mode="after")
    def _ranges(self) -> RoadRegion:
        for name in ("speed_kph", "max_continuous_driving_h", "max_daily_driving_h"):
            _require(getattr(self, name), name=name, positive=True)
        for name in ("break_h", "daily_rest_h"):
            _require(getattr(self, name), name=name, positive=False)
        if self.crew.value not in (1.0, 2.0):
            msg = f"crew must be 1 or 2 drivers (got {self.crew.value:g})"
            raise ValueError(msg)
        for code in self.countries:
            if not re.fullmatch(r"[A-Z]{2}", code):
                msg = f"country {code!r} must be an upper-case ISO 3166-1 alpha-2 code"
                raise ValueError(msg)
        return self


def road_time_h(
    distance_km: float,
    *,
    speed_kph: float,
    max_continuous_driving_h: float,
    break_h: float,
    max_daily_driving_h: float,
    daily_rest_h: float,
    crew: int,
) -> tuple[float, float]:
    """Driving time and the rest time drivers' hours add to a road trip of *distance_km*.

    The truck drives ``max_daily_driving_h`` (x 2 with a double crew) per day, then stops for
    ``daily_rest_h``; within a day a single driver stops ``break_h`` after every
    ``max_continuous_driving_h`` of driving (a double crew changes drivers instead). No break
    or rest is due at the end of the trip.

    Returns
    -------
    (driving_h, rest_h)
    """
    driving_h = distance_km / speed_kph
    if driving_h <= 0:
        return 0.0, 0.0
    daily = max_daily_driving_h * (2 if crew == 2 else 1)
    days = math.ceil(driving_h / daily - 1e-9)
    rest_h = (days - 1) * daily_rest_h
    if crew != 2:
        full_day_breaks = math.ceil(daily / max_continuous_driving_h - 1e-9) - 1
        last_day_h = driving_h - (days - 1) * daily
        last_breaks = math.ceil(last_day_h / max_continuous_driving_h - 1e-9) - 1
        rest_h += ((days - 1) * full_day_breaks + last_breaks) * break_h
    return driving_h, rest_h


def road_time_h_array(
    distance_km: NDArray[np.float64],
    *,
    speed_kph: float,
    max_continuous_driving_h: float,
    break_h: float,
    max_daily_driving_h: float,
    daily_rest_h: float,
    crew: int,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """:func:`road_time_h` of many distances at once (travel matrices).

    Elementwise the same floats as :func:`road_time_h`: the same operations in the same order
    (the whole numbers of days and breaks are exact in floating point).
    """
    km = np.asarray(distance_km, dtype=np.float64)
    driving_h = km / speed_kph
    daily = max_daily_driving_h * (2 if crew == 2 else 1)
    days = np.ceil(driving_h / daily - 1e-9)
    rest_h = (days - 1) * daily_rest_h
    if crew != 2:
        full_day_breaks = math.ceil(daily / max_continuous_driving_h - 1e-9) - 1
        last_day_h = driving_h - (days - 1) * daily
        last_breaks = np.ceil(last_day_h / max_continuous_driving_h - 1e-9) - 1
        rest_h = rest_h + ((days - 1) * full_day_breaks + last_breaks) * break_h
    moving = driving_h > 0
    return np.where(moving, driving_h, 0.0), np.where(moving, rest_h, 0.0)


class Services(_Frozen):
    """Service-level parameters (``[services]``)."""

    defaults: ServiceDefaults


EMISSION_FACTOR_KEYS: tuple[str, ...] = (
    "articulated_truck",
    "diesel_train",
    "electric_train_cn",
    "electric_train_eu",
    "container_ship",
    "container_ship_asia_europe",
    "container_ship_transpacific",
    "container_ship_intra_asia",
    "container_ship_feeder",
    "ropax_ferry",
    "inland_container_barge",
    "freighter_long_haul",
    "freighter_short_haul",
    "belly_long_haul",
    "belly_short_haul",
)
"""Factors ``[emissions.factors]`` must give (the vehicles of :mod:`corridors.emissions`)."""

RAIL_REGIONS: tuple[str, ...] = ("cn", "eu", "eurasia", "la", "default")
"""Regions of ``[emissions.rail_electric_share]``, all required (see :mod:`corridors.emissions`)."""


class EmissionFactor(_Frozen):
    """GHG intensity of one vehicle type (``[emissions.factors.<vehicle>]``), g CO2e per t-km.

    Attributes
    ----------
    wtw : SourcedValue
        Well-to-wheel (energy provision plus operation).
    ttw : SourcedValue
        Tank-to-wheel (operation only; zero for electric traction). Never above ``wtw``.
    """

    wtw: SourcedValue
    ttw: SourcedValue

    def problems(self, key: str) -> list[str]:
        """What is wrong with this factor (checked by :class:`Emissions`, all entries at once)."""
        out = [
            f"factors.{key}.{name}: must be >= 0 (got {sv.value:g})"
            for name, sv in (("wtw", self.wtw), ("ttw", self.ttw))
            if sv.value < 0
        ]
        if self.ttw.value > self.wtw.value:
            out.append(
                f"factors.{key}: ttw ({self.ttw.value:g}) must not exceed wtw ({self.wtw.value:g})"
            )
        return out


class Emissions(_Frozen):
    """``[emissions]``: the method, the factor per vehicle type and rail traction by region.

    Attributes
    ----------
    method : str
        Name of the method, shown once per answer (e.g. ``ISO 14083:2023; GLEC ...``).
    air_long_haul_min_km : SourcedValue
        Air legs at least this long take the long-haul factor.
    factors : dict[str, EmissionFactor]
        By factor key (every key of :data:`EMISSION_FACTOR_KEYS`, plus
        ``electric_train_<region>`` for each region with electric traction).
    rail_electric_share : dict[str, SourcedValue]
        Share (0-1) of rail tonne-km hauled electrically, for every region of
        :data:`RAIL_REGIONS`.
    """

    method: str = Field(min_length=1)
    air_long_haul_min_km: SourcedValue
    factors: dict[str, EmissionFactor]
    rail_electric_share: dict[str, SourcedValue]

    @model_validator(mode="after")
    def _complete(self) -> Emissions:
        problems: list[str] = []
        if self.air_long_haul_min_km.value <= 0:
            problems.append("air_long_haul_min_km must be > 0")
        for key, factor in self.factors.items():
            if not _KEY_RE.match(key):
                problems.append(f"factors.{key}: key must be lower-case letters, digits and '_'")
            problems += factor.problems(key)
        missing = [k for k in EMISSION_FACTOR_KEYS if k not in self.factors]
        if missing:
            problems.append(f"factors: missing {', '.join(missing)}")
        for region in self.rail_electric_share:
            if region not in RAIL_REGIONS:
                problems.append(
                    f"rail_electric_share.{region}: unknown region; one of {RAIL_REGIONS}"
                )
        for region in RAIL_REGIONS:
            share = self.rail_electric_share.get(region)
            if share is None:
                problems.append(f"rail_electric_share.{region}: missing")
                continue
            if not 0.0 <= share.value <= 1.0:
                problems.append(
                    f"rail_electric_share.{region}: must be between 0 and 1 (got {share.value:g})"
                )
            elif share.value > 0 and f"electric_train_{region}" not in self.factors:
                problems.append(
                    f"rail_electric_share.{region} > 0 needs factors.electric_train_{region}"
                )
        if problems:
            raise ValueError("; ".join(problems))
        return self


class SourceEntry(NamedTuple):
    """One row of :meth:`Parameters.sources`."""

    key: str
    value: float
    unit: str
    source: str | None
    as_of: date | None
    assumption: str | None


def _pair_key(a: str, b: str) -> str:
    return "-".join(sorted((a, b)))


class Parameters(_Frozen):
    """The whole parameter file, validated.

    Attributes
    ----------
    version : str
        ``YYYY-MM-DD.N``.
    as_of : datetime.date
        Date the file as a whole was last reviewed.
    fx : dict[str, SourcedValue]
        CNY per one unit of each currency (ISO 4217 code keys).
    payload : Payload
        Tonnes of cargo per unit.
    modes : Modes
        Per-mode speed, tariffs, handling and CO2.
    transfer_table : dict[str, TimeCost]
        ``[transfer]``: mode changes keyed ``"<mode>-<mode>"`` (alphabetical), plus ``"default"``.
    border_table : dict[str, Border]
        ``[border]``: border crossings by id, plus ``"default"``.
    gauge_break_table : dict[str, TimeCost]
        ``[gauge_break]``: transshipments between gauges keyed ``"<mm>-<mm>"`` (smaller first).
    value_of_time : PerUnit
        CNY per unit-hour for the generalized objective.
    services : Services
        Frequency-wait rule.
    access : AccessPolicy
        Road drayage limits and the direct road route's search limit.
    transhipment_table : dict[str, TimeCost]
        ``[transhipment]``: dwell and handling where containers change from one service to
        another of the same mode (vessel to vessel, train to train), by place id, plus
        ``"default"``; empty when the file has no such table.
    emissions : Emissions | None
        ``[emissions]``: ISO 14083 / GLEC well-to-wheel and tank-to-wheel factors per vehicle
        type; None in a file without the section (then ``modes.<m>.co2_g_per_tkm`` applies).
    """

    version: str
    as_of: date
    description: str | None = None
    fx: dict[str, SourcedValue]
    payload: Payload
    modes: Modes
    transfer_table: dict[str, TimeCost] = Field(alias="transfer")
    border_table: dict[str, Border] = Field(alias="border")
    gauge_break_table: dict[str, TimeCost] = Field(alias="gauge_break")
    value_of_time: PerUnit
    services: Services
    access: AccessPolicy
    road_regions: dict[str, RoadRegion]
    transhipment_table: dict[str, TimeCost] = Field(default_factory=dict, alias="transhipment")
    emissions: Emissions | None = None

    @field_validator("version")
    @classmethod
    def _version(cls, value: str) -> str:
        if not _VERSION_RE.match(value):
            msg = f"version must look like YYYY-MM-DD.N (got {value!r})"
            raise ValueError(msg)
        return value

    @field_validator("fx")
    @classmethod
    def _fx(cls, value: dict[str, SourcedValue]) -> dict[str, SourcedValue]:
        for code, sv in value.items():
            if not _CURRENCY_RE.match(code):
                msg = f"currency {code!r} must be a 3-letter upper-case ISO 4217 code"
                raise ValueError(msg)
            _require(sv, name=f"fx.{code}", positive=True)
        return value

    @field_validator("transfer_table")
    @classmethod
    def _transfer(cls, value: dict[str, TimeCost]) -> dict[str, TimeCost]:
        if "default" not in value:
            msg = "a [transfer.default] entry is required"
            raise ValueError(msg)
        for key in value:
            if key == "default":
                continue
            parts = key.split("-")
            if len(parts) != 2 or any(p not in MODES for p in parts):
                msg = f"transfer key {key!r} must be '<mode>-<mode>' with modes from {MODES}"
                raise ValueError(msg)
            if key != _pair_key(*parts):
                msg = f"transfer key {key!r} must list its modes alphabetically"
                raise ValueError(msg)
        return value

    @field_validator("road_regions")
    @classmethod
    def _road_regions(cls, value: dict[str, RoadRegion]) -> dict[str, RoadRegion]:
        if "default" not in value:
            msg = "a [road_regions.default] entry is required"
            raise ValueError(msg)
        seen: dict[str, str] = {}
        for key, region in value.items():
            if not _KEY_RE.match(key):
                msg = f"road region id {key!r} must be lower-case letters, digits and '_'"
                raise ValueError(msg)
            for code in region.countries:
                if code in seen:
                    msg = f"country {code} is in road regions {seen[code]!r} and {key!r}"
                    raise ValueError(msg)
                seen[code] = key
        return value

    @field_validator("border_table")
    @classmethod
    def _border(cls, value: dict[str, Border]) -> dict[str, Border]:
        if "default" not in value:
            msg = "a [border.default] entry is required"
            raise ValueError(msg)
        for key in value:
            if not _KEY_RE.match(key):
                msg = f"border id {key!r} must be lower-case letters, digits and '_'"
                raise ValueError(msg)
        return value

    @field_validator("gauge_break_table")
    @classmethod
    def _gauge(cls, value: dict[str, TimeCost]) -> dict[str, TimeCost]:
        for key in value:
            if _GAUGE_RE.match(key) is None:
                msg = f"gauge_break key {key!r} must be '<mm>-<mm>' (e.g. '1435-1520')"
                raise ValueError(msg)
            if key != _gauge_key(key):
                msg = f"gauge_break key {key!r} must list the smaller gauge first"
                raise ValueError(msg)
        return value

    # ----------------------------------------------------------------- lookups

    def tonnes(self, unit: str, quantity: float) -> float:
        """Cargo mass in tonnes of ``quantity`` units of ``unit``.

        Parameters
        ----------
        unit : str
            ``FEU``, ``TEU``, ``tonne`` or ``kg``.
        quantity : float
            Number of units, finite and >= 0.

        Returns
        -------
        float
            Tonnes of cargo.
        """
        if not math.isfinite(quantity) or quantity < 0:
            msg = f"quantity must be a finite number >= 0 (got {quantity!r})"
            raise QuantityError(msg)
        return self.payload.tonnes_per(unit) * quantity

    def mode(self, mode: str) -> ModeParams:
        """Parameters of ``mode`` (one of :data:`MODES`)."""
        if mode not in MODES:
            raise UnknownParameterError(
                [mode], {mode: difflib.get_close_matches(mode, MODES)}, what="mode"
            )
        params: ModeParams = getattr(self.modes, mode)
        return params

    def tariff_cny_per_km(self, mode: str, unit: str) -> float:
        """Line-haul price of ``mode`` for one ``unit`` over one km, CNY."""
        return self.mode(mode).tariff_cny_per_km.per(unit, self.payload)

    def fixed_cny(self, mode: str, unit: str) -> float:
        """Return the fixed charge of one leg of ``mode`` for one ``unit``, CNY."""
        return self.mode(mode).fixed_cny.per(unit, self.payload)

    def border(self, border_id: str) -> Border:
        """Return the customs parameters of ``border_id``, or ``default`` when it has none."""
        return self.border_table.get(border_id.strip().lower(), self.border_table["default"])

    def gauge_break(self, kind: str) -> TimeCost:
        """Transshipment between two gauges, e.g. ``"1435-1520"`` (either order, '-' or '_')."""
        key = _gauge_key(kind)
        table = self.gauge_break_table
        if key not in table:
            raise UnknownParameterError(
                [kind], {kind: difflib.get_close_matches(key, list(table))}, what="gauge break"
            )
        return table[key]

    def transfer(self, mode_a: str, mode_b: str) -> TimeCost:
        """Time and cost of a change between two modes (order-free), or the default."""
        for m in (mode_a, mode_b):
            self.mode(m)
        table = self.transfer_table
        return table.get(_pair_key(mode_a, mode_b), table["default"])

    def road_region(self, country: str) -> tuple[str, RoadRegion]:
        """The road region (id, parameters) of *country* (ISO alpha-2), or ``default``."""
        for key, region in self.road_regions.items():
            if country in region.countries:
                return key, region
        return "default", self.road_regions["default"]

    def road_time_h(self, distance_km: float, country: str) -> tuple[float, float]:
        """Driving and rest time of a road trip in *country*'s region (see :func:`road_time_h`)."""
        return road_time_h(distance_km, **self.drivers_hours(country))

    def road_times_h(
        self, distance_km: NDArray[np.float64], country: str
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """:meth:`road_time_h` of many distances at once (see :func:`road_time_h_array`)."""
        return road_time_h_array(distance_km, **self.drivers_hours(country))

    def drivers_hours(self, country: str) -> dict[str, Any]:
        """The speed and drivers'-hours rules of *country*'s road region (keyword arguments).

        One reading of the region for :func:`road_time_h` and :func:`road_time_h_array`.
        """
        _, r = self.road_region(country)
        return {
            "speed_kph": r.speed_kph.value,
            "max_continuous_driving_h": r.max_continuous_driving_h.value,
            "break_h": r.break_h.value,
            "max_daily_driving_h": r.max_daily_driving_h.value,
            "daily_rest_h": r.daily_rest_h.value,
            "crew": int(r.crew.value),
        }

    def value_of_time_cny_per_h(self, unit: str) -> float:
        """Value of time for one ``unit`` and one hour, CNY."""
        return self.value_of_time.per(unit, self.payload)

    def average_wait_h(self, departures_per_week: float) -> float:
        """Average wait for a service with ``departures_per_week`` (half the headway by default)."""
        if not math.isfinite(departures_per_week) or departures_per_week <= 0:
            msg = f"departures_per_week must be > 0 (got {departures_per_week!r})"
            raise QuantityError(msg)
        d = self.services.defaults
        return d.wait_fraction_of_headway.value * d.hours_per_week.value / departures_per_week

    def to_cny(self, amount: float, currency: str) -> float:
        """Convert ``amount`` of ``currency`` (ISO code, any case) to CNY."""
        code = currency.strip().upper()
        if code in ("CNY", "RMB"):
            return amount
        if code not in self.fx:
            raise UnknownParameterError(
                [currency],
                {currency: difflib.get_close_matches(code, [*self.fx, "CNY"])},
                what="currency",
            )
        return amount * self.fx[code].value

    # --------------------------------------------------------- introspection

    def sources(self) -> list[SourceEntry]:
        """Every number in the file, flat and sorted by its dotted key path."""
        rows = [
            SourceEntry(key, sv.value, sv.unit, sv.source, sv.as_of, sv.assumption)
            for key, sv in _walk(self, "")
        ]
        return sorted(rows, key=lambda r: r.key)

    def fingerprint(self) -> str:
        """Stable SHA-256 (hex) of the normalised content; use it as a cache key."""
        canonical = json.dumps(
            self.model_dump(mode="json", by_alias=True),
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    # ------------------------------------------------------------ transhipment

    @field_validator("transhipment_table")
    @classmethod
    def _transhipment(cls, value: dict[str, TimeCost]) -> dict[str, TimeCost]:
        if value and "default" not in value:
            msg = "a [transhipment.default] entry is required when [transhipment] is given"
            raise ValueError(msg)
        for key in value:
            if not _KEY_RE.match(key):
                msg = f"transhipment place id {key!r} must be lower-case letters, digits and '_'"
                raise ValueError(msg)
        return value

    def transhipment(self, place_id: str) -> TimeCost | None:
        """Dwell at ``place_id`` between two services of one mode, the default, or None.

        None only when the file has no ``[transhipment]`` table.
        """
        table = self.transhipment_table
        return table.get(place_id.strip().lower(), table.get("default"))

    def tariff_as_of(self, mode: str, unit: str) -> date | None:
        """Date of the per-km tariff row of ``mode`` that prices ``unit`` (None if undated)."""
        _, row = self.mode(mode).tariff_cny_per_km.basis(unit)
        return row.as_of


def _gauge_key(kind: str) -> str:
    parts = re.split(r"[-_/ ]", kind.strip())
    if len(parts) == 2 and all(p.isdigit() for p in parts):
        a, b = sorted(int(p) for p in parts)
        return f"{a}-{b}"
    return kind.strip()


def _walk(node: BaseModel, prefix: str) -> Iterator[tuple[str, SourcedValue]]:
    """Yield (dotted key, value) for every SourcedValue under ``node``."""
    for name, field in type(node).model_fields.items():
        child = getattr(node, name)
        path = f"{prefix}{field.alias or name}"
        yield from _walk_any(child, path)


def _walk_any(child: object, path: str) -> Iterator[tuple[str, SourcedValue]]:
    if isinstance(child, SourcedValue):
        yield path, child
    elif isinstance(child, BaseModel):
        yield from _walk(child, f"{path}.")
    elif isinstance(child, dict):
        for key, value in child.items():
            yield from _walk_any(value, f"{path}.{key}")


# ------------------------------------------------------------------- loading


def default_parameters_path() -> Path:
    """Path of the shipped ``data/geo/parameters.toml`` (not read here)."""
    return Path(__file__).resolve().parent.parent / "data" / "geo" / "parameters.toml"


def _loc_to_key(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(p) for p in loc)


def _problems_from(err: ValidationError, file: str) -> list[Problem]:
    problems = []
    for e in err.errors(include_url=False):
        msg = str(e["msg"]).removeprefix("Value error, ")
        problems.append(Problem(file=file, row=None, column=_loc_to_key(e["loc"]), message=msg))
    return problems


def parse_parameters(raw: Mapping[str, Any], *, file: str = "<memory>") -> Parameters:
    """Validate an already-parsed TOML mapping into :class:`Parameters`.

    Parameters
    ----------
    raw : Mapping[str, Any]
        The TOML content as nested mappings.
    file : str, optional
        Name used in problem reports.

    Returns
    -------
    corridors.params.Parameters
        The validated parameters.

    Raises
    ------
    ParameterError
        With every problem found, each naming its dotted key path.
    """
    try:
        return Parameters.model_validate(dict(raw))
    except ValidationError as err:
        raise ParameterError(_problems_from(err, file)) from None


def load_parameters(path: str | Path) -> Parameters:
    """Read and validate a parameter file.

    Parameters
    ----------
    path : str | pathlib.Path
        The TOML file (usually :func:`default_parameters_path`).

    Returns
    -------
    corridors.params.Parameters
        The validated parameters.

    Raises
    ------
    ParameterError
        When the file is missing, is not valid TOML (the problem names the line) or fails
        validation (every problem at once, each with its dotted key path).
    """
    p = Path(path)
    file = str(p)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ParameterError([Problem(file, None, None, f"cannot read: {exc}")]) from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = _TOML_POS_RE.search(str(exc))
        row = int(m.group(1)) if m else None
        raise ParameterError([Problem(file, row, None, f"TOML syntax error: {exc}")]) from None
    return parse_parameters(raw, file=file)


# ----------------------------------------------------------------- overrides


def _flatten(node: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in node.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from _flatten(value, f"{path}.")
        else:
            yield path, value


def load_overrides(path: str | Path) -> dict[str, float]:
    """Read a ``--params`` TOML file of dotted keys (``modes.rail.speed_kph = 45``) into a dict.

    Raises
    ------
    ParameterError
        When the file cannot be read, is not TOML, or holds a non-numeric value.
    """
    p = Path(path)
    file = str(p)
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ParameterError([Problem(file, None, None, f"cannot read: {exc}")]) from None
    except tomllib.TOMLDecodeError as exc:
        m = _TOML_POS_RE.search(str(exc))
        row = int(m.group(1)) if m else None
        raise ParameterError([Problem(file, row, None, f"TOML syntax error: {exc}")]) from None
    out: dict[str, float] = {}
    problems: list[Problem] = []
    for key, value in _flatten(raw):
        key_path = key.removesuffix(".value")
        if isinstance(value, bool) or not isinstance(value, int | float):
            problems.append(Problem(file, None, key, f"override must be a number (got {value!r})"))
            continue
        out[key_path] = float(value)
    if problems:
        raise ParameterError(problems)
    return out


def apply_overrides(params: Parameters, overrides: Mapping[str, float]) -> Parameters:
    """Return a copy of ``params`` with some values replaced by dotted key.

    Parameters
    ----------
    params : Parameters
        The validated parameters.
    overrides : Mapping[str, float]
        ``{"modes.rail.speed_kph": 45}``; a trailing ``.value`` is accepted. Each overridden
        entry keeps its unit, loses its source and gets an ``assumption`` recording the override.

    Returns
    -------
    corridors.params.Parameters
        New, re-validated parameters (their :meth:`Parameters.fingerprint` differs).

    Raises
    ------
    UnknownParameterError
        When keys do not exist; lists all of them with close existing keys.
    QuantityError
        When a value is not a finite number.
    ParameterError
        When the result fails validation (e.g. a negative speed).
    """
    if not overrides:
        return params
    known = {row.key: row for row in params.sources()}
    unknown = [k for k in overrides if k.removesuffix(".value") not in known]
    if unknown:
        suggestions = {
            k: difflib.get_close_matches(k, list(known), n=3, cutoff=0.6) for k in unknown
        }
        raise UnknownParameterError(unknown, suggestions)
    data = params.model_dump(by_alias=True)
    for raw_key, raw_value in overrides.items():
        key = raw_key.removesuffix(".value")
        if isinstance(raw_value, bool) or not isinstance(raw_value, int | float):
            msg = f"override {raw_key!r} must be a number (got {raw_value!r})"
            raise QuantityError(msg)
        value = float(raw_value)
        if not math.isfinite(value):
            msg = f"override {raw_key!r} must be finite (got {raw_value!r})"
            raise QuantityError(msg)
        old = known[key]
        node: dict[str, Any] = data
        for part in key.split("."):
            node = node[part]
        was = f"{old.value:g} {old.unit}"
        if old.source:
            was += f" from {old.source} ({old.as_of})"
        node.update(
            value=value,
            source=None,
            as_of=None,
            assumption=f"override {key}={value:g} (was {was})",
        )
    return parse_parameters(data, file="<overrides>")
