"""The plan's trade indicators and the validation against held-out figures.

Owns: :func:`indicators` (each target of ``model.toml`` with its definition, latest published
figure and the modelled value, and under a scenario the baseline beside it) and
:func:`validation` (weighted absolute percentage error of the value figures and the
mode-share error in percentage points against the figures of ``model.toml``'s validation list,
kept apart from its calibration figure), both read from an assignment of
:mod:`corridors.trade_assign`.
"""

from __future__ import annotations

import math
from typing import Any

from corridors.trade import DIRECTIONS, bri_value_cny, prefectures_over
from corridors.trade_assign import Assignment
from corridors.trade_tables import CNY_PER_100M, Figure, TradeTables

SOUTHBOUND_TRAINS = ("ilstc", "china_laos", "china_vietnam")
"""The corridors of what Sichuan calls its ILSTC (西部陆海新通道) trains: rail-sea via Qinzhou and
the China-Laos, China-Myanmar and China-Vietnam trains (川观新闻, 2023-12-25)."""


def _published(fig: Figure) -> dict[str, Any]:
    return fig.to_dict()


def _fmt_indicator(
    tid: str, spec: dict[str, Any], published: Figure, modelled: float, extra: dict[str, Any]
) -> dict[str, Any]:
    return {
        "target": tid,
        "section": spec["section"],
        "label_zh": spec["label_zh"],
        "label_en": spec["label_en"],
        "definition": spec["definition"],
        "goal": {"comparator": spec["comparator"], "value": spec["target"]},
        "unit": spec["unit"],
        "published": _published(published),
        "modelled": round(modelled, 2 if spec["unit"] == "CNY" else 6),
        "mark": "modelled",
        **extra,
    }


def indicators(
    assignment: Assignment, tables: TradeTables, *, baseline: Assignment | None = None
) -> list[dict[str, Any]]:
    """The plan's targets: definition, latest published figure and the modelled value.

    The flow matrix is fitted to the base year and a scenario changes only the routes, so the
    totals, import share, Belt-and-Road share and prefecture count are the same under every
    scenario; the rail share and the air tonnes move. With *baseline*, each entry also carries
    ``baseline`` and ``change`` (scenario minus baseline; for air tonnes the relative change).
    """
    flows = assignment.flows
    total = float(flows.value_cny.sum())
    imports = float(flows.value_cny[..., DIRECTIONS.index("import")].sum())

    def values(a: Assignment) -> dict[str, float]:
        air_t = sum(r["tonnes"] for r in a.rows if r["border_mode"] == "air")
        return {
            "goods_trade_total": total,
            "import_share": imports / total,
            "rail_share_value": a.share("mode", "rail"),
            "bri_share": bri_value_cny(flows, tables) / total,
            "prefectures_over_10bn": float(prefectures_over(flows)),
            "air_intl_tonnes": air_t,
        }

    now = values(assignment)
    base = values(baseline) if baseline is not None else None
    out = []
    for tid, spec in tables.targets.items():
        extra: dict[str, Any] = {}
        if base is not None:
            extra["baseline"] = round(base[tid], 2 if spec["unit"] == "CNY" else 6)
            if tid == "air_intl_tonnes":
                extra["change"] = round(now[tid] / base[tid] - 1.0, 6) if base[tid] else None
                extra["change_unit"] = "relative"
            else:
                extra["change"] = round(now[tid] - base[tid], 6)
                extra["change_unit"] = spec["unit"]
        out.append(
            _fmt_indicator(tid, dict(spec), tables.figure(spec["published"]), now[tid], extra)
        )
    return out


def validation(assignment: Assignment, tables: TradeTables, *, usd_cny: float) -> dict[str, Any]:
    """The model against the published figures held out of calibration.

    Value figures give the weighted absolute percentage error (WAPE = sum |m - p| / sum p),
    shares the error in percentage points, counts the difference. Part-year figures are
    annualised pro rata (x 12 / months) and the year each refers to is kept beside it.
    """
    rows: list[dict[str, Any]] = []
    months = {"FY": 12, "Jan-Nov": 11, "Jan-Oct": 10, "Jan-Aug": 8, "H1": 6}
    for fid in tables.logit.validation:
        f = tables.figure(fid)
        scale = 12 / months.get(f.period, 12)
        if f.indicator == "train_trade_effect":
            published = f.value * 1e9 * usd_cny
            modelled = assignment.total_where("corridor", "china_europe_rail")
            kind, metric = "value", "value on the china_europe_rail corridor, CNY/yr"
        elif f.indicator == "train_goods_value":
            published = f.value * CNY_PER_100M * scale
            modelled = sum(assignment.total_where("corridor", c) for c in SOUTHBOUND_TRAINS)
            kind = "value"
            metric = "value on the southbound trains (ilstc, china_laos, china_vietnam), CNY/yr"
        elif f.indicator == "rail_share_value":
            published = f.value
            modelled = assignment.share("mode", "rail")
            kind, metric = "share", "share of value with rail as the mode at the border"
        elif f.indicator == "prefectures_over_10bn":
            published = f.value
            modelled = float(prefectures_over(assignment.flows))
            kind, metric = "count", "prefectures with modelled trade over 10 bn CNY"
        else:
            continue
        err = modelled - published
        rows.append(
            {
                "figure": fid,
                "kind": kind,
                "metric": metric,
                "published": round(published, 6),
                "published_year": f.year,
                "published_period": f.period,
                "modelled": round(modelled, 6),
                "error": round(err, 6),
                "ape": round(abs(err) / published, 6) if kind == "value" and published else None,
                "error_pp": round(100 * err, 6) if kind == "share" else None,
                "source": f.source,
            }
        )
    value_rows = [r for r in rows if r["kind"] == "value"]
    den = sum(r["published"] for r in value_rows)
    wape = sum(abs(r["error"]) for r in value_rows) / den if den else math.nan
    share_rows = [r for r in rows if r["kind"] == "share"]
    pp = max((abs(r["error_pp"]) for r in share_rows), default=math.nan)
    return {"rows": rows, "wape": round(wape, 6), "mode_share_error_pp": round(pp, 6)}
