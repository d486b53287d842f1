"""Durable matrix jobs (issue 12, defect 3): UUIDs, a bounded queue, cancel, restart recovery.

The store is exercised directly (no engine: the runner is a stub whose behaviour is known) and
through the HTTP endpoints on a real engine, including a restart: a second app on the same
state directory, after the first "died" with a job running.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.http.app import create_app
from api.jobs import JobRecord, JobRunner, QueueFullError, SQLiteJobStore
from api.service import Service
from api.settings import Settings

INTERRUPTED = {"status": 503, "detail": "interrupted"}


def _store(tmp_path: Path, **kw: Any) -> SQLiteJobStore:
    return SQLiteJobStore(tmp_path / "jobs.sqlite3", max_pending=kw.pop("max_pending", 3),
                          keep_s=kw.pop("keep_s", 60.0))  # fmt: skip


def _wait(store: SQLiteJobStore, job_id: str, status: str, timeout_s: float = 10.0) -> JobRecord:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job = store.get(job_id)
        if job is not None and job.status == status:
            return job
        time.sleep(0.02)
    msg = f"job {job_id} never reached {status!r}: {store.get(job_id)}"
    raise AssertionError(msg)


def test_ids_are_uuids_and_never_repeat_across_restarts(tmp_path: Path) -> None:
    first = [_store(tmp_path, max_pending=10).submit("matrix", {"n": i}).id for i in range(3)]
    again = [_store(tmp_path, max_pending=10).submit("matrix", {"n": i}).id for i in range(3)]
    for job_id in first + again:
        assert uuid.UUID(job_id).version == 4
    assert len(set(first + again)) == 6


def test_queue_is_bounded(tmp_path: Path) -> None:
    store = _store(tmp_path, max_pending=2)
    store.submit("matrix", {})
    store.submit("matrix", {})
    with pytest.raises(QueueFullError) as info:
        store.submit("matrix", {})
    assert info.value.retry_after_s > 0
    assert info.value.pending == 2


def test_running_job_is_failed_after_restart_and_queued_ones_run(tmp_path: Path) -> None:
    store = _store(tmp_path)
    running = store.submit("matrix", {"n": 1})
    queued = store.submit("matrix", {"n": 2})
    assert store.claim() == store.get(running.id)  # this process "dies" with it running

    after = _store(tmp_path)  # the restart: same file, new process state
    runner = JobRunner(
        after, lambda job, _progress: {"n": job.params["n"] * 10}, lambda e: {"detail": str(e)},
        interrupted=INTERRUPTED,
    )  # fmt: skip
    assert runner.recovered == 1
    dead = after.get(running.id)
    assert dead is not None
    assert (dead.status, dead.result, dead.problem) == ("failed", None, INTERRUPTED)
    done = _wait(after, queued.id, "done")
    assert done.result == {"n": 20}  # its own result, computed after the restart


def test_cancel_stops_a_running_job(tmp_path: Path) -> None:
    store = _store(tmp_path)
    started = threading.Event()

    def slow(_job: JobRecord, progress: Callable[[int, int], None]) -> dict[str, Any]:
        for i in range(1000):
            started.set()
            progress(i, 1000)
            time.sleep(0.01)
        return {"finished": True}

    runner = JobRunner(store, slow, lambda e: {"detail": str(e)}, interrupted=INTERRUPTED)
    job = store.submit("matrix", {})
    runner.notify()  # after the submit, as the HTTP layer does (before it, the runner may look
    # at an empty queue after this wake-up and then wait for a wake-up that never comes)
    assert started.wait(5)
    _wait(store, job.id, "running")
    cancelled = store.cancel(job.id)
    assert cancelled is not None
    assert cancelled.status == "cancelled"
    time.sleep(0.5)  # the worker stops at its next progress report and stores nothing
    final = store.get(job.id)
    assert final is not None
    assert (final.status, final.result) == ("cancelled", None)


def test_finished_jobs_are_purged_after_keep_s(tmp_path: Path) -> None:
    store = _store(tmp_path, keep_s=0.2)
    runner = JobRunner(store, lambda _j, _p: {"ok": 1}, lambda _e: {}, interrupted=INTERRUPTED)
    job = store.submit("matrix", {})
    runner.notify()  # as the HTTP route does after queuing (the runner may already be idle)
    _wait(store, job.id, "done")
    time.sleep(0.3)
    assert store.get(job.id) is None


# --- HTTP, on the real engine -------------------------------------------------------------------


def _app(settings: Settings, service: Service, state: Path, **kw: Any) -> TestClient:
    s = settings.model_copy(update={"state_dir": state, **kw})
    return TestClient(create_app(s, service=service), raise_server_exceptions=False)


@pytest.mark.build
def test_http_job_survives_a_restart_and_old_style_ids_are_unknown(
    settings: Settings, service: Service, tmp_path: Path
) -> None:
    body = {"origins": "Chengdu,Yibin", "destinations": "Lodz,Singapore"}
    with _app(settings, service, tmp_path) as c1:
        posted = c1.post("/v1/matrix/jobs", json=body)
        assert posted.status_code == 202, posted.text
        job_id = posted.json()["id"]
        assert uuid.UUID(job_id)
        deadline = time.monotonic() + 60
        while (got := c1.get(f"/v1/matrix/jobs/{job_id}").json())["status"] != "done":
            assert time.monotonic() < deadline, got
            time.sleep(0.1)
        cells = got["result"]
    with _app(settings, service, tmp_path) as c2:  # restarted on the same state directory
        again = c2.get(f"/v1/matrix/jobs/{job_id}")
        assert again.status_code == 200
        assert again.json()["status"] == "done"
        assert again.json()["result"] == cells
        assert again.json()["expires"] is not None
        assert c2.get("/v1/matrix/jobs/m000001").status_code == 404  # never another's result
        gone = c2.delete(f"/v1/matrix/jobs/{job_id}")
        assert gone.status_code == 200
        assert (gone.json()["status"], gone.json()["result"]) == ("cancelled", None)
        assert c2.delete(f"/v1/matrix/jobs/{uuid.uuid4()}").status_code == 404


@pytest.mark.build
def test_http_full_queue_answers_429_with_retry_after(
    settings: Settings, service: Service, tmp_path: Path
) -> None:
    store = SQLiteJobStore(tmp_path / "jobs.sqlite3", max_pending=1, keep_s=60)
    store.submit("matrix", {"origins": "x", "destinations": "y"})
    store.claim()  # a job left running by a process that is still "alive" in this test
    with _app(settings, service, tmp_path, max_pending_jobs=1) as c:
        # the new app's start marks the dead process's job failed, so one slot is free again
        first = c.post("/v1/matrix/jobs", json={"origins": "counties", "destinations": "hubs"})
        assert first.status_code == 202, first.text
        second = c.post("/v1/matrix/jobs", json={"origins": "Chengdu", "destinations": "Lodz"})
        assert second.status_code == 429, second.text
        assert int(second.headers["Retry-After"]) > 0
        assert second.headers["content-type"].startswith("application/problem+json")
        c.delete(f"/v1/matrix/jobs/{first.json()['id']}")


def test_recovery_spares_jobs_of_a_live_process(tmp_path: Path) -> None:
    import sqlite3  # noqa: PLC0415
    import subprocess  # noqa: PLC0415

    store = _store(tmp_path)
    job = store.submit("matrix", {})
    store.claim()
    other = subprocess.Popen(["sleep", "30"])  # another live server worker on this host
    try:
        with sqlite3.connect(tmp_path / "jobs.sqlite3") as db:
            db.execute("UPDATE jobs SET owner = ? WHERE id = ?", (other.pid, job.id))
        assert _store(tmp_path).recover(INTERRUPTED) == 0
        still = store.get(job.id)
        assert still is not None
        assert still.status == "running"
    finally:
        other.kill()
        other.wait()
    assert _store(tmp_path).recover(INTERRUPTED) == 1  # now its owner is gone


def test_close_ends_the_running_job_in_its_own_thread(tmp_path: Path) -> None:
    # At interpreter exit (atexit) the runner's thread must end its computation itself: a job
    # still holding RoutingKit query objects when the interpreter freed them from the main
    # thread aborted the process. The job stays `running`, so the next start reports it failed.
    store = _store(tmp_path)
    started = threading.Event()
    ended: list[str] = []

    def slow(_job: JobRecord, progress: Callable[[int, int], None]) -> dict[str, Any]:
        try:
            for i in range(10_000):
                started.set()
                progress(i, 10_000)
                time.sleep(0.01)
        finally:
            ended.append(threading.current_thread().name)
        return {"finished": True}

    runner = JobRunner(store, slow, lambda e: {"detail": str(e)}, interrupted=INTERRUPTED)
    job = store.submit("matrix", {})
    queued = store.submit("matrix", {})
    runner.notify()
    assert started.wait(5)
    t0 = time.monotonic()
    runner.close(timeout_s=5)
    assert time.monotonic() - t0 < 2  # ended at its next progress report, not after 100 s
    assert ended == ["shudao-jobs"]  # the computation unwound in the runner's own thread
    running = store.get(job.id)
    assert running is not None
    assert (running.status, running.result) == ("running", None)
    left = store.get(queued.id)
    assert left is not None
    assert left.status == "queued"  # not taken after close: it runs at the next start
    after = JobRunner(_store(tmp_path), slow, lambda _e: {}, interrupted=INTERRUPTED)
    after.close(timeout_s=0)
    dead = after.store.get(job.id)
    assert dead is not None
    assert (dead.status, dead.problem) == ("failed", INTERRUPTED)
