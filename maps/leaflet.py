"""Draw a `Scene` as a self-contained folium/Leaflet map that works with no network.

Owns: the offline Leaflet assets (``leaflet.js`` and ``leaflet.css`` with its images, read from
the ``xstatic-leaflet`` package and inlined as ``data:`` URIs on each map instance; no jQuery,
Bootstrap or Font Awesome), the custom Leaflet elements (one GeoJSON layer per scene layer with
escaped tooltips and popups, legend, comparison panel, neutral attribution prefix and one
credit per data source), optional online tiles (with the GCJ-02 display shift for AMap), and
`render_html`.

Every text that reaches HTML is escaped in Python (:func:`maps.scene.esc`) and passed to the
page through Jinja's ``tojson`` (which escapes ``<``, ``>``, ``&`` and ``'``), so a place named
``<script>alert(1)</script>`` is shown as text.
"""

from __future__ import annotations

import base64
import io
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import folium
import numpy as np
import shapely
from branca.element import MacroElement
from jinja2 import Template
from shapely.geometry import mapping

from gis.crs import wgs84_to_gcj02
from maps.errors import MapOptionError
from maps.scene import (
    AMAP_CAVEAT,
    MAP_REVIEW_NOTE,
    ColourScale,
    Feature,
    ImageOverlay,
    Layer,
    LegendEntry,
    Scene,
    Style,
    TileSpec,
    esc,
    label_lines,
    popup_html,
    symbol_svg,
)

DISPLAY_DECIMALS = 4  # ~11 m: far below the smallest display simplification (0.003 deg)
FONT_STACK = '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Noto Sans", sans-serif'
SEA_COLOUR = "#dce9f2"
ATTRIBUTION_PREFIX = "Leaflet (BSD-2-Clause) | Shudao 蜀道"


def _data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


@lru_cache(maxsize=1)
def leaflet_assets() -> tuple[str, str]:
    """Return Leaflet's JS and CSS as ``data:`` URIs (CSS images inlined), from xstatic-leaflet.

    Returns
    -------
    tuple of str
        ``(js_data_uri, css_data_uri)``; read once per process.
    """
    import xstatic.pkg.leaflet as xleaflet  # noqa: PLC0415

    base = Path(xleaflet.BASE_DIR)
    js = (base / "leaflet.js").read_bytes()
    css = (base / "leaflet.css").read_text("utf-8")

    def inline(match: re.Match[str]) -> str:
        name = match.group(1)
        return f"url({_data_uri((base / 'images' / name).read_bytes(), 'image/png')})"

    css = re.sub(r"url\(images/([\w.-]+\.png)\)", inline, css)
    return _data_uri(js, "text/javascript"), _data_uri(css.encode("utf-8"), "text/css")


