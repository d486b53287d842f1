"""The trade-flow map: Sichuan's modelled trade on the corridors, line width by value.

Owns: :func:`flow_scene`, which draws each (corridor, mode at the border, border) of an
assignment (:class:`corridors.trade_assign.Assignment`) along the path of its largest
alternative, in the corridor's colour with a width proportional to its value, and each gateway
(airport, port, land border crossing) as a circle whose area is proportional to the value that
leaves or enters China there; plus :func:`flow_width_px` and :func:`node_size_px`, the scales.
Like the other builders it takes loaded objects and does no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

from shapely.geometry import Point

from maps.briefings import (
    CORRIDOR_STYLES,
    GROUP_CORRIDORS,
    GROUP_POINTS,
    MARITIME_LEGEND,
    PROVINCE_LEGEND,
    SIMPLIFY_NOTE,
    UNKNOWN_CORRIDOR_STYLE,
    MapData,
    attributions,
    basemap_layers,
    sea_inset,
)
from maps.scene import Feature, Layer, LegendEntry, PlaceLabel, Scene, Style, Symbol

if TYPE_CHECKING:
    from corridors.trade_assign import Assignment
    from hubs.models import Place

MAX_WIDTH_PX = 18.0
MIN_WIDTH_PX = 1.0
MAX_NODE_PX = 34.0
NODE_STYLE = Style("#111111", "#ffffff", 0.85, 1.4, symbol=Symbol.CIRCLE)


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


def _label(corridor: str) -> tuple[str, Style]:
    base = corridor.split("+")[0]
    label, style = CORRIDOR_STYLES.get(base, (corridor, UNKNOWN_CORRIDOR_STYLE))
    if "+" in corridor:
        label = f"{label} + 海运 sea"
    return label, style


def flow_scene(
    *,
    data: MapData,
    assignment: Assignment,
    places: Mapping[str, Place],
    title_note: str = "",
    parameters_version: str = "",
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
    """
    lines = sorted(assignment.lines, key=lambda f: (-f.value_cny, f.corridor, f.border))
    largest = max((f.value_cny for f in lines), default=0.0)
    total = sum(f.value_cny for f in lines) or 1.0
    by_corridor: dict[str, list[Feature]] = {}
    for f in lines:
        if f.geometry is None or f.value_cny < 1e-4 * total:
            continue
        label, style = _label(f.corridor)
        share = f.value_cny / total
        styled = Style(
            style.color,
            weight_px=flow_width_px(f.value_cny, largest),
            opacity=0.8,
            dash=None,
            casing=style.casing,
        )
        popup = (
            ("Corridor 通道", label),
            ("Mode at the border 出境方式", f.border_mode),
            ("Border 口岸", f.border),
            ("Value 货值", f"{f.value_cny / 1e9:,.1f} bn CNY ({100 * share:.1f}%)"),
            ("Tonnes 货量", f"{f.tonnes:,.0f} t"),
            ("Mark", "modelled 模型估计"),
        )
        by_corridor.setdefault(f.corridor, []).append(
            Feature(
                f.geometry,
                styled,
                tooltip=f"{label}: {f.value_cny / 1e9:,.1f} bn CNY",
                popup=popup,
            )
        )
    layers = [basemap_layers(data, world=True)]
    legend: list[LegendEntry] = []
    for corridor in sorted(by_corridor):
        label, style = _label(corridor)
        layers.append(Layer(label, tuple(by_corridor[corridor])))
        legend.append(LegendEntry(label, style, "line", GROUP_CORRIDORS))
    gateways: dict[str, float] = {}
    for f in lines:
        gateways[f.gateway] = gateways.get(f.gateway, 0.0) + f.value_cny
    top = max(gateways.values(), default=0.0)
    nodes: list[Feature] = []
    labels: list[PlaceLabel] = []
    for gid, value in sorted(gateways.items(), key=lambda kv: (-kv[1], kv[0])):
        place = places.get(gid)
        if place is None or value < 1e-3 * total:
            continue  # a road crossing the catalog does not name has no point
        style = Style(
            NODE_STYLE.color,
            NODE_STYLE.fill_color,
            NODE_STYLE.fill_opacity,
            NODE_STYLE.weight_px,
            symbol=Symbol.CIRCLE,
            size_px=node_size_px(value, top),
        )
        text = f"{place.name_zh} {place.name_en}: {value / 1e9:,.1f} bn CNY"
        nodes.append(Feature(Point(place.lon, place.lat), style, tooltip=text))
        labels.append(PlaceLabel(place.lon, place.lat, place.name_zh, place.name_en, 1))
    layers.append(Layer("出入境口岸 Gateways (area ∝ value)", tuple(nodes)))
    legend.append(
        LegendEntry("出入境口岸 Gateway, area ∝ value", NODE_STYLE, "point", GROUP_POINTS)
    )
    legend += [PROVINCE_LEGEND, MARITIME_LEGEND]
    return Scene(
        title="四川外贸货流（模型估计）Sichuan's trade on the corridors (modelled)",
        subtitle=(
            f"{title_note} · 线宽 ∝ 货值 line width ∝ value; largest "
            f"{largest / 1e9:,.0f} bn CNY · mode at the Chinese border (customs definition)"
        ),
        layers=tuple(layers),
        legend=tuple(legend),
        bounds=(-12.0, -12.0, 128.0, 62.0),
        attributions=attributions(data.packages, sea=True, airports=True),
        notes=(
            SIMPLIFY_NOTE,
            "货流为模型估计，非海关统计。Flows are modelled (IPF + logit), not customs statistics; "
            "see README 'Trade flows and the plan's targets'.",
        ),
        labels=tuple(labels),
        parameters_version=parameters_version,
        inset=sea_inset(data),
    )
