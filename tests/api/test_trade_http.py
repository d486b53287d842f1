"""``/v1/flows`` and ``/v1/indicators``: totals against the published figures, errors as problems.

Needs the built layers (the engine routes the flows).
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


def test_flows_by_mode_add_up_to_the_published_2024_total(client: TestClient) -> None:
    res = client.get("/v1/flows", params={"by": "mode"})
    assert res.status_code == 200, res.text
    body = res.json()
    # 2024 goods trade 10,457.2亿元 (Chengdu Customs via 中新网 2025-01-19)
    assert body["total_value_cny"] + body["unrouted_value_cny"] == pytest.approx(10457.2e8)
    assert {r["key"] for r in body["rows"]} <= {"road", "rail", "sea", "air", "inland_waterway"}
    assert sum(r["share_value"] for r in body["rows"]) == pytest.approx(1.0, abs=1e-5)
    assert {r["mark"] for r in body["rows"]} == {"modelled"}
    assert body["mode_definition"].startswith("mode at the Chinese border")


def test_indicators_equal_hand_arithmetic_on_the_published_table(client: TestClient) -> None:
    res = client.get("/v1/indicators")
    assert res.status_code == 200, res.text
    ind = {i["target"]: i for i in res.json()["indicators"]}
    # imports 4,279.5 / 10,457.2 (2024); 共建 BRI: ASEAN share + 10% of EU + other BRI = BRI share
    assert ind["import_share"]["modelled"] == pytest.approx(4279.5 / 10457.2, abs=1e-6)
    assert ind["bri_share"]["modelled"] == pytest.approx(2223.6 / 4906.6, abs=1e-6)
    assert ind["goods_trade_total"]["published"]["value"] == 10457.2
    assert ind["goods_trade_total"]["goal"] == {"comparator": ">=", "value": 1.2e12}
    assert ind["rail_share_value"]["published"]["mark"] == "derived"
    assert ind["prefectures_over_10bn"]["modelled"] == 7


def test_a_shipped_scenario_names_its_baseline(client: TestClient) -> None:
    res = client.get("/v1/indicators", params={"scenario": "plan-southbound-trains"})
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["scenario"] == "plan-southbound-trains"
    ind = {i["target"]: i for i in body["indicators"]}
    # the flows are fitted to the base year: the totals do not move under a routing scenario
    assert ind["import_share"]["change"] == 0.0
    rail = ind["rail_share_value"]
    assert rail["change"] == pytest.approx(rail["modelled"] - rail["baseline"], abs=1e-6)


def test_unknown_scenario_and_grouping_are_problems(client: TestClient) -> None:
    res = client.get("/v1/flows", params={"scenario": "red-sea-closd"})
    assert res.status_code == 404
    assert res.headers["content-type"].startswith("application/problem+json")
    assert "red-sea-closed" in res.json()["suggestions"]
    res = client.get("/v1/flows", params={"by": "mod"})
    assert res.status_code == 422
    assert res.headers["content-type"].startswith("application/problem+json")
    assert "mode" in res.json()["suggestions"]
