"""Maps of a scenario's difference from the baseline, on a diverging colour-blind-safe scale.

Owns: `access_diff_scene` (the county choropleth of the change in mean hours to the nearest hub
of one kind, scenario minus baseline, from
:meth:`corridors.scenario_compare.AccessComparison.county_delta`, with the delta raster as a
layer of the HTML map, the hubs of the scenario and the hubs it closes), `delta_scale` (a
scale symmetric around 0 on ``maps.palette.DIVERGING_DELTA``) and `colour_delta` (its colours);
`route_diff_scene` (the baseline's best route and the scenario's on one map, in
``BASELINE_ROUTE_COLOUR`` and ``SCENARIO_ROUTE_COLOUR``, labelled "基准 baseline" and "情景
scenario", drawn by :func:`maps.briefings.route_scene` and relabelled).

The county shapes, prefecture outlines and hub symbols are those of the accessibility map
(:mod:`maps.access_map`); the page is drawn by the print layouts like every scene. Like the
other builders it takes loaded objects and does no I/O.
"""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from hubs.models import Place
from maps.access_map import (
    ACCESS_SIMPLIFY_NOTE,
    NO_DATA_COLOUR,
    PREFECTURE_STYLE,
    county_shapes,
    hub_features,
    kind_names,
    prefecture_outlines,
    rgba_hex,
)
from maps.briefings import (
    BASEMAP_STYLES,
    GROUP_BOUNDARIES,
    GROUP_HUBS,
    GROUP_ROUTES,
    HUB_STYLES,
    PROVINCE_LEGEND,
    MapData,
    attributions,
    basemap_layers,
    route_scene,
    sea_inset,
)
from maps.palette import DIVERGING_DELTA, rgb01
from maps.scene import (
    ColourScale,
    Feature,
    ImageOverlay,
    Layer,
    LegendEntry,
    Scene,
    Style,
    Symbol,
)

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    from numpy.typing import NDArray

    from corridors.engine import RouteResult
    from corridors.models import ServiceNetwork
    from corridors.scenario_compare import AccessComparison
    from corridors.scenarios import ScenarioRef
    from hubs.tables import Catalog

MIN_HALF_SPAN_H = 0.5
"""Smallest half-width of the scale, hours (``assumption``: a scenario that changes nothing, or
next to nothing, is drawn on ±0.5 h, so that noise of a few minutes stays near-white instead of
being stretched to the full purple and orange)."""
CLOSED_HUB_STYLE = Style("#000000", "#000000", 1.0, 2.0, symbol=Symbol.CROSS, size_px=12)


def delta_scale(delta_h: NDArray[Any], *, label: str) -> ColourScale:
    """A scale from ``-m`` to ``+m`` hours on ``DIVERGING_DELTA``, 0 in its neutral middle.

    Parameters
    ----------
    delta_h : numpy.ndarray
        Differences in hours (scenario minus baseline); NaN ignored.
    label : str
        Caption of the colour bar.

    Returns
    -------
    ColourScale
        ``m`` is the largest finite ``|delta_h|`` rounded up to the next 0.5 h, at least
        ``MIN_HALF_SPAN_H``; the 11 ColorBrewer colours are evenly spaced over ``[-m, m]``.
    """
    d = np.asarray(delta_h, dtype=np.float64)
    finite = np.abs(d[np.isfinite(d)])
    top = float(finite.max()) if finite.size else 0.0
    m = max(MIN_HALF_SPAN_H, math.ceil(top * 2.0 - 1e-9) / 2.0)
    n = len(DIVERGING_DELTA) - 1
    colours = enumerate(DIVERGING_DELTA)
    stops = tuple((round(-m + 2.0 * m * k / n, 6), c.lower()) for k, c in colours)
    return ColourScale(label=label, units="hours", vmin=-m, vmax=m, stops=stops)


