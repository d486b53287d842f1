"""The result contract of the HTTP API as pydantic models (what ``/openapi.json`` documents).

Owns: the response models of ``/healthz`` (:class:`Health`), ``/v1/route``
(:class:`RouteResultOut`), ``/v1/estimates`` (its rows carry a :class:`RouteOut`), ``/v1/matrix``
and the matrix jobs (:class:`MatrixResultOut`), and the problem of one batch row or job
(:class:`RowProblem`), with examples taken from real answers. The JSON itself is produced by
:meth:`corridors.engine.RouteResult.to_dict`, :meth:`corridors.models.Route.to_dict` and
:meth:`corridors.matrix.TravelMatrix.to_dict`; these models describe it field for field (same
names, order and nullability), and ``tests/api/test_schemas.py`` checks that real answers survive
a round trip through them unchanged. Enumerations are the domain's own
(:class:`corridors.models.Mode`, ...), defined once.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from corridors.models import CargoUnit, Mode, Objective
from hubs.models import PlaceKind, Region


def _omit_none(value: object) -> bool:
    return value is None


class PointGeometry(BaseModel):
    """A GeoJSON Point (RFC 7946): ``[lon, lat]`` in WGS84 degrees, 6 decimals."""

    type: Literal["Point"]
    coordinates: list[float] = Field(min_length=2, max_length=2, examples=[[104.06807, 30.67195]])


class PlaceProperties(BaseModel):
    """What a place is: names (zh/en), kind, country, codes and provenance."""

    id: str = Field(examples=["chengdu"])
    name_zh: str = Field(examples=["成都"])
    name_en: str = Field(examples=["Chengdu"])
    aliases: list[str]
    kind: PlaceKind
    country: str | None = Field(description="ISO 3166-1 alpha-2 code.", examples=["CN"])
    adcode: str | None = Field(description="Six-digit Chinese division code (Sichuan places).")
    region: Region | None = Field(description="Sichuan economic region.")
    region_zh: str | None
    unlocode: str | None
    iata: str | None
    operator: str | None
    status: str | None
    source: str | None
    as_of: str | None
    assumption: str | None
    coord_source: str | None


class PlaceFeature(BaseModel):
    """A place as a GeoJSON Feature (origin or destination of a route)."""

    type: Literal["Feature"]
    id: str
    geometry: PointGeometry
    properties: PlaceProperties


class CargoOut(BaseModel):
    """The cargo priced: unit, number of units and its mass."""

    unit: CargoUnit
    quantity: float = Field(gt=0, examples=[1.0])
    tonnes: float = Field(ge=0, description="Mass of the cargo, t.", examples=[20.0])


class MultiLineStringGeometry(BaseModel):
    """A GeoJSON MultiLineString (RFC 7946), one line per leg, WGS84 lon/lat, 6 decimals."""

    type: Literal["MultiLineString"]
    coordinates: list[list[list[float]]]


class LegOut(BaseModel):
    """One leg: a road trip (``service`` null) or a ride on one scheduled service."""

    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from", description="Place id where the leg starts.")
    from_name: dict[str, str] = Field(description="``name_zh`` and ``name_en`` (empty if none).")
    to: str = Field(description="Place id where the leg ends.")
    to_name: dict[str, str]
    mode: Mode
    service: str | None = Field(description="Service id; null for a road trip.")
    distance_km: float
    time_h: float
    cost_cny: float
    co2_kg: float = Field(
        description="CO2e, kg, well-to-wheel (ISO 14083 / GLEC factor of the leg's vehicle)."
    )
    breakdown: dict[str, float] = Field(
        description="Parts of time (``*_h``) and cost (``*_cny``): line haul, wait, handling, "
        "border, gauge."
    )
    border_crossings: list[str] = Field(description="Land borders crossed by rail or road.")
    gauge_breaks: list[str]
    passages: list[str] = Field(description="Sea passages (suez, malacca, ...).")
    sources: list[str] = Field(description="Where the service and its figures come from.")
    customs: list[str] = Field(
        default_factory=list,
        description="Customs clearances of a sea, river or air leg between countries "
        "(loading-discharge), which cross no land border.",
    )
    moving_h: float = Field(0.0, description="Part of ``time_h`` moving on the line.")
    wait_h: float = Field(
        0.0, description="Part of ``time_h`` waiting for a departure (half the headway)."
    )
    stops_h: float = Field(
        0.0,
        description="Part of ``time_h`` at terminals, borders, gauge breaks, transfers and "
        "transhipments (``time_h - moving_h - wait_h``).",
    )
    prices_as_of: str | None = Field(
        None,
        description="ISO date of the line-haul price used (the service's published price or "
        "the mode's per-km tariff); null when that price is an undated assumption.",
    )
    co2_ttw_kg: float = Field(0.0, description="CO2e, kg, tank-to-wheel (zero for electric rail).")


class RouteOut(BaseModel):
    """One route: totals over its legs, the legs, and the line to draw."""

    rank: int = Field(ge=1, examples=[1])
    corridor: str = Field(examples=["china_laos"])
    modes: list[Mode] = Field(description="Modes in travel order, no repeats in a row.")
    services: list[str]
    distance_km: float
    time_h: float
    cost_cny: float
    co2_kg: float
    border_crossings: list[str]
    gauge_breaks: list[str]
    passages: list[str]
    legs: list[LegOut]
    geometry: MultiLineStringGeometry
    moving_h: float = Field(0.0, description="Sum of the legs' ``moving_h``.")
    wait_h: float = Field(0.0, description="Sum of the legs' ``wait_h``: waiting for departures.")
    stops_h: float = Field(0.0, description="Sum of the legs' ``stops_h``.")
    prices_as_of: str | None = Field(
        None,
        description="Date of the oldest dated price among the legs: the estimate is no fresher.",
    )
    co2_ttw_kg: float = Field(0.0, description="Total CO2e, kg, tank-to-wheel.")


_ROUTE_EXAMPLE: dict[str, Any] = (
    # The engine's answer to Kunming -> Vientiane (alternatives=1; data and parameters of
    # 2026-12-01), with each route's line cut to its end points and each leg's sources to the
    # first one: the China-Laos train runs through to Vientiane (no truck from Boten).
    {
        "origin": {
            "type": "Feature",
            "id": "kunming",
            "geometry": {"type": "Point", "coordinates": [102.7, 25.066667]},
            "properties": {
                "id": "kunming",
                "name_zh": "昆明",
                "name_en": "Kunming",
                "aliases": ["昆明市"],
                "kind": "city",
                "country": "CN",
                "adcode": None,
                "region": None,
                "region_zh": None,
                "unlocode": "CNKNM",
                "iata": None,
                "operator": None,
                "status": None,
                "source": "https://en.wikipedia.org/wiki/Kunming",
                "as_of": "2026-11-27",
                "assumption": "UN/LOCODE point at minute precision; ~2 km",
                "coord_source": "unlocode:CNKNM",
            },
        },
        "destination": {
            "type": "Feature",
            "id": "vientiane",
            "geometry": {"type": "Point", "coordinates": [102.55, 17.966667]},
            "properties": {
                "id": "vientiane",
                "name_zh": "万象",
                "name_en": "Vientiane",
                "aliases": ["Viangchan", "ວຽງຈັນ"],
                "kind": "city",
                "country": "LA",
                "adcode": None,
                "region": None,
                "region_zh": None,
                "unlocode": "LAVTE",
                "iata": None,
                "operator": None,
                "status": None,
                "source": "https://en.wikipedia.org/wiki/Vientiane",
                "as_of": "2026-11-27",
                "assumption": "UN/LOCODE point at minute precision; ~2 km",
                "coord_source": "unlocode:LAVTE",
            },
        },
        "cargo": {"unit": "FEU", "quantity": 1.0, "tonnes": 20.0},
        "objective": "time",
        "parameters_version": "2026-12-05.1",
        "emissions_method": "ISO 14083:2023; GLEC Framework v3.1 (2024) default intensities; "
        "well-to-wheel",
        "routes": [
            {
                "rank": 1,
                "corridor": "road",
                "modes": ["road"],
                "services": [],
                "distance_km": 1011.780716,
                "time_h": 37.45391,
                "cost_cny": 7915.465013,
                "co2_kg": 1912.265553,
                "co2_ttw_kg": 1467.082038,
                "border_crossings": ["CN-LA"],
                "gauge_breaks": [],
                "passages": [],
                "legs": [
                    {
                        "from": "kunming",
                        "from_name": {"name_zh": "昆明", "name_en": "Kunming"},
                        "to": "vientiane",
                        "to_name": {"name_zh": "万象", "name_en": "Vientiane"},
                        "mode": "road",
                        "service": None,
                        "distance_km": 1011.780716,
                        "time_h": 37.45391,
                        "cost_cny": 7915.465013,
                        "co2_kg": 1912.265553,
                        "co2_ttw_kg": 1467.082038,
                        "breakdown": {
                            "border_cny": 533.0,
                            "border_h": 12.0,
                            "driver_rest_h": 8.9999,
                            "handling_cny": 300.0,
                            "handling_h": 2.0,
                            "line_haul_cny": 7082.465013,
                            "line_haul_h": 14.45401,
                        },
                        "border_crossings": ["CN-LA"],
                        "gauge_breaks": [],
                        "passages": [],
                        "sources": ["parameters:modes.road.tariff_cny_per_km@2026-12-05.1"],
                        "customs": [],
                        "moving_h": 14.45401,
                        "wait_h": 0.0,
                        "stops_h": 22.9999,
                        "prices_as_of": None,
                    }
                ],
                "geometry": {
                    "type": "MultiLineString",
                    "coordinates": [[[102.7, 25.066667], [102.55, 17.966667]]],
                },
                "moving_h": 14.45401,
                "wait_h": 0.0,
                "stops_h": 22.9999,
                "prices_as_of": None,
            }
        ],
    }
)


def _is_none(value: object) -> bool:
    return value is None


class ScenarioBaselineOut(BaseModel):
    """The baseline a scenario changes: its parameter version and fingerprint."""

    parameters_version: str = Field(examples=["2025-09-01.1"])
    parameters_fingerprint: str


class ScenarioRefOut(BaseModel):
    """The scenario a result was computed under (absent: the baseline)."""

    id: str | None = Field(description="Stored scenario id (None for a scenario file)")
    version: int | None = Field(description="Stored scenario version")
    title: str
    fingerprint: str = Field(description="SHA-256 of the scenario's canonical JSON")
    baseline: ScenarioBaselineOut


class RouteResultOut(BaseModel):
    """The answer of ``GET /v1/route`` (and of ``shudao route --json``, byte for byte in JSON)."""

    model_config = ConfigDict(json_schema_extra={"examples": [_ROUTE_EXAMPLE]})

    origin: PlaceFeature
    destination: PlaceFeature
    cargo: CargoOut
    objective: Objective
    parameters_version: str = Field(examples=["2026-12-05.1"])
    routes: list[RouteOut] = Field(
        description="Best first; alternatives are other corridors, then other gateways "
        "(with pareto=true: the routes no other route beats on time, cost and CO2 at once)."
    )
    emissions_method: str = Field(
        "",
        description="How co2_kg (well-to-wheel) and co2_ttw_kg (tank-to-wheel) are computed.",
        examples=["ISO 14083:2023; GLEC Framework v3.1 (2024) default intensities; well-to-wheel"],
    )
    scenario: ScenarioRefOut | None = Field(
        default=None,
        exclude_if=_is_none,
        description="The stored scenario of scenario=ID (absent on the baseline).",
    )


class RowProblem(BaseModel):
    """The RFC 9457 problem of one batch row or one job (members that do not apply are absent)."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(examples=["https://shudao.invalid/problems/unknown-place"])
    title: str = Field(examples=["Not found"])
    status: int = Field(ge=400, le=599, examples=[404])
    detail: str | None = Field(default=None, exclude_if=_omit_none)
    instance: str | None = Field(default=None, exclude_if=_omit_none)
    suggestions: list[str] | None = Field(default=None, exclude_if=_omit_none)
    constraint: str | None = Field(default=None, exclude_if=_omit_none)


