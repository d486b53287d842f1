"""Scenario load, route and comparison times, each printed beside its goal (issue 13, item 7).

Run after ``shudao data build`` (the build dir is ``$SHUDAO_BUILD_DIR`` or ``data/geo/build``)::

    .venv/bin/python bench/scenario_bench.py [--repeat 5]

Prints, for every shipped scenario (``data/geo/scenarios``):

1. load = read + validate + apply: ``first``, the first apply in the process with the voyages
   the sea router measured so far forgotten (what a fresh server pays; ``sea runs`` counts the
   sea-router runs it needed: none when the stored sea variants answer every re-routed hop),
   and again (``again``); goal <= 100 ms;
2. a route under the scenario against the baseline route (Chengdu -> Duisburg, 3
   alternatives; Łódź has no route at all when the Kazakhstan border is closed),
   both on fresh engines (no priced edges cached) and warm (median of ``--repeat``); goal <= 2x;
3. a comparison (:func:`corridors.scenario_compare.compare_route`) against one baseline route,
   on fresh engines (median of ``--repeat``; ``x`` in wall time, ``cpu x`` in this process's CPU
   time, steadier on a shared machine), and with the baseline's answer given as from a cache
   (``cached``); goal <= 2x. The comparison shares the road trips of its two answers, and their
   charges when the scenario changes no parameter (:class:`corridors.engine.SharedWork`).

Then the first route avoiding a passage (Chengdu -> Rotterdam, 3 alternatives; fresh engine,
sea voyages forgotten) against the same route without ``avoid``, with its sea-router runs.

``--measured`` drops the stored sea variants first: every re-routed sea hop is measured by
the sea router, as before they were stored (the before/after comparison).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import searoute

from corridors.engine import Engine
from corridors.models import SeaVariants
from corridors.network import clear_sea_trip_cache
from corridors.request import parse_request
from corridors.scenario_compare import compare_route
from corridors.scenarios import apply_scenario, load_scenario_file

REPO = Path(__file__).resolve().parent.parent
SCENARIOS = REPO / "data" / "geo" / "scenarios"
LOAD_GOAL_MS = 100.0
ROUTE_GOAL_X = 2.0
AVOIDS: tuple[tuple[str, ...], ...] = (
    ("suez",),
    ("babalmandab", "suez"),
    ("malacca",),
    ("gibraltar",),
    ("ormuz",),
)


class SeaRuns:
    """Counts the sea router's runs (``searoute.searoute`` calls) in this process."""

    def __init__(self) -> None:
        self.runs = 0
        self._real: Callable[..., Any] = searoute.searoute
        searoute.searoute = self._count

    def _count(self, *args: Any, **kwargs: Any) -> Any:
        self.runs += 1
        return self._real(*args, **kwargs)


