"""The ``/v1`` endpoints: route estimates, batches, places, regions, corridors, parameters.

Owns: query and body validation (bounded sizes, enumerations), the mapping of each endpoint onto
:class:`api.service.Service`, per-row error isolation in batches, and the OpenAPI description
(examples, and every problem response declared).
"""

from __future__ import annotations

import time
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from api.http.deps import (
    GeoJSONResponse,
    ScenarioQuery,
    get_service,
    lookup_scenario,
    run_budgeted,
    run_limited,
    stored_scenario,
)
from api.http.problems import problem, problem_from_exception, problem_responses
from api.http.schemas import RouteOut, RouteResultOut, RowProblem, ScenarioRefOut
from api.service import Service, bbox_filter
from api.settings import Settings
from api.store import StoredScenario
from corridors.emissions import method as emissions_method
from corridors.models import CargoUnit, Mode, Objective
from corridors.request import (
    MAX_ALTERNATIVES,
    MAX_AVOID,
    MAX_QUANTITY,
    MAX_VIA,
    PLACE_TEXT,
    RouteRequest,
    parse_request,
)
from hubs.models import PlaceKind, Region
from hubs.regions import places_feature_collection

router = APIRouter(prefix="/v1", responses=problem_responses(401, 422, 500, 503))
ServiceDep = Annotated[Service, Depends(get_service)]


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _parse_bbox(bbox: str | None) -> tuple[float, float, float, float] | None:
    if bbox is None:
        return None
    try:
        w, s, e, n = (float(x) for x in bbox.split(","))
    except ValueError:
        return None
    return w, s, e, n


BBOX = Annotated[
    str | None,
    Query(
        description="w,s,e,n in WGS84 degrees",
        pattern=r"^-?\d+(\.\d+)?,-?\d+(\.\d+)?,-?\d+(\.\d+)?,-?\d+(\.\d+)?$",
        examples=["97,26,109,35"],
    ),
]


MODES_DOC = (
    "Main modes allowed: " + ", ".join(m.value for m in Mode) + "; repeat the parameter or "
    "separate with commas (modes=rail,sea). Road access and egress are always allowed."
)
LIST_DOC = "Repeat the parameter or separate with commas; at most {n} after splitting."


async def route_request(
    origin: Annotated[
        str,
        Query(
            pattern=PLACE_TEXT,
            description="Name (zh/en), alias, UN/LOCODE, IATA or lon,lat.",
            examples=["Chengdu"],
        ),
    ],
    destination: Annotated[
        str, Query(pattern=PLACE_TEXT, description="As origin.", examples=["Duisburg"])
    ],
    unit: CargoUnit = CargoUnit.FEU,
    quantity: Annotated[float, Query(gt=0, le=MAX_QUANTITY)] = 1.0,
    modes: Annotated[list[str] | None, Query(max_length=20, description=MODES_DOC)] = None,
    via: Annotated[
        list[Annotated[str, Query(pattern=PLACE_TEXT)]],
        Query(max_length=20, description="Places to pass, in order. " + LIST_DOC.format(n=MAX_VIA)),
    ] = [],  # noqa: B006
    avoid: Annotated[
        list[Annotated[str, Query(pattern=PLACE_TEXT)]],
        Query(
            max_length=20,
            description="Places, border crossings or sea passages. " + LIST_DOC.format(n=MAX_AVOID),
        ),
    ] = [],  # noqa: B006
    objective: Objective = Objective.TIME,
    alternatives: Annotated[int, Query(ge=1, le=MAX_ALTERNATIVES)] = 3,
    pareto: bool = False,
) -> RouteRequest:
    """The route query parameters (shared by ``/v1/route`` and ``/maps/route.*``).

    Validated and normalised by :func:`corridors.request.parse_request`, the CLI's rules.
    Async on purpose: parsing is microseconds of work, and a sync dependency would wait for a
    thread of the default pool, which other work may hold (the route would then queue behind
    it although its own route thread is free).
    """
    return parse_request(
        {
            "origin": origin,
            "destination": destination,
            "unit": unit,
            "quantity": quantity,
            "modes": modes,
            "via": via,
            "avoid": avoid,
            "objective": objective,
            "alternatives": alternatives,
            "pareto": pareto,
        }
    )


RouteReq = Annotated[RouteRequest, Depends(route_request)]


@router.get(
    "/route",
    summary="Route estimates between two places",
    responses=problem_responses(404, 504),
    tags=["estimates"],
    response_model=RouteResultOut,
)
async def get_route(
    request: Request, service: ServiceDep, req: RouteReq, scenario: ScenarioQuery = None
) -> Response:
    """The same JSON as ``shudao route --json``: routes with legs, totals and GeoJSON geometry.

    The answer is serialised in the route thread (and cached as bytes): encoding 40-120 KB of
    JSON on the event loop would hold up every other request, ``/healthz`` included.
    """
    try:
        body, _ = await run_limited(
            _settings(request),
            lambda: service.route_json(req, scenario=stored_scenario(request, scenario)),
        )
    except TimeoutError:
        return problem(504, "The route took longer than the request timeout.", slug="timeout")
    return Response(body, media_type="application/json")