class _Css(MacroElement):
    _template = Template(
        """{% macro header(this, kwargs) %}<style>
.leaflet-container { background: {{ this.sea }}; font-family: {{ this.font }}; }
.shudao-icon { background: none; border: none; }
.leaflet-container .leaflet-control-attribution { font-size: 10px; max-width: 75%; }
.shudao-label { position: absolute; transform: translate(-50%, -50%); white-space: nowrap;
  font-size: 12px; font-weight: 600; color: #222;
  text-shadow: -1px -1px 0 #fff, 1px -1px 0 #fff, -1px 1px 0 #fff, 1px 1px 0 #fff; }
.shudao-label.small { font-size: 10px; font-weight: 500; }
.shudao-panel { background: rgba(255,255,255,0.93); padding: 6px 9px; border-radius: 4px;
  box-shadow: 0 1px 5px rgba(0,0,0,0.35); font-size: 12px; line-height: 1.35;
  max-width: 340px; max-height: 70vh; overflow: auto; }
.shudao-panel.wide { max-width: none; }
.shudao-panel h4 { margin: 0 0 4px 0; font-size: 13px; display: inline; }
.shudao-panel summary { cursor: pointer; margin-bottom: 3px; }
.shudao-panel .note.review { color: #8a1c1c; }
.shudao-panel .row { display: flex; align-items: center; gap: 6px; margin: 1px 0; }
.shudao-panel .note { color: #555; font-size: 10px; margin-top: 4px; }
.shudao-panel table { border-collapse: collapse; }
.shudao-panel td, .shudao-panel th { padding: 1px 5px; text-align: right; white-space: nowrap; }
.shudao-panel td:first-child, .shudao-panel th:first-child { text-align: left; }
.shudao-scale { margin: 2px 0 6px 0; }
.shudao-scale .bar { height: 12px; width: 240px; border: 1px solid #777; }
.shudao-scale .ticks { display: flex; justify-content: space-between; width: 242px;
  font-size: 10px; }
.leaflet-image-layer.shudao-raster { image-rendering: pixelated; }
.shudao-place { background: none; border: none; }
.shudao-place div { position: absolute; white-space: nowrap; line-height: 1.05; color: #1a1a1a;
  font-weight: 500; text-shadow: -1px -1px 0 #fff, 1px -1px 0 #fff, -1px 1px 0 #fff,
  1px 1px 0 #fff, 0 0 3px #fff; }
.shudao-place div.point { left: 7px; top: 0; transform: translateY(-50%); }
.shudao-place div.area { left: 0; top: 0; transform: translate(-50%, -50%); text-align: center; }
.shudao-place div.p0 { font-weight: 700; }
.shudao-place div span { display: block; }
.shudao-place div span.en { font-size: 0.86em; }
.shudao-print-notes { display: none; }
@media print {
  @page { size: A4 landscape; margin: 8mm; }
  html, body { width: 100%; height: auto; margin: 0; }
  .leaflet-control-zoom, .leaflet-control-layers, .leaflet-control-attribution a[href] {
    display: none !important; }
  .leaflet-control-container .leaflet-top.leaflet-right { display: none !important; }
  .folium-map { height: 150mm !important; width: 100% !important; position: relative !important; }
  .shudao-panel { box-shadow: none; border: 0.3mm solid #999; max-height: none; }
  .shudao-print-notes { display: block; font-size: 7pt; margin-top: 2mm; }
}
</style>{% endmacro %}"""
    )

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "ShudaoCss"
        self.sea = SEA_COLOUR
        self.font = FONT_STACK


