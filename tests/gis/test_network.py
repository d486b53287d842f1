"""Tests for gis.network (clip, stitch, merge, curated links) and gis.layers file I/O."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from gis.crs import geodesic_distance_m
from gis.errors import DataValidationError, LayerMissingError
from gis.geograph import GeoGraph, geograph_from_arrays
from gis.layers import read_layer, write_layer
from gis.network import NetworkError, build_network_layers, read_network_links

WORLD = [(-180.0, -90.0, 180.0, 90.0)]


def _graph(
    coords: list[tuple[float, float]], edges: list[tuple[int, int]], *, km: float = 1.0
) -> GeoGraph:
    xy = np.asarray(coords, dtype=float)
    e = np.asarray(edges, dtype=np.int64)
    return geograph_from_arrays(
        xy[:, 0], xy[:, 1], e[:, 0], e[:, 1], np.full(len(edges), km), name="tiny"
    )


def _line(n: int, *, lon0: float = 100.0, lat: float = 0.0, step: float = 0.01):
    return [(lon0 + i * step, lat) for i in range(n)]


def test_chain_merges_into_one_link_with_geodesic_length() -> None:
    # 0-1-2-3-4 along the equator, 0.01 deg apart: one link 0..4 of 4 * 1113.19 m
    # (one hundredth of a degree of WGS84 equator = 1113.1949 m); source km given as 0.
    g = _graph(_line(5), [(0, 1), (1, 2), (2, 3), (3, 4)])
    g = GeoGraph(g.lon, g.lat, g.u, g.v, np.zeros(4))
    out = build_network_layers(g, mode="rail", bboxes=WORLD, stitch_km=0)
    assert len(out.edges) == 1
    row = out.edges.iloc[0]
    assert (row.u, row.v, row.key, row.source) == (0, 4, 0, "osm")
    assert row.length_m == pytest.approx(4 * 1113.1949, abs=0.5)
    assert len(row.geometry.coords) == 5
    assert list(out.nodes["node_id"]) == [0, 4]
    assert out.report.clipped_edges == 4
    assert out.report.merged_edges == 1


def test_source_km_kept_when_longer_than_the_straight_segment() -> None:
    # scgraph's km keeps curvature lost by simplification: 2 km on a 1.113 km chord -> 2 km.
    g = _graph(_line(2), [(0, 1)], km=2.0)
    out = build_network_layers(g, mode="rail", bboxes=WORLD, stitch_km=0)
    assert out.edges["length_m"].tolist() == [2000.0]


def test_junction_splits_links_and_ring_is_cut() -> None:
    # T-junction at node 1 (0-1-2 and 1-3) plus a separate ring 4-5-6-4 of degree-2 nodes.
    coords = [(100.0, 0.0), (100.01, 0.0), (100.02, 0.0), (100.01, 0.01)]
    coords += [(101.0, 0.0), (101.01, 0.0), (101.0, 0.01)]
    g = _graph(coords, [(0, 1), (1, 2), (1, 3), (4, 5), (5, 6), (4, 6)])
    out = build_network_layers(g, mode="rail", bboxes=WORLD, stitch_km=0)
    pairs = list(zip(out.edges.u, out.edges.v, strict=True))
    assert pairs == [(0, 1), (1, 2), (1, 3), (4, 4)]
    ring = out.edges.iloc[3].geometry
    assert ring.is_ring
    assert out.report.components == 2
    # components are numbered by size: the 4-node T first
    assert out.nodes.set_index("node_id")["component"].to_dict() == {0: 0, 1: 0, 2: 0, 3: 0, 4: 1}


def test_clip_keeps_edges_with_both_ends_in_one_box() -> None:
    g = _graph(_line(4), [(0, 1), (1, 2), (2, 3)])
    # box holds nodes 0..2 (lon 100.00..100.02); edge 2-3 crosses out and is dropped.
    out = build_network_layers(g, mode="rail", bboxes=[(99.9, -1, 100.025, 1)], stitch_km=0)
    assert out.report.clipped_edges == 2
    assert out.edges[["u", "v"]].values.tolist() == [[0, 2]]


def test_stitch_joins_dead_end_to_other_component_within_radius() -> None:
    # Two lines on the equator with a 0.01 deg (1.113 km) gap between node 2 and node 3.
    coords = _line(3) + _line(3, lon0=100.03)
    g = _graph(coords, [(0, 1), (1, 2), (3, 4), (4, 5)])
    far = build_network_layers(g, mode="rail", bboxes=WORLD, stitch_km=1.0)
    assert far.report.stitches == 0
    assert far.report.components == 2
    near = build_network_layers(g, mode="rail", bboxes=WORLD, stitch_km=2.0)
    assert near.report.stitches == 1
    assert near.report.components == 1
    st = near.edges[near.edges.source == "stitch"].iloc[0]
    assert (st.u, st.v) == (2, 3)
    assert st.length_m == pytest.approx(1113.2, abs=0.5)
    assert st.link_id == "stitch:2-3-0"


def test_stitch_reaches_a_mid_chain_vertex_and_splits_the_chain() -> None:
    # Main line 0-1-2-3-4; a spur 5-6 whose dead end 5 lies 0.005 deg (557 m) north of node 2.
    coords = [*_line(5), (100.02, 0.005), (100.02, 0.02)]
    g = _graph(coords, [(0, 1), (1, 2), (2, 3), (3, 4), (5, 6)])
    out = build_network_layers(g, mode="rail", bboxes=WORLD, stitch_km=2.0)
    pairs = out.edges[["u", "v", "source"]].values.tolist()
    assert pairs == [[0, 2, "osm"], [2, 4, "osm"], [2, 5, "stitch"], [5, 6, "osm"]]


def test_output_is_deterministic_and_rounded(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    coords = [(float(x), float(y)) for x, y in rng.uniform(100, 100.2, size=(40, 2))]
    edges = sorted({(int(a), int(b)) for a, b in rng.integers(0, 40, size=(70, 2)) if a != b})
    g = _graph(coords, edges)
    a = build_network_layers(g, mode="road", bboxes=WORLD, stitch_km=3.0)
    b = build_network_layers(g, mode="road", bboxes=WORLD, stitch_km=3.0)
    pd.testing.assert_frame_equal(
        a.edges.drop(columns="geometry"), b.edges.drop(columns="geometry")
    )
    assert shapely.equals_exact(a.edges.geometry.values, b.edges.geometry.values, 0).all()
    keys = list(zip(a.edges.u, a.edges.v, a.edges.key, strict=True))
    assert keys == sorted(keys)
    xy = shapely.get_coordinates(a.edges.geometry.values)
    np.testing.assert_array_equal(xy, np.round(xy, 6))
    write_layer(a.edges, tmp_path / "a.parquet")
    write_layer(b.edges, tmp_path / "b.parquet")
    digest = [
        hashlib.sha256((tmp_path / f).read_bytes()).hexdigest() for f in ("a.parquet", "b.parquet")
    ]
    assert digest[0] == digest[1]
    back = read_layer(tmp_path / "a.parquet")
    assert back.crs == a.edges.crs
    assert back.drop(columns="geometry").equals(a.edges.drop(columns="geometry"))


def test_read_layer_missing_hints_at_build(tmp_path: Path) -> None:
    with pytest.raises(LayerMissingError, match="shudao data build"):
        read_layer(tmp_path / "rail_edges.parquet")


def test_bad_arguments() -> None:
    g = _graph(_line(2), [(0, 1)])
    with pytest.raises(NetworkError, match="mode"):
        build_network_layers(g, mode="sea", bboxes=WORLD)
    with pytest.raises(NetworkError, match="bbox"):
        build_network_layers(g, mode="rail", bboxes=[(10, 0, 5, 1)])


LINKS_HEADER = "link_id,mode,name,coords,length_km,source,as_of,assumption\n"


def test_curated_link_snaps_near_end_and_creates_far_terminal(tmp_path: Path) -> None:
    g = _graph(_line(3), [(0, 1), (1, 2)])
    csv = tmp_path / "links.csv"
    # start 0.001 deg (111 m) from node 2 -> snapped; end 0.3 deg away -> new node 3.
    csv.write_text(
        LINKS_HEADER
        + "spur,rail,Spur,100.021 0.0;100.1 0.1;100.2 0.2,,,,hand-made test link\n"
        + "lane,road,Lane,100.0 0.0;100.0 0.1,,,,road links are ignored for rail\n",
        encoding="utf-8",
    )
    links = read_network_links(csv)
    out = build_network_layers(g, mode="rail", bboxes=WORLD, stitch_km=0, curated_links=links)
    cur = out.edges[out.edges.source == "curated"]
    assert len(cur) == 1
    row = cur.iloc[0]
    assert (row.u, row.v, row.link_id) == (2, 3, "spur")
    assert row.geometry.coords[0] == (100.02, 0.0)
    xy = np.asarray(row.geometry.coords)
    expected = geodesic_distance_m(xy[:-1, 0], xy[:-1, 1], xy[1:, 0], xy[1:, 1]).sum()
    assert row.length_m == pytest.approx(expected, abs=0.1)
    assert out.report.new_nodes == 1
    assert out.nodes.set_index("node_id").loc[3, ["x", "y"]].tolist() == [100.2, 0.2]


def test_curated_link_uses_published_length(tmp_path: Path) -> None:
    g = _graph(_line(3), [(0, 1), (1, 2)])
    csv = tmp_path / "links.csv"
    csv.write_text(
        LINKS_HEADER + "p,rail,P,100.02 0.0;100.05 0.0,42.5,https://example.org/line,2024-01-01,\n",
        encoding="utf-8",
    )
    out = build_network_layers(
        g, mode="rail", bboxes=WORLD, stitch_km=0, curated_links=read_network_links(csv)
    )
    assert out.edges[out.edges.link_id == "p"]["length_m"].tolist() == [42500.0]


def test_links_csv_reports_every_problem_at_once(tmp_path: Path) -> None:
    csv = tmp_path / "links.csv"
    csv.write_text(
        LINKS_HEADER
        + "ok,rail,Fine,100 0;101 0,,,,reasoned\n"
        + "ok,sea,Dup,100 0;101 0,,,,reasoned\n"  # duplicate id + bad mode
        + "Bad Id,rail,X,100 0,,,,reasoned\n"  # bad id + single vertex
        + "short,rail,S,100 0;101 0,10,https://x.org,2024-01-01,\n"  # 10 km < 111 km
        + "nosrc,rail,N,100 0;101 0;200 5,,,,\n"  # out of range + no source/assumption
        + "nodate,rail,D,100 0;101 0,,https://x.org,January,\n",  # bad as_of
        encoding="utf-8",
    )
    with pytest.raises(DataValidationError) as info:
        read_network_links(csv)
    got = {(p.row, p.column) for p in info.value.problems}
    assert got == {
        (2, "link_id"),
        (2, "mode"),
        (3, "link_id"),
        (3, "coords"),
        (4, "length_km"),
        (5, "coords"),
        (5, "source"),
        (6, "as_of"),
    }


def test_links_csv_missing_columns(tmp_path: Path) -> None:
    csv = tmp_path / "links.csv"
    csv.write_text("link_id,mode\nx,rail\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as info:
        read_network_links(csv)
    assert {p.column for p in info.value.problems} == {
        "name",
        "coords",
        "length_km",
        "source",
        "as_of",
        "assumption",
    }


def test_project_links_table_is_valid() -> None:
    path = Path(__file__).resolve().parents[2] / "data" / "geo" / "network_links.csv"
    links = read_network_links(path)
    assert len(links) >= 4
    assert set(links["mode"]) <= {"rail", "road"}
