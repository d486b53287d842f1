"""Durable background jobs: a store that survives restarts, a bounded queue and one worker.

Owns: the job record (:class:`JobRecord`), the store interface (:class:`JobStore`) and its SQLite
implementation (:class:`SQLiteJobStore`, one file ``jobs.sqlite3`` in the state directory, schema
created at start), and the worker (:class:`JobRunner`) that runs queued jobs one at a time.

Guarantees:

- ids are random UUIDs, never reused, so an old id can never name another client's job;
- the queue is bounded: :meth:`JobStore.submit` raises :class:`QueueFullError` (HTTP 429 with
  ``Retry-After``) when ``max_pending`` jobs are queued or running;
- finished, failed and cancelled jobs are kept ``keep_s`` seconds after they end, then purged
  (a purged id answers 404 saying how long results are kept);
- a job can be cancelled while queued or running (the worker stops at its next progress report);
- a job that was running when its process died (kill -9) is reported as failed by the next start
  (:meth:`JobStore.recover`: running jobs whose owner pid is gone); queued jobs are kept and run
  by the new worker.

Several server processes (``shudao serve --workers N``) on one host may share a state
directory: claiming is atomic, and recovery only fails jobs whose owning process is dead.
The interface is small so that a PostgreSQL store (the scenarios issue) can implement it too.
"""

from __future__ import annotations

import atexit
import json
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from gis.errors import ShudaoError

STATUSES = ("queued", "running", "done", "failed", "cancelled")
PENDING = ("queued", "running")

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    params TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued','running','done','failed','cancelled')),
    done INTEGER NOT NULL DEFAULT 0,
    total INTEGER NOT NULL DEFAULT 0,
    submitted REAL NOT NULL,
    started REAL,
    finished REAL,
    result TEXT,
    problem TEXT,
    owner INTEGER
);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs (status, seq);
"""


class QueueFullError(ShudaoError):
    """The queue holds ``max_pending`` jobs already; retry after ``retry_after_s``."""

    status = 429
    type_slug = "queue-full"

    def __init__(self, pending: int, retry_after_s: int) -> None:
        self.pending = pending
        self.retry_after_s = retry_after_s
        super().__init__(
            f"{pending} jobs are queued or running, the most this server accepts; "
            f"retry in {retry_after_s} s"
        )


class JobCancelledError(ShudaoError):
    """Raised inside a job's progress callback once the job was cancelled."""


@dataclass(frozen=True)
class JobRecord:
    """One job as stored."""

    id: str
    kind: str
    params: dict[str, Any]
    status: str
    done: int
    total: int
    submitted: float
    started: float | None
    finished: float | None
    result: dict[str, Any] | None
    problem: dict[str, Any] | None


class JobStore(Protocol):
    """What the HTTP layer and the worker need from a job store."""

    keep_s: float

    def submit(self, kind: str, params: dict[str, Any]) -> JobRecord:
        """Queue a job (raises :class:`QueueFullError` when full)."""

    def get(self, job_id: str) -> JobRecord | None:
        """A job by id (None if unknown or purged)."""

    def claim(self) -> JobRecord | None:
        """Mark the oldest queued job running and return it."""

    def progress(self, job_id: str, done: int, total: int) -> bool:
        """Record progress; False once the job was cancelled."""

    def finish(self, job_id: str, result: dict[str, Any]) -> None:
        """Store the result of a running job."""

    def fail(self, job_id: str, problem: dict[str, Any]) -> None:
        """Store why a running job failed."""

    def cancel(self, job_id: str) -> JobRecord | None:
        """Cancel a job (its result, if any, is discarded)."""

    def recover(self, problem: dict[str, Any]) -> int:
        """At start: mark jobs left running by a dead process failed; return how many."""


def _row(row: sqlite3.Row) -> JobRecord:
    return JobRecord(
        id=row["id"],
        kind=row["kind"],
        params=json.loads(row["params"]),
        status=row["status"],
        done=row["done"],
        total=row["total"],
        submitted=row["submitted"],
        started=row["started"],
        finished=row["finished"],
        result=json.loads(row["result"]) if row["result"] is not None else None,
        problem=json.loads(row["problem"]) if row["problem"] is not None else None,
    )


