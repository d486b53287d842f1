"""Map renders and matrices in worker processes (api.pool): same answers, cancel, crashes.

The pool exists so that heavy work never holds the server's GIL (``/healthz`` under load, issue
12). These tests check that moving the work changed nothing a client sees: a map drawn in a
worker has the bytes of one drawn in the test process, an error raised in a worker is the same
problem+json, a matrix job cancelled while a worker computes it reads ``cancelled`` for good,
and a worker killed mid-request gives a 503 problem at once (not a hang) and a new worker.
Each test checks first that the work really ran in a worker (the thread path is disabled).
"""

from __future__ import annotations

import os
import re
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from api.http import deps
from api.http.app import create_app
from api.http.maps_routes import MapTask, render_map
from api.pool import WorkerError, shared_pool, worker_pid
from api.service import Service
from api.settings import Settings
from corridors.request import parse_request
from gis.errors import ShudaoError
from maps.layout import OutputFormat, PrintOptions

pytestmark = pytest.mark.build
PROBLEM = "application/problem+json"


@pytest.fixture
def pooled(settings: Settings, tmp_path: Path) -> Settings:
    """Settings with a pool of one worker (its own pool: other tests keep theirs)."""
    return settings.model_copy(update={"worker_processes": 1, "state_dir": tmp_path / "state"})


