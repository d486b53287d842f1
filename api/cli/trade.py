"""The ``shudao flows`` and ``shudao indicators`` commands: Sichuan's trade on the corridors.

Owns: the two commands (registered by :func:`register`): ``flows [--scenario ID|NAME]
[--by mode|corridor|service|border|gateway|prefecture|region|commodity] [--json]
[--out FILE.csv|.parquet] [--validate] [--map FILE]`` and ``indicators [--scenario ID|NAME]
[--json]``. A scenario is a stored scenario's id or the name of a shipped one
(``data/geo/scenarios/<name>.toml``). The model is :mod:`corridors.trade_report`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from api.cli.common import (
    EXIT_BAD_OPTION,
    cli_settings,
    cli_store,
    emit_json,
    err,
    handle_errors,
    is_scenario_id,
    load_engine,
)

if TYPE_CHECKING:
    from corridors.engine import Engine
    from corridors.trade_report import TradeReport

TradeScenarioOpt = Annotated[
    str | None,
    typer.Option(
        "--scenario",
        help="A stored scenario's id, a shipped scenario's name (e.g. red-sea-closed) or a "
        "scenario file (.toml/.json) / 情景.",
    ),
]


def report_and_engine(scenario: str | None) -> tuple[TradeReport, Engine | None, str]:
    """The trade model, the engine of *scenario* (None: baseline) and its cache key.

    *scenario* is a stored scenario's id, a scenario file (``.toml``/``.json``) or a shipped
    scenario's name; an unknown name is an error with suggestions (exit 64).
    """
    from corridors.trade_report import TradeReport  # noqa: PLC0415 (keep `--help` fast)

    stored = cli_store().get(scenario) if scenario and is_scenario_id(scenario) else None
    base = load_engine()
    report = TradeReport(base, cli_settings().data_dir)
    if scenario is None:
        return report, None, "baseline"
    if stored is not None:
        from api.service import engine_under  # noqa: PLC0415

        return report, engine_under(base, stored), f"{stored.id}@v{stored.version}"
    path = Path(scenario)
    if path.suffix in (".toml", ".json") and path.is_file():  # a scenario document
        from corridors.scenarios import (  # noqa: PLC0415
            apply_scenario,
            load_scenario_file,
            scenario_fingerprint,
        )

        doc = load_scenario_file(path, engine=base)
        return report, apply_scenario(base, doc), f"file:{scenario_fingerprint(doc)}"
    return report, report.shipped(scenario), scenario


def _console() -> Console:
    return Console(highlight=False, width=None if sys.stdout.isatty() else 160)


def _write_rows(rows: list[dict[str, Any]], out: Path) -> None:
    import pyarrow as pa  # noqa: PLC0415

    table = pa.Table.from_pylist(rows)
    if out.suffix == ".parquet":
        import pyarrow.parquet as pq  # noqa: PLC0415

        pq.write_table(table, out)
    else:
        import pyarrow.csv as pcsv  # noqa: PLC0415

        pcsv.write_csv(table, out)


def flows_cmd(
    scenario: TradeScenarioOpt = None,
    by: Annotated[
        str,
        typer.Option(
            help="mode, corridor, service, border, gateway, prefecture, region or commodity."
        ),
    ] = "mode",
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
    out: Annotated[
        Path | None, typer.Option(help="Write the rows to FILE.csv or .parquet.")
    ] = None,
    validate: Annotated[
        bool, typer.Option("--validate", help="Print the validation against held-out figures.")
    ] = False,
    map_out: Annotated[
        Path | None,
        typer.Option(
            "--map", help="Also draw the flow map to FILE.html|.png|.pdf|.svg (line width ∝ value)."
        ),
    ] = None,
) -> None:
    """Sichuan's trade on the corridors / 四川外贸货流: value and tonnes by group (modelled)."""
    if out is not None and out.suffix not in (".csv", ".parquet"):
        err.print(f"error: --out must end in .csv or .parquet, got {out.name!r}")
        raise typer.Exit(EXIT_BAD_OPTION)
    report, engine, key = report_and_engine(scenario)
    if validate:
        res = report.validation()
        if as_json:
            emit_json(res)
        else:
            _print_validation(res)
        return
    res = report.flows(engine, key, by=by)
    if map_out is not None:
        _write_map(report, engine, key, map_out)
    if out is not None:
        _write_rows(res["rows"], out)
        err.print(f"wrote {len(res['rows'])} rows to {out}")
    if as_json:
        emit_json(res)
        return
    con = _console()
    _print_meta(con, res)
    table = Table(title=f"flows by {by} / 按{by}分组 (modelled)")
    for col in ("key", "value bn CNY", "tonnes", "share value", "share tonnes"):
        table.add_column(col, justify="left" if col == "key" else "right")
    for r in res["rows"]:
        table.add_row(
            r.get("name", r["key"]),
            f"{r['value_cny'] / 1e9:,.1f}",
            f"{r['tonnes']:,.0f}",
            f"{100 * r['share_value']:.1f}%",
            f"{100 * r['share_tonnes']:.1f}%",
        )
    con.print(table)


