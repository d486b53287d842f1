"""The accessibility map: raster overlay, colour bar, county choropleth, offline HTML, PNG, CLI."""

from __future__ import annotations

import base64
import io
import json
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from typer.testing import CliRunner

from api.cli.maps import map_app
from corridors.accessibility import AccessRaster, access_raster, county_summary
from corridors.engine import Engine
from gis.layers import read_layer
from maps.access_map import access_scene, colour_hours, hour_scale
from maps.briefings import MapData
from maps.chromium import find_chromium, render_in_chromium
from maps.export import scene_html
from maps.scene import Scene
from maps.static import static_png

CHROMIUM = find_chromium()
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium not on PATH (apt-get install chromium fonts-noto-cjk)"
)
# 2-arc-minute cells keep the tests fast (the product is 30 arc-seconds).
RES_DEG = 1 / 30
EVIL = "<script>alert(1)</script>"
MAGMA_R_LOW = (0xFC, 0xFD, 0xBF)  # magma_r at 0: the colour of the fastest cells


@pytest.fixture(scope="module")
def counties(built_dir: Path) -> object:
    return read_layer(built_dir / "counties.parquet")


@pytest.fixture(scope="module")
def raster(engine: Engine, built_dir: Path) -> AccessRaster:
    return access_raster(engine, "river_port", build_dir=built_dir, res_deg=RES_DEG)


@pytest.fixture(scope="module")
def summary(raster: AccessRaster, counties: object) -> pd.DataFrame:
    return county_summary(raster, counties)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def scene(
    engine: Engine, map_data: MapData, raster: AccessRaster, summary: pd.DataFrame, counties: object
) -> Scene:
    return access_scene(
        data=map_data, catalog=engine.catalog, raster=raster, summary=summary, counties=counties
    )  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def html(scene: Scene) -> str:
    return scene_html(scene)


def _decoded(text: str) -> str:
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        del tag
        self.refs += [v or "" for k, v in attrs if k in {"src", "href", "srcset", "poster"}]


