"""Routable network layers (nodes + links) built from a geograph.

Owns: clipping a :class:`gis.geograph.GeoGraph` to bounding boxes, stitching small gaps between
connected components, adding curated repair links (``data/geo/network_links.csv``: reading and
validating that table too), merging degree-2 chains into one LineString per junction-to-junction
link, labelling connected components, and the node/edge GeoDataFrame contract of the built
layers (``nodes``: node_id, x, y, component, geometry; ``edges``: u, v, key, length_m, source,
link_id, component, geometry; all EPSG:4326).

Everything is vectorised with numpy/scipy except the chain walk, which is a single linear pass
over the edges. Same input gives identical output: rows are sorted by ``(u, v, key)`` (edges) and
``node_id`` (nodes), coordinates are rounded to 6 decimals and lengths to 0.1 m.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from gis.crs import WGS84, geodesic_distance_m
from gis.errors import DataValidationError, GisError, Problem

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import NDArray

    from gis.geograph import GeoGraph

__all__ = [
    "EDGE_COLUMNS",
    "LINK_COLUMNS",
    "NODE_COLUMNS",
    "NetworkError",
    "NetworkLayers",
    "NetworkReport",
    "build_network_layers",
    "parse_coords",
    "read_network_links",
]

EARTH_RADIUS_KM: Final = 6371.0088
"""Mean Earth radius (IUGG) used only to turn km into KD-tree chord radii."""

NODE_COLUMNS: Final = ("node_id", "x", "y", "component", "geometry")
EDGE_COLUMNS: Final = (
    "u",
    "v",
    "key",
    "length_m",
    "source",
    "link_id",
    "component",
    "geometry",
)
LINK_COLUMNS: Final = (
    "link_id",
    "mode",
    "name",
    "coords",
    "length_km",
    "source",
    "as_of",
    "assumption",
)
MODES: Final = ("rail", "road")
_LINK_ID_RE: Final = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_DEGREE2: Final = 2


class NetworkError(GisError, ValueError):
    """Invalid arguments to a network build (bad bounding box, unknown mode, ...)."""

    status = 500
    type_slug = "network-build"
    exit_code = 3


@dataclass(frozen=True)
class NetworkReport:
    """Counts and provenance of a network build.

    Attributes
    ----------
    mode : str
        ``"rail"`` or ``"road"``.
    source : str
        Provenance of the geograph, e.g. ``"scgraph-data 2.0.0 (scgraph_data.world_railways)"``.
    bboxes : tuple
        The clip boxes ``(min_lon, min_lat, max_lon, max_lat)``.
    stitch_km : float
        Stitching radius used.
    raw_nodes, raw_edges : int
        Size of the input geograph (undirected edges).
    clipped_edges : int
        Source edges kept by the clip.
    merged_edges : int
        OSM links after merging degree-2 chains.
    stitches : int
        Stitch links added between components.
    curated_links : int
        Curated repair links added.
    new_nodes : int
        Nodes created for curated link ends that were farther than the snap radius.
    components : int
        Connected components of the final layer.
    nodes, edges : int
        Rows of the node and edge layers.
    total_km : float
        Sum of edge lengths in km.
    """

    mode: str
    source: str
    bboxes: tuple[tuple[float, float, float, float], ...]
    stitch_km: float
    raw_nodes: int
    raw_edges: int
    clipped_edges: int
    merged_edges: int
    stitches: int
    curated_links: int
    new_nodes: int
    components: int
    nodes: int
    edges: int
    total_km: float


@dataclass(frozen=True, eq=False)
class NetworkLayers:
    """Built node and edge layers plus the build report."""

    nodes: gpd.GeoDataFrame
    edges: gpd.GeoDataFrame
    report: NetworkReport


# --------------------------------------------------------------------------------------------
# Curated links table
# --------------------------------------------------------------------------------------------


def parse_coords(text: str) -> NDArray[np.float64]:
    """Parse a ``"lon lat;lon lat;..."`` polyline into an ``(n, 2)`` array.

    Raises
    ------
    ValueError
        If a vertex is not two numbers, is out of range, or fewer than two vertices are given.
    """
    pts: list[tuple[float, float]] = []
    for part in text.split(";"):
        fields = part.split()
        if len(fields) != _DEGREE2:
            msg = f"vertex {part.strip()!r} is not 'lon lat'"
            raise ValueError(msg)
        lon, lat = float(fields[0]), float(fields[1])
        if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
            msg = f"vertex {part.strip()!r} is out of range (lon -180..180, lat -90..90)"
            raise ValueError(msg)
        pts.append((lon, lat))
    if len(pts) < _DEGREE2:
        msg = "a link needs at least two vertices"
        raise ValueError(msg)
    return np.asarray(pts, dtype=np.float64)


def _polyline_length_m(xy: NDArray[np.float64]) -> float:
    return float(geodesic_distance_m(xy[:-1, 0], xy[:-1, 1], xy[1:, 0], xy[1:, 1]).sum())


def read_network_links(path: Path) -> pd.DataFrame:
    """Read and validate the curated network links table.

    Parameters
    ----------
    path : pathlib.Path
        CSV with columns ``link_id, mode, name, coords, length_km, source, as_of, assumption``.

    Returns
    -------
    pandas.DataFrame
        One row per link, sorted by ``link_id``; ``length_km`` is float (NaN when empty), the
        text columns are str (empty when blank).

    Raises
    ------
    DataValidationError
        Listing every bad row and column at once: missing columns, duplicate or malformed ids,
        unknown modes, unparsable coordinates, a published length shorter than the polyline's
        geodesic length, or a row with neither a source and date nor an assumption.
    """
    name = path.name
    if not path.is_file():
        raise DataValidationError([Problem(name, None, None, f"file not found: {path}")])
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [c for c in LINK_COLUMNS if c not in df.columns]
    if missing:
        raise DataValidationError(
            [Problem(name, None, c, "required column is missing") for c in missing]
        )
    problems: list[Problem] = []
    seen: set[str] = set()
    lengths: list[float] = []
    for i, row in enumerate(df.itertuples(index=False), start=1):
        rec = {c: str(getattr(row, c)).strip() for c in LINK_COLUMNS}
        link_id = rec["link_id"]
        if not _LINK_ID_RE.match(link_id):
            problems.append(Problem(name, i, "link_id", f"{link_id!r} is not [a-z0-9_.-]+"))
        elif link_id in seen:
            problems.append(Problem(name, i, "link_id", f"duplicate link_id {link_id!r}"))
        seen.add(link_id)
        if rec["mode"] not in MODES:
            problems.append(Problem(name, i, "mode", f"{rec['mode']!r} is not one of {MODES}"))
        if not rec["name"]:
            problems.append(Problem(name, i, "name", "empty"))
        xy: NDArray[np.float64] | None = None
        try:
            xy = parse_coords(rec["coords"])
        except ValueError as exc:
            problems.append(Problem(name, i, "coords", str(exc)))
        length = math.nan
        if rec["length_km"]:
            try:
                length = float(rec["length_km"])
            except ValueError:
                problems.append(Problem(name, i, "length_km", f"{rec['length_km']!r} not a number"))
            else:
                if not (math.isfinite(length) and length > 0):
                    problems.append(Problem(name, i, "length_km", "must be a positive number"))
                elif xy is not None:
                    geo_km = _polyline_length_m(xy) / 1000.0
                    if length < 0.98 * geo_km:
                        problems.append(
                            Problem(
                                name,
                                i,
                                "length_km",
                                f"published {length} km is shorter than the polyline's "
                                f"geodesic length {geo_km:.1f} km",
                            )
                        )
        lengths.append(length)
        has_source = bool(rec["source"])
        if has_source:
            try:
                date.fromisoformat(rec["as_of"])
            except ValueError:
                problems.append(Problem(name, i, "as_of", "a sourced row needs a YYYY-MM-DD date"))
        if not has_source and not rec["assumption"]:
            problems.append(Problem(name, i, "source", "neither a source nor an assumption"))
    if problems:
        raise DataValidationError(problems)
    out = df.loc[:, list(LINK_COLUMNS)].copy()
    for c in LINK_COLUMNS:
        out[c] = out[c].astype(str).str.strip()
    out["length_km"] = np.asarray(lengths, dtype=np.float64)
    return out.sort_values("link_id", kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Build
# --------------------------------------------------------------------------------------------


def _unit_xyz(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> NDArray[np.float64]:
    lo = np.radians(lon)
    la = np.radians(lat)
    return np.column_stack((np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)))


def _chord(km: float) -> float:
    return 2.0 * math.sin(min(km / EARTH_RADIUS_KM, math.pi) / 2.0)


def _check_bboxes(
    bboxes: Sequence[tuple[float, float, float, float]],
) -> tuple[tuple[float, float, float, float], ...]:
    out: list[tuple[float, float, float, float]] = []
    if not bboxes:
        msg = "at least one bounding box is needed"
        raise NetworkError(msg)
    for bb in bboxes:
        if len(bb) != 4:
            msg = f"bbox {bb!r} is not (min_lon, min_lat, max_lon, max_lat)"
            raise NetworkError(msg)
        x0, y0, x1, y1 = (float(c) for c in bb)
        if not (-180 <= x0 < x1 <= 180 and -90 <= y0 < y1 <= 90):
            msg = f"bbox {bb!r} is not (min_lon, min_lat, max_lon, max_lat) in range"
            raise NetworkError(msg)
        out.append((x0, y0, x1, y1))
    return tuple(out)


def _components(n: int, a: NDArray[np.int64], b: NDArray[np.int64]) -> NDArray[np.int64]:
    """Component labels ordered by size (largest 0), ties by smallest member index."""
    mat = coo_matrix((np.ones(a.size, dtype=np.int8), (a, b)), shape=(n, n))
    _, lab = connected_components(mat, directed=False)
    lab = lab.astype(np.int64)
    sizes = np.bincount(lab)
    first = np.full(sizes.size, n, dtype=np.int64)
    np.minimum.at(first, lab, np.arange(n, dtype=np.int64))
    order = np.lexsort((first, -sizes))
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    out: NDArray[np.int64] = rank[lab]
    return out


def _merge_chains(
    n: int,
    a: NDArray[np.int64],
    b: NDArray[np.int64],
    seg_m: NDArray[np.float64],
    junction: NDArray[np.bool_],
) -> tuple[list[int], list[int], list[float]]:
    """Walk degree-2 chains in one linear pass.

    Returns
    -------
    tuple of lists
        The flat vertex list of all links, the offsets of each link into it (one more than
        the number of links), and each link's length in metres.
    """
    ends = np.concatenate((a, b))
    other = np.concatenate((b, a))
    eid = np.concatenate((np.arange(a.size), np.arange(a.size)))
    order = np.lexsort((other, ends))
    nbr = other[order].tolist()
    inc = eid[order].tolist()
    indptr = np.concatenate(([0], np.cumsum(np.bincount(ends, minlength=n)))).tolist()
    seg = seg_m.tolist()
    is_junction = junction.copy()
    # Any node whose degree is not 2 ends a chain.
    deg = np.diff(np.asarray(indptr))
    is_junction |= deg != _DEGREE2
    jn = is_junction.tolist()
    visited = [False] * a.size
    flat: list[int] = []
    offsets: list[int] = [0]
    lengths: list[float] = []

    def walk(start: int, k: int) -> None:
        e = inc[k]
        visited[e] = True
        flat.append(start)
        cur = nbr[k]
        total = seg[e]
        while not jn[cur]:
            flat.append(cur)
            k0 = indptr[cur]
            e1 = inc[k0]
            nxt = nbr[k0]
            if e1 == e:
                e1 = inc[k0 + 1]
                nxt = nbr[k0 + 1]
            visited[e1] = True
            total += seg[e1]
            e = e1
            cur = nxt
        flat.append(cur)
        offsets.append(len(flat))
        lengths.append(total)

    for j in np.flatnonzero(is_junction).tolist():
        for k in range(indptr[j], indptr[j + 1]):
            if not visited[inc[k]]:
                walk(j, k)
    # What is left are rings made only of degree-2 nodes: cut each at its smallest node.
    for e in range(a.size):
        if not visited[e]:
            j = int(min(a[e], b[e]))
            jn[j] = True
            for k in range(indptr[j], indptr[j + 1]):
                if not visited[inc[k]]:
                    walk(j, k)
    return flat, offsets, lengths


def _stitch_pairs(
    xyz: NDArray[np.float64],
    comp: NDArray[np.int64],
    dead: NDArray[np.int64],
    ids: NDArray[np.int64],
    stitch_km: float,
    *,
    dead_pair_km: float = 0.0,
) -> NDArray[np.int64]:
    """Pairs (local) joining dead ends across gaps.

    Each dead end joins the nearest node of another component within ``stitch_km``. Two dead ends
    within ``dead_pair_km`` of each other are joined even inside one component: a line broken in
    the source (e.g. the Warsaw–Terespol line at Biała Podlaska, 0.5 km) otherwise forces detours
    of hundreds of km through the rest of its component.
    """
    if stitch_km <= 0 or dead.size == 0:
        return np.empty((0, 2), dtype=np.int64)
    is_dead = np.zeros(comp.size, dtype=bool)
    is_dead[dead] = True
    tree = cKDTree(xyz)
    hits = tree.query_ball_point(xyz[dead], r=_chord(stitch_km))
    pairs: list[tuple[int, int]] = []
    for d, cand_list in zip(dead.tolist(), hits, strict=True):
        cand = np.asarray(cand_list, dtype=np.int64)
        cand = cand[cand != d]
        dist = np.linalg.norm(xyz[cand] - xyz[d], axis=1)
        ok = comp[cand] != comp[d]
        if dead_pair_km > 0:
            ok |= is_dead[cand] & (dist <= _chord(dead_pair_km))
        cand, dist = cand[ok], dist[ok]
        if cand.size == 0:
            continue
        best = cand[np.lexsort((ids[cand], dist))[0]]
        pairs.append((min(d, int(best)), max(d, int(best))))
    if not pairs:
        return np.empty((0, 2), dtype=np.int64)
    return np.unique(np.asarray(pairs, dtype=np.int64), axis=0)


def build_network_layers(
    geograph: GeoGraph,
    *,
    mode: str,
    bboxes: Sequence[tuple[float, float, float, float]],
    stitch_km: float = 2.0,
    curated_links: pd.DataFrame | None = None,
    snap_km: float = 5.0,
    dead_pair_km: float = 0.0,
) -> NetworkLayers:
    """Clip, stitch, repair and merge a geograph into node and edge layers.

    Parameters
    ----------
    geograph : GeoGraph
        Source graph (see :func:`gis.geograph.load_geograph`).
    mode : str
        ``"rail"`` or ``"road"``; only curated links of this mode are added.
    bboxes : sequence of (min_lon, min_lat, max_lon, max_lat)
        An edge is kept when both endpoints lie inside one box.
    stitch_km : float, optional
        Join every dead-end node to the nearest node of a different connected component when
        it is within this geodesic distance (0 disables stitching).
    dead_pair_km : float, optional
        Also join two dead ends of the same component that lie within this distance (a line
        broken in the source); 0 disables it.
    curated_links : pandas.DataFrame, optional
        Output of :func:`read_network_links`. Each link's first and last vertex snap to the
        nearest network node within ``snap_km``; farther ends become new nodes (e.g. a port
        terminal off the network). Its length is the published ``length_km`` when given, else
        the polyline's geodesic length.
    snap_km : float, optional
        Snap radius for curated link ends.

    Returns
    -------
    NetworkLayers
        ``nodes`` and ``edges`` GeoDataFrames (EPSG:4326) and the build report.

    Raises
    ------
    NetworkError
        For an unknown mode, bad boxes or negative radii.
    """
    if mode not in MODES:
        msg = f"mode {mode!r} is not one of {MODES}"
        raise NetworkError(msg)
    if stitch_km < 0 or snap_km < 0:
        msg = "stitch_km and snap_km must be >= 0"
        raise NetworkError(msg)
    boxes = _check_bboxes(bboxes)

    # 1. clip
    keep = np.zeros(geograph.n_edges, dtype=bool)
    for x0, y0, x1, y1 in boxes:
        inside = (
            (geograph.lon >= x0)
            & (geograph.lon <= x1)
            & (geograph.lat >= y0)
            & (geograph.lat <= y1)
        )
        keep |= inside[geograph.u] & inside[geograph.v]
    gu = geograph.u[keep]
    gv = geograph.v[keep]
    ids, inv = np.unique(np.concatenate((gu, gv)), return_inverse=True)
    ids = ids.astype(np.int64)
    a = inv[: gu.size].astype(np.int64)
    b = inv[gu.size :].astype(np.int64)
    lon = np.round(geograph.lon[ids], 6)
    lat = np.round(geograph.lat[ids], 6)
    n = int(ids.size)
    # Along-track length of each source segment: scgraph's km (haversine over the original OSM
    # way, so it keeps curvature lost by simplification) floored by the WGS84 geodesic of the
    # straight segment (the source km is rounded to 1 m and spherical).
    seg_m = np.maximum(
        geodesic_distance_m(lon[a], lat[a], lon[b], lat[b]), geograph.length_km[keep] * 1000.0
    )

    # 2. stitch dead ends across components
    comp0 = _components(n, a, b) if n else np.empty(0, dtype=np.int64)
    deg = np.bincount(np.concatenate((a, b)), minlength=n)
    xyz = _unit_xyz(lon, lat) if n else np.empty((0, 3))
    dead = np.flatnonzero(deg == 1).astype(np.int64)
    stitch = _stitch_pairs(xyz, comp0, dead, ids, stitch_km, dead_pair_km=dead_pair_km)

    # 3. curated repair links: snap ends, create terminal nodes when too far
    cur_rows: list[tuple[int, int, NDArray[np.float64], float, str]] = []
    new_lon: list[float] = []
    new_lat: list[float] = []
    next_id = geograph.n_nodes
    new_ids: list[int] = []
    if curated_links is not None and len(curated_links):
        sel = curated_links[curated_links["mode"] == mode].sort_values("link_id", kind="stable")
        tree = cKDTree(xyz) if n else None
        for rec in sel.itertuples(index=False):
            xy = np.round(parse_coords(str(rec.coords)), 6)
            ends: list[int] = []
            for pos in (0, -1):
                node = -1
                if tree is not None:
                    pt = xy[[pos]]
                    _, jj = tree.query(_unit_xyz(pt[:, 0], pt[:, 1]))
                    j = int(np.asarray(jj).ravel()[0])
                    d_km = float(geodesic_distance_m(xy[pos, 0], xy[pos, 1], lon[j], lat[j])) / 1e3
                    if d_km <= snap_km:
                        node = j
                        xy[pos] = (lon[j], lat[j])
                if node < 0:
                    node = n + len(new_lon)
                    new_lon.append(float(xy[pos, 0]))
                    new_lat.append(float(xy[pos, 1]))
                    new_ids.append(next_id)
                    next_id += 1
                ends.append(node)
            pub = float(str(rec.length_km))
            length_m = pub * 1000.0 if math.isfinite(pub) else _polyline_length_m(xy)
            cur_rows.append((ends[0], ends[1], xy, length_m, str(rec.link_id)))
    if new_lon:
        lon = np.concatenate((lon, np.round(new_lon, 6)))
        lat = np.concatenate((lat, np.round(new_lat, 6)))
        ids = np.concatenate((ids, np.asarray(new_ids, dtype=np.int64)))
    n_all = int(ids.size)

    # 4. merge chains (ends of stitches and curated links are junctions)
    junction = np.zeros(n_all, dtype=bool)
    junction[stitch.ravel()] = True
    for s, t, *_ in cur_rows:
        junction[[s, t]] = True
    flat_l, offsets_l, lengths_l = _merge_chains(n_all, a, b, seg_m, junction)
    flat = np.asarray(flat_l, dtype=np.int64)
    offsets = np.asarray(offsets_l, dtype=np.int64)
    n_osm = offsets.size - 1
    starts = flat[offsets[:-1]] if n_osm else np.empty(0, dtype=np.int64)
    stops = flat[offsets[1:] - 1] if n_osm else np.empty(0, dtype=np.int64)

    # 5. assemble all links: coordinates, endpoints (global ids), lengths, sources
    coord_parts: list[NDArray[np.float64]] = []
    count_parts: list[NDArray[np.int64]] = []
    coord_parts.append(np.column_stack((lon[flat], lat[flat])))
    count_parts.append(np.diff(offsets))
    su = ids[starts]
    sv = ids[stops]
    flip = su > sv
    # reverse the vertex order of flipped links
    if flip.any():
        seg_idx = np.repeat(np.arange(n_osm), np.diff(offsets))
        pos_in = np.arange(flat.size) - offsets[seg_idx]
        rev = offsets[seg_idx] + (np.diff(offsets)[seg_idx] - 1 - pos_in)
        src_pos = np.where(flip[seg_idx], rev, np.arange(flat.size))
        coord_parts[0] = coord_parts[0][src_pos]
    lu = [np.minimum(su, sv)]
    lv = [np.maximum(su, sv)]
    llen = [np.asarray(lengths_l, dtype=np.float64)]
    lsrc = [np.full(n_osm, "osm", dtype=object)]
    lid: list[NDArray[np.object_]] = [np.full(n_osm, "", dtype=object)]

    if stitch.size:
        p, q = stitch[:, 0], stitch[:, 1]
        pid, qid = ids[p], ids[q]
        sw = pid > qid
        p, q = np.where(sw, q, p), np.where(sw, p, q)
        xy2 = np.stack((np.column_stack((lon[p], lat[p])), np.column_stack((lon[q], lat[q]))), 1)
        coord_parts.append(xy2.reshape(-1, 2))
        count_parts.append(np.full(p.size, 2, dtype=np.int64))
        lu.append(ids[p])
        lv.append(ids[q])
        llen.append(geodesic_distance_m(lon[p], lat[p], lon[q], lat[q]))
        lsrc.append(np.full(p.size, "stitch", dtype=object))
        lid.append(np.full(p.size, "", dtype=object))
    for s, t, xy, length_m, link_id in cur_rows:
        if ids[s] > ids[t]:
            s, t, xy = t, s, xy[::-1]
        coord_parts.append(xy)
        count_parts.append(np.asarray([len(xy)], dtype=np.int64))
        lu.append(np.asarray([ids[s]]))
        lv.append(np.asarray([ids[t]]))
        llen.append(np.asarray([length_m]))
        lsrc.append(np.asarray(["curated"], dtype=object))
        lid.append(np.asarray([link_id], dtype=object))

    coords = np.round(np.concatenate(coord_parts), 6)
    counts = np.concatenate(count_parts)
    geoms = shapely.linestrings(coords, indices=np.repeat(np.arange(counts.size), counts))
    edges = pd.DataFrame(
        {
            "u": np.concatenate(lu).astype(np.int64),
            "v": np.concatenate(lv).astype(np.int64),
            "length_m": np.round(np.concatenate(llen), 1),
            "source": np.concatenate(lsrc).astype(str),
            "link_id": np.concatenate(lid).astype(str),
        }
    )
    edges["_wkb"] = shapely.to_wkb(geoms)
    edges["geometry"] = geoms
    edges = edges.sort_values(
        ["u", "v", "source", "length_m", "link_id", "_wkb"], kind="stable"
    ).reset_index(drop=True)
    edges["key"] = edges.groupby(["u", "v"], sort=False).cumcount().astype(np.int64)
    auto = edges["link_id"] == ""
    edges.loc[auto, "link_id"] = (
        edges.loc[auto, "source"]
        + ":"
        + edges.loc[auto, "u"].astype(str)
        + "-"
        + edges.loc[auto, "v"].astype(str)
        + "-"
        + edges.loc[auto, "key"].astype(str)
    )

    # 6. components of the final layer, nodes table
    used, inv2 = np.unique(
        np.concatenate((edges["u"].to_numpy(), edges["v"].to_numpy())), return_inverse=True
    )
    m = len(edges)
    comp = _components(used.size, inv2[:m].astype(np.int64), inv2[m:].astype(np.int64))
    edges["component"] = comp[inv2[:m]]
    lookup = np.argsort(ids)
    where = lookup[np.searchsorted(ids, used, sorter=lookup)]
    x = lon[where]
    y = lat[where]
    nodes = gpd.GeoDataFrame(
        {"node_id": used.astype(np.int64), "x": x, "y": y, "component": comp},
        geometry=shapely.points(x, y),
        crs=WGS84,
    )
    edges_gdf = gpd.GeoDataFrame(edges.loc[:, list(EDGE_COLUMNS)], geometry="geometry", crs=WGS84)
    report = NetworkReport(
        mode=mode,
        source=(
            f"{geograph.package} {geograph.version} ({geograph.name})".strip()
            if geograph.package
            else geograph.name
        ),
        bboxes=boxes,
        stitch_km=float(stitch_km),
        raw_nodes=geograph.n_nodes,
        raw_edges=geograph.n_edges,
        clipped_edges=int(gu.size),
        merged_edges=int(n_osm),
        stitches=int(stitch.shape[0]),
        curated_links=len(cur_rows),
        new_nodes=len(new_lon),
        components=int(comp.max()) + 1 if comp.size else 0,
        nodes=len(nodes),
        edges=len(edges_gdf),
        total_km=round(float(edges_gdf["length_m"].sum()) / 1000.0, 3),
    )
    return NetworkLayers(nodes=nodes, edges=edges_gdf, report=report)
