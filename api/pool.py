"""The process pool of heavy work: map renders and matrices, off the server's interpreter lock.

Owns: :class:`WorkerPool` (a :class:`concurrent.futures.ProcessPoolExecutor` of
``SHUDAO_WORKER_PROCESSES`` processes, each loading the service once in its initializer), the
calling convention of its tasks (``task(service, *args)`` with picklable arguments and result,
so that the same function also runs in-process), the transport of errors out of a worker
(:class:`WorkerError`: the same status, problem type, message and extension members as the
original, hence the same problem+json), a crashed worker (:class:`WorkerCrashedError`, a 503
problem, and a new pool for the next request, never a hang), and the pools shared per settings
(:func:`shared_pool`).

Why processes: one server process runs its event loop (``/healthz`` included), the route
threads and, before this pool, map renders, matrices and matrix jobs, all under one GIL. A
2-minute mixed soak (2026-12-05, README) found the event loop starved of the GIL for more than
30 ms 451 times; in 80% of them the matrix-job thread was computing, in 17% a map render (routes:
22%). Work in another process never holds this process's GIL.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import gc
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import anyio

from api.jobs import JobCancelledError
from gis.errors import ShudaoError

if TYPE_CHECKING:
    from api.service import Service
    from api.settings import Settings

T = TypeVar("T")
log = logging.getLogger("shudao.api")

PARENT_CHECK_S = 1.0
"""How often a worker checks that the server that started it still runs (it exits if not)."""

WORKER_NICE = 10
"""Niceness added to each worker process (assumption: background work yields the CPU).

On a machine with fewer cores than runnable threads the event loop waits for a core, not only
for the GIL; the workers share no GIL with it, so lowering their priority lets the kernel run
the loop (and the route threads) first. Not done to threads of the server itself: a thread
descheduled while it holds the GIL would make the loop wait longer (priority inversion).
"""


class WorkerError(ShudaoError):
    """An error raised in a worker process, carried back with what its problem needs.

    ``status``, ``type_slug``, ``exit_code``, ``public_detail``, ``suggestions``, ``constraint``
    and ``errors`` are those of the original error, so the HTTP layer renders the same problem
    (``problem_from_exception``) as if the work had run in the server process.
    """

    def __init__(
        self,
        message: str,
        *,
        kind: str,
        status: int = 500,
        type_slug: str = "error",
        exit_code: int = 1,
        public_detail: bool = False,
        suggestions: tuple[str, ...] | None = None,
        constraint: str | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.status = status
        self.type_slug = type_slug
        self.exit_code = exit_code
        self.public_detail = public_detail
        self.suggestions = suggestions
        self.constraint = constraint
        self.errors = errors

    @classmethod
    def from_exception(cls, exc: BaseException) -> WorkerError:
        """The transportable form of *exc* (its message kept; a 5xx detail stays in the log)."""
        suggestions = getattr(exc, "suggestions", None)
        errors = getattr(exc, "errors", None)
        return cls(
            str(exc),
            kind=type(exc).__name__,
            status=int(getattr(exc, "status", 500)),
            type_slug=str(getattr(exc, "type_slug", "error")),
            exit_code=int(getattr(exc, "exit_code", 1)),
            public_detail=bool(getattr(exc, "public_detail", False)),
            suggestions=tuple(str(s) for s in suggestions) if suggestions else None,
            constraint=getattr(exc, "constraint", None),
            errors=list(errors) if isinstance(errors, list) else None,
        )

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled with every field (the default would call ``cls(message)`` only)."""
        return (_rebuild_error, (self.message, self.__dict__.copy()))


def _rebuild_error(message: str, fields: dict[str, Any]) -> WorkerError:
    fields = {k: v for k, v in fields.items() if k != "message"}
    return WorkerError(message, **fields)


class WorkerCrashedError(ShudaoError):
    """A worker process died while it worked on this request (killed, out of memory)."""

    status = 503
    type_slug = "worker-crashed"
    public_detail = True

    def __init__(self) -> None:
        super().__init__(
            "A worker process stopped while computing this answer; it is being restarted. "
            "Retry shortly."
        )


# ------------------------------------------------------------------------ in the worker process
_worker: dict[str, Any] = {}


def _init_worker(data_dir: Path, build_dir: Path, parent_pid: int) -> None:
    """Worker initializer: load the service once, freeze it out of the GC, follow the parent.

    A worker ignores SIGINT: Ctrl-C in a terminal reaches the whole process group, and the
    server, not the worker, decides when a worker stops (it shuts the pool down, or the worker
    sees it gone). Otherwise every idle worker printed a ``KeyboardInterrupt`` traceback.
    """
    from api.service import Service  # noqa: PLC0415 (the worker's own import)

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_follow_parent, args=(parent_pid,), daemon=True).start()
    os.nice(WORKER_NICE)
    t0 = time.perf_counter()
    _worker["service"] = Service.load(data_dir=data_dir, build_dir=build_dir, cache_size=0)
    gc.collect()
    gc.freeze()  # as in the server: collections then scan only what a task allocates
    log.info("worker %d loaded the service in %.1f s", os.getpid(), time.perf_counter() - t0)


