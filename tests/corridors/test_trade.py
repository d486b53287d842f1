"""The trade tables and the flow model: validation at load, IPF, the logit, the indicators.

Expected figures are computed by hand from the published figures (Chengdu Customs releases as
relayed in ``data/geo/trade/figures.csv``), not restated from the code.
"""

from __future__ import annotations

import dataclasses
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from corridors.tables import validate_tables
from corridors.trade import fit_flows, ipf, logit_shares, marginals, prefectures_over
from corridors.trade_tables import load_trade_tables, trade_problems
from gis.errors import DataValidationError

ADCODES = (
    "510100",
    "510300",
    "510400",
    "510500",
    "510600",
    "510700",
    "510800",
    "510900",
    "511000",
    "511100",
    "511300",
    "511400",
    "511500",
    "511600",
    "511700",
    "511800",
    "511900",
    "512000",
    "513200",
    "513300",
    "513400",
)


@pytest.fixture(scope="module")
def tables(data_dir: Path):  # type: ignore[no-untyped-def]
    return load_trade_tables(data_dir)


def test_shipped_trade_tables_are_valid(data_dir: Path) -> None:
    assert trade_problems(data_dir) == []


def test_every_problem_of_both_files_at_once(data_dir: Path, tmp_path: Path) -> None:
    shutil.copytree(data_dir / "trade", tmp_path / "trade")
    fig = tmp_path / "trade" / "figures.csv"
    lines = fig.read_text("utf-8").splitlines()
    # row 1: a bad unit and a bad date; row 2: a share above 1 (rows are 1-based after the header)
    lines[1] = lines[1].replace(",cny_100m,", ",yuan,").replace(",2023-01-15,", ",15.1.2023,")
    lines[2] = lines[2].replace(",5947,cny_100m,", ",1.5,share,")
    fig.write_text("\n".join(lines) + "\n", "utf-8")
    model = tmp_path / "trade" / "model.toml"
    text = model.read_text("utf-8").replace('place = "hamburg"', 'place = "hamburgg"')
    model.write_text(text.replace('"sc_2024_h1_usa"', '"sc_2024_h1_usaa"'), "utf-8")
    problems = trade_problems(tmp_path, known_places={"hanoi", "bangkok", "singapore"})
    where = {(p.file, p.row, p.column) for p in problems}
    assert ("trade/figures.csv", 1, "unit") in where
    assert ("trade/figures.csv", 1, "source_date") in where
    assert ("trade/figures.csv", 2, "value") in where
    assert ("trade/model.toml", None, "regions.eu.gateways[0].place") in where
    assert ("trade/model.toml", None, "regions.usa.share.figure") in where


def test_data_check_covers_the_trade_tables(data_dir: Path, tmp_path: Path) -> None:
    shutil.copytree(data_dir, tmp_path / "geo", ignore=shutil.ignore_patterns("build*"))
    fig = tmp_path / "geo" / "trade" / "figures.csv"
    fig.write_text(fig.read_text("utf-8").replace(",published,", ",publishd,", 1), "utf-8")
    problems = validate_tables(tmp_path / "geo")
    assert [(p.file, p.row, p.column) for p in problems] == [("trade/figures.csv", 1, "mark")]


def test_ipf_two_by_two_by_hand() -> None:
    # seed [[1, 2], [3, 4]] to rows (3, 7) and columns (4, 6): IPF keeps the seed's odds
    # ratio (1*4)/(2*3) = 2/3. With x00 = a: a(3 + a) / ((3 - a)(4 - a)) = 2/3 gives
    # a^2 + 23a - 24 = 0, a = 1 exactly: [[1, 2], [3, 4]] already fits.
    seed = np.array([[1.0, 2.0], [3.0, 4.0]])
    x = ipf(seed, {(0,): np.array([3.0, 7.0]), (1,): np.array([4.0, 6.0])})
    assert x == pytest.approx(seed)
    # to rows (5, 5), columns (5, 5): a(a) / ((5 - a)^2) = 2/3, a = 5 sqrt(2/3) / (1 + sqrt(2/3))
    y = ipf(seed, {(0,): np.array([5.0, 5.0]), (1,): np.array([5.0, 5.0])})
    r = math.sqrt(2 / 3)
    assert y[0, 0] == pytest.approx(5 * r / (1 + r), rel=1e-9)
    assert x.sum(axis=1) == pytest.approx([3.0, 7.0], rel=1e-9)
    assert x.sum(axis=0) == pytest.approx([4.0, 6.0], rel=1e-9)
    assert (x[0, 0] * x[1, 1]) / (x[0, 1] * x[1, 0]) == pytest.approx(4.0 / 6.0, rel=1e-9)


def test_ipf_refuses_marginals_that_disagree() -> None:
    with pytest.raises(ValueError, match="disagree"):
        ipf(np.ones((2, 2)), {(0,): np.array([1.0, 1.0]), (1,): np.array([1.0, 2.0])})


