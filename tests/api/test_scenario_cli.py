"""``shudao scenario ...`` on the shared store, and ``--scenario ID`` on the commands.

The CLI and an HTTP app are given the same settings (state dir, or PostgreSQL database URL) and
each must see the other's scenarios. Figures under the scenario are computed by hand from the
wait rule (0.5 x 168 h / frequency): the weekly Chengdu–Vientiane through train waits 84 h, at
14 a week 6 h.
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner, Result

from api.cli import EXIT_BAD_OPTION, app
from api.http.app import create_app
from api.service import Service
from api.settings import Settings
from corridors.engine import Engine

SERVICE = "cl_rail_chengdu_vientiane"


def _doc(frequency: float, title: str = "China–Laos 14 a week") -> dict[str, Any]:
    return {
        "title": title,
        "changes": {
            "services": {SERVICE: {"frequency_per_week": frequency, "assumption": "test figure"}}
        },
    }


@pytest.fixture
def env(built_dir: Path, data_dir: Path, store_config: Any) -> dict[str, str]:
    out = {
        "SHUDAO_BUILD_DIR": str(built_dir),
        "SHUDAO_DATA_DIR": str(data_dir),
        "SHUDAO_STATE_DIR": str(store_config.state_dir),
    }
    if store_config.url:
        out["SHUDAO_DATABASE_URL"] = store_config.url
    return out


@pytest.fixture
def run(env: dict[str, str], reuse_engine: Engine) -> Callable[..., Result]:
    assert reuse_engine.network.services
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(app, list(args), env=env)

    return invoke


@pytest.fixture
def server(built_dir: Path, data_dir: Path, service: Service, store_config: Any) -> Any:
    settings = Settings(
        data_dir=data_dir,
        build_dir=built_dir,
        state_dir=store_config.state_dir,
        database_url=store_config.url,
    )
    application = create_app(settings, service=service)
    with TestClient(application, raise_server_exceptions=False) as c:
        yield c
    store = getattr(application.state, "scenario_store", None)
    if store is not None:
        store.dispose()


def _write(tmp_path: Path, name: str, doc: dict[str, Any]) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc), "utf-8")
    return path


def test_cli_and_server_share_the_store(
    run: Callable[..., Result], server: TestClient, tmp_path: Path
) -> None:
    made = run("scenario", "create", str(_write(tmp_path, "a.json", _doc(14))), "--json")
    assert made.exit_code == 0, made.output
    body = json.loads(made.stdout)
    sid = body["id"]
    assert body["version"] == 1
    assert body["document"]["title"] == "China–Laos 14 a week"
    # the server sees the CLI's scenario, and changes it
    got = server.get(f"/v1/scenarios/{sid}")
    assert got.status_code == 200
    assert got.headers["etag"] == '"v1"'
    put = server.put(
        f"/v1/scenarios/{sid}", json=_doc(7, "by the server"), headers={"If-Match": '"v1"'}
    )
    assert put.status_code == 200
    # ... and the CLI sees the server's change
    shown = json.loads(run("scenario", "show", sid, "--json").stdout)
    assert (shown["version"], shown["document"]["title"]) == (2, "by the server")
    listed = json.loads(run("scenario", "list", "--json").stdout)["scenarios"]
    assert [(s["id"], s["version"]) for s in listed] == [(sid, 2)]
    # a CLI update based on a stale version is refused and changes nothing
    stale = run(
        "scenario", "update", sid, str(_write(tmp_path, "b.json", _doc(21))), "--if-version", "1"
    )
    assert stale.exit_code == EXIT_BAD_OPTION
    assert server.get(f"/v1/scenarios/{sid}").json()["document"]["title"] == "by the server"
    upd = run("scenario", "update", sid, str(_write(tmp_path, "c.json", _doc(21, "cli v3"))))
    assert upd.exit_code == 0, upd.output
    assert server.get(f"/v1/scenarios/{sid}").headers["etag"] == '"v3"'
    assert run("scenario", "delete", sid).exit_code == 0
    assert server.get(f"/v1/scenarios/{sid}").status_code == 404
    trail = json.loads(run("scenario", "audit", sid, "--json").stdout)["entries"]
    me = f"cli:{getpass.getuser()}"
    assert [(e["action"], e["version"], e["actor"]) for e in trail] == [
        ("create", 1, me),
        ("update", 2, "anonymous"),
        ("update", 3, me),
        ("delete", 3, me),
    ]


def test_bad_file_names_every_problem_and_stores_nothing(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    bad = {
        "title": "two mistakes",
        "changes": {"close": ["atlantis_port"], "remove_services": ["no_such_service"]},
    }
    res = run("scenario", "create", str(_write(tmp_path, "bad.json", bad)), "--json")
    assert res.exit_code == EXIT_BAD_OPTION
    assert "atlantis_port" in res.output
    assert "no_such_service" in res.output
    assert json.loads(run("scenario", "list", "--json").stdout) == {"scenarios": []}


def test_route_and_diff_under_a_stored_scenario(run: Callable[..., Result], tmp_path: Path) -> None:
    sid = json.loads(
        run("scenario", "create", str(_write(tmp_path, "a.json", _doc(14))), "--json").stdout
    )["id"]
    res = run("route", "Chengdu", "Vientiane", "--scenario", sid, "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["scenario"]["id"] == sid
    assert out["scenario"]["version"] == 1
    waits = [
        leg["breakdown"]["wait_h"]
        for r in out["routes"]
        for leg in r["legs"]
        if leg["service"] == SERVICE
    ]
    assert waits == [pytest.approx(0.5 * 168 / 14)]
    diff = run("scenario", "diff", sid, "Chengdu", "Vientiane", "--json")
    assert diff.exit_code == 0, diff.output
    laos = next(a for a in json.loads(diff.stdout)["alternatives"] if a["corridor"] == "china_laos")
    assert laos["delta_time_h"] == pytest.approx(-(84 - 6))


def test_unknown_scenario_id_exits_64(run: Callable[..., Result]) -> None:
    missing = "0b8e4f5c-3d1a-4c77-9a59-1f0e2a8d6b11"
    for args in (
        ("route", "Chengdu", "Lodz", "--scenario", missing),
        ("scenario", "show", missing),
        ("scenario", "delete", missing),
    ):
        res = run(*args)
        assert res.exit_code == EXIT_BAD_OPTION, args
        assert missing in res.output