def _overlay_png(html: str) -> Image.Image:
    found = re.findall(r'L\.imageOverlay\("data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(found) == 1
    return Image.open(io.BytesIO(base64.b64decode(found[0])))


def _collections(html: str) -> dict[str, dict[str, object]]:
    out = {}
    for text in re.findall(r"^\s*var data = (\{.*\});$", html, flags=re.M):
        fc = json.loads(text)
        out[fc["name"]] = fc
    return out


def test_html_is_offline(html: str) -> None:
    parser = _Refs()
    parser.feed(html)
    assert parser.refs
    assert all(r.startswith("data:") for r in parser.refs), [r[:60] for r in parser.refs]
    assert not re.search(r"(src|href)\s*=\s*['\"]?https?:", html)
    assert not re.search(r"url\(\s*['\"]?https?:", html)


def test_overlay_is_the_raster_as_a_data_uri_png(html: str, raster: AccessRaster) -> None:
    img = _overlay_png(html)
    assert img.mode == "RGBA"
    assert img.size == (raster.grid.width, raster.grid.height)
    rgba = np.asarray(img)
    # transparent outside the province, opaque inside: the shares agree to within 2 points
    finite = float(np.isfinite(raster.hours).mean())
    opaque = float((rgba[..., 3] == 255).mean())
    assert 0.3 < finite < 0.9
    assert abs(opaque - finite) < 0.02
    # the cell of Yibin's river port (0 h) has the low end of the scale, at its Web-Mercator row
    hub = next(h for h in raster.hubs if h.id == "yibin_port")
    west, south, east, north = raster.grid.bounds

    def merc(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    row = int((merc(north) - merc(hub.lat)) / (merc(north) - merc(south)) * img.size[1])
    col = int((hub.lon - west) / (east - west) * img.size[0])
    cell = raster.grid.cell_of(hub.lon, hub.lat)
    assert cell is not None
    assert raster.hours[cell] == 0.0
    assert tuple(int(c) for c in rgba[row, col, :3]) == MAGMA_R_LOW


def test_legend_range_is_the_rasters_min_and_max(html: str, raster: AccessRaster) -> None:
    vmin = float(re.findall(r'data-vmin=\\?"([0-9.]+)', html)[0])
    vmax = float(re.findall(r'data-vmax=\\?"([0-9.]+)', html)[0])
    assert vmin == pytest.approx(float(np.nanmin(raster.hours)), abs=1e-6)
    assert vmax == pytest.approx(float(np.nanmax(raster.hours)), abs=1e-6)
    assert vmin == 0.0  # river ports lie inside Sichuan
    assert 10.0 < vmax < 100.0
    text = _decoded(html)
    assert f"<span>{vmax:,.1f}</span>" in text  # the right-hand tick label
    assert "linear-gradient(to right, #fcfdbf 0.00%" in text


def test_choropleth_has_every_county_with_figures(
    html: str, summary: pd.DataFrame, raster: AccessRaster
) -> None:
    layers = _collections(html)
    name = next(n for n in layers if "County mean hours" in n)
    feats = layers[name]["features"]
    assert isinstance(feats, list)
    assert len(feats) == 183 == len(summary)
    tips = [_decoded(f["properties"]["t"]) for f in feats]
    row = summary.loc[summary["name_zh"] == "翠屏区"].iloc[0]  # Yibin's central district
    assert f"翠屏区 — mean {row.mean_h:.2f} h, max {row.max_h:.2f} h" in tips
    assert row.mean_h < 1.0  # the Yibin river port lies in it
    # the fastest and slowest counties by mean: light and dark fills
    fills = {
        _decoded(f["properties"]["t"]).split(" — ")[0]: f["properties"]["s"]["fillColor"]
        for f in feats
    }
    ok = summary.dropna(subset=["mean_h"])
    lo, hi = ok.loc[ok["mean_h"].idxmin()], ok.loc[ok["mean_h"].idxmax()]
    lum = {k: sum(int(fills[k][i : i + 2], 16) for i in (1, 3, 5)) for k in fills}
    assert lum[lo.name_zh] > lum[hi.name_zh] + 200
    # a fill is the scale's colour of the county mean: magma_r at (mean - min) / (max - min)
    vmin, vmax = float(np.nanmin(raster.hours)), float(np.nanmax(raster.hours))
    assert vmin <= lo.mean_h < hi.mean_h <= vmax
    scale = hour_scale(raster.hours, label="h")
    want = colour_hours(np.array([hi.mean_h]), scale)[0]
    assert fills[hi.name_zh] == "#{:02x}{:02x}{:02x}".format(*(int(c) for c in want[:3]))
    layers_hubs = [n for n in layers if "River port" in n]
    assert len(layers[layers_hubs[0]]["features"]) == len(raster.hubs)  # type: ignore[arg-type]


def test_county_names_are_escaped(
    engine: Engine, map_data: MapData, raster: AccessRaster, summary: pd.DataFrame, counties: object
) -> None:
    evil = summary.copy()
    evil.loc[0, "name_zh"] = EVIL
    raw = scene_html(
        access_scene(
            data=map_data, catalog=engine.catalog, raster=raster, summary=evil, counties=counties
        )  # type: ignore[arg-type]
    )
    assert EVIL not in raw
    assert EVIL not in _decoded(raw)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in _decoded(raw)


def test_colour_hours_ends_and_nodata() -> None:
    hours = np.array([[0.0, 5.0], [10.0, np.nan]])
    scale = hour_scale(hours, label="h")
    assert (scale.vmin, scale.vmax) == (0.0, 10.0)
    assert scale.stops[0] == (0.0, "#fcfdbf")
    assert scale.stops[-1] == (10.0, "#000004")
    rgba = colour_hours(hours, scale)
    assert tuple(rgba[0, 0]) == (*MAGMA_R_LOW, 255)
    assert tuple(rgba[1, 0, :3]) == (0, 0, 4)
    assert rgba[1, 1, 3] == 0


def _overlay_share(png: bytes) -> float:
    """Share of pixels in the raster's colours (red well above green: orange, pink, purple)."""
    px = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=int)
    return float(((px[..., 0] - px[..., 1]) > 40).mean())


@needs_chromium
def test_renders_in_chromium_without_js_errors(html: str) -> None:
    render = render_in_chromium(html, width_px=900, height_px=650)
    assert render.errors == ()
    assert Image.open(io.BytesIO(render.png)).size == (900, 650)
    assert _overlay_share(render.png) > 0.10


def test_static_png_has_requested_size_and_shows_the_raster(scene: Scene) -> None:
    png = static_png(scene, width_px=640, height_px=480)
    assert Image.open(io.BytesIO(png)).size == (640, 480)
    assert _overlay_share(png) > 0.10


@pytest.mark.usefixtures("reuse_engine")  # the session's engine: no second load
def test_cli_map_access(
    tmp_path: Path,
    built_dir: Path,
    data_dir: Path,
) -> None:
    env = {"SHUDAO_BUILD_DIR": str(built_dir), "SHUDAO_DATA_DIR": str(data_dir)}
    out, png = tmp_path / "a.html", tmp_path / "a.png"
    args = ["access", "--to", "bonded_zone", "--out", str(out), "--png", str(png)]
    args += ["--width", "500", "--height", "300", "--res-arcsec", "240"]
    res = CliRunner().invoke(map_app, args, env=env)
    assert res.exit_code == 0, res.output
    text = out.read_text("utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert "data:image/png;base64," in text
    assert "Comprehensive bonded zone" in text
    with Image.open(png) as img:
        assert img.size == (500, 300)
    res = CliRunner().invoke(map_app, ["access", "--to", "seaport", "--out", str(out)], env=env)
    assert res.exit_code == 64
