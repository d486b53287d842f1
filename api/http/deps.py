"""What the HTTP routers share: the loaded service, the GeoJSON response and worker limits.

Owns: :func:`get_service` (the app's loaded :class:`api.service.Service`, 503 while loading,
answered on the event loop so that no request waits for a worker thread just to learn that),
:class:`GeoJSONResponse`, :func:`run_limited` (CPU-bound work in the :data:`ROUTE_THREADS`
route thread, or in the :data:`SLOW_THREADS` lane of seconds-long work, with the request
timeout), :func:`run_budgeted` (the route thread for a batch that keeps its own time budget),
:func:`run_heavy` (map renders and matrices in the app's worker processes, :mod:`api.pool`),
the app's scenario store (:func:`scenario_store_of`) and the ``scenario=ID`` query parameter
(:data:`ScenarioQuery`, :func:`stored_scenario`). The routers and :mod:`api.http.app` import
this module; it imports none of them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import anyio
from anyio.lowlevel import RunVar
from fastapi import Query, Request
from fastapi.responses import JSONResponse

from api.pool import WorkerPool, shared_pool
from api.service import Service
from api.settings import Settings
from api.store import ScenarioStore, StoredScenario, open_store
from gis.errors import ShudaoError

T = TypeVar("T")

ROUTE_THREADS = 1
"""Worker threads for route work per process: routes, batches, comparisons, scenario edits
(assumption, measured with the bench).

Route pricing is mostly pure Python, so the threads of one process share one core through the
GIL: more threads add no throughput, and each one competes with the event loop for the GIL (on
release the GIL goes to any waiting thread, so the loop's wait grows with every thread that
wants it). ``bench/load_bench.py --scenarios healthz`` (200 distinct routes on 50 connections,
2026-12-01, a 2-core machine under load 4-5): anyio's default 40 threads gave ``/healthz`` p50
1,877 ms and p99 7,247 ms at 6.1 routes/s; 2 threads 65 / 407 ms at 6.0 routes/s; 1 thread 24 /
189 ms at 8.1 routes/s. Two were kept then because a map render held its thread for seconds;
renders now run in worker processes (:func:`run_heavy`) and what still takes seconds in this
process has a lane of its own (:data:`SLOW_THREADS`). ``bench/soak_bench.py --mixed``, 180 s at
50 connections on a quiet machine (2026-12-05): 1 thread ``/healthz`` p50 / p95 / p99 4.6 /
11.8 / 17.1 ms at 46.0 requests/s, 2 threads 7.3 / 20.7 / 30.3 ms at 42.6 requests/s. More
capacity comes from ``--workers`` processes.
"""

SLOW_THREADS = 1
"""Worker threads for the in-process work that takes seconds (assumption): the trade model and
its flow maps, the access rasters behind the workbench's tables and the access difference map,
the workbench's basemap. They run beside the route thread (``run_limited(..., slow=True)``), so
that a route never queues behind them; one at a time, so that they take at most one more GIL
competitor from the event loop.
"""

GIL_SWITCH_INTERVAL_S = 0.001
"""The interpreter's thread switch interval while serving (``sys.setswitchinterval``; CPython's
default is 0.005 s). A route thread running pure Python keeps the GIL until the interval has
passed and another thread asks for it; the event loop asks once for every turn of the loop, and a
request takes several turns, so each ``/healthz`` waited that many slices behind the route
threads. Shorter slices cut that wait; the route threads lose a few per cent to the extra
switches (``bench/soak_bench.py``: figures in the README)."""

_route_limiter: RunVar[anyio.CapacityLimiter] = RunVar("shudao_route_limiter")
_slow_limiter: RunVar[anyio.CapacityLimiter] = RunVar("shudao_slow_limiter")


class GeoJSONResponse(JSONResponse):
    """GeoJSON (RFC 7946) media type."""

    media_type = "application/geo+json"


def service_of(request: Request) -> Service:
    """The loaded service of this app; 503 problem while it is loading or if loading failed."""
    service: Service | None = getattr(request.app.state, "service", None)
    if service is None:
        raise ServiceNotReadyError(getattr(request.app.state, "load_error", None))
    return service


async def get_service(request: Request) -> Service:
    """:func:`service_of` as a dependency (``async``: FastAPI runs it on the event loop)."""
    return service_of(request)


class ServiceNotReadyError(ShudaoError):
    """The data and graph are not loaded yet, or failed to load (the cause is in the server log).

    Its message is written for clients (``public_detail``): it names no server path.
    """

    status = 503
    type_slug = "not-ready"
    public_detail = True

    def __init__(self, cause: BaseException | None = None) -> None:
        self.cause = cause
        if cause is None:
            msg = "The service is still loading its data; retry shortly."
        else:
            kind = getattr(cause, "type_slug", type(cause).__name__)
            msg = f"The service could not load its data ({kind}); see the server log."
            public = getattr(cause, "public_message", None)  # e.g. the stale file and the repair
            if isinstance(public, str):
                msg = f"The service could not load its data ({kind}): {public}."
        super().__init__(msg)


async def run_limited(
    settings: Settings,
    func: Callable[[], T],
    *,
    timeout_s: float | None = None,
    slow: bool = False,
) -> T:
    """Run CPU-bound *func* in a worker thread, answering 504 beyond the request timeout.

    The route thread (:data:`ROUTE_THREADS`), or with *slow* the lane of work that takes
    seconds (:data:`SLOW_THREADS`). The worker thread cannot be cancelled; it finishes in the
    background and its result (if a route) still lands in the cache.
    """
    limit = timeout_s if timeout_s is not None else settings.request_timeout_s
    limiter = slow_limiter() if slow else route_limiter()
    with anyio.fail_after(limit):
        return await anyio.to_thread.run_sync(func, abandon_on_cancel=True, limiter=limiter)


async def run_budgeted(func: Callable[[], T]) -> T:
    """Run *func* in the :data:`ROUTE_THREADS` route thread, without a timeout.

    For work that keeps its own time budget (a batch of estimates answers each row past its
    budget with a 504 row, never the whole batch with a 504). Batches queue with the routes
    instead of taking threads of anyio's default pool: each extra thread running pure Python
    takes GIL slices from the event loop, and ``/healthz`` waited for them (README, load and
    soak).
    """
    return await anyio.to_thread.run_sync(func, abandon_on_cancel=True, limiter=route_limiter())


def worker_pool_of(state: Any) -> WorkerPool | None:
    """The app's process pool (:func:`api.pool.shared_pool` of its settings; None: threads)."""
    settings: Settings = state.settings
    return shared_pool(settings)


