"""``/v1/scenarios``: the shared scenario store over HTTP, with ETags and ``If-Match``.

Owns: the scenario endpoints (list, create, read, replace, merge-patch, delete, audit trail,
comparison with the baseline, the map of the accessibility difference), their response models,
the actor label of a request (the API key's hash label, never the key), and the HTTP rules of
optimistic concurrency: every answer about one scenario carries its ``ETag`` (``"v<version>"``);
``PUT``, ``PATCH`` and ``DELETE`` need ``If-Match`` with the current tag (428 without it, 412
when it is stale, nothing changed).
Documents are validated against the loaded data by :func:`corridors.scenarios.parse_scenario`
(422 naming every problem; nothing is stored) before the store sees them.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import datetime
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel, Field, ValidationError

from api.http.deps import get_service, run_limited, scenario_store_of
from api.http.maps_routes import AccessTo, PrintDep, access_inputs
from api.http.ogc import public_base
from api.http.problems import problem, problem_responses
from api.http.routes import RouteReq
from api.service import Service
from api.store import StoredScenario, VersionConflictError, actor_of_key, merge_patch
from corridors.scenario_compare import AccessComparison, compare_route
from corridors.scenarios import Scenario, ScenarioEngine, ScenarioError, parse_scenario
from gis.errors import ShudaoError
from maps.export import export
from maps.layout import MEDIA_TYPES, OutputFormat
from maps.scenario_map import access_diff_scene, title_block_label

router = APIRouter(
    prefix="/v1/scenarios", tags=["scenarios"], responses=problem_responses(401, 500, 503)
)
ServiceDep = Annotated[Service, Depends(get_service)]
SCENARIO_ID = r"^[0-9A-Fa-f-]{32,36}$"
ScenarioId = Annotated[
    str, Path(pattern=SCENARIO_ID, examples=["0b8e4f5c-3d1a-4c77-9a59-1f0e2a8d6b11"])
]
MERGE_PATCH = "application/merge-patch+json"
_ETAG = re.compile(r'^\s*(?:W/)?"v(\d{1,9})"\s*$')


class PreconditionRequiredError(ShudaoError):
    """A change of a scenario without ``If-Match`` (RFC 6585: 428)."""

    status = 428
    type_slug = "precondition-required"
    exit_code = 64


class BadPreconditionError(ShudaoError):
    """An ``If-Match`` that is not one of this API's entity tags (``"v<version>"``)."""

    status = 412
    type_slug = "version-conflict"
    exit_code = 64


class BadBodyError(ShudaoError):
    """A request body that is not a JSON object."""

    status = 400
    type_slug = "bad-body"
    exit_code = 64


class ScenarioOut(BaseModel):
    """One stored scenario: the document with its id, version and history stamps."""

    id: str = Field(description="UUID", examples=["0b8e4f5c-3d1a-4c77-9a59-1f0e2a8d6b11"])
    version: int = Field(ge=1, description='1 at creation, +1 per update (the ETag is "v<n>")')
    etag: str = Field(examples=['"v1"'])
    href: str
    created_at: datetime
    updated_at: datetime
    created_by: str = Field(description="Actor label (an API key's hash label, never the key)")
    updated_by: str
    document: Scenario


class ScenarioSummary(BaseModel):
    """A scenario in the list (without its changes)."""

    id: str
    version: int
    title: str
    title_zh: str = Field(default="", description="Chinese title, when the document has one")
    description: str = ""
    href: str
    updated_at: datetime
    updated_by: str


class ScenarioList(BaseModel):
    """Every stored scenario, most recently updated first."""

    scenarios: list[ScenarioSummary]


class AuditEntryOut(BaseModel):
    """One change: what (a JSON diff and the previous document), when and by whom."""

    seq: int
    version: int = Field(description="The version the change produced (or deleted)")
    action: str = Field(examples=["update"], description="create, update or delete")
    at: datetime
    actor: str
    diff: list[dict[str, Any]] = Field(
        description='Changes as {"op": add|remove|replace, "path": JSON Pointer, "from", "to"}'
    )
    previous: dict[str, Any] | None = None


class AuditOut(BaseModel):
    """The audit trail of one scenario, oldest first (kept after a delete)."""

    scenario_id: str
    entries: list[AuditEntryOut]


class RouteSummaryOut(BaseModel):
    """One route's figures on one side of a comparison."""

    rank: int
    corridor: str
    modes: list[str]
    services: list[str]
    distance_km: float
    time_h: float
    cost_cny: float
    co2_kg: float
    border_crossings: list[str]
    passages: list[str]


