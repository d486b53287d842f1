"""Print layouts: formats and sizes, layout boxes, labels, scale, inset, legend = map, CVD, images.

Reference images (``tests/maps/reference/*.png``, 40 dpi, 128 colours) were looked at by eye
when made; regenerate them with
``SHUDAO_UPDATE_REFERENCE=1 pytest tests/maps/test_print.py -k reference``
after a deliberate change of the layout, and look at them again.
"""

from __future__ import annotations

import io
import itertools
import os
import re
import warnings
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from api.cli.maps import map_app
from corridors.accessibility import access_raster, county_summary
from corridors.engine import Engine
from gis.layers import read_layer
from maps.access_map import access_scene

with warnings.catch_warnings():
    # colorspacious 1.1.2 (2018) has an invalid escape in a docstring: a DeprecationWarning on
    # Python 3.11, a SyntaxWarning on 3.12+ (an error under the suite's filter) whenever its
    # source is compiled on import
    warnings.simplefilter("ignore", DeprecationWarning)
    warnings.simplefilter("ignore", SyntaxWarning)
    from colorspacious import cspace_convert
from maps.briefings import (
    GROUP_CORRIDORS,
    GROUP_MODES,
    GROUP_REGIONS,
    GROUP_ROUTES,
    MapData,
    corridors_scene,
    regions_scene,
    route_scene,
)
from maps.errors import MapOptionError
from maps.export import scene_html
from maps.layout import Box, OutputFormat, PrintOptions, output_format
from maps.palette import CHINA_LAND, CORRIDOR_COLOURS, ROUTE_COLOURS, displayed_colour, rgb01
from maps.scene import PlaceLabel, Scene, label_lines
from maps.static import draw_page, parallel_km_per_deg, print_map, save

pytestmark = pytest.mark.build
REFERENCE = Path(__file__).parent / "reference"
DATE = "2026-12-01"
SIMULATIONS = ("deuteranomaly", "protanomaly", "tritanomaly")
MIN_DELTA_E = 10.0  # CAM02-UCS; categories must stay this far apart under every simulation


@pytest.fixture(scope="module")
def route_result(engine: Engine) -> Any:
    return engine.route("成都", "Duisburg", alternatives=3)


@pytest.fixture(scope="module")
def scenes(
    engine: Engine, map_data: MapData, route_result: Any, built_dir: Path
) -> dict[str, Scene]:
    version = engine.params.version
    raster = access_raster(engine, "bonded_zone", build_dir=built_dir, res_deg=1 / 30)
    counties = read_layer(built_dir / "counties.parquet")
    return {
        "route": route_scene(data=map_data, result=route_result, network=engine.network),
        "regions": regions_scene(
            data=map_data, catalog=engine.catalog, network=engine.network,
            parameters_version=version,
        ),
        "corridors": corridors_scene(
            data=map_data, catalog=engine.catalog, network=engine.network,
            parameters_version=version,
        ),
        "access": access_scene(
            data=map_data, catalog=engine.catalog, raster=raster,
            summary=county_summary(raster, counties), counties=counties,
        ),
    }  # fmt: skip


LAYOUTS = {  # name -> (scene, paper, orientation)
    "route_a4_landscape": ("route", "A4", "landscape"),
    "regions_a3_landscape": ("regions", "A3", "landscape"),
    "corridors_a4_landscape": ("corridors", "A4", "landscape"),
    "access_a4_portrait": ("access", "A4", "portrait"),
    "route_a4_portrait": ("route", "A4", "portrait"),
}


@pytest.fixture(scope="module")
def pages(scenes: dict[str, Scene]) -> dict[str, Any]:
    """Every layout drawn once at 40 dpi: (figure, report, options)."""
    out = {}
    for name, (kind, paper, orient) in LAYOUTS.items():
        opts = PrintOptions(paper=paper, orientation=orient, dpi=40, date=DATE)
        fig, report = draw_page(scenes[kind], opts)
        out[name] = (fig, report, opts)
    return out