async def run_heavy(
    request: Request,
    service: Service,
    task: Callable[..., T],
    *args: Any,
    timeout_s: float | None = None,
) -> T:
    """Run ``task(service, *args)`` in the worker processes (or a route thread without them).

    Map renders and matrices go here: in a worker process they never hold the server's GIL,
    which the event loop (``/healthz`` included) and the route threads need. *args* and the
    result must pickle (the result is best bytes, as sent). Answers :class:`TimeoutError`
    beyond the request timeout (or *timeout_s*).
    """
    settings: Settings = request.app.state.settings
    limit = timeout_s if timeout_s is not None else settings.request_timeout_s
    pool = worker_pool_of(request.app.state)
    if pool is None:
        return await run_limited(settings, lambda: task(service, *args), timeout_s=limit)
    return await pool.run(task, *args, timeout_s=limit)


async def lookup_scenario(request: Request, scenario_id: str | None) -> StoredScenario | None:
    """:func:`stored_scenario` off the event loop (a database round trip)."""
    if scenario_id is None:
        return None
    return await anyio.to_thread.run_sync(stored_scenario, request, scenario_id)


def route_limiter() -> anyio.CapacityLimiter:
    """The :data:`ROUTE_THREADS` tokens of route work, one limiter per running event loop."""
    return _limiter_of(_route_limiter, ROUTE_THREADS)


def slow_limiter() -> anyio.CapacityLimiter:
    """The :data:`SLOW_THREADS` tokens of seconds-long work, one limiter per running event loop."""
    return _limiter_of(_slow_limiter, SLOW_THREADS)


def _limiter_of(var: RunVar[anyio.CapacityLimiter], tokens: int) -> anyio.CapacityLimiter:
    """The limiter kept in *var* for the running event loop (made with *tokens* on first use)."""
    try:
        return var.get()
    except LookupError:
        limiter = anyio.CapacityLimiter(tokens)
        var.set(limiter)
        return limiter


_STORE_LOCK = threading.Lock()


def scenario_store_of(request: Request) -> ScenarioStore:
    """The app's scenario store (opened, and migrated, on first use from the settings).

    The same store as the CLI's: ``SHUDAO_DATABASE_URL`` or ``scenarios.sqlite3`` in the state
    directory. Blocking (a database round trip at most): call it in a worker thread.
    """
    return app_scenario_store(request.app.state)


def app_scenario_store(state: Any) -> ScenarioStore:
    """:func:`scenario_store_of` for an app's ``state`` (e.g. in a background job)."""
    store: ScenarioStore | None = getattr(state, "scenario_store", None)
    if store is not None:
        return store
    with _STORE_LOCK:
        store = getattr(state, "scenario_store", None)
        if store is None:
            settings: Settings = state.settings
            store = open_store(url=settings.database_url, state_dir=settings.state_dir)
            state.scenario_store = store
    return store


def stored_scenario(request: Request, scenario_id: str | None) -> StoredScenario | None:
    """The stored scenario a ``scenario=ID`` query names (None without one; 404 if unknown)."""
    if scenario_id is None:
        return None
    return scenario_store_of(request).get(scenario_id)


ScenarioQuery = Annotated[
    str | None,
    Query(
        max_length=36,
        pattern=r"^[0-9A-Fa-f-]{32,36}$",
        description="Id of a stored scenario (GET /v1/scenarios): the answer is computed under "
        "it and names it, its version and the baseline data version.",
        examples=["0b8e4f5c-3d1a-4c77-9a59-1f0e2a8d6b11"],
    ),
]
"""The ``scenario=ID`` query parameter shared by the estimate, matrix and map endpoints."""
