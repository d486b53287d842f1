"""The search core's speed goals, each figure printed beside its floor (issue: one search core).

Run after ``shudao data build``::

    .venv/bin/python bench/core_bench.py [--previous DIR]

Prints, in one run on the same queries:

1. engine load (tables, road layer and its hierarchy, the stored service network): goal <= 1 s;
2. ``shudao route`` as a new process, start to answer, beside ``shudao --help``: goal <= 2.5 s
   and <= 5x ``--help``;
3. ``Engine.route`` with alternatives=3 over the 50 bench pairs, by name and from ``lon,lat``
   points inside Sichuan: goal median <= 5 ms, p95 <= 15 ms; ``--pareto`` <= 3x one route;
4. re-pricing without re-measuring (``Engine.with_overrides``): goal <= 50 ms;
5. the matrix 183 counties x every Sichuan hub and every curated place abroad: goal <= 0.5 s;
6. road trips: the contraction hierarchy against scipy's Dijkstra on the same graph;
7. with ``--previous DIR`` (a checkout of an earlier commit, e.g. made with
   ``git worktree add /tmp/prev 49c4815``): the same 50 queries answered by that code in a
   subprocess, its median latency, and how many answers differ.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from scipy.sparse.csgraph import dijkstra

REPO = Path(__file__).resolve().parent.parent
ORIGINS = [
    "chengdu", "chengdu_irp", "mianyang", "deyang", "yibin",
    "luzhou", "nanchong", "dazhou", "leshan", "panzhihua",
]  # fmt: skip
DESTINATIONS = [
    "duisburg", "lodz", "singapore", "hanoi", "vientiane",
    "bangkok", "almaty", "moscow", "rotterdam", "shanghai",
]  # fmt: skip
# lon,lat points inside Sichuan (county-level towns, rounded), for coordinate origins
POINTS = [
    "104.07,30.67", "103.77,29.55", "105.84,32.43", "102.26,27.89", "106.08,30.80",
    "104.63,28.76", "101.96,30.05", "103.40,31.48", "107.47,31.21", "105.44,28.87",
]  # fmt: skip


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def row(what: str, figure: str, goal: str, ok: bool | None = None) -> None:
    mark = "" if ok is None else ("  ok" if ok else "  MISSED")
    print(f"  {what:<58} {figure:>22}   goal {goal}{mark}")


def timed_process(args: list[str], *, env: dict[str, str] | None = None, runs: int = 3) -> float:
    best = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True, env=env)
        best.append(time.perf_counter() - t)
    return statistics.median(best)


PREVIOUS = r"""
import json, sys, time, statistics
from pathlib import Path
from corridors.engine import Engine
pairs = json.loads(sys.argv[1]); data = Path(sys.argv[2]); build = Path(sys.argv[3])
e = Engine.load(data_dir=data, build_dir=build)
lat, out = [], []
for o, d in pairs:
    t = time.perf_counter(); r = e.route(o, d, alternatives=3); lat.append(time.perf_counter() - t)
    out.append([[x.corridor, round(x.time_h, 6), round(x.cost_cny, 6)] for x in r.routes])
