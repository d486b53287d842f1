"""Graphs from network layers: osmnx-compatible networkx graphs and a fast CSR router.

Owns: turning the node/edge layers of :mod:`gis.network` into an osmnx-compatible
``networkx.MultiDiGraph`` (``crs``, int node ids with ``x``/``y``/``street_count``, edges in both
directions with ``osmid``, ``length`` in m, ``speed_kph``, ``travel_time`` in s, ``geometry``
and ``source``), nearest-node lookup with a KD-tree on 3-D unit-sphere coordinates (no
scikit-learn needed), and shortest paths on a ``scipy.sparse`` CSR matrix for long corridor
queries (networkx Dijkstra on 100k-node graphs is much slower).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from gis.crs import WGS84, geodesic_distance_m
from gis.errors import GisError

if TYPE_CHECKING:
    import geopandas as gpd
    from numpy.typing import NDArray

__all__ = [
    "CsrRouter",
    "GraphError",
    "NodeLocator",
    "PathResult",
    "graph_from_layers",
    "nearest_node",
]


class GraphError(GisError, LookupError):
    """A node is unknown, or no path joins two nodes."""

    status = 404
    type_slug = "no-path"
    exit_code = 5


def _unit_xyz(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> NDArray[np.float64]:
    lo = np.radians(lon)
    la = np.radians(lat)
    return np.column_stack((np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)))


def graph_from_layers(
    nodes: gpd.GeoDataFrame, edges: gpd.GeoDataFrame, *, speed_kph: float
) -> nx.MultiDiGraph:
    """Build an osmnx-compatible ``MultiDiGraph`` from network layers.

    Parameters
    ----------
    nodes : geopandas.GeoDataFrame
        Node layer (``node_id``, ``x``, ``y``, ``component``, ``geometry``).
    edges : geopandas.GeoDataFrame
        Edge layer (``u``, ``v``, ``key``, ``length_m``, ``source``, ``link_id``, ``component``,
        ``geometry``); each undirected link becomes two directed edges, the reverse one with
        reversed geometry. ``osmid`` is the link's row number in ``edges`` (same both ways).
    speed_kph : float
        Speed set on every edge; ``travel_time`` = length / speed, in seconds.

    Returns
    -------
    networkx.MultiDiGraph
        With ``G.graph["crs"] == "EPSG:4326"``; passes
        ``osmnx.convert.validate_graph(G, strict=True)``.

    Raises
    ------
    GraphError
        If ``speed_kph`` is not positive or an edge refers to an unknown node.
    """
    if not (math.isfinite(speed_kph) and speed_kph > 0):
        msg = f"speed_kph must be positive, got {speed_kph}"
        raise GraphError(msg)
    node_ids = nodes["node_id"].to_numpy(dtype=np.int64)
    u = edges["u"].to_numpy(dtype=np.int64)
    v = edges["v"].to_numpy(dtype=np.int64)
    known = np.isin(np.concatenate((u, v)), node_ids)
    if not known.all():
        msg = f"{int((~known).sum())} edge end(s) refer to nodes missing from the node layer"
        raise GraphError(msg)
    street_count = np.bincount(
        np.searchsorted(np.sort(node_ids), np.concatenate((u, v))), minlength=node_ids.size
    )
    order = np.argsort(node_ids)
    g = nx.MultiDiGraph(crs=WGS84)
    xs = nodes["x"].to_numpy(dtype=np.float64)
    ys = nodes["y"].to_numpy(dtype=np.float64)
    g.add_nodes_from(
        (
            int(node_ids[i]),
            {"x": float(xs[i]), "y": float(ys[i]), "street_count": int(street_count[r])},
        )
        for r, i in enumerate(order.tolist())
    )
    keys = edges["key"].to_numpy(dtype=np.int64)
    lengths = edges["length_m"].to_numpy(dtype=np.float64)
    sources = edges["source"].astype(str).tolist()
    link_ids = edges["link_id"].astype(str).tolist()
    geoms = edges.geometry.to_numpy()
    reversed_geoms = shapely.reverse(geoms)
    mps = speed_kph / 3.6
    rows = []
    for i in range(len(edges)):
        attrs = {
            "osmid": i,
            "length": float(lengths[i]),
            "speed_kph": float(speed_kph),
            "travel_time": float(lengths[i]) / mps,
            "source": sources[i],
            "link_id": link_ids[i],
        }
        a, b, k = int(u[i]), int(v[i]), int(keys[i])
        rows.append((a, b, k, {**attrs, "geometry": geoms[i]}))
        if a != b:
            rows.append((b, a, k, {**attrs, "geometry": reversed_geoms[i]}))
    g.add_edges_from(rows)
    return g


@dataclass(frozen=True, eq=False)
class NodeLocator:
    """Nearest-node lookup on a node layer (KD-tree on unit-sphere coordinates).

    Build it with :meth:`from_nodes`; query with :meth:`nearest`.
    """

    node_ids: NDArray[np.int64]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    tree: cKDTree

    @classmethod
    def from_nodes(cls, nodes: gpd.GeoDataFrame) -> NodeLocator:
        """Index the ``node_id``/``x``/``y`` columns of a node layer."""
        ids = nodes["node_id"].to_numpy(dtype=np.int64)
        lon = nodes["x"].to_numpy(dtype=np.float64)
        lat = nodes["y"].to_numpy(dtype=np.float64)
        if ids.size == 0:
            msg = "cannot index an empty node layer"
            raise GraphError(msg)
        return cls(node_ids=ids, lon=lon, lat=lat, tree=cKDTree(_unit_xyz(lon, lat)))

    def nearest(self, lon: float, lat: float) -> tuple[int, float]:
        """Return ``(node_id, dist_m)`` of the node nearest to a WGS84 point.

        The KD-tree finds the nearest node by chord distance, which orders points exactly as
        great-circle distance does; the returned distance is geodesic (WGS84 ellipsoid).
        """
        _, j = self.tree.query(_unit_xyz(np.asarray([lon]), np.asarray([lat])))
        i = int(np.asarray(j).ravel()[0])
        dist = float(geodesic_distance_m(lon, lat, self.lon[i], self.lat[i]))
        return int(self.node_ids[i]), dist


def nearest_node(nodes: gpd.GeoDataFrame, lon: float, lat: float) -> tuple[int, float]:
    """Return ``(node_id, dist_m)`` of the node of ``nodes`` nearest to ``(lon, lat)``.

    For repeated queries build a :class:`NodeLocator` once instead.
    """
    return NodeLocator.from_nodes(nodes).nearest(lon, lat)


@dataclass(frozen=True)
class PathResult:
    """A shortest path.

    Attributes
    ----------
    node_ids : tuple of int
        Nodes from origin to destination.
    edge_rows : tuple of int
        Row numbers in the edge layer of the links used (the shortest of parallel links).
    length_m : float
        Path length in metres.
    """

    node_ids: tuple[int, ...]
    edge_rows: tuple[int, ...]
    length_m: float

    @property
    def distance_km(self) -> float:
        """Path length in km."""
        return self.length_m / 1000.0


@dataclass(frozen=True, eq=False)
class CsrRouter:
    """Undirected shortest paths on a CSR matrix of link lengths (m).

    Build it with :meth:`from_layers`; query with :meth:`shortest_path`.
    """

    node_ids: NDArray[np.int64]
    matrix: csr_matrix
    best_row: csr_matrix

    @classmethod
    def from_layers(cls, nodes: gpd.GeoDataFrame, edges: gpd.GeoDataFrame) -> CsrRouter:
        """Index the layers; parallel links collapse to the shortest one."""
        ids = np.sort(nodes["node_id"].to_numpy(dtype=np.int64))
        u = np.searchsorted(ids, edges["u"].to_numpy(dtype=np.int64))
        v = np.searchsorted(ids, edges["v"].to_numpy(dtype=np.int64))
        length = edges["length_m"].to_numpy(dtype=np.float64)
        rows = np.arange(len(edges), dtype=np.int64)
        keep = u != v
        a = np.concatenate((u[keep], v[keep]))
        b = np.concatenate((v[keep], u[keep]))
        w = np.concatenate((length[keep], length[keep]))
        r = np.concatenate((rows[keep], rows[keep]))
        # keep the shortest of parallel links (ties: lowest row)
        order = np.lexsort((r, w, b, a))
        a, b, w, r = a[order], b[order], w[order], r[order]
        first = np.ones(a.size, dtype=bool)
        first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
        a, b, w, r = a[first], b[first], w[first], r[first]
        n = ids.size
        # zero-length links would vanish from a sparse matrix: give them a tiny weight
        w = np.maximum(w, 1e-6)
        mat = csr_matrix((w, (a, b)), shape=(n, n))
        best = csr_matrix((r + 1, (a, b)), shape=(n, n))
        return cls(node_ids=ids, matrix=mat, best_row=best)

    def save(self, path: Path) -> None:
        """Store the matrices (``.npz``, uncompressed: loading is a memory copy)."""
        m, b = self.matrix, self.best_row
        np.savez(
            path,
            node_ids=self.node_ids,
            indptr=m.indptr,
            indices=m.indices,
            length_m=m.data,
            best_indptr=b.indptr,
            best_indices=b.indices,
            best_row=b.data,
        )

    @classmethod
    def load(cls, path: Path) -> CsrRouter:
        """Read matrices stored by :meth:`save` (about 20 ms for the road layer).

        Raises
        ------
        GraphError
            When the file is missing or not a stored router.
        """
        try:
            with np.load(path, allow_pickle=False) as z:
                ids = z["node_ids"]
                n = ids.size
                mat = csr_matrix((z["length_m"], z["indices"], z["indptr"]), shape=(n, n))
                best = csr_matrix(
                    (z["best_row"], z["best_indices"], z["best_indptr"]), shape=(n, n)
                )
        except (OSError, KeyError, ValueError) as exc:
            msg = f"{path}: not a stored network graph ({exc}); run `shudao data build`"
            raise GraphError(msg) from exc
        return cls(node_ids=ids, matrix=mat, best_row=best)

    def index_of(self, node_id: int) -> int:
        """Matrix index of a node id.

        Raises
        ------
        GraphError
            If the node is not in the network.
        """
        return self._index(node_id)

    def _index(self, node_id: int) -> int:
        i = int(np.searchsorted(self.node_ids, node_id))
        if i >= self.node_ids.size or self.node_ids[i] != node_id:
            msg = f"node {node_id} is not in the network"
            raise GraphError(msg)
        return i

    def shortest_path(self, orig: int, dest: int) -> PathResult:
        """Shortest path by length between two node ids.

        Raises
        ------
        GraphError
            If a node is unknown or the two nodes are not connected.
        """
        s, t = self._index(orig), self._index(dest)
        dist, pred = dijkstra(self.matrix, directed=True, indices=s, return_predecessors=True)
        if not np.isfinite(dist[t]):
            msg = f"no path from node {orig} to node {dest}"
            raise GraphError(msg)
        path = [t]
        while path[-1] != s:
            path.append(int(pred[path[-1]]))
        path.reverse()
        rows = tuple(int(self.best_row[p, q]) - 1 for p, q in itertools.pairwise(path))
        return PathResult(
            node_ids=tuple(int(self.node_ids[i]) for i in path),
            edge_rows=rows,
            length_m=float(dist[t]),
        )


def save_lines(edges: gpd.GeoDataFrame, path: Path) -> None:
    """Store an edge layer's lines and end nodes as flat arrays (``.npz``).

    Reading them back (:func:`load_lines`) builds the lines from one coordinate array, about
    twice as fast as decoding the layer's WKB.
    """
    coords, owner = shapely.get_coordinates(edges.geometry.to_numpy(), return_index=True)
    np.savez(
        path,
        coords=coords,
        owner=owner.astype(np.int64),
        u=edges["u"].to_numpy(dtype=np.int64),
        v=edges["v"].to_numpy(dtype=np.int64),
    )


def load_lines(path: Path) -> gpd.GeoDataFrame:
    """The edge lines stored by :func:`save_lines` (columns ``u``, ``v``, ``geometry``).

    Raises
    ------
    GraphError
        When the file is missing or not stored lines.
    """
    import geopandas as gpd  # noqa: PLC0415 (typing-only import at module level)

    try:
        with np.load(path, allow_pickle=False) as z:
            coords, owner, u, v = z["coords"], z["owner"], z["u"], z["v"]
    except (OSError, KeyError, ValueError) as exc:
        msg = f"{path}: not stored network lines ({exc}); run `shudao data build`"
        raise GraphError(msg) from exc
    lines = shapely.linestrings(coords, indices=owner)
    if len(lines) != len(u):
        msg = f"{path}: {len(lines)} lines for {len(u)} links; run `shudao data build`"
        raise GraphError(msg)
    return gpd.GeoDataFrame({"u": u, "v": v}, geometry=lines, crs=WGS84)
