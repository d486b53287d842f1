"""The ``shudao validate`` command: the validation report of the service catalog.

Prints, for every service, the published and measured distance and the published time with
their sources, the countries crossed and the failed itinerary checks (naming the service) or the
published figure's explanation of a difference, and
for the plan's showcase lanes the published transit time beside the engine's time on the train
(like with like), the engine's door-to-door time apart, and why they differ.
Exit code 0 when every service passes, 3 (invalid data) when one fails or when a curated table
has problems (all of them listed, places checked against their country's outline).
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from api.cli.common import cli_settings, emit_json, err, handle_errors, load_engine

EXIT_INVALID_DATA = 3


@handle_errors
def validate_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Published vs measured figures for every service / 每条班线的公布值与测量值."""
    from corridors.tables import load_tables  # noqa: PLC0415 (keep `--help` fast)
    from corridors.validation import validate  # noqa: PLC0415

    settings = cli_settings()
    # every problem of every curated table first, places against their country's outline
    load_tables(settings.data_dir, build_dir=settings.build_dir)
    engine = load_engine()
    report = validate(engine)
    if as_json:
        emit_json(report.to_dict())
    else:
        out = Console(width=200)
        t = Table(title="Services / 班线: published vs measured / 公布值与测量值")
        for col in (
            "service 班线",
            "mode",
            "published km",
            "measured km",
            "dev",
            "published h",
            "countries 途经国家",
            "gauge breaks net/cat",
            "checks 校验",
        ):
            t.add_column(col)
        for r in report.services:
            km = r.itinerary_km if r.itinerary_km is not None else r.measured_km
            dev = f"{r.deviation:+.1%}" if r.deviation is not None else ""
            t.add_row(
                r.service_id,
                r.mode,
                f"{r.published_km:,.0f}" if r.published_km else "",
                f"{km:,.0f}",
                dev,
                f"{r.published_h:,.0f}" if r.published_h else "",
                "-".join(r.countries),
                f"{r.network_gauge_breaks}/{r.catalog_gauge_breaks}"
                if r.network_gauge_breaks is not None
                else "",
                ("; ".join(r.problems) if not r.ok else f"explained 已说明: {r.explained}")
                if not r.ok or r.explained
                else "ok",
            )
        out.print(t)
        s = Table(
            title="Showcase lanes / 精品线路: published transit vs time on the train; "
            "door to door apart / 公布运输时效与在途时间对比，门到门另列"
        )
        for col in (
            "lane 线路",
            "published h 公布",
            "basis",
            "engine transit h 在途",
            "dev",
            "engine door-to-door h 门到门",
            "of which wait h 候车",
            "handling h 作业",
            "corridor",
        ):
            s.add_column(col)
        for sc in report.showcases:
            s.add_row(
                f"{sc.origin} → {sc.destination}",
                f"{sc.published_h:.0f}",
                sc.basis,
                f"{sc.engine_transit_h:.1f}" if sc.engine_transit_h is not None else sc.note,
                f"{sc.deviation:+.0%}" if sc.deviation is not None else "",
                f"{sc.engine_h:.1f}" if sc.engine_h is not None else "",
                f"{sc.engine_wait_h:.0f}" if sc.engine_wait_h is not None else "",
                f"{sc.engine_handling_h:.0f}" if sc.engine_handling_h is not None else "",
                sc.engine_corridor or "",
            )
        out.print(s)
        for sc in report.showcases:
            out.print(f"{sc.origin} → {sc.destination}: {sc.note}")
            out.print(f"  source: {sc.source} ({sc.basis})")
    if not report.ok:
        failed = [r.service_id for r in report.services if not r.ok]
        err.print(f"{len(failed)} service(s) fail their checks: {', '.join(failed)}")
        raise typer.Exit(EXIT_INVALID_DATA)


def register(app: typer.Typer) -> None:
    """Add ``shudao validate`` to *app*."""
    app.command("validate")(validate_cmd)
