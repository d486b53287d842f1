"""Build integrity: a partial, altered or corrupt build is refused by name (issue 12, 1 and 2).

Each test works on a private copy of the built layers (tmp_path), so the shared build is never
touched. The alteration is the operator's experiment from the issue: ``length_m`` x 3 in
``rail_edges.parquet``, rewritten as a valid Parquet file, which gave Chengdu-Duisburg 23,463 km
with exit 0 before.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import gis.build
from api.cli import app
from corridors.engine import Engine
from corridors.netstore import input_digests
from gis.build import build_all
from gis.integrity import BuildIntegrityError, verify_build

pytestmark = pytest.mark.build


@pytest.fixture
def copy(built_dir: Path, tmp_path: Path) -> Path:
    out = tmp_path / "build"
    shutil.copytree(built_dir, out)
    return out


def _cli_route(build_dir: Path, data_dir: Path) -> tuple[int, str]:
    env = {"SHUDAO_BUILD_DIR": str(build_dir), "SHUDAO_DATA_DIR": str(data_dir)}
    res = CliRunner().invoke(app, ["route", "Chengdu", "Duisburg", "--json"], env=env)
    return res.exit_code, res.output


def test_the_shared_build_verifies(built_dir: Path) -> None:
    verify_build(built_dir)  # the fixture build is whole: nothing raised


def test_altered_rail_edges_refused_by_name(copy: Path, data_dir: Path) -> None:
    path = copy / "rail_edges.parquet"
    edges = pd.read_parquet(path)
    edges["length_m"] = edges["length_m"] * 3
    edges.to_parquet(path)
    with pytest.raises(
        BuildIntegrityError, match=r"rail_edges\.parquet: .*(bytes|SHA-256)"
    ) as info:
        verify_build(copy)
    assert info.value.exit_code == 4
    assert info.value.status == 503
    code, out = _cli_route(copy, data_dir)
    assert code == 4
    assert "rail_edges.parquet" in out
    assert "shudao data build" in out
    assert "Traceback" not in out


def test_truncated_layer_refused_by_name(copy: Path, data_dir: Path) -> None:
    path = copy / "road_edges.parquet"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(BuildIntegrityError, match=r"road_edges\.parquet.*truncated"):
        verify_build(copy)
    code, out = _cli_route(copy, data_dir)
    assert (code, "road_edges.parquet" in out, "Traceback" in out) == (4, True, False)


def test_same_size_corruption_refused_by_name(copy: Path) -> None:
    path = copy / "road_graph.npz"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte, size unchanged
    path.write_bytes(bytes(data))
    with pytest.raises(BuildIntegrityError, match=r"road_graph\.npz.*SHA-256"):
        verify_build(copy)


def test_missing_layer_refused_by_name(copy: Path, data_dir: Path) -> None:
    (copy / "counties.parquet").unlink()
    with pytest.raises(BuildIntegrityError, match=r"counties\.parquet: missing"):
        verify_build(copy)
    code, out = _cli_route(copy, data_dir)
    assert (code, "counties.parquet" in out, "Traceback" in out) == (4, True, False)


def test_engine_file_absent_from_manifest_refused(copy: Path) -> None:
    manifest = json.loads((copy / "manifest.json").read_text("utf-8"))
    del manifest["layers"]["road_cch_order"]
    (copy / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    with pytest.raises(BuildIntegrityError, match=r"road_cch_order\.npy: not in the manifest"):
        verify_build(copy)


def test_stored_network_without_its_sea_variants_refused(copy: Path, data_dir: Path) -> None:
    """A build listing the service network but not its sea variants is incomplete."""
    manifest = json.loads((copy / "manifest.json").read_text("utf-8"))
    assert manifest["layers"]["sea_variants"]["rows"] > 0  # the build stores them
    del manifest["layers"]["sea_variants"]
    (copy / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    (copy / "sea_variants.parquet").unlink()
    with pytest.raises(
        BuildIntegrityError, match=r"sea_variants\.parquet: not in the manifest, which lists"
    ):
        verify_build(copy)
    code, out = _cli_route(copy, data_dir)
    assert (code, "sea_variants.parquet" in out, "Traceback" in out) == (4, True, False)


def test_deleted_sea_variants_refused_by_name(copy: Path) -> None:
    (copy / "sea_variants.parquet").unlink()
    with pytest.raises(BuildIntegrityError, match=r"sea_variants\.parquet: missing"):
        verify_build(copy)


def test_other_package_version_refused(copy: Path) -> None:
    manifest = json.loads((copy / "manifest.json").read_text("utf-8"))
    manifest["packages"]["searoute"] = "0.0.0"
    (copy / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    with pytest.raises(BuildIntegrityError, match=r"built from searoute 0\.0\.0"):
        verify_build(copy)


def _boom(*_args: object, **_kwargs: object) -> None:
    msg = "killed midway (simulated)"
    raise RuntimeError(msg)


def test_build_failing_midway_into_fresh_dir_leaves_no_build(
    tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gis.build, "build_boundaries", _boom)
    target = tmp_path / "fresh"
    with pytest.raises(RuntimeError, match="killed midway"):
        build_all(target, data_dir=data_dir, groups=("airports", "boundaries"))
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []  # the temporary directory was removed too
    with pytest.raises(BuildIntegrityError, match=r"manifest\.json"):
        verify_build(target)
    code, out = _cli_route(target, data_dir)
    assert (code, "manifest.json" in out, "Traceback" in out) == (4, True, False)


def test_build_failing_midway_keeps_the_previous_build(
    copy: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = {p.name: p.read_bytes() for p in copy.iterdir()}
    monkeypatch.setattr(gis.build, "build_boundaries", _boom)
    with pytest.raises(RuntimeError, match="killed midway"):
        build_all(copy, data_dir=data_dir, groups=("airports", "boundaries"))
    assert {p.name: p.read_bytes() for p in copy.iterdir()} == before
    verify_build(copy)
    assert [p.name for p in copy.parent.iterdir()] == ["build"]


def test_partial_build_of_one_group_replaces_atomically(copy: Path, data_dir: Path) -> None:
    old = json.loads((copy / "manifest.json").read_text("utf-8"))
    summary = build_all(copy, data_dir=data_dir, groups=("airports",))
    verify_build(copy)  # the untouched layers were carried over, the manifest covers them all
    new = json.loads((copy / "manifest.json").read_text("utf-8"))
    assert set(new["layers"]) == set(old["layers"])
    assert {layer.name for layer in summary.layers} == set(old["layers"])
    assert [p.name for p in copy.parent.iterdir()] == ["build"]


def _hashes(build: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(build.iterdir())}


def _edited_data(data_dir: Path, tmp_path: Path) -> Path:
    """A copy of the curated tables with one service changed after the build."""
    data = tmp_path / "data"
    shutil.copytree(data_dir, data, ignore=shutil.ignore_patterns("build*", ".build*"))
    path = data / "services.toml"
    text = path.read_text("utf-8")
    old = "frequency_per_week = { value = 7.0,"  # the first service, Chengdu-Lodz: daily
    assert old in text
    path.write_text(text.replace(old, "frequency_per_week = { value = 14.0,", 1), "utf-8")
    return data


def test_load_refuses_a_network_measured_before_a_service_changed(
    copy: Path, data_dir: Path, tmp_path: Path
) -> None:
    # A build made now stores the digest of every input; simulate one and restamp it.
    inputs = input_digests(data_dir, copy)
    meta = json.loads((copy / "service_network.json").read_text("utf-8"))
    meta["inputs"] = inputs
    (copy / "service_network.json").write_text(json.dumps(meta, indent=1) + "\n", "utf-8")
    gis.build.restamp(copy, ("service_network.json",))
    verify_build(copy)
    data = _edited_data(data_dir, tmp_path)
    before = _hashes(copy)
    with pytest.raises(BuildIntegrityError) as info:
        Engine.load(data_dir=data, build_dir=copy)
    msg = str(info.value)
    assert "service_network.json" in msg
    assert "measured before services.toml changed" in msg  # only the changed table is named
    assert "places.csv" not in msg
    assert "shudao data build" in msg
    assert info.value.exit_code == 4
    assert info.value.status == 503
    code, out = _cli_route(copy, data)
    assert (code, "Traceback" in out) == (4, False)
    assert "services.toml" in out
    assert _hashes(copy) == before  # nothing measured or written into the build


def test_load_refuses_a_stale_network_of_an_older_build_naming_every_input(
    copy: Path, data_dir: Path, tmp_path: Path
) -> None:
    # The shared build may predate the per-file digests: every input is named then.
    meta = json.loads((copy / "service_network.json").read_text("utf-8"))
    meta.pop("inputs", None)
    (copy / "service_network.json").write_text(json.dumps(meta, indent=1) + "\n", "utf-8")
    gis.build.restamp(copy, ("service_network.json",))
    data = _edited_data(data_dir, tmp_path)
    before = _hashes(copy)
    with pytest.raises(BuildIntegrityError, match=r"one of services\.toml, places\.csv"):
        Engine.load(data_dir=data, build_dir=copy)
    assert _hashes(copy) == before


def test_load_refuses_sea_variants_chosen_with_other_settings(copy: Path, data_dir: Path) -> None:
    # Same tables, but the stored variants were chosen otherwise (e.g. an older build's
    # depth): loading must refuse by name, never re-measure them into the shared build.
    meta = json.loads((copy / "service_network.json").read_text("utf-8"))
    meta["sea_variants"]["depth"] = meta["sea_variants"]["depth"] + 1
    (copy / "service_network.json").write_text(json.dumps(meta, indent=1) + "\n", "utf-8")
    gis.build.restamp(copy, ("service_network.json",))
    before = _hashes(copy)
    with pytest.raises(BuildIntegrityError, match=r"sea_variants\.parquet: its sea variants"):
        Engine.load(data_dir=data_dir, build_dir=copy)
    assert _hashes(copy) == before


def test_server_on_a_stale_network_answers_503_naming_the_table(
    copy: Path, data_dir: Path, tmp_path: Path
) -> None:
    import time  # noqa: PLC0415

    from fastapi.testclient import TestClient  # noqa: PLC0415

    from api.http.app import create_app  # noqa: PLC0415
    from api.settings import Settings  # noqa: PLC0415

    data = _edited_data(data_dir, tmp_path)
    before = _hashes(copy)
    app = create_app(Settings(data_dir=data, build_dir=copy, state_dir=tmp_path / "st"))
    with TestClient(app, raise_server_exceptions=False) as c:
        deadline = time.monotonic() + 60
        while "build-integrity" not in (resp := c.get("/healthz")).text:
            assert resp.status_code == 503, resp.text  # loading, then refused: never 200
            assert time.monotonic() < deadline
            time.sleep(0.1)
    body = resp.json()
    assert resp.status_code == 503
    assert "services.toml" in body["detail"]
    assert "shudao data build" in body["detail"]
    assert str(copy) not in body["detail"]  # no server path in a client's answer
    assert _hashes(copy) == before


def test_work_dir_of_a_killed_build_is_removed_by_the_next(
    tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess  # noqa: PLC0415
    import sys  # noqa: PLC0415

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    left = tmp_path / f".fresh.building-{dead}-deadbeef"  # what SIGTERM/kill -9 leaves behind
    left.mkdir()
    (left / "rail_edges.parquet").write_bytes(b"partial")
    monkeypatch.setattr(gis.build, "build_boundaries", _boom)
    with pytest.raises(RuntimeError):
        build_all(tmp_path / "fresh", data_dir=data_dir, groups=("boundaries",))
    assert list(tmp_path.iterdir()) == []


def test_server_on_an_altered_build_answers_503_not_200(copy: Path, data_dir: Path) -> None:
    import time  # noqa: PLC0415

    from fastapi.testclient import TestClient  # noqa: PLC0415

    from api.http.app import create_app  # noqa: PLC0415
    from api.settings import Settings  # noqa: PLC0415

    path = copy / "rail_edges.parquet"
    edges = pd.read_parquet(path)
    edges["length_m"] = edges["length_m"] * 3
    edges.to_parquet(path)
    app = create_app(Settings(data_dir=data_dir, build_dir=copy, state_dir=copy.parent / "st"))
    with TestClient(app, raise_server_exceptions=False) as c:
        deadline = time.monotonic() + 60
        while "build-integrity" not in (resp := c.get("/healthz")).text:
            assert resp.status_code == 503, resp.text  # loading, then refused: never 200
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert resp.status_code == 503
        route = c.get("/v1/route", params={"origin": "Chengdu", "destination": "Duisburg"})
        assert route.status_code == 503
