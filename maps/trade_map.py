"""The trade-flow map: Sichuan's modelled trade on the corridors, line width by value or tonnes.

Owns: :func:`flow_scene`, which draws each (corridor, mode at the border, border) of an
assignment (:class:`corridors.trade_assign.Assignment`) along the path of its largest
alternative, in the corridor's colour with a width proportional to its value (or tonnes,
``measure="tonnes"``), and each gateway (airport, port, land border crossing) as a circle whose
area is proportional to the value (tonnes) that leaves or enters China there; the legend's width
and circle scales drawn with the very styles of the map; the table of the flows by mode at the
border; the scene of a trade report under a scenario (:func:`trade_flow_scene`, shared by
``shudao flows --map``, ``shudao map flows`` and ``/maps/flows.*``) and its title-block label
(:func:`flow_map_label`); plus the scales :func:`flow_width_px`, :func:`node_size_px` and
:func:`scale_values`.
Like the other builders it takes loaded objects and does no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from shapely.geometry import Point

from maps.briefings import (
    CORRIDOR_STYLES,
    GROUP_CORRIDORS,
    MARITIME_LEGEND,
    PROVINCE_LEGEND,
    SIMPLIFY_NOTE,
    UNKNOWN_CORRIDOR_STYLE,
    MapData,
    attributions,
    basemap_layers,
    sea_inset,
)
from maps.errors import MapOptionError
from maps.scene import Feature, Layer, LegendEntry, PlaceLabel, Scene, Style, Symbol

if TYPE_CHECKING:
    from corridors.engine import Engine
    from corridors.trade_assign import Assignment
    from corridors.trade_report import TradeReport
    from hubs.models import Place


MAX_WIDTH_PX = 14.0
"""Width of the largest flow (CSS px; 10.5 pt on A4): wide enough to rank a dozen flows by eye,
narrow enough for its legend swatch to fit one legend row (3.9 mm)."""
MIN_WIDTH_PX = 1.0
MAX_NODE_PX = 34.0
LEGEND_NODE_PX = 14.0
"""Largest circle of the legend's size scale (a legend row is 3.9 mm high on A4)."""
NODE_STYLE = Style("#111111", "#ffffff", 0.85, 1.4, symbol=Symbol.CIRCLE)
SCALE_COLOUR = "#555555"
MEASURES = ("value", "tonnes")
GROUP_WIDTHS = {
    "value": "线宽 ∝ 货值 Line width ∝ value",
    "tonnes": "线宽 ∝ 货量 Line width ∝ tonnes",
}
GROUP_GATEWAYS = {
    "value": "出入境口岸 Gateways, area ∝ value",
    "tonnes": "出入境口岸 Gateways, area ∝ tonnes",
}
ROAD_STYLE = Style("#555555", weight_px=1.5)
ROAD_SEA_STYLE = Style("#999999", weight_px=1.5, casing="#555555")
MODE_NAMES = {
    "air": "航空 Air",
    "sea": "海运 Sea",
    "rail": "铁路 Rail",
    "road": "公路 Road",
    "inland_waterway": "内河 Inland waterway",
    "unrouted": "无路线 No route",
}


def flow_width_px(value: float, largest: float) -> float:
    """Line width in CSS pixels: proportional to *value*, the largest flow at MAX_WIDTH_PX."""
    if largest <= 0:
        return MIN_WIDTH_PX
    return max(MIN_WIDTH_PX, MAX_WIDTH_PX * value / largest)


def node_size_px(value: float, largest: float) -> float:
    """Circle diameter in CSS pixels: area proportional to *value* (largest at MAX_NODE_PX)."""
    if largest <= 0:
        return 4.0
    return max(4.0, MAX_NODE_PX * math.sqrt(value / largest))


def nice_floor(x: float) -> float:
    """The largest number of the 1-2-3-5 series (x 10^k) not above *x* (0 for x <= 0)."""
    if x <= 0:
        return 0.0
    power = 10.0 ** math.floor(math.log10(x))
    return next((m * power for m in (5.0, 3.0, 2.0) if m * power <= x * (1 + 1e-9)), power)


def scale_values(largest: float) -> tuple[float, ...]:
    """Round values for a width legend: at most 45% of *largest*, a third and a tenth of that.

    Below half of the largest width so that the widest swatch's round caps leave its label clear.
    """
    top = nice_floor(0.45 * largest)
    values = (top, nice_floor(top / 3), nice_floor(top / 10))
    return tuple(v for i, v in enumerate(values) if v > 0 and v not in values[:i])


def _amount(measure: str, value_cny: float, tonnes: float) -> float:
    return value_cny if measure == "value" else tonnes


