"""``/maps`` print layouts over HTTP: format by path, paper, orientation, dpi, labels."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from api.http.app import create_app
from api.service import Service
from api.settings import Settings
from corridors.engine import Engine
from maps.briefings import MapData

pytestmark = pytest.mark.build


@pytest.fixture(scope="module")
def client(
    engine: Engine, map_data: MapData, built_dir: Path, data_dir: Path
) -> Iterator[TestClient]:
    service = Service(engine, regions={}, cache_size=16, map_data=map_data)
    settings = Settings(data_dir=data_dir, build_dir=built_dir, cache_size=16)
    with TestClient(create_app(settings, service=service), raise_server_exceptions=False) as c:
        yield c


def test_route_pdf_and_svg(client: TestClient) -> None:
    params = {"origin": "Chengdu", "destination": "Duisburg", "alternatives": 2}
    pdf = client.get("/maps/route.pdf", params={**params, "paper": "A3"})
    assert pdf.status_code == 200, pdf.text[:300]
    assert pdf.headers["content-type"] == "application/pdf"
    box = re.search(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf.content)
    assert box is not None
    # A3 landscape: 420 x 297 mm = 1190.55 x 841.89 pt
    assert (float(box.group(1)), float(box.group(2))) == pytest.approx((1190.55, 841.89), abs=0.1)
    svg = client.get("/maps/route.svg", params={**params, "orientation": "portrait"})
    assert svg.status_code == 200
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert b'width="595.275591pt"' in svg.content  # A4 portrait: 210 mm


def test_regions_png_by_paper_and_dpi(client: TestClient) -> None:
    resp = client.get("/maps/regions.png", params={"dpi": 72, "labels": "en"})
    assert resp.status_code == 200
    with Image.open(io.BytesIO(resp.content)) as img:
        assert img.size == (842, 595)  # A4 landscape at 72 dpi
        assert img.info["dpi"] == pytest.approx((72, 72), abs=0.01)


def test_bad_print_options_are_problems(client: TestClient) -> None:
    for params in ({"paper": "A5"}, {"orientation": "up"}, {"dpi": 5}, {"labels": "fr"}):
        resp = client.get("/maps/corridors.pdf", params=params)
        assert resp.status_code == 422, params
        assert resp.headers["content-type"] == "application/problem+json"
    assert client.get("/maps/corridors.jpg").status_code in {404, 422}
