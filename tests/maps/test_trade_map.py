"""The trade-flow map: widths and circle areas proportional to value, one layer per corridor."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from shapely.geometry import MultiLineString

from corridors.trade import Flows, Marginals
from corridors.trade_assign import Assignment, FlowLine, Logit
from hubs.tables import load_catalog
from maps.briefings import MapData
from maps.trade_map import MAX_NODE_PX, MAX_WIDTH_PX, flow_scene, flow_width_px, node_size_px


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
    gates = by_layer["出入境口岸 Gateways (area ∝ value)"].features
    assert len(gates) == 2  # Tianfu airport and Alashankou, both places of the catalog
