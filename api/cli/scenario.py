"""The ``shudao scenario`` commands: a scenario beside the baseline.

``shudao scenario diff FILE ORIGIN DESTINATION [--json]`` reads a scenario document (TOML or
JSON), validates it against the data (every problem at once, exit 64), applies it and prints,
for each corridor, the baseline route beside the scenario's with the deltas and whether the
best corridor changes. The sub-app is :data:`scenario_app`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

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
    emit_json,
    err,
    handle_errors,
    load_engine,
    route_request,
)

scenario_app = typer.Typer(
    help="Scenarios: changes to the baseline, compared with it / 情景：相对基准的变化及对比。",
    no_args_is_help=True,
)


@scenario_app.command("diff")
@handle_errors
def diff_cmd(
    file: Annotated[Path, typer.Argument(help="Scenario file (.toml or .json).")],
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
    from corridors.scenarios import apply_scenario, load_scenario_file  # noqa: PLC0415

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
    engine = load_engine()
    scenario = load_scenario_file(file, engine=engine)
    scen = apply_scenario(engine, scenario)
    comparison = compare_route(engine, scen, req)
    if as_json:
        emit_json(comparison.to_dict())
        return
    print_comparison(comparison.to_dict())


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
