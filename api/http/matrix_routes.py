"""``/v1/matrix``: travel-time/cost/CO2 matrices, directly for small requests, as jobs for large.

Owns: the matrix query parameters, the size limit of a direct answer, and the job endpoints
(submit, poll, cancel) over the durable store of :mod:`api.jobs`, whose one worker reports
progress while a large matrix (e.g. all 183 counties to every gateway) is computed by
:func:`corridors.matrix.travel_matrix`.
"""

from __future__ import annotations

import json
import pathlib
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from api.http.deps import (
    ScenarioQuery,
    app_scenario_store,
    get_service,
    lookup_scenario,
    run_heavy,
    worker_pool_of,
)
from api.http.ogc import public_base
from api.http.problems import TYPE_BASE, problem, problem_from_exception, problem_responses
from api.http.schemas import JobProgress, MatrixResultOut, RowProblem
from api.jobs import JobRecord, JobRunner, QueueFullError, SQLiteJobStore, progress_reporter
from api.service import Service
from api.store import StoredScenario, VersionConflictError
from corridors.matrix import destination_set, origin_set, travel_matrix
from corridors.models import CargoUnit, Mode, Objective
from gis.errors import GisError

router = APIRouter(
    prefix="/v1/matrix", tags=["matrix"], responses=problem_responses(401, 422, 500, 503)
)
ServiceDep = Annotated[Service, Depends(get_service)]

MAX_DIRECT_CELLS = 2_500
MAX_JOB_CELLS = 200_000
SET_TEXT = r"^[^\x00-\x1f]{1,2000}$"


class MatrixQuery(BaseModel):
    """A matrix request: origin and destination sets and the route options."""

    model_config = ConfigDict(extra="forbid")

    origins: str = Field(
        pattern=SET_TEXT,
        description="counties, prefectures, or a comma-separated list of places",
        examples=["prefectures"],
    )
    destinations: str = Field(
        pattern=SET_TEXT,
        description="hubs, gateways, or a comma-separated list of places",
        examples=["Lodz,Singapore,Hanoi"],
    )
    unit: CargoUnit = CargoUnit.FEU
    quantity: float = Field(default=1.0, gt=0, le=100_000)
    modes: list[Mode] | None = Field(default=None, max_length=5)
    avoid: list[str] = Field(default_factory=list, max_length=10)
    objective: Objective = Objective.TIME
    scenario: str | None = Field(
        default=None,
        pattern=r"^[0-9A-Fa-f-]{32,36}$",
        description="Id of a stored scenario to compute the matrix under",
    )
    scenario_version: int | None = Field(
        default=None,
        ge=1,
        description="The scenario version to use (a job fails if the scenario has changed "
        "since; filled in with the current version when a job is submitted)",
    )


def _compute(
    service: Service,
    q: MatrixQuery,
    progress: Any = None,
    *,
    max_cells: int,
    scenario: StoredScenario | None = None,
) -> dict[str, Any]:
    if scenario is not None and q.scenario_version not in (None, scenario.version):
        raise VersionConflictError(
            scenario.id, expected=q.scenario_version or 0, current=scenario.version
        )
    engine = service.engine_for(scenario)
    origins = origin_set(engine, q.origins)
    destinations = destination_set(engine, q.destinations)
    cells = len(origins) * len(destinations)
    if cells > max_cells:
        raise MatrixTooLargeError(cells, max_cells)
    result = travel_matrix(
        engine,
        origins,
        destinations,
        unit=q.unit.value,
        quantity=q.quantity,
        modes=[m.value for m in q.modes] if q.modes else None,
        avoid=q.avoid,
        objective=q.objective.value,
        progress=progress,
    )
    out = result.to_dict()
    ref = getattr(engine, "ref", None)
    if ref is not None:
        out["scenario"] = ref.to_dict()
    return out


class MatrixTooLargeError(GisError):
    """More cells than a direct answer (or a job) may compute."""

    status = 413
    type_slug = "matrix-too-large"

    def __init__(self, cells: int, limit: int) -> None:
        super().__init__(
            f"{cells} cells requested, at most {limit} here; "
            "use POST /v1/matrix/jobs for large matrices"
        )


