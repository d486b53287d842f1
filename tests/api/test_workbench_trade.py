"""The workbench's trade page (``/app/trade``) over HTTP: shell, assets, labels, validation.

The page's figures come from ``/v1/indicators``, ``/v1/flows`` and ``/v1/flows/validation``
(checked in a browser by ``test_workbench_trade_browser.py``); here: the shell and its
vocabulary, every label in both languages, and the validation's summary figures recomputed by
hand from its rows (WAPE = sum of absolute errors / sum of published values).
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.http.app import create_app
from api.http.workbench import WEB_DIR
from api.service import Service
from api.settings import Settings

pytestmark = pytest.mark.build
CJK = re.compile(r"[\u4e00-\u9fff]")
PAIR = r'"([\w.\-]+)": \[\s*"((?:[^"\\]|\\.)*)",\s*"((?:[^"\\]|\\.)*)"\s*\]'


def _messages(name: str, start: str) -> dict[str, tuple[str, str]]:
    text = (WEB_DIR / "static" / name).read_text("utf-8")
    end = "\n});" if start.startswith("Object.assign") else "\n};"
    body = text[text.index(start) : text.index(end, text.index(start))]
    return {
        m.group(1): (json.loads(f'"{m.group(2)}"'), json.loads(f'"{m.group(3)}"'))
        for m in re.finditer(PAIR, body)
    }


def test_the_trade_page_loads_only_local_assets_and_carries_its_vocabulary(
    client: TestClient, data_dir: Path
) -> None:
    page = client.get("/app/trade")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    for src in re.findall(r'(?:src|href)="([^"]+)"', page.text):
        assert src.startswith(("/", "#", "data:")), src
        if src.startswith(("/app/static", "/app/vendor")):
            assert client.get(src).status_code == 200, src
    assert "/app/vendor/plotly.min.js" in page.text
    assert 'aria-current="page">Trade and targets' in page.text
    for el in ("scenario", "targets-table", "flows-chart", "flows-map", "validation-table"):
        assert f'id="{el}"' in page.text, el
    raw = re.search(
        r'<script id="trade-vocabulary" type="application/json">(.*?)</script>', page.text
    )
    assert raw is not None
    vocab = json.loads(raw.group(1))
    shipped = {s["name"]: s for s in vocab["shipped"]}
    assert set(shipped) == {p.stem for p in (data_dir / "scenarios").glob("*.toml")}
    doc = tomllib.loads((data_dir / "scenarios" / "red-sea-closed.toml").read_text("utf-8"))
    assert shipped["red-sea-closed"]["title_zh"] == doc["title_zh"]
    model = tomllib.loads((data_dir / "trade" / "model.toml").read_text("utf-8"))
    for rid, spec in model["regions"].items():
        assert vocab["regions"][rid] == {"zh": spec["name_zh"], "en": spec["name_en"]}
    assert vocab["groupings"][:4] == ["mode", "corridor", "border", "gateway"]
    # the home page links to the page and to the flow map
    home = client.get("/app/").text
    assert 'href="/app/trade"' in home
    assert 'href="/maps/flows.html"' in home


def test_every_label_of_the_trade_page_has_chinese_and_english() -> None:
    shared = _messages("app.js", "const MESSAGES = {")
    ours = _messages("trade.js", "Object.assign(MESSAGES, {")
    assert len(ours) > 60
    clash = sorted(k for k in ours if k in shared and shared[k] != ours[k])
    assert not clash, f"trade.js redefines shared messages: {clash}"
    messages = shared | ours
    html = (WEB_DIR / "templates" / "trade.html").read_text("utf-8")
    js = (WEB_DIR / "static" / "trade.js").read_text("utf-8")
    used = {
        k for k in re.findall(r'data-i18n(?:-aria|-title)?="([\w.\-]+)"', html) if "{{" not in k
    }
    used |= {f"by.{g}" for g in ("mode", "corridor", "border", "gateway", "prefecture", "region")}
    used |= set(re.findall(r'\bt\("([\w.\-]+)"', js)) | set(
        re.findall(r'setStatus\("([\w.\-]+)"', js)
    )
    # keys built at run time: t(`mark.${mark}`), t(`unit.${i.unit}`), t(`measure.${measure}`)
    used |= {f"mark.{m}" for m in ("published", "derived", "modelled")}
    used |= {f"unit.{u}" for u in ("share", "CNY", "count", "tonnes")}
    used |= {"measure.value", "measure.tonnes"}
    missing = sorted(used - set(messages))
    assert not missing, f"labels without a message: {missing}"
    for key in ours:
        zh, en = messages[key]
        assert CJK.search(zh), key
        assert not CJK.search(en), key
    for key in ("nav.trade", "title.trade", "home.trade.title", "home.trade.text"):
        zh, en = shared[key]
        assert CJK.search(zh)
        assert not CJK.search(en)


def test_validation_summary_equals_hand_arithmetic_on_its_rows(client: TestClient) -> None:
    res = client.get("/v1/flows/validation")
    assert res.status_code == 200, res.text
    body = res.json()
    values = [r for r in body["rows"] if r["kind"] == "value"]
    shares = [r for r in body["rows"] if r["kind"] == "share"]
    assert values
    assert shares
    wape = sum(abs(r["modelled"] - r["published"]) for r in values) / sum(
        r["published"] for r in values
    )
    assert body["wape"] == pytest.approx(wape, abs=1e-6)
    # the mode-share error is the share rows' error in percentage points
    pp = sum(abs(r["modelled"] - r["published"]) * 100 for r in shares) / len(shares)
    assert body["mode_share_error_pp"] == pytest.approx(pp, abs=1e-4)
    # README: Chengdu's international trains, "more than 12 billion U.S. dollars annually",
    # at the parameters' 7.1072 CNY/USD = 85.29 bn CNY
    trains = next(r for r in values if r["figure"] == "ceb_trade_boost")
    assert trains["published"] == pytest.approx(12e9 * 7.1072)


def test_with_an_api_key_the_page_opens_and_its_data_need_the_key(
    settings: Settings, service: Service
) -> None:
    keyed = settings.model_copy(update={"api_key": "s3cret"})
    with TestClient(create_app(keyed, service=service), raise_server_exceptions=False) as c:
        for path in ("/app/trade", "/app/static/trade.js"):
            assert c.get(path).status_code == 200, path
        for path in ("/v1/flows/validation", "/v1/indicators", "/maps/flows.png"):
            assert c.get(path).status_code == 401, path