class AlternativeOut(BaseModel):
    """A corridor's best route on the baseline beside the scenario's, with the deltas."""

    corridor: str
    baseline: RouteSummaryOut | None
    scenario: RouteSummaryOut | None
    delta_time_h: float | None
    delta_cost_cny: float | None
    delta_co2_kg: float | None
    borders_changed: bool


class ComparisonOut(BaseModel):
    """A route question answered on the baseline and under the scenario."""

    origin: dict[str, Any]
    destination: dict[str, Any]
    scenario: dict[str, Any] | None = Field(
        description="id, version, title, fingerprint and the baseline's parameter version"
    )
    baseline_parameters_version: str
    best_corridor_baseline: str | None
    best_corridor_scenario: str | None
    best_corridor_changed: bool
    best: AlternativeOut | None
    alternatives: list[AlternativeOut]
    baseline_problem: str | None = None
    scenario_problem: str | None = None


# ------------------------------------------------------------------------------- helpers
def actor_of(request: Request) -> str:
    """Who makes this change: the API key's hash label when keys are on, else anonymous."""
    settings = request.app.state.settings
    key = request.headers.get("x-api-key") if settings.api_key else None
    return actor_of_key(key, fallback="anonymous")


def _href(request: Request, scenario_id: str) -> str:
    return f"{public_base(request)}/v1/scenarios/{scenario_id}"


def _out(request: Request, s: StoredScenario) -> ScenarioOut:
    return ScenarioOut(
        id=s.id,
        version=s.version,
        etag=s.etag,
        href=_href(request, s.id),
        created_at=s.created_at,
        updated_at=s.updated_at,
        created_by=s.created_by,
        updated_by=s.updated_by,
        document=Scenario.model_validate(s.document),
    )


def _answer(request: Request, s: StoredScenario, *, status: int = 200) -> Response:
    body = _out(request, s).model_dump_json()
    resp = Response(body, status_code=status, media_type="application/json")
    resp.headers["ETag"] = s.etag
    return resp


def expected_version(if_match: str | None) -> int:
    """The version an ``If-Match`` names (428 without one, 412 for a tag that is not ours)."""
    if not if_match:
        msg = (
            "this change needs If-Match with the scenario's current ETag (GET it first); "
            "without it a concurrent change could be overwritten"
        )
        raise PreconditionRequiredError(msg)
    m = _ETAG.match(if_match)
    if m is None:
        msg = f'If-Match {if_match!r} is not an ETag of this API ("v<version>", from GET)'
        raise BadPreconditionError(msg)
    return int(m.group(1))


def validated(service: Service, doc: Any) -> dict[str, Any]:
    """*doc* checked against the data (every problem at once), in its normalised JSON form."""
    if not isinstance(doc, dict):
        raise ScenarioError(["the scenario document must be a JSON object"])
    try:
        scenario = parse_scenario(doc, engine=service.engine)
    except (TypeError, AttributeError):
        # parse_scenario's reference checks can trip over values of the wrong JSON type (a
        # border pair holding an object: unhashable); such a document fails the schema, so its
        # schema problems are the answer (and the check below raises them).
        _strict_schema(doc)
        raise
    # The published JSON Schema is strict where pydantic's lax mode is not (a number is no
    # date): a document that passed the data checks must also match the schema as published.
    _strict_schema(doc)
    out: dict[str, Any] = scenario.model_dump(mode="json")
    return out


def _strict_schema(doc: dict[str, Any]) -> None:
    """Raise a :class:`ScenarioError` listing where *doc* breaks the published JSON Schema."""
    try:
        Scenario.model_validate_json(json.dumps(doc), strict=True)
    except ValidationError as exc:
        errors = [
            {"loc": [str(p) for p in e["loc"]], "msg": e["msg"], "type": e["type"]}
            for e in exc.errors()
        ]
        problems = [f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors]
        raise ScenarioError(problems, errors) from None


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        msg = f"the body is not JSON: {exc}"
        raise BadBodyError(msg) from None


def _thread(func: Any) -> Any:
    return anyio.to_thread.run_sync(func)


BODY_DOC = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Scenario"}}},
    }
}
PATCH_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            MERGE_PATCH: {"schema": {"type": "object"}},
            "application/json": {"schema": {"type": "object"}},
        },
    }
}
ETAG_HEADER = {"ETag": {"description": 'The version\'s entity tag, "v<version>"'}}


