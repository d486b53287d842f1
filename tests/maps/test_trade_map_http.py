"""``/maps/flows.*`` and ``shudao map flows``: widths and circles against ``/v1/flows``, formats.

The widths are checked against the API's own grouping, not the map code's arithmetic: the lines
of one border crossing, summed, are as wide as ``/v1/flows?by=border`` says that border carries
(one constant of proportion for every border), and each gateway's circle area follows
``/v1/flows?by=gateway``. The first request routes the 315 (seat, gateway) pairs (~7 s).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.cli.maps import map_app
from api.http.app import create_app
from api.service import Service
from api.settings import Settings
from corridors.engine import Engine
from maps.briefings import MapData
from maps.trade_map import MAX_NODE_PX, MIN_WIDTH_PX

pytestmark = pytest.mark.build
BORDER = re.compile(r"口岸 Border</th><td>([^<]*)</td>")


@pytest.fixture(scope="module")
def client(
    engine: Engine, map_data: MapData, built_dir: Path, data_dir: Path
) -> Iterator[TestClient]:
    service = Service(engine, regions={}, cache_size=16, map_data=map_data)
    settings = Settings(data_dir=data_dir, build_dir=built_dir, cache_size=16)
    with TestClient(create_app(settings, service=service), raise_server_exceptions=False) as c:
        yield c


def collections(page: str) -> dict[str, dict[str, Any]]:
    """The GeoJSON layers embedded in a Leaflet page, by layer name."""
    dec = json.JSONDecoder()
    out = {}
    for m in re.finditer(r'\{"features": ', page):
        obj, _ = dec.raw_decode(page, m.start())
        out[html.unescape(obj.get("name", ""))] = obj
    return out


def border_widths(page: str) -> dict[str, list[float]]:
    """Line widths (px) of the flow lines of each border crossing, read from the popups."""
    out: dict[str, list[float]] = {}
    for name, fc in collections(page).items():
        if name == "basemap" or "∝" in name:
            continue
        for f in fc["features"]:
            border = BORDER.search(html.unescape(f["properties"]["p"]))
            assert border is not None, name
            out.setdefault(border.group(1), []).append(f["properties"]["s"]["weight"])
    return out


@pytest.mark.parametrize("measure", ["value", "tonnes"])
def test_line_widths_are_proportional_to_v1_flows_by_border(
    client: TestClient, measure: str
) -> None:
    flows = client.get("/v1/flows", params={"by": "border"})
    assert flows.status_code == 200, flows.text
    field = "value_cny" if measure == "value" else "tonnes"
    total = sum(r[field] for r in flows.json()["rows"])
    carried = {r["key"]: r[field] for r in flows.json()["rows"] if r[field] > 0.01 * total}
    page = client.get("/maps/flows.html", params={"measure": measure})
    assert page.status_code == 200, page.text[:300]
    widths = border_widths(page.text)
    ratios = {
        b: sum(widths[b]) / v
        for b, v in carried.items()
        if b in widths and min(widths[b]) > MIN_WIDTH_PX  # none drawn at the minimum width
    }
    assert len(ratios) >= 4, (ratios, sorted(widths))
    first = next(iter(ratios.values()))
    for border, ratio in ratios.items():
        assert ratio == pytest.approx(first, rel=2e-3), border


def test_gateway_areas_are_proportional_to_v1_flows_by_gateway(client: TestClient) -> None:
    rows = client.get("/v1/flows", params={"by": "gateway"}).json()["rows"]
    page = client.get("/maps/flows.html").text
    points = next(fc for name, fc in collections(page).items() if name.startswith("出入境口岸"))
    size = {}
    for f in points["features"]:
        tooltip = html.unescape(f["properties"]["t"])
        size[tooltip.rsplit(":", 1)[0]] = f["properties"]["isz"][0]
    checked = 0
    top = None
    for r in rows[:6]:
        place = client.get(f"/v1/places/{r['key']}")
        if place.status_code != 200:
            continue  # a road crossing the catalog does not name has no circle
        p = place.json()["properties"]
        diameter = size[f"{p['name_zh']} {p['name_en']}"]
        if top is None:  # the largest gateway is drawn at the largest size
            top = r["value_cny"]
            assert diameter == pytest.approx(MAX_NODE_PX)
        assert (diameter / MAX_NODE_PX) ** 2 == pytest.approx(r["value_cny"] / top, rel=1e-6)
        checked += 1
    assert checked >= 4


def test_print_formats_and_options(client: TestClient) -> None:
    pdf = client.get("/maps/flows.pdf", params={"paper": "A3"})
    assert pdf.status_code == 200, pdf.text[:300]
    assert pdf.headers["content-type"] == "application/pdf"
    box = re.search(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf.content)
    assert box is not None
    # A3 landscape: 420 x 297 mm = 1190.55 x 841.89 pt
    assert float(box.group(1)) == pytest.approx(1190.55, abs=0.5)
    assert float(box.group(2)) == pytest.approx(841.89, abs=0.5)
    png = client.get("/maps/flows.png", params={"dpi": 40, "measure": "tonnes"})
    assert png.headers["content-type"] == "image/png"
    # A4 landscape at 40 dpi: 297 / 25.4 x 40 = 467.7 -> 468 px, 210 / 25.4 x 40 = 330.7 -> 331
    assert png.content[16:24] == (468).to_bytes(4, "big") + (331).to_bytes(4, "big")
    again = client.get("/maps/flows.png", params={"dpi": 40, "measure": "tonnes"})
    assert again.content == png.content  # the cached answer
    svg = client.get("/maps/flows.svg", params={"orientation": "portrait"})
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert b'width="595.275591pt"' in svg.content  # A4 portrait: 210 mm


def test_scenarios_are_named_and_unknown_ones_are_problems(client: TestClient) -> None:
    res = client.get("/maps/flows.png", params={"scenario": "red-sea-closd"})
    assert res.status_code == 404
    assert res.headers["content-type"].startswith("application/problem+json")
    assert "red-sea-closed" in res.json()["suggestions"]
    res = client.get(
        "/maps/flows.html", params={"scenario": "00000000-0000-0000-0000-000000000000"}
    )
    assert res.status_code == 404
    assert res.headers["content-type"].startswith("application/problem+json")
    res = client.get("/maps/flows.svg", params={"measure": "weight"})
    assert res.status_code == 422
    assert res.headers["content-type"].startswith("application/problem+json")
    page = client.get("/maps/flows.html", params={"scenario": "kazakhstan-border-closed"})
    assert page.status_code == 200, page.text[:300]
    # the legend's subtitle names the shipped scenario (JSON-escaped in the page's script)
    assert "Scenario: Kazakhstan border closed (Alashankou and Khorgos)" in page.text
    # with both Kazakh crossings closed no line crosses at Alashankou or Khorgos
    assert not any(b.startswith(("alashankou", "khorgos")) for b in border_widths(page.text))


@pytest.mark.usefixtures("reuse_engine")
def test_cli_map_flows(tmp_path: Path) -> None:
    runner = CliRunner()
    bad = runner.invoke(map_app, ["flows", "--out", str(tmp_path / "f.svg"), "--by", "weight"])
    assert bad.exit_code == 64, bad.output
    out = tmp_path / "flows.png"
    res = runner.invoke(
        map_app, ["flows", "--out", str(out), "--by", "tonnes", "--dpi", "40", "--paper", "A3"]
    )
    assert res.exit_code == 0, res.output
    # A3 landscape at 40 dpi: 420 / 25.4 x 40 = 661.4 -> 661 px, 297 / 25.4 x 40 = 467.7 -> 468
    assert out.read_bytes()[16:24] == (661).to_bytes(4, "big") + (468).to_bytes(4, "big")
    # shudao flows --map draws the same map through the same writer (A4 landscape, 150 dpi)
    from api.cli import app  # noqa: PLC0415

    svg = tmp_path / "flows.svg"
    res = runner.invoke(app, ["flows", "--by", "border", "--map", str(svg), "--json"])
    assert res.exit_code == 0, res.output
    assert b'width="841.889764pt"' in svg.read_bytes()  # A4 landscape: 297 mm


def escaped(text: str) -> str:
    """*text* as the page's script holds it (JSON with non-ASCII escaped)."""
    return json.dumps(text)[1:-1]


