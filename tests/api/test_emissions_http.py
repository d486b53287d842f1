"""The ISO 14083 / GLEC emission parameters and figures as the HTTP API publishes them."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


def test_parameters_publish_every_emission_factor_with_its_source(client: TestClient) -> None:
    resp = client.get("/v1/parameters")
    assert resp.status_code == 200, resp.text[:300]
    body = resp.json()
    assert body["emissions_method"].startswith("ISO 14083:2023; GLEC Framework v3")
    rows = {r["key"]: r for r in body["parameters"]}
    ferry = rows["emissions.factors.ropax_ferry.wtw"]
    assert ferry["value"] == 124.8
    assert ferry["unit"] == "g CO2e/t-km"
    assert "GLEC Framework v3.0 (2023), Table 14" in ferry["source"]
    assert rows["emissions.factors.electric_train_cn.ttw"]["value"] == 0.0
    assert rows["emissions.rail_electric_share.eurasia"]["assumption"]


def test_route_answer_names_the_method_and_both_scopes(client: TestClient) -> None:
    resp = client.get(
        "/v1/route",
        params={
            "origin": "Yibin port",
            "destination": "Shanghai",
            "modes": "inland_waterway",
            "alternatives": 1,
        },
    )
    assert resp.status_code == 200, resp.text[:300]
    body = resp.json()
    assert body["emissions_method"].endswith("well-to-wheel")
    route = body["routes"][0]
    assert route["co2_ttw_kg"] <= route["co2_kg"]
    assert route["co2_ttw_kg"] == pytest.approx(sum(leg["co2_ttw_kg"] for leg in route["legs"]))
    barge = [leg for leg in route["legs"] if leg["mode"] == "inland_waterway"]
    assert barge
    for leg in barge:  # 1 FEU = 20 t x km x 25.5 g (WTW) or 21.0 g (TTW) / 1,000
        assert leg["co2_kg"] == pytest.approx(20.0 * leg["distance_km"] * 25.5 / 1000.0)
        assert leg["co2_ttw_kg"] == pytest.approx(20.0 * leg["distance_km"] * 21.0 / 1000.0)