# ----------------------------------------------------------------------------- endpoints
@router.get("", summary="Stored scenarios / 已存情景")
async def list_scenarios(request: Request) -> ScenarioList:
    """Every stored scenario (id, version, titles, description), most recently updated first."""
    stored = await _thread(lambda: scenario_store_of(request).all())
    return ScenarioList(
        scenarios=[
            ScenarioSummary(
                id=s.id,
                version=s.version,
                title=s.title,
                title_zh=str(s.document.get("title_zh") or ""),
                description=str(s.document.get("description") or ""),
                href=_href(request, s.id),
                updated_at=s.updated_at,
                updated_by=s.updated_by,
            )
            for s in stored
        ]
    )


@router.post(
    "",
    status_code=201,
    summary="Save a scenario / 保存情景",
    response_model=ScenarioOut,
    responses={
        201: {"headers": {**ETAG_HEADER, "Location": {"description": "The scenario's URL"}}},
        **problem_responses(400, 413, 422),
    },
    openapi_extra=BODY_DOC,
)
async def create_scenario(request: Request, service: ServiceDep) -> Response:
    """Validate the document against the data (422 naming every problem) and store it.

    Answers 201 with the stored scenario (``id``, ``version`` 1), its ``Location`` and ``ETag``.
    """
    doc = await _json_body(request)

    def work() -> StoredScenario:
        return scenario_store_of(request).create(validated(service, doc), actor=actor_of(request))

    stored = await run_limited(request.app.state.settings, work)
    resp = _answer(request, stored, status=201)
    resp.headers["Location"] = _href(request, stored.id)
    return resp


@router.get(
    "/{scenario_id}",
    summary="A scenario / 情景",
    response_model=ScenarioOut,
    responses={200: {"headers": ETAG_HEADER}, **problem_responses(404, 422)},
)
async def get_scenario(request: Request, scenario_id: ScenarioId) -> Response:
    """The stored document with its version; the ``ETag`` goes into ``If-Match`` of a change."""
    stored = await _thread(lambda: scenario_store_of(request).get(scenario_id))
    return _answer(request, stored)


@router.put(
    "/{scenario_id}",
    summary="Replace a scenario / 替换情景",
    response_model=ScenarioOut,
    responses={200: {"headers": ETAG_HEADER}, **problem_responses(400, 404, 412, 413, 422, 428)},
    openapi_extra=BODY_DOC,
)
async def put_scenario(request: Request, service: ServiceDep, scenario_id: ScenarioId) -> Response:
    """Replace the document of the version named by ``If-Match`` (412 if stale, 428 without)."""
    version = expected_version(request.headers.get("if-match"))
    doc = await _json_body(request)

    def work() -> StoredScenario:
        store = scenario_store_of(request)
        return store.update(
            scenario_id, validated(service, doc), expected_version=version, actor=actor_of(request)
        )

    return _answer(request, await run_limited(request.app.state.settings, work))


@router.patch(
    "/{scenario_id}",
    summary="Change part of a scenario (JSON merge patch) / 修改情景",
    response_model=ScenarioOut,
    responses={200: {"headers": ETAG_HEADER}, **problem_responses(400, 404, 412, 413, 422, 428)},
    openapi_extra=PATCH_DOC,
)
async def patch_scenario(
    request: Request, service: ServiceDep, scenario_id: ScenarioId
) -> Response:
    """Apply an RFC 7396 merge patch to the version named by ``If-Match`` and validate it whole.

    ``null`` removes a member (e.g. ``{"changes": {"close": null}}``); arrays are replaced.
    """
    version = expected_version(request.headers.get("if-match"))
    patch = await _json_body(request)
    if not isinstance(patch, dict):
        raise BadBodyError("a merge patch of a scenario must be a JSON object")

    def work() -> StoredScenario:
        store = scenario_store_of(request)
        current = store.get(scenario_id)
        if current.version != version:  # checked again, under the row lock, by update
            raise VersionConflictError(scenario_id, expected=version, current=current.version)
        doc = validated(service, merge_patch(current.document, patch))
        return store.update(scenario_id, doc, expected_version=version, actor=actor_of(request))

    return _answer(request, await run_limited(request.app.state.settings, work))


@router.delete(
    "/{scenario_id}",
    status_code=204,
    summary="Delete a scenario / 删除情景",
    responses=problem_responses(404, 412, 422, 428),
)
async def delete_scenario(request: Request, scenario_id: ScenarioId) -> Response:
    """Delete the version named by ``If-Match`` (412 if stale, 428 without); the audit stays."""
    version = expected_version(request.headers.get("if-match"))
    await _thread(
        lambda: scenario_store_of(request).delete(
            scenario_id, expected_version=version, actor=actor_of(request)
        )
    )
    return Response(status_code=204)


