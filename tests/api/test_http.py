"""Every endpoint of the HTTP API and its error paths (TestClient, no network)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.http.app import create_app
from api.service import Service
from api.settings import Settings
from corridors.engine import Engine

REPO = Path(__file__).resolve().parents[2]
PROBLEM = "application/problem+json"
GEOJSON = "application/geo+json"


def _is_problem(resp, status: int) -> dict:  # type: ignore[no-untyped-def,type-arg]
    assert resp.status_code == status, resp.text[:300]
    assert resp.headers["content-type"].startswith(PROBLEM)
    body = resp.json()
    assert body["status"] == status
    assert {"type", "title", "status"} <= set(body)
    assert "Traceback" not in resp.text
    return body  # type: ignore[no-any-return]


def test_healthz(client: TestClient) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["services"] >= 70


def test_route_equals_the_cli_in_a_new_process(
    client: TestClient, built_dir: Path, data_dir: Path
) -> None:
    # The real `shudao route --json`, as a user runs it (its own process, its own engine load,
    # its own option parsing), against GET /v1/route with the same options.
    args = ["Chengdu", "Hanoi", "--modes", "rail,sea", "--via", "Pingxiang", "--alternatives", "2"]
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "SHUDAO_BUILD_DIR": str(built_dir),
        "SHUDAO_DATA_DIR": str(data_dir),
    }
    proc = subprocess.run(
        [sys.executable, "-m", "api.cli", "route", *args, "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    cli = json.loads(proc.stdout)
    resp = client.get(
        "/v1/route",
        params={
            "origin": "Chengdu",
            "destination": "Hanoi",
            "modes": ["rail", "sea"],
            "via": "Pingxiang",
            "alternatives": 2,
        },
    )
    assert resp.status_code == 200, resp.text[:300]
    assert resp.json() == cli
    assert cli["routes"][0]["corridor"] == "china_vietnam"


def test_route_cache_is_used_for_a_repeated_request(client: TestClient, service: Service) -> None:
    params = {"origin": "Yibin port", "destination": "Shanghai", "modes": "inland_waterway"}
    hits = service.cache.hits
    first = client.get("/v1/route", params=params).json()
    second = client.get("/v1/route", params={**params, "origin": "  Yibin port "}).json()
    assert first == second
    assert service.cache.hits == hits + 1  # the normalised request hit the cache


def test_unknown_place_is_a_404_problem_with_suggestions(client: TestClient) -> None:
    body = _is_problem(
        client.get("/v1/route", params={"origin": "Chengdoo", "destination": "Lodz"}), 404
    )
    assert "chengdu" in body["suggestions"]


def test_infeasible_constraint_is_a_422_problem_naming_it(client: TestClient) -> None:
    resp = client.get(
        "/v1/route", params={"origin": "Chengdu", "destination": "Lodz", "modes": "inland_waterway"}
    )
    body = _is_problem(resp, 422)
    assert body["constraint"] == "modes=inland_waterway"


@pytest.mark.parametrize(
    "params",
    [
        {"origin": "Chengdu"},  # missing destination
        {"origin": "Chengdu", "destination": "Lodz", "unit": "box"},
        {"origin": "Chengdu", "destination": "Lodz", "quantity": "-1"},
        {"origin": "Chengdu", "destination": "Lodz", "alternatives": "11"},
        {"origin": "Chengdu", "destination": "Lodz", "modes": "teleport"},
        {"origin": "x" * 201, "destination": "Lodz"},
    ],
)
def test_bad_query_is_a_422_problem(client: TestClient, params: dict[str, str]) -> None:
    body = _is_problem(client.get("/v1/route", params=params), 422)
    assert body["errors"]


def test_batch_answers_every_row_and_isolates_failures(client: TestClient) -> None:
    rows = [
        {"origin": "Chengdu", "destination": "Lodz", "modes": ["rail"]},
        {"origin": "Atlantis", "destination": "Lodz"},
        {"origin": "Chengdu", "destination": "Lodz", "modes": ["inland_waterway"]},
        {"origin": "Chengdu", "destination": "Lodz", "modes": ["rail"]},
    ]
    resp = client.post("/v1/estimates", json={"rows": rows})
    assert resp.status_code == 200
    res = resp.json()["results"]
    assert [r["ok"] for r in res] == [True, False, False, True]
    assert res[1]["problem"]["status"] == 404
    assert res[2]["problem"]["status"] == 422
    assert res[0]["route"] == res[3]["route"]
    assert resp.json()["cached_rows"] >= 1


def test_batch_limits(client: TestClient) -> None:
    _is_problem(client.post("/v1/estimates", json={"rows": []}), 422)
    too_many = [{"origin": "Chengdu", "destination": "Lodz"}] * 1001
    _is_problem(client.post("/v1/estimates", json={"rows": too_many}), 413)  # declared limit
    _is_problem(client.post("/v1/estimates", json={"rows": [{"origin": "a"}], "x": 1}), 422)


def test_places_filters_and_geojson(client: TestClient) -> None:
    resp = client.get("/v1/places", params={"kind": "bonded_zone"})
    assert resp.headers["content-type"].startswith(GEOJSON)
    ids = {f["id"] for f in resp.json()["features"]}
    assert len(ids) == 6
    south = client.get(
        "/v1/places", params={"region": "south_sichuan", "kind": "river_port"}
    ).json()
    assert {f["id"] for f in south["features"]} == {"yibin_port", "luzhou_port"}
    box = client.get("/v1/places", params={"bbox": "103.5,30.3,104.5,31.0", "kind": "airport"})
    assert {f["id"] for f in box.json()["features"]} == {"ctu"}  # TFU lies at 30.29N
    text = client.get("/v1/places", params={"q": "罗兹"}).json()
    assert "lodz" in {f["id"] for f in text["features"]}


def test_place_by_id_and_unknown(client: TestClient) -> None:
    feat = client.get("/v1/places/chengdu_irp").json()
    assert feat["type"] == "Feature"
    assert feat["properties"]["name_zh"] == "成都国际铁路港"
    body = _is_problem(client.get("/v1/places/chengdu_ipr"), 404)
    assert "chengdu_irp" in body["suggestions"]


def test_regions_and_corridors(client: TestClient) -> None:
    regions = client.get("/v1/regions", params={"region": "panxi"}).json()
    assert {f["properties"]["adcode"] for f in regions["features"]} == {"510400", "513400"}
    corr = client.get("/v1/corridors", params={"corridor": "china_laos", "mode": "rail"}).json()
    assert corr["features"]
    for f in corr["features"]:
        assert f["geometry"]["type"] == "MultiLineString"
        assert f["properties"]["distance_km"] > 0


def test_parameters_carry_sources(client: TestClient) -> None:
    body = client.get("/v1/parameters").json()
    assert body["version"]
    assert len(body["fingerprint"]) == 64
    for entry in body["parameters"]:
        assert entry["assumption"] or (entry["source"] and entry["as_of"]), entry["key"]


def test_ogc_features(client: TestClient) -> None:
    landing = client.get("/").json()
    assert {"service-desc", "conformance", "data"} <= {link["rel"] for link in landing["links"]}
    conf = client.get("/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in conf
    cols = {c["id"] for c in client.get("/collections").json()["collections"]}
    assert cols == {"hubs", "regions", "corridors"}
    page1 = client.get("/collections/regions/items", params={"limit": 10}).json()
    page3 = client.get("/collections/regions/items", params={"limit": 10, "offset": 20}).json()
    assert page1["numberMatched"] == 21
    assert page1["numberReturned"] == 10
    assert "next" in {link["rel"] for link in page1["links"]}
    assert page3["numberReturned"] == 1
    assert "next" not in {link["rel"] for link in page3["links"]}
    one = client.get("/collections/regions/items/510100").json()
    assert one["properties"]["name_zh"] == "成都市"
    _is_problem(client.get("/collections/regions/items/999999"), 404)
    _is_problem(
        client.get("/collections/unknown"), 404
    )  # OGC API - Features: unknown collection is a 404


def test_api_key_and_cors(settings: Settings, service: Service) -> None:
    locked = Settings(**{**settings.model_dump(), "api_key": "s3cret"})
    with TestClient(create_app(locked, service=service)) as c:
        _is_problem(c.get("/v1/parameters"), 401)
        assert c.get("/v1/parameters", headers={"X-API-Key": "s3cret"}).status_code == 200
        assert c.get("/healthz").status_code == 200
    with TestClient(create_app(settings, service=service)) as c:
        resp = c.get("/v1/parameters", headers={"Origin": "https://example.org"})
        assert "access-control-allow-origin" not in resp.headers  # closed by default
    opened = Settings(**{**settings.model_dump(), "cors_origins": ["https://example.org"]})
    with TestClient(create_app(opened, service=service)) as c:
        resp = c.get("/v1/parameters", headers={"Origin": "https://example.org"})
        assert resp.headers["access-control-allow-origin"] == "https://example.org"


def test_timeout_is_a_504_problem(
    settings: Settings, service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow = Settings(**{**settings.model_dump(), "request_timeout_s": 0.05})
    real = Engine.answer

    def sleepy(self: Engine, *a: object, **k: object) -> object:
        time.sleep(0.5)
        return real(self, *a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(Engine, "answer", sleepy)
    with TestClient(create_app(slow, service=service)) as c:
        resp = c.get(
            "/v1/route", params={"origin": "Chengdu", "destination": "Almaty", "objective": "co2"}
        )
        _is_problem(resp, 504)


def test_not_ready_is_a_503_problem(settings: Settings) -> None:
    app = create_app(settings, service=None)
    client = TestClient(app, raise_server_exceptions=False)  # no lifespan: nothing loaded
    _is_problem(client.get("/healthz"), 503)


def test_every_error_response_is_declared(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path, ops in spec["paths"].items():
        for op in ops.values():
            assert "500" in op["responses"], path
            if op.get("parameters") or op.get("requestBody"):
                assert "422" in op["responses"], path
            for status, resp in op["responses"].items():
                if int(status) >= 400:
                    assert PROBLEM in resp["content"], (path, status)


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_maps_html_is_offline_and_embeddable(client: TestClient) -> None:
    resp = client.get("/maps/regions.html", params={"width": 800, "height": 500})
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/html")
    assert "x-frame-options" not in resp.headers  # may be embedded in an iframe
    html = resp.text
    assert "成都" in html or json.dumps("成都").strip('"') in html  # literal or JSON-escaped
    for attr in ('src="http', 'href="http', "url(http"):
        assert attr not in html


def test_route_map_png_has_the_requested_size(client: TestClient) -> None:
    resp = client.get(
        "/maps/route.png",
        params={
            "origin": "Chengdu",
            "destination": "Singapore",
            "alternatives": 2,
            "width": 640,
            "height": 400,
        },
    )
    assert resp.status_code == 200, resp.text[:300]
    assert resp.headers["content-type"] == "image/png"
    assert _png_size(resp.content) == (640, 400)


def test_route_map_unknown_place_is_a_problem(client: TestClient) -> None:
    _is_problem(
        client.get("/maps/route.html", params={"origin": "Atlantis", "destination": "Lodz"}), 404
    )


def test_matrix_direct_cells_equal_routes(client: TestClient, service: Service) -> None:
    resp = client.get(
        "/v1/matrix", params={"origins": "Yibin,Mianyang", "destinations": "Lodz,Hanoi"}
    )
    assert resp.status_code == 200, resp.text[:300]
    cells = resp.json()["cells"]
    assert len(cells) == 4
    cell = next(c for c in cells if (c["origin_id"], c["destination_id"]) == ("mianyang", "hanoi"))
    best = service.engine.route("Mianyang", "Hanoi", alternatives=1).routes[0]
    assert cell["time_h"] == pytest.approx(best.time_h, abs=1e-6)  # output rounded to 6 dp


def test_matrix_too_large_points_to_jobs(client: TestClient) -> None:
    body = _is_problem(
        client.get("/v1/matrix", params={"origins": "counties", "destinations": "gateways"}), 413
    )
    assert "/v1/matrix/jobs" in body["detail"]


def test_matrix_job_reports_progress_and_result(client: TestClient) -> None:
    resp = client.post(
        "/v1/matrix/jobs", json={"origins": "prefectures", "destinations": "Lodz,Singapore"}
    )
    assert resp.status_code == 202
    job = resp.json()
    deadline = time.monotonic() + 120
    while job["status"] in {"queued", "running"} and time.monotonic() < deadline:
        time.sleep(0.2)
        job = client.get(f"/v1/matrix/jobs/{job['id']}").json()
    assert job["status"] == "done", job
    assert job["progress"]["done"] == job["progress"]["total"] > 0
    assert len(job["result"]["cells"]) == 21 * 2
    _is_problem(client.get("/v1/matrix/jobs/m999999"), 404)


def test_access_map_html_is_offline_with_the_raster_overlay(client: TestClient) -> None:
    resp = client.get("/maps/access.html", params={"to": "river_port", "width": 800, "height": 500})
    assert resp.status_code == 200, resp.text[:300]
    assert resp.headers["content-type"].startswith("text/html")
    html = resp.text
    assert 'L.imageOverlay("data:image/png;base64,' in html
    assert "County mean hours (183)" in html
    for attr in ('src="http', 'href="http', "url(http"):
        assert attr not in html
    _is_problem(client.get("/maps/access.html", params={"to": "seaport"}), 422)
