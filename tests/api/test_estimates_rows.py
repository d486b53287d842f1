"""A batch answers every row on its own: a schema-invalid row is that row's problem."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_a_bad_row_never_fails_the_batch(client: TestClient) -> None:
    rows = [
        {"origin": "Chengdu", "destination": "Lodz"},
        {"origin": "Chengdu", "destination": "Lodz", "unit": "box"},
        {"origin": "Chengdu", "destination": "Lodz", "quantity": -1, "colour": "red"},
        {"origin": "Chengduu", "destination": "Lodz"},
    ]
    resp = client.post("/v1/estimates", json={"rows": rows})
    assert resp.status_code == 200, resp.text[:300]
    results = resp.json()["results"]
    assert [r["index"] for r in results] == [0, 1, 2, 3]
    assert results[0]["ok"]
    assert results[0]["route"]["corridor"] == "china_europe_rail"
    bad_unit, bad_two, unknown = results[1], results[2], results[3]
    assert not bad_unit["ok"]
    assert bad_unit["problem"]["status"] == 422
    assert "unit" in bad_unit["problem"]["detail"]
    assert bad_two["problem"]["status"] == 422
    # every bad field of the row is named at once
    assert "quantity" in bad_two["problem"]["detail"]
    assert "colour" in bad_two["problem"]["detail"]
    assert unknown["problem"]["status"] == 404
    assert "chengdu" in unknown["problem"]["suggestions"]  # suggestions are place ids


def test_more_rows_than_the_limit_answer_413(client: TestClient) -> None:
    rows = [{"origin": "Chengdu", "destination": "Lodz"}] * 1001
    resp = client.post("/v1/estimates", json={"rows": rows})
    assert resp.status_code == 413
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert "1000" in resp.json()["detail"]
