"""Accessibility benchmarks: the OD matrix, the 30-arc-second raster, and library comparisons.

Run after ``shudao data build``::

    .venv/bin/python bench/access_bench.py [--skip-networkx] [--skip-scgraph] [--skip-dask]

Prints, in one run:

1. the 183-county x 50-gateway and 183 x hubs matrices (array code: bounded scipy Dijkstras,
   reverse service-graph search, numpy min-plus), cold (snapping included) and warm, in this
   process; then on a two-worker Dask ``LocalCluster`` (start-up included);
2. the Sichuan travel-time raster at 30 arc-seconds (friction, seeds, cost-distance, mask) for
   two hub kinds, and the process's peak memory (``resource.getrusage``);
3. the road distances hubs -> counties on the same road graph (nearest nodes), by
   ``scipy.sparse.csgraph.dijkstra`` (multi-source, as the matrix uses it), by networkx
   (``single_source_dijkstra_path_length`` per hub) and by scgraph (``GeoGraph.distance_matrix``
   on the same adjacency, square over hubs + counties, and its ``cached_shortest_path`` for the
   rectangular hubs x counties), with the ratios and the largest difference between answers;
4. cost-distance on the 30-arc-second friction surface: the project's per-row metric graph
   against ``skimage.graph.MCP_Geometric`` with one mean ``sampling``, time and difference.
"""

from __future__ import annotations

import argparse
import resource
import time
from importlib.metadata import version
from pathlib import Path

import networkx as nx
import numpy as np
from scgraph import GeoGraph
from scipy.sparse.csgraph import dijkstra
from skimage.graph import MCP_Geometric

from corridors.accessibility import access_raster, dask_runner, hubs_of_kind
from corridors.engine import Engine
from corridors.matrix import destination_set, origin_set, travel_matrix
from gis.graph import NodeLocator
from gis.layers import read_layer
from gis.raster import ARC_SECONDS_30, Grid, cell_sizes_m, cost_distance, friction_surface

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data" / "geo"
BUILD = DATA / "build"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def bench_matrix(engine: Engine, *, dask: bool) -> None:
    counties = origin_set(engine, "counties")
    gateways = destination_set(engine, "gateways")[:50]
    hubs = destination_set(engine, "hubs")
    print(f"\n== matrix: {len(counties)} counties x {len(gateways)} gateways / {len(hubs)} hubs")
    for label, dests in (("gateways", gateways), ("hubs", hubs)):
        for run in ("cold", "warm"):
            t0 = time.perf_counter()
            m = travel_matrix(engine, counties, dests)
            dt = time.perf_counter() - t0
            cells = m.time_h.size
            missing = int(np.isnan(m.time_h).sum())
            print(
                f"{label:9s} {run}: {dt:6.3f} s for {cells:,} cells "
                f"({dt / cells * 1e6:.1f} us/cell; {missing} cells without a route)"
            )
    print(
        f"(Engine.route per pair is ~120 ms: {len(counties) * 50:,} pairs would take "
        f"~{len(counties) * 50 * 0.12 / 60:.0f} min)"
    )
    if dask:
        t0 = time.perf_counter()
        with dask_runner(None, n_workers=2) as run:
            t1 = time.perf_counter()
            m2 = travel_matrix(engine, counties, gateways, block_size=25, run_blocks=run)
            t2 = time.perf_counter()
        single = travel_matrix(engine, counties, gateways)
        same = np.array_equal(np.nan_to_num(single.weight), np.nan_to_num(m2.weight))
        print(
            f"dask LocalCluster(2 workers): start {t1 - t0:.1f} s, 183 x 50 matrix {t2 - t1:.2f} s "
            f"(scatter of the problem included); equal to one process: {same}"
        )