def _follow_parent(parent_pid: int) -> None:
    """Exit when the server that started this worker is gone (kill -9 leaves no one to ask)."""
    while os.getppid() == parent_pid:
        time.sleep(PARENT_CHECK_S)
    os._exit(0)


def _call(task: Callable[..., T], args: tuple[Any, ...]) -> T:
    """Run *task* on the worker's service; errors come back as :class:`WorkerError`."""
    try:
        return task(_worker["service"], *args)
    except JobCancelledError:
        raise  # picklable as it is; the job runner stops quietly on it
    except Exception as exc:
        if int(getattr(exc, "status", 500)) >= 500:
            log.exception("worker %d: %s failed", os.getpid(), getattr(task, "__name__", task))
        raise WorkerError.from_exception(exc) from None


def worker_pid(_service: Service) -> int:
    """A task returning the worker's process id (checks and tests)."""
    return os.getpid()


# --------------------------------------------------------------------------- in the server
class WorkerPool:
    """A bounded pool of worker processes, each holding a loaded service.

    Parameters
    ----------
    data_dir, build_dir : Path
        What each worker loads (the server's settings).
    size : int
        Worker processes (``SHUDAO_WORKER_PROCESSES``); each holds a whole service in memory.
    """

    def __init__(self, *, data_dir: Path, build_dir: Path, size: int) -> None:
        if size < 1:
            msg = f"a worker pool needs at least one process, not {size}"
            raise ValueError(msg)
        self.data_dir = data_dir
        self.build_dir = build_dir
        self.size = size
        self.restarts = 0
        self._lock = threading.Lock()
        self._executor = self._new_executor()

    def _new_executor(self) -> concurrent.futures.ProcessPoolExecutor:
        # spawn, not fork: the server has threads (a forked lock held by one would never open)
        return concurrent.futures.ProcessPoolExecutor(
            max_workers=self.size,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(self.data_dir, self.build_dir, os.getpid()),
        )

    def _submit(self, task: Callable[..., T], args: tuple[Any, ...]) -> tuple[Any, Any]:
        with self._lock:
            executor = self._executor
            try:
                return executor, executor.submit(_call, task, args)
            except BrokenProcessPool:
                executor = self._replace(executor)
                return executor, executor.submit(_call, task, args)

    def _replace(self, broken: concurrent.futures.ProcessPoolExecutor) -> Any:
        """A new executor instead of *broken* (once, however many requests saw it break)."""
        if self._executor is broken:
            log.error("a worker process died; starting a new pool of %d", self.size)
            broken.shutdown(wait=False, cancel_futures=True)
            self._executor = self._new_executor()
            self.restarts += 1
        return self._executor

    def _crashed(self, executor: concurrent.futures.ProcessPoolExecutor) -> WorkerCrashedError:
        with self._lock:
            self._replace(executor)
        return WorkerCrashedError()

    def call(self, task: Callable[..., T], *args: Any) -> T:
        """Run ``task(service, *args)`` in a worker and wait (for threads, e.g. the job runner).

        Raises
        ------
        WorkerError
            What the task raised, transported (same status and problem type).
        WorkerCrashedError
            When the worker process died meanwhile (the pool is replaced).
        """
        executor, future = self._submit(task, args)
        try:
            result: T = future.result()
        except BrokenProcessPool:
            raise self._crashed(executor) from None
        return result

    async def run(self, task: Callable[..., T], *args: Any, timeout_s: float) -> T:
        """:meth:`call` from the event loop, answering :class:`TimeoutError` after *timeout_s*.

        A task still queued when the time runs out is cancelled; a running one finishes in
        its worker (a process is not interrupted midway).
        """
        executor, future = self._submit(task, args)
        try:
            with anyio.fail_after(timeout_s):
                result: T = await asyncio.wrap_future(future)
        except BrokenProcessPool:
            raise self._crashed(executor) from None
        finally:
            future.cancel()  # no-op once running or done
        return result

    def warm_up(self) -> None:
        """Start every worker now (each loads the service) instead of at the first request."""
        for _ in range(self.size):
            self._submit(worker_pid, ())

    def shutdown(self) -> None:
        """Stop the workers (queued tasks are cancelled)."""
        with self._lock:
            self._executor.shutdown(wait=False, cancel_futures=True)


_POOLS: dict[tuple[Path, Path, int], WorkerPool] = {}
_POOLS_LOCK = threading.Lock()


def shared_pool(settings: Settings) -> WorkerPool | None:
    """The process's pool for *settings* (None when ``worker_processes`` is 0: threads).

    One pool per data and build directory and size, shared by every app of the process (the
    server has one; the test suite builds many apps over the same data), stopped at exit.
    """
    if settings.worker_processes == 0:
        return None
    key = (settings.data_dir, settings.build_dir, settings.worker_processes)
    with _POOLS_LOCK:
        pool = _POOLS.get(key)
        if pool is None:
            pool = _POOLS[key] = WorkerPool(
                data_dir=settings.data_dir,
                build_dir=settings.build_dir,
                size=settings.worker_processes,
            )
    return pool


@atexit.register
def _stop_pools() -> None:
    for pool in list(_POOLS.values()):
        pool.shutdown()