LAOS = {
    "title": "China–Laos through train 14 a week",
    "title_zh": "中老铁路国际货运列车每周14列",
    "changes": {
        "services": {
            "cl_rail_chengdu_vientiane": {"frequency_per_week": 14, "assumption": "test: two a day"}
        }
    },
}


def test_a_stored_scenario_is_drawn_by_id_and_version_never_stale(
    engine: Engine, map_data: MapData, built_dir: Path, data_dir: Path, tmp_path: Path
) -> None:
    service = Service(engine, regions={}, cache_size=16, map_data=map_data)
    settings = Settings(
        data_dir=data_dir, build_dir=built_dir, cache_size=16, state_dir=tmp_path / "state"
    )
    app = create_app(settings, service=service)
    with TestClient(app, raise_server_exceptions=False) as c:
        made = c.post("/v1/scenarios", json=LAOS)
        assert made.status_code == 201, made.text
        sid = made.json()["id"]
        v1 = c.get("/maps/flows.html", params={"scenario": sid})
        assert v1.status_code == 200, v1.text[:300]
        assert escaped("Scenario: China–Laos through train 14 a week (v1, ") in v1.text
        renamed = {**LAOS, "title": "China–Laos trains twice a day"}
        put = c.put(f"/v1/scenarios/{sid}", json=renamed, headers={"If-Match": '"v1"'})
        assert put.status_code == 200, put.text
        v2 = c.get("/maps/flows.html", params={"scenario": sid})
        assert escaped("Scenario: China–Laos trains twice a day (v2, ") in v2.text
        assert "(v1, " not in v2.text
    store = getattr(app.state, "scenario_store", None)
    if store is not None:
        store.dispose()
