"""Start-up and readiness: the port answers at once (503 while loading), /healthz never queues.

The service loads in a background thread started by the lifespan, so a server that is still
loading answers every request with a 503 problem instead of refusing connections; ``/healthz``
is answered on the event loop, so it answers even when every worker thread is busy with routes.
"""

from __future__ import annotations

import gc
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from fastapi.testclient import TestClient

from api.http import deps, workbench
from api.http.app import create_app
from api.service import Service
from api.settings import Settings
from corridors.engine import Engine
from corridors.request import RouteRequest
from gis.errors import LayerMissingError

REPO = Path(__file__).resolve().parents[2]
PROBLEM = "application/problem+json"


def test_requests_are_answered_503_while_the_service_loads(
    settings: Settings, service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    loading, release = threading.Event(), threading.Event()

    def slow_load(**_kwargs: object) -> Service:
        loading.set()
        assert release.wait(60)
        return service

    monkeypatch.setattr(Service, "load", staticmethod(slow_load))
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        # the lifespan has returned (the port would be open) while the load is still running
        assert loading.wait(10)
        for path in ("/healthz", "/v1/route?origin=Chengdu&destination=Lodz", "/v1/parameters"):
            resp = client.get(path)
            assert resp.status_code == 503, (path, resp.text[:200])
            assert resp.headers["content-type"].startswith(PROBLEM)
            assert "still loading" in resp.json()["detail"]
        release.set()
        deadline = time.monotonic() + 30
        while (resp := client.get("/healthz")).status_code == 503 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert resp.status_code == 200
        assert resp.json()["services"] == len(service.engine.network.services)
        # the loaded objects are frozen out of the cyclic collector (no full-collection pauses
        # of the event loop while serving): at least the engine's service network is frozen
        assert gc.get_freeze_count() >= len(service.engine.network.rides)


def test_a_failed_load_is_a_503_naming_the_cause(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**_kwargs: object) -> Service:
        msg = "no built layers in /nowhere: run `shudao data build` first"
        raise LayerMissingError(msg)

    monkeypatch.setattr(Service, "load", staticmethod(broken))
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        app = client.app
        loader = app.state.loader  # type: ignore[attr-defined]
        loader.join(10)
        resp = client.get("/healthz")
    assert resp.status_code == 503
    detail = resp.json()["detail"]
    assert "could not load" in detail
    assert "layer-missing" in detail
    assert "/nowhere" not in detail  # no server path reaches the client


class _Gate:
    """Holds the work it is put in front of until :meth:`open` (each arrival is signalled)."""

    def __init__(self) -> None:
        self._open = threading.Event()
        self._arrived = threading.Semaphore(0)

    def hold(self) -> None:
        """Called by the held work: signal the arrival, then wait for the gate to open."""
        self._arrived.release()
        self._open.wait(60)

    def arrived(self) -> bool:
        """Wait (up to 30 s) until one more piece of work is held."""
        return self._arrived.acquire(timeout=30)

    def open(self) -> None:
        self._open.set()


def _fetch(answers: dict[str, httpx.Response], key: str, call: Any) -> threading.Thread:
    """A thread that stores ``call()``'s response in *answers* under *key* (not started)."""
    return threading.Thread(target=lambda: answers.update({key: call()}))


def test_healthz_answers_while_every_worker_thread_is_busy(
    settings: Settings, service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A route holds the route thread (api.http.deps.ROUTE_THREADS), the workbench's basemap
    # holds the lane of seconds-long work (SLOW_THREADS), and the default pool's only thread
    # (sync endpoints and dependencies) is held too: /healthz must still answer, since it needs
    # no worker thread at all.
    gate = _Gate()
    real_route = Engine.answer
    real_basemap = workbench.basemap_geojson

    def blocked_route(self: Engine, *args: object, **kwargs: object) -> object:
        gate.hold()
        return real_route(self, *args, **kwargs)  # type: ignore[arg-type]

    def blocked_basemap(service: Service) -> bytes:
        gate.hold()
        return real_basemap(service)

    async def one_default_thread() -> None:
        anyio.to_thread.current_default_thread_limiter().total_tokens = 1

    async def occupy_default_thread() -> None:
        await anyio.to_thread.run_sync(gate.hold)

    monkeypatch.setattr(Engine, "answer", blocked_route)
    monkeypatch.setattr(workbench, "basemap_geojson", blocked_basemap)
    route = {"origin": "103.9,30.6", "destination": "Lodz", "objective": "cost", "pareto": True}
    answers: dict[str, httpx.Response] = {}
    with TestClient(create_app(settings, service=service)) as client:
        portal = client.portal
        assert portal is not None
        portal.call(one_default_thread)
        held = portal.start_task_soon(occupy_default_thread)
        assert gate.arrived(), "the default pool's thread did not start"
        busy = [
            _fetch(answers, "route", lambda: client.get("/v1/route", params=route)),
            _fetch(answers, "basemap", lambda: client.get("/app/data/basemap.geojson")),
        ]
        try:
            # the default pool's only thread is held before either request arrives: neither
            # may need it on its way to its own thread
            for thread in busy:
                thread.start()
                assert gate.arrived(), "a request queued behind another pool"
            # the route thread, the slow lane and the default thread are now held
            health = _fetch(answers, "health", lambda: client.get("/healthz"))
            health.start()
            health.join(10)
            assert not health.is_alive(), "/healthz waited for a busy worker thread"
            assert all(thread.is_alive() for thread in busy)  # ... which are still busy
            assert not held.done()
        finally:
            gate.open()
            for thread in busy:
                if thread.ident is not None:
                    thread.join(120)
            held.result(60)
    assert answers["health"].status_code == 200
    assert answers["route"].status_code == 200
    assert answers["basemap"].json()["type"] == "FeatureCollection"


def test_a_route_does_not_queue_behind_seconds_long_work(
    settings: Settings, service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The lane of seconds-long work (here the basemap; also flow maps and access tables) is
    # not the route thread: a route answers while it is held.
    gate = _Gate()
    real_basemap = workbench.basemap_geojson

    def blocked_basemap(service: Service) -> bytes:
        gate.hold()
        return real_basemap(service)

    monkeypatch.setattr(workbench, "basemap_geojson", blocked_basemap)
    answers: dict[str, httpx.Response] = {}
    with TestClient(create_app(settings, service=service)) as client:
        slow = _fetch(answers, "basemap", lambda: client.get("/app/data/basemap.geojson"))
        try:
            slow.start()
            assert gate.arrived()
            route = client.get("/v1/route", params={"origin": "Chengdu", "destination": "Lodz"})
            assert slow.is_alive()  # the basemap is still held while the route answered
        finally:
            gate.open()
            slow.join(120)
    assert route.status_code == 200
    assert route.json()["routes"]
    assert answers["basemap"].status_code == 200


def test_batches_queue_with_the_routes_not_in_the_default_pool(
    settings: Settings, service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With one route thread held by a route, a batch must wait for it (it does not take one of
    # the default pool's threads, which would compete with the event loop for the GIL) and
    # then answer normally once the route is done.
    gate = _Gate()
    real_route = Engine.answer
    calls: list[str] = []

    def blocked_route(self: Engine, *args: object, **kwargs: object) -> object:
        calls.append(threading.current_thread().name)
        if len(calls) == 1:
            gate.hold()
        return real_route(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Engine, "answer", blocked_route)
    assert deps.ROUTE_THREADS == 1  # the server's own setting: one route thread
    route = {"origin": "103.9,30.6", "destination": "Lodz"}
    row = {"origin": "103.8,30.7", "destination": "Lodz"}
    answers: dict[str, httpx.Response] = {}
    with TestClient(create_app(settings, service=service)) as client:
        first = _fetch(answers, "route", lambda: client.get("/v1/route", params=route))
        batch = _fetch(answers, "batch", lambda: client.post("/v1/estimates", json={"rows": [row]}))
        try:
            first.start()
            assert gate.arrived()
            batch.start()
            batch.join(3)
            assert batch.is_alive(), "the batch ran beside a busy route thread"
            assert len(calls) == 1  # the batch's row has not started
        finally:
            gate.open()
            first.join(120)
            batch.join(120)
    assert answers["route"].status_code == 200
    assert answers["batch"].json()["results"][0]["ok"]
    assert len(calls) == 2


def test_a_route_waits_for_one_row_of_a_batch_not_the_whole_batch(
    settings: Settings, service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The batch's first row holds the route thread; a route arrives meanwhile. Each row takes
    # the route thread on its own turn, so the route is answered after that row and before the
    # batch's next rows (answering a whole batch in one turn would give 1, 2, 3, route).
    gate = _Gate()
    real_route = Engine.answer
    order: list[str] = []

    def recorded_route(self: Engine, req: RouteRequest, *args: object, **kwargs: object) -> object:
        order.append(req.origin)
        if len(order) == 1:
            gate.hold()
        return real_route(self, req, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Engine, "answer", recorded_route)
    rows = [{"origin": f"103.8{i},30.7", "destination": "Lodz"} for i in (1, 2, 3)]
    single = {"origin": "103.95,30.6", "destination": "Lodz"}
    answers: dict[str, httpx.Response] = {}
    with TestClient(create_app(settings, service=service)) as client:
        batch = _fetch(answers, "batch", lambda: client.post("/v1/estimates", json={"rows": rows}))
        route = _fetch(answers, "route", lambda: client.get("/v1/route", params=single))
        try:
            batch.start()
            assert gate.arrived()  # the first row holds the route thread
            route.start()
            time.sleep(1.0)  # the route is queued for the route thread by now
            assert order == ["103.81,30.7"]
        finally:
            gate.open()
            batch.join(120)
            route.join(120)
    assert order == ["103.81,30.7", "103.95,30.6", "103.82,30.7", "103.83,30.7"]
    assert answers["route"].status_code == 200
    assert [r["ok"] for r in answers["batch"].json()["results"]] == [True, True, True]


def test_an_app_built_not_to_load_starts_no_loader(settings: Settings, service: Service) -> None:
    # load_on_startup=False (the contract test's schema app): starting the app must not read
    # the build in a thread of its own; it answers 503 until a service is attached, then 200.
    app = create_app(settings, load_on_startup=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/healthz").status_code == 503
        assert app.state.loader is None
        assert not any(t.name == "shudao-load" and t.is_alive() for t in threading.enumerate())
        app.state.service = service
        assert client.get("/healthz").status_code == 200


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_port_answers_503_during_start_up_then_200(built_dir: Path, data_dir: Path) -> None:
    # The real `shudao serve`: the first answers come while the engine is still loading.
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "SHUDAO_BUILD_DIR": str(built_dir),
        "SHUDAO_DATA_DIR": str(data_dir),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--port", str(port)],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    statuses: list[int] = []
    try:
        deadline = time.monotonic() + 240
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
            while time.monotonic() < deadline and (not statuses or statuses[-1] != 200):
                try:
                    statuses.append(http.get("/healthz").status_code)
                except httpx.TransportError:  # not listening yet (interpreter start, imports)
                    assert proc.poll() is None, "the server exited"
                time.sleep(0.02)
    finally:
        proc.terminate()
        proc.wait(30)
    assert statuses, "the port never answered"
    assert statuses[0] == 503  # answered while loading, instead of refusing connections
    assert statuses[-1] == 200
    assert set(statuses) == {503, 200}
