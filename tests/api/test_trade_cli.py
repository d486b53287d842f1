"""``shudao flows`` and ``shudao indicators`` on the real data (needs the built layers)."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from api.cli import app
from corridors.engine import Engine


@pytest.fixture
def run(built_dir: Path, data_dir: Path, reuse_engine: Engine) -> Callable[..., Result]:
    """Invoke the real command line; its engine load returns the session's engine."""
    assert reuse_engine.network.services
    runner = CliRunner()
    env = {"SHUDAO_BUILD_DIR": str(built_dir), "SHUDAO_DATA_DIR": str(data_dir)}

    def invoke(*args: str) -> Result:
        return runner.invoke(app, list(args), env=env)

    return invoke


def test_validate_wape_is_the_hand_sum_of_its_rows(run: Callable[..., Result]) -> None:
    res = run("flows", "--validate", "--json")
    assert res.exit_code == 0, res.output
    body = json.loads(res.stdout.splitlines()[-1])
    figures = {r["figure"] for r in body["rows"]}
    assert "cd_air_share_value" not in figures  # the calibration figure is held apart
    # Chengdu's trains: more than USD 12 bn a year x 7.1072 CNY/USD (parameters fx.USD)
    ceb = next(r for r in body["rows"] if r["figure"] == "ceb_trade_boost")
    assert ceb["published"] == pytest.approx(12e9 * 7.1072)
    # ILSTC Jan-Nov 64.5亿 annualised x 12/11
    ilstc = next(r for r in body["rows"] if r["figure"] == "ilstc_sc_jan_nov_value")
    assert ilstc["published"] == pytest.approx(64.5e8 * 12 / 11)
    values = [r for r in body["rows"] if r["kind"] == "value"]
    wape = sum(abs(r["modelled"] - r["published"]) for r in values) / sum(
        r["published"] for r in values
    )
    assert body["wape"] == pytest.approx(wape, abs=1e-6)


def test_flows_out_csv_has_one_row_per_group(run: Callable[..., Result], tmp_path: Path) -> None:
    out = tmp_path / "flows.csv"
    res = run("flows", "--by", "prefecture", "--out", str(out), "--json")
    assert res.exit_code == 0, res.output
    with out.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 21  # Sichuan's 21 prefectures
    assert {"key", "value_cny", "tonnes", "share_value", "share_tonnes"} <= set(rows[0])
    chengdu = next(r for r in rows if r["key"] == "510100")
    # Chengdu: 3,925.6 of 4,906.6亿元 in H1 2024, applied to 10,457.2亿元
    assert float(chengdu["value_cny"]) == pytest.approx(3925.6 / 4906.6 * 10457.2e8, rel=1e-6)


def test_bad_grouping_and_unknown_scenario_exit_64(run: Callable[..., Result]) -> None:
    res = run("flows", "--by", "mod")
    assert res.exit_code == 64
    assert "mode" in res.output
    res = run("indicators", "--scenario", "red-sea-closd")
    assert res.exit_code == 64
    assert "red-sea-closed" in res.output
    res = run("flows", "--out", "flows.xlsx")
    assert res.exit_code == 64
