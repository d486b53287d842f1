"""Scenario load, route and comparison times, each printed beside its goal (issue 13, item 7).

Run after ``shudao data build``::

    .venv/bin/python bench/scenario_bench.py [--repeat 5]

Prints, for every shipped scenario (``data/geo/scenarios``):

1. load = read + validate + apply, the first time in the process (``cold``: sea hops re-routed
   by searoute are measured then) and again (``warm``); goal <= 100 ms;
2. a route under the scenario against the baseline route (Chengdu -> Duisburg, 3
   alternatives; Łódź has no route at all when the Kazakhstan border is closed),
   both on fresh engines (no priced edges cached) and warm (median of ``--repeat``); goal <= 2x;
3. a comparison (:func:`corridors.scenario_compare.compare_route`) against one baseline route,
   on fresh engines (median of ``--repeat``), and with the baseline's answer given as from a
   cache (``cached``); goal <= 2x.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from corridors.engine import Engine
from corridors.request import parse_request
from corridors.scenario_compare import compare_route
from corridors.scenarios import apply_scenario, load_scenario_file

REPO = Path(__file__).resolve().parent.parent
SCENARIOS = REPO / "data" / "geo" / "scenarios"
LOAD_GOAL_MS = 100.0
ROUTE_GOAL_X = 2.0


def _ms(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000.0


def main() -> None:
    """Run the benchmark and print one line per scenario."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--origin", default="Chengdu")
    ap.add_argument("--destination", default="Duisburg")
    args = ap.parse_args()
    t0 = time.perf_counter()
    base = Engine.load(data_dir=REPO / "data" / "geo", build_dir=REPO / "data" / "geo" / "build")
    print(f"engine load: {_ms(t0):.0f} ms")
    req = parse_request({"origin": args.origin, "destination": args.destination, "alternatives": 3})
    base.answer(req)  # warm the process (road layer pages, searoute-free first query)
    print(
        f"{'scenario':34} {'load cold':>10} {'load warm':>10} {'goal':>6} | "
        f"{'route base':>10} {'route scen':>10} {'x':>5} {'warm x':>7} {'goal':>5} | "
        f"{'compare':>8} {'x':>5} {'cached':>6} {'goal':>5}"
    )
    for path in sorted(SCENARIOS.glob("*.toml")):
        t = time.perf_counter()
        scen = apply_scenario(base, load_scenario_file(path, engine=base))
        cold = _ms(t)
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
        one, cmp_ms, cached_ms = [], [], []
        for _ in range(args.repeat):
            b2, s2 = base.with_parameters(base.params), scen.with_parameters(scen.params)
            t = time.perf_counter()
            first = b2.answer(req)
            one.append(_ms(t))
            b3 = base.with_parameters(base.params)
            t = time.perf_counter()
            compare_route(b3, s2, req)
            cmp_ms.append(_ms(t))
            s3 = scen.with_parameters(scen.params)
            t = time.perf_counter()
            compare_route(b2, s3, req, baseline_result=first)
            cached_ms.append(_ms(t))
        one_m, cmp_m, cached_m = (statistics.median(x) for x in (one, cmp_ms, cached_ms))
        print(
            f"{path.stem:34} {cold:8.1f}ms {warm:8.1f}ms {LOAD_GOAL_MS:4.0f}ms | "
            f"{rb:8.1f}ms {rs:8.1f}ms {rs / rb:5.2f} {warm_x:7.2f} {ROUTE_GOAL_X:5.1f} | "
            f"{cmp_m:6.1f}ms {cmp_m / one_m:5.2f} {cached_m / one_m:6.2f} {ROUTE_GOAL_X:5.1f}"
        )


if __name__ == "__main__":
    main()
