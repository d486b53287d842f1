"""The ``shudao validate`` command: the validation report of the service catalog.

Prints, for every service, the published and measured distance and the published time with
their sources, the countries crossed and the failed itinerary checks (naming the service) or the
published figure's explanation of a difference, and
for the plan's showcase lanes the published door-to-door time beside the engine's answer.
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
        s = Table(title="Showcase lanes / 精品线路: published vs engine / 公布值与引擎结果")
        for col in ("origin", "destination", "published h", "engine h", "corridor", "source"):
            s.add_column(col)
        for sc in report.showcases:
            s.add_row(
                sc.origin,
                sc.destination,
                f"{sc.published_h:.0f}",
                f"{sc.engine_h:.0f}" if sc.engine_h is not None else sc.note,
                sc.engine_corridor or "",
                sc.source,
            )
        out.print(s)
    if not report.ok:
        failed = [r.service_id for r in report.services if not r.ok]
        err.print(f"{len(failed)} service(s) fail their checks: {', '.join(failed)}")
        raise typer.Exit(EXIT_INVALID_DATA)


def register(app: typer.Typer) -> None:
    """Add ``shudao validate`` to *app*."""
    app.command("validate")(validate_cmd)