def _ms(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000.0


def main() -> None:
    """Run the benchmark and print one line per scenario, then the ``avoid`` lines."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--origin", default="Chengdu")
    ap.add_argument("--destination", default="Duisburg")
    ap.add_argument("--measured", action="store_true", help="ignore the stored sea variants")
    args = ap.parse_args()
    build_dir = Path(os.environ.get("SHUDAO_BUILD_DIR") or REPO / "data" / "geo" / "build")
    sea = SeaRuns()
    t0 = time.perf_counter()
    base = Engine.load(data_dir=REPO / "data" / "geo", build_dir=build_dir)
    print(f"engine load: {_ms(t0):.0f} ms ({build_dir})")
    if args.measured:
        base = _without_variants(base)
        print("sea variants ignored: every re-routed sea hop is measured (--measured)")
    else:
        print(f"stored sea variants: {len(base.network.sea_variants)}")
    req = parse_request({"origin": args.origin, "destination": args.destination, "alternatives": 3})
    base.answer(req)  # warm the process (road layer pages, searoute-free first query)
    print(
        f"{'scenario':26} {'first':>8} {'sea runs':>8} {'again':>7} {'goal':>6} | "
        f"{'route base':>10} {'route scen':>10} {'x':>5} {'warm x':>7} {'goal':>5} | "
        f"{'compare':>8} {'x':>5} {'cpu x':>5} {'cached':>6} {'goal':>5}"
    )
    worst = dict.fromkeys(("first", "route", "warm", "compare", "compare_cpu", "cached"), 0.0)
    for path in sorted(SCENARIOS.glob("*.toml")):
        clear_sea_trip_cache()
        runs0 = sea.runs
        t = time.perf_counter()
        scen = apply_scenario(base, load_scenario_file(path, engine=base))
        cold = _ms(t)
        runs = sea.runs - runs0
        t = time.perf_counter()
        apply_scenario(base, load_scenario_file(path, engine=base))
        warm = _ms(t)
        # fresh engines: nothing priced yet on either side
        fresh_base = base.with_parameters(base.params)
        fresh_scen = scen.with_parameters(scen.params)
        t = time.perf_counter()
        fresh_base.answer(req)
        rb = _ms(t)
        t = time.perf_counter()
        fresh_scen.answer(req)
        rs = _ms(t)
        wb, ws = [], []
        for _ in range(args.repeat):
            t = time.perf_counter()
            fresh_base.answer(req)
            wb.append(_ms(t))
            t = time.perf_counter()
            fresh_scen.answer(req)
            ws.append(_ms(t))
        warm_x = statistics.median(ws) / statistics.median(wb)
        one, cmp_ms, cached_ms, one_cpu, cmp_cpu = [], [], [], [], []
        for _ in range(args.repeat):
            b2, s2 = base.with_parameters(base.params), scen.with_parameters(scen.params)
            t, c = time.perf_counter(), time.process_time()
            first = b2.answer(req)
            one.append(_ms(t))
            one_cpu.append(time.process_time() - c)
            b3 = base.with_parameters(base.params)
            t, c = time.perf_counter(), time.process_time()
            compare_route(b3, s2, req)
            cmp_ms.append(_ms(t))
            cmp_cpu.append(time.process_time() - c)
            s3 = scen.with_parameters(scen.params)
            t = time.perf_counter()
            compare_route(b2, s3, req, baseline_result=first)
            cached_ms.append(_ms(t))
        one_m, cmp_m, cached_m = (statistics.median(x) for x in (one, cmp_ms, cached_ms))
        cpu_x = statistics.median(cmp_cpu) / statistics.median(one_cpu)
        row = {
            "first": cold,
            "route": rs / rb,
            "warm": warm_x,
            "compare": cmp_m / one_m,
            "compare_cpu": cpu_x,
            "cached": cached_m / one_m,
        }
        worst = {k: max(worst[k], row[k]) for k in worst}
        print(
            f"{path.stem:26} {cold:6.1f}ms {runs:8d} {warm:5.1f}ms {LOAD_GOAL_MS:4.0f}ms | "
            f"{rb:8.1f}ms {rs:8.1f}ms {rs / rb:5.2f} {warm_x:7.2f} {ROUTE_GOAL_X:5.1f} | "
            f"{cmp_m:6.1f}ms {cmp_m / one_m:5.2f} {cpu_x:5.2f} {cached_m / one_m:6.2f} "
            f"{ROUTE_GOAL_X:5.1f}"
        )
    print(
        f"worst: first load {worst['first']:.1f} ms (goal <= {LOAD_GOAL_MS:.0f} ms); route "
        f"{worst['route']:.2f}x fresh, {worst['warm']:.2f}x warm (goal <= {ROUTE_GOAL_X:.0f}x); "
        f"comparison {worst['compare']:.2f}x fresh ({worst['compare_cpu']:.2f}x in CPU time), "
        f"{worst['cached']:.2f}x with the baseline cached (goal <= {ROUTE_GOAL_X:.0f}x)"
    )
    plain = parse_request({"origin": "Chengdu", "destination": "Rotterdam", "alternatives": 3})
    base.with_parameters(base.params).answer(plain)  # warm the road pages of this query
    plain_ms = statistics.median(
        _timed(lambda: base.with_parameters(base.params).answer(plain)) for _ in range(args.repeat)
    )
    print(f"\nChengdu -> Rotterdam, 3 alternatives, fresh engine: {plain_ms:.1f} ms")
    print(f"{'avoid':22} {'first route':>11} {'sea runs':>8} {'x':>5}")
    for avoid in AVOIDS:
        clear_sea_trip_cache()
        runs0 = sea.runs
        q = parse_request(
            {"origin": "Chengdu", "destination": "Rotterdam", "alternatives": 3, "avoid": avoid}
        )
        ms = _timed(lambda q=q: base.with_parameters(base.params).answer(q))  # type: ignore[misc]
        print(f"{','.join(avoid):22} {ms:9.1f}ms {sea.runs - runs0:8d} {ms / plain_ms:5.2f}")


def _without_variants(engine: Engine) -> Engine:
    """*engine* with no stored sea variants."""
    return Engine(
        catalog=engine.catalog,
        resolver=engine.resolver,
        params=engine.params,
        records=engine.records,
        network=dataclasses.replace(engine.network, sea_variants=SeaVariants()),
        road=engine.road,
        hierarchy=engine.hierarchy,
        timings=dict(engine.timings),
        build_dir=engine.build_dir,
    )


def _timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return _ms(t)


if __name__ == "__main__":
    main()
