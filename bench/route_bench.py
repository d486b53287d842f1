"""Route-query latency and graph build time, side by side with plain networkx.

Run after ``shudao data build``::

    .venv/bin/python bench/route_bench.py [--pairs 50]

Prints, in one run on the same graphs:

1. engine load and ``Engine.route`` latency over 50 origin-destination pairs (median, p95;
   the search core's goals are in ``bench/core_bench.py``);
2. rail shortest paths on the 65,000-node rail layer: scipy.sparse.csgraph (``CsrRouter``)
   against ``networkx.shortest_path`` on the osmnx-compatible MultiDiGraph of the same layer,
   and the time to build each graph.
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import time
from pathlib import Path

import networkx as nx

from corridors.engine import Engine
from gis.graph import CsrRouter, graph_from_layers
from gis.layers import read_layer

REPO = Path(__file__).resolve().parent.parent
ORIGINS = [
    "chengdu",
    "chengdu_irp",
    "mianyang",
    "deyang",
    "yibin",
    "luzhou",
    "nanchong",
    "dazhou",
    "leshan",
    "panzhihua",
]
DESTINATIONS = [
    "duisburg",
    "lodz",
    "singapore",
    "hanoi",
    "vientiane",
    "bangkok",
    "almaty",
    "moscow",
    "rotterdam",
    "shanghai",
]


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--pairs", type=int, default=50)
    ap.add_argument("--build-dir", type=Path, default=REPO / "data" / "geo" / "build")
    args = ap.parse_args()
    pairs = list(itertools.product(ORIGINS, DESTINATIONS))[: args.pairs]

    t0 = time.perf_counter()
    engine = Engine.load(data_dir=REPO / "data" / "geo", build_dir=args.build_dir)
    load_s = time.perf_counter() - t0
    print(f"engine load: {load_s:.2f} s {engine.timings}")
    print(
        f"service network: {len(engine.network.services)} services, "
        f"{len(engine.network.rides)} measured hops, {len(engine.network.terminals)} terminals"
    )

    lat: list[float] = []
    for o, d in pairs:
        t = time.perf_counter()
        engine.route(o, d, alternatives=1)
        lat.append(time.perf_counter() - t)
    print(f"\n{len(pairs)} route queries (Engine.route, alternatives=1):")
    print(f"  median {statistics.median(lat) * 1000:.0f} ms, p95 {pct(lat, 95) * 1000:.0f} ms")

    nodes = read_layer(args.build_dir / "rail_nodes.parquet")
    rail_edges = read_layer(args.build_dir / "rail_edges.parquet")
    t = time.perf_counter()
    csr = CsrRouter.from_layers(nodes, rail_edges)
    csr_build = time.perf_counter() - t
    t = time.perf_counter()
    graph = graph_from_layers(nodes, rail_edges, speed_kph=40.0)
    nx_build = time.perf_counter() - t
    main_comp = nodes["component"].mode().iat[0]
    ids = nodes.loc[nodes["component"] == main_comp, "node_id"].tolist()
    rng = random.Random(7)
    rail_pairs = [(rng.choice(ids), rng.choice(ids)) for _ in range(args.pairs)]
    c_times: list[float] = []
    n_times: list[float] = []
    for a, b in rail_pairs:
        t = time.perf_counter()
        res = csr.shortest_path(a, b)
        c_times.append(time.perf_counter() - t)
        t = time.perf_counter()
        nx_m = nx.shortest_path_length(graph, a, b, weight="length")
        n_times.append(time.perf_counter() - t)
        if abs(res.length_m - nx_m) > 1.0:
            msg = f"rail mismatch {a}->{b}: {res.length_m} vs {nx_m}"
            raise SystemExit(msg)
    print(
        f"\nrail layer ({len(nodes):,} nodes, {len(rail_edges):,} links), "
        f"{len(rail_pairs)} random node pairs:"
    )
    print(f"  build: CSR matrix {csr_build:.2f} s, networkx MultiDiGraph {nx_build:.2f} s")
    print(
        f"  scipy.sparse.csgraph: median {statistics.median(c_times) * 1000:.1f} ms, "
        f"p95 {pct(c_times, 95) * 1000:.1f} ms"
    )
    print(
        f"  networkx:             median {statistics.median(n_times) * 1000:.1f} ms, "
        f"p95 {pct(n_times, 95) * 1000:.1f} ms "
        f"({statistics.median(n_times) / statistics.median(c_times):.1f}x the median)"
    )


if __name__ == "__main__":
    main()
