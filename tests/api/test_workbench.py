"""The workbench over HTTP: landing negotiation, offline docs, pages, vocabulary, exports."""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from api.http.app import create_app
from api.http.workbench import CORRIDOR_LABELS, KIND_LABELS, MODE_LABELS, REDOC_REMOTE_LOGO
from api.service import Service
from api.settings import Settings

pytestmark = pytest.mark.build
ROUTE = "origin=Chengdu&destination=Duisburg&alternatives=3"


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and (name == "src" or (tag == "link" and name == "href")):
                self.urls.append(value)


def assets(html: str) -> list[str]:
    parser = _Assets()
    parser.feed(html)
    return parser.urls


def test_browsers_are_sent_to_the_workbench_and_clients_keep_the_ogc_landing(
    client: TestClient,
) -> None:
    chrome = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
    for accept in (chrome, "text/html", "application/json;q=0.5, text/*"):
        browser = client.get("/", headers={"Accept": accept}, follow_redirects=False)
        assert browser.status_code == 303, accept
        assert browser.headers["location"] == "/app/"
    for accept in ("*/*", "application/json, text/html;q=0.1", "application/geo+json"):
        resp = client.get("/", headers={"Accept": accept}, follow_redirects=False)
        assert resp.status_code == 200, accept
    for headers, query in (
        ({"Accept": "application/json"}, ""),
        ({}, ""),
        ({"Accept": "text/html"}, "?f=json"),
    ):
        resp = client.get(f"/{query}", headers=headers, follow_redirects=False)
        assert resp.status_code == 200
        assert resp.headers["content-type"].startswith("application/json")
        assert {link["rel"] for link in resp.json()["links"]} >= {"self", "service-desc", "data"}


@pytest.mark.parametrize(
    "page",
    ["/app/", "/app/route", "/app/access", "/app/matrix", "/app/scenarios", "/docs", "/redoc"],
)
def test_pages_load_every_asset_from_this_server(client: TestClient, page: str) -> None:
    resp = client.get(page)
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/html")
    urls = assets(resp.text)
    assert urls, "a page with no script or stylesheet"
    for url in urls:
        if url.startswith("data:"):
            continue
        assert url.startswith("/"), f"{page} loads {url} from another host"
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 0
    assert "fonts.googleapis" not in resp.text
    assert "cdn.jsdelivr" not in resp.text


def test_redoc_bundle_has_no_remote_address(client: TestClient) -> None:
    body = client.get("/docs-static/redoc.standalone.js").text
    assert REDOC_REMOTE_LOGO not in body
    assert "/docs-static/favicon.png" in body
    assert len(body) > 500_000  # the whole bundle, not a stub


def test_every_code_the_api_returns_has_both_labels(client: TestClient) -> None:
    corridors = {
        f["properties"]["corridor"] for f in client.get("/v1/corridors").json()["features"]
    }
    modes = {f["properties"]["mode"] for f in client.get("/v1/corridors").json()["features"]}
    kinds = {f["properties"]["kind"] for f in client.get("/v1/places").json()["features"]}
    assert corridors <= set(CORRIDOR_LABELS)
    assert modes <= set(MODE_LABELS)
    assert kinds <= set(KIND_LABELS)
    for table in (CORRIDOR_LABELS, MODE_LABELS, KIND_LABELS):
        for code, names in table.items():
            assert re.search(r"[\u4e00-\u9fff]", names["zh"]), code
            assert re.fullmatch(r"[\x20-\x7e–]+", names["en"]), code
    assert CORRIDOR_LABELS["china_europe_rail"] == {
        "zh": "中欧班列",
        "en": "China–Europe Railway Express",
    }
    assert CORRIDOR_LABELS["ilstc"]["zh"] == "西部陆海新通道"


def test_csv_export_has_a_bom_chinese_headers_and_the_api_numbers(client: TestClient) -> None:
    api = client.get(f"/v1/route?{ROUTE}").json()
    resp = client.get(f"/app/export/route.csv?{ROUTE}&lang=zh")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/csv")
    assert "attachment" in resp.headers["content-disposition"]
    assert resp.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(resp.content.decode("utf-8-sig"))))
    assert len(rows) == len(api["routes"]) == 3
    by_id = {r["通道代码"]: r for r in rows}
    assert by_id["china_europe_rail"]["通道"] == "中欧班列"
    assert by_id["air_cargo"]["运输方式"] == "公路 → 航空 → 公路"
    for route in api["routes"]:
        row = by_id[route["corridor"]]
        assert float(row["时间（小时）"]) == pytest.approx(route["time_h"], abs=0.05)
        assert float(row["费用（元）"]) == pytest.approx(route["cost_cny"], abs=0.5)
        assert float(row["时间（天）"]) == pytest.approx(route["time_h"] / 24, abs=0.005)
        assert row["路径"].startswith("成都 → ")
        assert row["路径"].endswith(" → 杜伊斯堡")


