"""The ``shudao`` command line: outputs, GeoJSON shape and exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from api.cli import EXIT_BAD_OPTION, app


@pytest.fixture(scope="module")
def run(built_dir: Path, data_dir: Path) -> Callable[..., Result]:
    runner = CliRunner()
    env = {"SHUDAO_BUILD_DIR": str(built_dir), "SHUDAO_DATA_DIR": str(data_dir)}

    def invoke(*args: str) -> Result:
        return runner.invoke(app, list(args), env=env)

    return invoke


def test_regions_json_has_21_prefectures_in_five_regions(run: Callable[..., Result]) -> None:
    res = run("regions", "--json")
    assert res.exit_code == 0, res.output
    fc = json.loads(res.stdout)
    assert fc["type"] == "FeatureCollection"
    assert len(fc["features"]) == 21
    regions = {f["properties"]["region"] for f in fc["features"]}
    assert regions == {
        "chengdu_plain",
        "south_sichuan",
        "northeast_sichuan",
        "panxi",
        "northwest_ecological",
    }
    chengdu = next(f for f in fc["features"] if f["properties"]["adcode"] == "510100")
    assert chengdu["properties"]["name_zh"] == "成都市"
    assert chengdu["properties"]["region"] == "chengdu_plain"
    assert chengdu["geometry"]["type"] in {"Polygon", "MultiPolygon"}


def test_places_filters(run: Callable[..., Result]) -> None:
    res = run("places", "--kind", "bonded_zone", "--json")
    assert res.exit_code == 0, res.output
    ids = {f["id"] for f in json.loads(res.stdout)["features"]}
    assert {"cbz_chengdu_hitech", "cbz_yibin", "cbz_luzhou"} <= ids
    res = run("places", "--region", "south_sichuan", "--json")
    feats = json.loads(res.stdout)["features"]
    assert feats
    assert all(f["properties"]["region"] == "south_sichuan" for f in feats)
    res = run("places", "--q", "Łódź", "--json")
    assert "lodz" in {f["id"] for f in json.loads(res.stdout)["features"]}


def test_places_with_counties(run: Callable[..., Result]) -> None:
    res = run("places", "--kind", "county", "--counties", "--json")
    assert res.exit_code == 0, res.output
    assert len(json.loads(res.stdout)["features"]) == 183


def test_resolve_any_language_and_code(run: Callable[..., Result]) -> None:
    for query in ("罗兹", "Lodz", "ŁÓDŹ", "PLLOD"):
        res = run("resolve", query, "--json")
        assert res.exit_code == 0, res.output
        assert json.loads(res.stdout)["id"] == "lodz"


def test_unknown_place_exit_code_and_suggestion(run: Callable[..., Result]) -> None:
    res = run("resolve", "Chengdoo")
    assert res.exit_code == 2
    assert "chengdu" in res.stderr


def test_bad_option_exit_code(run: Callable[..., Result]) -> None:
    res = run("places", "--kind", "castle")
    assert res.exit_code == EXIT_BAD_OPTION
    assert "bonded_zone" in res.stderr


def test_route_json_contract_and_totals(run: Callable[..., Result]) -> None:
    res = run("route", "Kunming", "Vientiane", "--modes", "rail", "--alternatives", "1", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    route = out["routes"][0]
    assert route["corridor"] == "china_laos"
    assert route["cost_cny"] == pytest.approx(
        sum(leg["cost_cny"] for leg in route["legs"]), abs=1e-3
    )
    assert route["time_h"] == pytest.approx(sum(leg["time_h"] for leg in route["legs"]), abs=1e-3)


def test_route_param_override_changes_time(run: Callable[..., Result]) -> None:
    base = json.loads(run("route", "Kunming", "Vientiane", "--modes", "rail", "--json").stdout)
    slow = json.loads(
        run(
            "route",
            "Kunming",
            "Vientiane",
            "--modes",
            "rail",
            "--json",
            "--param",
            "modes.rail.speed_kph=20",
        ).stdout
    )
    assert slow["routes"][0]["time_h"] > base["routes"][0]["time_h"] + 10


def test_route_infeasible_exit_code(run: Callable[..., Result]) -> None:
    res = run("route", "Chengdu", "Lodz", "--modes", "inland_waterway")
    assert res.exit_code == 5
    assert "modes=inland_waterway" in res.stderr


def test_route_readable_table(run: Callable[..., Result]) -> None:
    res = run("route", "Yibin port", "Shanghai", "--alternatives", "2")
    assert res.exit_code == 0, res.output
    assert "corridor" in res.stdout
    assert "km" in res.stdout
