"""Validation of every curated table in one run, and places checked against their country.

Figures are computed here independently of the code under test: distances with pyproj's
ellipsoidal geodesic (the check itself uses a spherical degree for extents) and bounds read from
published extremes (e.g. Luxembourg's southernmost latitude).
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import pytest
from pyproj import Geod
from typer.testing import CliRunner

from api.cli import app
from corridors.engine import Engine
from corridors.tables import (
    COUNTRY_TOLERANCE_KM,
    CountryBounds,
    country_problems,
    load_tables,
    read_country_bounds,
    validate_tables,
)
from gis.errors import DataValidationError, Problem

GEOD = Geod(ellps="WGS84")


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(GEOD.inv(a[0], a[1], b[0], b[1])[2]) / 1000.0


def _copy(data_dir: Path, tmp_path: Path) -> Path:
    out = tmp_path / "geo"
    shutil.copytree(data_dir, out, ignore=shutil.ignore_patterns("build", "README.md"))
    return out


def _edit_row(path: Path, row_id: str, **values: str) -> int:
    """Change columns of the row whose ``id`` is *row_id*; return its 1-based data row."""
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        fields = list(reader.fieldnames or [])
        rows = list(reader)
    index = next(i for i, r in enumerate(rows) if r["id"] == row_id)
    rows[index].update(values)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return index + 1


def _row_of(path: Path, row_id: str) -> tuple[int, dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        for i, row in enumerate(csv.DictReader(fh), start=1):
            if row["id"] == row_id:
                return i, row
    raise AssertionError(row_id)


def _break_four_files(geo: Path) -> dict[str, int]:
    """Put one known fault into each of four tables; return the data rows edited."""
    rows = {
        "places": _edit_row(geo / "places.csv", "almaty", kind="metropolis"),
        "points": _edit_row(geo / "itinerary_points.csv", "hami", lat="north"),
    }
    params = (geo / "parameters.toml").read_text("utf-8")
    rail = params.index("[modes.rail]")
    head, tail = params[:rail], params[rail:]
    tail = re.sub(r"speed_kph = \{ value = [0-9.]+", "speed_kph = { value = -40.0", tail, count=1)
    (geo / "parameters.toml").write_text(head + tail, "utf-8")
    services = (geo / "services.toml").read_text("utf-8")
    assert '"yibin_port"' in services
    services = services.replace('"yibin_port"', '"yibin_portt"', 1)
    (geo / "services.toml").write_text(services, "utf-8")
    return rows


def _by_file(problems: list[Problem]) -> dict[str, list[Problem]]:
    out: dict[str, list[Problem]] = {}
    for p in problems:
        out.setdefault(Path(p.file).name, []).append(p)
    return out


# ------------------------------------------------------------------------- correct tables


def test_shipped_tables_pass_against_country_extents(data_dir: Path) -> None:
    assert validate_tables(data_dir) == []
    tables = load_tables(data_dir)
    assert len(tables.catalog.places) >= 190
    assert len(tables.records) >= 80


def test_shipped_tables_pass_against_country_outlines(data_dir: Path, built_dir: Path) -> None:
    assert validate_tables(data_dir, build_dir=built_dir) == []


def test_country_bounds_table_is_sourced_and_covers_every_country_used(data_dir: Path) -> None:
    bounds = read_country_bounds(data_dir / "country_bounds.csv")
    used = set()
    for name in ("places.csv", "itinerary_points.csv"):
        with (data_dir / name).open(encoding="utf-8") as fh:
            used |= {r["country"] for r in csv.DictReader(fh)}
    assert used <= set(bounds)
    # published extents: Germany 47.27-55.06 N, 5.87-15.04 E (Natural Earth, rounded outward)
    de = bounds["DE"]
    assert de.iso3 == "DEU"
    assert 47.2 <= de.lat_min <= 47.3
    assert 55.0 <= de.lat_max <= 55.1
    assert 5.8 <= de.lon_min <= 5.9
    assert 15.0 <= de.lon_max <= 15.1


# ---------------------------------------------------------------------- every problem at once


def test_every_problem_of_four_broken_files_in_one_run(data_dir: Path, tmp_path: Path) -> None:
    geo = _copy(data_dir, tmp_path)
    rows = _break_four_files(geo)
    problems = validate_tables(geo)
    by_file = _by_file(problems)
    assert set(by_file) == {
        "places.csv",
        "itinerary_points.csv",
        "parameters.toml",
        "services.toml",
    }
    (place,) = by_file["places.csv"]
    assert (place.row, place.column) == (rows["places"], "kind")
    assert "metropolis" in place.message
    (point,) = by_file["itinerary_points.csv"]
    assert point.row == rows["points"]
    assert point.column == "lon"
    (param,) = by_file["parameters.toml"]
    assert param.column is not None
    assert param.column.startswith("modes.rail")
    assert "-40" in param.message
    (service,) = by_file["services.toml"]
    assert service.column is not None
    assert service.column.endswith(".waypoints")
    assert "yibin_portt" in service.message


def test_engine_load_raises_one_error_with_every_problem(
    data_dir: Path, built_dir: Path, tmp_path: Path
) -> None:
    geo = _copy(data_dir, tmp_path)
    _break_four_files(geo)
    with pytest.raises(DataValidationError) as info:
        Engine.load(data_dir=geo, build_dir=built_dir)
    assert info.value.exit_code == 3
    assert set(_by_file(info.value.problems)) == {
        "places.csv",
        "itinerary_points.csv",
        "parameters.toml",
        "services.toml",
    }
    text = str(info.value)
    assert "places.csv, row" in text
    assert "column 'kind'" in text


def test_data_check_command_lists_every_problem_with_exit_3(data_dir: Path, tmp_path: Path) -> None:
    geo = _copy(data_dir, tmp_path)
    rows = _break_four_files(geo)
    env = {"SHUDAO_DATA_DIR": str(geo), "SHUDAO_BUILD_DIR": str(tmp_path / "no-build")}
    res = CliRunner().invoke(app, ["data", "check", "--json"], env=env)
    assert res.exit_code == 3, res.output
    listed = json.loads(res.stdout)
    files = {Path(p["file"]).name for p in listed}
    assert files == {"places.csv", "itinerary_points.csv", "parameters.toml", "services.toml"}
    assert {"file": "places.csv", "row": rows["places"], "column": "kind"}.items() <= next(
        p for p in listed if p["file"] == "places.csv"
    ).items()
    ok = CliRunner().invoke(app, ["data", "check"], env={**env, "SHUDAO_DATA_DIR": str(data_dir)})
    assert ok.exit_code == 0, ok.output


# ------------------------------------------------------------------- places in their country


def test_place_moved_to_latitude_minus_51_is_flagged_against_the_extent(
    data_dir: Path, tmp_path: Path
) -> None:
    geo = _copy(data_dir, tmp_path)
    row, chengdu = _row_of(geo / "places.csv", "chengdu")
    lon = float(chengdu["lon"])
    assert _edit_row(geo / "places.csv", "chengdu", lat="-51.0") == row
    problems = validate_tables(geo)
    # the Sichuan rough-bbox check of hubs.tables flags it too (column lon); ours is lon,lat
    (p,) = [p for p in problems if p.column == "lon,lat"]
    assert (p.file, p.row) == ("places.csv", row)
    assert "'chengdu'" in p.message
    assert "CN (China" in p.message
    # China's extent ends at 18.21 N (Hainan, Natural Earth); Chengdu's longitude is inside it,
    # so the point lies due south of the extent: the meridian arc from -51 to 18.21 N
    expected = _km((lon, -51.0), (lon, 18.21))
    km = float(re.search(r"lies ([0-9,.]+) km outside", p.message).group(1).replace(",", ""))  # type: ignore[union-attr]
    assert abs(km - expected) / expected < 0.01
    with pytest.raises(DataValidationError):
        load_tables(geo)


def test_place_moved_to_latitude_minus_51_is_flagged_against_the_outline(
    data_dir: Path, built_dir: Path, tmp_path: Path
) -> None:
    geo = _copy(data_dir, tmp_path)
    _, chengdu = _row_of(geo / "places.csv", "chengdu")
    lon = float(chengdu["lon"])
    _edit_row(geo / "places.csv", "chengdu", lat="-51.0")
    (p,) = [p for p in validate_tables(geo, build_dir=built_dir) if p.column == "lon,lat"]
    assert "world_countries.parquet outline" in p.message
    km = float(re.search(r"lies ([0-9,.]+) km outside", p.message).group(1).replace(",", ""))  # type: ignore[union-attr]
    # no Chinese territory lies south of 3 N (James Shoal, 3.97 N, is the PRC's southernmost
    # claim), and Sanya on Hainan (109.51 E, 18.25 N) is Chinese: the distance lies between
    assert _km((lon, -51.0), (lon, 3.0)) <= km <= _km((lon, -51.0), (109.51, 18.25))


def test_airportsdata_point_of_luxembourg_airport_is_flagged(
    data_dir: Path, built_dir: Path, tmp_path: Path
) -> None:
    """The airportsdata 20260905 point of LUX: 49°37′24″N 6°12′16″E written as 49.3724, 6.1216."""
    geo = _copy(data_dir, tmp_path)
    row = _edit_row(geo / "places.csv", "lux", lon="6.1216", lat="49.3724")
    for build in (None, built_dir):
        (p,) = validate_tables(geo, build_dir=build)
        assert (p.file, p.row) == ("places.csv", row)
        assert "'lux'" in p.message
        assert "LU (Luxembourg" in p.message
        km = float(re.search(r"lies ([0-9,.]+) km outside", p.message).group(1))  # type: ignore[union-attr]
        # Luxembourg's southernmost point is at 49.447 N: every point of the country is at
        # least the meridian arc from 49.3724 N to 49.447 N away, 8.3 km, less 1.2 km for the
        # generalised outline and the extent rounded outward to 0.01 deg
        assert km >= _km((6.1216, 49.3724), (6.1216, 49.447)) - 1.2
    # the curated point (the airport's infobox) lies inside Luxembourg
    _, lux = _row_of(data_dir / "places.csv", "lux")
    assert _km((float(lux["lon"]), float(lux["lat"])), (6.204444, 49.623333)) < 0.1


def test_tolerance_lets_border_points_pass_and_flags_farther_ones() -> None:
    box = {"XX": CountryBounds("XX", "XXX", "Testland", 10.0, 0.0, 11.0, 1.0)}
    # 0.027 deg north of the extent at the equator: 3.0 km; 0.09 deg: 9.95 km (geodesic)
    near = ("t.csv", 1, "near", "XX", 10.5, 1.027)
    far = ("t.csv", 2, "far", "XX", 10.5, 1.09)
    unknown = ("t.csv", 3, "nowhere", "QQ", 10.5, 0.5)
    assert _km((10.5, 1.0), (10.5, 1.027)) < COUNTRY_TOLERANCE_KM < _km((10.5, 1.0), (10.5, 1.09))
    problems = country_problems([near, far, unknown], box)
    assert [(p.row, p.column) for p in problems] == [(2, "lon,lat"), (3, "country")]
    km = float(re.search(r"lies ([0-9,.]+) km outside", problems[0].message).group(1))  # type: ignore[union-attr]
    assert km == pytest.approx(_km((10.5, 1.0), (10.5, 1.09)), rel=0.01)