def test_xlsx_export_has_routes_legs_and_the_query(client: TestClient) -> None:
    from openpyxl import load_workbook  # noqa: PLC0415

    api = client.get(f"/v1/route?{ROUTE}").json()
    resp = client.get(f"/app/export/route.xlsx?{ROUTE}")
    assert resp.status_code == 200
    wb = load_workbook(io.BytesIO(resp.content), read_only=True)
    assert wb.sheetnames == ["Routes", "Legs", "About"]
    routes = list(wb["Routes"].iter_rows(values_only=True))
    legs = list(wb["Legs"].iter_rows(values_only=True))
    assert routes[0][:3] == ("Rank", "Corridor", "Modes")
    assert len(routes) - 1 == len(api["routes"])
    assert len(legs) - 1 == sum(len(r["legs"]) for r in api["routes"])
    sources = legs[0].index("Sources")
    assert all(row[sources] for row in legs[1:]), "every leg names its sources"
    about = dict(wb["About"].iter_rows(values_only=True))
    assert about["Origin"] == "Chengdu"
    assert about["Parameters version"] == api["parameters_version"]


def test_geojson_export_is_a_feature_collection_of_the_routes(client: TestClient) -> None:
    api = client.get(f"/v1/route?{ROUTE}").json()
    resp = client.get(f"/app/export/route.geojson?{ROUTE}")
    assert resp.headers["content-type"].startswith("application/geo+json")
    fc = json.loads(resp.content)
    assert fc["type"] == "FeatureCollection"
    lines = [f for f in fc["features"] if f["geometry"]["type"] != "Point"]
    points = [f for f in fc["features"] if f["geometry"]["type"] == "Point"]
    assert [f["geometry"] for f in lines] == [r["geometry"] for r in api["routes"]]
    assert [p["properties"]["role"] for p in points] == ["origin", "destination"]
    assert lines[0]["properties"]["corridor_label"] in {v["en"] for v in CORRIDOR_LABELS.values()}


def test_export_of_an_unknown_place_is_a_problem_with_suggestions(client: TestClient) -> None:
    resp = client.get("/app/export/route.csv?origin=Chengduu&destination=Duisburg")
    assert resp.status_code == 404
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert "chengdu" in resp.json()["suggestions"]


def test_matrix_export_has_one_row_per_cell(client: TestClient) -> None:
    q = "origins=prefectures&destinations=Duisburg,Singapore"
    resp = client.get(f"/app/export/matrix.csv?{q}&lang=zh")
    assert resp.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(resp.content.decode("utf-8-sig"))))
    assert len(rows) == 21 * 2  # Sichuan's 21 prefecture seats x 2 destinations
    assert {r["终点"] for r in rows} == {"杜伊斯堡", "新加坡港"}
    xlsx = client.get(f"/app/export/matrix.xlsx?{q}")
    assert xlsx.content[:2] == b"PK"


def test_county_accessibility_table(client: TestClient) -> None:
    data = client.get("/app/data/access-counties.json?to=airport").json()
    rows = data["counties"]
    assert len(rows) == 183
    assert all(r["name_en"] and r["name_zh"] for r in rows)
    shuangliu = next(r for r in rows if r["name_zh"] == "双流区")
    shiqu = next(r for r in rows if r["name_zh"] == "石渠县")
    # Shuangliu hosts CTU; Shiqu, on the Qinghai border, is the far north-west of Ganzi.
    assert shuangliu["mean_h"] < 1.0
    assert shiqu["mean_h"] > 5 * shuangliu["mean_h"]
    assert client.get("/app/data/access-counties.json?to=moon").status_code == 422


def test_with_an_api_key_the_pages_load_and_the_data_need_the_key(
    settings: Settings, service: Service
) -> None:
    keyed = settings.model_copy(update={"api_key": "s3cret"})
    with TestClient(create_app(keyed, service=service), raise_server_exceptions=False) as c:
        for path in (
            "/app/",
            "/app/route",
            "/app/scenarios",
            "/app/static/app.js",
            "/app/static/scenarios.js",
            "/app/vendor/leaflet/leaflet.js",
        ):
            assert c.get(path).status_code == 200, path
        export = "/app/export/route.csv?origin=Chengdu&destination=Duisburg"
        assert c.get(export).status_code == 401
        assert c.get("/app/data/access-counties.json?to=airport").status_code == 401
        assert c.get(export, headers={"X-API-Key": "s3cret"}).status_code == 200
