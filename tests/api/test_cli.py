"""The ``shudao`` command line: outputs, GeoJSON shape and exit codes."""

from __future__ import annotations

import itertools
import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from api.cli import EXIT_BAD_OPTION, app, main
from corridors.engine import Engine


@pytest.fixture
def run(built_dir: Path, data_dir: Path, reuse_engine: Engine) -> Callable[..., Result]:
    """Invoke the real command line; its engine load returns the session's engine."""
    assert reuse_engine.network.services  # loaded once; Engine.load now returns it
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


def test_route_json_rides_the_china_laos_railway(run: Callable[..., Result]) -> None:
    res = run("route", "Kunming", "Vientiane", "--modes", "rail", "--alternatives", "1", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert (out["origin"]["id"], out["destination"]["id"]) == ("kunming", "vientiane")
    route = out["routes"][0]
    assert route["corridor"] == "china_laos"
    assert "cl_rail_kunming_vientiane" in route["services"]
    legs = route["legs"]
    assert legs[0]["from"] == "kunming"
    assert legs[-1]["to"] == "vientiane"
    assert all(a["to"] == b["from"] for a, b in itertools.pairwise(legs))
    # Never shorter than the great circle between the two cities, 786 km by the haversine of
    # Kunming 25.04 N 102.71 E and Vientiane 17.97 N 102.60 E (Wikipedia coordinates).
    assert 786 < route["distance_km"] < 1.5 * 1035  # 1,035 km: the railway (Xinhua, 2021-12-03)


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


def _main_exit(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], *args: str) -> int:
    """Run the console-script entry point (``shudao ...``) and return its exit code."""
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(sys, "argv", ["shudao", *args])
    with pytest.raises(SystemExit) as exc:
        main()
    return int(exc.value.code or 0)


@pytest.mark.parametrize(
    "args",
    [
        ("route", "Chengdu", "Lodz", "--quantity", "-1"),  # typer range error (min=0)
        ("route", "Chengdu", "Lodz", "--alternatives", "11"),  # typer range error (max=10)
        ("route", "Chengdu", "Lodz", "--frobnicate"),  # unknown option
        ("route", "Chengdu"),  # missing argument
        ("teleport",),  # unknown command
    ],
)
def test_usage_errors_exit_64(
    args: tuple[str, ...], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _main_exit(monkeypatch, {}, *args) == EXIT_BAD_OPTION
    assert capsys.readouterr().out == ""  # the error goes to stderr


@pytest.mark.parametrize(
    ("args", "expected", "needle"),
    [
        # an unknown parameter key (UnknownParameterError): a bad option
        (("--param", "modes.rail.sped_kph=20"), EXIT_BAD_OPTION, "modes.rail.speed_kph"),
        # a value that is not finite (QuantityError): a bad option
        (("--param", "modes.rail.speed_kph=inf"), EXIT_BAD_OPTION, "finite"),
        # an unknown cargo unit (UnknownParameterError): a bad option
        (("--unit", "crate"), EXIT_BAD_OPTION, "crate"),
        # an unknown place: 2, with suggestions
        (("--via", "Chengdoo"), 2, "chengdu"),
    ],
)
@pytest.mark.usefixtures("reuse_engine")
def test_domain_errors_exit_with_the_readme_code(
    args: tuple[str, ...],
    expected: int,
    needle: str,
    built_dir: Path,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    env = {"SHUDAO_BUILD_DIR": str(built_dir), "SHUDAO_DATA_DIR": str(data_dir)}
    code = _main_exit(monkeypatch, env, "route", "Kunming", "Vientiane", *args)
    assert code == expected
    assert needle in capsys.readouterr().err


def test_success_exits_0(
    built_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {"SHUDAO_BUILD_DIR": str(built_dir)}
    assert _main_exit(monkeypatch, env, "resolve", "罗兹", "--json") == 0
    assert json.loads(capsys.readouterr().out)["id"] == "lodz"
