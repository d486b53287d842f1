"""Load benchmark of the HTTP service on loopback (issue 12: load and soak), figures printed.

Starts ``shudao serve`` on a free loopback port (or uses ``--url`` of a running one), then keeps
``--connections`` concurrent clients sending distinct route queries for ``--seconds``: random
origins (4-decimal lon,lat inside the Chengdu plain, so almost every query is new to the cache)
to one of seven destinations abroad. Meanwhile ``/healthz`` is polled every 100 ms, by a process
of its own (the figure of the goal) and from the clients' event loop (which adds the client's
own delays). Printed:
requests, errors (transport errors and 5xx; 4xx answers such as "no road near this point" are
counted apart), p50/p95/p99 of the route latency, ``/healthz`` p99, and the server's RSS after a
warm-up (the first 10 s) and at the end, each beside its goal from the issue:
0 errors, ``/healthz`` p99 < 50 ms, RSS growth after warm-up < 10%.

With ``--mixed`` each request is drawn from a mixed workload instead (the soak of the issue):
60% routes, 10% batches of 5 estimates, 10% small matrices (prefectures x 3 places abroad), 5%
route maps (HTML), 5% matrix jobs (submitted; a 429 when the queue is full counts as throttled,
not an error), 10% job polls and place searches.

Run: ``PYTHONPATH=. python bench/soak_bench.py [--seconds 60] [--connections 50] [--mixed]``
(the 10-minute soak: ``--seconds 600 --mixed``).
Loopback only; bounded by ``--seconds``. Not a test: timings vary with the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

DESTINATIONS = ("Lodz", "Duisburg", "Singapore", "Hanoi", "Almaty", "Vientiane", "Shanghai")
BOX = (103.5, 30.1, 104.9, 31.4)  # Chengdu plain (lon/lat): dense roads, assumption for access
WARMUP_S = 10.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _descendants(pid: int) -> list[int]:
    """*pid*'s child processes, grandchildren included, whichever thread started them."""
    out: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError):
                for child in (task / "children").read_text().split():
                    out += [int(child), *_descendants(int(child))]
    return out


def _rss_mb(pid: int) -> float | None:
    """Resident set of *pid* and its descendants, in MB.

    The descendants are uvicorn's workers and the map and matrix worker processes
    (``SHUDAO_WORKER_PROCESSES``).
    """
    total = 0.0
    for p in [pid, *_descendants(pid)]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            if p == pid:
                return None
    return total


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _origin(rng: random.Random) -> str:
    lon = round(rng.uniform(BOX[0], BOX[2]), 4)
    lat = round(rng.uniform(BOX[1], BOX[3]), 4)
    return f"{lon},{lat}"


async def _one(
    http: httpx.AsyncClient, rng: random.Random, mixed: bool, jobs: list[str]
) -> httpx.Response:
    """Send one request of the workload."""
    draw = rng.random() if mixed else 0.0
    if draw < 0.60:
        params = {"origin": _origin(rng), "destination": rng.choice(DESTINATIONS)}
        return await http.get("/v1/route", params=params)
    if draw < 0.70:
        rows = [{"origin": _origin(rng), "destination": rng.choice(DESTINATIONS)} for _ in "12345"]
        return await http.post("/v1/estimates", json={"rows": rows})
    if draw < 0.80:
        dests = ",".join(rng.sample(DESTINATIONS, 3))
        return await http.get(
            "/v1/matrix", params={"origins": "prefectures", "destinations": dests}
        )
    if draw < 0.85:
        params = {"origin": _origin(rng), "destination": rng.choice(DESTINATIONS)}
        return await http.get("/maps/route.html", params=params)
    if draw < 0.90:
        body = {"origins": "counties", "destinations": ",".join(rng.sample(DESTINATIONS, 4))}
        resp = await http.post("/v1/matrix/jobs", json=body)
        if resp.status_code == 202:
            jobs.append(resp.json()["id"])
        return resp
    if draw < 0.95 and jobs:
        return await http.get(f"/v1/matrix/jobs/{rng.choice(jobs)}")
    return await http.get("/v1/places", params={"q": rng.choice(DESTINATIONS)})