def amount_text(measure: str, amount: float) -> str:
    """*amount* with its unit, bilingual: ``"120 bn CNY 1,200亿元"`` or ``"3.2 Mt 320万吨"``."""
    if measure == "value":
        digits = 0 if amount >= 10e9 else 1
        return f"{amount / 1e9:,.{digits}f} bn CNY {amount / 1e8:,.0f}亿元"
    digits = 0 if amount >= 10e6 else 1
    return f"{amount / 1e6:,.{digits}f} Mt {amount / 1e4:,.0f}万吨"


def _label(corridor: str) -> tuple[str, Style]:
    base, _, onward = corridor.partition("+")
    if base == "road":
        if onward:
            return "公路至港口 + 海运 Road to a port + sea", ROAD_SEA_STYLE
        return "公路 Road (across a land border)", ROAD_STYLE
    label, style = CORRIDOR_STYLES.get(base, (corridor, UNKNOWN_CORRIDOR_STYLE))
    if onward:
        label = f"{label} + 海运 sea" if onward == "sea" else f"{label} + {onward}"
    return label, style


def _mode_table(assignment: Assignment, measure: str) -> tuple[tuple[str, ...], ...]:
    """Header and one row per mode at the border (the table under the map frame)."""
    header = (
        "出境方式 Mode at the border",
        "货值 Value",
        "占比 Share",
        "货量 Tonnes",
        "占比 Share",
    )
    key = "share_value" if measure == "value" else "share_tonnes"
    groups = sorted(assignment.by("mode"), key=lambda r: (-r[key], r["key"]))
    rows = [
        (
            MODE_NAMES.get(r["key"], r["key"]),
            amount_text("value", r["value_cny"]),
            f"{100 * r['share_value']:.1f}%",
            amount_text("tonnes", r["tonnes"]),
            f"{100 * r['share_tonnes']:.1f}%",
        )
        for r in groups
    ]
    return (header, *rows)


