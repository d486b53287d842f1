"""Matrices: cells equal the engine's own routes; Dask equals one process; files; CLI."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from api.cli.access import register
from corridors.accessibility import dask_runner
from corridors.engine import Engine
from corridors.errors import InfeasibleConstraintError, NoRouteError
from corridors.matrix import (
    GATEWAY_KINDS,
    MatrixError,
    TravelMatrix,
    destination_set,
    origin_set,
    travel_matrix,
)
from hubs.models import Place


@pytest.fixture(scope="module")
def counties_to_hubs(engine: Engine) -> TravelMatrix:
    return travel_matrix(engine, origin_set(engine, "counties"), destination_set(engine, "hubs"))


def _objective(
    engine: Engine, time_h: float, cost_cny: float, co2_kg: float, opts: dict[str, object]
) -> float:
    objective = opts.get("objective", "time")
    if objective == "time":
        return time_h
    if objective == "cost":
        return cost_cny
    if objective == "co2":
        return co2_kg
    vot = engine.router.costs.value_of_time_cny_per_h(engine.cargo("FEU", 1.0))
    return cost_cny + vot * time_h


def _check_cells(
    engine: Engine,
    m: TravelMatrix,
    pairs: list[tuple[int, int]],
    **opts: object,
) -> tuple[int, int]:
    """Compare cells with ``engine.route(alternatives=1)``: (routes equal, objective ties).

    Where the router's route and the matrix cell tie on the objective but differ otherwise
    (services on one line at different frequencies: same cost and CO2, other waits), the
    matrix reports the fastest of the tied routes: its time may only be lower.
    """
    equal = ties = 0
    for i, j in pairs:
        o, d = m.origins[i], m.destinations[j]
        try:
            res = engine.route(o.id, d.id, alternatives=1, **opts)  # type: ignore[arg-type]
        except (NoRouteError, InfeasibleConstraintError):
            assert math.isnan(m.time_h[i, j]), (o.id, d.id)
            continue
        r = res.routes[0]
        where = f"{o.id} -> {d.id} {opts}"
        got = (m.time_h[i, j], m.cost_cny[i, j], m.co2_kg[i, j], m.distance_km[i, j])
        want = (r.time_h, r.cost_cny, r.co2_kg, r.distance_km)
        if all(a == pytest.approx(b, rel=1e-7, abs=1e-6) for a, b in zip(got, want, strict=True)):
            assert m.corridor[i][j] == r.corridor, where
            assert m.modes[i][j] == "/".join(r.modes), where
            equal += 1
            continue
        assert _objective(engine, *got[:3], opts) == pytest.approx(
            _objective(engine, *want[:3], opts), rel=1e-7
        ), where
        assert got[0] < want[0], where
        ties += 1
    return equal, ties


def test_named_sets(engine: Engine) -> None:
    counties = origin_set(engine, "counties")
    assert len(counties) == 183
    assert len(origin_set(engine, "prefectures")) == 21
    hubs = destination_set(engine, "hubs")
    assert {"cbz_chengdu_irp", "ctu", "tfu", "yibin_port", "chengdu_irp"} <= {p.id for p in hubs}
    assert all(p.country == "CN" and (p.adcode or "").startswith("51") for p in hubs)
    gateways = destination_set(engine, "gateways")
    assert len(gateways) >= 50
    assert all(p.country != "CN" and p.kind in GATEWAY_KINDS for p in gateways)
    assert [p.id for p in destination_set(engine, "成都, Duisburg")] == ["chengdu", "duisburg"]
    # every hub and every gateway in one call, no duplicates
    both = destination_set(engine, "hubs,gateways,Duisburg")
    assert len(both) == len(hubs) + len(gateways)
    assert len({p.id for p in both}) == len(both)


def test_counties_to_hubs_cells_equal_engine_routes(
    engine: Engine, counties_to_hubs: TravelMatrix
) -> None:
    m = counties_to_hubs
    assert m.time_h.shape == (183, len(destination_set(engine, "hubs")))
    rng = random.Random(6)
    pairs = [(rng.randrange(m.time_h.shape[0]), rng.randrange(m.time_h.shape[1])) for _ in range(8)]
    # plus a cell with no route (Cangxi county lies on a road fragment off the main network)
    cangxi = next(i for i, p in enumerate(m.origins) if p.id == "county_510824")
    pairs.append((cangxi, 0))
    equal, ties = _check_cells(engine, m, pairs)
    assert equal >= 6
    assert ties == 0


def test_gateway_cells_equal_engine_routes_under_constraints(engine: Engine) -> None:
    origins = [p for p in origin_set(engine, "prefectures") if p.id in {"chengdu", "xichang"}]
    by_id = {p.id: p for p in destination_set(engine, "gateways")}
    dests: list[Place] = [by_id[k] for k in ("duisburg", "hanoi", "singapore", "lodz", "almaty")]
    for opts in (
        {"objective": "cost"},
        {"objective": "generalized", "modes": ["rail", "sea"]},
        {"objective": "co2", "avoid": ["suez", "alashankou"]},
    ):
        m = travel_matrix(engine, origins, dests, **opts)  # type: ignore[arg-type]
        pairs = [(i, j) for i in range(len(origins)) for j in range(len(dests))]
        equal, ties = _check_cells(engine, m, pairs, **opts)
        assert equal >= 6, opts
        assert equal + ties >= 8, opts


def test_road_only_destination_in_reach_is_trucked(counties_to_hubs: TravelMatrix) -> None:
    # Under the time objective a county next to a Chengdu hub trucks straight there.
    m = counties_to_hubs
    i = next(k for k, p in enumerate(m.origins) if p.id == "county_510104")  # Jinjiang, Chengdu
    j = next(k for k, p in enumerate(m.destinations) if p.id == "cbz_chengdu_hitech")
    assert m.corridor[i][j] == "road"
    # a short urban truck trip: km at China's 70 km/h, no rest, plus the 2 h road handling
    # (parameters.toml road_regions.cn, modes.road.handling_h)
    assert m.distance_km[i, j] < 30.0
    assert m.time_h[i, j] == pytest.approx(m.distance_km[i, j] / 70.0 + 2.0)


def test_local_dask_cluster_equals_one_process(engine: Engine) -> None:
    origins = origin_set(engine, "prefectures")
    dests = destination_set(engine, "成都,Duisburg,Hanoi,Singapore,Yibin port")
    seen: list[tuple[int, int]] = []
    single = travel_matrix(
        engine, origins, dests, block_size=2, progress=lambda d, t: seen.append((d, t))
    )
    assert seen == [(2, 5), (4, 5), (5, 5)]
    with dask_runner(None, n_workers=2) as run:
        multi = travel_matrix(engine, origins, dests, block_size=2, run_blocks=run)
    pd.testing.assert_frame_equal(single.to_frame(), multi.to_frame())
    np.testing.assert_array_equal(single.weight, multi.weight)


def test_files_are_sorted_and_rounded(engine: Engine, tmp_path: Path) -> None:
    origins = [p for p in origin_set(engine, "prefectures") if p.id in {"yibin", "chengdu"}]
    m = travel_matrix(engine, origins, destination_set(engine, "Hanoi,Chongqing"))
    csv = m.write(tmp_path / "m.csv")
    frame = pd.read_csv(csv)
    assert list(frame["origin_id"]) == ["chengdu", "chengdu", "yibin", "yibin"]
    assert list(frame["destination_id"]) == ["chongqing", "hanoi", "chongqing", "hanoi"]
    text = csv.read_text("utf-8").splitlines()[1]
    assert all(len(x.split(".")[1]) == 6 for x in text.split(",")[7:11])
    pq = pd.read_parquet(m.write(tmp_path / "m.parquet"))
    np.testing.assert_allclose(pq["time_h"], frame["time_h"], atol=1e-6)
    doc = json.loads(m.write(tmp_path / "m.json").read_text("utf-8"))
    assert doc["objective"] == "time"
    assert len(doc["cells"]) == 4
    with pytest.raises(MatrixError):
        m.write(tmp_path / "m.xlsx")


@pytest.mark.usefixtures("reuse_engine")
def test_cli_matrix(tmp_path: Path) -> None:
    app = typer.Typer()
    register(app)
    runner = CliRunner()
    out = tmp_path / "m.csv"
    res = runner.invoke(
        app, ["matrix", "--from", "Chengdu,Yibin", "--to", "Duisburg", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["cells"] == 2
    assert summary["cells_without_route"] == 0
    assert len(pd.read_csv(out)) == 2
    bad = runner.invoke(app, ["matrix", "--from", "Chengdu", "--to", "hubs", "--out", "m.txt"])
    assert bad.exit_code == 64
    unknown = runner.invoke(
        app, ["matrix", "--from", "Nowhereville", "--to", "hubs", "--out", str(out)]
    )
    assert unknown.exit_code == 2