# ----------------------------------------------------------------------------- formats
def test_format_follows_the_suffix() -> None:
    assert output_format("a/b.HTML") is OutputFormat.HTML
    assert output_format("m.pdf") is OutputFormat.PDF
    assert output_format(Path("m.svg")) is OutputFormat.SVG
    with pytest.raises(MapOptionError, match=r"\.html, \.png, \.pdf or \.svg"):
        output_format("m.jpg")


def test_bad_print_options_are_reported_together() -> None:
    with pytest.raises(MapOptionError) as info:
        PrintOptions(paper="A5", orientation="sideways", dpi=5, labels="fr")
    text = str(info.value)
    for word in ("A5", "sideways", "dpi 5", "'fr'"):
        assert word in text


def test_png_at_300_dpi_is_a4_in_pixels_with_dpi_metadata(scenes: dict[str, Scene]) -> None:
    opts = PrintOptions(paper="A4", orientation="landscape", dpi=300, date=DATE)
    png = print_map(scenes["route"], opts)
    with Image.open(io.BytesIO(png)) as img:
        # ISO 216 A4 is 297 x 210 mm: 3508 x 2480 pixels at 300 dpi
        assert img.size == (3508, 2480)
        assert img.info["dpi"] == pytest.approx((300, 300), abs=0.01)