class EstimateRow(BaseModel):
    """One origin–destination–cargo row of a batch."""

    model_config = ConfigDict(extra="forbid")

    origin: str = Field(pattern=PLACE_TEXT, examples=["Chengdu"])
    destination: str = Field(pattern=PLACE_TEXT, examples=["Lodz"])
    unit: CargoUnit = CargoUnit.FEU
    quantity: float = Field(default=1.0, gt=0, le=MAX_QUANTITY, allow_inf_nan=False)
    modes: list[Mode] | None = Field(default=None, max_length=len(Mode))
    via: list[str] = Field(default_factory=list, max_length=MAX_VIA)
    avoid: list[str] = Field(default_factory=list, max_length=MAX_AVOID)
    objective: Objective = Objective.TIME


class EstimateBatch(BaseModel):
    """Up to ``SHUDAO_MAX_BATCH_ROWS`` rows (1,000); each is validated and answered on its own.

    A row that is not a valid :class:`EstimateRow` (an unknown unit, a negative quantity, an
    extra field) is taken as a plain object and answered with its own problem; more rows than
    the limit answer 413.
    """

    model_config = ConfigDict(extra="forbid")

    rows: list[EstimateRow | dict[str, Any]] = Field(min_length=1)


class EstimateResult(BaseModel):
    """The best route of one row, or the problem that row ran into."""

    index: int
    ok: bool
    route: RouteOut | None = None
    problem: RowProblem | None = None


class EstimateResults(BaseModel):
    """One result per row, in row order."""

    results: list[EstimateResult]
    parameters_version: str
    cached_rows: int
    scenario: ScenarioRefOut | None = Field(default=None, exclude_if=lambda v: v is None)


@router.post(
    "/estimates",
    summary="Batch of route estimates (best route per row)",
    tags=["estimates"],
    responses=problem_responses(400, 404, 413),
    response_model=EstimateResults,
)
async def post_estimates(
    request: Request, service: ServiceDep, batch: EstimateBatch, scenario: ScenarioQuery = None
) -> Response:
    """Answer every row; a failing row gets its own problem and never fails the batch.

    Each row is answered in the route thread on its own turn (:func:`run_budgeted`), so a route
    or another batch that arrives meanwhile waits for one row, not for the whole batch; the
    results are serialised there too, not on the event loop. A row begun after the batch's time
    budget (``SHUDAO_BATCH_TIMEOUT_S``, counted from its arrival) answers with a 504 problem.
    With ``scenario=ID`` every row is answered under that stored scenario (404 if unknown).
    """
    settings = _settings(request)
    if len(batch.rows) > settings.max_batch_rows:
        return problem(
            413, f"at most {settings.max_batch_rows} rows per batch", slug="batch-too-large"
        )
    deadline = time.monotonic() + settings.batch_timeout_s
    stored = await lookup_scenario(request, scenario)
    results: list[EstimateResult] = []
    cached = 0
    for i, row in enumerate(batch.rows):
        if time.monotonic() > deadline:
            results.append(_timed_out(i))
            continue
        result, hit = await run_budgeted(partial(_estimate_row, service, i, row, stored))
        results.append(result)
        cached += int(hit)

    def serialise() -> bytes:
        ref = getattr(service.engine_for(stored), "ref", None) if stored else None
        out = EstimateResults(
            results=results,
            parameters_version=service.engine.params.version,
            cached_rows=cached,
            scenario=ScenarioRefOut.model_validate(ref.to_dict()) if ref else None,
        )
        return out.model_dump_json(by_alias=True).encode("utf-8")

    return Response(await run_budgeted(serialise), media_type="application/json")


def _timed_out(index: int) -> EstimateResult:
    """The result of a row the batch's time budget did not reach."""
    return EstimateResult(
        index=index,
        ok=False,
        problem=RowProblem(
            type="about:blank",
            title="Timed out",
            status=504,
            detail="the batch time budget ran out before this row",
        ),
    )


def _estimate_row(
    service: Service,
    index: int,
    row: EstimateRow | dict[str, Any],
    stored: StoredScenario | None,
) -> tuple[EstimateResult, bool]:
    """Row *index* of a batch answered (its best route, or its own problem), and a cache hit."""
    try:
        # a schema-invalid row is validated here, by the one set of rules, and answered
        # with its own problem (422, every bad field named)
        values = row.model_dump() if isinstance(row, EstimateRow) else dict(row)
        req = parse_request({**values, "alternatives": 1})
        result, hit = service.route(req, scenario=stored)
    except Exception as exc:
        body = problem_from_exception(exc).body
        problem_row = RowProblem.model_validate(_json(body))
        return EstimateResult(index=index, ok=False, problem=problem_row), False
    best = result["routes"][0] if result["routes"] else None
    route = RouteOut.model_validate(best) if best is not None else None
    return EstimateResult(index=index, ok=route is not None, route=route), bool(hit)