def bench_raster(engine: Engine) -> None:
    print("\n== raster: Sichuan, 30 arc-seconds")
    for kind in ("bonded_zone", "border_crossing"):
        t0 = time.perf_counter()
        r = access_raster(engine, kind, build_dir=BUILD)
        dt = time.perf_counter() - t0
        h = r.hours
        print(
            f"{kind:16s}: {dt:5.2f} s, grid {r.grid.width} x {r.grid.height} "
            f"({r.grid.width * r.grid.height:,} cells), hours min/median/max "
            f"{np.nanmin(h):.2f}/{np.nanmedian(h):.2f}/{np.nanmax(h):.2f}, "
            f"{len(r.hubs)} hubs; peak RSS so far {peak_mb():,.0f} MB"
        )


def _nearest_nodes(engine: Engine, pts: list[tuple[float, float]]) -> list[int]:
    nodes = read_layer(BUILD / "road_nodes.parquet")
    loc = NodeLocator.from_nodes(nodes)
    ids = engine.road.router.node_ids
    return [int(np.searchsorted(ids, loc.nearest(x, y)[0])) for x, y in pts]


def bench_libraries(engine: Engine, *, use_nx: bool, use_scgraph: bool) -> None:
    counties = origin_set(engine, "counties")
    hubs = destination_set(engine, "hubs")
    src = _nearest_nodes(engine, [(p.lon, p.lat) for p in hubs])
    dst = _nearest_nodes(engine, [(p.lon, p.lat) for p in counties])
    mat = engine.road.router.matrix
    n = mat.shape[0]
    print(
        f"\n== road distances {len(hubs)} hubs x {len(counties)} counties on the road graph "
        f"({n:,} nodes, {mat.nnz // 2:,} links), nearest nodes"
    )
    t0 = time.perf_counter()
    ours = dijkstra(mat, directed=True, indices=sorted(set(src)))
    ours_km = ours[[sorted(set(src)).index(s) for s in src]][:, dst] / 1000.0
    t_ours = time.perf_counter() - t0
    print(f"project (scipy.sparse.csgraph.dijkstra, {len(set(src))} sources): {t_ours:.2f} s")
    coo = mat.tocoo()
    if use_nx:
        t0 = time.perf_counter()
        g = nx.DiGraph()
        g.add_weighted_edges_from(
            zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist(), strict=True)
        )
        t_build = time.perf_counter() - t0
        t0 = time.perf_counter()
        nx_km = np.full_like(ours_km, np.inf)
        for i, s in enumerate(src):
            lengths = nx.single_source_dijkstra_path_length(g, s, weight="weight")
            nx_km[i] = [lengths.get(t, np.inf) / 1000.0 for t in dst]
        t_nx = time.perf_counter() - t0
        both = np.isfinite(ours_km) & np.isfinite(nx_km)
        diff = float(np.max(np.abs(ours_km[both] - nx_km[both])))
        same_reach = bool(np.array_equal(np.isfinite(ours_km), np.isfinite(nx_km)))
        print(
            f"networkx: build DiGraph {t_build:.1f} s, Dijkstra {t_nx:.2f} s "
            f"-> {t_nx / t_ours:.0f}x the project's time; max |diff| {diff:.2e} km, "
            f"same unreachable pairs: {same_reach}"
        )
        del g
    if use_scgraph:
        t0 = time.perf_counter()
        adj: list[dict[int, float]] = [{} for _ in range(n)]
        for a, b, w in zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist(), strict=True):
            adj[a][b] = w / 1000.0
        nodes = read_layer(BUILD / "road_nodes.parquet").sort_values("node_id")
        coords = [[float(y), float(x)] for x, y in zip(nodes["x"], nodes["y"], strict=True)]
        gg = GeoGraph(graph=adj, nodes=coords, geograph_units="km")
        t_build = time.perf_counter() - t0
        t0 = time.perf_counter()
        sc_km = np.full_like(ours_km, np.inf)
        for i, s in enumerate(src):
            for j, t in enumerate(dst):
                if s == t:
                    sc_km[i, j] = 0.0
                    continue
                try:
                    res = gg.graph_object.cached_shortest_path(
                        origin_id=s, destination_id=t, length_only=True
                    )
                    sc_km[i, j] = res["length"]
                except Exception:  # unreachable pairs raise
                    sc_km[i, j] = np.inf
        t_rect = time.perf_counter() - t0
        both = np.isfinite(ours_km) & np.isfinite(sc_km)
        diff = float(np.max(np.abs(ours_km[both] - sc_km[both])))
        print(
            f"scgraph {version('scgraph')}: build GeoGraph {t_build:.1f} s; "
            "cached_shortest_path hubs x counties "
            f"{t_rect:.2f} s -> {t_rect / t_ours:.1f}x; max |diff| {diff:.2e} km"
        )
        pts = [{"latitude": p.lat, "longitude": p.lon} for p in (*hubs, *counties)]
        t0 = time.perf_counter()
        gg2 = GeoGraph(graph=adj, nodes=coords, geograph_units="km")
        square = gg2.distance_matrix(pts, silent=True)
        t_sq = time.perf_counter() - t0
        print(
            f"scgraph GeoGraph.distance_matrix (square {len(pts)} x {len(pts)}, its own "
            f"snapping, graph re-built): {t_sq:.2f} s -> {t_sq / t_ours:.1f}x "
            f"(computes {len(pts)} trees, the project {len(set(src))}); "
            f"{sum(v is None for row in square for v in row)} empty cells"
        )