def test_pdf_and_svg_are_vector_pages_of_the_paper_size(scenes: dict[str, Scene]) -> None:
    opts = PrintOptions(paper="A3", orientation="portrait", fmt=OutputFormat.PDF, date=DATE)
    pdf = print_map(scenes["regions"], opts)
    assert pdf.startswith(b"%PDF")
    # A3 portrait is 297 x 420 mm = 841.89 x 1190.55 pt
    box = re.search(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert box is not None
    assert float(box.group(1)) == pytest.approx(841.89, abs=0.1)
    assert float(box.group(2)) == pytest.approx(1190.55, abs=0.1)
    assert b"/FontFile" in pdf  # text kept as text with an embedded font, not pixels
    svg = print_map(scenes["regions"], replace(opts, fmt=OutputFormat.SVG))
    root = ET.fromstring(svg)
    assert root.attrib["width"] == "841.889764pt"
    assert b"<image" not in svg  # no raster anywhere on the regions page
    assert len(re.findall(rb"<path ", svg)) > 500


# ----------------------------------------------------------------------------- layout
@pytest.mark.parametrize("name", list(LAYOUTS))
def test_boxes_and_labels_do_not_overlap(pages: dict[str, Any], name: str) -> None:
    _, report, _ = pages[name]
    parts = report.layout.parts()
    for (a, box_a), (b, box_b) in itertools.combinations(parts.items(), 2):
        assert not box_a.overlaps(box_b), (a, b, box_a, box_b)
    page = report.layout.page
    assert all(page.contains(b) for b in parts.values())
    assert report.layout.panel.contains(report.legend)
    if report.inset is not None:
        assert report.layout.panel.contains(report.inset)
        assert not report.inset.overlaps(report.layout.frame)
    frame = report.layout.frame
    for lab in report.labels:
        assert frame.contains(lab.box), lab
    for a, b in itertools.combinations(report.labels, 2):
        assert not a.box.overlaps(b.box), (a.lines, b.lines)


def test_route_page_names_endpoints_and_gateways(pages: dict[str, Any]) -> None:
    _, report, _ = pages["route_a4_landscape"]
    printed = {line for lab in report.labels for line in lab.lines}
    for name in ("Chengdu", "成都", "Duisburg", "杜伊斯堡", "Alashankou"):
        assert name in printed
    endpoints = [lab for lab in report.labels if lab.priority == 0]
    assert len(endpoints) == 2
    assert all(len(lab.lines) == 2 for lab in endpoints)  # zh above en, one stacked label
    assert not any("Duisburg" in d or d.split()[-1] == "Chengdu" for d in report.dropped)


def test_route_colours_outside_the_frame_only_in_the_legend(scenes: dict[str, Scene]) -> None:
    """Pixels of a route's colour: in the frame, or in the legend's swatches, nowhere else."""
    opts = PrintOptions(dpi=100, date=DATE)
    fig, report = draw_page(scenes["route"], opts)
    img = np.asarray(Image.open(io.BytesIO(save(fig, opts, title="t"))).convert("RGB"), dtype=int)
    h, w = img.shape[:2]
    px_mm = opts.dpi / 25.4
    rows, cols = np.mgrid[0:h, 0:w]
    x_mm, y_mm = (cols + 0.5) / px_mm, (h - rows - 0.5) / px_mm

    def within(box: Box) -> Any:
        return (x_mm >= box.x) & (x_mm <= box.x1) & (y_mm >= box.y) & (y_mm <= box.y1)

    allowed = within(report.layout.frame) | within(report.legend)
    drawn = 0
    for colour in ROUTE_COLOURS[:3]:
        target = np.array([round(c * 255) for c in rgb01(colour)])
        hit = np.abs(img - target).max(axis=2) <= 8
        drawn += int(hit[within(report.layout.frame)].sum() > 200)
        assert hit[within(report.legend)].sum() > 20, colour  # its legend swatch
        assert hit[~allowed].sum() == 0, colour
    assert drawn >= 2  # the rail and the sea route (the air route is a thin dotted line)


def test_every_prefecture_is_named_on_the_regions_page(pages: dict[str, Any]) -> None:
    _, report, _ = pages["regions_a3_landscape"]
    areas = [lab for lab in report.labels if lab.priority == 1]
    assert len(areas) == 21
    for name in ("成都", "Chengdu", "甘孜", "Garzê", "攀枝花", "Panzhihua"):
        assert any(name in lab.lines for lab in areas)


def test_label_languages() -> None:
    lab = PlaceLabel(6.76, 51.43, "杜伊斯堡", "Duisburg")
    assert label_lines(lab, "both") == ("杜伊斯堡", "Duisburg")
    assert label_lines(lab, "zh") == ("杜伊斯堡",)
    assert label_lines(lab, "en") == ("Duisburg",)
    with pytest.raises(MapOptionError):
        label_lines(lab, "de")


def test_english_labels_only(scenes: dict[str, Scene]) -> None:
    opts = PrintOptions(dpi=40, labels="en", date=DATE)
    _, report = draw_page(scenes["route"], opts)
    lines = [line for lab in report.labels for line in lab.lines]
    assert "Duisburg" in lines
    assert not any(re.search(r"[\u4e00-\u9fff]", line) for line in lines)


# ----------------------------------------------------------------------------- scale, inset
def test_parallel_length_on_wgs84() -> None:
    # one degree of longitude: 111.320 km at the equator, 55.800 km at 60° (WGS84 tables)
    assert parallel_km_per_deg(0.0) == pytest.approx(111.320, abs=0.001)
    assert parallel_km_per_deg(60.0) == pytest.approx(55.800, abs=0.001)


def test_scale_bar_on_sichuan_graticule_on_eurasia(pages: dict[str, Any]) -> None:
    _, regions, _ = pages["regions_a3_landscape"]
    assert regions.graticule_deg == 0.0
    m = re.search(r"1:([\d,]+) at ([\d.]+)°N", regions.scale_bar)
    assert m is not None
    # check the printed ratio: frame width in mm against the ground width along φ0
    west, south, east, north = regions.view
    lat0 = float(m.group(2))
    assert lat0 == pytest.approx((south + north) / 2, abs=0.06)
    ground_mm = (east - west) * parallel_km_per_deg(lat0) * 1e6
    ratio = ground_mm / regions.layout.frame.w
    assert int(m.group(1).replace(",", "")) == pytest.approx(ratio, rel=0.01)
    for name in ("corridors_a4_landscape", "route_a4_landscape"):
        _, report, _ = pages[name]
        assert report.scale_bar == ""
        assert report.graticule_deg > 0


def test_south_china_sea_inset_when_china_is_shown_but_the_islands_are_not(
    pages: dict[str, Any],
) -> None:
    assert pages["route_a4_landscape"][1].inset is not None  # Duisburg: the frame stops ~28°N
    assert pages["corridors_a4_landscape"][1].inset is None  # the islands are in the frame
    assert pages["regions_a3_landscape"][1].inset is None  # Sichuan only


# ----------------------------------------------------------------------------- styles
def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    keys = ("color", "linewidth", "linestyle", "marker", "markersize", "markerfacecolor",
            "markeredgecolor", "facecolor", "edgecolor")  # fmt: skip
    same = all(a.get(k) == b.get(k) for k in keys)
    return same and len(a.get("path_effects", [])) == len(b.get("path_effects", []))


def test_legend_swatches_are_drawn_like_the_map(pages: dict[str, Any]) -> None:
    for name in ("corridors_a4_landscape", "regions_a3_landscape"):
        _, report, _ = pages[name]
        by_layer: dict[str, list[dict[str, Any]]] = {}
        for layer, kw in report.map_artists:
            by_layer.setdefault(layer, []).append(kw)
        checked = 0
        for entry, kw in report.legend_artists:
            drawn = by_layer.get(entry.label) or by_layer.get(entry.label.split(" (")[0])
            if drawn is None:
                continue
            assert any(_same(kw, d) for d in drawn), (name, entry.label, kw, drawn)
            checked += 1
        assert checked >= 10, name
    # route: every leg has a mode row with its width and dash, and a route swatch of its colour
    _, report, _ = pages["route_a4_landscape"]
    modes = [kw for e, kw in report.legend_artists if e.group == GROUP_MODES]
    swatches = {kw["facecolor"][:3] for e, kw in report.legend_artists if e.group == GROUP_ROUTES}
    legs = [kw for layer, kw in report.map_artists if layer.startswith("#")]
    assert legs
    for kw in legs:
        assert any(kw["linewidth"] == m["linewidth"] and kw["linestyle"] == m["linestyle"]
                   for m in modes), kw  # fmt: skip
        assert tuple(rgb01(kw["color"])) in {tuple(round(c, 6) for c in s) for s in swatches} or (
            any(np.allclose(rgb01(kw["color"]), s) for s in swatches)
        )


def test_html_legend_dashes_match_the_map_lines(scenes: dict[str, Scene]) -> None:
    html = scene_html(scenes["corridors"])
    for entry in scenes["corridors"].legend:
        if entry.group == GROUP_CORRIDORS and entry.style.dash:
            assert f'stroke-dasharray=\\"{entry.style.dash}\\"' in html, entry.label
            assert f'"dashArray": "{entry.style.dash}"' in html, entry.label


# ----------------------------------------------------------------------------- colour vision
def _min_delta_e(colours: list[tuple[float, float, float]], sim: str | None) -> float:
    rgb = np.clip(np.array(colours), 0, 1)
    if sim is not None:
        cvd = {"name": "sRGB1+CVD", "cvd_type": sim, "severity": 100}
        rgb = np.clip(cspace_convert(rgb, cvd, "sRGB1"), 0, 1)
    jab = cspace_convert(rgb, "sRGB1", "CAM02-UCS")
    return min(float(np.linalg.norm(a - b)) for a, b in itertools.combinations(jab, 2))


def _categories(scene: Scene, group: str) -> list[tuple[float, float, float]]:
    out = []
    for entry in scene.legend:
        if entry.group != group:
            continue
        st = entry.style
        if entry.shape == "polygon" and st.fill_color:
            out.append(displayed_colour(st.fill_color, st.fill_opacity, CHINA_LAND))
        else:
            out.append(rgb01(st.color))
    return out


def test_categories_stay_apart_under_colour_vision_deficiency(
    scenes: dict[str, Scene], capsys: pytest.CaptureFixture[str]
) -> None:
    cases = {
        "regions (fills as printed)": _categories(scenes["regions"], GROUP_REGIONS),
        "corridors on the corridors map": _categories(scenes["corridors"], GROUP_CORRIDORS),
        "routes on the Duisburg map": _categories(scenes["route"], GROUP_ROUTES),
        "all 9 corridor colours": [rgb01(c) for c in CORRIDOR_COLOURS.values()],
        "all 9 route colours": [rgb01(c) for c in ROUTE_COLOURS],
    }
    figures = {}
    for name, colours in cases.items():
        assert len(colours) >= 3, name
        figures[name] = {s or "normal": _min_delta_e(colours, s) for s in (None, *SIMULATIONS)}
    with capsys.disabled():
        print("\nminimum ΔE (CAM02-UCS) between categories, severity 100:")
        for name, row in figures.items():
            print(f"  {name:32s} " + "  ".join(f"{k} {v:5.1f}" for k, v in row.items()))
    for name, row in figures.items():
        for sim, value in row.items():
            assert value >= MIN_DELTA_E, (name, sim, value)


def test_the_cvd_check_fails_the_old_palette() -> None:
    """The check can fail: the old routes #1 red and #3 green merge for a deuteranope."""
    old = [rgb01("#d7191c"), rgb01("#2c7bb6"), rgb01("#1a9641")]
    assert _min_delta_e(old, None) > 30
    assert _min_delta_e(old, "deuteranomaly") < MIN_DELTA_E


# ----------------------------------------------------------------------------- images
@pytest.mark.parametrize("name", list(LAYOUTS))
def test_layout_matches_its_reference_image(pages: dict[str, Any], name: str) -> None:
    fig, _, opts = pages[name]
    png = save(fig, opts, title=name)
    ref = REFERENCE / f"{name}.png"
    if os.environ.get("SHUDAO_UPDATE_REFERENCE"):
        REFERENCE.mkdir(exist_ok=True)
        # 128 colours keep the five references under 200 KB in all
        Image.open(io.BytesIO(png)).convert("RGB").quantize(128).save(ref, optimize=True)
    got = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=float)
    want = np.asarray(Image.open(ref).convert("RGB"), dtype=float)
    assert got.shape == want.shape
    diff = np.abs(got - want).max(axis=2)
    # measured on the route page: the reference's own 128-colour quantisation leaves a mean of
    # 0.76 and 0.08 % of pixels off by > 96; English-only labels give 1.59 and 0.27 %; dropping
    # the table (everything moves) 10.4 and 1.5 %
    assert diff.mean() < 1.5, diff.mean()
    assert (diff > 96).mean() < 0.002, (diff > 96).mean()


# ----------------------------------------------------------------------------- CLI
def test_cli_writes_each_format_from_the_suffix(
    tmp_path: Path, built_dir: Path, data_dir: Path
) -> None:
    env = {"SHUDAO_BUILD_DIR": str(built_dir), "SHUDAO_DATA_DIR": str(data_dir)}
    runner = CliRunner()
    pdf = tmp_path / "r.pdf"
    png = tmp_path / "r.png"
    args = ["corridors", "--out", str(pdf), "--paper", "A3", "--orientation", "portrait"]
    res = runner.invoke(map_app, [*args, "--png", str(png), "--dpi", "72"], env=env)
    assert res.exit_code == 0, res.output
    assert pdf.read_bytes().startswith(b"%PDF")
    with Image.open(png) as img:
        assert img.size == (842, 1191)  # A3 portrait at 72 dpi: 297 x 420 mm
    res = runner.invoke(map_app, ["regions", "--out", str(tmp_path / "r.jpg")], env=env)
    assert res.exit_code == 64
    assert ".svg" in res.output