def _json(body: bytes | memoryview) -> dict[str, Any]:
    import json  # noqa: PLC0415

    out: dict[str, Any] = json.loads(bytes(body))
    return out


@router.get(
    "/places",
    summary="Places and hubs (GeoJSON)",
    response_class=GeoJSONResponse,
    tags=["places"],
)
def get_places(
    service: ServiceDep,
    kind: PlaceKind | None = None,
    region: Region | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    bbox: BBOX = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 1000,
) -> dict[str, Any]:
    """Filter by kind, economic region, text (any language or alias) and bounding box."""
    fc = places_feature_collection(
        service.places,
        kind=kind.value if kind else None,
        region=region.value if region else None,
        q=q,
    )
    feats = bbox_filter(fc["features"], _parse_bbox(bbox))[:limit]
    return {"type": "FeatureCollection", "features": feats}


@router.get(
    "/places/{place_id}",
    summary="One place (GeoJSON Feature)",
    response_class=GeoJSONResponse,
    responses=problem_responses(404),
    tags=["places"],
)
def get_place(
    service: ServiceDep, place_id: Annotated[str, Path(max_length=100, examples=["chengdu_irp"])]
) -> Any:
    """A place by id; 404 problem with suggestions when unknown."""
    place = service.place(place_id)
    if place is None:
        suggestions = service.engine.resolver.suggest(place_id)
        return problem(
            404, f"unknown place id {place_id!r}", slug="unknown-place", suggestions=suggestions
        )
    return GeoJSONResponse(place.to_feature())


@router.get(
    "/regions",
    summary="Sichuan's 21 prefectures by economic region (GeoJSON)",
    response_class=GeoJSONResponse,
    tags=["places"],
)
def get_regions(
    service: ServiceDep, region: Region | None = None, bbox: BBOX = None
) -> dict[str, Any]:
    """Prefectures with adcode, name_zh, name_en, region and region_zh."""
    feats = service.regions["features"]
    if region is not None:
        feats = [f for f in feats if f["properties"]["region"] == region.value]
    return {"type": "FeatureCollection", "features": bbox_filter(feats, _parse_bbox(bbox))}


@router.get(
    "/corridors",
    summary="The service layer: every curated service with its measured geometry (GeoJSON)",
    response_class=GeoJSONResponse,
    tags=["corridors"],
)
def get_corridors(
    service: ServiceDep,
    corridor: Annotated[str | None, Query(max_length=50, examples=["ilstc"])] = None,
    mode: Mode | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    bbox: BBOX = None,
) -> dict[str, Any]:
    """Filter by corridor, mode, text (id or name) and bounding box."""
    feats = service.corridors["features"]
    if corridor:
        feats = [f for f in feats if f["properties"]["corridor"] == corridor]
    if mode:
        feats = [f for f in feats if f["properties"]["mode"] == mode.value]
    if q:
        needle = q.lower()
        feats = [
            f
            for f in feats
            if needle in f["id"].lower()
            or needle in f["properties"]["name_en"].lower()
            or needle in f["properties"]["name_zh"]
        ]
    return {"type": "FeatureCollection", "features": bbox_filter(feats, _parse_bbox(bbox))}


class ParameterEntry(BaseModel):
    """One number of the parameter file with its provenance."""

    key: str
    value: float
    unit: str
    source: str | None
    as_of: str | None
    assumption: str | None


class ParametersOut(BaseModel):
    """The parameters in force."""

    version: str
    as_of: str
    fingerprint: str
    parameters: list[ParameterEntry]
    emissions_method: str = Field(
        "", description="How the CO2 figures are computed (the [emissions] method)."
    )


@router.get("/parameters", summary="Parameters in force, with sources and dates", tags=["meta"])
def get_parameters(service: ServiceDep) -> ParametersOut:
    """Every speed, tariff, time, fee and CO2 factor with its source and date or assumption."""
    p = service.engine.params
    return ParametersOut(
        version=p.version,
        as_of=p.as_of.isoformat(),
        fingerprint=service.fingerprint,
        parameters=[
            ParameterEntry(
                key=e.key,
                value=e.value,
                unit=e.unit,
                source=e.source,
                as_of=e.as_of.isoformat() if e.as_of else None,
                assumption=e.assumption,
            )
            for e in p.sources()
        ],
        emissions_method=emissions_method(p),
    )
