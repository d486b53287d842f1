"""``/v1/scenarios`` over HTTP, and ``scenario=ID`` on the estimate, matrix and map endpoints.

Every store test runs on SQLite and on PostgreSQL (``store_config``). The figures under a
scenario are computed by hand from the cost model's rule for the wait before a scheduled
service, ``wait_fraction_of_headway`` x 168 h / frequency (0.5 in data/geo/parameters.toml):
the weekly Chengdu–Vientiane through train waits 0.5 x 168 / 1 = 84 h; at 14 a week
0.5 x 168 / 14 = 6 h, 78 h less; at 7 a week 12 h.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.http.app import create_app
from api.service import Service
from api.settings import Settings

SERVICE = "cl_rail_chengdu_vientiane"
WAIT_WEEKLY_H = 0.5 * 168 / 1
WAIT_14_H = 0.5 * 168 / 14
WAIT_7_H = 0.5 * 168 / 7
PROBLEM = "application/problem+json"


def doc(frequency: float = 14, title: str = "China–Laos through train 14 a week") -> dict[str, Any]:
    return {
        "title": title,
        "description": "Plan §6: stable China–Laos trains",
        "changes": {
            "services": {
                SERVICE: {
                    "frequency_per_week": frequency,
                    "assumption": "test figure: two departures a day",
                }
            }
        },
    }


def _settings(built_dir: Path, data_dir: Path, store_config: Any, **extra: Any) -> Settings:
    return Settings(
        data_dir=data_dir,
        build_dir=built_dir,
        cache_size=256,
        state_dir=store_config.state_dir,
        database_url=store_config.url,
        **extra,
    )


@pytest.fixture
def sclient(
    built_dir: Path, data_dir: Path, service: Service, store_config: Any
) -> Iterator[TestClient]:
    app = create_app(_settings(built_dir, data_dir, store_config), service=service)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
    store = getattr(app.state, "scenario_store", None)
    if store is not None:
        store.dispose()


def _create(client: TestClient, body: dict[str, Any], **headers: str) -> dict[str, Any]:
    resp = client.post("/v1/scenarios", json=body, headers=headers)
    assert resp.status_code == 201, resp.text
    out: dict[str, Any] = resp.json()
    return out


def _leg_wait(result: dict[str, Any], service_id: str) -> tuple[float, float]:
    """(wait of *service_id*'s leg, total time) of the route that rides it."""
    for route in result["routes"]:
        for leg in route["legs"]:
            if leg["service"] == service_id:
                return leg["breakdown"]["wait_h"], route["time_h"]
    raise AssertionError(f"no route rides {service_id}")


ROUTE = {"origin": "Chengdu", "destination": "Vientiane", "alternatives": 3}


def test_create_answers_201_with_location_and_etag(sclient: TestClient) -> None:
    resp = sclient.post("/v1/scenarios", json=doc())
    assert resp.status_code == 201
    body = resp.json()
    assert body["version"] == 1
    assert resp.headers["location"].endswith(f"/v1/scenarios/{body['id']}")
    assert resp.headers["etag"] == '"v1"'
    got = sclient.get(resp.headers["location"])
    assert got.status_code == 200
    assert got.headers["etag"] == '"v1"'
    assert got.json()["document"]["changes"]["services"][SERVICE]["frequency_per_week"] == 14
    listed = sclient.get("/v1/scenarios").json()["scenarios"]
    assert [(s["id"], s["version"]) for s in listed] == [(body["id"], 1)]


def test_changes_need_if_match_and_a_stale_one_changes_nothing(sclient: TestClient) -> None:
    made = _create(sclient, doc())
    url = f"/v1/scenarios/{made['id']}"
    for method in ("PUT", "PATCH", "DELETE"):
        resp = sclient.request(method, url, json=doc(7))
        assert resp.status_code == 428, method
        assert resp.headers["content-type"].startswith(PROBLEM)
    ok = sclient.put(url, json=doc(7), headers={"If-Match": '"v1"'})
    assert ok.status_code == 200
    assert ok.headers["etag"] == '"v2"'
    stale = sclient.put(url, json=doc(21, "overwrite"), headers={"If-Match": '"v1"'})
    assert stale.status_code == 412
    assert stale.headers["content-type"].startswith(PROBLEM)
    stale_patch = sclient.patch(url, json={"title": "x"}, headers={"If-Match": '"v1"'})
    assert stale_patch.status_code == 412
    assert sclient.delete(url, headers={"If-Match": '"v1"'}).status_code == 412
    now = sclient.get(url)
    assert now.headers["etag"] == '"v2"'
    assert now.json()["document"]["title"] == doc(7)["title"]
    assert now.json()["document"]["changes"]["services"][SERVICE]["frequency_per_week"] == 7
    assert sclient.put(url, json=doc(), headers={"If-Match": "v2"}).status_code == 412
    assert sclient.delete(url, headers={"If-Match": '"v2"'}).status_code == 204
    assert sclient.get(url).status_code == 404


def test_audit_lists_each_change_with_its_key_label(
    built_dir: Path, data_dir: Path, service: Service, store_config: Any
) -> None:
    key = "planning-office-key-1"
    label = "key:sha256:" + hashlib.sha256(key.encode()).hexdigest()[:16]
    app = create_app(_settings(built_dir, data_dir, store_config, api_key=key), service=service)
    auth = {"X-API-Key": key}
    with TestClient(app, raise_server_exceptions=False) as c:
        made = _create(c, doc(), **auth)
        url = f"/v1/scenarios/{made['id']}"
        patched = c.patch(
            url,
            json={"changes": {"close": ["alashankou"]}},
            headers={**auth, "If-Match": '"v1"', "Content-Type": "application/merge-patch+json"},
        )
        assert patched.status_code == 200, patched.text
        assert patched.json()["document"]["changes"]["close"] == ["alashankou"]
        # the merge patch kept the service edit it did not mention (RFC 7396)
        assert (
            patched.json()["document"]["changes"]["services"][SERVICE]["frequency_per_week"] == 14
        )
        assert c.delete(url, headers={**auth, "If-Match": '"v2"'}).status_code == 204
        trail = c.get(f"{url}/audit", headers=auth)
        assert trail.status_code == 200
        entries = trail.json()["entries"]
        assert [(e["action"], e["version"], e["actor"]) for e in entries] == [
            ("create", 1, label),
            ("update", 2, label),
            ("delete", 2, label),
        ]
        assert {"op": "replace", "path": "/changes/close", "from": [], "to": ["alashankou"]} in (
            entries[1]["diff"]
        )
        assert key not in trail.text
        app.state.scenario_store.dispose()


def test_bad_document_names_every_problem_and_stores_nothing(sclient: TestClient) -> None:
    bad = {
        "title": "three mistakes",
        "changes": {
            "services": {"no_such_service": {"frequency_per_week": 2, "assumption": "x"}},
            "close": ["atlantis_port"],
            "parameters": {"modes.rail.speed_kph_typo": 45},
        },
    }
    resp = sclient.post("/v1/scenarios", json=bad)
    assert resp.status_code == 422
    assert resp.headers["content-type"].startswith(PROBLEM)
    text = resp.text
    for name in ("no_such_service", "atlantis_port", "speed_kph_typo"):
        assert name in text, name
    assert len(resp.json()["errors"]) >= 3
    assert sclient.get("/v1/scenarios").json()["scenarios"] == []
    # a bad replacement leaves the stored document as it was
    made = _create(sclient, doc())
    url = f"/v1/scenarios/{made['id']}"
    assert sclient.put(url, json=bad, headers={"If-Match": '"v1"'}).status_code == 422
    assert sclient.get(url).headers["etag"] == '"v1"'
    assert sclient.post("/v1/scenarios", content=b"{not json").status_code == 400


def test_scenario_id_changes_the_route_as_the_document_says(sclient: TestClient) -> None:
    base = sclient.get("/v1/route", params=ROUTE).json()
    base_wait, base_time = _leg_wait(base, SERVICE)
    assert base_wait == pytest.approx(WAIT_WEEKLY_H)
    assert "scenario" not in base
    made = _create(sclient, doc(14))
    scen = sclient.get("/v1/route", params={**ROUTE, "scenario": made["id"]})
    assert scen.status_code == 200, scen.text
    res = scen.json()
    wait, total = _leg_wait(res, SERVICE)
    assert wait == pytest.approx(WAIT_14_H)
    assert base_time - total == pytest.approx(WAIT_WEEKLY_H - WAIT_14_H)  # 78 h
    assert res["scenario"]["id"] == made["id"]
    assert res["scenario"]["version"] == 1
    assert res["scenario"]["baseline"]["parameters_version"] == base["parameters_version"]
    # the cache keys on the scenario and its version: the baseline is untouched, v2 is new
    assert _leg_wait(sclient.get("/v1/route", params=ROUTE).json(), SERVICE)[0] == base_wait
    url = f"/v1/scenarios/{made['id']}"
    assert sclient.put(url, json=doc(7), headers={"If-Match": '"v1"'}).status_code == 200
    v2 = sclient.get("/v1/route", params={**ROUTE, "scenario": made["id"]}).json()
    assert _leg_wait(v2, SERVICE)[0] == pytest.approx(WAIT_7_H)
    assert v2["scenario"]["version"] == 2


def test_compare_pairs_the_corridors_with_the_hand_computed_delta(sclient: TestClient) -> None:
    made = _create(sclient, doc(14))
    resp = sclient.get(f"/v1/scenarios/{made['id']}/compare", params=ROUTE)
    assert resp.status_code == 200, resp.text
    out = resp.json()
    laos = next(a for a in out["alternatives"] if a["corridor"] == "china_laos")
    assert laos["delta_time_h"] == pytest.approx(-(WAIT_WEEKLY_H - WAIT_14_H))
    assert laos["delta_cost_cny"] == pytest.approx(0.0, abs=1e-6)  # frequency is not a price
    assert out["scenario"]["id"] == made["id"]


def test_estimates_and_matrix_under_a_scenario(sclient: TestClient) -> None:
    made = _create(sclient, doc(14))
    row = {"origin": "Chengdu", "destination": "Vientiane", "modes": ["rail"]}
    base = sclient.post("/v1/estimates", json={"rows": [row]}).json()
    scen = sclient.post(
        "/v1/estimates", params={"scenario": made["id"]}, json={"rows": [row]}
    ).json()
    assert scen["scenario"]["id"] == made["id"]
    delta = base["results"][0]["route"]["time_h"] - scen["results"][0]["route"]["time_h"]
    assert delta == pytest.approx(WAIT_WEEKLY_H - WAIT_14_H)
    q = {"origins": "Chengdu", "destinations": "Vientiane", "modes": "rail"}
    m0 = sclient.get("/v1/matrix", params=q).json()
    m1 = sclient.get("/v1/matrix", params={**q, "scenario": made["id"]}).json()
    assert "scenario" not in m0
    assert m1["scenario"]["version"] == 1
    assert m0["cells"][0]["time_h"] - m1["cells"][0]["time_h"] == pytest.approx(78.0)


def test_matrix_job_under_a_scenario(sclient: TestClient) -> None:
    made = _create(sclient, doc(14))
    body = {
        "origins": "Chengdu",
        "destinations": "Vientiane",
        "modes": ["rail"],
        "scenario": made["id"],
    }
    job = sclient.post("/v1/matrix/jobs", json=body)
    assert job.status_code == 202, job.text
    href = f"/v1/matrix/jobs/{job.json()['id']}"
    deadline = time.monotonic() + 120
    state = job.json()
    while state["status"] in {"queued", "running"} and time.monotonic() < deadline:
        time.sleep(0.2)
        state = sclient.get(href).json()
    assert state["status"] == "done", state
    assert state["result"]["scenario"]["id"] == made["id"]
    assert state["result"]["scenario"]["version"] == 1


def test_unknown_scenario_is_a_404_problem(sclient: TestClient) -> None:
    missing = "0b8e4f5c-3d1a-4c77-9a59-1f0e2a8d6b11"
    for resp in (
        sclient.get("/v1/route", params={**ROUTE, "scenario": missing}),
        sclient.get(f"/v1/scenarios/{missing}"),
        sclient.get(f"/v1/scenarios/{missing}/audit"),
        sclient.post(
            "/v1/matrix/jobs",
            json={"origins": "Chengdu", "destinations": "Lodz", "scenario": missing},
        ),
    ):
        assert resp.status_code == 404, resp.text
        assert resp.headers["content-type"].startswith(PROBLEM)


def test_openapi_documents_the_scenario_endpoints(sclient: TestClient) -> None:
    spec = sclient.get("/openapi.json").json()
    paths = spec["paths"]
    assert set(paths["/v1/scenarios"]) >= {"get", "post"}
    assert set(paths["/v1/scenarios/{scenario_id}"]) >= {"get", "put", "patch", "delete"}
    assert "201" in paths["/v1/scenarios"]["post"]["responses"]
    assert "412" in paths["/v1/scenarios/{scenario_id}"]["put"]["responses"]
    assert "428" in paths["/v1/scenarios/{scenario_id}"]["delete"]["responses"]
    assert "Scenario" in spec["components"]["schemas"]
    route_params = {p["name"] for p in paths["/v1/route"]["get"]["parameters"]}
    assert "scenario" in route_params


def test_schema_violations_are_422_not_500(sclient: TestClient) -> None:
    new_service = {
        "id": "zz_air",
        "name_zh": "测试",
        "name_en": "test",
        "corridor": "air",
        "mode": "air",
        "waypoints": ["tfu", "lhr"],
        "frequency_per_week": 1,
        "border_crossings": [["tfu", {}]],  # an object where a place id belongs
        "assumption": "test",
    }
    for body in (
        {**doc(), "as_of": 0},  # the schema says an ISO date; a number is not one
        {"title": "x", "changes": {"add_services": [new_service]}},
    ):
        resp = sclient.post("/v1/scenarios", json=body)
        assert resp.status_code == 422, resp.text
        assert resp.headers["content-type"].startswith(PROBLEM)
    assert sclient.get("/v1/scenarios").json()["scenarios"] == []


def test_other_methods_are_405_with_the_allowed_ones(sclient: TestClient) -> None:
    resp = sclient.request("OPTIONS", "/v1/scenarios")
    assert (resp.status_code, resp.headers["allow"]) == (405, "GET, POST")
    resp = sclient.post("/v1/scenarios/0b8e4f5c-3d1a-4c77-9a59-1f0e2a8d6b11", json={})
    assert (resp.status_code, resp.headers["allow"]) == (405, "GET, PUT, PATCH, DELETE")


def test_corridor_map_under_a_scenario_drops_a_removed_service(sclient: TestClient) -> None:
    missing = "0b8e4f5c-3d1a-4c77-9a59-1f0e2a8d6b11"
    assert sclient.get("/maps/corridors.html", params={"scenario": missing}).status_code == 404
    removed = _create(
        sclient,
        {
            "title": "China–Laos through train withdrawn",
            "changes": {"remove_services": [SERVICE]},
        },
    )
    base = sclient.get("/maps/corridors.html")
    scen = sclient.get("/maps/corridors.html", params={"scenario": removed["id"]})
    assert base.status_code == scen.status_code == 200
    # the service's English name (services.toml) as the page's embedded JSON escapes it
    name = r"Chengdu \u2013 Kunming \u2013 Vientiane"
    assert name in base.text
    assert name not in scen.text