@pytest.fixture
def no_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the in-process path fail, so an answer proves the work ran in a worker."""

    async def refuse(*_a: Any, **_k: Any) -> Any:
        msg = "in-process heavy work: the pool was bypassed"
        raise AssertionError(msg)

    monkeypatch.setattr(deps, "run_limited", refuse)


@pytest.fixture
def client(pooled: Settings, service: Service, no_threads: None) -> Iterator[TestClient]:
    del no_threads  # in force for the whole test
    with TestClient(create_app(pooled, service=service), raise_server_exceptions=False) as c:
        yield c


def test_the_pool_runs_in_other_processes(pooled: Settings) -> None:
    pool = shared_pool(pooled)
    assert pool is not None
    assert pool.call(worker_pid) != os.getpid()
    assert shared_pool(pooled.model_copy(update={"worker_processes": 0})) is None


def test_a_worker_outlives_ctrl_c_meant_for_the_server(pooled: Settings) -> None:
    # Ctrl-C in a terminal sends SIGINT to the whole process group, workers included; the
    # server decides when its workers stop, so a worker ignores it and keeps serving (before,
    # each idle worker died with a KeyboardInterrupt traceback and the pool broke).
    pool = shared_pool(pooled)
    assert pool is not None
    pid = pool.call(worker_pid)
    os.kill(pid, signal.SIGINT)
    time.sleep(1.0)
    assert pool.call(worker_pid) == pid
    assert pool.restarts == 0


def test_print_layout_from_a_worker_is_byte_identical(client: TestClient, service: Service) -> None:
    params = {"origin": "Chengdu", "destination": "Lodz", "dpi": 30}
    resp = client.get("/maps/route.png", params=params)
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == "image/png"
    req = parse_request({"origin": "Chengdu", "destination": "Lodz"})
    options = PrintOptions(paper="A4", orientation="landscape", dpi=30, labels="both",
                           scenario="基准 Baseline")  # fmt: skip
    here = render_map(service, MapTask("route", OutputFormat.PNG, req=req, options=options))
    assert resp.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert resp.content == here


def test_html_map_from_a_worker_matches_up_to_folium_ids(
    client: TestClient, service: Service
) -> None:
    resp = client.get("/maps/regions.html", params={"labels": "en"})
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == "text/html; charset=utf-8"
    here = render_map(service, MapTask("regions", OutputFormat.HTML, labels="en"))
    ids = re.compile(rb"[0-9a-f]{32}")  # folium names every element with a random hex id
    assert len(resp.content) > 100_000
    assert ids.sub(b"ID", resp.content) == ids.sub(b"ID", here)


def test_an_error_in_a_worker_is_the_same_problem(
    client: TestClient, settings: Settings, service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    params = {"origin": "Chengdux", "destination": "Lodz"}
    pooled = client.get("/maps/route.html", params=params)
    too_big = client.get("/v1/matrix", params={"origins": "counties", "destinations": "hubs"})
    monkeypatch.undo()  # the thread path again, for the answers of the server process itself
    threads = settings.model_copy(update={"worker_processes": 0})
    with TestClient(create_app(threads, service=service), raise_server_exceptions=False) as c:
        here = c.get("/maps/route.html", params=params)
        here_big = c.get("/v1/matrix", params={"origins": "counties", "destinations": "hubs"})
    assert pooled.status_code == 404
    assert pooled.headers["content-type"] == PROBLEM
    assert pooled.json() == here.json()
    assert "chengdu" in pooled.json()["suggestions"]
    assert too_big.status_code == 413
    assert too_big.json() == here_big.json()
    assert too_big.json()["instance"] == "/v1/matrix"


def test_worker_error_survives_pickling_with_its_problem_fields() -> None:
    import pickle  # noqa: PLC0415

    class OddError(ShudaoError):
        status = 409
        type_slug = "odd"

        def __init__(self, a: int, b: int) -> None:  # not rebuildable from its message
            self.constraint = f"{a}<{b}"
            super().__init__(f"odd {a} {b}")

    err = pickle.loads(pickle.dumps(WorkerError.from_exception(OddError(1, 2))))
    assert isinstance(err, ShudaoError)
    assert (str(err), err.status, err.type_slug, err.constraint) == ("odd 1 2", 409, "odd", "1<2")
    assert err.kind == "OddError"


def test_direct_matrix_from_a_worker_has_the_bytes_of_one_computed_here(
    client: TestClient, settings: Settings, service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    params = {"origins": "Chengdu,Yibin,Panzhihua", "destinations": "Lodz,Hanoi"}
    pooled = client.get("/v1/matrix", params=params)
    monkeypatch.undo()
    threads = settings.model_copy(update={"worker_processes": 0})
    with TestClient(create_app(threads, service=service), raise_server_exceptions=False) as c:
        here = c.get("/v1/matrix", params=params)
    assert pooled.status_code == 200, pooled.text
    assert pooled.headers["content-type"] == "application/json"
    assert pooled.content == here.content
    cells = pooled.json()["cells"]
    assert len(cells) == 6  # 3 origins x 2 destinations
    assert all(c["time_h"] > 0 for c in cells)


def _wait_job(c: TestClient, job_id: str, ok: Any, timeout_s: float = 180.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while not ok(got := c.get(f"/v1/matrix/jobs/{job_id}").json()):
        assert time.monotonic() < deadline, got
        time.sleep(0.05)
    return got


def test_job_cancelled_in_a_worker_stays_cancelled(client: TestClient) -> None:
    big = client.post("/v1/matrix/jobs", json={"origins": "counties", "destinations": "gateways"})
    assert big.status_code == 202, big.text
    big_id = big.json()["id"]
    running = _wait_job(client, big_id, lambda j: j["progress"]["done"] > 0)
    assert running["status"] == "running", running  # the worker reported progress
    assert running["progress"]["done"] < running["progress"]["total"]
    cancelled = client.delete(f"/v1/matrix/jobs/{big_id}")
    assert cancelled.json()["status"] == "cancelled"
    # the one worker takes the next job only once the cancelled one has left it
    small = client.post("/v1/matrix/jobs", json={"origins": "Chengdu", "destinations": "Lodz"})
    assert small.status_code == 202, small.text
    done = _wait_job(client, small.json()["id"], lambda j: j["status"] in {"done", "failed"})
    assert done["status"] == "done", done
    assert len(done["result"]["cells"]) == 1
    after = client.get(f"/v1/matrix/jobs/{big_id}").json()
    assert (after["status"], after["result"]) == ("cancelled", None)


def test_job_failing_in_a_worker_carries_its_problem(client: TestClient) -> None:
    posted = client.post("/v1/matrix/jobs", json={"origins": "Chengdux", "destinations": "Lodz"})
    assert posted.status_code == 202, posted.text
    got = _wait_job(client, posted.json()["id"], lambda j: j["status"] in {"done", "failed"})
    assert got["status"] == "failed"
    assert got["problem"]["status"] == 404
    assert got["problem"]["type"].endswith("/unknown-place")


def test_worker_killed_mid_request_is_a_503_problem_then_a_new_worker(
    client: TestClient, pooled: Settings
) -> None:
    pool = shared_pool(pooled)
    assert pool is not None
    pid = pool.call(worker_pid)
    restarts = pool.restarts
    answer: dict[str, httpx.Response] = {}

    def ask() -> None:  # the first accessibility map computes its raster: seconds of work
        answer["r"] = client.get("/maps/access.png", params={"to": "airport", "dpi": 100})

    asker = threading.Thread(target=ask)
    t0 = time.monotonic()
    asker.start()
    time.sleep(1.0)
    os.kill(pid, signal.SIGKILL)
    asker.join(timeout=60)
    assert not asker.is_alive(), "the request hangs after its worker died"
    resp = answer["r"]
    assert resp.status_code == 503, resp.text[:300]
    assert resp.headers["content-type"] == PROBLEM
    assert resp.json()["type"].endswith("/worker-crashed")
    assert "Retry" in resp.json()["detail"]
    assert time.monotonic() - t0 < 30
    assert pool.restarts == restarts + 1
    again = client.get("/v1/matrix", params={"origins": "Chengdu", "destinations": "Lodz"})
    assert again.status_code == 200, again.text  # a new worker answers
    assert pool.call(worker_pid) != pid