def _write_map(report: TradeReport, engine: Engine | None, key: str, path: Path) -> None:
    """The flow map with the default print options (``shudao map flows`` has them all)."""
    from api.cli.maps import MapOut, write_map  # noqa: PLC0415
    from maps.briefings import MapData  # noqa: PLC0415
    from maps.trade_map import flow_map_label, trade_flow_scene  # noqa: PLC0415

    data = MapData.load(cli_settings().build_dir)
    scene = trade_flow_scene(report, engine, key, data=data)
    write_map(scene, MapOut(path, scenario=flow_map_label(engine)))


def _print_meta(con: Console, res: dict[str, Any]) -> None:
    lg = res["logit"]
    con.print(
        f"base year {res['base_year']}, model {res['model_version']}, parameters "
        f"{res['parameters_version']}, scenario / 情景: {res['scenario'] or 'baseline / 基准'}"
    )
    con.print(
        f"logit scale theta {lg['theta']:.3g}, IT value-of-time x{lg['vot_scale']:g}, "
        f"calibrated on {lg['calibration_figure']} "
        f"(target {lg['calibration_target']:g}, modelled {lg['calibration_modelled']:.3f}); "
        f"mode = {res['mode_definition']}; answered in {res['seconds']:.3f} s"
    )


def _print_validation(res: dict[str, Any]) -> None:
    con = _console()
    _print_meta(con, res)
    table = Table(title="validation against figures held out of calibration / 验证")
    for col in ("figure", "metric", "published", "year", "modelled", "error"):
        table.add_column(col, justify="left" if col in ("figure", "metric") else "right")
    for r in res["rows"]:
        if r["kind"] == "value":
            pub, mod = f"{r['published'] / 1e9:,.1f} bn", f"{r['modelled'] / 1e9:,.1f} bn"
            e = f"APE {100 * r['ape']:.0f}%"
        elif r["kind"] == "share":
            pub, mod = f"{100 * r['published']:.1f}%", f"{100 * r['modelled']:.1f}%"
            e = f"{r['error_pp']:+.1f} pp"
        else:
            pub, mod, e = f"{r['published']:g}", f"{r['modelled']:g}", f"{r['error']:+g}"
        year = f"{r['published_year']} {r['published_period']}"
        table.add_row(r["figure"], r["metric"], pub, year, mod, e)
    con.print(table)
    con.print(
        f"WAPE (value figures) {100 * res['wape']:.1f}%; "
        f"mode-share error {res['mode_share_error_pp']:.1f} pp"
    )


def indicators_cmd(
    scenario: TradeScenarioOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
) -> None:
    """The plan's trade targets / 规划目标: published and modelled, baseline and scenario."""
    report, engine, key = report_and_engine(scenario)
    res = report.indicators(engine, key)
    if as_json:
        emit_json(res)
        return
    con = _console()
    _print_meta(con, res)
    table = Table(title="the plan's targets / 规划目标")
    cols = ("target", "goal", "published", "year", "modelled")
    for col in (*cols, *(("baseline", "change") if engine is not None else ())):
        table.add_column(col, justify="left" if col == "target" else "right")
    for i in res["indicators"]:
        pub = i["published"]
        row = [
            f"{i['section']} {i['label_zh']}\n{i['label_en']}",
            _goal(i),
            _fmt(pub["value"], pub["unit"]),
            f"{pub['year']} {pub['period']} ({pub['mark']})",
            _fmt(i["modelled"], i["unit"]),
        ]
        if engine is not None:
            change = i["change"]
            row += [_fmt(i["baseline"], i["unit"]), _change(change, i["change_unit"])]
        table.add_row(*row)
    con.print(table)


def _change(change: float | None, unit: str) -> str:
    if change is None:
        return "—"
    if unit == "relative":
        return f"{100 * change:+.2f}%"
    if unit == "share":
        return f"{100 * change:+.2f} pp"
    if unit == "CNY":
        return f"{change / 1e9:+,.1f} bn CNY"
    return f"{change:+g}"


def _goal(i: dict[str, Any]) -> str:
    value = i["goal"]["value"]
    if i["target"] == "air_intl_tonnes":  # a growth target
        return f"+{100 * value:.0f}%/yr"
    return f"{i['goal']['comparator']} {_fmt(value, i['unit'])}"


def _fmt(value: float, unit: str) -> str:
    if unit in ("share",):
        return f"{100 * value:.1f}%"
    if unit == "CNY":
        return f"{value / 1e9:,.0f} bn CNY"
    if unit == "cny_100m":
        return f"{value / 10:,.0f} bn CNY"
    if unit == "tonnes":
        return f"{value:,.0f} t"
    if unit == "usd_bn":
        return f"USD {value:g} bn"
    return f"{value:g}"


def register(app: typer.Typer) -> None:
    """Add ``flows`` and ``indicators`` to *app*."""
    app.command("flows")(handle_errors(flows_cmd))
    app.command("indicators")(handle_errors(indicators_cmd))