async def _client(
    url: str,
    stop: float,
    lat: list[float],
    counts: dict[str, int],
    rng: random.Random,
    *,
    mixed: bool,
    jobs: list[str],
) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=60.0) as http:
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            try:
                resp = await _one(http, rng, mixed, jobs)
            except httpx.HTTPError as exc:
                counts["errors"] += 1
                counts[type(exc).__name__] = counts.get(type(exc).__name__, 0) + 1
                continue
            lat.append((time.perf_counter() - t0) * 1000)
            if resp.status_code >= 500:
                counts["errors"] += 1
                key = f"{resp.status_code} {resp.request.url.path}"
                counts[key] = counts.get(key, 0) + 1
            elif resp.status_code == 429:
                counts["throttled"] += 1
            elif resp.status_code >= 400:
                counts["4xx"] += 1
            else:
                counts["ok"] += 1


async def _health(url: str, stop: float, lat: list[float], counts: dict[str, int]) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=10.0) as http:
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            try:
                resp = await http.get("/healthz")
                if resp.status_code != 200:
                    counts["health_errors"] += 1
            except httpx.HTTPError:
                counts["health_errors"] += 1
            lat.append((time.perf_counter() - t0) * 1000)
            await asyncio.sleep(0.1)


def _probe(url: str, seconds: float, out: Any) -> None:
    """``/healthz`` every 100 ms from a process of its own (its latencies into *out*).

    The load clients share one event loop, where reading 50 connections' answers delays a
    poller's own timing; a separate process measures the server, not the client.
    """
    lat: list[float] = []
    bad = 0
    stop = time.monotonic() + seconds
    with httpx.Client(base_url=url, timeout=10.0) as http:
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            try:
                if http.get("/healthz").status_code != 200:
                    bad += 1
            except httpx.HTTPError:
                bad += 1
            lat.append((time.perf_counter() - t0) * 1000)
            time.sleep(0.1)
    out.put((lat, bad))


def _idle_floor(url: str, polls: int = 50) -> list[float]:
    """``/healthz`` latencies (ms) of an idle server: the floor the machine allows right now."""
    out: list[float] = []
    with httpx.Client(base_url=url, timeout=10.0) as http:
        for _ in range(polls):
            t0 = time.perf_counter()
            http.get("/healthz")
            out.append((time.perf_counter() - t0) * 1000)
            time.sleep(0.05)
    return out