@router.get(
    "",
    summary="Small matrix, answered directly",
    responses=problem_responses(404, 413, 504),
    response_model=MatrixResultOut,
)
async def get_matrix(
    request: Request,
    service: ServiceDep,
    origins: Annotated[str, Query(pattern=SET_TEXT, examples=["prefectures"])],
    destinations: Annotated[str, Query(pattern=SET_TEXT, examples=["Lodz,Singapore,Hanoi"])],
    unit: CargoUnit = CargoUnit.FEU,
    quantity: Annotated[float, Query(gt=0, le=100_000)] = 1.0,
    modes: Annotated[list[Mode] | None, Query(max_length=5)] = None,
    avoid: Annotated[list[str], Query(max_length=10)] = [],  # noqa: B006
    objective: Objective = Objective.TIME,
    scenario: ScenarioQuery = None,
) -> Any:
    """Time, cost, CO2 and best corridor for every pair (at most 2,500 cells)."""
    q = MatrixQuery(
        origins=origins,
        destinations=destinations,
        unit=unit,
        quantity=quantity,
        modes=modes,
        avoid=avoid,
        objective=objective,
        scenario=scenario,
    )

    stored = await lookup_scenario(request, scenario)
    try:
        body = await run_heavy(request, service, matrix_json, q, stored)
    except TimeoutError:
        return problem(504, "The matrix took longer than the request timeout.", slug="timeout")
    return Response(body, media_type="application/json")


def matrix_json(service: Service, q: MatrixQuery, stored: StoredScenario | None) -> bytes:
    """A direct matrix as the JSON sent (validated against :class:`MatrixResultOut`).

    A task of :func:`api.http.deps.run_heavy` (a worker process): the answer is computed,
    validated and encoded there, never on the server's event loop.
    """
    out = _compute(service, q, max_cells=MAX_DIRECT_CELLS, scenario=stored)
    return MatrixResultOut.model_validate(out).model_dump_json(by_alias=True).encode("utf-8")


def matrix_job(
    service: Service,
    job_id: str,
    q: MatrixQuery,
    stored: StoredScenario | None,
    store: tuple[pathlib.Path, int, float],
) -> None:
    """A matrix job in a worker process: progress, cancellation and result through the store.

    *store* is the job store's file, queue bound and keep time. The result is encoded and
    stored here (:meth:`SQLiteJobStore.finish`, ignored once cancelled), not in the server.
    """
    path, max_pending, keep_s = store
    jobs = SQLiteJobStore(path, max_pending=max_pending, keep_s=keep_s)
    progress = progress_reporter(jobs, job_id)
    result = _compute(service, q, progress, max_cells=MAX_JOB_CELLS, scenario=stored)
    jobs.finish(job_id, result)


JOB_KIND = "matrix"
JOB_ID = r"^[0-9A-Za-z-]{1,64}$"  # UUIDs; anything else is simply unknown (404)


def _job_store(request: Request) -> JobRunner:
    """The app's job runner over the durable store (created on first use, recovering)."""
    runner: JobRunner | None = getattr(request.app.state, "matrix_jobs", None)
    if runner is not None:
        return runner
    with _RUNNER_LOCK:
        runner = getattr(request.app.state, "matrix_jobs", None)
        if runner is None:
            settings = request.app.state.settings
            store = SQLiteJobStore(
                settings.state_dir / "jobs.sqlite3",
                max_pending=settings.max_pending_jobs,
                keep_s=settings.job_keep_s,
            )
            app_state = request.app.state

            def run(job: JobRecord, progress: Callable[[int, int], None]) -> dict[str, Any] | None:
                q = MatrixQuery.model_validate(job.params)
                stored = app_scenario_store(app_state).get(q.scenario) if q.scenario else None
                pool = worker_pool_of(app_state)
                if pool is None:  # threads: computed here, under the server's GIL
                    return _compute(
                        app_state.service, q, progress, max_cells=MAX_JOB_CELLS, scenario=stored
                    )
                where = (store.path, store.max_pending, store.keep_s)
                pool.call(matrix_job, job.id, q, stored, where)
                return None

            runner = JobRunner(store, run, _failure, interrupted=_INTERRUPTED)
            request.app.state.matrix_jobs = runner
    return runner


_RUNNER_LOCK = threading.Lock()
_INTERRUPTED = {
    "type": f"{TYPE_BASE}job-interrupted",
    "title": "Service unavailable",
    "status": 503,
    "detail": "the server stopped while this job was running; submit it again",
}


def _failure(exc: Exception) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(bytes(problem_from_exception(exc).body))
    return body


