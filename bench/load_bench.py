"""Load test of a live ``shudao serve`` on 127.0.0.1: throughput and p50/p99 latency.

Starts the server three times (estimate cache on; off; off with two worker processes), and in
each run measures ``/healthz``
(the framework's floor) and ``/v1/route`` over a mix of 50 origin–destination pairs with an
async httpx client. Traffic goes to the loopback address only; every loop is bounded in count.

    .venv/bin/python bench/load_bench.py [--requests 300] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
ORIGINS = ["Chengdu", "Mianyang", "Yibin", "Luzhou", "Nanchong", "Deyang", "Leshan", "Dazhou",
           "Zigong", "Panzhihua"]  # fmt: skip
DESTINATIONS = ["Duisburg", "Lodz", "Singapore", "Hanoi", "Vientiane"]
PAIRS = list(itertools.product(ORIGINS, DESTINATIONS))  # 50 pairs


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


async def drive(base: str, paths: list[str], concurrency: int) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    errors = 0
    queue = list(paths)
    async with httpx.AsyncClient(base_url=base, timeout=120.0) as client:

        async def worker() -> None:
            nonlocal errors
            while queue:
                path = queue.pop()
                t = time.perf_counter()
                resp = await client.get(path)
                latencies.append(time.perf_counter() - t)
                if resp.status_code != 200:
                    errors += 1

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - t0
    return wall, latencies, errors


def wait_ready(base: str, proc: subprocess.Popen[bytes], timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            msg = "server exited during start-up"
            raise SystemExit(msg)
        try:
            if httpx.get(f"{base}/healthz", timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    msg = "server not ready in time"
    raise SystemExit(msg)


def run(cache_size: int, n: int, concurrency: int, port: int, *, workers: int = 1) -> None:
    env = {**os.environ, "SHUDAO_CACHE_SIZE": str(cache_size)}
    cmd = [
        sys.executable,
        "-m",
        "api.cli",
        "serve",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    proc = subprocess.Popen(
        cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        t = time.perf_counter()
        wait_ready(base, proc)
        print(
            f"\ncache_size={cache_size}, workers={workers}: "
            f"server ready in {time.perf_counter() - t:.1f} s"
        )
        for label, paths in (
            ("/healthz", ["/healthz"] * n),
            (
                "/v1/route",
                [
                    f"/v1/route?origin={o}&destination={d}&alternatives=1"
                    for o, d in itertools.islice(itertools.cycle(PAIRS), n)
                ],
            ),
        ):
            wall, lat, errors = asyncio.run(drive(base, paths, concurrency))
            print(
                f"  {label:10s} {len(lat)} requests, concurrency {concurrency}: "
                f"{len(lat) / wall:7.1f} req/s, p50 {statistics.median(lat) * 1000:7.1f} ms, "
                f"p99 {pct(lat, 99) * 1000:7.1f} ms, errors {errors}"
            )
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--requests", type=int, default=300)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--port", type=int, default=8765)
    args = ap.parse_args()
    run(4096, args.requests, args.concurrency, args.port)
    run(0, args.requests, args.concurrency, args.port)
    # Route pricing is CPU-bound Python: a second worker process uses the second core.
    run(0, args.requests, args.concurrency, args.port, workers=2)


if __name__ == "__main__":
    main()
