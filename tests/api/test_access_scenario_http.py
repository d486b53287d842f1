"""``scenario=ID`` on ``/maps/access.*`` and the workbench's county table: hours under a scenario.

Independent figures: the rasters are computed here by applying the same document with
:func:`corridors.scenarios.apply_scenario` and calling :func:`corridors.accessibility.access_raster`
directly (not through the store, the service's scenario engines or the HTTP cache), and each
county's mean is recomputed from the cell centres with shapely ``contains_xy``, as the difference
map's tests do (``tests/maps/test_scenario_map.py``), not taken from ``county_summary``.
Closing the Mianyang bonded zone must make the trip to the nearest bonded zone longer for Jiange
county (Guangyuan; its nearest bonded zone was Mianyang's) and leave Chengdu's Jinjiang district
(which has its own) unchanged.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from fastapi.testclient import TestClient

from api.http import maps_routes
from api.http.app import create_app
from api.service import Service
from api.settings import Settings
from corridors.accessibility import AccessRaster, access_raster
from corridors.engine import Engine
from corridors.scenarios import apply_scenario, parse_scenario
from gis.layers import read_layer

CLOSE_MIANYANG = {
    "title": "Mianyang bonded zone closed",
    "title_zh": "绵阳综合保税区关闭",
    "description": "test: the bonded zone of Mianyang closed",
    "changes": {"close": ["cbz_mianyang"]},
}
JIANGE = "510823"  # 剑阁县, Guangyuan
JINJIANG = "510104"  # 锦江区, Chengdu
PROBLEM = "application/problem+json"
MISSING = "0b8e4f5c-3d1a-4c77-9a59-1f0e2a8d6b11"


def _county_means(raster: AccessRaster, counties: Any) -> dict[str, float]:
    """Mean hours of the cells whose centre lies in each county (by adcode), computed here."""
    grid = raster.grid
    lon = grid.west + (np.arange(grid.width) + 0.5) * grid.res_deg
    lat = grid.north - (np.arange(grid.height) + 0.5) * grid.res_deg
    xx, yy = np.meshgrid(lon, lat)
    hours = raster.hours.astype(np.float64)
    out = {}
    for adcode, geom in zip(counties["adcode"].astype(str), counties.geometry, strict=True):
        inside = shapely.contains_xy(geom, xx, yy) & np.isfinite(hours)
        out[adcode] = float(hours[inside].mean()) if inside.any() else float("nan")
    return out


@pytest.fixture(scope="module")
def independent(engine: Engine, built_dir: Path) -> dict[str, dict[str, float]]:
    """County means on the baseline and with Mianyang's bonded zone closed (30″, as the API)."""
    counties = read_layer(built_dir / "counties.parquet")
    scen = apply_scenario(engine, parse_scenario(CLOSE_MIANYANG, engine=engine))
    return {
        side: _county_means(access_raster(eng, "bonded_zone", build_dir=built_dir), counties)
        for side, eng in (("baseline", engine), ("scenario", scen))
    }


@pytest.fixture
def aclient(
    built_dir: Path, data_dir: Path, service: Service, tmp_path: Path
) -> Iterator[TestClient]:
    # worker_processes=0: the maps render in this process, so a test can capture what reaches
    # the exporter (the worker-process path is tests/api/test_pool.py's business)
    settings = Settings(
        data_dir=data_dir,
        build_dir=built_dir,
        cache_size=64,
        state_dir=tmp_path / "state",
        worker_processes=0,
    )
    app = create_app(settings, service=service)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
    store = getattr(app.state, "scenario_store", None)
    if store is not None:
        store.dispose()


def _means(client: TestClient, **params: str) -> tuple[dict[str, float | None], Any]:
    resp = client.get("/app/data/access-counties.json", params={"to": "bonded_zone", **params})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    return {r["adcode"]: r["mean_h"] for r in body["counties"]}, body.get("scenario")


