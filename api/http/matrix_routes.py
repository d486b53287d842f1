"""``/v1/matrix``: travel-time/cost/CO2 matrices, directly for small requests, as jobs for large.

Owns: the matrix query parameters, the size limit of a direct answer, and a small in-memory job
queue (one worker thread, bounded history) that reports progress while a large matrix (e.g. all
183 counties to every gateway) is computed by :func:`corridors.matrix.travel_matrix`.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from api.http.deps import get_service, run_limited
from api.http.problems import problem, problem_from_exception, problem_responses
from api.http.schemas import JobProgress, MatrixResultOut, RowProblem
from api.service import Service
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


def _compute(
    service: Service, q: MatrixQuery, progress: Any = None, *, max_cells: int
) -> dict[str, Any]:
    engine = service.engine
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
    return result.to_dict()


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
    )
    try:
        return await run_limited(
            request.app.state.settings, lambda: _compute(service, q, max_cells=MAX_DIRECT_CELLS)
        )
    except TimeoutError:
        return problem(504, "The matrix took longer than the request timeout.", slug="timeout")
    except MatrixTooLargeError as exc:
        return problem_from_exception(exc, instance=str(request.url.path))


@dataclass
class Job:
    """One matrix job."""

    id: str
    query: MatrixQuery
    status: str = "queued"
    done: int = 0
    total: int = 0
    submitted: float = field(default_factory=time.time)
    finished: float | None = None
    result: dict[str, Any] | None = None
    problem: dict[str, Any] | None = None


class JobQueue:
    """Jobs run one at a time on a worker thread; the last ``keep`` jobs are remembered."""

    def __init__(self, *, keep: int = 32) -> None:
        self.keep = keep
        self.jobs: OrderedDict[str, Job] = OrderedDict()
        self.lock = threading.Lock()
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="shudao-matrix")
        self.counter = itertools.count(1)

    def submit(self, service: Service, q: MatrixQuery) -> Job:
        """Queue a job."""
        job = Job(id=f"m{next(self.counter):06d}", query=q)
        with self.lock:
            self.jobs[job.id] = job
            while len(self.jobs) > self.keep:
                self.jobs.popitem(last=False)
        self.pool.submit(self._run, service, job)
        return job

    def _run(self, service: Service, job: Job) -> None:
        job.status = "running"

        def progress(done: int, total: int) -> None:
            job.done, job.total = done, total

        try:
            job.result = _compute(service, job.query, progress, max_cells=MAX_JOB_CELLS)
            job.status = "done"
        except Exception as exc:
            import json  # noqa: PLC0415

            job.problem = json.loads(bytes(problem_from_exception(exc).body))
            job.status = "failed"
        job.finished = time.time()

    def get(self, job_id: str) -> Job | None:
        """A job by id."""
        with self.lock:
            return self.jobs.get(job_id)


def _queue(request: Request) -> JobQueue:
    queue: JobQueue | None = getattr(request.app.state, "matrix_jobs", None)
    if queue is None:
        queue = JobQueue()
        request.app.state.matrix_jobs = queue
    return queue


class JobOut(BaseModel):
    """A job's state; ``result`` once done, ``problem`` if it failed."""

    id: str = Field(examples=["m000001"])
    status: str = Field(description="queued, running, done or failed", examples=["done"])
    progress: JobProgress
    href: str
    result: MatrixResultOut | None = None
    problem: RowProblem | None = None


def _job_out(request: Request, job: Job) -> JobOut:
    return JobOut(
        id=job.id,
        status=job.status,
        progress=JobProgress(done=job.done, total=job.total),
        href=f"{str(request.base_url).rstrip('/')}/v1/matrix/jobs/{job.id}",
        result=MatrixResultOut.model_validate(job.result) if job.result is not None else None,
        problem=RowProblem.model_validate(job.problem) if job.problem is not None else None,
    )


@router.post(
    "/jobs", status_code=202, summary="Start a large matrix job", responses=problem_responses(400)
)
def post_job(request: Request, service: ServiceDep, q: MatrixQuery) -> JobOut:
    """Queue the matrix; poll the returned ``href`` for progress and the result."""
    return _job_out(request, _queue(request).submit(service, q))


@router.get(
    "/jobs/{job_id}",
    summary="A matrix job: progress, then result",
    responses=problem_responses(404),
    response_model=JobOut,
)
def get_job(
    request: Request, job_id: Annotated[str, Path(pattern=r"^m\d{6}$", examples=["m000001"])]
) -> Any:
    """Status (queued, running, done, failed), progress in destination columns, result."""
    job = _queue(request).get(job_id)
    if job is None:
        return problem(
            404, f"no matrix job {job_id!r} (jobs are kept in memory)", slug="unknown-job"
        )
    return _job_out(request, job)