def flow_scene(
    *,
    data: MapData,
    assignment: Assignment,
    places: Mapping[str, Place],
    title_note: str = "",
    parameters_version: str = "",
    measure: str = "value",
) -> Scene:
    """Sichuan's modelled trade by corridor and gateway.

    Parameters
    ----------
    data : MapData
        Boundary layers (the world basemap).
    assignment : corridors.trade_assign.Assignment
        The flows on each alternative, with a path per (corridor, border).
    places : mapping
        Place id -> place, to locate the gateways.
    title_note : str
        Baseline or scenario, shown in the subtitle.
    parameters_version : str
        Parameters of the routes (title block).
    measure : str
        ``value`` (CNY) or ``tonnes``: what the line widths and circle areas are proportional to.

    Raises
    ------
    maps.errors.MapOptionError
        *measure* is neither ``value`` nor ``tonnes``.
    """
    if measure not in MEASURES:
        msg = f"unknown measure {measure!r}: choose value or tonnes"
        raise MapOptionError(msg)
    amount = {f: _amount(measure, f.value_cny, f.tonnes) for f in assignment.lines}
    lines = sorted(assignment.lines, key=lambda f: (-amount[f], f.corridor, f.border))
    largest = max(amount.values(), default=0.0)
    total = sum(amount.values()) or 1.0
    by_corridor: dict[str, list[Feature]] = {}
    sums: dict[str, float] = {}
    for f in lines:
        if f.geometry is None or amount[f] < 1e-4 * total:
            continue
        label, style = _label(f.corridor)
        styled = Style(
            style.color,
            weight_px=flow_width_px(amount[f], largest),
            opacity=0.85,
            dash=None,
            casing=style.casing,
        )
        popup = (
            ("通道 Corridor", label),
            ("出境方式 Mode at the border", MODE_NAMES.get(f.border_mode, f.border_mode)),
            ("口岸 Border", f.border),
            ("货值 Value", f"{amount_text('value', f.value_cny)} "
                          f"({100 * f.value_cny / (assignment.total() or 1.0):.1f}%)"),
            ("货量 Tonnes", amount_text("tonnes", f.tonnes)),
            ("Mark", "modelled 模型估计"),
        )  # fmt: skip
        by_corridor.setdefault(f.corridor, []).append(
            Feature(
                f.geometry,
                styled,
                tooltip=f"{label}, {f.border}: {amount_text(measure, amount[f])}",
                popup=popup,
            )
        )
        sums[f.corridor] = sums.get(f.corridor, 0.0) + amount[f]
    layers = [basemap_layers(data, world=True)]
    legend: list[LegendEntry] = []
    # the largest corridor is drawn first, so that thinner flows on the same track stay visible
    for corridor in sorted(by_corridor, key=lambda c: (-sums[c], c)):
        label, style = _label(corridor)
        layers.append(Layer(label, tuple(by_corridor[corridor])))
        swatch = Style(style.color, weight_px=3.0, opacity=0.85, casing=style.casing)
        legend.append(LegendEntry(label, swatch, "line", GROUP_CORRIDORS))
    for v in scale_values(largest):
        if MAX_WIDTH_PX * v < MIN_WIDTH_PX * largest:
            continue  # would be drawn at the minimum width, not in proportion
        width = Style(SCALE_COLOUR, weight_px=flow_width_px(v, largest), opacity=0.85)
        legend.append(LegendEntry(amount_text(measure, v), width, "line", GROUP_WIDTHS[measure]))
    gateways: dict[str, float] = {}
    for f in lines:
        gateways[f.gateway] = gateways.get(f.gateway, 0.0) + amount[f]
    top = max(gateways.values(), default=0.0)
    nodes: list[Feature] = []
    labels: list[PlaceLabel] = []
    for gid, value in sorted(gateways.items(), key=lambda kv: (-kv[1], kv[0])):
        place = places.get(gid)
        if place is None or value < 1e-3 * total:
            continue  # a road crossing the catalog does not name has no point
        style = replace(NODE_STYLE, size_px=node_size_px(value, top))
        text = f"{place.name_zh} {place.name_en}: {amount_text(measure, value)}"
        nodes.append(Feature(Point(place.lon, place.lat), style, tooltip=text))
        labels.append(PlaceLabel(place.lon, place.lat, place.name_zh, place.name_en, 1))
    layers.append(Layer(GROUP_GATEWAYS[measure], tuple(nodes)))
    legend_top = top * (LEGEND_NODE_PX / MAX_NODE_PX) ** 2
    for v in scale_values(legend_top)[:2]:
        legend.append(
            LegendEntry(
                amount_text(measure, v),
                replace(NODE_STYLE, size_px=node_size_px(v, top)),
                "point",
                GROUP_GATEWAYS[measure],
            )
        )
    legend += [PROVINCE_LEGEND, MARITIME_LEGEND]
    what = "货值 value" if measure == "value" else "货量 tonnes"
    return Scene(
        title="四川外贸货流（模型估计）Sichuan's trade on the corridors (modelled)",
        subtitle=f"{title_note} · 线宽 ∝ {what}; 最大 largest {amount_text(measure, largest)}",
        layers=tuple(layers),
        legend=tuple(legend),
        bounds=(0.0, -4.0, 132.0, 60.0),
        attributions=attributions(data.packages, sea=True, airports=True),
        notes=(
            SIMPLIFY_NOTE,
            "出境方式即海关“运输方式”（出境时的方式）。 Mode = the mode at the Chinese border "
            "(the customs definition). "
            "货流为模型估计（2024 年基年，IPF + logit），非海关统计；"
            "自中国港口、机场续运的海运、空运段未画。 Flows are modelled (base year 2024, IPF + "
            "logit), not customs statistics; an onward voyage or flight from a Chinese port or "
            "airport is not drawn. See README 'Trade flows and the plan's targets'.",
        ),
        labels=tuple(labels),
        parameters_version=parameters_version,
        inset=sea_inset(data),
        table=_mode_table(assignment, measure),
    )


def flow_map_label(engine: Engine | None) -> str:
    """The title block's scenario row: the baseline, or the scenario's title (and version)."""
    from corridors.scenarios import ScenarioRef  # noqa: PLC0415
    from maps.scenario_map import title_block_label  # noqa: PLC0415

    ref = getattr(engine, "ref", None)
    if engine is None or not isinstance(ref, ScenarioRef):
        return "基准 Baseline"
    return title_block_label(ref)


def trade_flow_scene(
    report: TradeReport, engine: Engine | None, key: str, *, data: MapData, measure: str = "value"
) -> Scene:
    """The flow map of *report* under *engine* (None: the baseline), cached by *key*.

    Parameters
    ----------
    report : corridors.trade_report.TradeReport
        The trade model (its assignment per scenario key is computed once).
    engine : Engine or None
        A scenario's engine, or None for the baseline.
    key : str
        The scenario's cache key (``baseline``, a shipped name, ``<id>@v<version>``).
    data : MapData
        Boundary layers.
    measure : str
        ``value`` or ``tonnes``.
    """
    from corridors.scenarios import ScenarioRef  # noqa: PLC0415

    assignment = report.assignment(engine, key)[0]
    ref = getattr(engine, "ref", None)
    if engine is None:
        note = "基准 Baseline"
    elif isinstance(ref, ScenarioRef):
        version = f"v{ref.version}, " if ref.version is not None else ""
        note = f"情景 Scenario: {ref.title} ({version}{ref.fingerprint[:12]})"
    else:
        note = f"情景 Scenario: {key}"
    return flow_scene(
        data=data,
        assignment=assignment,
        places={p.id: p for p in report.base.catalog.places},
        title_note=note,
        parameters_version=report.base.params.version,
        measure=measure,
    )
