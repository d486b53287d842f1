"""The ``shudao scenario`` commands: the shared scenario store, and a scenario beside the baseline.

- ``list``, ``show ID``, ``create FILE``, ``update ID FILE``, ``delete ID`` and ``audit ID``
  work on the scenario store of the settings (``SHUDAO_DATABASE_URL``, or ``scenarios.sqlite3``
  in ``SHUDAO_STATE_DIR``): the same store as ``shudao serve``'s, so each sees the other's
  scenarios. Documents are validated against the data before they are stored (every problem at
  once, exit 64). ``update`` and ``delete`` apply to the current version, or, with
  ``--if-version N``, only if the stored version is still N (else exit 64, nothing changed).
- ``diff ID|FILE ORIGIN DESTINATION`` applies a stored scenario (by id) or a scenario document
  (TOML or JSON file) and prints, for each corridor, the baseline route beside the scenario's
  with the deltas and whether the best corridor changes.
- ``map ID|FILE --to KIND [--out FILE]`` draws the change in each county's mean hours to the
  nearest hub of KIND, scenario minus baseline, on a diverging colour-blind-safe scale
  (:func:`maps.scenario_map.access_diff_scene`), as a print layout or an HTML map.
- ``route-map ID|FILE ORIGIN DESTINATION [--out FILE]`` draws the baseline's best route and the
  scenario's on one map (:func:`maps.scenario_map.route_diff_scene`).

Every command takes ``--json``; ``create --json`` prints the stored scenario with its ``id``.
The sub-app is :data:`scenario_app`.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from api.cli.common import (
    AlternativesOpt,
    AvoidOpt,
    ModesOpt,
    ObjectiveOpt,
    QuantityOpt,
    UnitOpt,
    cli_settings,
    cli_store,
    emit_json,
    err,
    handle_errors,
    is_scenario_id,
    load_engine,
    route_request,
)

if TYPE_CHECKING:
    from api.store import StoredScenario

scenario_app = typer.Typer(
    help="Scenarios: changes to the baseline, compared with it / 情景：相对基准的变化及对比。",
    no_args_is_help=True,
)


def _baseline_and_scenario(file: str) -> tuple[Any, Any]:
    """The baseline engine and the engine of a stored scenario (by id) or of a scenario file."""
    from corridors.scenarios import apply_scenario, load_scenario_file  # noqa: PLC0415

    if is_scenario_id(file) and not Path(file).exists():
        stored = cli_store().get(file)
        engine = load_engine()
        from api.service import engine_under  # noqa: PLC0415

        return engine, engine_under(engine, stored)
    engine = load_engine()
    return engine, apply_scenario(engine, load_scenario_file(Path(file), engine=engine))


@scenario_app.command("diff")
@handle_errors
def diff_cmd(
    file: Annotated[
        str, typer.Argument(help="A stored scenario's id, or a scenario file (.toml or .json).")
    ],
    origin: Annotated[str, typer.Argument(help="Origin: name (zh/en), code or 'lon,lat'.")],
    destination: Annotated[str, typer.Argument(help="Destination: name, code or 'lon,lat'.")],
    unit: UnitOpt = "FEU",
    quantity: QuantityOpt = 1.0,
    modes: ModesOpt = None,
    avoid: AvoidOpt = None,
    objective: ObjectiveOpt = "time",
    alternatives: AlternativesOpt = 3,
    as_json: Annotated[bool, typer.Option("--json", help="Print the comparison as JSON.")] = False,
) -> None:
    """Routes under a scenario beside the baseline / 情景与基准的路线对比."""
    from corridors.scenario_compare import compare_route  # noqa: PLC0415 (keep --help fast)

    req = route_request(
        origin,
        destination,
        unit=unit,
        quantity=quantity,
        modes=modes,
        avoid=avoid,
        objective=objective,
        alternatives=alternatives,
    )
    engine, scen = _baseline_and_scenario(file)
    comparison = compare_route(engine, scen, req)
    if as_json:
        emit_json(comparison.to_dict())
        return
    print_comparison(comparison.to_dict())


@scenario_app.command("map")
@handle_errors
def map_cmd(
    file: Annotated[
        str, typer.Argument(help="A stored scenario's id, or a scenario file (.toml or .json).")
    ],
    to: Annotated[
        str,
        typer.Option(
            "--to", help="Hub kind: bonded_zone, rail_port, airport, river_port, border_crossing."
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="File to write (.png, .pdf, .svg print layout; .html interactive). "
            "Default: access-diff-KIND.png.",
        ),
    ] = None,
    res_arcsec: Annotated[
        float, typer.Option(help="Raster cell size in arc-seconds.", min=1.0, max=3600.0)
    ] = 30.0,
    paper: Annotated[str, typer.Option("--paper", help="Paper size: A4 or A3.")] = "A4",
    orientation: Annotated[
        str, typer.Option("--orientation", help="Page orientation: landscape or portrait.")
    ] = "landscape",
    dpi: Annotated[int, typer.Option("--dpi", help="PNG resolution (150 or 300 for print).")] = 150,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the county table as JSON.")
    ] = False,
) -> None:
    """Map of the change in hours to a hub kind, scenario − baseline / 情景与基准通行时间差异图."""
    from corridors.scenario_compare import compare_access  # noqa: PLC0415
    from gis.layers import read_layer  # noqa: PLC0415
    from maps.briefings import MapData  # noqa: PLC0415
    from maps.export import export  # noqa: PLC0415
    from maps.layout import OutputFormat, PrintOptions, output_format  # noqa: PLC0415
    from maps.scenario_map import access_diff_scene, title_block_label  # noqa: PLC0415

    target = out if out is not None else Path(f"access-diff-{to}.png")
    fmt = output_format(target)
    options = PrintOptions(
        paper=paper.upper(), orientation=orientation.lower(), dpi=dpi, fmt=OutputFormat.PNG
    )  # checked before the rasters are computed
    engine, scen = _baseline_and_scenario(file)
    build_dir = cli_settings().build_dir
    comparison = compare_access(engine, scen, to, build_dir=build_dir, res_deg=res_arcsec / 3600.0)
    counties = read_layer(build_dir / "counties.parquet")
    table = comparison.county_delta(counties)
    scene = access_diff_scene(
        data=MapData.load(build_dir),
        catalog=engine.catalog,
        comparison=comparison,
        county_delta=table,
        counties=counties,
    )
    label = title_block_label(comparison.scenario)
    data = export(scene, fmt, options=replace(options, scenario=label))
    target.write_bytes(data)
    err.print(f"wrote {target} ({fmt.value.upper()}, {len(data) / 1e6:.2f} MB)")
    if as_json:
        ref = comparison.scenario
        emit_json(
            {
                "out": str(target),
                "kind": comparison.baseline.kind.value,
                "scenario": ref.to_dict() if ref else None,
                "baseline_parameters_version": comparison.baseline.parameters_version,
                "counties": [
                    {
                        "adcode": str(r.adcode),
                        "name_zh": str(r.name_zh),
                        "baseline_mean_h": _num(r.baseline_mean_h),
                        "scenario_mean_h": _num(r.scenario_mean_h),
                        "delta_mean_h": _num(r.delta_mean_h),
                    }
                    for r in table.itertuples(index=False)
                ],
            }
        )


@scenario_app.command("route-map")
@handle_errors
def route_map_cmd(
    file: Annotated[
        str, typer.Argument(help="A stored scenario's id, or a scenario file (.toml or .json).")
    ],
    origin: Annotated[str, typer.Argument(help="Origin: name (zh/en), code or 'lon,lat'.")],
    destination: Annotated[str, typer.Argument(help="Destination: name, code or 'lon,lat'.")],
    out: Annotated[
        Path,
        typer.Option(
            "--out", help="File to write (.png, .pdf, .svg print layout; .html interactive)."
        ),
    ] = Path("route-diff.png"),
    unit: UnitOpt = "FEU",
    quantity: QuantityOpt = 1.0,
    modes: ModesOpt = None,
    avoid: AvoidOpt = None,
    objective: ObjectiveOpt = "time",
    dpi: Annotated[int, typer.Option("--dpi", help="PNG resolution (150 or 300 for print).")] = 150,
) -> None:
    """The best route on the baseline and under a scenario, on one map / 基准与情景最优路线图."""
    from maps.briefings import MapData  # noqa: PLC0415
    from maps.export import export  # noqa: PLC0415
    from maps.layout import PrintOptions, output_format  # noqa: PLC0415
    from maps.scenario_map import route_diff_scene, title_block_label  # noqa: PLC0415

    fmt = output_format(out)
    req = route_request(
        origin, destination, unit=unit, quantity=quantity, modes=modes, avoid=avoid,
        objective=objective, alternatives=1,
    )  # fmt: skip
    engine, scen = _baseline_and_scenario(file)
    ref = getattr(scen, "ref", None)
    scene = route_diff_scene(
        data=MapData.load(cli_settings().build_dir),
        baseline=engine.answer(req),
        scenario=scen.answer(req),
        network=scen.network,
        ref=ref,
    )
    data = export(scene, fmt, options=PrintOptions(dpi=dpi, scenario=title_block_label(ref)))
    out.write_bytes(data)
    err.print(f"wrote {out} ({fmt.value.upper()}, {len(data) / 1e6:.2f} MB)")


def _num(x: Any) -> float | None:
    v = float(x)
    return round(v, 6) if v == v else None


def _fmt(x: float | None, spec: str = ",.1f", *, signed: bool = False) -> str:
    if x is None:
        return "—"
    return format(x, ("+" if signed else "") + spec)


def print_comparison(res: dict[str, Any]) -> None:
    """Print a comparison (the JSON form of ``RouteComparison``) as a bilingual table."""
    out = Console(highlight=False, width=None if sys.stdout.isatty() else 180)
    o, d = res["origin"]["properties"], res["destination"]["properties"]
    sc = res["scenario"] or {}
    out.print(
        f"[bold]{sc.get('title', '')}[/] — {o['name_zh']} {o['name_en']} → "
        f"{d['name_zh']} {d['name_en']}  (baseline parameters / 基准参数 "
        f"{res['baseline_parameters_version']}, scenario / 情景 {sc.get('fingerprint', '')[:12]})"
    )
    t = Table(title="Baseline beside scenario / 基准与情景对比")
    for col in (
        "corridor 通道",
        "baseline h 基准时间",
        "scenario h 情景时间",
        "Δ h",
        "baseline CNY 基准成本",
        "scenario CNY 情景成本",
        "Δ CNY",
        "Δ CO2 kg",
        "borders baseline → scenario 口岸",
    ):
        t.add_column(col)
    for a in res["alternatives"]:
        b, s = a["baseline"], a["scenario"]
        borders = (
            f"{','.join(b['border_crossings']) if b else '—'} → "
            f"{','.join(s['border_crossings']) if s else '—'}"
        )
        t.add_row(
            a["corridor"],
            _fmt(b and b["time_h"]),
            _fmt(s and s["time_h"]),
            _fmt(a["delta_time_h"], signed=True),
            _fmt(b and b["cost_cny"], ",.0f"),
            _fmt(s and s["cost_cny"], ",.0f"),
            _fmt(a["delta_cost_cny"], ",.0f", signed=True),
            _fmt(a["delta_co2_kg"], ",.0f", signed=True),
            borders,
        )
    out.print(t)
    changed = "yes / 是" if res["best_corridor_changed"] else "no / 否"
    out.print(
        f"best corridor / 最优通道: {res['best_corridor_baseline']} → "
        f"{res['best_corridor_scenario']} (changed / 是否变化: {changed})"
    )
    for key, label in (
        ("baseline_problem", "baseline / 基准"),
        ("scenario_problem", "scenario / 情景"),
    ):
        if res.get(key):
            err.print(f"{label}: {res[key]}", markup=False)


# --------------------------------------------------------------------------- the store
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
IdArg = Annotated[str, typer.Argument(help="The scenario's id (shudao scenario list).")]
FileArg = Annotated[Path, typer.Argument(help="Scenario document (.toml or .json).")]
IfVersionOpt = Annotated[
    int | None,
    typer.Option(help="Change only if the stored version is still this one (else exit 64).", min=1),
]


def _actor() -> str:
    from api.store.scenarios import cli_actor  # noqa: PLC0415

    return cli_actor()


def _validated_file(path: Path) -> dict[str, Any]:
    """The document of *path*, validated against the data (every problem at once, exit 64)."""
    from corridors.scenarios import load_scenario_file  # noqa: PLC0415

    engine = load_engine()
    doc: dict[str, Any] = load_scenario_file(path, engine=engine).model_dump(mode="json")
    return doc


def _print_stored(s: StoredScenario, *, verb: str = "") -> None:
    out = Console(highlight=False)
    lead = f"{verb} " if verb else ""
    out.print(f"{lead}{s.id}  version {s.version}  {s.title}")
    out.print(
        f"  created / 创建 {s.created_at.isoformat(timespec='seconds')} by {s.created_by}; "
        f"updated / 更新 {s.updated_at.isoformat(timespec='seconds')} by {s.updated_by}"
    )


@scenario_app.command("list")
@handle_errors
def list_cmd(as_json: JsonOpt = False) -> None:
    """Stored scenarios, most recently updated first / 已存情景."""
    stored = cli_store().all()
    if as_json:
        emit_json({"scenarios": [s.summary() for s in stored]})
        return
    table = Table(title=f"{len(stored)} scenario(s) / 个情景")
    for col in ("id", "version 版本", "title 标题", "updated 更新", "by 操作者"):
        table.add_column(col)
    for s in stored:
        table.add_row(
            s.id, str(s.version), s.title, s.updated_at.isoformat(timespec="seconds"), s.updated_by
        )
    Console(highlight=False, width=None if sys.stdout.isatty() else 160).print(table)


@scenario_app.command("show")
@handle_errors
def show_cmd(scenario_id: IdArg, as_json: JsonOpt = False) -> None:
    """One stored scenario with its document / 情景详情."""
    s = cli_store().get(scenario_id)
    if as_json:
        emit_json(s.to_dict())
        return
    _print_stored(s)
    emit_json(s.document)


@scenario_app.command("create")
@handle_errors
def create_cmd(file: FileArg, as_json: JsonOpt = False) -> None:
    """Validate a scenario document and store it (version 1) / 新建情景."""
    doc = _validated_file(file)
    s = cli_store().create(doc, actor=_actor())
    if as_json:
        emit_json(s.to_dict())
        return
    _print_stored(s, verb="created / 已创建")


@scenario_app.command("update")
@handle_errors
def update_cmd(
    scenario_id: IdArg, file: FileArg, if_version: IfVersionOpt = None, as_json: JsonOpt = False
) -> None:
    """Replace a stored scenario's document (its version +1) / 更新情景."""
    store = cli_store()
    current = store.get(scenario_id)  # an unknown id fails before the data are loaded
    doc = _validated_file(file)
    expected = if_version if if_version is not None else current.version
    s = store.update(scenario_id, doc, expected_version=expected, actor=_actor())
    if as_json:
        emit_json(s.to_dict())
        return
    _print_stored(s, verb="updated / 已更新")


