"""The contraction hierarchy answers like a plain Dijkstra (scipy) on the same graph."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import LineString, Point

from gis.graph import CsrRouter
from gis.hierarchy import Hierarchy, HierarchyError, compute_order, graph_path, read_order


def _toy() -> CsrRouter:
    # a square 1-2-3-4 with a diagonal 1-3; lengths in metres
    xy = {1: (0.0, 0.0), 2: (1.0, 0.0), 3: (1.0, 1.0), 4: (0.0, 1.0)}
    links = [(1, 2, 100.0), (2, 3, 100.0), (3, 4, 100.0), (4, 1, 100.0), (1, 3, 250.0)]
    nodes = gpd.GeoDataFrame(
        {"node_id": list(xy)}, geometry=[Point(p) for p in xy.values()], crs="EPSG:4326"
    )
    edges = gpd.GeoDataFrame(
        {
            "u": [a for a, _, _ in links],
            "v": [b for _, b, _ in links],
            "length_m": [w for *_, w in links],
        },
        geometry=[LineString([xy[a], xy[b]]) for a, b, _ in links],
        crs="EPSG:4326",
    )
    return CsrRouter.from_layers(nodes, edges)


def test_toy_distances_by_hand() -> None:
    router = _toy()
    order = compute_order(router, np.array([0.0, 1.0, 1.0, 0.0]), np.array([0.0, 0.0, 1.0, 1.0]))
    h = Hierarchy.from_router(router, order)
    # 1 -> 3: via 2 or 4 is 200 m, shorter than the 250 m diagonal
    found = h.path([(0, 0.0)], [(2, 0.0)])
    assert found is not None
    assert found.length_m == pytest.approx(200.0)
    # offsets: start 30 m before node 1, end 20 m beyond node 3
    d = h.distances_from([(0, 30.0)], [2, 3])
    assert d[0] == pytest.approx(230.0)
    assert d[1] == pytest.approx(130.0)  # 1 -> 4 is one link of 100 m
    assert h.distances_from([(0, 0.0)], []).size == 0  # no targets: no query (RoutingKit aborts)
    assert h.path([], [(2, 0.0)]) is None


def test_a_stale_order_is_refused() -> None:
    router = _toy()
    with pytest.raises(HierarchyError, match="stale or partial build"):
        Hierarchy.from_router(router, np.array([0, 1, 2], dtype=np.int64))
    with pytest.raises(HierarchyError):
        Hierarchy.from_router(router, np.array([0, 1, 1, 2], dtype=np.int64))


@pytest.mark.build
def test_road_hierarchy_equals_scipy_dijkstra(built_dir: Path) -> None:
    router = CsrRouter.load(graph_path(built_dir, "road"))
    h = Hierarchy.from_router(router, read_order(built_dir, "road"))
    rng = np.random.default_rng(7)
    n = router.matrix.shape[0]
    sources = rng.integers(0, n, 6)
    full = dijkstra(router.matrix, directed=True, indices=sources)
    for k, s in enumerate(sources):
        targets = rng.integers(0, n, 40)
        got = h.distances_from([(int(s), 0.0)], targets.tolist())
        want = full[k, targets]
        reach = np.isfinite(want)
        assert np.array_equal(np.isfinite(got), reach)
        # decimetre weights: at most 0.05 m of rounding per arc
        assert np.allclose(got[reach], want[reach], rtol=0, atol=60.0)
        t = int(targets[np.argmax(reach)]) if reach.any() else None
        if t is not None:
            found = h.path([(int(s), 0.0)], [(t, 0.0)])
            assert found is not None
            assert found.length_m == pytest.approx(full[k, t], abs=60.0)


@pytest.mark.build
def test_stored_graph_equals_the_graph_of_the_layers(built_dir: Path) -> None:
    from gis.layers import read_layer  # noqa: PLC0415

    stored = CsrRouter.load(graph_path(built_dir, "road"))
    fresh = CsrRouter.from_layers(
        read_layer(built_dir / "road_nodes.parquet"), read_layer(built_dir / "road_edges.parquet")
    )
    assert np.array_equal(stored.node_ids, fresh.node_ids)
    assert (stored.matrix != fresh.matrix).nnz == 0
    assert (stored.best_row != fresh.best_row).nnz == 0