def colour_delta(values: NDArray[Any], scale: ColourScale) -> NDArray[np.uint8]:
    """RGBA ``uint8`` colours of *values* on *scale*, linear between its stops; alpha 0 at NaN.

    Values beyond the ends take the end colours. The interpolation is the colour bar's
    (``maps.scene.ColourScale``: linear in sRGB between stops).
    """
    v = np.asarray(values, dtype=np.float64)
    valid = np.isfinite(v)
    x = np.clip(np.where(valid, v, 0.0), scale.vmin, scale.vmax)
    at = np.array([s for s, _ in scale.stops])
    rgb = np.array([rgb01(c) for _, c in scale.stops])
    out = np.empty((*v.shape, 4), dtype=np.uint8)
    for ch in range(3):
        out[..., ch] = np.round(np.interp(x, at, rgb[:, ch]) * 255).astype(np.uint8)
    out[..., 3] = np.where(valid, 255, 0).astype(np.uint8)
    return out


def scenario_label(comparison: AccessComparison) -> str:
    """``title (v<version>, <fingerprint 12>)`` of the comparison's scenario, bilingual."""
    ref = comparison.scenario
    if ref is None:
        return "情景 Scenario"
    version = f"v{ref.version}, " if ref.version is not None else ""
    return f"{ref.title} ({version}{ref.fingerprint[:12]})"


def title_block_label(ref: ScenarioRef | None) -> str:
    """The value of the title block's scenario row (labelled 情景 Scenario): ``title (v<version>)``.

    The fingerprint is in the subtitle; the title block has room for a title and a version.
    """
    if ref is None:
        return "情景 Scenario"
    version = f" (v{ref.version})" if ref.version is not None else ""
    return f"{ref.title}{version}"