class MatrixCell(BaseModel):
    """One origin-destination pair; the figures are null (and the texts empty) without a route."""

    origin_id: str = Field(examples=["chengdu"])
    origin_name_zh: str
    origin_name_en: str
    destination_id: str = Field(examples=["duisburg"])
    destination_name_zh: str
    destination_name_en: str
    objective: Objective
    time_h: float | None
    cost_cny: float | None
    co2_kg: float | None
    distance_km: float | None
    corridor: str = Field(description="Corridor of the best route ('' when none).")
    modes: str = Field(description="Modes of the best route joined by '/'.", examples=["road/air"])
    terminal: str = Field(description="Terminal where the main leg starts ('' when none).")


_MATRIX_EXAMPLE: dict[str, Any] = {
    # A real answer: origins=Chengdu, destinations=Duisburg (engine of 2026-12-01).
    "objective": "time",
    "cargo": {"unit": "FEU", "quantity": 1.0, "tonnes": 20.0},
    "parameters_version": "2026-12-05.1",
    "origins": 1,
    "destinations": 1,
    "cells": [
        {
            "origin_id": "chengdu",
            "origin_name_zh": "成都",
            "origin_name_en": "Chengdu",
            "destination_id": "duisburg",
            "destination_name_zh": "杜伊斯堡",
            "destination_name_en": "Duisburg",
            "objective": "time",
            "time_h": 65.899884,
            "cost_cny": 444146.515213,
            "co2_kg": 90618.259407,
            "distance_km": 8277.355556,
            "corridor": "air_cargo",
            "modes": "road/air/road",
            "terminal": "ctu",
        }
    ],
}