async def _run(
    url: str,
    seconds: float,
    connections: int,
    pid: int | None,
    *,
    mixed: bool,
    warmup_s: float = WARMUP_S,
) -> None:
    idle = _idle_floor(url)
    print(f"idle /healthz ms: p50 {_pct(idle, 0.5):.1f}  p99 {_pct(idle, 0.99):.1f} "
          f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")  # fmt: skip
    stop = time.monotonic() + seconds
    lat: list[float] = []
    health: list[float] = []
    counts = {"ok": 0, "4xx": 0, "throttled": 0, "errors": 0, "health_errors": 0}
    jobs: list[str] = []
    rss: dict[str, float | None] = {"start": _rss_mb(pid) if pid else None}
    ctx = multiprocessing.get_context("spawn")
    probe_out = ctx.Queue()
    probe = ctx.Process(target=_probe, args=(url, seconds, probe_out), daemon=True)
    probe.start()

    async def sample_rss() -> None:
        await asyncio.sleep(min(warmup_s, seconds / 2))
        rss["warm"] = _rss_mb(pid) if pid else None

    rngs = [random.Random(1000 + i) for i in range(connections)]
    await asyncio.gather(
        sample_rss(),
        _health(url, stop, health, counts),
        *(
            _client(url, stop, lat, counts, rngs[i], mixed=mixed, jobs=jobs)
            for i in range(connections)
        ),
    )
    rss["end"] = _rss_mb(pid) if pid else None
    probe_lat, probe_bad = probe_out.get(timeout=60)
    probe.join(timeout=10)
    n = counts["ok"] + counts["4xx"] + counts["throttled"] + counts["errors"]
    what = "mixed" if mixed else "route"
    print(f"soak: {seconds:.0f} s, {connections} connections, {n} {what} requests "
          f"({n / seconds:.1f}/s): {counts['ok']} answered, {counts['4xx']} 4xx, "
          f"{counts['throttled']} throttled (429), {counts['errors']} errors (goal 0)")  # fmt: skip
    mean = statistics.fmean(lat) if lat else 0.0
    print(f"  {what} latency ms: p50 {_pct(lat, 0.5):.0f}  p95 {_pct(lat, 0.95):.0f}  "
          f"p99 {_pct(lat, 0.99):.0f}  (mean {mean:.0f})")  # fmt: skip
    print(f"  /healthz ms, own process: p50 {_pct(probe_lat, 0.5):.1f}  "
          f"p95 {_pct(probe_lat, 0.95):.1f}  p99 {_pct(probe_lat, 0.99):.1f} (goal p99 < 50), "
          f"{len(probe_lat)} polls, {probe_bad} not 200")  # fmt: skip
    print(f"  /healthz ms, in the clients' event loop: p50 {_pct(health, 0.5):.1f}  "
          f"p99 {_pct(health, 0.99):.1f}, {counts['health_errors']} not 200")  # fmt: skip
    known = {"ok", "4xx", "throttled", "errors", "health_errors"}
    kinds = {k: v for k, v in counts.items() if k not in known}
    if kinds:
        print(f"  errors by kind: {kinds}")
    warm, end = rss.get("warm"), rss.get("end")
    if warm and end:
        growth = 100 * (end - warm) / warm
        print(f"  RSS MB: start {rss['start']:.0f}  after warm-up {warm:.0f}  end {end:.0f}  "
              f"growth {growth:+.1f}% (goal < 10%)")  # fmt: skip


def main() -> None:
    """Parse the options, start the server if needed, run the load, print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--connections", type=int, default=50)
    ap.add_argument("--url", help="a running server on loopback (default: start one)")
    ap.add_argument(
        "--port", type=int, help="loopback port of the server started here (default: a free one)"
    )
    ap.add_argument("--mixed", action="store_true", help="the mixed workload (see above)")
    ap.add_argument(
        "--warmup", type=float, default=WARMUP_S, help="seconds before the RSS baseline"
    )
    ap.add_argument(
        "--settle",
        type=float,
        default=0.0,
        help="seconds to wait after /healthz turns 200 (the worker processes load meanwhile)",
    )
    ap.add_argument(
        "--gil-slice-ms",
        type=float,
        help="serve with this thread switch interval instead of the server's own (A/B runs)",
    )
    args = ap.parse_args()
    if args.url:
        host = httpx.URL(args.url).host
        if host not in {"127.0.0.1", "localhost", "::1"}:
            sys.exit("loopback only: --url must point at 127.0.0.1, localhost or ::1")
        asyncio.run(
            _run(
                args.url,
                args.seconds,
                args.connections,
                None,
                mixed=args.mixed,
                warmup_s=args.warmup,
            )
        )
        return
    port = args.port or _free_port()
    command = [sys.executable, "-m", "api.cli", "serve", "--port", str(port)]
    if args.gil_slice_ms is not None:
        patch = (
            "import sys, api.http.app as a; "
            f"a.GIL_SWITCH_INTERVAL_S = {args.gil_slice_ms / 1000!r}; "
            f"sys.argv = ['shudao', 'serve', '--port', '{port}']; "
            "from api.cli import main; main()"
        )
        command = [sys.executable, "-c", patch]
    proc = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ},
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            time.sleep(0.5)
        else:
            sys.exit("the server did not become ready in 120 s")
        time.sleep(args.settle)
        asyncio.run(
            _run(
                url,
                args.seconds,
                args.connections,
                proc.pid,
                mixed=args.mixed,
                warmup_s=args.warmup,
            )
        )
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