class JobOut(BaseModel):
    """A job's state; ``result`` once done, ``problem`` if it failed."""

    id: str = Field(
        description="UUID, never reused", examples=["0b8e4f5c-3d1a-4c77-9a59-1f0e2a8d6b11"]
    )
    status: str = Field(description="queued, running, done, failed or cancelled", examples=["done"])
    progress: JobProgress
    href: str
    submitted: str = Field(description="ISO 8601, UTC", examples=["2026-12-01T22:03:33+00:00"])
    expires: str | None = Field(
        default=None, description="when the finished job and its result are purged (UTC)"
    )
    result: MatrixResultOut | None = None
    problem: RowProblem | None = None


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="seconds")


def _job_out(request: Request, job: JobRecord, keep_s: float) -> JobOut:
    return JobOut(
        id=job.id,
        status=job.status,
        progress=JobProgress(done=job.done, total=job.total),
        href=f"{public_base(request)}/v1/matrix/jobs/{job.id}",
        submitted=_iso(job.submitted),
        expires=_iso(job.finished + keep_s) if job.finished is not None else None,
        result=MatrixResultOut.model_validate(job.result) if job.result is not None else None,
        problem=RowProblem.model_validate(job.problem) if job.problem is not None else None,
    )


def _unknown(request: Request, job_id: str) -> Any:
    keep_h = request.app.state.settings.job_keep_s / 3600
    return problem(
        404,
        f"no matrix job {job_id!r}: unknown, or finished more than {keep_h:g} h ago "
        "(results are kept that long)",
        slug="unknown-job",
    )


@router.post(
    "/jobs",
    status_code=202,
    summary="Start a large matrix job",
    responses=problem_responses(400, 404, 429),
    response_model=JobOut,
)
def post_job(request: Request, service: ServiceDep, q: MatrixQuery) -> Any:
    """Queue the matrix; poll the returned ``href`` for progress and the result.

    Jobs are stored durably (they survive a restart; one that was running when the server
    died is reported failed). When the queue is full the answer is 429 with ``Retry-After``.
    """
    del service  # loaded: a job is only queued once the engine is ready (503 before)
    if q.scenario is not None:  # unknown: 404 now; the job runs on the version of this moment
        stored = app_scenario_store(request.app.state).get(q.scenario)
        if q.scenario_version is None:
            q = q.model_copy(update={"scenario_version": stored.version})
    runner = _job_store(request)
    try:
        job = runner.store.submit(JOB_KIND, q.model_dump(mode="json"))
    except QueueFullError as exc:
        resp = problem(429, str(exc), slug=exc.type_slug)
        resp.headers["Retry-After"] = str(exc.retry_after_s)
        return resp
    runner.notify()
    return _job_out(request, job, runner.store.keep_s)


JobId = Annotated[str, Path(pattern=JOB_ID, examples=["0b8e4f5c-3d1a-4c77-9a59-1f0e2a8d6b11"])]


@router.get(
    "/jobs/{job_id}",
    summary="A matrix job: progress, then result",
    responses=problem_responses(404),
    response_model=JobOut,
)
def get_job(request: Request, job_id: JobId) -> Any:
    """Status (queued, running, done, failed, cancelled), progress, then the result."""
    runner = _job_store(request)
    found = runner.store.get(job_id)
    if found is None or found.kind != JOB_KIND:
        return _unknown(request, job_id)
    return _job_out(request, found, runner.store.keep_s)


@router.delete(
    "/jobs/{job_id}",
    summary="Cancel a matrix job (or discard its result)",
    responses=problem_responses(404),
    response_model=JobOut,
)
def delete_job(request: Request, job_id: JobId) -> Any:
    """Cancel: a queued job never runs, a running one stops at its next progress report.

    A finished job's result is discarded. The job then reads ``cancelled`` until it is purged.
    """
    runner = _job_store(request)
    found = runner.store.get(job_id)
    if found is None or found.kind != JOB_KIND:
        return _unknown(request, job_id)
    return _job_out(request, runner.store.cancel(job_id) or found, runner.store.keep_s)


@router.api_route(
    "/jobs/{job_id}",
    methods=["POST", "PUT", "PATCH", "OPTIONS"],
    include_in_schema=False,
)
def job_other_methods(request: Request) -> Any:
    """405 listing both methods of a job in ``Allow`` (Starlette's lists only the first route's)."""
    resp = problem(405, f"{request.method} is not allowed on a job", instance=request.url.path)
    resp.headers["Allow"] = "GET, DELETE"
    return resp
