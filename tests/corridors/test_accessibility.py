"""Accessibility rasters on the real layers: hubs at zero, masks, partitions, files, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rasterio
import typer
from typer.testing import CliRunner

from api.cli.access import register
from corridors.accessibility import (
    AccessError,
    AccessRaster,
    access_raster,
    county_summary,
    dask_runner,
    hubs_of_kind,
    local_runner,
    overlay_image,
)
from corridors.engine import Engine
from gis.layers import read_layer
from gis.raster import NODATA

# 2-arc-minute cells keep the tests fast (the product is 30 arc-seconds; see bench/).
RES_DEG = 1 / 30


@pytest.fixture(scope="module")
def river(engine: Engine, built_dir: Path) -> AccessRaster:
    return access_raster(engine, "river_port", build_dir=built_dir, res_deg=RES_DEG)


def test_hub_cells_are_zero_and_time_grows_away(river: AccessRaster) -> None:
    assert {h.id for h in river.hubs} >= {"yibin_port", "luzhou_port"}
    for hub in river.hubs:
        cell = river.grid.cell_of(hub.lon, hub.lat)
        if cell is not None and np.isfinite(river.hours[cell]):
            assert river.hours[cell] == 0.0, hub.id
    h = river.hours
    assert np.nanmin(h) == 0.0
    # Chengdu is ~200 km of road from Yibin: 2-6 hours at 60 km/h with the off-road ends.
    chengdu = river.grid.cell_of(104.0657, 30.6595)
    assert chengdu is not None
    assert 2.0 < float(h[chengdu]) < 6.0
    # the far north-west (Shiqu county) is much further from any river port than Chengdu
    shiqu = river.grid.cell_of(98.1, 32.98)
    assert shiqu is not None
    assert float(h[shiqu]) > 2 * float(h[chengdu])


def test_outside_the_province_is_nodata(river: AccessRaster) -> None:
    h = river.hours
    # Chongqing city lies inside the bounding box but outside Sichuan
    cq = river.grid.cell_of(106.55, 29.56)
    assert cq is not None
    assert np.isnan(h[cq])
    # Sichuan is ~486,000 km2: the valid cells cover a plausible share of the box
    frac = float(np.isfinite(h).mean())
    assert 0.4 < frac < 0.8


def test_partitions_and_a_local_dask_cluster_give_the_same_raster(
    engine: Engine, built_dir: Path
) -> None:
    kw = {"build_dir": built_dir, "res_deg": 1 / 15, "use_dem": False}
    one = access_raster(engine, "bonded_zone", partitions=1, **kw)  # type: ignore[arg-type]
    three = access_raster(  # type: ignore[arg-type]
        engine, "bonded_zone", partitions=3, run=local_runner, **kw
    )
    np.testing.assert_array_equal(one.hours, three.hours)
    with dask_runner(None, n_workers=2) as run:
        on_dask = access_raster(engine, "bonded_zone", partitions=2, run=run, **kw)  # type: ignore[arg-type]
    np.testing.assert_array_equal(one.hours, on_dask.hours)


def test_border_crossings_outside_enter_by_road(engine: Engine, built_dir: Path) -> None:
    r = access_raster(engine, "border_crossing", build_dir=built_dir, res_deg=1 / 15)
    chengdu = r.grid.cell_of(104.0657, 30.6595)
    assert chengdu is not None
    # The nearest crossings (Hekou, Mohan, Pingxiang) are 900-1,300 km of road from Chengdu.
    assert 12.0 < float(r.hours[chengdu]) < 30.0


@pytest.mark.parametrize(
    ("key", "value"),
    [("access.road_search_limit_km", 100.0), ("access.max_offroad_km", 1e-6)],
)
def test_outside_hubs_follow_the_engines_access_parameters(
    engine: Engine, built_dir: Path, key: str, value: float
) -> None:
    # Every crossing lies outside the grid (Sichuan's bounding box), the nearest (Hekou, 22.5 N)
    # some 400 km south of its edge, and none lies on a road link: with a 100 km road search,
    # or a 1 mm off-road limit, no crossing enters the grid and Chengdu reaches none (before,
    # the raster kept constants of its own: 3,000 km and 30 km).
    strict = engine.with_overrides({key: value})
    r = access_raster(strict, "border_crossing", build_dir=built_dir, res_deg=1 / 15)
    chengdu = r.grid.cell_of(104.0657, 30.6595)
    assert chengdu is not None
    assert not np.isfinite(float(r.hours[chengdu]))


def test_unknown_kind(engine: Engine, built_dir: Path) -> None:
    with pytest.raises(AccessError):
        hubs_of_kind(engine, "seaport")
    with pytest.raises(AccessError):
        access_raster(engine, "nonsense", build_dir=built_dir)


def test_geotiff_and_county_summary(river: AccessRaster, built_dir: Path, tmp_path: Path) -> None:
    path = river.write(tmp_path / "river.tif")
    with rasterio.open(path) as ds:
        assert ds.crs.to_epsg() == 4326
        assert ds.nodata == NODATA
        assert ds.profile["tiled"]
        assert ds.profile["compress"] == "deflate"
        assert ds.descriptions == ("travel_time_to_river_port",)
        assert ds.units == ("hours",)
        tags = ds.tags()
        assert tags["AREA_OR_POINT"] == "Area"
        assert tags["friction_units"] == "minutes/metre"
        assert "Weiss" in tags["method"]
        assert "yibin_port" in tags["targets"]
        band = ds.read(1, masked=True)
        assert float(band.min()) == 0.0
    counties = read_layer(built_dir / "counties.parquet")
    table = county_summary(river, counties)
    assert len(table) == 183
    assert list(table["adcode"]) == sorted(table["adcode"])
    assert (table["mean_h"] <= table["max_h"] + 1e-9).all()
    # Yibin's Cuiping district holds the port: its mean is under an hour or two
    cuiping = table.loc[table["adcode"] == "511502"].iloc[0]
    assert cuiping["mean_h"] < 2.0


def test_overlay_image(river: AccessRaster) -> None:
    rgba, bounds, legend = overlay_image(river, vmax_h=24.0)
    assert rgba.shape == (*river.grid.shape, 4)
    assert rgba.dtype == np.uint8
    assert (rgba[..., 3][np.isnan(river.hours)] == 0).all()
    assert bounds[0][0] < bounds[1][0]
    assert bounds[0][1] < bounds[1][1]
    assert legend["vmax_h"] == 24.0
    assert len(legend["stops"]) == 8


@pytest.mark.usefixtures("reuse_engine")
def test_cli_access(built_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHUDAO_BUILD_DIR", str(built_dir))
    app = typer.Typer()
    register(app)
    out, summary = tmp_path / "a.tif", tmp_path / "a.csv"
    res = CliRunner().invoke(
        app,
        [
            "access",
            "--to",
            "rail_port",
            "--out",
            str(out),
            "--summary",
            str(summary),
            "--res-arcsec",
            "240",
            "--no-dem",
        ],
    )
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout)
    assert payload["kind"] == "rail_port"
    assert payload["counties"] == 183
    assert out.exists()
    assert len(pd.read_csv(summary)) == 183
    bad = CliRunner().invoke(app, ["access", "--to", "seaport", "--out", str(out)])
    assert bad.exit_code == 64