def test_a_closed_bonded_zone_no_longer_counts_and_a_new_version_is_not_served_stale(
    aclient: TestClient, independent: dict[str, dict[str, float]]
) -> None:
    made = aclient.post("/v1/scenarios", json=CLOSE_MIANYANG)
    assert made.status_code == 201, made.text
    sid = made.json()["id"]
    base, named = _means(aclient)
    scen, named_scen = _means(aclient, scenario=sid)
    assert named is None  # a baseline answer names no scenario
    assert named_scen["id"] == sid
    assert named_scen["version"] == 1
    assert named_scen["title"] == CLOSE_MIANYANG["title"]
    assert named_scen["baseline"]["parameters_version"]
    # The API's county means are the independently computed ones (rounded to 3 decimals).
    checked = 0
    for adcode, mine in independent["scenario"].items():
        if not np.isfinite(mine):
            assert scen[adcode] is None
            continue
        assert scen[adcode] == pytest.approx(mine, abs=6e-4), adcode
        assert base[adcode] == pytest.approx(independent["baseline"][adcode], abs=6e-4), adcode
        checked += 1
    assert checked > 170
    # Jiange's nearest bonded zone was Mianyang's: the trip grows by more than an hour
    # (README, measured 2026-12-02: 2.61 -> 3.97 h); Jinjiang keeps Chengdu's.
    jiange_base, jiange_scen = independent["baseline"][JIANGE], independent["scenario"][JIANGE]
    assert jiange_scen - jiange_base > 1.0
    assert scen[JIANGE] is not None
    assert base[JIANGE] is not None
    assert scen[JIANGE] - base[JIANGE] > 1.0
    assert scen[JINJIANG] == base[JINJIANG]
    # closing a hub never brings a county closer
    assert all(
        s is None or b is None or s >= b - 1e-3 for s, b in ((scen[a], base[a]) for a in scen)
    )

    # A new version of the scenario (the closure withdrawn) is computed afresh, not served
    # from the cache of version 1.
    put = aclient.put(
        f"/v1/scenarios/{sid}",
        json={**CLOSE_MIANYANG, "title": "Mianyang reopened", "changes": {}},
        headers={"If-Match": '"v1"'},
    )
    assert put.status_code == 200, put.text
    again, named_v2 = _means(aclient, scenario=sid)
    assert named_v2["version"] == 2
    assert again[JIANGE] == pytest.approx(independent["baseline"][JIANGE], abs=6e-4)
    html = aclient.get("/maps/access.html", params={"to": "bonded_zone", "scenario": sid})
    assert html.status_code == 200
    assert "Mianyang reopened (v2, " in html.text
    assert "Mianyang bonded zone closed" not in html.text