def bench_mcp(engine: Engine) -> None:
    province = read_layer(BUILD / "province.parquet")
    grid = Grid.covering(tuple(province.total_bounds), res_deg=ARC_SECONDS_30)  # type: ignore[arg-type]
    roads = read_layer(BUILD / "road_edges.parquet")
    w, s, e, n = grid.bounds
    roads = roads.cx[w:e, s:n]
    friction = friction_surface(grid, ((g, 60.0) for g in roads.geometry), offroad_speed_kph=5.04)
    cells = []
    for hub in hubs_of_kind(engine, "bonded_zone"):
        c = grid.cell_of(hub.lon, hub.lat)
        if c is not None:
            cells.append(c)
    t0 = time.perf_counter()
    ours = cost_distance(friction, grid, cells)
    t_ours = time.perf_counter() - t0
    dy, dx = cell_sizes_m(grid)
    t0 = time.perf_counter()
    mcp = MCP_Geometric(
        friction.astype(np.float64),
        fully_connected=True,
        sampling=(float(dy.mean()), float(dx.mean())),
    )
    costs, _ = mcp.find_costs(cells)
    t_mcp = time.perf_counter() - t0
    ok = np.isfinite(ours) & (ours > 60)
    rel = np.abs(costs[ok] - ours[ok]) / ours[ok]
    print(
        f"\n== cost-distance, {grid.width} x {grid.height} cells, {len(cells)} sources\n"
        f"project (per-row metric graph + scipy Dijkstra): {t_ours:.2f} s; "
        f"MCP_Geometric (one mean sampling): {t_mcp:.2f} s; relative difference "
        f"median {np.median(rel):.3%}, p99 {np.percentile(rel, 99):.3%}, max {rel.max():.3%}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip-networkx", action="store_true")
    ap.add_argument("--skip-scgraph", action="store_true")
    ap.add_argument("--skip-dask", action="store_true")
    args = ap.parse_args()
    t0 = time.perf_counter()
    engine = Engine.load(data_dir=DATA, build_dir=BUILD)
    print(f"engine load {time.perf_counter() - t0:.1f} s; peak RSS {peak_mb():,.0f} MB")
    bench_matrix(engine, dask=not args.skip_dask)
    bench_raster(engine)
    bench_mcp(engine)
    bench_libraries(engine, use_nx=not args.skip_networkx, use_scgraph=not args.skip_scgraph)
    print(f"\npeak RSS of the whole run {peak_mb():,.0f} MB (2-core machine)")


if __name__ == "__main__":
    main()