class _GeoJsonLayer(MacroElement):
    """One scene layer as ``L.geoJSON`` inside its parent FeatureGroup."""

    _template = Template(
        """{% macro script(this, kwargs) %}
(function () {
  var data = {{ this.data|tojson }};
  var opts = {{ this.opts|tojson }};
  L.geoJSON(data, {
    pane: opts.pane,
    interactive: opts.interactive,
    style: function (f) { return f.properties.s; },
    pointToLayer: function (f, latlng) {
      var p = f.properties;
      return L.marker(latlng, {
        pane: opts.markerPane, interactive: opts.interactive, keyboard: false,
        icon: L.divIcon({html: p.icon, className: 'shudao-icon', iconSize: p.isz,
                         iconAnchor: p.ianc})
      });
    },
    onEachFeature: function (f, layer) {
      if (f.properties.t) { layer.bindTooltip(f.properties.t, {sticky: true}); }
      if (f.properties.p) { layer.bindPopup(f.properties.p, {maxWidth: 400}); }
    }
  }).addTo({{ this._parent.get_name() }});
})();
{% endmacro %}"""
    )

    def __init__(self, data: dict[str, Any], opts: dict[str, Any]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "ShudaoGeoJson"
        self.data = data
        self.opts = opts


class _ImageLayer(MacroElement):
    """A scene image as ``L.imageOverlay`` (a ``data:`` URI PNG) inside its FeatureGroup."""

    _template = Template(
        """{% macro script(this, kwargs) %}
(function () {
  L.imageOverlay({{ this.url|tojson }}, {{ this.bounds|tojson }}, {
    pane: 'raster', opacity: {{ this.opacity|tojson }}, interactive: false,
    className: 'shudao-raster'
  }).addTo({{ this._parent.get_name() }});
})();
{% endmacro %}"""
    )

    def __init__(self, url: str, bounds: list[list[float]], opacity: float) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "ShudaoImage"
        self.url = url
        self.bounds = bounds
        self.opacity = opacity


class _Control(MacroElement):
    """A Leaflet control holding pre-escaped HTML."""

    _template = Template(
        """{% macro script(this, kwargs) %}
(function () {
  var c = L.control({position: {{ this.position|tojson }}});
  c.onAdd = function () {
    var div = L.DomUtil.create('div', {{ this.klass|tojson }});
    div.innerHTML = {{ this.content|tojson }};
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    return div;
  };
  c.addTo({{ this._parent.get_name() }});
})();
{% endmacro %}"""
    )

    def __init__(self, content: str, *, position: str, klass: str = "shudao-panel") -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "ShudaoControl"
        self.content = content
        self.position = position
        self.klass = klass


class _Labels(MacroElement):
    """Place names (stacked zh/en) as one layer; names that collide at a zoom are hidden.

    After every zoom or move, labels are visited in priority order and a label whose box
    overlaps a label already shown, or a legend or table panel, is hidden.
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  var items = {{ this.items|tojson }};
  var group = L.layerGroup().addTo(map);
  var markers = items.map(function (it) {
    var html = '<div class="' + it.cls + '" style="font-size:' + it.px + 'px">' + it.html
      + '</div>';
    var m = L.marker([it.lat, it.lon], {icon: L.divIcon({html: html, className: 'shudao-place',
      iconSize: [0, 0]}), interactive: false, keyboard: false, zIndexOffset: 1000 - it.p});
    m.addTo(group);
    return m;
  });
  function hits(a, b) {
    return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  }
  function declutter() {
    var shown = [];
    document.querySelectorAll('.shudao-panel').forEach(function (p) {
      shown.push(p.getBoundingClientRect());
    });
    markers.forEach(function (m) {
      var el = m.getElement() && m.getElement().firstChild;
      if (!el) { return; }
      el.style.visibility = 'visible';
      var r = el.getBoundingClientRect();
      if (shown.some(function (s) { return hits(r, s); })) {
        el.style.visibility = 'hidden';
      } else {
        shown.push(r);
      }
    });
  }
  map.on('zoomend moveend', declutter);
  setTimeout(declutter, 0);
})();
{% endmacro %}"""
    )

    def __init__(self, items: list[dict[str, Any]]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "ShudaoLabels"
        self.items = items


class _FitOutsidePanels(MacroElement):
    """Fit the map's bounds into the part of the map not covered by the legend and table."""

    _template = Template(
        """{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  // small embeds open with the legend and the table folded to one line each
  var folded = document.querySelectorAll('details.shudao-legend, details.shudao-table');
  folded.forEach(function (d) { if (map.getSize().x < 1100) { d.open = false; } });
  window.addEventListener('beforeprint', function () {
    folded.forEach(function (d) { d.open = true; });
  });
  function fit() {
    var lg = document.querySelector('.shudao-panel.legend');
    var tb = document.querySelector('.shudao-panel.wide');
    var right = lg ? lg.getBoundingClientRect().width + 20 : 10;
    var top = tb ? tb.getBoundingClientRect().height + 20 : 10;
    map.fitBounds({{ this.bounds|tojson }}, {reset: true, paddingTopLeft: [10, top],
                                               paddingBottomRight: [right, 10]});
  }
  fit();
})();
{% endmacro %}"""
    )

    def __init__(self, bounds: list[list[float]]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "ShudaoFit"
        self.bounds = bounds


def label_items(scene: Scene, lang: str, transform: Any) -> list[dict[str, Any]]:
    """The scene's place labels for `_Labels`: escaped lines, class, size, priority order."""
    out = []
    for lb in sorted(scene.labels, key=lambda lb: lb.priority):
        lines = label_lines(lb, lang)
        xy = transform(np.array([[lb.lon, lb.lat]], dtype=float))[0]
        spans = "".join(
            f'<span class="{"en" if i and lang == "both" else "zh"}">{esc(t)}</span>'
            for i, t in enumerate(lines)
        )
        cls = f"{'area' if lb.centred else 'point'} p{lb.priority}"
        out.append(
            {
                "lon": float(xy[0]),
                "lat": float(xy[1]),
                "html": spans,
                "cls": cls,
                "px": round(lb.size_pt * 4 / 3, 1),
                "p": lb.priority,
            }
        )
    return out


class _Attribution(MacroElement):
    """Neutral attribution prefix and one credit per data source (plain text, escaped)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
(function () {
  var a = {{ this._parent.get_name() }}.attributionControl;
  a.setPrefix({{ this.prefix|tojson }});
  {% for credit in this.credits %}a.addAttribution({{ credit|tojson }});
  {% endfor %}
})();
{% endmacro %}"""
    )

    def __init__(self, prefix: str, credits: list[str]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "ShudaoAttribution"
        self.prefix = prefix
        self.credits = credits


def _display_transform(gcj02: bool) -> Any:
    def fn(coords: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        if gcj02 and len(coords):
            lon, lat = wgs84_to_gcj02(coords[:, 0], coords[:, 1])
            coords = np.column_stack([lon, lat])
        return np.round(coords, DISPLAY_DECIMALS)

    return fn


def _leaflet_style(style: Style) -> dict[str, Any]:
    out: dict[str, Any] = {
        "color": style.color,
        "weight": style.weight_px,
        "opacity": style.opacity,
        "fill": style.fill_color is not None,
        "fillColor": style.fill_color or style.color,
        "fillOpacity": style.fill_opacity,
        "lineJoin": "round",
    }
    if style.dash:
        out["dashArray"] = style.dash
    return out


def _point_icon(feature: Feature) -> tuple[str, list[float], list[float]]:
    """Return (html, iconSize, iconAnchor) of a point feature: a symbol, a label or both."""
    st = feature.style
    if feature.label:
        klass = "shudao-label small" if st.size_px < 10 else "shudao-label"
        text = f'<span class="{klass}" style="color:{esc(st.color)}">{esc(feature.label)}</span>'
        return text, [0.0, 0.0], [0.0, 0.0]
    s = st.size_px
    return symbol_svg(st), [s, s], [s / 2, s / 2]


def _layer_geojson(layer: Layer, transform: Any) -> dict[str, Any]:
    features = []
    for f in layer.features:
        geom = shapely.transform(f.geometry, transform)
        props: dict[str, Any] = {"s": _leaflet_style(f.style)}
        if f.tooltip:
            props["t"] = esc(f.tooltip)
        if f.popup:
            props["p"] = popup_html(f.popup)
        if geom.geom_type == "Point":
            props["icon"], props["isz"], props["ianc"] = _point_icon(f)
        features.append({"type": "Feature", "geometry": mapping(geom), "properties": props})
    return {"type": "FeatureCollection", "name": esc(layer.name), "features": features}


def mercator_rows(rgba: np.ndarray[Any, Any], south: float, north: float) -> np.ndarray[Any, Any]:
    """Resample the rows of a lon/lat image so they are evenly spaced in Web Mercator.

    Leaflet stretches an image overlay linearly between its corners in Web Mercator; a
    lon/lat grid (rows evenly spaced in latitude) would otherwise be drawn up to several km
    off in the middle. Nearest neighbour: every output pixel is one input pixel, unchanged.

    Parameters
    ----------
    rgba : numpy.ndarray
        (rows, cols, channels), north-up, rows evenly spaced in latitude.
    south, north : float
        Latitudes of the outer edges, degrees.

    Returns
    -------
    numpy.ndarray
        Same shape and dtype.
    """
    rows = rgba.shape[0]

    def merc(lat: Any) -> Any:
        return np.log(np.tan(np.pi / 4 + np.radians(lat) / 2))

    y_n, y_s = merc(north), merc(south)
    y = y_n - (np.arange(rows) + 0.5) * (y_n - y_s) / rows
    lat = np.degrees(2 * np.arctan(np.exp(y)) - np.pi / 2)
    src = np.clip(np.floor((north - lat) / (north - south) * rows).astype(np.int64), 0, rows - 1)
    out: np.ndarray[Any, Any] = rgba[src]
    return out


def png_data_uri(rgba: np.ndarray[Any, Any]) -> str:
    """Return an RGBA ``uint8`` array as a ``data:image/png;base64`` URI (deterministic)."""
    from PIL import Image  # noqa: PLC0415 (only for scenes with images)

    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgba, dtype=np.uint8), mode="RGBA").save(
        buf, format="PNG", optimize=True
    )
    return _data_uri(buf.getvalue(), "image/png")


def _image_layer(image: ImageOverlay, gcj: bool) -> _ImageLayer:
    west, south, east, north = image.bounds
    url = png_data_uri(mercator_rows(image.rgba, south, north))
    if gcj:
        lon, lat = wgs84_to_gcj02([west, east], [south, north])
        west, east, south, north = float(lon[0]), float(lon[1]), float(lat[0]), float(lat[1])
    return _ImageLayer(url, [[south, west], [north, east]], image.opacity)


def _fmt(value: float) -> str:
    return f"{value:,.1f}" if abs(value) < 100 else f"{value:,.0f}"


def scale_html(scale: ColourScale, *, ticks: int = 5) -> str:
    """Return a colour bar (CSS gradient, tick labels) as escaped HTML.

    The ends are also given exactly, 6 decimals, in ``data-vmin`` and ``data-vmax``.
    """
    span = scale.vmax - scale.vmin
    parts = []
    for value, colour in scale.stops:
        pct = 0.0 if span <= 0 else (value - scale.vmin) / span * 100.0
        parts.append(f"{esc(colour)} {pct:.2f}%")
    gradient = ", ".join(parts) if len(parts) > 1 else f"{parts[0]}, {parts[0]}"
    labels = "".join(
        f"<span>{esc(_fmt(scale.vmin + span * k / (ticks - 1)))}</span>" for k in range(ticks)
    )
    return (
        f'<div class="shudao-scale" data-vmin="{scale.vmin:.6f}" data-vmax="{scale.vmax:.6f}" '
        f'data-units="{esc(scale.units)}"><div>{esc(scale.label)}</div>'
        f'<div class="bar" style="background: linear-gradient(to right, {gradient})"></div>'
        f'<div class="ticks">{labels}</div></div>'
    )


def legend_html(scene: Scene) -> str:
    """Return the legend panel (title, swatches, notes) as escaped HTML."""
    rows = [f"<summary><h4>{esc(scene.title)}</h4></summary>"]
    if scene.subtitle:
        rows.append(f'<div class="note">{esc(scene.subtitle)}</div>')
    if scene.scale is not None:
        rows.append(scale_html(scene.scale))
    group = None
    for entry in scene.legend:
        if entry.group and entry.group != group:
            rows.append(f'<div class="group"><b>{esc(entry.group)}</b></div>')
            group = entry.group
        rows.append(f'<div class="row">{_swatch(entry)}<span>{esc(entry.label)}</span></div>')
    notes = list(scene.notes)
    if scene.parameters_version:
        notes.insert(0, f"参数 Parameters {scene.parameters_version}")
    rows += [f'<div class="note">{esc(n)}</div>' for n in notes]
    rows += [f'<div class="note review">{esc(n)}</div>' for n in (MAP_REVIEW_NOTE, AMAP_CAVEAT)]
    return f'<details class="shudao-legend" open>{"".join(rows)}</details>'


def _swatch(entry: LegendEntry) -> str:
    st = entry.style
    if entry.shape == "point":
        return symbol_svg(Style(**{**st.__dict__, "size_px": 14.0}))
    if entry.shape == "line":
        dash = f' stroke-dasharray="{esc(st.dash)}"' if st.dash else ""
        return (
            f'<svg width="26" height="10" style="display:block"><line x1="1" y1="5" x2="25" '
            f'y2="5" stroke="{esc(st.color)}" stroke-width="{max(st.weight_px, 2):g}"{dash}/></svg>'
        )
    fill = esc(st.fill_color or "none")
    return (
        f'<span style="display:inline-block;width:18px;height:12px;background:{fill};'
        f'opacity:{max(st.fill_opacity, 0.35):g};border:1px solid {esc(st.color)}"></span>'
    )


def table_html(table: tuple[tuple[str, ...], ...]) -> str:
    """Return a comparison table (first row the header) as escaped HTML."""
    if not table:
        return ""
    head = "".join(f"<th>{esc(c)}</th>" for c in table[0])
    body = "".join(
        "<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in table[1:]
    )
    rows = len(table) - 1
    return (
        f'<details class="shudao-table" open><summary><b>对比 Comparison ({rows})</b></summary>'
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></details>"
    )


def _size(value: int | None) -> str | int:
    if value is None:
        return "100%"
    if not 100 <= value <= 10_000:
        msg = f"map size {value} px is outside 100..10000"
        raise MapOptionError(msg)
    return value


def scene_to_folium(
    scene: Scene,
    *,
    tiles: TileSpec | None = None,
    width_px: int | None = None,
    height_px: int | None = None,
    labels: str = "both",
) -> folium.Map:
    """Draw *scene* as a folium map whose assets are all inlined (no network needed).

    Parameters
    ----------
    scene : Scene
        What to draw.
    tiles : TileSpec, optional
        Online basemap; None (default) draws the scene's own vector basemap and loads nothing.
        With tiles, the vector basemap is left out and, for GCJ-02 tiles (AMap), every overlay
        coordinate is shifted WGS84 -> GCJ-02 for display.
    width_px, height_px : int, optional
        Map size in CSS pixels; None fills the page (for iframes and screenshots).
    labels : str
        Place names in ``zh``, ``en`` or ``both`` (stacked).

    Returns
    -------
    folium.Map
    """
    west, south, east, north = scene.bounds
    m = folium.Map(
        location=[(south + north) / 2, (west + east) / 2],
        zoom_start=5,
        tiles=None,
        prefer_canvas=True,
        control_scale=True,
        width=_size(width_px),
        height=_size(height_px),
        zoom_snap=0.25,
        font_size="12px",
    )
    js_uri, css_uri = leaflet_assets()
    # per-instance lists: never mutate folium's class-level defaults (shared by every map)
    m.default_js = [("leaflet", js_uri)]
    m.default_css = [("leaflet_css", css_uri)]
    _Css().add_to(m)
    gcj = bool(tiles is not None and tiles.gcj02)
    transform = _display_transform(gcj)
    credits = list(scene.attributions)
    if tiles is not None:
        for i, url in enumerate(tiles.urls):
            folium.TileLayer(
                tiles=url,
                attr=esc(tiles.attribution) if i == 0 else " ",
                name=f"{tiles.name} tiles" if i == 0 else f"{tiles.name} labels",
                subdomains=tiles.subdomains,
                overlay=i > 0,
                control=False,
            ).add_to(m)
    else:
        folium.map.CustomPane("basemap", z_index=250, pointer_events=False).add_to(m)
    if scene.images:
        folium.map.CustomPane("raster", z_index=300, pointer_events=False).add_to(m)
        for image in scene.images:
            group = folium.FeatureGroup(name=esc(image.name), show=image.show, overlay=True)
            _image_layer(image, gcj).add_to(group)
            group.add_to(m)
    for layer in scene.layers:
        if layer.basemap and tiles is not None:
            continue
        group = folium.FeatureGroup(
            name=esc(layer.name), show=layer.show, control=not layer.basemap, overlay=True
        )
        opts = {
            "pane": "basemap" if layer.basemap else "overlayPane",
            "markerPane": "markerPane",
            "interactive": not layer.basemap,
        }
        _GeoJsonLayer(_layer_geojson(layer, transform), opts).add_to(group)
        group.add_to(m)
    _Control(legend_html(scene), position="bottomright", klass="shudao-panel legend").add_to(m)
    if scene.table:
        _Control(table_html(scene.table), position="topleft", klass="shudao-panel wide").add_to(m)
    _Attribution(ATTRIBUTION_PREFIX, [esc(c) for c in credits]).add_to(m)
    folium.LayerControl(collapsed=True, position="topright").add_to(m)
    sw, ne = [south, west], [north, east]
    if gcj:
        lon, lat = wgs84_to_gcj02([west, east], [south, north])
        sw, ne = [float(lat[0]), float(lon[0])], [float(lat[1]), float(lon[1])]
    if scene.labels:
        _Labels(label_items(scene, labels, transform)).add_to(m)
    # the one initial fit is _FitOutsidePanels (folium's fit_bounds would start a zoom animation)
    _FitOutsidePanels([sw, ne]).add_to(m)
    m.get_root().title = esc(scene.title)  # type: ignore[attr-defined]
    return m


def render_html(m: folium.Map) -> str:
    """Return the complete, self-contained HTML page of *m*."""
    html: str = m.get_root().render()
    return html
