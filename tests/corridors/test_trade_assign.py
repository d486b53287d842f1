"""The assignment's pieces by hand: the mode at the border, a two-alternative logit split.

No engine: a toy block and toy routes stand for the engine's answers.
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any, cast

import numpy as np
import pytest

from corridors.trade import Flows, Marginals
from corridors.trade_assign import (
    Alternative,
    Assignment,
    Block,
    Logit,
    Network,
    air_share_of,
    border_of,
    onward_corridor,
    service_of,
)


def _leg(a: str, b: str, mode: str, borders: tuple[str, ...] = ()) -> Any:
    return SimpleNamespace(
        from_id=a, to_id=b, mode=SimpleNamespace(value=mode), border_crossings=borders
    )


COUNTRY = {"chengdu": "CN", "chengdu_irp": "CN", "shanghai_port": "CN", "hamburg": "DE"}


def test_a_box_railed_to_shanghai_and_shipped_counts_as_sea() -> None:
    # customs records the mode at the border: the rail leg to Shanghai is domestic
    route = SimpleNamespace(
        legs=(
            _leg("chengdu", "chengdu_irp", "road"),
            _leg("chengdu_irp", "shanghai_port", "rail"),
            _leg("shanghai_port", "hamburg", "sea"),
        )
    )
    assert border_of(cast(Any, route), lambda k: COUNTRY.get(k, "")) == (
        "sea",
        "shanghai_port (sea)",
        "shanghai_port",
    )


def test_a_through_train_counts_as_rail_at_its_land_crossing() -> None:
    route = SimpleNamespace(
        legs=(
            _leg("chengdu", "chengdu_irp", "road"),
            _leg("chengdu_irp", "hamburg", "rail", ("alashankou-dostyk", "brest-malaszewicze")),
        )
    )
    assert border_of(cast(Any, route), lambda k: COUNTRY.get(k, "")) == (
        "rail",
        "alashankou-dostyk",
        "alashankou",
    )


def _toy() -> tuple[Network, Flows]:
    m = Marginals(
        ("510100",),
        np.array([100.0]),
        ("eu",),
        np.array([100.0]),
        ("it",),
        np.array([100.0]),
        np.array([60.0, 40.0]),
        100.0,
    )
    value = np.array([60.0, 40.0]).reshape(1, 1, 1, 2)
    flows = Flows(m, value, value / 2.0)
    air = Alternative("air_cargo", "air", "ctu (air)", "ctu", 150.0, 0.0)
    sea = Alternative("yangtze", "sea", "shanghai_port (sea)", "shanghai_port", 100.0, 0.0)
    block = Block(0, 0, 1.0, (air, sea), np.array([150.0, 100.0]), np.array([0.0, 0.0]))
    return Network((block,), 0.0, 1), flows


def test_two_alternative_logit_split_by_hand() -> None:
    net, flows = _toy()
    # GC 150 (air) and 100 (sea), theta 2: air weight e^-3, sea e^-2; air share 1/(1 + e)
    logit = Logit(2.0, 1.0, (0.0,))
    expected_air = 1.0 / (1.0 + math.e)
    assert air_share_of(net, flows, logit, 0) == pytest.approx(expected_air)
    # a value of time moves the split: 10 CNY/t/h x (0 h air, 5 h sea) makes GC 150 vs 150
    slow = Block(0, 0, 1.0, net.blocks[0].alts, np.array([150.0, 100.0]), np.array([0.0, 5.0]))
    even = Network((slow,), 0.0, 1)
    assert air_share_of(even, flows, Logit(2.0, 1.0, (10.0,)), 0) == pytest.approx(0.5)


def test_grouped_rows_share_by_hand() -> None:
    rows = (
        {"border_mode": "air", "corridor": "air_cargo", "value_cny": 30.0, "tonnes": 1.0},
        {"border_mode": "sea", "corridor": "yangtze", "value_cny": 70.0, "tonnes": 9.0},
        {"border_mode": "sea", "corridor": "ilstc", "value_cny": 0.0, "tonnes": 0.0},
    )
    _, flows = _toy()
    a = Assignment(Logit(1.0, 1.0, (0.0,)), rows, flows, 0.0)
    by_mode = {r["key"]: r for r in a.by("mode")}
    assert by_mode["air"]["share_value"] == 0.3
    assert by_mode["sea"]["share_tonnes"] == 0.9
    assert a.share("mode", "sea") == pytest.approx(0.7)


def test_onward_legs_name_their_corridor() -> None:
    assert onward_corridor("road", "air") == "air_cargo"
    assert onward_corridor("yangtze", "sea") == "yangtze"
    assert onward_corridor("road", "sea") == "road+sea"


def test_the_service_is_the_one_that_leaves_china() -> None:
    def leg(a: str, b: str, mode: str, service: str | None, borders: tuple[str, ...] = ()) -> Any:
        return SimpleNamespace(
            from_id=a,
            to_id=b,
            mode=SimpleNamespace(value=mode),
            border_crossings=borders,
            service=service,
        )

    train = SimpleNamespace(
        legs=(
            leg("chengdu", "chengdu_irp", "road", None),
            leg("chengdu_irp", "hamburg", "rail", "cr_express", ("alashankou-dostyk",)),
        )
    )
    assert service_of(cast(Any, train), lambda k: COUNTRY.get(k, "")) == "cr_express"
    barge = SimpleNamespace(legs=(leg("chengdu", "shanghai_port", "inland_waterway", "yz"),))
    assert service_of(cast(Any, barge), lambda k: COUNTRY.get(k, "")) == "yz"  # ends in China
    truck = SimpleNamespace(legs=(leg("chengdu", "hamburg", "road", None, ("CN-KZ",)),))
    assert service_of(cast(Any, truck), lambda k: COUNTRY.get(k, "")) == "road"


def test_unrouted_trade_is_a_row_and_in_the_denominator() -> None:
    # 100 CNY fitted; 60 routed (rail 30, sea 30), 40 without a route under some scenario
    _, flows = _toy()
    rows = (
        {"border_mode": "rail", "value_cny": 30.0, "tonnes": 15.0},
        {"border_mode": "sea", "value_cny": 30.0, "tonnes": 15.0},
    )
    a = Assignment(Logit(1.0, 1.0, (0.0,)), rows, flows, 40.0)
    by_mode = {r["key"]: r for r in a.by("mode")}
    assert by_mode["unrouted"]["value_cny"] == 40.0
    assert by_mode["unrouted"]["tonnes"] == 20.0  # toy tonnes = value / 2
    assert by_mode["rail"]["share_value"] == 0.3
    assert a.share("mode", "rail") == pytest.approx(0.3)