def test_logit_two_alternatives_by_hand() -> None:
    # GC 100 and 150, theta 2: utilities -2*1 and -2*1.5, P = 1 / (1 + e^-1) = 0.7310586
    gc = np.array([[100.0, 150.0], [300.0, 300.0]])
    p = logit_shares(gc, 2.0)
    assert p[0] == pytest.approx([1 / (1 + math.exp(-1.0)), 1 - 1 / (1 + math.exp(-1.0))])
    assert p[1] == pytest.approx([0.5, 0.5])


def test_marginals_reproduce_the_published_2024_figures(tables) -> None:  # type: ignore[no-untyped-def]
    m = marginals(tables, ADCODES)
    assert m.total_cny == pytest.approx(10457.2e8)
    assert m.direction_cny == pytest.approx([6177.7e8, 4279.5e8])
    # ASEAN: H1 share 1084 / 4906.6 applied to the year
    asean = m.region_cny[m.regions.index("asean")]
    assert asean == pytest.approx(1084 / 4906.6 * 10457.2e8)
    # other_bri = BRI 2223.6 - ASEAN 1084 - 10% of EU 781.2, as a share of H1, times the year
    other_bri = m.region_cny[m.regions.index("other_bri")]
    assert other_bri == pytest.approx((2223.6 - 1084 - 0.1 * 781.2) / 4906.6 * 10457.2e8)
    # Chengdu 3925.6 of 4906.6 in H1; Meishan 119.2 of 10076.7 in 2022
    assert m.prefecture_cny[0] == pytest.approx(3925.6 / 4906.6 * 10457.2e8)
    meishan = m.prefecture_cny[ADCODES.index("511400")]
    assert meishan == pytest.approx(119.2 / 10076.7 * 10457.2e8)
    # IT electronics 72.6%; electromechanical (75.5% of exports Jan-Nov 2024, 88.7% of imports
    # Q1-Q3 2021) minus IT
    it, other_em = m.commodity_cny[0], m.commodity_cny[1]
    assert it == pytest.approx(0.726 * 10457.2e8)
    assert other_em == pytest.approx(0.755 * 6177.7e8 + 0.887 * 4279.5e8 - it)
    for arr in (m.region_cny, m.prefecture_cny, m.commodity_cny):
        assert arr.sum() == pytest.approx(10457.2e8)


def test_fitted_flows_keep_every_marginal_and_convert_tonnes(tables) -> None:  # type: ignore[no-untyped-def]
    f = fit_flows(tables, ADCODES)
    assert f.value_cny.sum(axis=(1, 2, 3))[0] == pytest.approx(3925.6 / 4906.6 * 10457.2e8)
    assert f.value_cny.sum(axis=(0, 1, 2)) == pytest.approx([6177.7e8, 4279.5e8])
    # other goods at 3,454 CNY/t (China-Laos railway basket: 123.8e8 CNY / 3.584 Mt)
    assert f.tonnes[..., 2, :].sum() == pytest.approx(f.value_cny[..., 2, :].sum() / 3454.0)
    assert {c["mark"] for c in f.cells()} == {"modelled"}


def test_prefectures_over_10bn_by_hand(tables) -> None:  # type: ignore[no-untyped-def]
    # Chengdu, Yibin, Mianyang, Luzhou, Deyang (H1 shares x year) and Meishan, Leshan (2022 x
    # growth) exceed 10 bn; the 14 others share 10457.2 - those, about 51.5亿 each.
    f = fit_flows(tables, ADCODES)
    named = [3925.6 / 4906.6, 165.36 / 4906.6, 147.49 / 4906.6, 118.3 / 4906.6, 100 / 4906.6]
    named += [119.2 / 10076.7, 110.4 / 10076.7]
    rest_each = (1 - sum(named)) / 14 * 10457.2
    assert rest_each < 100
    assert all(s * 10457.2 > 100 for s in named)
    assert prefectures_over(f) == 7


def test_bad_shares_are_a_data_error(tables) -> None:  # type: ignore[no-untyped-def]
    bad = dataclasses.replace(
        tables,
        prefecture_shares=(
            *tables.prefecture_shares,
            {"adcode": "513400", "figure": "sc_2024_h1_chengdu"},
        ),
    )
    with pytest.raises(DataValidationError, match="negative remainder"):
        marginals(bad, ADCODES)


def test_derived_figures_follow_from_their_inputs(tables) -> None:  # type: ignore[no-untyped-def]
    f = tables.figures
    assert f["sc_2024_import_share"].value == pytest.approx(4279.5 / 10457.2, abs=1e-6)
    assert f["sc_2024_h1_bri_share"].value == pytest.approx(2223.6 / 4906.6, abs=1e-6)
    assert f["sc_2023_total"].value == pytest.approx(10457.2 / 1.094, abs=0.05)
    assert f["sc_2019_total"].value == pytest.approx(5822.7 / 0.861, abs=0.05)
    # USD 12 bn x 7.1072 CNY/USD over 2022's 10,076.7亿元
    assert f["ceb_trade_boost_share_2022"].value == pytest.approx(
        12e9 * 7.1072 / 10076.7e8, abs=1e-6
    )
    assert {x.mark for x in f.values() if x.source.startswith("derived")} == {"derived"}