class SQLiteJobStore:
    """:class:`JobStore` in one SQLite file (WAL journal, a connection per call).

    Parameters
    ----------
    path : Path
        The database file (its directory is created).
    max_pending : int
        Most jobs queued or running at once.
    keep_s : float
        Seconds a finished job (and its result) is kept.
    retry_after_s : int
        The ``Retry-After`` advised when the queue is full.
    """

    def __init__(
        self, path: Path, *, max_pending: int, keep_s: float, retry_after_s: int = 30
    ) -> None:
        self.path = path
        self.max_pending = max_pending
        self.keep_s = keep_s
        self.retry_after_s = retry_after_s
        self._lock = threading.Lock()  # serialises writers of this process
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)
            columns = {row["name"] for row in db.execute("PRAGMA table_info(jobs)")}
            if "owner" not in columns:  # a store created before the owner column
                db.execute("ALTER TABLE jobs ADD COLUMN owner INTEGER")

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
        db.row_factory = sqlite3.Row
        try:
            yield db
        finally:
            db.close()

    def _purge(self, db: sqlite3.Connection) -> None:
        db.execute(
            "DELETE FROM jobs WHERE finished IS NOT NULL AND finished < ?",
            (time.time() - self.keep_s,),
        )

    def submit(self, kind: str, params: dict[str, Any]) -> JobRecord:
        """Queue a job; raises :class:`QueueFullError` when ``max_pending`` are pending."""
        job_id = str(uuid.uuid4())
        with self._lock, self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                self._purge(db)
                (pending,) = db.execute(
                    "SELECT count(*) FROM jobs WHERE status IN ('queued','running')"
                ).fetchone()
                if pending >= self.max_pending:
                    raise QueueFullError(pending, self.retry_after_s)
                db.execute(
                    "INSERT INTO jobs (id, kind, params, status, submitted) "
                    "VALUES (?, ?, ?, 'queued', ?)",
                    (job_id, kind, json.dumps(params, sort_keys=True), time.time()),
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        job = self.get(job_id)
        assert job is not None
        return job

    def get(self, job_id: str) -> JobRecord | None:
        """A job by id, or None when unknown or purged."""
        with self._db() as db:
            self._purge(db)
            row = db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return _row(row) if row is not None else None

    def claim(self) -> JobRecord | None:
        """Mark the oldest queued job running and return it (None when nothing is queued)."""
        with self._lock, self._db() as db:
            row = db.execute(
                "UPDATE jobs SET status = 'running', started = ?, owner = ? WHERE seq = "
                "(SELECT seq FROM jobs WHERE status = 'queued' ORDER BY seq LIMIT 1) "
                "RETURNING *",
                (time.time(), os.getpid()),
            ).fetchone()
        return _row(row) if row is not None else None

    def progress(self, job_id: str, done: int, total: int) -> bool:
        """Record progress of a running job; False when it is no longer running (cancelled)."""
        with self._lock, self._db() as db:
            cur = db.execute(
                "UPDATE jobs SET done = ?, total = ? WHERE id = ? AND status = 'running'",
                (done, total, job_id),
            )
        return cur.rowcount == 1

    def _end(self, job_id: str, status: str, column: str, payload: dict[str, Any]) -> None:
        with self._lock, self._db() as db:
            db.execute(
                f"UPDATE jobs SET status = ?, {column} = ?, finished = ? "
                "WHERE id = ? AND status = 'running'",
                (status, json.dumps(payload, ensure_ascii=False), time.time(), job_id),
            )

    def finish(self, job_id: str, result: dict[str, Any]) -> None:
        """Store the result (ignored when the job was cancelled meanwhile)."""
        self._end(job_id, "done", "result", result)

    def fail(self, job_id: str, problem: dict[str, Any]) -> None:
        """Store the problem of a failed job (ignored when it was cancelled meanwhile)."""
        self._end(job_id, "failed", "problem", problem)

    def cancel(self, job_id: str) -> JobRecord | None:
        """Cancel a queued or running job, or discard a finished one's result."""
        with self._lock, self._db() as db:
            db.execute(
                "UPDATE jobs SET status = 'cancelled', result = NULL, "
                "finished = coalesce(finished, ?) WHERE id = ? AND status != 'cancelled'",
                (time.time(), job_id),
            )
        return self.get(job_id)

    def recover(self, problem: dict[str, Any]) -> int:
        """Mark jobs left running by a dead process failed with *problem* saying so."""
        with self._lock, self._db() as db:
            owners = [
                row["owner"]
                for row in db.execute("SELECT DISTINCT owner FROM jobs WHERE status = 'running'")
            ]
            dead = [o for o in owners if o is None or not _alive(int(o))]
            count = 0
            for owner in dead:
                cur = db.execute(
                    "UPDATE jobs SET status = 'failed', problem = ?, finished = ? "
                    "WHERE status = 'running' AND owner IS ?",
                    (json.dumps(problem, ensure_ascii=False), time.time(), owner),
                )
                count += cur.rowcount
        return count


def _alive(pid: int) -> bool:
    """Whether process *pid* exists on this host (our own pid counts as dead: a restart)."""
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def progress_reporter(store: JobStore, job_id: str) -> Callable[[int, int], None]:
    """``progress(done, total)`` of a running job: stored at most 5 times a second.

    It raises :class:`JobCancelledError` once the job is no longer running (cancelled), so the
    computation stops at its next report. Any process may report: the store is the link (a
    matrix job runs in a worker process of :mod:`api.pool`).
    """
    last = 0.0

    def progress(done: int, total: int) -> None:
        nonlocal last
        now = time.monotonic()
        if done < total and now - last < 0.2:  # at most 5 writes a second
            return
        last = now
        if not store.progress(job_id, done, total):
            raise JobCancelledError(job_id)

    return progress


CLOSE_TIMEOUT_S = 30.0
"""How long :meth:`JobRunner.close` waits for the running job to reach its next progress
report (assumption: a matrix reports at least every few seconds; a job in a worker process
ends with the pool instead)."""

Runner = Callable[[JobRecord, Callable[[int, int], None]], dict[str, Any] | None]
Failure = Callable[[Exception], dict[str, Any]]


class JobRunner:
    """One daemon thread that runs the store's queued jobs in order.

    Parameters
    ----------
    store : JobStore
        Where jobs are claimed from and their outcome written.
    run : callable
        ``run(job, progress) -> result``; ``progress(done, total)`` raises
        :class:`JobCancelledError` once the job was cancelled. A run that stored the result
        itself (:meth:`JobStore.finish`, e.g. from a worker process, sparing the encoding of a
        large result here) returns None.
    failure : callable
        Turns an exception into the job's problem (RFC 9457 dict).
    interrupted : dict
        The problem recorded for a job a dead process left running.
    """

    def __init__(
        self, store: JobStore, run: Runner, failure: Failure, *, interrupted: dict[str, Any]
    ) -> None:
        self.store = store
        self.run = run
        self.failure = failure
        self.recovered = store.recover(interrupted)
        self._wake = threading.Event()
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="shudao-jobs", daemon=True)
        self._thread.start()
        self._wake.set()  # queued jobs of a previous process run now
        atexit.register(self.close)

    def notify(self) -> None:
        """A job was queued."""
        self._wake.set()

    def close(self, timeout_s: float = CLOSE_TIMEOUT_S) -> None:
        """Stop taking jobs and end the running one at its next progress report.

        Registered with :mod:`atexit`: the thread then ends its computation itself, before the
        interpreter tears the engine down. A computation still holding RoutingKit's query
        objects when the interpreter freed them from another thread aborted the whole process
        (PyO3: "unsendable, but is being dropped on another thread"). The job that was
        running stays ``running`` in the store, so the next start reports it failed
        (``interrupted``), as after a crash; queued jobs stay queued for the next start.
        """
        self._closing.set()
        self._wake.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout_s)

    def _loop(self) -> None:
        while not self._closing.is_set():
            self._wake.wait()
            self._wake.clear()
            while not self._closing.is_set() and (job := self.store.claim()) is not None:
                self._one(job)

    def _one(self, job: JobRecord) -> None:
        report = progress_reporter(self.store, job.id)

        def progress(done: int, total: int) -> None:
            if self._closing.is_set():
                raise JobCancelledError(job.id)  # the process is exiting: stop here
            report(done, total)

        try:
            result = self.run(job, progress)
        except JobCancelledError:
            return
        except Exception as exc:
            self.store.fail(job.id, self.failure(exc))
            return
        if result is not None:  # None: *run* stored the result itself (see Runner)
            self.store.finish(job.id, result)
