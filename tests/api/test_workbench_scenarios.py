"""The workbench's scenario views over HTTP: list, exports under a scenario, bilingual messages.

Figures by hand, from the cost model's wait before a scheduled service,
``wait_fraction_of_headway`` x 168 h / frequency (0.5 in data/geo/parameters.toml): the weekly
Chengdu–Vientiane through train waits 0.5 x 168 / 1 = 84 h, at 14 a week 0.5 x 168 / 14 = 6 h,
so the China–Laos route is 78 h shorter under the scenario and costs the same.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.http.app import create_app
from api.http.workbench import WEB_DIR
from api.service import Service
from api.settings import Settings

pytestmark = pytest.mark.build
SERVICE = "cl_rail_chengdu_vientiane"
WAIT_SAVED_H = 0.5 * 168 / 1 - 0.5 * 168 / 14  # 78 h
DOC = {
    "title": "China–Laos through train 14 a week",
    "title_zh": "中老铁路国际货运列车每周14列",
    "description": "Plan §6: stable China–Laos trains",
    "changes": {"services": {SERVICE: {"frequency_per_week": 14, "assumption": "test: two a day"}}},
}
ROUTE = "origin=Chengdu&destination=Vientiane&alternatives=3"


@pytest.fixture
def wclient(
    built_dir: Path, data_dir: Path, service: Service, tmp_path: Path
) -> Iterator[TestClient]:
    settings = Settings(
        data_dir=data_dir, build_dir=built_dir, cache_size=64, state_dir=tmp_path / "state"
    )
    app = create_app(settings, service=service)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
    store = getattr(app.state, "scenario_store", None)
    if store is not None:
        store.dispose()


def _create(client: TestClient, doc: dict[str, Any]) -> dict[str, Any]:
    resp = client.post("/v1/scenarios", json=doc)
    assert resp.status_code == 201, resp.text
    out: dict[str, Any] = resp.json()
    return out


def test_the_list_gives_the_picker_both_titles_and_the_description(wclient: TestClient) -> None:
    made = _create(wclient, DOC)
    plain = _create(wclient, {"title": "No Chinese title", "changes": {}})
    listed = {s["id"]: s for s in wclient.get("/v1/scenarios").json()["scenarios"]}
    assert listed[made["id"]]["title_zh"] == DOC["title_zh"]
    assert listed[made["id"]]["title"] == DOC["title"]
    assert listed[made["id"]]["description"] == DOC["description"]
    assert listed[plain["id"]]["title_zh"] == ""  # the picker falls back to the English title
    assert listed[plain["id"]]["description"] == ""


def test_the_scenarios_page_is_bilingual_and_loads_only_local_assets(wclient: TestClient) -> None:
    page = wclient.get("/app/scenarios")
    assert page.status_code == 200
    assert 'aria-current="page">Scenarios' in page.text
    assert "/app/static/scenarios.js" in page.text
    for src in re.findall(r'(?:src|href)="([^"]+)"', page.text):
        assert src.startswith(("/", "#", "data:")), src
    # the route page carries the picker
    route = wclient.get("/app/route").text
    assert '<select id="scenario" name="scenario">' in route
    assert 'href="/app/scenarios"' in route


def _messages() -> dict[str, list[str]]:
    text = (WEB_DIR / "static" / "app.js").read_text("utf-8")
    body = text[text.index("const MESSAGES = {") : text.index("\n};", text.index("const MESSAGES"))]
    return {
        m.group(1): [json.loads(f'"{m.group(2)}"'), json.loads(f'"{m.group(3)}"')]
        for m in re.finditer(
            r'"([\w.\-]+)": \[\s*"((?:[^"\\]|\\.)*)",\s*"((?:[^"\\]|\\.)*)"\s*\]', body
        )
    }


def test_every_message_of_the_scenario_views_has_chinese_and_english() -> None:
    messages = _messages()
    used: set[str] = set()
    for name in ("scenarios.html", "route.html", "base.html", "home.html"):
        html = (WEB_DIR / "templates" / name).read_text("utf-8")
        used |= {k for k in re.findall(r'data-i18n="([\w.\-]+)"', html) if "{{" not in k}
    for name in ("scenarios.js", "route.js"):
        js = (WEB_DIR / "static" / name).read_text("utf-8")
        used |= set(re.findall(r'\bt\("([\w.\-]+)"', js))
        used |= set(re.findall(r'setStatus\("([\w.\-]+)"', js))
    vocab_kinds = {k for k in used if k.split(".")[0] in {"mode", "objective", "kind", "unit"}}
    missing = sorted(used - vocab_kinds - set(messages))
    assert not missing, f"labels without a message: {missing}"
    ours = [k for k in messages if k.split(".")[0] in {"scen", "cmp", "chg", "scenario"}]
    assert len(ours) > 40
    for key in ours:
        zh, en = messages[key]
        assert re.search(r"[\u4e00-\u9fff]", zh), key
        assert not re.search(r"[\u4e00-\u9fff]", en), key
    for key in ("chg.sea.cape", "chg.sea.suez", "err.unknown-scenario", "err.invalid-scenario"):
        assert key in messages  # built from codes at run time: t(`chg.sea.${...}`)


def test_route_exports_under_a_scenario_name_it_and_carry_its_figures(
    wclient: TestClient,
) -> None:
    from openpyxl import load_workbook  # noqa: PLC0415

    sid = _create(wclient, DOC)["id"]
    base_rows = list(
        csv.DictReader(
            io.StringIO(wclient.get(f"/app/export/route.csv?{ROUTE}").content.decode("utf-8-sig"))
        )
    )
    resp = wclient.get(f"/app/export/route.csv?{ROUTE}&scenario={sid}")
    assert resp.status_code == 200
    scen_rows = list(csv.DictReader(io.StringIO(resp.content.decode("utf-8-sig"))))

    def laos(rows: list[dict[str, str]]) -> dict[str, str]:
        return next(r for r in rows if r["Corridor id"] == "china_laos")

    b, s = laos(base_rows), laos(scen_rows)
    assert float(b["Time (h)"]) - float(s["Time (h)"]) == pytest.approx(WAIT_SAVED_H, abs=0.1)
    assert float(s["Cost (CNY)"]) == float(b["Cost (CNY)"])

    fc = json.loads(wclient.get(f"/app/export/route.geojson?{ROUTE}&scenario={sid}").content)
    assert fc["scenario"]["id"] == sid
    assert fc["scenario"]["version"] == 1
    assert "scenario" not in json.loads(wclient.get(f"/app/export/route.geojson?{ROUTE}").content)

    xlsx = wclient.get(f"/app/export/route.xlsx?{ROUTE}&scenario={sid}&lang=zh")
    about = dict(load_workbook(io.BytesIO(xlsx.content), read_only=True)["说明"].iter_rows(
        values_only=True
    ))  # fmt: skip
    assert about["情景"] == f"{DOC['title']} (v1)"
    assert about["情景代码"] == sid
    missing = "0b8e4f5c-3d1a-4c77-9a59-1f0e2a8d6b11"
    gone = wclient.get(f"/app/export/route.csv?{ROUTE}&scenario={missing}")
    assert gone.status_code == 404
    assert gone.headers["content-type"].startswith("application/problem+json")
