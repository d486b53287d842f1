"""Tests for gis.graph: osmnx-compatible graphs, nearest node and the CSR router."""

from __future__ import annotations

import networkx as nx
import numpy as np
import osmnx as ox
import pytest

from gis.geograph import geograph_from_arrays
from gis.graph import CsrRouter, GraphError, NodeLocator, graph_from_layers, nearest_node
from gis.network import NetworkLayers, build_network_layers

WORLD = [(-180.0, -90.0, 180.0, 90.0)]


def _square() -> NetworkLayers:
    # Square 0(100,0) 1(100.1,0) 2(100.1,0.1) 3(100,0.1) plus a diagonal 0-2 and a spur 2-4.
    # Nodes 1 and 3 have degree 2 and are merged away: three parallel links 0-2 remain.
    lon = np.array([100.0, 100.1, 100.1, 100.0, 100.2])
    lat = np.array([0.0, 0.0, 0.1, 0.1, 0.1])
    u = np.array([0, 1, 2, 3, 0, 2])
    v = np.array([1, 2, 3, 0, 2, 4])
    g = geograph_from_arrays(lon, lat, u, v, np.zeros(6))
    return build_network_layers(g, mode="road", bboxes=WORLD, stitch_km=0)


def test_graph_is_osmnx_valid_and_symmetric() -> None:
    layers = _square()
    g = graph_from_layers(layers.nodes, layers.edges, speed_kph=60.0)
    ox.convert.validate_graph(g, strict=True)
    assert g.graph["crs"] == "EPSG:4326"
    assert sorted(g.nodes) == [0, 2, 4]
    assert len(layers.edges) == 4
    assert g.number_of_edges() == 8
    assert g.nodes[2]["street_count"] == 4  # three 0-2 links and 2-4
    assert g.nodes[4]["street_count"] == 1
    # parallel links get keys by length: key 0 is the diagonal, by hand
    # hypot(0.1 deg lon = 11,131.9 m, 0.1 deg lat = 11,057.4 m at the equator) = 15,690 m;
    # keys 1 and 2 go round via (100.1, 0) or (100, 0.1): about 11,132 + 11,057 m
    lengths = [g.edges[0, 2, k]["length"] for k in range(3)]
    assert lengths[0] == pytest.approx(15_690, abs=5)
    assert lengths[1] == pytest.approx(11_131.9 + 11_057.4, abs=25)
    d = g.edges[0, 2, 0]
    assert d["travel_time"] == pytest.approx(d["length"] / (60 / 3.6))
    back = g.edges[2, 0, 0]
    assert back["geometry"].coords[0] == d["geometry"].coords[-1]
    assert back["osmid"] == d["osmid"]


def test_graph_rejects_bad_speed() -> None:
    layers = _square()
    with pytest.raises(GraphError):
        graph_from_layers(layers.nodes, layers.edges, speed_kph=0.0)


def test_nearest_node_distance_is_geodesic() -> None:
    layers = _square()
    node, dist_m = nearest_node(layers.nodes, 100.21, 0.1)
    assert node == 4
    # 0.01 deg of longitude at 0.1N: 1113.19 m * cos(0.1 deg) ~ 1113.2 m
    assert dist_m == pytest.approx(1113.2, abs=0.5)
    loc = NodeLocator.from_nodes(layers.nodes)
    assert loc.nearest(100.0, 0.0) == (0, 0.0)


def test_csr_router_matches_networkx_dijkstra() -> None:
    layers = _square()
    router = CsrRouter.from_layers(layers.nodes, layers.edges)
    g = graph_from_layers(layers.nodes, layers.edges, speed_kph=60.0)
    for a in (0, 2, 4):
        for b in (0, 2, 4):
            res = router.shortest_path(a, b)
            ref = nx.shortest_path_length(g, a, b, weight="length")
            assert res.length_m == pytest.approx(ref, abs=0.01)
            assert res.node_ids[0] == a
            assert res.node_ids[-1] == b
    path = router.shortest_path(0, 4)
    assert path.node_ids == (0, 2, 4)
    assert layers.edges.iloc[path.edge_rows[0]]["key"] == 0  # the diagonal, not the detours
    rows = layers.edges.iloc[list(path.edge_rows)]
    assert rows["length_m"].sum() == pytest.approx(path.length_m, abs=0.01)


def test_csr_router_errors() -> None:
    layers = _square()
    router = CsrRouter.from_layers(layers.nodes, layers.edges)
    with pytest.raises(GraphError, match="not in the network"):
        router.shortest_path(0, 99)