def test_access_maps_under_a_scenario_name_it_and_its_version(
    aclient: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = aclient.post("/v1/scenarios", json=CLOSE_MIANYANG).json()
    sid = made["id"]
    html = aclient.get("/maps/access.html", params={"to": "bonded_zone", "scenario": sid})
    assert html.status_code == 200
    assert "text/html" in html.headers["content-type"]
    fingerprint = aclient.get(
        "/app/data/access-counties.json", params={"to": "bonded_zone", "scenario": sid}
    ).json()["scenario"]["fingerprint"]
    # the subtitle: title, version, fingerprint, the baseline's parameters version
    assert f"Mianyang bonded zone closed (v1, {fingerprint[:12]})" in html.text
    base_html = aclient.get("/maps/access.html", params={"to": "bonded_zone"}).text
    assert "Mianyang bonded zone closed" not in base_html
    # the closed hub is not drawn: its name (places.csv) is on the baseline map only
    assert "Mianyang Comprehensive Bonded Zone" in base_html
    assert "Mianyang Comprehensive Bonded Zone" not in html.text

    # The print layouts' title block names the scenario and its version, whatever a
    # ``scenario`` label would have said (the options reach the exporter: captured here).
    seen: list[Any] = []

    def fake_export(scene: Any, fmt: Any, *, options: Any = None, **_: Any) -> bytes:
        seen.append((scene, fmt, options))
        return b"\x89PNG\r\n\x1a\n"

    monkeypatch.setattr(maps_routes, "export", fake_export)
    for suffix in ("png", "pdf", "svg"):
        resp = aclient.get(
            f"/maps/access.{suffix}", params={"to": "bonded_zone", "scenario": sid, "dpi": 40}
        )
        assert resp.status_code == 200, (suffix, resp.text)
    label = "Mianyang bonded zone closed (v1)"  # in the row labelled 情景 Scenario
    assert [o.scenario for _, _, o in seen] == [label] * 3
    assert all("Mianyang bonded zone closed (v1, " in s.subtitle for s, _, _ in seen)
    seen.clear()
    assert aclient.get("/maps/access.png", params={"to": "bonded_zone"}).status_code == 200
    assert seen[0][2].scenario == "基准 Baseline"


def test_access_maps_of_an_unknown_scenario_are_404_problems(aclient: TestClient) -> None:
    for path in (
        "/maps/access.html",
        "/maps/access.png",
        "/maps/access.pdf",
        "/maps/access.svg",
        "/app/data/access-counties.json",
    ):
        resp = aclient.get(path, params={"to": "bonded_zone", "scenario": MISSING})
        assert resp.status_code == 404, (path, resp.text)
        assert resp.headers["content-type"].startswith(PROBLEM), path
        assert MISSING in resp.json()["detail"]
        bad = aclient.get(path, params={"to": "bonded_zone", "scenario": "not an id"})
        assert bad.status_code == 422, path
        assert bad.headers["content-type"].startswith(PROBLEM), path


# ----------------------------------------------------------------------------- the cache
class _FakeService:
    """Just what :func:`maps_routes.access_inputs` reads of a service (no engine, no rasters)."""

    def __init__(self, build_dir: Path) -> None:
        self.build_dir = build_dir

    def engine_for(self, scenario: Any = None) -> Any:
        return ("engine", None if scenario is None else (scenario.id, scenario.version))


class _Stored:
    def __init__(self, sid: str, version: int) -> None:
        self.id, self.version = sid, version


def test_each_key_is_computed_once_and_old_scenario_rasters_are_evicted(
    built_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading  # noqa: PLC0415

    import corridors.accessibility as acc  # noqa: PLC0415

    calls: list[Any] = []
    lock = threading.Lock()

    def fake_raster(engine: Any, kind: str, **_: Any) -> Any:
        time.sleep(0.2)  # long enough for the other threads to ask meanwhile
        with lock:
            calls.append((engine, kind))
        return ("raster", engine, kind)

    monkeypatch.setattr(acc, "access_raster", fake_raster)
    monkeypatch.setattr(acc, "county_summary", lambda raster, _counties: ("summary", raster))
    service: Any = _FakeService(built_dir)
    a, b = _Stored("a" * 32, 1), _Stored("b" * 32, 1)
    results: list[Any] = []

    def ask(stored: Any) -> None:
        out = maps_routes.access_inputs(service, "bonded_zone", stored)
        with lock:
            results.append(out[0])

    threads = [threading.Thread(target=ask, args=(s,)) for s in (a, a, a, b, b, None, None)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    # three keys asked concurrently, each computed once, every caller answered
    assert sorted(map(str, calls)) == sorted(
        map(str, [(("engine", None), "bonded_zone"), (("engine", (a.id, 1)), "bonded_zone"),
                  (("engine", (b.id, 1)), "bonded_zone")])
    )  # fmt: skip
    assert len(results) == 7
    # a new version is a new key; beyond SCENARIO_ACCESS_RASTERS the least recently used
    # scenario raster goes, the baseline's never
    calls.clear()
    maps_routes.access_inputs(service, "bonded_zone", _Stored(a.id, 2))
    assert len(calls) == 1
    for i in range(maps_routes.SCENARIO_ACCESS_RASTERS):
        maps_routes.access_inputs(service, "bonded_zone", _Stored(f"{i:032d}", 1))
    calls.clear()
    maps_routes.access_inputs(service, "bonded_zone", None)  # baseline: still cached
    maps_routes.access_inputs(service, "bonded_zone", _Stored(f"{7:032d}", 1))  # recent: cached
    assert calls == []
    maps_routes.access_inputs(service, "bonded_zone", b)  # evicted: computed again
    assert len(calls) == 1
