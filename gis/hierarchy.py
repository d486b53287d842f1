"""Customizable contraction hierarchies (CCH) over a :class:`gis.graph.CsrRouter` graph.

Owns: the node order of a network's hierarchy (computed once by ``shudao data build`` with
RoutingKit's inertial nested dissection and stored as ``<name>_cch_order.npy``), and
:class:`Hierarchy`, the customized hierarchy answering point-to-point and one-to-many
shortest-path queries in well under a millisecond on the 260,000-node road layer (a plain
Dijkstra there costs about 30 ms). The implementation is RoutingKit's, through the MIT-licensed
``routingkit-cch`` bindings (https://github.com/HellOwhatAs/routingkit-cch).

Weights are integer decimetres (RoutingKit's weights are 32-bit integers); every distance a
caller sees is re-summed in float metres along the arcs of the path found, so it equals the
length a float Dijkstra reports for the same path. Ties between paths whose lengths differ by
less than the rounding (a few decimetres) may be broken differently from scipy's Dijkstra.

RoutingKit's query objects may only be used, and dropped, by the thread that made them (pyo3
``unsendable``); a cache of them in thread-locals is dropped by whichever thread frees the
thread's state, which leaks them with an error message. So every query makes its own (about
0.17 ms) and drops it before returning, unless it runs inside :meth:`Hierarchy.session`, which
keeps the objects for the calls of one thread's unit of work (a route query) and drops them at
its end, in that thread. The hierarchy and its metric are shared read-only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import routingkit_cch as rk
from numpy.typing import NDArray

from gis.errors import GisError
from gis.graph import CsrRouter, save_lines
from gis.layers import read_layer

# RoutingKit weights are unsigned 32-bit; decimetres keep a 20,000 km path far below 2**31.
UNITS_PER_M = 10.0


class HierarchyError(GisError, ValueError):
    """A stored hierarchy order that does not fit its network."""

    exit_code = 4
    status = 503
    type_slug = "bad-hierarchy"


def order_path(build_dir: Path, name: str) -> Path:
    """Where the node order of network *name* (``road``) is stored in a build."""
    return build_dir / f"{name}_cch_order.npy"


def lines_path(build_dir: Path, name: str) -> Path:
    """Where the lines of network *name* are stored in a build (:func:`gis.graph.save_lines`)."""
    return build_dir / f"{name}_lines.npz"


def graph_path(build_dir: Path, name: str) -> Path:
    """Where the CSR graph of network *name* is stored in a build (:meth:`CsrRouter.save`)."""
    return build_dir / f"{name}_graph.npz"


def _arcs(router: CsrRouter) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    coo = router.matrix.tocoo()
    return coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data.astype(np.float64)


def compute_order(
    router: CsrRouter, lon: NDArray[np.float64], lat: NDArray[np.float64]
) -> NDArray[np.int64]:
    """Nested-dissection node order (RoutingKit's inertial flow) for *router*'s graph.

    Parameters
    ----------
    router : CsrRouter
        The network.
    lon, lat : ndarray
        Coordinates of the matrix nodes, in matrix index order.
    """
    tail, head, _ = _arcs(router)
    order = rk.compute_order_inertial(
        int(router.matrix.shape[0]), tail.tolist(), head.tolist(), lat.tolist(), lon.tolist()
    )
    return np.asarray(order, dtype=np.int64)


def write_order(build_dir: Path, name: str) -> Path:
    """Store the CSR graph and the hierarchy node order of the built network *name*.

    Reads ``<name>_nodes.parquet`` and ``<name>_edges.parquet`` from *build_dir*; about 8 s for
    the road layer on one core.
    """
    nodes = read_layer(build_dir / f"{name}_nodes.parquet")
    edges = read_layer(build_dir / f"{name}_edges.parquet")
    router = CsrRouter.from_layers(nodes, edges)
    ids = nodes["node_id"].to_numpy(dtype=np.int64)
    pos = np.searchsorted(router.node_ids, ids)
    lon = np.zeros(router.node_ids.size)
    lat = np.zeros(router.node_ids.size)
    lon[pos] = nodes.geometry.x.to_numpy()
    lat[pos] = nodes.geometry.y.to_numpy()
    router.save(graph_path(build_dir, name))
    save_lines(edges, lines_path(build_dir, name))
    path = order_path(build_dir, name)
    np.save(path, compute_order(router, lon, lat), allow_pickle=False)
    return path


def read_order(build_dir: Path, name: str) -> NDArray[np.int64]:
    """The stored node order of network *name*.

    Raises
    ------
    HierarchyError
        When the file is missing or unreadable.
    """
    path = order_path(build_dir, name)
    try:
        return np.asarray(np.load(path, allow_pickle=False), dtype=np.int64)
    except (OSError, ValueError) as exc:
        msg = f"{path}: cannot read the hierarchy order ({exc}); run `shudao data build`"
        raise HierarchyError(msg) from exc


@dataclass(frozen=True)
class HierarchyPath:
    """A shortest path found by :meth:`Hierarchy.path`.

    Attributes
    ----------
    length_m : float
        Network length in float metres (offsets excluded), re-summed along the arcs.
    nodes : tuple of int
        Matrix indices of the path's nodes.
    rows : tuple of int
        Row of the edge layer behind each arc of the path.
    """

    length_m: float
    nodes: tuple[int, ...]
    rows: tuple[int, ...]


@dataclass(eq=False)
class Hierarchy:
    """A customized CCH of one network: shortest distances and paths between matrix indices.

    Build it with :meth:`from_router`. Sources and targets are given as ``(index, offset_m)``
    pairs (a point attached to a link reaches either end node at an offset).
    """

    router: CsrRouter
    tail: NDArray[np.int64]
    head: NDArray[np.int64]
    length_m: NDArray[np.float64]
    arc_row: NDArray[np.int64]
    cch: rk.CCH
    metric: rk.CCHMetric
    _local: threading.local = field(default_factory=threading.local, repr=False)

    @classmethod
    def from_router(cls, router: CsrRouter, order: NDArray[np.int64]) -> Hierarchy:
        """Contract and customize *router*'s graph with a stored *order*.

        Raises
        ------
        HierarchyError
            When *order* is not a permutation of the network's nodes (a stale build).
        """
        n = int(router.matrix.shape[0])
        if order.shape != (n,) or not np.array_equal(np.sort(order), np.arange(n)):
            msg = (
                f"the stored hierarchy order has {order.size} entries for a network of {n} "
                "nodes (a stale or partial build); run `shudao data build`"
            )
            raise HierarchyError(msg)
        tail, head, length = _arcs(router)
        # best_row has the sparsity structure of the length matrix, so its COO data line up
        # with the arcs: the edge-layer row of each arc.
        arc_row = router.best_row.tocoo().data.astype(np.int64) - 1
        cch = rk.CCH(order.tolist(), tail.tolist(), head.tolist(), False)
        weights = np.maximum(np.rint(length * UNITS_PER_M), 1).astype(np.int64)
        metric = rk.CCHMetric(cch, weights.tolist())
        return cls(router, tail, head, length, arc_row, cch, metric)

    @contextmanager
    def session(self) -> Iterator[None]:
        """Reuse query objects for the calls this thread makes inside the block.

        They are dropped when the outermost block ends, by this thread (RoutingKit's objects
        must not outlive the thread's unit of work in a cache another thread could free).
        """
        local = self._local
        depth = getattr(local, "depth", 0)
        if depth == 0:
            local.objects = {}
        local.depth = depth + 1
        try:
            yield
        finally:
            local.depth = depth
            if depth == 0:
                local.objects = {}  # drop them here, in this thread

    def _kept(self, key: tuple[object, ...], make: Callable[[], Any]) -> Any:
        objects: dict[tuple[object, ...], Any] | None = getattr(self._local, "objects", None)
        if not getattr(self._local, "depth", 0) or objects is None:
            return make()
        found = objects.get(key)
        if found is None:
            found = objects[key] = make()
        return found

    def path(
        self, sources: Sequence[tuple[int, float]], targets: Sequence[tuple[int, float]]
    ) -> HierarchyPath | None:
        """Shortest path from any source to any target, offsets included (None: unreachable)."""
        if not sources or not targets:  # RoutingKit aborts the process on an empty set
            return None
        q = self._kept(("query",), lambda: rk.CCHQuery(self.metric))
        res = q.run_multi(
            [(int(i), round(off * UNITS_PER_M)) for i, off in sources],
            [(int(i), round(off * UNITS_PER_M)) for i, off in targets],
        )
        dist = res.distance
        nodes = list(res.node_path)
        arcs = list(res.arc_path)
        del res, q  # the result must be dropped before the query runs again
        if dist is None:
            return None
        idx = np.asarray(arcs, dtype=np.int64)
        length = float(self.length_m[idx].sum()) if arcs else 0.0
        return HierarchyPath(length, tuple(nodes), tuple(self.arc_row[idx].tolist()))

    def distances_from(
        self, sources: Sequence[tuple[int, float]], targets: Sequence[int]
    ) -> NDArray[np.float64]:
        """Network distance (m, offsets of the sources included) to each target index.

        ``inf`` where a target is unreachable. The result is in decimetre resolution; use
        :meth:`path` for the exact float length of one chosen pair.
        """
        key = tuple(int(t) for t in targets)
        if not key or not sources:  # RoutingKit aborts the process on an empty set
            return np.full(len(key), np.inf)
        query = self._kept(("one_to_many", key), lambda: rk.CCHOneToMany(self.metric, list(key)))
        raw = query.distances_from_multi([(int(i), round(off * UNITS_PER_M)) for i, off in sources])
        del query
        out = np.full(len(key), np.inf)
        for k, d in enumerate(raw):
            if d is not None:
                out[k] = d / UNITS_PER_M
        return out