class MatrixResultOut(BaseModel):
    """A matrix: the query echoed and one cell per pair, sorted by origin then destination id."""

    model_config = ConfigDict(json_schema_extra={"examples": [_MATRIX_EXAMPLE]})

    objective: Objective
    cargo: CargoOut
    parameters_version: str
    origins: int = Field(ge=0, description="Number of origins.")
    destinations: int = Field(ge=0, description="Number of destinations.")
    cells: list[MatrixCell]
    scenario: ScenarioRefOut | None = Field(
        default=None,
        exclude_if=_is_none,
        description="The stored scenario of scenario=ID (absent on the baseline).",
    )


class JobProgress(BaseModel):
    """Destination columns done out of the total."""

    done: int = Field(ge=0)
    total: int = Field(ge=0)


class CacheStats(BaseModel):
    """The route-estimate cache: capacity and counters since start."""

    size: int = Field(ge=0)
    hits: int = Field(ge=0)
    misses: int = Field(ge=0)


class Health(BaseModel):
    """``/healthz`` once the service is ready (before: a 503 problem)."""

    status: Literal["ok"]
    places: int = Field(ge=0, description="Places the resolver knows (curated and counties).")
    services: int = Field(ge=0, description="Scheduled services measured on the network.")
    parameters_version: str
    cache: CacheStats
