"""The trade-flow map: widths and circle areas proportional to value or tonnes.

Legend scales by hand, and the print layout of the real baseline (no box over the frame, no
label over another).
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from shapely.geometry import MultiLineString

from corridors.engine import Engine
from corridors.trade import Flows, Marginals
from corridors.trade_assign import Assignment, FlowLine, Logit
from corridors.trade_report import TradeReport
from hubs.tables import load_catalog
from maps.briefings import MapData
from maps.errors import MapOptionError
from maps.layout import PrintOptions
from maps.scene import Scene
from maps.static import draw_page
from maps.trade_map import (
    GROUP_GATEWAYS,
    GROUP_WIDTHS,
    LEGEND_NODE_PX,
    MAX_NODE_PX,
    MAX_WIDTH_PX,
    MEASURES,
    amount_text,
    flow_scene,
    flow_width_px,
    nice_floor,
    node_size_px,
    scale_values,
    trade_flow_scene,
)


def test_scales_by_hand() -> None:
    assert flow_width_px(50.0, 200.0) == pytest.approx(MAX_WIDTH_PX / 4)
    assert flow_width_px(0.0, 200.0) == 1.0  # the thinnest line stays visible
    # area proportional to value: a quarter of the value is half the diameter
    assert node_size_px(25.0, 100.0) == pytest.approx(MAX_NODE_PX / 2)


def test_flow_scene_draws_each_corridor_by_value(built_dir: Path, data_dir: Path) -> None:
    m = Marginals(("510100",), np.ones(1), ("eu",), np.ones(1), ("it",), np.ones(1),
                  np.array([1.0, 0.0]), 1.0)  # fmt: skip
    flows = Flows(m, np.ones((1, 1, 1, 2)), np.ones((1, 1, 1, 2)))
    rail = MultiLineString([[(104.3, 30.8), (82.6, 45.2), (21.0, 52.0)]])
    air = MultiLineString([[(104.4, 30.3), (8.6, 50.0)]])
    lines = (
        FlowLine("china_europe_rail", "rail", "alashankou-dostyk", "alashankou", 30e9, 1e5, rail),
        FlowLine("air_cargo", "air", "tfu (air)", "tfu", 120e9, 4e4, air),
    )
    a = Assignment(Logit(1.0, 1.0, (0.0,)), (), flows, 0.0, lines)
    catalog = load_catalog(data_dir)
    scene = flow_scene(
        data=MapData.load(built_dir), assignment=a, places={p.id: p for p in catalog.places}
    )
    by_layer = {ly.name: ly for ly in scene.layers}
    rail_w = next(
        f.style.weight_px for f in by_layer["中欧班列 China–Europe Railway Express"].features
    )
    air_w = next(f.style.weight_px for f in by_layer["航空货运 Air cargo"].features)
    assert air_w == pytest.approx(MAX_WIDTH_PX)
    assert rail_w == pytest.approx(MAX_WIDTH_PX * 30 / 120)
    gates = by_layer[GROUP_GATEWAYS["value"]].features
    assert len(gates) == 2  # Tianfu airport and Alashankou, both places of the catalog


def test_legend_scales_by_hand() -> None:
    # 45% of 373 bn is 167.9 bn: the 1-2-3-5 series gives 100 bn, then a third (30) and a tenth
    assert scale_values(373e9) == (100e9, 30e9, 10e9)
    assert nice_floor(167.85) == 100.0
    assert nice_floor(0.34) == pytest.approx(0.3)
    assert nice_floor(5.0) == 5.0
    assert amount_text("value", 120e9) == "120 bn CNY 1,200亿元"
    assert amount_text("tonnes", 3.2e6) == "3.2 Mt 320万吨"


def _two_lines(data_dir: Path, built_dir: Path, measure: str) -> Scene:
    m = Marginals(("510100",), np.ones(1), ("eu",), np.ones(1), ("it",), np.ones(1),
                  np.array([1.0, 0.0]), 1.0)  # fmt: skip
    flows = Flows(m, np.ones((1, 1, 1, 2)), np.ones((1, 1, 1, 2)))
    rail = MultiLineString([[(104.3, 30.8), (82.6, 45.2), (21.0, 52.0)]])
    air = MultiLineString([[(104.4, 30.3), (8.6, 50.0)]])
    lines = (
        FlowLine("china_europe_rail", "rail", "alashankou-dostyk", "alashankou", 30e9, 4e6, rail),
        FlowLine("air_cargo", "air", "tfu (air)", "tfu", 120e9, 5e4, air),
    )
    rows = tuple(
        {"border_mode": f.border_mode, "value_cny": f.value_cny, "tonnes": f.tonnes} for f in lines
    )
    a = Assignment(Logit(1.0, 1.0, (0.0,)), rows, flows, 0.0, lines)
    return flow_scene(
        data=MapData.load(built_dir),
        assignment=a,
        places={p.id: p for p in load_catalog(data_dir).places},
        measure=measure,
    )


def test_tonnes_measure_and_width_legend(built_dir: Path, data_dir: Path) -> None:
    scene = _two_lines(data_dir, built_dir, "tonnes")
    by_layer = {ly.name: ly for ly in scene.layers}
    rail_w = by_layer["中欧班列 China–Europe Railway Express"].features[0].style.weight_px
    air_w = by_layer["航空货运 Air cargo"].features[0].style.weight_px
    # by tonnes rail (4 Mt) is the largest flow, air (50,000 t) 1/80 of it, clamped to 1 px
    assert rail_w == pytest.approx(MAX_WIDTH_PX)
    assert air_w == 1.0
    widths = [e for e in scene.legend if e.group == GROUP_WIDTHS["tonnes"]]
    # 45% of 4 Mt = 1.8 Mt -> 1 Mt, 0.3 Mt (0.1 Mt would be 0.35 px, under the 1 px minimum);
    # each swatch as wide as a flow of that size
    assert [e.label for e in widths] == ["1.0 Mt 100万吨", "0.3 Mt 30万吨"]
    for entry, tonnes in zip(widths, (1e6, 0.3e6), strict=True):
        assert entry.style.weight_px / rail_w == pytest.approx(tonnes / 4e6)
    circles = [e for e in scene.legend if e.group == GROUP_GATEWAYS["tonnes"]]
    assert circles
    assert all(e.shape == "point" for e in circles)
    assert all(e.style.size_px <= LEGEND_NODE_PX + 1e-9 for e in circles)
    # the table under the frame: one row per mode at the border, largest tonnes first
    assert scene.table[0][0] == "出境方式 Mode at the border"
    assert [row[0] for row in scene.table[1:]] == ["铁路 Rail", "航空 Air"]
    assert scene.table[1][1:] == ("30 bn CNY 300亿元", "20.0%", "4.0 Mt 400万吨", "98.8%")
    with pytest.raises(MapOptionError, match="value or tonnes"):
        _two_lines(data_dir, built_dir, "weight")


# ----------------------------------------------------------------------------- print layout
@pytest.fixture(scope="module")
def trade_report(engine: Engine, data_dir: Path) -> TradeReport:
    return TradeReport(engine, data_dir)


@pytest.fixture(scope="module")
def flow_pages(trade_report: TradeReport, map_data: MapData) -> dict[str, Any]:
    """The real baseline flow map by value and by tonnes, on three papers, at 40 dpi."""
    out = {}
    for measure in MEASURES:
        scene = trade_flow_scene(trade_report, None, "baseline", data=map_data, measure=measure)
        for paper, orient in (("A4", "landscape"), ("A4", "portrait"), ("A3", "landscape")):
            opts = PrintOptions(paper=paper, orientation=orient, dpi=40, date="2026-12-05")
            _fig, report = draw_page(scene, opts)
            out[f"{measure}_{paper}_{orient}"] = (scene, report)
    return out


def test_flow_layout_boxes_and_labels_do_not_overlap(flow_pages: dict[str, Any]) -> None:
    for name, (_scene, report) in flow_pages.items():
        parts = report.layout.parts()
        assert report.layout.table is not None, name  # the flows by mode under the frame
        for (a, box_a), (b, box_b) in itertools.combinations(parts.items(), 2):
            assert not box_a.overlaps(box_b), (name, a, b)
        assert all(report.layout.page.contains(b) for b in parts.values()), name
        assert report.layout.panel.contains(report.legend), name
        if report.inset is not None:
            assert not report.inset.overlaps(report.layout.frame), name
        for lab in report.labels:
            assert report.layout.frame.contains(lab.box), (name, lab)
        for a, b in itertools.combinations(report.labels, 2):
            assert not a.box.overlaps(b.box), (name, a.lines, b.lines)
        # the biggest gateways are named: Chengdu's airports and Shanghai's port
        named = {line for lab in report.labels for line in lab.lines}
        assert {"Chengdu Shuangliu International Airport", "Port of Shanghai"} <= named, name
        # the width and size scales are in the legend (3 widths, 2 circles)
        scales = [e for e, _ in report.legend_artists if "∝" in e.group]
        assert len(scales) >= 4, name