def access_diff_scene(
    *,
    data: MapData,
    catalog: Catalog,
    comparison: AccessComparison,
    county_delta: pd.DataFrame,
    counties: gpd.GeoDataFrame,
) -> Scene:
    """The change in hours to the nearest hub of one kind under a scenario, per county.

    Parameters
    ----------
    data : MapData
        Simplified boundary layers.
    catalog : hubs.tables.Catalog
        Prefecture names.
    comparison : corridors.scenario_compare.AccessComparison
        The baseline and scenario rasters; its delta raster is a layer of the HTML map,
        hidden when it opens (its colours clipped to the county scale).
    county_delta : pandas.DataFrame
        ``comparison.county_delta(counties)`` (``adcode``, ``name_zh``, ``cells``,
        ``baseline_mean_h``, ``scenario_mean_h``, ``delta_mean_h``).
    counties : geopandas.GeoDataFrame
        The county layer (``adcode``, geometry).

    Returns
    -------
    Scene
        Counties filled by ``delta_mean_h`` on :func:`delta_scale` of the county means
        (purple = closer under the
        scenario, white = unchanged, orange = farther); grey where a county has no cell.
    """
    base = comparison.baseline
    kind = base.kind
    zh, en = kind_names(kind)
    deltas = county_delta["delta_mean_h"].to_numpy(dtype=np.float64)
    scale = delta_scale(
        deltas,
        label="Δ 通行时间 Δ hours (scenario − baseline 情景 − 基准)",
    )
    rows = {str(r.adcode): r for r in county_delta.itertuples(index=False)}
    feats: list[Feature] = []
    no_data = False
    for adcode, geom in county_shapes(counties):
        row: Any = rows.get(adcode)
        if row is None:
            continue
        d = float(row.delta_mean_h)
        ok = math.isfinite(d)
        no_data = no_data or not ok
        fill = rgba_hex(colour_delta(np.array([d]), scale)[0]) if ok else NO_DATA_COLOUR
        b, s = float(row.baseline_mean_h), float(row.scenario_mean_h)
        d_txt = f"{d:+.2f} h" if ok else "no cell"
        feats.append(
            Feature(
                geom,
                Style("#ffffff", fill, 0.9, 0.6),
                tooltip=f"{row.name_zh} — Δ {d_txt}",
                popup=(
                    ("名称", str(row.name_zh)),
                    ("Adcode", adcode),
                    ("基准 Baseline", f"{b:.2f} h" if math.isfinite(b) else "no cell"),
                    ("情景 Scenario", f"{s:.2f} h" if math.isfinite(s) else "no cell"),
                    ("Δ", d_txt),
                ),
            )
        )
    pref_lines, labels = prefecture_outlines(data, catalog)
    hub_label, hub_style = HUB_STYLES[kind]
    scen_hubs = comparison.scenario_raster.hubs
    scen_ids = {h.id for h in scen_hubs}
    closed: list[Place] = [h for h in base.hubs if h.id not in scen_ids]
    added = scen_ids - {h.id for h in base.hubs}
    delta_image = ImageOverlay(
        f"Δ 通行时间栅格 Δ hours raster ({base.grid.res_deg * 3600:g}″ cells)",
        colour_delta(comparison.delta_hours, scale),
        base.grid.bounds,
        opacity=0.9,
        show=False,
    )
    layers = [
        basemap_layers(data, world=False),
        Layer(f"区县平均通行时间变化 County mean Δ hours ({len(feats)})", tuple(feats)),
        Layer("市州界 Prefecture boundaries", tuple(pref_lines)),
        Layer(
            "四川省界 Sichuan boundary",
            tuple(Feature(g.boundary, BASEMAP_STYLES["province"]) for g in data.province.geometry),
        ),
        Layer(f"{hub_label} (情景 scenario)", hub_features(scen_hubs, hub_style)),
    ]
    legend = [
        LegendEntry(f"{hub_label}, 情景 scenario ({len(scen_hubs)})", hub_style, "point",
                    GROUP_HUBS),
    ]  # fmt: skip
    if closed:
        layers.append(
            Layer("情景关闭 Closed by the scenario", hub_features(closed, CLOSED_HUB_STYLE))
        )
        legend.append(
            LegendEntry(f"情景关闭 Closed by the scenario ({len(closed)})", CLOSED_HUB_STYLE,
                        "point", GROUP_HUBS)
        )  # fmt: skip
    legend += [
        LegendEntry("市州界 Prefecture boundary", PREFECTURE_STYLE, "line", GROUP_BOUNDARIES),
        PROVINCE_LEGEND,
    ]
    if no_data:
        legend.append(
            LegendEntry("无栅格中心 No cell centre in county", Style("#ffffff", NO_DATA_COLOUR, 1))
        )
    ref = comparison.scenario
    notes = [
        (
            f"Δ = scenario − baseline of each county's mean hours to the nearest {en.lower()} "
            f"(mean of the cells whose centre lies inside); baseline parameters "
            f"{base.parameters_version}, scenario {scenario_label(comparison)}."
        ),
        (
            f"Diverging scale symmetric around 0 (±{scale.vmax:g} h), ColorBrewer PuOr: purple "
            "= closer under the scenario, white = unchanged, orange = farther. "
            f"Hubs: {len(scen_hubs)} in the scenario, {len(added)} added, {len(closed)} closed."
        ),
        (
            f"Least-cost travel time over a friction surface (Weiss et al. 2018): roads at "
            f"{base.road_speed_kph:g} km/h in the baseline, "
            f"{comparison.scenario_raster.road_speed_kph:g} km/h under the scenario; "
            f"{base.grid.res_deg * 3600:g}-arc-second cells; slope: {base.dem}."
        ),
        ACCESS_SIMPLIFY_NOTE,
    ]
    west, south, east, north = (float(v) for v in data.province.total_bounds)
    title = ref.title if ref is not None else "情景 Scenario"
    return Scene(
        title=f"到最近{zh}的通行时间变化 Change in hours to the nearest {en.lower()}: {title}",
        subtitle=(
            f"情景 Scenario {scenario_label(comparison)} − 基准 baseline (parameters "
            f"{base.parameters_version}); 183 个区县 county means"
        ),
        labels=tuple(labels),
        parameters_version=base.parameters_version,
        inset=sea_inset(data),
        layers=tuple(layers),
        legend=tuple(legend),
        bounds=(west, south, east, north),
        attributions=tuple(
            attributions(data.packages, sea=False, airports=kind.value == "airport")
        ),
        notes=tuple(notes),
        images=(delta_image,),
        scale=scale,
    )