@scenario_app.command("delete")
@handle_errors
def delete_cmd(
    scenario_id: IdArg, if_version: IfVersionOpt = None, as_json: JsonOpt = False
) -> None:
    """Delete a stored scenario (its audit trail is kept) / 删除情景."""
    store = cli_store()
    current = store.get(scenario_id)
    expected = if_version if if_version is not None else current.version
    store.delete(scenario_id, expected_version=expected, actor=_actor())
    if as_json:
        emit_json({"id": scenario_id, "deleted_version": expected})
        return
    Console(highlight=False).print(f"deleted / 已删除 {scenario_id} (version {expected})")


@scenario_app.command("audit")
@handle_errors
def audit_cmd(scenario_id: IdArg, as_json: JsonOpt = False) -> None:
    """Every change of a scenario: what, when, by whom / 情景变更记录."""
    entries = cli_store().audit(scenario_id)
    if as_json:
        emit_json({"scenario_id": scenario_id, "entries": [e.to_dict() for e in entries]})
        return
    table = Table(title=f"audit / 变更记录 {scenario_id}")
    for col in ("#", "action 操作", "version 版本", "at 时间", "actor 操作者", "changes 变化"):
        table.add_column(col)
    for e in entries:
        paths = ", ".join(d["path"] for d in e.diff[:6]) + (" ..." if len(e.diff) > 6 else "")
        table.add_row(
            str(e.seq), e.action, str(e.version), e.at.isoformat(timespec="seconds"), e.actor, paths
        )
    Console(highlight=False, width=None if sys.stdout.isatty() else 160).print(table)
