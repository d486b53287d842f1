"""The map of a scenario's accessibility difference: its diverging scale and what it shows.

Independent figures: the ColorBrewer PuOr colours are checked under simulated colour-vision
deficiency with ``colorspacious`` (Machado et al. 2009, severity 100); the county means of the
delta raster are recomputed here from the cell centres (shapely ``contains_xy``), not taken
from :meth:`AccessComparison.county_delta`; the sign of a fill is read from its colour (the
purple half of PuOr has more blue than red, the orange half more red than blue, the middle is
grey-white), not from the scale's code.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from fastapi.testclient import TestClient

from corridors.engine import Engine
from corridors.request import parse_request
from corridors.scenario_compare import AccessComparison, compare_access
from corridors.scenarios import apply_scenario, parse_scenario
from gis.layers import read_layer
from maps.briefings import GROUP_ROUTES, MapData
from maps.layout import PrintOptions
from maps.palette import (
    BASELINE_ROUTE_COLOUR,
    DELTA_NEUTRAL,
    DIVERGING_DELTA,
    SCENARIO_ROUTE_COLOUR,
    rgb01,
)
from maps.scenario_map import access_diff_scene, colour_delta, delta_scale, route_diff_scene
from maps.scene import Scene
from maps.static import print_map

RES_DEG = 1 / 15  # 4-arc-minute cells: a few hundred per county, fast enough for a test
CLOSE_MIANYANG = {
    "title": "Mianyang bonded zone closed",
    "description": "test: the bonded zone of Mianyang closed",
    "changes": {"close": ["cbz_mianyang"]},
}
PROBLEM = "application/problem+json"


# ----------------------------------------------------------------------------- the scale
def _cvd_lab(colour: str, kind: str) -> Any:
    import colorspacious  # noqa: PLC0415

    rgb = np.array(rgb01(colour))
    if kind != "normal":
        space = {"name": "sRGB1+CVD", "cvd_type": kind, "severity": 100}
        rgb = np.clip(colorspacious.cspace_convert(rgb, space, "sRGB1"), 0, 1)
    return colorspacious.cspace_convert(rgb, "sRGB1", "CAM02-UCS")


@pytest.mark.parametrize("kind", ["normal", "deuteranomaly", "protanomaly", "tritanomaly"])
def test_the_two_ends_stay_apart_and_off_white_under_colour_blindness(kind: str) -> None:
    lo, mid, hi = DIVERGING_DELTA[0], DELTA_NEUTRAL, DIVERGING_DELTA[-1]
    a, m, b = (_cvd_lab(c, kind) for c in (lo, mid, hi))
    # CAM02-UCS distances; 20 is far beyond a just-noticeable difference (about 1-2)
    assert float(np.linalg.norm(a - b)) > 20
    assert float(np.linalg.norm(a - m)) > 40
    assert float(np.linalg.norm(b - m)) > 40
    # the light steps next to white are still told from it and from each other
    near_lo, near_hi = DIVERGING_DELTA[4], DIVERGING_DELTA[6]
    p, q = _cvd_lab(near_lo, kind), _cvd_lab(near_hi, kind)
    assert float(np.linalg.norm(p - q)) > 5


def test_scale_is_symmetric_and_zero_is_the_neutral_colour() -> None:
    scale = delta_scale(np.array([-0.3, 2.2, np.nan]), label="Δ")
    assert (scale.vmin, scale.vmax) == (-2.5, 2.5)  # 2.2 rounded up to the next half hour
    assert scale.stops[5] == (0.0, DELTA_NEUTRAL.lower())
    rgba = colour_delta(np.array([0.0, 2.5, -2.5, 9.0, np.nan]), scale)
    assert "#{:02x}{:02x}{:02x}".format(*rgba[0][:3]) == "#f7f7f7"
    assert "#{:02x}{:02x}{:02x}".format(*rgba[1][:3]) == "#7f3b08"  # farther: dark orange
    assert "#{:02x}{:02x}{:02x}".format(*rgba[2][:3]) == "#2d004b"  # closer: dark purple
    assert (rgba[3] == rgba[1]).all()  # beyond the end: the end colour
    assert rgba[4][3] == 0
    # 0.2 h is 0.4 of the way from 0 (#f7f7f7) to the next stop at 0.5 h (#fee0b6), by hand:
    # 247 + 0.4 x 7 = 249.8, 247 - 0.4 x 23 = 237.8, 247 - 0.4 x 65 = 221
    part = colour_delta(np.array([0.2]), scale)[0]
    assert part[:3].tolist() == [250, 238, 221]
    assert delta_scale(np.array([0.0, 0.0]), label="Δ").vmax == 0.5  # nothing changes: ±0.5 h


# ----------------------------------------------------------------------------- the map
def _comparison(engine: Engine, built_dir: Path, doc: dict[str, Any]) -> AccessComparison:
    scen = apply_scenario(engine, parse_scenario(doc, engine=engine))
    return compare_access(
        engine, scen, "bonded_zone", build_dir=built_dir, res_deg=RES_DEG, use_dem=False
    )


def _county_fills(scene: Scene) -> dict[str, str]:
    layer = next(lyr for lyr in scene.layers if lyr.name.startswith("区县平均通行时间变化"))
    return {dict(f.popup)["Adcode"]: str(f.style.fill_color) for f in layer.features}


def _independent_means(cmp: AccessComparison, counties: Any) -> dict[str, float]:
    grid = cmp.baseline.grid
    lon = grid.west + (np.arange(grid.width) + 0.5) * grid.res_deg
    lat = grid.north - (np.arange(grid.height) + 0.5) * grid.res_deg
    xx, yy = np.meshgrid(lon, lat)
    delta = cmp.scenario_raster.hours.astype(np.float64) - cmp.baseline.hours
    out = {}
    for adcode, geom in zip(counties["adcode"].astype(str), counties.geometry, strict=True):
        inside = shapely.contains_xy(geom, xx, yy) & np.isfinite(delta)
        out[adcode] = float(delta[inside].mean()) if inside.any() else float("nan")
    return out


def _side(fill: str) -> int:
    """1 on the orange (farther) half, -1 on the purple (closer) half, 0 grey-white."""
    r, _, b = (round(c * 255) for c in rgb01(fill))
    return (r > b) - (r < b)


@pytest.fixture(scope="module")
def counties(built_dir: Path) -> Any:
    return read_layer(built_dir / "counties.parquet")


def test_a_scenario_that_changes_nothing_is_all_neutral(
    engine: Engine, built_dir: Path, map_data: MapData, counties: Any
) -> None:
    cmp = _comparison(engine, built_dir, {"title": "nothing", "changes": {}})
    table = cmp.county_delta(counties)
    scene = access_diff_scene(
        data=map_data,
        catalog=engine.catalog,
        comparison=cmp,
        county_delta=table,
        counties=counties,
    )
    fills = _county_fills(scene)
    assert len(fills) == 183
    with_cells = set(table.loc[table["cells"] > 0, "adcode"].astype(str))
    assert with_cells  # most counties hold cell centres at 4'
    assert {fills[a] for a in with_cells} == {DELTA_NEUTRAL.lower()}
    assert scene.scale is not None
    assert (scene.scale.vmin, scene.scale.vmax) == (-0.5, 0.5)


def test_a_closure_lengthens_trips_where_the_county_means_say_so(
    engine: Engine, built_dir: Path, map_data: MapData, counties: Any, tmp_path: Path
) -> None:
    cmp = _comparison(engine, built_dir, CLOSE_MIANYANG)
    table = cmp.county_delta(counties)
    scene = access_diff_scene(
        data=map_data,
        catalog=engine.catalog,
        comparison=cmp,
        county_delta=table,
        counties=counties,
    )
    fills = _county_fills(scene)
    mine = _independent_means(cmp, counties)
    by_code = {
        str(a): float(d) for a, d in zip(table["adcode"], table["delta_mean_h"], strict=True)
    }
    checked = grown = 0
    for adcode, fill in fills.items():
        m = mine[adcode]
        if not np.isfinite(m):
            continue
        assert by_code[adcode] == pytest.approx(m, abs=1e-5), adcode
        assert m > -1e-6, adcode  # closing a hub never brings anyone closer
        # a change of a few minutes may round to the neutral colour in 8 bits; 3 minutes not
        if m > 0.05:
            assert _side(fill) == 1, (adcode, m, fill)
        elif m < 1e-6:
            assert _side(fill) == 0, (adcode, m, fill)
        else:
            assert _side(fill) in {0, 1}, (adcode, m, fill)
        grown += m > 0.05
        checked += 1
    assert checked > 150
    assert grown > 10  # Mianyang, Guangyuan, Bazhong, Nanchong... now go farther
    # Mianyang's Fucheng district (510703) lost the bonded zone next door; Chengdu's Jinjiang
    # (510104) keeps its own
    assert mine["510703"] > 0.5
    assert mine["510104"] == pytest.approx(0.0, abs=1e-6)
    assert _side(fills["510703"]) == 1
    assert _side(fills["510104"]) == 0
    # the title names the scenario, its fingerprint and the baseline parameters version
    ref = cmp.scenario
    assert ref is not None
    assert ref.title in scene.title
    assert ref.fingerprint[:12] in scene.subtitle
    assert cmp.baseline.parameters_version in scene.subtitle
    closed = next(lyr for lyr in scene.layers if lyr.name.startswith("情景关闭"))
    assert len(closed.features) == 1
    png = print_map(scene, PrintOptions(dpi=60, scenario=f"情景 Scenario: {ref.title}"))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    (tmp_path / "diff.png").write_bytes(png)


# ----------------------------------------------------------------------------- HTTP
@pytest.fixture
def sclient(
    built_dir: Path, data_dir: Path, engine: Engine, tmp_path: Path
) -> Iterator[TestClient]:
    from api.http.app import create_app  # noqa: PLC0415
    from api.service import Service  # noqa: PLC0415
    from api.settings import Settings  # noqa: PLC0415

    settings = Settings(
        data_dir=data_dir, build_dir=built_dir, cache_size=64, state_dir=tmp_path / "state"
    )
    app = create_app(settings, service=Service.from_engine(engine, cache_size=64))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
    store = getattr(app.state, "scenario_store", None)
    if store is not None:
        store.dispose()


def test_http_difference_map_is_a_png_and_an_unknown_id_a_404_problem(
    sclient: TestClient,
) -> None:
    created = sclient.post("/v1/scenarios", json=CLOSE_MIANYANG)
    assert created.status_code == 201, created.text
    sid = created.json()["id"]
    resp = sclient.get(
        f"/v1/scenarios/{sid}/access-diff.png", params={"to": "bonded_zone", "dpi": 40}
    )
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == "image/png"
    assert resp.content[:8] == b"\x89PNG\r\n\x1a\n"
    missing = "0b8e4f5c-3d1a-4c77-9a59-1f0e2a8d6b11"
    gone = sclient.get(f"/v1/scenarios/{missing}/access-diff.png", params={"to": "bonded_zone"})
    assert gone.status_code == 404, gone.text
    assert gone.headers["content-type"].startswith(PROBLEM)
    bad = sclient.get(f"/v1/scenarios/{sid}/access-diff.png", params={"to": "moon_base"})
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith(PROBLEM)


# ----------------------------------------------------------------------------- routes
@pytest.mark.parametrize("kind", ["normal", "deuteranomaly", "protanomaly", "tritanomaly"])
def test_baseline_and_scenario_route_colours_stay_apart(kind: str) -> None:
    a, b = (_cvd_lab(c, kind) for c in (BASELINE_ROUTE_COLOUR, SCENARIO_ROUTE_COLOUR))
    assert float(np.linalg.norm(a - b)) > 20


def test_route_map_draws_both_best_routes_in_their_own_colours(
    engine: Engine, map_data: MapData
) -> None:
    doc = {"title": "Alashankou closed", "changes": {"close": ["alashankou"]}}
    scen = apply_scenario(engine, parse_scenario(doc, engine=engine))
    req = parse_request({"origin": "Chengdu", "destination": "Lodz"})
    base_result, scen_result = engine.answer(req), scen.answer(req)
    b, s = base_result.routes[0], scen_result.routes[0]
    # the baseline leaves China at Alashankou; the scenario cannot
    assert any(c.startswith("alashankou") for c in b.border_crossings)
    assert not any("alashankou" in c for c in s.border_crossings)
    scene = route_diff_scene(
        data=map_data,
        baseline=base_result,
        scenario=scen_result,
        network=scen.network,
        ref=scen.ref,
    )
    sides = {lyr.name.split(":")[0]: lyr for lyr in scene.layers if ":" in lyr.name}
    assert {c.style.color for c in sides["基准 baseline"].features} == {BASELINE_ROUTE_COLOUR}
    assert {c.style.color for c in sides["情景 scenario"].features} == {SCENARIO_ROUTE_COLOUR}
    routes = [e for e in scene.legend if e.group == GROUP_ROUTES]
    assert [e.label.split(":")[0] for e in routes] == ["基准 baseline", "情景 scenario"]
    assert [e.style.fill_color for e in routes] == [BASELINE_ROUTE_COLOUR, SCENARIO_ROUTE_COLOUR]
    assert [row[0] for row in scene.table[1:]] == ["基准 baseline", "情景 scenario"]
    # the table's days are the routes' hours / 24, and the subtitle's delta their difference
    assert float(scene.table[2][4]) == pytest.approx(s.time_h / 24, abs=0.05)
    assert f"{(s.time_h - b.time_h) / 24:+,.1f} d" in scene.subtitle
    assert "Alashankou closed" in scene.title


def test_route_map_of_an_unchanged_route_says_so(engine: Engine, map_data: MapData) -> None:
    scen = apply_scenario(
        engine, parse_scenario({"title": "nothing", "changes": {}}, engine=engine)
    )
    req = parse_request({"origin": "Chengdu", "destination": "Lodz"})
    scene = route_diff_scene(
        data=map_data, baseline=engine.answer(req), scenario=scen.answer(req), network=scen.network
    )
    assert "best route unchanged" in scene.subtitle


# ----------------------------------------------------------------------------- CLI
@pytest.mark.usefixtures("reuse_engine")
def test_cli_scenario_map_writes_the_png_and_the_county_table(
    built_dir: Path, data_dir: Path, tmp_path: Path
) -> None:
    import json  # noqa: PLC0415

    from typer.testing import CliRunner  # noqa: PLC0415

    from api.cli import app  # noqa: PLC0415

    doc = tmp_path / "close.json"
    doc.write_text(json.dumps(CLOSE_MIANYANG), encoding="utf-8")
    env = {
        "SHUDAO_BUILD_DIR": str(built_dir),
        "SHUDAO_DATA_DIR": str(data_dir),
        "SHUDAO_STATE_DIR": str(tmp_path / "state"),
    }
    out = tmp_path / "diff.png"
    args = ["scenario", "map", str(doc), "--to", "bonded_zone", "--out", str(out)]
    res = CliRunner().invoke(app, [*args, "--res-arcsec", "240", "--dpi", "40", "--json"], env=env)
    assert res.exit_code == 0, res.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    payload = json.loads(res.stdout[res.stdout.index("{") :])
    rows = {r["adcode"]: r for r in payload["counties"]}
    assert payload["scenario"]["title"] == CLOSE_MIANYANG["title"]
    fucheng = rows["510703"]  # Mianyang's Fucheng district, next to the closed bonded zone
    assert fucheng["delta_mean_h"] == pytest.approx(
        fucheng["scenario_mean_h"] - fucheng["baseline_mean_h"], abs=1e-5
    )
    assert fucheng["delta_mean_h"] > 0.5
    bad = CliRunner().invoke(app, [*args[:-1], str(tmp_path / "diff.doc")], env=env)
    assert bad.exit_code == 64