@router.get(
    "/{scenario_id}/audit",
    summary="A scenario's audit trail / 情景变更记录",
    responses=problem_responses(404, 422),
)
async def get_audit(request: Request, scenario_id: ScenarioId) -> AuditOut:
    """Every change, oldest first: action, version, time, actor, JSON diff, previous document."""
    entries = await _thread(lambda: scenario_store_of(request).audit(scenario_id))
    return AuditOut(
        scenario_id=scenario_id,
        entries=[
            AuditEntryOut(
                seq=e.seq,
                version=e.version,
                action=e.action,
                at=e.at,
                actor=e.actor,
                diff=e.diff,
                previous=e.previous,
            )
            for e in entries
        ],
    )


@router.get(
    "/{scenario_id}/compare",
    summary="A route on the baseline beside the scenario / 情景与基准路线对比",
    responses=problem_responses(404, 422, 504),
)
async def compare_scenario(
    request: Request, service: ServiceDep, scenario_id: ScenarioId, req: RouteReq
) -> ComparisonOut:
    """Each corridor's route on the baseline beside the scenario's, and the deltas.

    Time, cost, CO2 and borders, and whether the best corridor changes; the route query
    parameters are those of ``/v1/route``.
    """

    def work() -> dict[str, Any]:
        stored = scenario_store_of(request).get(scenario_id)
        scen = service.engine_for(stored)
        return compare_route(service.engine, scen, req).to_dict()

    try:
        out = await run_limited(request.app.state.settings, work)
    except TimeoutError:
        return problem(504, "The comparison took longer than the request timeout.", slug="timeout")  # type: ignore[return-value]
    return ComparisonOut.model_validate(out)


@router.get(
    "/{scenario_id}/access-diff.png",
    summary="Map of the change in hours to a hub kind / 情景通行时间差异图",
    response_class=Response,
    responses={
        200: {
            "content": {"image/png": {}},
            "description": "The difference map's print layout as a PNG",
        },
        **problem_responses(404, 422, 504),
    },
)  # fmt: skip
async def access_diff_map(
    request: Request,
    service: ServiceDep,
    scenario_id: ScenarioId,
    to: AccessTo,
    options: PrintDep,
) -> Response:
    """Each county's mean hours to the nearest hub of *to*, scenario minus baseline.

    A diverging colour-blind-safe scale symmetric around 0 (purple closer, orange farther);
    the title names the scenario, its version and fingerprint, and the baseline parameters.
    Both rasters are the ones ``/maps/access.*`` caches (the scenario's by id and version, so
    ``/maps/access.png?scenario=ID`` and this map compute it once; 30 arc-seconds, about 3 s).
    """

    def work() -> bytes:
        stored = scenario_store_of(request).get(scenario_id)
        scen = service.engine_for(stored)
        base, _, counties = access_inputs(service, to.value)
        scen_raster, _, _ = access_inputs(service, to.value, stored)
        comparison = AccessComparison(
            base, scen_raster, scen.ref if isinstance(scen, ScenarioEngine) else None
        )
        scene = access_diff_scene(
            data=service.map_data,
            catalog=service.engine.catalog,
            comparison=comparison,
            county_delta=comparison.county_delta(counties),
            counties=counties,
        )
        label = title_block_label(comparison.scenario)
        return export(scene, OutputFormat.PNG, options=replace(options, scenario=label))

    settings = request.app.state.settings
    try:
        body = await run_limited(
            settings, work, timeout_s=max(60.0, settings.request_timeout_s), slow=True
        )
    except TimeoutError:
        return problem(504, "The map took longer than the request timeout.", slug="timeout")
    return Response(body, media_type=MEDIA_TYPES[OutputFormat.PNG])


def _not_allowed(request: Request, allow: str) -> Response:
    resp = problem(405, f"{request.method} is not allowed here", instance=request.url.path)
    resp.headers["Allow"] = allow
    return resp


@router.api_route("", methods=["PUT", "PATCH", "DELETE", "OPTIONS"], include_in_schema=False)
async def scenarios_other_methods(request: Request) -> Response:
    """405 listing both methods of the collection in ``Allow`` (RFC 9110)."""
    return _not_allowed(request, "GET, POST")


@router.api_route("/{scenario_id}", methods=["POST", "OPTIONS"], include_in_schema=False)
async def scenario_other_methods(request: Request) -> Response:
    """405 listing the four methods of a scenario in ``Allow`` (Starlette names one route's)."""
    return _not_allowed(request, "GET, PUT, PATCH, DELETE")