SIDES = ("基准 baseline", "情景 scenario")
"""Labels of the two sides of a route comparison, in the order of their colours."""


def route_diff_scene(
    *,
    data: MapData,
    baseline: RouteResult,
    scenario: RouteResult,
    network: ServiceNetwork,
    ref: ScenarioRef | None = None,
) -> Scene:
    """The best route on the baseline and under the scenario, on one map.

    Parameters
    ----------
    data : MapData
        Simplified boundary layers.
    baseline, scenario : corridors.engine.RouteResult
        The answers of the baseline engine and of the scenario's to the same request; each
        must have a route.
    network : corridors.models.ServiceNetwork
        The scenario's service layer (it holds the services the scenario adds).
    ref : corridors.scenarios.ScenarioRef, optional
        The scenario named in the title.

    Returns
    -------
    Scene
        :func:`maps.briefings.route_scene` of the two best routes, the baseline's in
        ``BASELINE_ROUTE_COLOUR`` and the scenario's in ``SCENARIO_ROUTE_COLOUR`` (drawn over
        it), legend, layers and table rows labelled by ``SIDES``.

    Raises
    ------
    ValueError
        A side without a route.
    """
    missing = [side for side, r in zip(SIDES, (baseline, scenario), strict=True) if not r.routes]
    if missing:
        msg = f"no route to map on the {' and the '.join(missing)} side"
        raise ValueError(msg)
    b, s = baseline.routes[0], scenario.routes[0]
    both = dataclasses.replace(baseline, routes=(b, s), names={**scenario.names, **baseline.names})
    scene = route_scene(data=data, result=both, network=network)
    route_names = [f"#{r.rank} {r.corridor} ({'/'.join(r.modes)})" for r in (b, s)]
    layers = list(scene.layers)
    k = 0
    for i, layer in enumerate(layers):
        if k < 2 and layer.name == route_names[k]:
            layers[i] = dataclasses.replace(
                layer, name=f"{SIDES[k]}: {b.corridor if k == 0 else s.corridor}"
            )
            k += 1
    legend = list(scene.legend)
    k = 0
    for i, entry in enumerate(legend):
        if k < 2 and entry.group == GROUP_ROUTES:
            r = (b, s)[k]
            label = f"{SIDES[k]}: {r.corridor} ({'/'.join(r.modes)}), {r.time_h / 24:,.1f} d"
            legend[i] = dataclasses.replace(entry, label=label)
            k += 1
    table = list(scene.table)
    for k in (1, 2):
        table[k] = (SIDES[k - 1], *table[k][1:])
    same = b.services == s.services and b.modes == s.modes
    title = ref.title if ref is not None else "情景 Scenario"
    change = (
        "最优路线不变 best route unchanged"
        if same
        else f"Δ {(s.time_h - b.time_h) / 24:+,.1f} d, Δ {s.cost_cny - b.cost_cny:+,.0f} CNY"
    )
    version = f" v{ref.version}" if ref is not None and ref.version is not None else ""
    fingerprint = f" {ref.fingerprint[:12]}" if ref is not None else ""
    return dataclasses.replace(
        scene,
        title=f"{scene.title} · {title}",
        subtitle=(
            f"基准 baseline (parameters {baseline.parameters_version}) vs 情景 scenario "
            f"{title}{version}{fingerprint}: {change}"
        ),
        layers=tuple(layers),
        legend=tuple(legend),
        table=tuple(table),
    )