print(json.dumps({"median_s": statistics.median(lat), "answers": out}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--build-dir", type=Path, default=REPO / "data" / "geo" / "build")
    ap.add_argument("--previous", type=Path, help="checkout of an earlier commit to compare")
    args = ap.parse_args()
    data_dir = REPO / "data" / "geo"

    from corridors.engine import Engine  # noqa: PLC0415 (timed below)
    from corridors.matrix import destination_set, origin_set, travel_matrix  # noqa: PLC0415

    print("search core benchmark (figure beside its goal)\n")
    loads = []
    for _ in range(3):
        t = time.perf_counter()
        engine = Engine.load(data_dir=data_dir, build_dir=args.build_dir)
        loads.append(time.perf_counter() - t)
    load_s = statistics.median(loads)
    row("engine load (median of 3)", f"{load_s:.2f} s", "<= 1 s", load_s <= 1.0)
    print(f"    parts of the last load: {engine.timings}")

    shudao = str(Path(sys.executable).with_name("shudao"))
    env = {**os.environ, "SHUDAO_BUILD_DIR": str(args.build_dir)}
    help_s = timed_process([shudao, "--help"], env=env)
    route_s = timed_process([shudao, "route", "Chengdu", "Duisburg", "--json"], env=env)
    row("`shudao --help`, new process", f"{help_s:.2f} s", "(floor)")
    row(
        "`shudao route Chengdu Duisburg --json`, new process",
        f"{route_s:.2f} s ({route_s / help_s:.1f}x)",
        "<= 2.5 s and <= 5x --help",
        route_s <= 2.5 and route_s <= 5 * help_s,
    )

    pairs = list(itertools.product(ORIGINS, DESTINATIONS))[:50]
    point_pairs = list(zip(POINTS * 5, DESTINATIONS * 5, strict=True))
    for o, d in pairs[:5]:
        engine.route(o, d, alternatives=3)  # warm the caches of priced service edges
    answers = []
    for label, qs in (("by name", pairs), ("from lon,lat inside Sichuan", point_pairs)):
        lat = []
        for o, d in qs:
            t = time.perf_counter()
            r = engine.route(o, d, alternatives=3)
            lat.append(time.perf_counter() - t)
            if label == "by name":
                answers.append(
                    [[x.corridor, round(x.time_h, 6), round(x.cost_cny, 6)] for x in r.routes]
                )
        med, p95 = statistics.median(lat) * 1e3, pct(lat, 95) * 1e3
        row(
            f"Engine.route alternatives=3, 50 pairs {label}",
            f"median {med:.1f}, p95 {p95:.1f} ms",
            "median <= 5, p95 <= 15 ms",
            med <= 5 and p95 <= 15,
        )
    one, par = [], []
    for o, d in pairs:
        t = time.perf_counter()
        engine.route(o, d, alternatives=1)
        one.append(time.perf_counter() - t)
        t = time.perf_counter()
        engine.route(o, d, pareto=True)
        par.append(time.perf_counter() - t)
    ratio = statistics.median(par) / statistics.median(one)
    row(
        "--pareto against one route (median)",
        f"{statistics.median(par) * 1e3:.1f} ms ({ratio:.1f}x)",
        "<= 3x one route",
        ratio <= 3,
    )

    overrides = {"modes.rail.tariff_cny_per_km.FEU": 9.0, "modes.sea.speed_kph": 30.0}
    rep = []
    for _ in range(5):
        t = time.perf_counter()
        priced = engine.with_overrides(overrides)
        priced.route("chengdu", "duisburg", alternatives=1)
        rep.append(time.perf_counter() - t)
    rep_s = statistics.median(rep)
    row(
        "re-price (overrides) and answer one route",
        f"{rep_s * 1e3:.1f} ms",
        "<= 50 ms",
        rep_s <= 0.05,
    )

    counties = origin_set(engine, "counties")
    dests = destination_set(engine, "hubs,gateways")
    times = []
    for _ in range(3):
        t = time.perf_counter()
        m = travel_matrix(engine, counties, dests)
        times.append(time.perf_counter() - t)
    mat_s = statistics.median(times)
    empty = int(np.isnan(m.time_h).sum())
    row(
        f"matrix {len(counties)} counties x {len(dests)} hubs and gateways",
        f"{mat_s:.2f} s",
        "<= 0.5 s",
        mat_s <= 0.5,
    )
    print(f"    {m.time_h.size:,} cells, {empty:,} without a route")

    road = engine.road
    rng = np.random.default_rng(11)
    n = road.router.matrix.shape[0]
    src = rng.integers(0, n, 20)
    dst = rng.integers(0, n, 20)
    t = time.perf_counter()
    ref = [
        dijkstra(road.router.matrix, indices=int(s))[int(d)] for s, d in zip(src, dst, strict=True)
    ]
    scipy_s = (time.perf_counter() - t) / len(src)
    t = time.perf_counter()
    got = [
        engine.hierarchy.path([(int(s), 0.0)], [(int(d), 0.0)])
        for s, d in zip(src, dst, strict=True)
    ]
    cch_s = (time.perf_counter() - t) / len(src)
    worst = max(
        abs(g.length_m - r)
        for g, r in zip(got, ref, strict=True)
        if g is not None and np.isfinite(r)
    )
    row(
        "road shortest path, 20 random pairs: hierarchy vs scipy",
        f"{cch_s * 1e3:.2f} vs {scipy_s * 1e3:.0f} ms",
        f"same lengths (worst {worst:.3f} m)",
    )

    if args.previous:
        env_prev = {**os.environ, "PYTHONPATH": str(args.previous)}
        out = subprocess.run(
            [
                sys.executable,
                "-c",
                PREVIOUS,
                json.dumps(pairs),
                str(args.previous / "data" / "geo"),
                str(args.build_dir),
            ],
            check=True,
            capture_output=True,
            text=True,
            env=env_prev,
            cwd=args.previous,
        ).stdout
        prev = json.loads(out)
        row(
            f"previous implementation ({args.previous.name}), same 50 queries",
            f"median {prev['median_s'] * 1e3:.0f} ms",
            "(reference)",
        )
        exact = sum(a == b for a, b in zip(answers, prev["answers"], strict=True))
        same_routes = 0
        worst_h = worst_cny = 0.0
        for (o, d), a, b in zip(pairs, answers, prev["answers"], strict=True):
            if [r[0] for r in a] != [r[0] for r in b]:
                print(f"    other corridors: {o} -> {d}\n      now  {a}\n      then {b}")
                continue
            same_routes += 1
            for ra, rb in zip(a, b, strict=True):
                worst_h = max(worst_h, abs(ra[1] - rb[1]))
                worst_cny = max(worst_cny, abs(ra[2] - rb[2]))
        print(
            f"    same corridors in the same order: {same_routes} of {len(pairs)}; equal to 6 "
            f"decimals: {exact}; largest difference {worst_h:.6f} h, {worst_cny:.3f} CNY "
            "(road trips are now summed in whole decimetres)"
        )


if __name__ == "__main__":
    main()
