"""The HTTP result contract: pydantic models that describe real answers exactly.

Each real answer (the engine's own JSON, as ``shudao route --json`` prints it) must survive a round
trip through its model unchanged: no key dropped, added, renamed or retyped. The OpenAPI document
must then describe ``/v1/route``, ``/v1/estimates``, ``/v1/matrix`` and the jobs with these models
(not as free-form objects), with examples that are themselves valid answers.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

from api.http.schemas import MatrixResultOut, RouteResultOut
from corridors.engine import Engine
from corridors.matrix import destination_set, origin_set, travel_matrix


def _json(obj: Any) -> Any:
    """What a client parses: the value after JSON encoding (tuples become lists, ...)."""
    return json.loads(json.dumps(obj, ensure_ascii=False))


def _round_trip(model: type[BaseModel], payload: dict[str, Any]) -> Any:
    return model.model_validate(payload).model_dump(mode="json", by_alias=True)


ROUTE_QUERIES: list[tuple[str, str, dict[str, Any]]] = [
    ("Chengdu", "Duisburg", {"alternatives": 3}),  # rail, sea and air answers with all leg kinds
    ("chengdu_irp", "Lodz", {"modes": ["rail"], "alternatives": 1}),  # borders, gauge breaks
    ("Shanghai port", "Rotterdam", {"modes": ["sea"], "avoid": ["suez"]}),  # passages
    ("104.06,30.67", "Singapore", {"unit": "TEU", "quantity": 3, "objective": "cost"}),
    ("Chengdu", "Lodz", {"pareto": True}),
]


@pytest.mark.parametrize(("origin", "destination", "options"), ROUTE_QUERIES)
def test_route_answers_round_trip_through_the_model(
    engine: Engine, origin: str, destination: str, options: dict[str, Any]
) -> None:
    answer = _json(engine.route(origin, destination, **options).to_dict())
    assert answer["routes"]
    assert _round_trip(RouteResultOut, answer) == answer


def test_matrix_answers_round_trip_through_the_model(engine: Engine) -> None:
    origins = origin_set(engine, "Chengdu,Yibin")
    for modes in (None, ["inland_waterway"]):  # with routes, and cells without a route (nulls)
        answer = _json(
            travel_matrix(
                engine, origins, destination_set(engine, "Duisburg,Hanoi"), modes=modes
            ).to_dict()
        )
        assert answer["cells"]
        assert _round_trip(MatrixResultOut, answer) == answer
    assert any(cell["time_h"] is None for cell in answer["cells"])


def _response_schema(spec: dict[str, Any], path: str, method: str, status: str) -> Any:
    return spec["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]


@pytest.mark.parametrize(
    ("path", "method", "status", "model"),
    [
        ("/v1/route", "get", "200", "RouteResultOut"),
        ("/v1/estimates", "post", "200", "EstimateResults"),
        ("/v1/matrix", "get", "200", "MatrixResultOut"),
        ("/v1/matrix/jobs", "post", "202", "JobOut"),
        ("/v1/matrix/jobs/{job_id}", "get", "200", "JobOut"),
    ],
)
def test_openapi_documents_the_result_models(
    client: TestClient, path: str, method: str, status: str, model: str
) -> None:
    spec = client.get("/openapi.json").json()
    schema = _response_schema(spec, path, method, status)
    assert schema == {"$ref": f"#/components/schemas/{model}"}
    assert spec["components"]["schemas"][model]["properties"]


def test_openapi_route_and_estimate_rows_are_fully_described(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    route = schemas["RouteOut"]["properties"]
    assert {"rank", "corridor", "modes", "legs", "geometry", "time_h", "co2_kg"} <= set(route)
    assert schemas["RouteOut"].get("additionalProperties") is not True
    leg = schemas["LegOut"]["properties"]
    assert {"from", "to", "mode", "service", "breakdown", "sources"} <= set(leg)
    row = json.dumps(schemas["EstimateResult"])
    assert "#/components/schemas/RouteOut" in row
    assert "#/components/schemas/RowProblem" in row


@pytest.mark.parametrize("model", [RouteResultOut, MatrixResultOut])
def test_documented_examples_are_valid_answers(model: type[BaseModel]) -> None:
    (example,) = model.model_json_schema()["examples"]
    assert _round_trip(model, example) == example


def test_http_route_is_the_documented_model(client: TestClient) -> None:
    resp = client.get(
        "/v1/route", params={"origin": "Yibin port", "destination": "Shanghai", "alternatives": 2}
    )
    assert resp.status_code == 200, resp.text[:300]
    body = resp.json()
    assert _round_trip(RouteResultOut, body) == body
    assert body["routes"][0]["legs"][0]["from"]  # the alias, not the Python name from_


def test_estimate_rows_keep_the_route_json(client: TestClient, engine: Engine) -> None:
    rows = [
        {"origin": "Chengdu", "destination": "Lodz", "modes": ["rail"]},
        {"origin": "Atlantis", "destination": "Lodz"},
    ]
    resp = client.post("/v1/estimates", json={"rows": rows})
    assert resp.status_code == 200, resp.text[:300]
    ok, bad = resp.json()["results"]
    best = _json(engine.route("Chengdu", "Lodz", modes=["rail"], alternatives=1).to_dict())
    assert ok["route"] == best["routes"][0]
    assert bad["problem"]["status"] == 404
    assert None not in bad["problem"].values()  # members that do not apply are absent
