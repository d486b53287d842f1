"""Route-query latency and graph build time, side by side with plain networkx.

Run after ``shudao data build``::

    .venv/bin/python bench/route_bench.py [--pairs 50]

Prints, in one run on the same graphs:

1. engine load (tables, layers, service-network measurement) and ``Engine.route`` latency over
   50 origin-destination pairs (median, p95);
2. the search itself on each query's search graph: the project's heap Dijkstra against
   ``networkx.dijkstra_path`` on a MultiDiGraph of the same edges and weights;
3. rail shortest paths on the 65,000-node rail layer: scipy.sparse.csgraph (``CsrRouter``)
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
from corridors.models import Objective
from corridors.routing import DESTINATION, ORIGIN, Query, _weight
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
    ours: list[float] = []
    theirs: list[float] = []
    theirs_search: list[float] = []
    for o, d in pairs:
        t = time.perf_counter()
        engine.route(o, d, alternatives=1)
        lat.append(time.perf_counter() - t)
        # the search alone, on the same search graph, ours vs networkx
        _, oe = engine.endpoint(o)
        _, de = engine.endpoint(d)
        q = Query(origin=oe, destination=de, cargo=engine.cargo("FEU", 1.0))
        router = engine.router
        edges = [*router._service_edges(q), *router._road_edges(q)]
        t = time.perf_counter()
        path = router._shortest(edges, q, frozenset())
        ours.append(time.perf_counter() - t)
        vot = router.costs.value_of_time_cny_per_h(q.cargo)
        t = time.perf_counter()
        g = nx.MultiDiGraph()
        for e in edges:
            g.add_edge(e.src, e.dst, weight=max(_weight(e.charge, Objective.TIME, vot), 0.0))
        t_build = time.perf_counter()
        nx_len = nx.dijkstra_path_length(g, ORIGIN, DESTINATION, weight="weight")
        theirs.append(time.perf_counter() - t)
        theirs_search.append(time.perf_counter() - t_build)
        our_len = sum(max(_weight(e.charge, Objective.TIME, vot), 0.0) for e in path or [])
        if path is None or abs(our_len - nx_len) > 1e-6:
            msg = f"mismatch for {o}->{d}: ours {our_len} networkx {nx_len}"
            raise SystemExit(msg)

    print(f"\n{len(pairs)} route queries (Engine.route, alternatives=1):")
    print(f"  median {statistics.median(lat) * 1000:.0f} ms, p95 {pct(lat, 95) * 1000:.0f} ms")
    print("search on the per-query search graph (same edges, same weights, same answer):")
    print(
        f"  project (filter + adjacency + Dijkstra): "
        f"median {statistics.median(ours) * 1000:.2f} ms, "
        f"p95 {pct(ours, 95) * 1000:.2f} ms"
    )
    print(
        f"  networkx (build graph + dijkstra): median {statistics.median(theirs) * 1000:.2f} ms, "
        f"p95 {pct(theirs, 95) * 1000:.2f} ms; dijkstra alone median "
        f"{statistics.median(theirs_search) * 1000:.2f} ms"
    )

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
